"""Evidence for pilots that split units (stores, markets, branches) between the arms.

Each unit is one observation: its rows up to the look become one value
(:func:`lib.stats.adjustment.unit_values`), and the difference between the
arms is Lin's regression-adjusted estimate with HC2 errors, adjusted for the
units' strata (market) and before-values (last month's sales) when the import
gave them (:func:`lib.stats.adjustment.lin_estimate`). The adjusted estimate
and its standard error then go through the same sequential rules as every
other criterion (:mod:`lib.decide.rules`), so a verdict stays valid under
daily looks.

For a pilot of people whose import named each person and their value from
before (past spend), the same estimator is CUPED: each person is a unit.

Information: every unit is usually in from the first week, and what grows
over the pilot is each unit's number of periods. The information fraction is
therefore the smaller of the share of planned units in and the share of the
planned days gone (when the pilot has dates): early looks face the strict
early bar, as for any pilot looked at daily (the benchmark in
``bench/operating_characteristics.py --units`` measures the error rates).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from lib import formatting as fmt
from lib.decide import rules, wording
from lib.decide.evidence import Evidence, _student_p
from lib.decide.logged import elapsed_fraction
from lib.specs import CriterionSpec, PilotSpec, UnitObservation
from lib.stats.adjustment import AdjustedDifference, lin_estimate, unit_covariates, unit_values
from lib.stats.contrasts import LinearContrast

UNIT_IN_BOTH_ARMS = "{count} {units} logged in both arms ({examples}): a unit belongs to one arm; fix the import."
TOO_FEW_UNITS = "Each arm needs at least two {units} with values before the pilot and control can be compared."
BEFORE_MISSING = "{name} is missing for {count} of the {units}: not adjusted for it."
ADJUSTED = "Adjusted for {what}: the interval is {pct} narrower than unadjusted."
ADJUSTED_LITTLE = "Adjusted for {what}: it changed little (the interval is {pct} {side} than unadjusted)."
NOT_ADJUSTED = "Not adjusted for what was known before: {why}."
TOO_FEW_UNITS_TARGET = (
    "The pilot needs at least two {units} with values that differ before it can be held to its target."
)
UNIT_METHOD = "units_lin_hc2"
UNIT_TARGET_METHOD = "units_t"  # the pilot arm's units against a target: a t-test of one value per unit
PEOPLE = "people"  # a pilot of people whose rows name each person: the same estimator is CUPED


@dataclass(frozen=True)
class UnitSample:
    """The units of the two compared arms as the estimator takes them."""

    values: list[float]
    treated: list[bool]
    strata: list[str | None]
    before: list[float | None]
    stratum_name: str | None
    before_name: str | None


def applies(pilot: PilotSpec, rows: Sequence[UnitObservation]) -> bool:
    """Units split between arms, or people whose import gave each a before-value or stratum (CUPED)."""
    return bool(pilot.unit) or any(r.before is not None or r.stratum is not None for r in rows)


def summary_for(kind: str, pilot: PilotSpec) -> str:
    """How a unit's rows become its value: a rate or an average per row, per period for counts, or a total."""
    if pilot.unit_summary == "total" and kind != "proportion":
        return "total"
    return "per_period" if kind == "count" else "mean"


def _sample(
    rows: Sequence[UnitObservation], kind: str, pilot: PilotSpec
) -> tuple[UnitSample | None, list[str], tuple[int, int]]:
    """The compared arms' units (None when a unit sits in both arms: its names are returned)."""
    arms = (pilot.control_arm, pilot.pilot_arm)
    arm_of: dict[str, str] = {}
    both: list[str] = []
    for r in rows:  # every arm: a store in the third arm and in control has seen both too
        if arm_of.setdefault(r.unit, r.arm) != r.arm and r.unit not in both:
            both.append(r.unit)
    ordered = sorted((r for r in rows if r.arm in arms), key=lambda r: r.day)
    counts = (
        sum(1 for a in arm_of.values() if a == arms[0]),
        sum(1 for a in arm_of.values() if a == arms[1]),
    )
    if both:
        return None, both, counts
    summary = summary_for(kind, pilot)
    values = unit_values(
        [r.unit for r in ordered], [r.n for r in ordered], [r.total for r in ordered], [r.day for r in ordered], summary
    )
    stratum: dict[str, str | None] = {}
    before: dict[str, float | None] = {}
    stratum_name = before_name = None
    for r in ordered:  # the latest known value wins
        if r.stratum is not None:
            stratum[r.unit] = r.stratum
            stratum_name = r.stratum_name or stratum_name
        if r.before is not None:
            before[r.unit] = r.before
            before_name = r.before_name or before_name
    usable = [v for v in values if math.isfinite(v.value)]
    sample = UnitSample(
        values=[v.value for v in usable],
        treated=[arm_of[str(v.unit)] == arms[1] for v in usable],
        strata=[stratum.get(str(v.unit)) for v in usable],
        before=[before.get(str(v.unit)) for v in usable],
        stratum_name=stratum_name if stratum else None,
        before_name=before_name if before else None,
    )
    counts = (sum(1 for t in sample.treated if not t), sum(1 for t in sample.treated if t))
    return sample, [], counts


