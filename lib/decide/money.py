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
from lib.stats.spend import ArmDays, from_sums, increments
from lib.vocabulary import is_money_threshold, metric_label

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


def noun(kind: str) -> str:
    """What one extra outcome is called: a conversion (rates), a unit of the average, one more (daily counts)."""
    return {"proportion": "conversion", "mean": "unit", "count": "one"}.get(kind, "one")


def threshold_text(crit: CriterionSpec, value: float | None = None, currency: str = "") -> str:
    """A money criterion's threshold (or ``value``) as people read it: "€60 per extra conversion", "1.50×"."""
    x = crit.threshold if value is None else value
    if crit.threshold_type == "return_on_spend":
        return fmt.multiple(x)
    return f"{fmt.money(x, currency, None)} per extra {noun(crit.kind)}"


def describe(crit: CriterionSpec, currency: str = "") -> str:
    """ "Lead rate: cost per extra conversion at most €60 vs control" (criteria lists)."""
    label = metric_label(crit.metric)
    if crit.threshold_type == "return_on_spend":
        return f"{label}: return on spend at least {fmt.multiple(crit.threshold)} vs control"
    return f"{label}: cost per extra {noun(crit.kind)} at most {fmt.money(crit.threshold, currency, None)} vs control"


def _extra_outcome(crit: CriterionSpec, value: float, money: bool, currency: str) -> str:
    if money:
        return fmt.money(value, currency, None)
    if crit.kind == "proportion":
        return f"{fmt.number(value)} extra conversions"
    return f"{fmt.quantity(value)} extra"


def confidence_clause(crit: CriterionSpec, confidence: float | None, currency: str) -> str:
    if confidence is None:
        return wording.CONF_UNKNOWN
    template = wording.CONF_RETURN if crit.threshold_type == "return_on_spend" else wording.CONF_COST
    return template.format(
        confidence=fmt.confidence(confidence),
        noun=noun(crit.kind),
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
    if is_return:
        value, bounds = fmt.multiple(ev.difference), fmt.multiple_range(low, high)
    else:
        value, bounds = fmt.money(ev.difference, currency, None), fmt.money_range(low, high, currency)
    if ev.difference is None:
        value = wording.MONEY_UNDEFINED_RETURN if is_return else wording.MONEY_UNDEFINED_COST
    extra_outcome, extra_spend = ev.extra
    template = wording.SENTENCE_RETURN if is_return else wording.SENTENCE_COST
    return template.format(
        label=label,
        value=value,
        noun=noun(crit.kind),
        bounds=wording.BOUNDS.format(level=fmt.level(crit.confidence), ci=bounds),
        extra=_extra_outcome(crit, extra_outcome, is_return, currency),
        spend=fmt.money(extra_spend, currency),
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
    return f"that each extra {noun(crit.kind)} costs at most the threshold (one-sided, sequential)"
