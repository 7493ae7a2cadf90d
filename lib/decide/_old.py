"""The decision engine: criteria + logged results -> scale, iterate, keep running or abort.

Input is plain data (:mod:`lib.observations`): the pilot, its criteria as
agreed before the start, and per day x arm x metric sufficient statistics.
Output is a :class:`PilotEvaluation` with one :class:`CriterionVerdict` per
criterion, each with a sentence for the review meeting.

How a criterion is judged
-------------------------
Each criterion becomes a one-sided question about a contrast ``L`` that is
positive exactly when the criterion holds (for a guardrail: when the harm is
beyond what is tolerated). With ``s`` = +1 when the metric should increase
and -1 when it should decrease, and ``theta`` the threshold:

- vs_control / vs_baseline, absolute: ``L = s (pilot - control) - theta``;
- relative (a lift of ``theta``): ``L = s (pilot - control) - theta * control``;
- vs_target: ``L = s (pilot - theta)``, ``theta`` being the target value;
- guardrails flip ``s`` (they look in the bad direction), ``theta`` is the
  harm tolerated.

Tests: A/B rates with ``theta = 0`` use the pooled z-test, or Fisher's exact
test with small counts; with a margin they use the Agresti-Caffo adjusted
normal test (defined with zero counts). Target rates use the exact binomial
test. Means use Welch (or one-sample t); count metrics use daily totals as
units; before/after uses daily values as units (Welch), with the trend- and
weekday-adjusted shift reported beside it. ``sequential=True`` swaps in the
always-valid p-values and intervals for A/B criteria.

At significance ``alpha = 1 - criterion.confidence``:

- primary/secondary: **met** when the (for primaries: Holm-adjusted) p-value
  of ``L > 0`` is below alpha; **missed** when ``L < 0`` is significant;
  **futile** when, before the planned sample is in, even the optimistic end of
  today's interval could not clear the threshold at the planned sample:
  ``L + z se (1 - sqrt(f)) <= 0`` with ``f`` the fraction of the plan
  collected; otherwise **too_early**, or **inconclusive** once the planned
  sample (or the end date) is reached.
- guardrails: **harmed** when harm beyond the tolerance is significant;
  **safe** when non-inferiority is shown, or when the planned sample is in
  with no significant harm; otherwise **too_early**.

``more_needed`` is the rest of the planned sample per arm (or the days left
to the end date) when there is a plan; without one, the units per arm after
which today's estimate, if it holds, would clear the bar.

Recommendation, in order: no data -> keep_running; any guardrail harmed or
primary missed/futile -> abort; sample-ratio mismatch -> iterate (fix the
split and rerun); every primary met -> scale; any primary still short of its
sample -> keep_running; otherwise (full sample, mixed) -> iterate. With no
primary criterion the secondaries stand in. The split check is a chi-square
on the A/B exposures, flagged below p = 0.001. A criterion whose data cannot
be evaluated (say conversions above visitors) gets a warning and stays
undecided rather than raising.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lib import formatting as fmt
from lib.observations import DESIGNS, CriterionSpec, Observation, PilotSpec
from lib.stats import messages
from lib.stats.distributions import norm_cdf, norm_sf, t_cdf, t_sf, z_one_sided
from lib.stats.means import Summary, compare_means, welch_df
from lib.stats.multiple import ADJUST_METHODS, adjust_pvalues, srm_pvalue
from lib.stats.periods import compare_periods
from lib.stats.proportions import compare_proportions, proportion_pvalues
from lib.stats.results import Comparison, TargetResult, plain
from lib.stats.sequential import DEFAULT_TUNING, sequential_pvalue
from lib.stats.target import against_target, against_target_mean, binomial_pvalues

RECOMMENDATIONS: tuple[str, ...] = ("scale", "iterate", "keep_running", "abort")
STATUSES: tuple[str, ...] = ("met", "missed", "harmed", "safe", "too_early", "inconclusive", "futile")
#: a sample-ratio-mismatch p-value below this flags a broken split
SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class CriterionVerdict:
    """How one criterion stands, with the sentence for the review meeting.

    ``p_value`` is adjusted for multiple primaries (Holm by default) where
    that applies; ``p_value_raw`` is the unadjusted one. ``confidence`` is
    1 - p_value: how sure we are the criterion is met (for a guardrail: that
    it holds). ``met`` is None while undecided. ``sample_n`` is per arm (the
    smaller arm; days for count metrics and before/after), ``progress`` the
    fraction of the planned sample (or of the planned days), ``more_needed``
    an estimate of further units (``more_needed_unit``) per arm.
    """

    metric: str
    role: str
    kind: str
    comparison: str
    control_value: float | None
    pilot_value: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    relative_lift: float | None
    p_value: float | None
    p_value_raw: float | None
    confidence: float | None
    met: bool | None
    status: str
    sample_n: float
    progress: float | None
    more_needed: int | None
    sentence: str
    warnings: list[str] = field(default_factory=list)
    label: str = ""
    threshold: float = 0.0
    threshold_type: str = "absolute"
    direction: str = "increase"
    required_confidence: float = 0.95
    more_needed_unit: str | None = None
    relative_ci_low: float | None = None
    relative_ci_high: float | None = None
    adjusted_difference: float | None = None
    adjusted_ci_low: float | None = None
    adjusted_ci_high: float | None = None
    method: str | None = None
    result: Comparison | TargetResult | None = None

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class PilotEvaluation:
    """The engine's answer for one pilot."""

    pilot: str
    recommendation: str
    reasons: list[str]
    verdicts: list[CriterionVerdict]
    srm_p_value: float | None
    srm_flag: bool
    design: str = "ab"
    as_of: date | None = None
    sequential: bool = False
    multiple_testing: str = "holm"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data: dates as ISO strings, None instead of NaN."""
        return plain(self)


# --------------------------------------------------------------------------
# aggregation


class _Arm:
    __slots__ = ("n", "total", "total_sq", "missing_sq", "days")

    def __init__(self) -> None:
        self.n = 0.0
        self.total = 0.0
        self.total_sq = 0.0
        self.missing_sq = False
        self.days: dict[date, list[float]] = {}


def _aggregate(
    observations: Sequence[Observation], metrics: set[str], as_of: date | None
) -> tuple[dict[str, dict[str, _Arm]], date | None]:
    data: dict[str, dict[str, _Arm]] = {m: {} for m in metrics}
    last: date | None = None
    for o in observations:
        arms = data.get(o.metric)
        if arms is None:
            continue
        day = o.day
        if as_of is not None and day > as_of:
            continue
        if last is None or day > last:
            last = day
        arm = arms.get(o.arm)
        if arm is None:
            arm = arms[o.arm] = _Arm()
        arm.n += o.n
        arm.total += o.total
        sq = o.total_sq
        if sq is None:
            arm.missing_sq = True
            sq = 0.0
        else:
            arm.total_sq += sq
        cell = arm.days.get(day)
        if cell is None:
            arm.days[day] = [o.n, o.total, sq]
        else:
            cell[0] += o.n
            cell[1] += o.total
            cell[2] += sq
    return data, last


def _daily(arm: _Arm | None, kind: str, keep=None) -> tuple[list[date], list[float]]:
    """Daily values in date order: rate or mean per day (days with n > 0), or the day's total."""
    if arm is None:
        return [], []
    days: list[date] = []
    values: list[float] = []
    for day in sorted(arm.days):
        if keep is not None and not keep(day):
            continue
        n, total, _ = arm.days[day]
        if kind == "count":
            days.append(day)
            values.append(total)
        elif n > 0:
            days.append(day)
            values.append(total / n)
    return days, values