def adjusted_difference(sample: UnitSample, units: str) -> tuple[AdjustedDifference, list[str]]:
    """Lin's estimate for the sample, with the notes on what could not be adjusted for."""
    notes: list[str] = []
    strata = sample.strata if sample.stratum_name is not None else None
    before: list[float | None] | None = sample.before if sample.before_name is not None else None
    if before is not None and any(b is None for b in before):
        missing = sum(1 for b in before if b is None)
        notes.append(BEFORE_MISSING.format(name=sample.before_name, count=fmt.number(missing), units=units))
        before = None
    x, _, groups = unit_covariates(strata, before, sample.stratum_name or "stratum", sample.before_name or "before")
    result = lin_estimate(sample.values, sample.treated, x if x.shape[1] else None, groups)
    notes.extend(NOT_ADJUSTED.format(why=n) for n in result.notes if not result.adjusted_for)
    return result, notes


def adjustment_note(result: AdjustedDifference | None) -> str | None:
    """What the adjustment did to the interval, in one sentence (None when nothing was known before)."""
    if result is None or not result.adjusted_for:
        return None
    what = " and ".join(result.adjusted_for)
    narrower = result.narrower
    if not result.changed_little:
        return ADJUSTED.format(what=what, pct=fmt.pct(narrower, 0))
    side = "narrower" if narrower >= 0 else "wider"
    return ADJUSTED_LITTLE.format(what=what, pct=fmt.pct(abs(narrower), 0), side=side)


def unit_evidence(crit: CriterionSpec, pilot: PilotSpec, rows: Sequence[UnitObservation]) -> Evidence:
    """Pilot arm against control arm, one value per unit, adjusted for what was known before."""
    units = pilot.unit or PEOPLE
    names = (pilot.control_arm, pilot.pilot_arm)
    sample, both, counts = _sample(rows, crit.kind, pilot)
    base = Evidence(
        contrast=None,
        scale="difference",
        fraction=None,
        mixture_n=float(sum(counts)),
        mixture_tuning=1000.0,
        sample_n=float(min(counts)),
        units=units,
        per_arm=True,
        date_based=False,
        method=UNIT_METHOD,
        arm_n=(float(counts[0]), float(counts[1])),
        arm_names=names,
    )
    if sample is None:
        examples = ", ".join(fmt.quoted(u) for u in both[:3])
        problem = UNIT_IN_BOTH_ARMS.format(count=fmt.number(len(both)), units=units, examples=examples)
        return replace(base, error=problem, warnings=(problem,))
    if min(counts) < 2:
        return replace(base, warnings=(TOO_FEW_UNITS.format(units=units),))
    result, notes = adjusted_difference(sample, units)
    control, pilot_value = result.control_mean, result.pilot_mean
    relative = crit.threshold_type == "relative"
    note = adjustment_note(result)
    return replace(
        base,
        contrast=LinearContrast(result.estimate, result.se, result.df),
        control_value=control,
        pilot_value=pilot_value,
        difference=result.estimate,
        relative_lift=result.estimate / control if control else None,
        unit_of_margin=control if relative and control else 1.0,
        warnings=(*notes, *((note,) if note else ())),
        fixed_p=_student_p(result.estimate, result.se, result.df),
        adjustment=result,
    )


def unit_target_evidence(crit: CriterionSpec, pilot: PilotSpec, rows: Sequence[UnitObservation]) -> Evidence:
    """The pilot arm's units against a fixed target: one value per unit, a t-test of their mean.

    Four weekly rows of one store are one store: read as rows they would claim four times the
    evidence. Each unit's rows become its value as for a comparison (:func:`summary_for`), and the
    mean of those values is tested against the target with the units' own spread.
    """
    units = pilot.unit or PEOPLE
    ordered = sorted((r for r in rows if r.arm == pilot.pilot_arm), key=lambda r: r.day)
    values = [
        v.value
        for v in unit_values(
            [r.unit for r in ordered],
            [r.n for r in ordered],
            [r.total for r in ordered],
            [r.day for r in ordered],
            summary_for(crit.kind, pilot),
        )
        if math.isfinite(v.value)
    ]
    n = len(values)
    mean = sum(values) / n if n else None
    base = Evidence(
        contrast=None,
        scale="value",
        fraction=None,
        mixture_n=float(n),
        mixture_tuning=1000.0,
        sample_n=float(n),
        units=units,
        per_arm=False,
        date_based=False,
        method=UNIT_TARGET_METHOD,
        pilot_value=mean,
        difference=None if mean is None else mean - crit.threshold,
    )
    if n < 2 or mean is None:
        return replace(base, warnings=(TOO_FEW_UNITS_TARGET.format(units=units),))
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    se = sd / math.sqrt(n)
    if se <= 0:
        return replace(base, warnings=(TOO_FEW_UNITS_TARGET.format(units=units),))
    return replace(base, contrast=LinearContrast(mean, se, n - 1), fixed_p=_student_p(mean, se, n - 1))


