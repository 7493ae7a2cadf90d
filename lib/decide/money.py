"""Money criteria: "cost per extra <outcome> at most X" and "return on spend at least R".

Judged A/B on the criterion's metric (the outcome) together with the spend logged under
:data:`lib.vocabulary.SPEND_METRIC`, by the same sequential rules as every other criterion
(:mod:`lib.decide.rules`): the evidence is a Fieller contrast (:class:`lib.stats.contrasts.FiellerRatio`)
whose statistic at the threshold is the sign test of a linear contrast of the pilot's extra outcome
``Δo`` and extra spend ``Δs`` (:mod:`lib.stats.spend`):

- cost per extra ≤ X  ⇔  ``X Δo − Δs ≥ 0`` (lower is better: the pass side is below the threshold);
- return on spend ≥ R  ⇔  ``Δo − R Δs ≥ 0`` (the outcome is money).

Both read as "the extra outcome is worth the extra spend at the agreed price", which stays
meaningful when the pilot saves money (``Δs < 0``). Futility tests the same contrast at the
criterion's ``expected`` cost or return.
"""

from __future__ import annotations

from dataclasses import replace

from lib import formatting as fmt
from lib.decide import wording
from lib.decide.evidence import Evidence
from lib.decide.logged import NO_DATA, ArmLog
from lib.specs import CriterionSpec, PilotSpec
from lib.stats.distributions import norm_sf
from lib.stats.spend import ArmDays, MoneySpan, ScalingProjection, SpendReading, from_sums, increments
from lib.vocabulary import is_money_threshold, metric_label, outcome_nouns

#: the scale of a money criterion's interval, by threshold type
SCALES = {"cost_per_extra": "cost", "return_on_spend": "return"}


def is_money(crit: CriterionSpec) -> bool:
    return is_money_threshold(crit.threshold_type)


def side(crit: CriterionSpec) -> int:
    """Which side of the threshold passes: a cost must be below it, a return above it."""
    return -1 if crit.threshold_type == "cost_per_extra" else 1


def _arm(outcome: ArmLog, spend: ArmLog, kind: str) -> ArmDays:
    sums = {day: (cell[0], cell[1]) for day, cell in outcome.days.items()}
    return from_sums(sums, {day: cell[1] for day, cell in spend.days.items()}, kind)


def money_evidence(
    crit: CriterionSpec, pilot: PilotSpec, outcome: dict[str, ArmLog], spend: dict[str, ArmLog], units: str
) -> Evidence:
    """The evidence of a money criterion: the ratio's contrast, with the extra outcome and spend so far."""
    scale = SCALES[crit.threshold_type]
    date_based = crit.kind == "count"
    names = (pilot.control_arm, pilot.pilot_arm)
    if date_based:
        units = wording.UNITS_DAYS
    control = _arm(outcome.get(names[0], NO_DATA), spend.get(names[0], NO_DATA), crit.kind)
    treat = _arm(outcome.get(names[1], NO_DATA), spend.get(names[1], NO_DATA), crit.kind)
    nc, np_ = control.units, treat.units
    warnings: list[str] = []
    if pilot.design != "ab":
        warnings.append(wording.MONEY_NEEDS_CONTROL.format(label=metric_label(crit.metric)))
    base = Evidence(
        contrast=None,
        scale=scale,
        fraction=None,
        mixture_n=nc + np_,
        mixture_tuning=30.0 if date_based else 1000.0,
        sample_n=min(nc, np_),
        units=units,
        per_arm=True,
        date_based=date_based,
        method="fieller_days",
        arm_n=(nc, np_),
        arm_names=names,
    )
    if crit.threshold_type == "return_on_spend" and crit.kind == "proportion":
        problem = wording.RETURN_NEEDS_MONEY.format(label=metric_label(crit.metric, in_sentence=True))
        return replace(base, warnings=(*warnings, problem), error=problem, method="error")
    if not spend or (control.total_spend == 0 and treat.total_spend == 0):
        return replace(base, warnings=(*warnings, wording.NO_SPEND))
    inc = increments(control, treat, direction=crit.direction)
    if inc is None:
        return replace(base, warnings=(*warnings, wording.empty_arm(nc, np_)))
    extra = (inc.outcome * inc.size, inc.spend * inc.size)
    ratio = inc.cost_ratio() if scale == "cost" else inc.return_ratio()
    estimate = ratio.num / ratio.den if ratio.den > 0 else None
    base = replace(base, difference=estimate, extra=extra)
    if len(control.days) < 2 or len(treat.days) < 2:
        return replace(base, warnings=(*warnings, wording.TOO_FEW_UNITS))
    if not inc.measured or inc.var_outcome + inc.var_spend <= 0:
        return replace(base, warnings=(*warnings, wording.NO_VARIATION))
    return replace(base, contrast=ratio, warnings=tuple(warnings), fixed_p=lambda d: norm_sf(ratio.z(d)))