# --------------------------------------------------------------------------
# evidence for one criterion


@dataclass
class _Eval:
    crit: CriterionSpec
    label: str
    units: str
    alpha: float
    result: Comparison | TargetResult | None = None
    control_value: float | None = None
    pilot_value: float | None = None
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    relative_lift: float | None = None
    relative_ci_low: float | None = None
    relative_ci_high: float | None = None
    adjusted: Any = None
    adjusted_disagrees: bool = False  # before/after: trend+weekday adjustment tells another story
    pace_note: str | None = None  # the planned sample will not be in by the end date
    method: str | None = None
    # one-sided evidence on the contrast L (> 0: criterion holds, guardrail breached)
    has_evidence: bool = False
    estimate: float = 0.0
    se: float = 0.0
    p_pos: float = 1.0
    p_neg: float = 1.0
    sample_n: float = 0.0
    per_arm: bool = True
    date_based: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    # filled in later
    p_adj: float | None = None
    status: str = "too_early"
    met: bool | None = None
    progress: float | None = None
    full: bool = False
    more_needed: int | None = None
    more_unit: str | None = None
    more_from_plan: bool = False


def _label(metric: str) -> str:
    text = metric.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else metric


def _sign(crit: CriterionSpec) -> int:
    good = 1 if crit.direction == "increase" else -1
    return -good if crit.role == "guardrail" else good


def _contrast_p(estimate: float, se: float, df: float | None, seq_n: float | None, alpha: float) -> tuple[float, float]:
    """One-sided p-values for L > 0 and L < 0."""
    if se <= 0.0 or not math.isfinite(se):
        if estimate > 0:
            return 0.0, 1.0
        if estimate < 0:
            return 1.0, 0.0
        return 1.0, 1.0
    if seq_n is not None:
        p_two = sequential_pvalue(estimate, se, seq_n, alpha, DEFAULT_TUNING)
        return (p_two if estimate > 0 else 1.0), (p_two if estimate < 0 else 1.0)
    t = estimate / se
    if df is None:
        return norm_sf(t), norm_cdf(t)
    return t_sf(t, df), t_cdf(t, df)


def _set_display(ev: _Eval, result: Comparison) -> None:
    ev.result = result
    ev.control_value = result.control_value
    ev.pilot_value = result.pilot_value
    ev.difference = result.difference
    ev.ci_low, ev.ci_high = result.ci_low, result.ci_high
    ev.relative_lift = result.relative_lift
    ev.relative_ci_low, ev.relative_ci_high = result.relative_ci_low, result.relative_ci_high
    ev.method = result.method
    ev.warnings.extend(result.warnings)


