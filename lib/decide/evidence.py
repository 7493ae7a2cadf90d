"""The evidence about each criterion (frozen records), from what its arms logged.

Each builder turns one criterion's data into an :class:`Evidence`: the
contrast (the statistic of any candidate effect, see
:mod:`lib.stats.contrasts`), the figures people read, and how it was measured.
Progress against the plan is added by :mod:`lib.decide.progress`. No decision
is taken here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from scipy import special

from lib.decide import wording
from lib.decide.logged import NO_DATA, ArmLog, baseline_span, in_pilot_period, pilot_span
from lib.decide.records import record_maker
from lib.decide.verdicts import Pace
from lib.specs import CriterionSpec, PilotSpec
from lib.stats import before_after, skew
from lib.stats.adjustment import AdjustedDifference
from lib.stats.contrasts import Contrast, ExactRate, LinearContrast, RatioContrast, SkewedContrast
from lib.stats.distributions import norm_sf, t_sf
from lib.stats.means import welch_df
from lib.stats.statistics import RateStat
from lib.vocabulary import metric_label

#: before/after: no call before a full week of pilot days
MIN_PILOT_DAYS = 7
#: before/after: the "expected without the pilot" band the charts draw
COUNTERFACTUAL_LEVEL = 0.95


@dataclass(frozen=True)
class Evidence:
    """Everything known about one criterion before it is judged.

    ``contrast`` is ``None`` when no test is possible yet (an empty arm, one
    day). ``fraction`` is the information collected over the planned
    information; ``None`` when there is no plan (the always-valid mixture is
    used, on ``mixture_n`` units). ``scale`` says what the contrast measures:
    "difference" (pilot minus control, or the before/after step), "lift"
    (relative) or "value" (against a target). ``unit_of_margin`` converts a
    relative before/after threshold into the step's units.
    """

    contrast: Contrast | None
    scale: str
    fraction: float | None
    mixture_n: float
    mixture_tuning: float
    sample_n: float
    units: str
    per_arm: bool
    date_based: bool
    method: str
    control_value: float | None = None
    pilot_value: float | None = None
    difference: float | None = None
    relative_lift: float | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    unit_of_margin: float = 1.0
    fixed_p: Callable[[float], float] | None = None
    step: before_after.StepFit | None = None
    placebo_data: tuple[tuple[date, ...], tuple[float, ...]] | None = None
    pilot_days: int = 0
    ended: bool = False
    progress: float | None = None
    more_needed: int | None = None
    more_unit: str | None = None
    pace: Pace | None = None  # where today's pace takes the planned sample (people) by the end date
    counterfactual: tuple[before_after.CounterfactualDay, ...] = ()
    arm_n: tuple[float, float] | None = None  # A/B: control's and pilot's units, for sentences (unequal arms)
    arm_names: tuple[str, str] = ("control", "pilot")
    adjustment: AdjustedDifference | None = None  # units split between arms: the adjusted and plain readings
    extra: tuple[float, float] | None = None  # money criteria: the pilot's extra outcome and extra spend so far

    def with_warning(self, text: str) -> Evidence:
        return self.updated(warnings=(*self.warnings, text))

    def updated(self, **changes: Any) -> Evidence:
        """``dataclasses.replace`` for the engine's hot path: a copy of the fields, without ``__init__``.

        Every criterion is copied a few times on every evaluation (progress, pace, warnings), and a
        frozen dataclass's ``__init__`` sets its 30-odd fields one ``object.__setattr__`` at a time.
        """
        unknown = changes.keys() - self.__dict__.keys()  # every field is in the record's __dict__
        if unknown:
            raise TypeError(f"Evidence has no field {sorted(unknown)[0]!r}.")
        new = object.__new__(Evidence)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new


#: ``Evidence(**values)``, the same record, without the frozen ``__init__`` (thirty-odd fields)
new_evidence = record_maker(Evidence)


def _student_p(estimate: float, se: float, df: float | None) -> Callable[[float], float]:
    """Fixed-sample one-sided p of "effect > d" for analysts (``p_value_raw``)."""

    def p(d: float) -> float:
        if se <= 0:
            return 0.0 if estimate > d else 1.0
        z = (estimate - d) / se
        return norm_sf(z) if df is None else t_sf(z, df)

    return p


class _Setup(NamedTuple):
    """What an evidence says about how it was measured, whatever the data show."""

    scale: str
    units: str
    method: str
    per_arm: bool
    date_based: bool
    sample_n: float = 0.0
    mixture_n: float = 0.0
    mixture_tuning: float = 1000.0
    arm_n: tuple[float, float] | None = None
    arm_names: tuple[str, str] = ("control", "pilot")


class _Figures(NamedTuple):
    """The figures people read beside the test."""

    control_value: float | None = None
    pilot_value: float | None = None
    difference: float | None = None
    relative_lift: float | None = None


def _evidence(
    setup: _Setup,
    figures: _Figures,
    warnings: Sequence[str],
    *,
    contrast: Contrast | None = None,
    error: str | None = None,
    fixed_p: Callable[[float], float] | None = None,
) -> Evidence:
    return new_evidence(
        contrast=contrast,
        scale=setup.scale,
        fraction=None,
        mixture_n=setup.mixture_n,
        mixture_tuning=setup.mixture_tuning,
        sample_n=setup.sample_n,
        units=setup.units,
        per_arm=setup.per_arm,
        date_based=setup.date_based,
        method=setup.method,
        control_value=figures.control_value,
        pilot_value=figures.pilot_value,
        difference=figures.difference,
        relative_lift=figures.relative_lift,
        warnings=tuple(warnings),
        error=error,
        fixed_p=fixed_p,
        arm_n=setup.arm_n,
        arm_names=setup.arm_names,
    )


def _two_arm_figures(control: float | None, pilot: float | None) -> _Figures:
    if control is None or pilot is None:
        return _Figures(control, pilot)
    return _Figures(control, pilot, pilot - control, pilot / control - 1 if control else None)


def ab_evidence(crit: CriterionSpec, pilot: PilotSpec, arms: dict[str, ArmLog], units: str) -> Evidence:
    """Pilot arm against control arm over the same days."""
    control, treat = arms.get(pilot.control_arm, NO_DATA), arms.get(pilot.pilot_arm, NO_DATA)
    names = (pilot.control_arm, pilot.pilot_arm)
    relative = crit.threshold_type == "relative"
    scale = "lift" if relative else "difference"
    warnings: list[str] = []
    if pilot.design != "ab":
        warnings.append(
            wording.COMPARISON_DESIGN_MISMATCH.format(
                label=metric_label(crit.metric), comparison=crit.comparison, design=pilot.design
            )
        )
    if crit.kind == "proportion":
        setup = _Setup(scale, units, "agresti_caffo", True, False, arm_names=names)
        return _ab_rates(control.rate(), treat.rate(), setup, warnings)
    date_based = crit.kind == "count" or (crit.kind == "mean" and (control.missing_sq or treat.missing_sq))
    if crit.kind == "mean" and date_based:
        warnings.append(wording.MEAN_WITHOUT_SQUARES.format(label=metric_label(crit.metric)))
    if date_based:
        sc, sp = control.daily_stat(crit.kind), treat.daily_stat(crit.kind)
        units, method, tuning = wording.UNITS_DAYS, "welch_days", 30.0
    else:
        sc, sp = control.mean(), treat.mean()
        method, tuning = "welch", 1000.0
    setup = _Setup(scale, units, method, True, date_based, min(sc.n, sp.n), sc.n + sp.n, tuning, (sc.n, sp.n), names)
    figures = _two_arm_figures(sc.mean if sc.n else None, sp.mean if sp.n else None)
    if sc.n < 2 or sp.n < 2:
        return _evidence(setup, figures, (*warnings, wording.TOO_FEW_UNITS))
    va, vb = sc.variance / sc.n, sp.variance / sp.n
    if va + vb <= 0:
        return _evidence(setup, figures, (*warnings, wording.NO_VARIATION))
    if va == 0 or vb == 0:
        return _evidence(setup, figures, (*warnings, wording.ZERO_VARIANCE_ARM))
    fixed = None
    if relative:
        contrast: Contrast = RatioContrast(sc.mean, va, sp.mean, vb)
    elif crit.kind == "mean" and not date_based:
        test = skew.skew_corrected_t_two(sc, sp)
        warnings.extend(test.warnings)
        contrast = _skewed(test)
        setup = setup._replace(method=test.method)
        fixed = _student_p(test.estimate, test.standard_error, test.df)
    else:
        df = welch_df(va, sc.n, vb, sp.n)
        contrast = LinearContrast(sp.mean - sc.mean, math.sqrt(va + vb), df)
        fixed = _student_p(sp.mean - sc.mean, math.sqrt(va + vb), df)
    return _evidence(setup, figures, warnings, contrast=contrast, fixed_p=fixed)


def _ab_rates(control: RateStat, pilot: RateStat, setup: _Setup, warnings: list[str]) -> Evidence:
    """Two rates: the Agresti-Caffo difference or the ratio of the adjusted rates."""
    nc, xc, np_, xp = control.n, control.conversions, pilot.n, pilot.conversions
    figures = _two_arm_figures(control.mean if nc else None, pilot.mean if np_ else None)
    problem = _count_problem(nc, xc, np_, xp)
    if problem:
        return _evidence(setup, figures, (*warnings, problem), error=problem)
    if nc == 0 or np_ == 0:
        setup = setup._replace(sample_n=min(nc, np_), arm_n=(nc, np_))
        return _evidence(setup, figures, (*warnings, wording.empty_arm(nc, np_)))
    # Agresti-Caffo: one success and one failure added per arm, defined with zero counts
    pa, pb = (xc + 1) / (nc + 2), (xp + 1) / (np_ + 2)
    va, vb = pa * (1 - pa) / (nc + 2), pb * (1 - pb) / (np_ + 2)
    if xc == 0 and xp == 0:
        warnings.append(wording.NO_CONVERSIONS_BOTH)
    relative = setup.scale == "lift"
    contrast: Contrast = RatioContrast(pa, va, pb, vb) if relative else LinearContrast(pb - pa, math.sqrt(va + vb))
    return _evidence(
        setup._replace(sample_n=min(nc, np_), mixture_n=nc + np_, arm_n=(nc, np_)),
        figures,
        warnings,
        contrast=contrast,
        fixed_p=None if relative else _student_p(pb - pa, math.sqrt(va + vb), None),
    )


def _skewed(test: skew.SkewT, estimate: float | None = None) -> SkewedContrast:
    """The contrast of a skew-corrected test; its skewness does not depend on the value tested."""
    low: float | None
    high: float | None
    if test.skewness_bounds is not None:
        low, high = test.skewness_bounds
    elif test.method in (skew.METHOD_PLAIN_ONE, skew.METHOD_PLAIN_TWO, skew.METHOD_DEGENERATE):
        low = high = None
    else:
        low = high = test.skewness
    value = test.estimate if estimate is None else estimate
    return SkewedContrast(value, test.standard_error, test.df, low, high)


def _count_problem(nc: float, xc: float, np_: float, xp: float) -> str | None:
    for name, x, n in (("control_conversions", xc, nc), ("pilot_conversions", xp, np_)):
        if x < 0 or n < 0:
            return wording.NEGATIVE_COUNTS.format(name=name)
        if x > n:
            return wording.MORE_CONVERSIONS.format(name=name, conversions=x, visitors=n)
    return None


def target_evidence(crit: CriterionSpec, pilot: PilotSpec, arms: dict[str, ArmLog], units: str) -> Evidence:
    """The pilot arm (pilot period for before/after pilots) against a fixed target value."""
    keep = in_pilot_period(pilot) if pilot.design == "before_after" else None
    treat = arms.get(pilot.pilot_arm, NO_DATA).window(keep)
    if crit.kind == "proportion":
        return _target_rate(crit, treat.rate(), _Setup("value", units, "exact_binomial", False, False))
    warnings: list[str] = []
    date_based = crit.kind == "count" or treat.missing_sq
    if crit.kind == "mean" and date_based:
        warnings.append(wording.MEAN_WITHOUT_SQUARES.format(label=metric_label(crit.metric)))
    stat = treat.daily_stat(crit.kind) if date_based else treat.mean()
    setup = _Setup(
        "value",
        wording.UNITS_DAYS if date_based else units,
        "t",
        False,
        date_based,
        sample_n=stat.n,
        mixture_n=stat.n,
        mixture_tuning=30.0 if date_based else 1000.0,
    )
    value = stat.mean if stat.n else None
    figures = _Figures(pilot_value=value, difference=None if value is None else value - crit.threshold)
    if stat.n < 2:
        return _evidence(setup, figures, (*warnings, wording.TOO_FEW_UNITS))
    se = stat.sd / math.sqrt(stat.n)
    if se <= 0:
        return _evidence(setup, figures, (*warnings, wording.NO_VARIATION_ONE))
    if crit.kind == "mean" and not date_based:
        test = skew.skew_corrected_t_one(stat, crit.threshold)
        warnings.extend(test.warnings)
        contrast: Contrast = _skewed(test, stat.mean)
        setup = setup._replace(method=test.method)
    else:
        contrast = LinearContrast(stat.mean, se, stat.n - 1)
    return _evidence(setup, figures, warnings, contrast=contrast, fixed_p=_student_p(stat.mean, se, stat.n - 1))


def _target_rate(crit: CriterionSpec, treat: RateStat, setup: _Setup) -> Evidence:
    """A rate against its target: the exact binomial test."""
    n, k = treat.n, treat.conversions
    value = treat.mean if n else None
    if n and (k < 0 or k > n):
        problem = wording.MORE_CONVERSIONS.format(name="conversions", conversions=k, visitors=n)
        return _evidence(setup, _Figures(pilot_value=value), (problem,), error=problem)
    if n == 0:
        return _evidence(setup, _Figures(), (wording.EMPTY_ARM_PILOT,))

    def fixed(d: float) -> float:
        # exact binomial one-sided p of "rate > d" for analysts: P(X >= k)
        x = round(k)
        return 1.0 if x <= 0 else float(special.bdtrc(x - 1, round(n), min(max(d, 1e-12), 1 - 1e-12)))

    figures = _Figures(pilot_value=value, difference=None if value is None else value - crit.threshold)
    return _evidence(setup._replace(sample_n=n, mixture_n=n), figures, (), contrast=ExactRate(k, n), fixed_p=fixed)


def periods_evidence(crit: CriterionSpec, pilot: PilotSpec, arms: dict[str, ArmLog], last_day: date | None) -> Evidence:
    """Baseline period against pilot period: the adjusted step of the GLS AR(1) model."""
    setup = _Setup("difference", wording.UNITS_DAYS, "gls_ar1", False, True, mixture_tuning=30.0)
    if pilot.start is None:
        return _evidence(setup, _Figures(), (wording.NO_PILOT_DATES,))
    treat = arms.get(pilot.pilot_arm, NO_DATA)
    (before_days, before), (after_days, after) = treat.daily_periods(crit.kind, baseline_span(pilot), pilot_span(pilot))
    control_value = sum(before) / len(before) if before else None
    pilot_value = sum(after) / len(after) if after else None
    setup = setup._replace(sample_n=min(len(before), len(after)), mixture_n=len(after))
    notes = [wording.OBSERVATIONAL]
    if len(before) < 7 or len(after) < 7:
        notes.append(wording.SHORT_PERIODS)
    fit = None
    if len(before) >= 3 and len(after) >= 3:
        fit = before_after.fit_step(before_days, before, after_days, after, counterfactual_level=COUNTERFACTUAL_LEVEL)
    if fit is None:
        early = _evidence(setup, _Figures(control_value, pilot_value), (*notes, wording.ADJUSTED_TOO_FEW_DAYS))
        return replace(early, pilot_days=len(after))
    notes.extend(fit.notes)
    planned = pilot.planned_days
    fraction = None
    if planned is not None:
        nb = len(before)
        fraction = (1 / nb + 1 / planned) / (1 / nb + 1 / len(after))
    return new_evidence(
        contrast=LinearContrast(fit.estimate, fit.standard_error, fit.df),
        scale=setup.scale,
        fraction=fraction,
        mixture_n=setup.mixture_n,
        mixture_tuning=setup.mixture_tuning,
        sample_n=setup.sample_n,
        units=setup.units,
        per_arm=setup.per_arm,
        date_based=setup.date_based,
        method=setup.method,
        control_value=control_value,
        pilot_value=pilot_value,
        difference=fit.estimate,
        relative_lift=fit.estimate / control_value if control_value else None,
        warnings=tuple(notes),
        unit_of_margin=control_value if crit.threshold_type == "relative" and control_value else 1.0,
        fixed_p=_student_p(fit.estimate, fit.standard_error, fit.df),
        step=fit,
        placebo_data=(tuple(before_days), tuple(before)),
        pilot_days=len(after),
        counterfactual=fit.counterfactual,
    )