# --- words ---------------------------------------------------------------------------------------------------


def nouns(crit: CriterionSpec) -> tuple[str, str]:
    """One extra outcome and several, as the pilot names them ("reply", "replies"): :func:`lib.vocabulary.outcome_nouns`."""
    return outcome_nouns(crit.metric, crit.kind, crit.numerator_label)


def noun(crit: CriterionSpec) -> str:
    """What one extra outcome is called: the criterion's numerator ("reply"), else what its metric counts."""
    return nouns(crit)[0]


def threshold_text(crit: CriterionSpec, value: float | None = None, currency: str = "") -> str:
    """A money criterion's threshold (or ``value``) as people read it: "€60 per extra conversion", "1.50×"."""
    x = crit.threshold if value is None else value
    if crit.threshold_type == "return_on_spend":
        return fmt.multiple(x)
    return f"{fmt.money(x, currency, None)} per extra {noun(crit)}"


def _extra_outcome(crit: CriterionSpec, value: float, money: bool, currency: str) -> str:
    if money:
        return fmt.money(value, currency, None)
    if crit.kind == "proportion":
        return f"{fmt.outcomes(value)} extra {nouns(crit)[1]}"
    return f"{fmt.outcomes(value)} extra"


def price(value: float | None, noun_: str, currency: str, digits: int | None = None) -> str:
    """A cost per extra outcome in words: "€38 per extra reply", or "saves €5 per extra reply" below zero."""
    if value is not None and value < 0:
        return wording.PRICE_SAVES.format(cost=fmt.money(-value, currency, digits), noun=noun_)
    return wording.PRICE_COST.format(cost=fmt.money(value, currency, digits), noun=noun_)


def price_range(low: float | None, high: float | None, currency: str, digits: int | None = None) -> str:
    """A cost interval with its ends below zero said as savings: "from saving €12 to costing €3 each"."""
    if low is None or high is None or low >= 0:
        return fmt.money_range(low, high, currency, digits)
    if high <= 0:
        return wording.PRICE_SAVING.format(range=fmt.money_range(-high, -low, currency, digits))
    return wording.PRICE_EITHER.format(
        saving=fmt.money(-low, currency, digits), costing=fmt.money(high, currency, digits)
    )


def paid(spend: float | None, currency: str) -> str:
    """What the extra outcome was bought for: "for €4,200 of extra spend", or "while spending €60 less"."""
    if spend is not None and spend < 0:
        return wording.PAID_LESS.format(spend=fmt.money(-spend, currency))
    return wording.PAID_MORE.format(spend=fmt.money(spend, currency))


def confidence_clause(crit: CriterionSpec, confidence: float | None, currency: str) -> str:
    if confidence is None:
        return wording.CONF_UNKNOWN
    template = wording.CONF_RETURN if crit.threshold_type == "return_on_spend" else wording.CONF_COST
    return template.format(
        confidence=fmt.confidence(confidence),
        noun=noun(crit),
        threshold=threshold_text(crit, currency=currency).split(" per extra")[0],
        needed=fmt.level(crit.confidence),
    )


