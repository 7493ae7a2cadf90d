"""Does it pay, in words: the money sentence the pilot page, Review and the report lead with, and the projection.

Pure: a :class:`lib.stats.spend.SpendReading` (and a scaling projection) in, sentences out. Money
shows with the workspace's symbol and thousands separators; an interval end that is unbounded is
said in words ("€25 to no upper bound, since the extra leads could be zero"), never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib import formatting as fmt
from lib.stats.spend import MoneySpan, ScalingProjection, SpendReading
from lib.vocabulary import metric_label

_RATE_WORDS = ("rate", "ratio", "share", "pct", "percent")


@dataclass(frozen=True)
class Outcome:
    """What the money buys, as a noun: "reply"/"replies", "lead"/"leads"; money outcomes read as revenue."""

    one: str
    many: str
    money: bool = False


def outcome_words(metric: str, *, money: bool = False) -> Outcome:
    """ "reply_rate" → reply/replies, "lead_rate" → lead/leads, "signups" → signup/signups, revenue → revenue."""
    if money:
        return Outcome("revenue", "revenue", money=True)
    words = [w for w in metric_label(metric, in_sentence=True).split() if w.casefold() not in _RATE_WORDS]
    noun = " ".join(words) or "outcome"
    if noun.endswith("ies"):
        one = noun[:-3] + "y"
    elif noun.endswith("s") and not noun.endswith("ss"):
        one = noun[:-1]
    else:
        one = noun
    return Outcome(one, _plural(one))


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def money(value: float | None, symbol: str) -> str:
    """ "€12,400" for totals; cents only below €10, as a cost per extra outcome reads (:func:`lib.formatting.money`)."""
    return fmt.money(value, symbol, None)


def _count(value: float | None) -> str:
    """A count of extra outcomes for people: whole ones, about two significant digits from 100, a real minus."""
    if value is None:
        return fmt.MISSING
    return fmt.about(value) if value >= 100 else fmt.number(value)


def _about(value: float | None) -> float | None:
    """A projected sum to two significant figures (€17,214 → €17,000): a projection is not exact to the euro."""
    if value is None or value <= 0:
        return value
    return float(fmt.about(value).replace(",", ""))


def span_text(span: MoneySpan, show, *, open_because: str = "") -> str:
    """ "180 to 440"; "no lower bound to 440"; with ``open_because`` said after an open upper end."""
    low = show(span.low) if span.low is not None else fmt.NO_LOWER_BOUND
    high = show(span.high) if span.high is not None else fmt.NO_UPPER_BOUND
    if span.high is None and open_because:
        high += f", {open_because}"
    return f"{low} to {high}"


def _money_span(span: MoneySpan, symbol: str, *, open_because: str = "") -> str:
    """ "€25–€60", "€25 to no upper bound, since the extra leads could be zero"."""
    if span.low is None and span.high is None:
        return f"any price yet, {open_because}" if open_because else "any price yet"
    text = fmt.money_range(span.low, span.high, symbol)
    return f"{text}, {open_because}" if span.high is None and open_because else text


def _return_span(span: MoneySpan, *, open_because: str = "") -> str:
    text = fmt.multiple_range(span.low, span.high)
    return f"{text}, {open_because}" if span.high is None and open_because else text


def _extra(reading: SpendReading, outcome: Outcome, symbol: str) -> str:
    """ "310 extra replies (95%: 180 to 440)", "€4,200 extra revenue (…)"."""
    span = reading.extra_outcome
    show = (lambda v: fmt.money(v, symbol)) if outcome.money else _count
    what = "extra revenue" if outcome.money else f"extra {outcome.many}"
    return f"{show(span.estimate)} {what} ({fmt.level(reading.confidence)}: {span_text(span, show)})"


def money_sentence(reading: SpendReading, outcome: Outcome, symbol: str, *, ab: bool = True) -> str:
    """The lead sentence: what was spent, what each extra outcome cost, and (revenue) what came back."""
    level = fmt.level(reading.confidence)
    spent = (
        f"Spent {fmt.money(reading.total.estimate, symbol)} over {reading.days:,} day{'s' if reading.days != 1 else ''}"
    )
    if not ab:
        return spent + ": what it bought needs a control arm, so cost per extra outcome is read in A/B pilots only."
    if reading.extra_outcome.estimate is None:
        return spent + "; too few days in both arms yet to say what it bought."
    cost = reading.cost_per_extra
    if cost.estimate is None or (reading.extra_outcome.estimate or 0) <= 0:
        return (
            spent
            + f"; the pilot shows no extra {outcome.many} to set it against yet: {_extra(reading, outcome, symbol)}."
        )
    per = "each extra euro of revenue" if outcome.money else f"each extra {outcome.one}"
    because = f"since the extra {outcome.many} could be zero"
    text = (
        f"{spent}. {per[0].upper() + per[1:]} cost about {money(cost.estimate, symbol)} "
        f"({level}: {_money_span(cost, symbol, open_because=because)}); {_extra(reading, outcome, symbol)} "
        f"for {fmt.money(reading.extra_spend.estimate, symbol)} more than control."
    )
    ret = reading.return_on_spend
    if ret is not None and ret.estimate is not None:
        text += (
            f" Return on spend {fmt.multiple(ret.estimate)} ({level}: "
            f"{_return_span(ret, open_because='since the extra spend could be zero')})."
        )
    return text


def scaling_sentence(
    projection: ScalingProjection, outcome: Outcome, symbol: str, *, reach: str, units: str
) -> str | None:
    """ "Projection: scaled to all email (120,000 contacts a month): about 1,900 extra leads a month (1,100–2,700)
    for €72,000 (€38 per lead)." None when the pilot's figures give nothing to scale."""
    extra, spend = projection.extra_outcome_per_month, projection.spend_per_month
    if extra.estimate is None or spend.estimate is None or extra.estimate <= 0:
        return None
    show = (lambda v: fmt.money(v, symbol)) if outcome.money else _count
    interval = (
        f"{show(extra.low)}{fmt.DASH}{show(extra.high)}"
        if extra.low is not None and extra.high is not None and extra.low > 0
        else span_text(extra, show)
    )
    what = "extra revenue" if outcome.money else f"extra {outcome.many}"
    cost = projection.cost_per_extra.estimate
    per = f" ({money(cost, symbol)} per {outcome.one})" if cost is not None and not outcome.money else ""
    ret = projection.return_on_spend
    if outcome.money and ret is not None and ret.estimate is not None:
        per = f" ({fmt.multiple(ret.estimate)} return)"
    return (
        f"Projection: scaled to {reach} ({fmt.number(projection.units_per_month)} {units} a month): about "
        f"{show(extra.estimate)} {what} a month ({interval}) for {fmt.money(_about(spend.estimate), symbol)}{per}."
    )