def _linear_contrast(
    ev: _Eval,
    a_mean: float,
    a_var: float,
    a_n: float,
    b_mean: float,
    b_var: float,
    b_n: float,
    *,
    welch: bool,
    seq: bool,
) -> None:
    """L = s (B - A) - theta (absolute) or s (B - A) - theta A (relative); var = variances of the means."""
    crit = ev.crit
    s = _sign(crit)
    theta = crit.threshold
    if crit.threshold_type == "relative":
        weight = s + theta
        estimate = s * b_mean - weight * a_mean
    else:
        weight = s
        estimate = s * (b_mean - a_mean) - theta
    var_a, var_b = weight * weight * a_var, b_var
    se = math.sqrt(var_a + var_b)
    df = welch_df(var_a, a_n, var_b, b_n) if welch and se > 0 else None
    ev.estimate, ev.se = estimate, se
    ev.p_pos, ev.p_neg = _contrast_p(estimate, se, df, a_n + b_n if seq else None, ev.alpha)
    ev.has_evidence = True


def _eval_ab(ev: _Eval, pilot: PilotSpec, arms: dict[str, _Arm], sequential: bool) -> None:
    crit = ev.crit
    control, treat = arms.get(pilot.control_arm), arms.get(pilot.pilot_arm)
    if crit.kind == "proportion":
        nc = control.n if control else 0.0
        xc = control.total if control else 0.0
        np_ = treat.n if treat else 0.0
        xp = treat.total if treat else 0.0
        result = compare_proportions(xc, nc, xp, np_, alpha=ev.alpha, sequential=sequential)
        _set_display(ev, result)
        ev.sample_n = min(nc, np_)
        if nc == 0 or np_ == 0:
            return
        s = _sign(crit)
        xc_i, nc_i, xp_i, np_i = int(round(xc)), int(round(nc)), int(round(xp)), int(round(np_))
        # Agresti-Caffo: add one success and one failure per arm (defined with zeros)
        pa, pb = (xc_i + 1) / (nc_i + 2), (xp_i + 1) / (np_i + 2)
        va, vb = pa * (1 - pa) / (nc_i + 2), pb * (1 - pb) / (np_i + 2)
        if crit.threshold == 0 and not sequential:
            ps = proportion_pvalues(xc_i, nc_i, xp_i, np_i, "auto")
            ev.p_pos, ev.p_neg = (ps.greater, ps.less) if s > 0 else (ps.less, ps.greater)
            ev.estimate = s * (pb - pa)
            ev.se = math.sqrt(va + vb)
            ev.has_evidence = True
            return
        if sequential:
            # the always-valid test uses the plain (unadjusted) rates, as compare_proportions does
            pa, pb = xc_i / nc_i, xp_i / np_i
            va, vb = pa * (1 - pa) / nc_i, pb * (1 - pb) / np_i
        _linear_contrast(ev, pa, va, nc_i, pb, vb, np_i, welch=False, seq=sequential)
        return
    existing = [arm for arm in (control, treat) if arm is not None]
    if crit.kind == "mean" and not any(arm.missing_sq for arm in existing):
        sc = Summary.from_sums(control.n, control.total, control.total_sq) if control else Summary(0, 0.0, 0.0)
        st = Summary.from_sums(treat.n, treat.total, treat.total_sq) if treat else Summary(0, 0.0, 0.0)
    else:
        if crit.kind == "mean":
            ev.warnings.append(messages.MEAN_WITHOUT_SQUARES.format(label=ev.label))
        ev.units = messages.UNITS_DAYS
        ev.date_based = True
        sc = Summary.from_values(_daily(control, crit.kind)[1])
        st = Summary.from_values(_daily(treat, crit.kind)[1])
    result = compare_means(sc, st, alpha=ev.alpha, sequential=sequential)
    _set_display(ev, result)
    ev.sample_n = min(sc.n, st.n)
    if sc.n < 2 or st.n < 2:
        return
    _linear_contrast(
        ev, sc.mean, sc.variance / sc.n, sc.n, st.mean, st.variance / st.n, st.n, welch=True, seq=sequential
    )


def _eval_target(ev: _Eval, pilot: PilotSpec, arms: dict[str, _Arm]) -> None:
    crit = ev.crit
    treat = arms.get(pilot.pilot_arm)
    keep = _in_pilot_period(pilot) if pilot.design == "before_after" else None
    s = _sign(crit)
    alternative = "greater" if s > 0 else "less"
    if crit.kind == "proportion":
        if keep is None:
            n = treat.n if treat else 0.0
            k = treat.total if treat else 0.0
        else:
            cells = [c for d, c in (treat.days.items() if treat else []) if keep(d)]
            n = sum(c[0] for c in cells)
            k = sum(c[1] for c in cells)
        result = against_target(k, n, crit.threshold, alpha=ev.alpha, alternative=alternative)
        _set_target_display(ev, result)
        ev.sample_n = n
        if n == 0:
            return
        k_i, n_i = int(round(k)), int(round(n))
        greater, less = binomial_pvalues(k_i, n_i, crit.threshold)
        ev.p_pos, ev.p_neg = (greater, less) if s > 0 else (less, greater)
        p_adj = (k_i + 2) / (n_i + 4)
        ev.estimate = s * (k_i / n_i - crit.threshold)
        ev.se = math.sqrt(p_adj * (1 - p_adj) / (n_i + 4))
        ev.has_evidence = True
        return
    if crit.kind == "mean" and (treat is None or not treat.missing_sq):
        cells = [c for d, c in (treat.days.items() if treat else []) if keep is None or keep(d)]
        summary = Summary.from_sums(sum(c[0] for c in cells), sum(c[1] for c in cells), sum(c[2] for c in cells))
    else:
        if crit.kind == "mean":
            ev.warnings.append(messages.MEAN_WITHOUT_SQUARES.format(label=ev.label))
        ev.units = messages.UNITS_DAYS
        ev.date_based = True
        summary = Summary.from_values(_daily(treat, crit.kind, keep)[1])
    result = against_target_mean(summary, crit.threshold, alpha=ev.alpha, alternative=alternative)
    _set_target_display(ev, result)
    ev.sample_n = summary.n
    if summary.n < 2:
        return
    se = summary.sd / math.sqrt(summary.n)
    ev.estimate = s * (summary.mean - crit.threshold)
    ev.se = se
    ev.p_pos, ev.p_neg = _contrast_p(ev.estimate, se, summary.n - 1, None, ev.alpha)
    ev.has_evidence = True