def sentence(
    crit: CriterionSpec,
    ev: Evidence,
    low: float | None,
    high: float | None,
    confidence: float | None,
    tail: str,
    currency: str = "",
) -> str:
    """The verdict's sentence: the ratio with its interval, what was bought for what, and the call."""
    label = metric_label(crit.metric)
    if ev.error is not None:
        return wording.SENTENCE_ERROR.format(label=label, error=ev.error)
    if ev.extra is None:
        return wording.SENTENCE_NO_SPEND.format(label=label)
    is_return = crit.threshold_type == "return_on_spend"
    level = fmt.level(crit.confidence)
    if is_return:
        value, ci = fmt.multiple(ev.difference), fmt.multiple_range(low, high)
        bounds = wording.BOUNDS.format(level=level, ci=ci)
    else:
        digits = _digits(MoneySpan(ev.difference, low, high))
        value = price(ev.difference, noun(crit), currency, digits)
        bounds = wording.BOUNDS.format(level=level, ci=price_range(low, high, currency, digits))
    if low is None and high is None:
        bounds = wording.CANNOT_BOUND_RETURN if is_return else wording.CANNOT_BOUND_COST.format(outcomes=nouns(crit)[1])
    if ev.difference is None:
        value = wording.MONEY_UNDEFINED_RETURN if is_return else wording.MONEY_UNDEFINED_COST
    extra_outcome, extra_spend = ev.extra
    template = wording.SENTENCE_RETURN if is_return else wording.SENTENCE_COST
    return template.format(
        label=label,
        value=value,
        bounds=bounds,
        extra=_extra_outcome(crit, extra_outcome, is_return, currency),
        spend=paid(extra_spend, currency),
        sample=wording.arm_sample(ev.arm_n, ev.arm_names, ev.sample_n, ev.units),
        confidence=confidence_clause(crit, confidence, currency),
        tail=tail,
    )


def expected_text(crit: CriterionSpec, currency: str = "") -> str:
    """The expected cost or return as the futility tail names it."""
    if crit.expected is None:
        return ""
    if crit.threshold_type == "return_on_spend":
        return f"return of {fmt.multiple(crit.expected)}"
    return f"cost of {threshold_text(crit, crit.expected, currency)}"


def p_value_tests(crit: CriterionSpec) -> str:
    if crit.threshold_type == "return_on_spend":
        return "that the return on spend is at least the threshold (one-sided, sequential)"
    return f"that each extra {noun(crit)} costs at most the threshold (one-sided, sequential)"


# --- what spend bought, without a criterion ----------------------------------------------------------------------


def _digits(span: MoneySpan) -> int:
    """Cents when any figure of a price is below 10, so "€12.50 (€6.13 to …)" reads alike."""
    return fmt.money_digits(span.estimate, span.low, span.high)


def _count_bounds(span: MoneySpan, level: str) -> str:
    if span.low is None or span.high is None:
        return "not bounded yet"
    return f"{level}: {fmt.outcomes_range(span.low, span.high)}"


