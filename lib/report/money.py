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
    """ "€1,235"; "€38.40" under €100, where cents still tell two offers apart."""
    if value is None:
        return fmt.MISSING
    return fmt.money(value, symbol, 2 if abs(value) < 100 else 0)


def _count(value: float | None) -> str:
    """A count of extra outcomes for people: about two significant digits, a real minus when negative."""
    if value is None:
        return fmt.MISSING
    if value <= 0:
        return fmt.quantity(value)
    return fmt.about(value) if value >= 100 else fmt.quantity(value)


def _times(value: float | None) -> str:
    return fmt.MISSING if value is None else f"{fmt.quantity(value)}×"


def span_text(span: MoneySpan, show, *, open_because: str = "") -> str:
    """ "€25 to €61"; "€25 to no upper bound, since …" when the interval is open-ended."""
    low = show(span.low) if span.low is not None else "no lower bound"
    high = show(span.high) if span.high is not None else "no upper bound"
    if span.high is None and open_because:
        high += f", {open_because}"
    return f"{low} to {high}"


def _extra(reading: SpendReading, outcome: Outcome, symbol: str) -> str:
    """ "310 extra replies (95%: 180 to 440)", "€4,200 extra revenue (…)"."""
    span = reading.extra_outcome
    show = (lambda v: money(v, symbol)) if outcome.money else _count
    what = "extra revenue" if outcome.money else f"extra {outcome.many}"
    return f"{show(span.estimate)} {what} ({fmt.level(reading.confidence)}: {span_text(span, show)})"


def money_sentence(reading: SpendReading, outcome: Outcome, symbol: str, *, ab: bool = True) -> str:
    """The lead sentence: what was spent, what each extra outcome cost, and (revenue) what came back."""
    level = fmt.level(reading.confidence)
    spent = f"Spent {money(reading.total.estimate, symbol)} over {reading.days:,} day{'s' if reading.days != 1 else ''}"
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
    show = lambda v: money(v, symbol)  # noqa: E731
    because = f"since the extra {outcome.many} could be zero"
    text = (
        f"{spent}. {per[0].upper() + per[1:]} cost about {money(cost.estimate, symbol)} "
        f"({level}: {span_text(cost, show, open_because=because)}); {_extra(reading, outcome, symbol)} "
        f"for {money(reading.extra_spend.estimate, symbol)} more than control."
    )
    ret = reading.return_on_spend
    if ret is not None and ret.estimate is not None:
        text += (
            f" Return on spend {_times(ret.estimate)} ({level}: "
            f"{span_text(ret, _times, open_because='since the extra spend could be zero')})."
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
    show = (lambda v: money(v, symbol)) if outcome.money else _count
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
        per = f" ({_times(ret.estimate)} return)"
    return (
        f"Projection: scaled to {reach} ({fmt.number(projection.units_per_month)} {units} a month): about "
        f"{show(extra.estimate)} {what} a month ({interval}) for {money(spend.estimate, symbol)}{per}."
    )
