"""The pilot designer's plan, in words: sample size, what it costs to look daily, and what the plan does.

Pure functions over :class:`lib.stats.planning.PlanInputs`, shared by the
Pilots page and ``python -m lib.cli plan`` so both say the same thing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from lib import formatting as fmt
from lib.stats.adjustment import units_with_covariates
from lib.stats.planning import Plan, PlanInputs, detectable_effect, plan_pilot

__all__ = [
    "HELP",
    "Plan",
    "PlanInputs",
    "PlanSummary",
    "adjusted_plan_text",
    "effect_words",
    "plan_from_form",
    "summarize",
]

HELP = (
    "**Threshold** is the minimum worth scaling: the criterion is met when the data show the pilot beats it. "
    "**Expected** is the effect you expect: it sizes the test of “better than the threshold”, and a pilot whose "
    "data rule it out is stopped early (futility). Verdicts use sequential bounds, so looking every day is safe; "
    "the plan pays for that with a somewhat larger sample than a single look at the end would need."
)


@dataclass(frozen=True)
class PlanSummary:
    """A plan and the sentences the designer shows for it."""

    plan: Plan
    headline: str
    unit_label: str
    looks_cost: str
    characteristics: str
    days_needed: int | None = None
    detectable: float | None = None
    detectable_text: str | None = None
    warning: str | None = None


def effect_words(inputs: PlanInputs, effect: float, digits: int = 1) -> str:
    """An effect as people read it: +1.0 pts, a 10% lift, an 11.0% rate, or a value."""
    if inputs.comparison == "vs_target":
        return fmt.pct(effect, digits) if inputs.kind == "proportion" else fmt.quantity(effect)
    if inputs.threshold_type == "relative":
        whole = digits == 1 and abs(effect * 100 - round(effect * 100)) < 1e-9
        return f"a {fmt.pct(effect, 0 if whole else digits)} {'lift' if inputs.direction == 'increase' else 'drop'}"
    sign = 1 if inputs.direction == "increase" else -1
    if inputs.kind == "proportion":
        return fmt.signed_pct_points(sign * effect, digits)
    return fmt.signed_quantity(sign * effect)


def _unit(plan: Plan, units: str) -> str:
    return "days" if plan.unit_is_day else units


def summarize(inputs: PlanInputs, *, units: str = "people", daily_volume: float | None = None) -> PlanSummary:
    """Plan the criterion and say what the plan does under daily looks.

    ``daily_volume`` (units per arm per day) adds how many days the plan
    takes and, over ``inputs.looks`` days, the smallest effect that budget
    can reliably catch.
    """
    plan = plan_pilot(inputs)
    unit = _unit(plan, units)
    per_arm = "" if plan.unit_is_day or inputs.comparison == "vs_target" else " per arm"
    headline = f"{fmt.number(plan.n)} {unit}{per_arm}"
    extra = plan.n / plan.fixed_n - 1 if plan.fixed_n else 0.0
    looks_cost = (
        f"A single look at the end would need {fmt.number(plan.fixed_n)}; looking every day costs "
        f"{fmt.pct(extra, 0)} more and keeps every verdict honest."
    )
    nothing = (
        "changes nothing"
        if inputs.threshold == 0 and inputs.comparison != "vs_target"
        else "is no better than the threshold"
    )
    if inputs.comparison == "vs_target":
        nothing = "sits exactly at the target"
    day_word = "day" if round(plan.mean_decision_look) == 1 else "days"
    characteristics = (
        f"With this plan, looking every day: about {fmt.pct(plan.at_threshold.scale, 0)} chance of scaling a pilot "
        f"that {nothing}, {fmt.pct(plan.at_expected.scale, 0)} chance of catching {effect_words(inputs, inputs.expected)}, "
        f"about {fmt.pct(plan.at_expected.abort, 0)} chance of wrongly stopping it, and a decision in about "
        f"{fmt.number(plan.mean_decision_look)} {day_word} on average when it works as expected."
    )
    days_needed = detectable = detectable_text = warning = None
    if daily_volume and daily_volume > 0:
        days_needed = int(math.ceil(plan.n / daily_volume))
        budget = daily_volume * inputs.looks
        detectable = detectable_effect(inputs, budget)
        if detectable is None:
            detectable_text = (
                f"{fmt.number(budget)} {unit}{per_arm} over {inputs.looks} days cannot reliably "
                "catch any effect within reach: widen the audience or run longer."
            )
        else:
            detectable_text = (
                f"With {fmt.number(daily_volume)} {unit}{per_arm} a day for {inputs.looks} days, the "
                "smallest effect this pilot reliably catches is "
                f"{effect_words(inputs, detectable, 2)}."
            )
            good = 1 if inputs.direction == "increase" or inputs.comparison != "vs_target" else -1
            if (inputs.expected - detectable) * good < 0:
                warning = (
                    f"The effect you expect ({effect_words(inputs, inputs.expected, 2)}) is smaller than what "
                    f"this budget can catch ({effect_words(inputs, detectable, 2)}): the plan needs "
                    f"{fmt.number(days_needed)} days at this volume."
                )
    return PlanSummary(
        plan,
        headline,
        f"{unit}{per_arm}",
        looks_cost,
        characteristics,
        days_needed,
        detectable,
        detectable_text,
        warning,
    )


def plan_from_form(
    *,
    comparison: str,
    kind: str,
    threshold_type: str,
    threshold: float,
    expected: float,
    confidence: float,
    power: float,
    days: int,
    baseline: float | None = None,
    sd: float | None = None,
    baseline_days: int | None = None,
    daily_volume: float | None = None,
    units: str = "people",
) -> PlanSummary:
    """The designer form's values as people type them — rates and lifts in percent — to the plan in words.

    Raises ``ValueError`` with a sentence when the inputs cannot be planned (e.g. an expected
    effect no better than the threshold).
    """
    inputs = form_inputs(
        comparison=comparison,
        kind=kind,
        threshold_type=threshold_type,
        threshold=threshold,
        expected=expected,
        confidence=confidence,
        power=power,
        days=days,
        baseline=baseline,
        sd=sd,
        baseline_days=baseline_days,
    )
    return summarize(inputs, units=units, daily_volume=daily_volume)


def form_inputs(
    *,
    comparison: str,
    kind: str,
    threshold_type: str,
    threshold: float,
    expected: float,
    confidence: float,
    power: float,
    days: int,
    baseline: float | None = None,
    sd: float | None = None,
    baseline_days: int | None = None,
) -> PlanInputs:
    """The designer form's values (rates and lifts in percent) as the planner's inputs."""
    rate = kind == "proportion"
    pct = rate or threshold_type == "relative"
    scale = 100.0 if pct else 1.0
    inputs = PlanInputs(
        kind=kind,
        comparison=comparison,
        threshold=threshold / scale,
        expected=expected / scale,
        baseline=None if baseline is None else baseline / (100.0 if rate else 1.0),
        sd=sd,
        threshold_type=threshold_type if comparison != "vs_target" else "absolute",
        confidence=confidence,
        power=power,
        looks=int(days),
        baseline_days=baseline_days,
    )
    return inputs


def adjusted_plan_text(
    inputs: PlanInputs, variance_left: float, covariate_columns: int, units: str, what: str
) -> str | None:
    """What adjusting for what was known before saves, from the variance it took away in imported data.

    Planned with the spread left after adjusting (``variance_left``, e.g. 0.16
    when market and last month's sales explained 84 % of the variance between
    stores), plus one unit per arm for each covariate column the adjustment
    fits. None when the plan has no spread to shrink (rates are planned from
    their baseline).
    """
    if inputs.sd is None or inputs.kind == "proportion" or not 0.0 <= variance_left < 1.0:
        return None
    plain_n = plan_pilot(inputs).n
    adjusted = replace(inputs, sd=inputs.sd * math.sqrt(max(variance_left, 1e-6)))
    n = units_with_covariates(plan_pilot(adjusted).n, covariate_columns)
    if n >= plain_n:
        return (
            f"Adjusting for {what} took away {fmt.pct(1 - variance_left, 0)} of the variance between {units} in "
            f"the imported data: too little to plan with fewer {units}."
        )
    return (
        f"Adjusting for {what} took away {fmt.pct(1 - variance_left, 0)} of the variance between {units} in the "
        f"imported data: planned with what is left, this needs about {fmt.number(n)} {units} per arm instead of "
        f"{fmt.number(plain_n)} ({fmt.pct(1 - n / plain_n, 0)} fewer)."
    )