def _set_target_display(ev: _Eval, result: TargetResult) -> None:
    ev.result = result
    ev.pilot_value = result.value
    ev.difference = result.difference
    ev.ci_low, ev.ci_high = result.ci_low, result.ci_high
    ev.method = result.method
    ev.warnings.extend(result.warnings)


def _date_window(start: date | None, end: date | None):
    """Keep days from ``start`` to ``end``, both included; ``None`` leaves that side open."""

    def keep(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    return keep


def _in_pilot_period(pilot: PilotSpec):
    return _date_window(pilot.start, pilot.end)


def _in_baseline(pilot: PilotSpec):
    start, end = pilot.baseline_start, pilot.baseline_end
    if end is None and pilot.start is not None:
        limit = pilot.start

        def keep_before(day: date) -> bool:
            return (start is None or day >= start) and day < limit

        return keep_before
    return _date_window(start, end)


def _eval_periods(ev: _Eval, pilot: PilotSpec, arms: dict[str, _Arm]) -> None:
    crit = ev.crit
    ev.units = messages.UNITS_DAYS
    ev.date_based = True
    if pilot.start is None:
        ev.warnings.append(messages.NO_PILOT_DATES)
        return
    treat = arms.get(pilot.pilot_arm)
    before_days, before = _daily(treat, crit.kind, _in_baseline(pilot))
    after_days, after = _daily(treat, crit.kind, _in_pilot_period(pilot))
    result = compare_periods(before, after, alpha=ev.alpha, before_dates=before_days, after_dates=after_days)
    _set_display(ev, result)
    ev.adjusted = result.adjusted
    ev.warnings.extend(result.notes)
    ev.sample_n = min(len(before), len(after))
    if len(before) < 2 or len(after) < 2:
        return
    sa, sb = Summary.from_values(before), Summary.from_values(after)
    _linear_contrast(ev, sa.mean, sa.variance / sa.n, sa.n, sb.mean, sb.variance / sb.n, sb.n, welch=True, seq=False)
    adj = result.adjusted
    if adj is not None:
        s = _sign(crit)
        theta = crit.threshold * sa.mean if crit.threshold_type == "relative" else crit.threshold
        adjusted_says = s * adj.estimate - theta - z_one_sided(ev.alpha) * adj.standard_error > 0
        if adjusted_says != (ev.p_pos < ev.alpha):
            ev.warnings.append(messages.ADJUSTED_DIFFERS)
            ev.adjusted_disagrees = True


# --------------------------------------------------------------------------
# progress, status, sentences


def _progress(ev: _Eval, pilot: PilotSpec, last_day: date | None) -> None:
    plan = pilot.planned_n_per_arm
    ended = pilot.end is not None and last_day is not None and last_day >= pilot.end
    if not ev.date_based and plan:
        ev.progress = ev.sample_n / plan
        ev.full = ev.progress >= 1.0 or ended
        if not ev.full:
            ev.more_needed = int(math.ceil(plan - ev.sample_n))
            ev.more_unit = ev.units
            ev.more_from_plan = True
            _pace_warning(ev, pilot, last_day, plan)
        return
    if pilot.start is not None and pilot.end is not None and pilot.end >= pilot.start:
        total_days = (pilot.end - pilot.start).days + 1
        elapsed = 0 if last_day is None else max(0, min((last_day - pilot.start).days + 1, total_days))
        ev.progress = elapsed / total_days
        ev.full = ev.progress >= 1.0
        if not ev.full:
            ev.more_needed = total_days - elapsed
            ev.more_unit = messages.UNITS_DAYS
            ev.more_from_plan = True
        return
    ev.full = ended


def _pace_warning(ev: _Eval, pilot: PilotSpec, last_day: date | None, plan: int) -> None:
    """Say so when, at today's pace, the planned sample will not be in by the end date."""
    if pilot.start is None or pilot.end is None or last_day is None or last_day < pilot.start:
        return
    elapsed = (last_day - pilot.start).days + 1
    remaining = (pilot.end - last_day).days
    projected = ev.sample_n + ev.sample_n / elapsed * max(remaining, 0)
    if projected < plan:
        ev.pace_note = messages.PACE_SHORT.format(projected=fmt.about(projected), plan=fmt.number(plan),
                                                  units=ev.units, end=fmt.fmt_date(pilot.end))
        ev.warnings.append(ev.pace_note)


def _projection(ev: _Eval, z: float) -> None:
    """Without a plan: units per arm still needed if today's estimate holds."""
    if ev.more_from_plan or not ev.has_evidence or ev.estimate <= 0 or ev.se <= 0 or ev.sample_n <= 0:
        return
    needed = ev.sample_n * (z * ev.se / ev.estimate) ** 2
    if needed > ev.sample_n:
        ev.more_needed = int(math.ceil(needed - ev.sample_n))
        ev.more_unit = ev.units


def _decide_status(ev: _Eval) -> None:
    crit = ev.crit
    alpha = ev.alpha
    if not ev.has_evidence:
        ev.status = "inconclusive" if ev.full and ev.sample_n > 0 else "too_early"
        ev.met = None
        return
    z = z_one_sided(alpha)
    if crit.role == "guardrail":
        if ev.p_pos < alpha:
            ev.status, ev.met = "harmed", False
        elif ev.p_neg < alpha or ev.full:
            ev.status, ev.met = "safe", True
        else:
            ev.status, ev.met = "too_early", None
        return
    p_met = ev.p_adj if ev.p_adj is not None else ev.p_pos
    if ev.adjusted_disagrees and (p_met < alpha or ev.p_neg < alpha):
        # observational design: call it only when the plain and the trend-adjusted reading agree
        ev.status, ev.met = ("inconclusive" if ev.full else "too_early"), None
    elif p_met < alpha:
        ev.status, ev.met = "met", True
    elif ev.p_neg < alpha:
        ev.status, ev.met = "missed", False
    elif not ev.full and ev.progress is not None and _futile(ev, z):
        ev.status, ev.met = "futile", False
    elif ev.full:
        ev.status, ev.met = "inconclusive", None
    else:
        ev.status, ev.met = "too_early", None
        _projection(ev, z)


def _futile(ev: _Eval, z: float) -> bool:
    fraction = min(max(ev.progress or 0.0, 0.0), 1.0)
    if fraction <= 0.0 or ev.se <= 0.0:
        return False
    optimistic = ev.estimate + z * ev.se
    return optimistic - z * ev.se * math.sqrt(fraction) <= 0.0


def _fmt_value(kind: str, value: float | None) -> str:
    return fmt.pct(value) if kind == "proportion" else fmt.quantity(value)


def _fmt_threshold(crit: CriterionSpec, *, as_target: bool) -> str:
    if crit.threshold_type == "relative" and not as_target:
        return _smart_pct(crit.threshold)
    if crit.kind == "proportion":
        return _smart_pct(crit.threshold) if as_target else fmt.pct_points(crit.threshold)
    if float(crit.threshold).is_integer():
        return fmt.number(crit.threshold)
    return fmt.quantity(crit.threshold)


def _smart_pct(value: float) -> str:
    whole = abs(value * 100 - round(value * 100)) < 1e-9
    return fmt.pct(value, 0 if whole else 1)


def _tail(ev: _Eval, pilot: PilotSpec) -> str:
    status = ev.status
    if status == "met":
        return messages.TAIL_MET
    if status == "missed":
        return messages.TAIL_MISSED
    if status == "harmed":
        return messages.TAIL_HARMED
    if status == "safe":
        return (
            messages.TAIL_SAFE
            if not ev.full or ev.p_neg < ev.alpha
            else (messages.TAIL_NO_HARM_FINAL + "; " + messages.TAIL_SAFE)
        )
    if status == "futile":
        if pilot.planned_n_per_arm and not ev.date_based:
            plan = f"{fmt.number(pilot.planned_n_per_arm)} {ev.units}" + (" per arm" if ev.per_arm else "")
            return messages.TAIL_FUTILE.format(plan=plan)
        if pilot.end is not None:
            return messages.TAIL_FUTILE.format(plan="pilot period")
        return messages.TAIL_FUTILE_NO_PLAN
    if ev.adjusted_disagrees and status in ("inconclusive", "too_early"):
        return messages.TAIL_HELD_BY_TREND
    if status == "inconclusive":
        return messages.TAIL_INCONCLUSIVE
    if ev.crit.role == "guardrail":
        return messages.TAIL_NO_HARM_YET
    if ev.more_needed is not None and ev.more_needed > 0:
        template = (
            messages.TAIL_MORE_NEEDED_PER_ARM
            if ev.per_arm and ev.more_unit != messages.UNITS_DAYS
            else (messages.TAIL_MORE_NEEDED)
        )
        return template.format(more=fmt.about(ev.more_needed), units=ev.more_unit or ev.units)
    return messages.TAIL_TOO_EARLY


def _confidence_clause(ev: _Eval) -> str:
    crit = ev.crit
    if not ev.has_evidence:
        return messages.CONF_UNKNOWN
    direction = crit.direction
    if crit.role == "guardrail":
        harm = fmt.confidence(1.0 - ev.p_pos)
        if crit.threshold == 0:
            return messages.CONF_HARM_ANY.format(confidence=harm, worse=messages.WORSE[direction])
        return messages.CONF_HARM_BEYOND.format(
            confidence=harm, worse=messages.WORSE[direction], threshold=_fmt_threshold(crit, as_target=False)
        )
    conf = fmt.confidence(_confidence(ev))
    if crit.threshold == 0:
        return messages.CONF_BETTER.format(confidence=conf, better=messages.BETTER[direction])
    if crit.threshold_type == "relative":
        return messages.CONF_LIFT.format(
            confidence=conf, lift_word=messages.LIFT_WORD[direction], threshold=_fmt_threshold(crit, as_target=False)
        )
    return messages.CONF_BETTER_BY.format(
        confidence=conf, better=messages.BETTER[direction], threshold=_fmt_threshold(crit, as_target=False)
    )


def _confidence(ev: _Eval) -> float | None:
    if not ev.has_evidence:
        return None
    if ev.crit.role == "guardrail":
        return 1.0 - ev.p_neg
    return 1.0 - (ev.p_adj if ev.p_adj is not None else ev.p_pos)


def _effect_text(ev: _Eval) -> tuple[str, str]:
    crit = ev.crit
    if crit.threshold_type == "relative" and ev.relative_lift is not None and ev.relative_ci_low is not None:
        return (
            f"{fmt.signed_pct(ev.relative_lift)} {messages.LIFT_WORD['increase']}",
            fmt.signed_pct_range(ev.relative_ci_low, ev.relative_ci_high),
        )
    if crit.kind == "proportion":
        return fmt.signed_pct_points(ev.difference), fmt.pct_points_range(ev.ci_low, ev.ci_high)
    return fmt.signed_quantity(ev.difference), fmt.signed_number_range(ev.ci_low, ev.ci_high)


def _sentence(ev: _Eval, pilot: PilotSpec) -> str:
    crit = ev.crit
    if ev.error is not None:
        return messages.SENTENCE_ERROR.format(label=ev.label, error=ev.error)
    if ev.pilot_value is None and ev.control_value is None:
        return messages.SENTENCE_NO_DATA.format(label=ev.label)
    ci_label = messages.CONFIDENCE_LABEL.format(level=fmt.level(crit.confidence))
    tail = _tail(ev, pilot)
    if crit.comparison == "vs_target":
        value = ev.pilot_value
        if value is None:
            return messages.SENTENCE_NO_DATA.format(label=ev.label)
        if crit.kind == "proportion":
            ci = fmt.pct_range(ev.ci_low, ev.ci_high)
        else:
            ci = fmt.number_range(ev.ci_low, ev.ci_high)
        good_side = (value - crit.threshold) * (1 if crit.direction == "increase" else -1) > 0
        if value > crit.threshold:
            side = messages.SIDE_ABOVE
        elif value < crit.threshold:
            side = messages.SIDE_BELOW
        else:
            side = messages.SIDE_AT
        conf = _confidence(ev)
        if crit.role == "guardrail":
            confidence = f" ({_confidence_clause(ev)})"
        elif conf is None:
            confidence = ""
        elif good_side:
            confidence = messages.CONF_WITH.format(confidence=fmt.confidence(conf))
        else:
            confidence = messages.CONF_AGAINST.format(confidence=fmt.confidence(conf))
        return messages.SENTENCE_TARGET.format(
            label=ev.label,
            value=_fmt_value(crit.kind, value),
            ci_label=ci_label,
            ci=ci,
            n=fmt.number(ev.sample_n),
            units=ev.units,
            side=side,
            target=_fmt_threshold(crit, as_target=True),
            confidence=confidence,
            tail=tail,
        )
    effect, ci = _effect_text(ev)
    if crit.comparison == "vs_baseline":
        adjusted = ""
        adj = ev.adjusted
        if adj is not None:
            if crit.kind == "proportion":
                adj_effect = fmt.signed_pct_points(adj.estimate)
                adj_ci = fmt.pct_points_range(adj.ci_low, adj.ci_high)
            else:
                adj_effect = fmt.signed_quantity(adj.estimate)
                adj_ci = fmt.signed_number_range(adj.ci_low, adj.ci_high)
            adjusted = messages.ADJUSTED_CLAUSE.format(effect=adj_effect, ci_label=ci_label, ci=adj_ci)
        return messages.SENTENCE_PERIODS.format(
            label=ev.label,
            pilot=_fmt_value(crit.kind, ev.pilot_value),
            control=_fmt_value(crit.kind, ev.control_value),
            effect=effect,
            ci_label=ci_label,
            ci=ci,
            n=fmt.number(ev.result.pilot_n if ev.result is not None else 0),
            adjusted=adjusted,
            confidence=_confidence_clause(ev),
            tail=tail,
        )
    return messages.SENTENCE_AB.format(
        label=ev.label,
        pilot=_fmt_value(crit.kind, ev.pilot_value),
        control=_fmt_value(crit.kind, ev.control_value),
        effect=effect,
        ci_label=ci_label,
        ci=ci,
        n=fmt.number(ev.sample_n),
        units=ev.units,
        confidence=_confidence_clause(ev),
        tail=tail,
    )


def _verdict(ev: _Eval, pilot: PilotSpec) -> CriterionVerdict:
    crit = ev.crit
    adj = ev.adjusted
    warnings = list(dict.fromkeys(ev.warnings))
    return CriterionVerdict(
        metric=crit.metric,
        role=crit.role,
        kind=crit.kind,
        comparison=crit.comparison,
        control_value=ev.control_value,
        pilot_value=ev.pilot_value,
        difference=ev.difference,
        ci_low=ev.ci_low,
        ci_high=ev.ci_high,
        relative_lift=ev.relative_lift,
        p_value=(ev.p_adj if ev.p_adj is not None else ev.p_pos) if ev.has_evidence else None,
        p_value_raw=ev.p_pos if ev.has_evidence else None,
        confidence=_confidence(ev),
        met=ev.met,
        status=ev.status,
        sample_n=ev.sample_n,
        progress=ev.progress,
        more_needed=ev.more_needed if ev.status in ("too_early",) else None,
        sentence=_sentence(ev, pilot),
        warnings=warnings,
        label=ev.label,
        threshold=crit.threshold,
        threshold_type=crit.threshold_type,
        direction=crit.direction,
        required_confidence=crit.confidence,
        more_needed_unit=ev.more_unit if ev.status == "too_early" and ev.more_needed is not None else None,
        relative_ci_low=ev.relative_ci_low,
        relative_ci_high=ev.relative_ci_high,
        adjusted_difference=adj.estimate if adj is not None else None,
        adjusted_ci_low=adj.ci_low if adj is not None else None,
        adjusted_ci_high=adj.ci_high if adj is not None else None,
        method=ev.method,
        result=ev.result,
    )


# --------------------------------------------------------------------------
# the engine


def _evaluate_one(
    crit: CriterionSpec,
    pilot: PilotSpec,
    data: dict[str, dict[str, _Arm]],
    sequential: bool,
    units: Mapping[str, str] | None,
) -> _Eval:
    label = _label(crit.metric)
    unit = (units or {}).get(crit.metric) or messages.UNITS_DEFAULT.get(crit.kind, "visitors")
    confidence = crit.confidence
    alpha = 1.0 - confidence if 0.0 < confidence < 1.0 else 0.05
    ev = _Eval(crit=crit, label=label, units=unit, alpha=alpha)
    arms = data.get(crit.metric, {})
    try:
        if crit.comparison == "vs_target":
            ev.per_arm = False
            _eval_target(ev, pilot, arms)
            if sequential:
                ev.warnings.append(messages.SEQUENTIAL_USED)
        elif crit.comparison == "vs_baseline":
            ev.per_arm = False
            _eval_periods(ev, pilot, arms)
        else:
            if pilot.design != "ab":
                ev.warnings.append(
                    messages.COMPARISON_DESIGN_MISMATCH.format(
                        label=label, comparison=crit.comparison, design=pilot.design
                    )
                )
            if crit.kind == "count":
                ev.units = messages.UNITS_DAYS
                ev.date_based = True
            _eval_ab(ev, pilot, arms, sequential)
            if sequential:
                ev.warnings.append(messages.SEQUENTIAL_USED)
    except (ValueError, ZeroDivisionError, ArithmeticError) as exc:
        ev.error = str(exc)
        ev.has_evidence = False
        ev.warnings.append(messages.REASON_ERROR.format(label=label, error=exc))
    if not arms:
        ev.warnings.append(messages.NO_CRITERION_DATA)
    return ev


def evaluate_pilot(
    pilot: PilotSpec,
    criteria: Sequence[CriterionSpec],
    observations: Sequence[Observation],
    *,
    as_of: date | None = None,
    multiple_testing: str = "holm",
    sequential: bool = False,
    units: Mapping[str, str] | None = None,
) -> PilotEvaluation:
    """Judge every criterion and recommend scale, iterate, keep running or abort.

    ``as_of`` ignores observations after that day (to replay a past review).
    ``multiple_testing`` corrects the primary criteria together: ``"holm"``
    (default), ``"bh"``, ``"bonferroni"`` or ``"none"``. ``sequential`` uses
    always-valid intervals for A/B criteria, for teams who look every day.
    ``units`` names the unit per metric for the sentences
    (``{"reply_rate": "contacts"}``). Never raises on degenerate data: a
    criterion that cannot be evaluated says why in its warnings.
    """
    if multiple_testing not in ADJUST_METHODS:
        raise ValueError(
            messages.BAD_CHOICE.format(
                name="multiple_testing", value=multiple_testing, choices=", ".join(ADJUST_METHODS)
            )
        )
    metrics = {c.metric for c in criteria}
    data, last_day = _aggregate(observations, metrics, as_of)
    horizon = as_of if as_of is not None else last_day
    design = pilot.design

    evals = [_evaluate_one(c, pilot, data, sequential, units) for c in criteria]
    for ev in evals:
        _progress(ev, pilot, horizon)

    primaries = [ev for ev in evals if ev.crit.role == "primary"]
    reasons: list[str] = []
    if design not in DESIGNS:
        reasons.append(messages.UNKNOWN_DESIGN.format(design=design))
    if not primaries and evals:
        primaries = [ev for ev in evals if ev.crit.role == "secondary"]
        if primaries:
            reasons.append(messages.REASON_NO_PRIMARY)
    if len(primaries) > 1 and multiple_testing != "none":
        raw = [ev.p_pos if ev.has_evidence else 1.0 for ev in primaries]
        for ev, p in zip(primaries, adjust_pvalues(raw, multiple_testing), strict=True):
            if ev.has_evidence:
                ev.p_adj = p
    for ev in evals:
        _decide_status(ev)
    verdicts = [_verdict(ev, pilot) for ev in evals]

    srm = _srm(pilot, criteria, data)
    srm_p, srm_flag = srm.p_value, srm.flag
    recommendation = _recommend(pilot, evals, primaries, reasons, data, last_day, srm)
    if len(primaries) > 1 and multiple_testing != "none" and last_day is not None:
        reasons.append(messages.CORRECTED.format(k=len(primaries), method=messages.CORRECTION_NAMES[multiple_testing]))
    for ev in primaries:  # what the meeting must hear about a primary, beside the verdict
        reasons.extend(f"{ev.label}: {w}" for w in ev.warnings if w in (messages.ADJUSTED_DIFFERS, ev.pace_note))
    observational = design == "before_after" or any(ev.crit.comparison == "vs_baseline" for ev in evals)
    if observational and last_day is not None:
        reasons.append(messages.REASON_OBSERVATIONAL)
    return PilotEvaluation(
        pilot=pilot.name,
        recommendation=recommendation,
        reasons=list(dict.fromkeys(reasons)),
        verdicts=verdicts,
        srm_p_value=srm_p,
        srm_flag=srm_flag,
        design=design,
        as_of=as_of,
        sequential=sequential,
        multiple_testing=multiple_testing,
    )


@dataclass(frozen=True)
class _SplitCheck:
    """The sample-ratio check and the very counts it was computed from."""

    p_value: float | None = None
    flag: bool = False
    control_n: float = 0.0
    pilot_n: float = 0.0


def _srm(pilot: PilotSpec, criteria: Sequence[CriterionSpec], data: dict[str, dict[str, _Arm]]) -> _SplitCheck:
    if pilot.design != "ab":
        return _SplitCheck()
    candidates = [c for c in criteria if c.comparison == "vs_control" and c.kind == "proportion"]
    candidates += [c for c in criteria if c.comparison == "vs_control" and c.kind == "mean"]
    for crit in candidates:
        arms = data.get(crit.metric, {})
        control, treat = arms.get(pilot.control_arm), arms.get(pilot.pilot_arm)
        if control is None or treat is None or control.n <= 0 or treat.n <= 0:
            continue
        try:
            p = srm_pvalue([control.n, treat.n])
        except ValueError:
            continue
        return _SplitCheck(p, p < SRM_THRESHOLD, control.n, treat.n)
    return _SplitCheck()


def _recommend(
    pilot: PilotSpec,
    evals: list[_Eval],
    primaries: list[_Eval],
    reasons: list[str],
    data: dict[str, dict[str, _Arm]],
    last_day: date | None,
    srm: _SplitCheck,
) -> str:
    if not evals:
        reasons.append(messages.REASON_NO_CRITERIA)
        return "keep_running"
    if last_day is None:
        reasons.insert(0, messages.REASON_NO_DATA)
        return "keep_running"
    harmed = [ev for ev in evals if ev.crit.role == "guardrail" and ev.status == "harmed"]
    missed = [ev for ev in primaries if ev.status == "missed"]
    futile = [ev for ev in primaries if ev.status == "futile"]
    if harmed or missed or futile:
        reasons.extend(messages.REASON_HARMED.format(label=ev.label) for ev in harmed)
        reasons.extend(messages.REASON_MISSED.format(label=ev.label) for ev in missed)
        reasons.extend(messages.REASON_FUTILE.format(label=ev.label) for ev in futile)
        reasons.append(messages.REASON_ABORT)
        return "abort"
    if srm.flag:
        reasons.append(messages.REASON_SRM.format(control=fmt.number(srm.control_n), pilot=fmt.number(srm.pilot_n),
                                                  p=fmt.p_phrase(srm.p_value)))
        return "iterate"
    if primaries and all(ev.status == "met" for ev in primaries):
        reasons.append(messages.REASON_SCALE)
        reasons.extend(
            messages.REASON_MET.format(label=ev.label, confidence=fmt.confidence(_confidence(ev))) for ev in primaries
        )
        return "scale"
    errors = [ev for ev in evals if ev.error is not None]
    for ev in errors:
        reasons.append(messages.REASON_ERROR.format(label=ev.label, error=ev.error))
    waiting = [ev for ev in primaries if ev.status == "too_early"]
    if waiting:
        reasons.insert(0, messages.REASON_KEEP_RUNNING)
        for ev in waiting:
            if ev.progress is not None:
                reasons.append(messages.REASON_PROGRESS.format(label=ev.label, progress=fmt.pct(ev.progress, 0)))
            if ev.more_needed:
                template = (
                    messages.REASON_MORE_PER_ARM
                    if ev.per_arm and ev.more_unit != messages.UNITS_DAYS
                    else (messages.REASON_MORE)
                )
                reasons.append(
                    template.format(label=ev.label, more=fmt.about(ev.more_needed), units=ev.more_unit or ev.units)
                )
        return "keep_running"
    met = [ev.label for ev in evals if ev.status in ("met",)]
    unclear = [ev.label for ev in primaries if ev.status != "met"]
    parts = []
    if met:
        parts.append(f"{', '.join(met)} met")
    if unclear:
        parts.append(f"{', '.join(unclear)} not clear")
    summary = "; ".join(parts) if parts else messages.REASON_ITERATE_NOTHING_MET
    reasons.insert(0, messages.REASON_ITERATE.format(summary=summary))
    return "iterate"


