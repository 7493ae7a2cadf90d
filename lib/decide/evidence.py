"""From daily observations to the evidence about each criterion (frozen records).

Aggregation sums the sufficient statistics per metric and arm; each builder
turns one criterion's data into an :class:`Evidence`: the contrast (the
statistic of any candidate effect, see :mod:`lib.stats.contrasts`), the
information fraction of the plan, and the figures people read. No decision is
taken here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from scipy import special

from lib.decide import wording
from lib.observations import CriterionSpec, Observation, PilotSpec
from lib.stats import before_after, skew
from lib.stats.contrasts import Contrast, ExactRate, LinearContrast, RatioContrast, SkewedContrast
from lib.stats.distributions import norm_sf, t_sf
from lib.stats.means import Summary

#: before/after: no call before a full week of pilot days
MIN_PILOT_DAYS = 7
#: before/after: the "expected without the pilot" band the charts draw
COUNTERFACTUAL_LEVEL = 0.95


@dataclass
class _Arm:
    """Running sums for one metric and arm (private accumulator)."""

    n: float = 0.0
    total: float = 0.0
    total_sq: float = 0.0
    total_cu: float = 0.0
    missing_sq: bool = False
    missing_cu: bool = False
    days: dict[date, list[float]] = field(default_factory=dict)

    def window(self, keep: Callable[[date], bool] | None) -> _Arm:
        """The same sums over the days ``keep`` accepts."""
        if keep is None:
            return self
        out = _Arm(missing_sq=self.missing_sq, missing_cu=self.missing_cu)
        for day, (n, total, sq, cu) in self.days.items():
            if keep(day):
                out.n += n
                out.total += total
                out.total_sq += sq
                out.total_cu += cu
                out.days[day] = [n, total, sq, cu]
        return out

    def daily(self, kind: str) -> tuple[list[date], list[float]]:
        """Daily values in date order: rate or mean per day (days with n > 0), or the day's total."""
        days: list[date] = []
        values: list[float] = []
        for day in sorted(self.days):
            n, total, _, _ = self.days[day]
            if kind == "count":
                days.append(day)
                values.append(total)
            elif n > 0:
                days.append(day)
                values.append(total / n)
        return days, values

    def moments(self) -> skew.Moments:
        return skew.Moments(self.n, self.total, self.total_sq, None if self.missing_cu else self.total_cu)


Data = dict[str, dict[str, _Arm]]


def aggregate(observations: Sequence[Observation], metrics: set[str], as_of: date | None) -> tuple[Data, date | None]:
    """Sums per metric and arm (criteria's metrics only), and the last day with data.

    The loop is written out (not ``_Arm.add``): a portfolio runs it for every
    logged value on every page view.
    """
    data: Data = {m: {} for m in metrics}
    last: date | None = None
    for o in observations:
        arms = data.get(o.metric)
        day = o.day
        if arms is None or (as_of is not None and day > as_of):
            continue
        if last is None or day > last:
            last = day
        arm = arms.get(o.arm)
        if arm is None:
            arm = arms[o.arm] = _Arm()
        n, total, sq, cu = o.n, o.total, o.total_sq, o.total_cu
        if sq is None:
            arm.missing_sq = True
            sq = 0.0
        if cu is None:
            arm.missing_cu = True
            cu = 0.0
        arm.n += n
        arm.total += total
        arm.total_sq += sq
        arm.total_cu += cu
        cell = arm.days.get(day)
        if cell is None:
            arm.days[day] = [n, total, sq, cu]
        else:
            cell[0] += n
            cell[1] += total
            cell[2] += sq
            cell[3] += cu
    return data, last


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
    pace_note: str | None = None
    counterfactual: tuple[before_after.CounterfactualDay, ...] = ()

    def with_warning(self, text: str) -> Evidence:
        return replace(self, warnings=(*self.warnings, text))