def reading_sentence(
    reading: SpendReading, *, currency: str = "", outcome: str = "conversion", outcomes: str = ""
) -> str:
    """What the spend bought, in one sentence: "€38 per extra lead (95%: €25 to no upper bound, since the extra
    leads could be zero): 312 extra leads (95%: 180–440) for €11,900 of extra spend; €14,300 spent so far".

    A money outcome (revenue) reads as a return on spend. ``outcome``/``outcomes`` name one extra
    outcome and several ("lead", "leads"; the plural defaults to the singular with an s). Counts of
    outcomes are whole (:func:`lib.formatting.outcomes`); a pilot that costs less and brings more
    says what it saves; an interval open at both ends says why in words.
    """
    plural = outcomes or f"{outcome}s"
    level = fmt.level(reading.confidence)
    total = wording.SPEND_TOTAL.format(total=fmt.money(reading.total.estimate, currency))
    extra, spend = reading.extra_outcome, reading.extra_spend
    if extra.estimate is None:
        return f"{total}."
    spend_text = paid(spend.estimate, currency)
    if reading.outcome_is_money and reading.return_on_spend is not None:
        ret = reading.return_on_spend
        if ret.estimate is None:
            return f"{total}."
        if ret.low is None and ret.high is None:
            bounds = wording.CANNOT_BOUND_RETURN
        else:
            why = wording.SPEND_WHY_RETURN if ret.low is None or ret.high is None else ""
            bounds = f"{level}: {fmt.multiple_range(ret.low, ret.high)}{why}"
        extra_text = (
            f"{fmt.money(extra.estimate, currency)} ({level}: {fmt.money_range(extra.low, extra.high, currency)})"
        )
        head = wording.SPEND_RETURN.format(
            ratio=fmt.multiple(ret.estimate), bounds=bounds, extra=extra_text, spend=spend_text
        )
        return f"{head}; {total}."
    cost = reading.cost_per_extra
    extra_text = f"{fmt.outcomes(extra.estimate)} extra {plural} ({_count_bounds(extra, level)})"
    if cost.estimate is None and extra.high is not None and extra.high < 0:
        head = wording.SPEND_FEWER.format(
            outcomes=plural,
            outcome=outcome,
            fewer=fmt.outcomes(-extra.estimate),
            level=level,
            range=fmt.outcomes_range(-extra.high, -extra.low if extra.low is not None else None),
            spend=spend_text,
        )
        return f"{head}; {total}."
    if cost.estimate is None:
        head = wording.SPEND_NO_EXTRA.format(
            outcomes=plural,
            outcome=outcome,
            extra=f"{fmt.outcomes(extra.estimate)}, {_count_bounds(extra, level)}",
            spend=spend_text,
        )
        return f"{head}; {total}."
    digits = _digits(cost)
    if cost.low is None and cost.high is None:
        bounds = wording.CANNOT_BOUND_COST.format(outcomes=plural)
    else:
        why = wording.SPEND_WHY_COST.format(outcomes=plural) if cost.high is None else ""
        bounds = f"{level}: {price_range(cost.low, cost.high, currency, digits)}{why}"
    saves = cost.estimate < 0
    head = (wording.SPEND_SAVES if saves else wording.SPEND_COST).format(
        price=price(cost.estimate, outcome, currency, digits), bounds=bounds, extra=extra_text, spend=spend_text
    )
    return f"{head[:1].upper()}{head[1:]}; {total}."


def scaling_sentence(
    projection: ScalingProjection,
    *,
    audience: str,
    units: str,
    currency: str = "",
    outcome: str = "conversion",
    outcomes: str = "",
) -> str:
    """ "Scaled to all email (120,000 contacts a month): about 1,900 extra leads a month (1,100–2,700) for
    €72,000 (€38 per lead). A projection from the pilot, not a measurement".

    Projected figures are rounded to two significant figures (:func:`lib.formatting.projected`); the
    cost per outcome is the pilot's own, measured, and reads as measured.
    """
    extra = projection.extra_outcome_per_month
    monthly = projection.spend_per_month.estimate
    cost = projection.cost_per_extra
    if monthly is not None and monthly < 0:
        spend = wording.SCALING_SAVES.format(spend=fmt.projected_money(-monthly, currency))
    else:
        spend = wording.SCALING_COSTS.format(spend=fmt.projected_money(monthly, currency))
    return wording.SCALING.format(
        audience=audience,
        units_per_month=fmt.number(projection.units_per_month),
        units=units,
        extra=fmt.projected(extra.estimate),
        outcomes=outcomes or f"{outcome}s",
        range=fmt.projected_range(extra.low, extra.high)
        if extra.low is not None and extra.high is not None
        else "not bounded yet",
        spend=spend,
        cost=price(cost.estimate, outcome, currency, _digits(cost)).replace(" per extra ", " per "),
    )