def covered_until(rows: Sequence[UnitObservation], last_day: date | None) -> date | None:
    """The last day the rows speak for: a weekly export's last row covers its whole week."""
    days = sorted({r.day for r in rows})
    if last_day is None or len(days) < 2 or any((b - a).days % 7 for a, b in zip(days, days[1:], strict=False)):
        return last_day
    return max(last_day, days[-1] + timedelta(days=6))


def with_unit_progress(ev: Evidence, pilot: PilotSpec, last_day: date | None) -> Evidence:
    """Information fraction: the smaller of the planned units in and the planned days gone."""
    plan = pilot.planned_n_per_arm
    if pilot.end is not None and last_day is not None:
        last_day = min(last_day, pilot.end)
    ended = pilot.end is not None and last_day is not None and last_day >= pilot.end
    unit_share = None
    if plan and ev.arm_n is not None and min(ev.arm_n) > 0:
        unit_share = (2.0 / plan) / (1.0 / ev.arm_n[0] + 1.0 / ev.arm_n[1])
    elif plan and not ev.per_arm and ev.sample_n > 0:  # one arm against a target: its units of the plan
        unit_share = ev.sample_n / plan
    elapsed = elapsed_fraction(pilot, last_day)
    shares = [s for s in (unit_share, elapsed) if s is not None]
    if not shares:
        return replace(ev, ended=ended)
    fraction = min(shares)
    more: int | None = None
    more_unit: str | None = None
    if plan and ev.sample_n < plan:
        more, more_unit = int(math.ceil(plan - ev.sample_n)), ev.units
    elif elapsed is not None and elapsed < 1:
        total = pilot.planned_days or 0
        more, more_unit = (total - round(elapsed * total)) or None, wording.UNITS_DAYS
    return replace(
        ev,
        fraction=fraction if fraction > 0 else None,
        progress=min(fraction, 1.0),
        ended=ended or (pilot.end is None and fraction >= 1),
        more_needed=more,
        more_unit=more_unit if more else None,
    )


def by_metric(
    rows: Sequence[UnitObservation], metrics: set[str], as_of: date | None, last_day: date | None
) -> tuple[dict[str, list[UnitObservation]], date | None]:
    """Each criterion metric's unit rows up to ``as_of``, and the last day with data (rows or units)."""
    out: dict[str, list[UnitObservation]] = {}
    for r in rows:
        if r.metric not in metrics or (as_of is not None and r.day > as_of):
            continue
        out.setdefault(r.metric, []).append(r)
        if last_day is None or r.day > last_day:
            last_day = r.day
    return out, last_day


def verdict_fields(crit: CriterionSpec, ev: Evidence, levels: rules.Levels, sequential: bool) -> dict[str, Any]:
    """The verdict's unit fields: counts per arm, what it was adjusted for, and the unadjusted reading.

    The unadjusted interval uses the very boundary the verdict used, so the
    two intervals differ only by the adjustment.
    """
    result = ev.adjustment
    if result is None:
        return {}
    _, side = rules.pass_point(crit, ev)
    k_pass, k_fail = rules.bar(levels.alpha_pass, ev, sequential), rules.bar(levels.alpha_fail, ev, sequential)
    plain = LinearContrast(result.unadjusted_estimate, result.unadjusted_se, result.unadjusted_df)
    adjusted = LinearContrast(result.estimate, result.se, result.df)
    k_low, k_high = (k_pass, k_fail) if side > 0 else (k_fail, k_pass)
    control, pilot = ev.arm_names
    return {
        "unit": ev.units,
        "n_units": {control: result.n_control, pilot: result.n_pilot},
        "adjusted_for": list(result.adjusted_for),
        "adjusted_difference": result.estimate,
        "adjusted_ci_low": adjusted.lower(k_low),
        "adjusted_ci_high": adjusted.upper(k_high),
        "unadjusted_difference": result.unadjusted_estimate,
        "unadjusted_ci_low": plain.lower(k_low),
        "unadjusted_ci_high": plain.upper(k_high),
        "adjustment_note": adjustment_note(result),
    }