def _window(start: date | None, end: date | None) -> Callable[[date], bool]:
    def keep(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    return keep


def in_pilot_period(pilot: PilotSpec) -> Callable[[date], bool]:
    return _window(pilot.start, pilot.end)


def in_baseline(pilot: PilotSpec) -> Callable[[date], bool]:
    start, end = pilot.baseline_start, pilot.baseline_end
    if end is None and pilot.start is not None:
        limit = pilot.start
        return lambda day: (start is None or day >= start) and day < limit
    return _window(start, end)


def planned_days(pilot: PilotSpec) -> int | None:
    if pilot.start is None or pilot.end is None or pilot.end < pilot.start:
        return None
    return (pilot.end - pilot.start).days + 1


def _elapsed_fraction(pilot: PilotSpec, last_day: date | None) -> float | None:
    total = planned_days(pilot)
    if total is None or pilot.start is None:
        return None
    elapsed = 0 if last_day is None else max(0, min((last_day - pilot.start).days + 1, total))
    return elapsed / total


def _summary(arm: _Arm) -> Summary:
    return Summary.from_sums(arm.n, arm.total, arm.total_sq) if arm.n > 0 else Summary(0, 0.0, 0.0)


def _student_p(estimate: float, se: float, df: float | None) -> Callable[[float], float]:
    """Fixed-sample one-sided p of "effect > d" for analysts (``p_value_raw``)."""

    def p(d: float) -> float:
        if se <= 0:
            return 0.0 if estimate > d else 1.0
        z = (estimate - d) / se
        return norm_sf(z) if df is None else t_sf(z, df)

    return p


def _base(units: str, method: str, *, per_arm: bool, date_based: bool, scale: str) -> dict:
    return dict(
        scale=scale,
        units=units,
        method=method,
        per_arm=per_arm,
        date_based=date_based,
        fraction=None,
        mixture_n=0.0,
        mixture_tuning=1000.0,
        sample_n=0.0,
        contrast=None,
    )


def ab_evidence(crit: CriterionSpec, pilot: PilotSpec, arms: dict[str, _Arm], units: str) -> Evidence:
    """Pilot arm against control arm over the same days."""
    empty = _Arm()
    control, treat = arms.get(pilot.control_arm, empty), arms.get(pilot.pilot_arm, empty)
    relative = crit.threshold_type == "relative"
    scale = "lift" if relative else "difference"
    warnings: list[str] = []
    if pilot.design != "ab":
        warnings.append(
            wording.COMPARISON_DESIGN_MISMATCH.format(
                label=wording.label(crit.metric), comparison=crit.comparison, design=pilot.design
            )
        )
    date_based = crit.kind == "count" or (crit.kind == "mean" and (control.missing_sq or treat.missing_sq))
    if crit.kind == "mean" and date_based:
        warnings.append(wording.MEAN_WITHOUT_SQUARES.format(label=wording.label(crit.metric)))
    if crit.kind == "proportion":
        nc, xc, np_, xp = control.n, control.total, treat.n, treat.total
        base = _base(units, "agresti_caffo", per_arm=True, date_based=False, scale=scale)
        values = dict(control_value=xc / nc if nc else None, pilot_value=xp / np_ if np_ else None)
        if values["control_value"] is not None and values["pilot_value"] is not None:
            values["difference"] = values["pilot_value"] - values["control_value"]
            values["relative_lift"] = (
                values["pilot_value"] / values["control_value"] - 1 if values["control_value"] else None
            )
        problem = _count_problem(nc, xc, np_, xp)
        if problem:
            return Evidence(**base, **values, warnings=(*warnings, problem), error=problem)
        if nc == 0 or np_ == 0:
            return Evidence(
                **{**base, "sample_n": min(nc, np_)}, **values, warnings=(*warnings, wording.empty_arm(nc, np_))
            )
        # Agresti-Caffo: one success and one failure added per arm, defined with zero counts
        pa, pb = (xc + 1) / (nc + 2), (xp + 1) / (np_ + 2)
        va, vb = pa * (1 - pa) / (nc + 2), pb * (1 - pb) / (np_ + 2)
        if xc == 0 and xp == 0:
            warnings.append(wording.NO_CONVERSIONS_BOTH)
        contrast: Contrast = RatioContrast(pa, va, pb, vb) if relative else LinearContrast(pb - pa, math.sqrt(va + vb))
        fixed = None if relative else _student_p(pb - pa, math.sqrt(va + vb), None)
        return Evidence(
            **{**base, "sample_n": min(nc, np_), "mixture_n": nc + np_, "contrast": contrast},
            **values,
            warnings=tuple(warnings),
            fixed_p=fixed,
        )
    if date_based:
        _, cv = control.daily(crit.kind)
        _, pv = treat.daily(crit.kind)
        sc, sp = Summary.from_values(cv), Summary.from_values(pv)
        method, units = "welch_days", wording.UNITS_DAYS
    else:
        sc, sp = _summary(control), _summary(treat)
        method = "welch"
    base = _base(units, method, per_arm=True, date_based=date_based, scale=scale)
    values = dict(control_value=sc.mean if sc.n else None, pilot_value=sp.mean if sp.n else None)
    if sc.n and sp.n:
        values["difference"] = sp.mean - sc.mean
        values["relative_lift"] = sp.mean / sc.mean - 1 if sc.mean else None
    base["sample_n"] = min(sc.n, sp.n)
    base["mixture_n"] = sc.n + sp.n
    base["mixture_tuning"] = 30.0 if date_based else 1000.0
    if sc.n < 2 or sp.n < 2:
        return Evidence(**base, **values, warnings=(*warnings, wording.TOO_FEW_UNITS))
    va, vb = sc.variance / sc.n, sp.variance / sp.n
    if va + vb <= 0:
        return Evidence(**base, **values, warnings=(*warnings, wording.NO_VARIATION))
    if va == 0 or vb == 0:
        warnings.append(wording.ZERO_VARIANCE_ARM)
        return Evidence(**base, **values, warnings=tuple(warnings))
    from lib.stats.means import welch_df

    df = welch_df(va, sc.n, vb, sp.n)
    if relative:
        contrast = RatioContrast(sc.mean, va, sp.mean, vb)
        fixed = None
    elif crit.kind == "mean" and not date_based:
        test = skew.skew_corrected_t_two(control.moments(), treat.moments())
        warnings.extend(test.warnings)
        contrast = _skewed(test)
        base["method"] = test.method
        fixed = _student_p(test.estimate, test.standard_error, test.df)
    else:
        contrast = LinearContrast(sp.mean - sc.mean, math.sqrt(va + vb), df)
        fixed = _student_p(sp.mean - sc.mean, math.sqrt(va + vb), df)
    return Evidence(**{**base, "contrast": contrast}, **values, warnings=tuple(warnings), fixed_p=fixed)


def _skewed(test: skew.SkewT, estimate: float | None = None) -> SkewedContrast:
    """The contrast of a skew-corrected test; its skewness does not depend on the value tested."""
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


def target_evidence(crit: CriterionSpec, pilot: PilotSpec, arms: dict[str, _Arm], units: str) -> Evidence:
    """The pilot arm (pilot period for before/after pilots) against a fixed target value."""
    keep = in_pilot_period(pilot) if pilot.design == "before_after" else None
    treat = arms.get(pilot.pilot_arm, _Arm()).window(keep)
    warnings: list[str] = []
    if crit.kind == "proportion":
        n, k = treat.n, treat.total
        base = _base(units, "exact_binomial", per_arm=False, date_based=False, scale="value")
        value = k / n if n else None
        if n and (k < 0 or k > n):
            problem = wording.MORE_CONVERSIONS.format(name="conversions", conversions=k, visitors=n)
            return Evidence(**base, pilot_value=value, warnings=(problem,), error=problem)
        diff = None if value is None else value - crit.threshold
        if n == 0:
            return Evidence(**base, pilot_value=None, warnings=(wording.EMPTY_ARM_PILOT,))
        contrast = ExactRate(k, n)

        def fixed(d: float) -> float:
            # exact binomial one-sided p of "rate > d" for analysts: P(X >= k)
            x = round(k)
            return 1.0 if x <= 0 else float(special.bdtrc(x - 1, round(n), min(max(d, 1e-12), 1 - 1e-12)))

        return Evidence(
            **{**base, "sample_n": n, "mixture_n": n, "contrast": contrast},
            pilot_value=value,
            difference=diff,
            fixed_p=fixed,
        )
    date_based = crit.kind == "count" or treat.missing_sq
    if crit.kind == "mean" and date_based:
        warnings.append(wording.MEAN_WITHOUT_SQUARES.format(label=wording.label(crit.metric)))
    if date_based:
        summary = Summary.from_values(treat.daily(crit.kind)[1])
        units = wording.UNITS_DAYS
    else:
        summary = _summary(treat)
    base = _base(units, "t", per_arm=False, date_based=date_based, scale="value")
    base.update(sample_n=summary.n, mixture_n=summary.n, mixture_tuning=30.0 if date_based else 1000.0)
    value = summary.mean if summary.n else None
    diff = None if value is None else value - crit.threshold
    if summary.n < 2:
        return Evidence(**base, pilot_value=value, difference=diff, warnings=(*warnings, wording.TOO_FEW_UNITS))
    se = summary.sd / math.sqrt(summary.n)
    if se <= 0:
        return Evidence(**base, pilot_value=value, difference=diff, warnings=(*warnings, wording.NO_VARIATION_ONE))
    if crit.kind == "mean" and not date_based:
        test = skew.skew_corrected_t_one(treat.moments(), crit.threshold)
        warnings.extend(test.warnings)
        contrast: Contrast = _skewed(test, summary.mean)
        base["method"] = test.method
    else:
        contrast = LinearContrast(summary.mean, se, summary.n - 1)
    return Evidence(
        **{**base, "contrast": contrast},
        pilot_value=value,
        difference=diff,
        warnings=tuple(warnings),
        fixed_p=_student_p(summary.mean, se, summary.n - 1),
    )


def periods_evidence(crit: CriterionSpec, pilot: PilotSpec, arms: dict[str, _Arm], last_day: date | None) -> Evidence:
    """Baseline period against pilot period: the adjusted step of the GLS AR(1) model."""
    base = _base(wording.UNITS_DAYS, "gls_ar1", per_arm=False, date_based=True, scale="difference")
    base["mixture_tuning"] = 30.0
    if pilot.start is None:
        return Evidence(**base, warnings=(wording.NO_PILOT_DATES,))
    treat = arms.get(pilot.pilot_arm, _Arm())
    before_days, before = treat.window(in_baseline(pilot)).daily(crit.kind)
    after_days, after = treat.window(in_pilot_period(pilot)).daily(crit.kind)
    control_value = sum(before) / len(before) if before else None
    pilot_value = sum(after) / len(after) if after else None
    values = dict(control_value=control_value, pilot_value=pilot_value)
    base.update(sample_n=min(len(before), len(after)), mixture_n=len(after), pilot_days=len(after))
    notes = [wording.OBSERVATIONAL]
    if len(before) < 7 or len(after) < 7:
        notes.append(wording.SHORT_PERIODS)
    fit = None
    if len(before) >= 3 and len(after) >= 3:
        fit = before_after.fit_step(before_days, before, after_days, after, counterfactual_level=COUNTERFACTUAL_LEVEL)
    if fit is None:
        return Evidence(**base, **values, warnings=(*notes, wording.ADJUSTED_TOO_FEW_DAYS))
    notes.extend(fit.notes)
    margin_unit = control_value if crit.threshold_type == "relative" and control_value else 1.0
    relative = fit.estimate / control_value if control_value else None
    planned = planned_days(pilot)
    fraction = None
    if planned is not None:
        nb = len(before)
        fraction = (1 / nb + 1 / planned) / (1 / nb + 1 / len(after))
    return Evidence(
        **{**base, "contrast": LinearContrast(fit.estimate, fit.standard_error, fit.df), "fraction": fraction},
        **values,
        difference=fit.estimate,
        relative_lift=relative,
        warnings=tuple(notes),
        unit_of_margin=margin_unit,
        step=fit,
        placebo_data=(tuple(before_days), tuple(before)),
        counterfactual=fit.counterfactual,
        fixed_p=_student_p(fit.estimate, fit.standard_error, fit.df),
    )


def with_progress(ev: Evidence, pilot: PilotSpec, last_day: date | None, *, plan_applies: bool = True) -> Evidence:
    """Information fraction, progress, what is still needed and whether the plan has ended.

    The planned sample counts the primary criterion's units (people); a
    criterion counted in other units (orders behind an average) measures its
    progress by the calendar instead (``plan_applies`` False).
    """
    plan = pilot.planned_n_per_arm if plan_applies else None
    ended = pilot.end is not None and last_day is not None and last_day >= pilot.end
    if ev.step is not None:
        total = planned_days(pilot)
        more = None if total is None else max(total - ev.pilot_days, 0)
        progress = None if total is None else min(ev.pilot_days / total, 1.0)
        return replace(
            ev,
            progress=progress,
            ended=ended or (ev.fraction or 0) >= 1,
            more_needed=more or None,
            more_unit=wording.UNITS_DAYS if more else None,
        )
    if not ev.date_based and plan:
        if (
            ev.per_arm
            and ev.contrast is not None
            and isinstance(ev.contrast, (LinearContrast, RatioContrast, SkewedContrast))
        ):
            fraction = _ab_fraction(ev, plan)
        else:
            fraction = ev.sample_n / plan
        more = int(math.ceil(plan - ev.sample_n)) if ev.sample_n < plan else None
        out = replace(
            ev,
            fraction=fraction if ev.sample_n > 0 else None,
            progress=ev.sample_n / plan,
            ended=ended or ev.sample_n >= plan,
            more_needed=more,
            more_unit=ev.units if more else None,
        )
        return _pace(out, pilot, last_day, plan)
    fraction = _elapsed_fraction(pilot, last_day)
    if fraction is not None:
        total = planned_days(pilot) or 0
        more = total - round(fraction * total)
        return replace(
            ev,
            fraction=fraction if fraction > 0 else None,
            progress=fraction,
            ended=ended or fraction >= 1,
            more_needed=more or None,
            more_unit=wording.UNITS_DAYS if more else None,
        )
    return replace(ev, ended=ended)


def _ab_fraction(ev: Evidence, plan: int) -> float:
    """Information so far over planned: ``(2 / N) / (1 / n_c + 1 / n_p)`` for two arms."""
    n_small = ev.sample_n
    n_total = ev.mixture_n
    n_large = n_total - n_small
    if n_small <= 0 or n_large <= 0:
        return 0.0
    return (2.0 / plan) / (1.0 / n_small + 1.0 / n_large)


def _pace(ev: Evidence, pilot: PilotSpec, last_day: date | None, plan: int) -> Evidence:
    """Say so when, at today's pace, the planned sample will not be in by the end date."""
    if ev.ended or pilot.start is None or pilot.end is None or last_day is None or last_day < pilot.start:
        return ev
    elapsed = (last_day - pilot.start).days + 1
    remaining = (pilot.end - last_day).days
    projected = ev.sample_n + ev.sample_n / elapsed * max(remaining, 0)
    if projected >= plan:
        return ev
    note = wording.pace_short(projected, plan, ev.units, pilot.end)
    return replace(ev, pace_note=note, warnings=(*ev.warnings, note))
