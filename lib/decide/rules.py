"""Decision policy: a criterion's status from its evidence, and the pilot's recommendation.

One meaning of the threshold everywhere: it is the *minimum worth scaling*.
A criterion is **met** when the data show the effect is beyond the threshold,
**missed** when they show it falls short of it, **futile** when they rule out
the effect the team expected (so the pilot can no longer be expected to clear
the threshold), **too early** before any of these, **inconclusive** once the
plan is in without a call. Guardrails are **harmed** (harm beyond the
tolerance shown) or **safe** (shown within it, or the plan is in without harm).

Every call uses the sequential boundaries of :mod:`lib.stats.group_sequential`
at the criterion's information fraction, so a team looking every day gets the
error rates the plan promises. Multiplicity: "scale" needs *every* primary met
(an intersection-union test: no correction needed); the paths where *any one*
criterion triggers an abort — a primary missed, a primary futile, a guardrail
harmed — split their error budget across the criteria on that path
(Bonferroni), so a pilot that works is wrongly stopped no more often than
promised however many criteria it has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lib.decide.evidence import MIN_PILOT_DAYS, Evidence
from lib.specs import CriterionSpec
from lib.stats import group_sequential as gs
from lib.stats.distributions import norm_sf, z_one_sided
from lib.stats.placebo import placebo_check
from lib.stats.sequential import log_e_value
from lib.vocabulary import is_money_threshold

#: before/after: the real step must stand out among placebo steps in the baseline
PLACEBO_MAX_SHARE = 0.05


@dataclass(frozen=True)
class Levels:
    """Error budget of one criterion: the pass side, the fail side, and futility."""

    alpha_pass: float
    alpha_fail: float
    beta: float | None  # None: no futility for this criterion


@dataclass(frozen=True)
class Judgement:
    """A criterion's status with the numbers it rests on (display scale)."""

    status: str
    met: bool | None
    p_value: float | None
    p_value_raw: float | None
    confidence: float | None
    ci_low: float | None
    ci_high: float | None
    reason: str
    placebo: tuple[int, int] | None = None


def pass_point(crit: CriterionSpec, ev: Evidence) -> tuple[float, int]:
    """Where the criterion flips, on the evidence's scale, and which side passes (+1: above)."""
    if is_money_threshold(crit.threshold_type):  # the price itself, whatever the role (lib.decide.money)
        return crit.threshold, -1 if crit.threshold_type == "cost_per_extra" else 1
    good = 1 if crit.direction == "increase" else -1
    if crit.comparison == "vs_target":
        return crit.threshold, good
    margin = crit.threshold * ev.unit_of_margin
    if crit.role == "guardrail":
        return -good * margin, good
    return good * margin, good


def expected_point(crit: CriterionSpec, ev: Evidence) -> float | None:
    if crit.expected is None or crit.role == "guardrail":
        return None
    if crit.comparison == "vs_target" or is_money_threshold(crit.threshold_type):
        return crit.expected
    good = 1 if crit.direction == "increase" else -1
    return good * crit.expected * ev.unit_of_margin


def bar(alpha: float, ev: Evidence, sequential: bool) -> float:
    """The z a call must reach today on one side at level ``alpha``."""
    if not sequential:
        return z_one_sided(alpha)
    if ev.fraction is None:
        return gs.mixture_halfwidth_z(ev.mixture_n, alpha, ev.mixture_tuning)
    return gs.boundary_z(alpha, ev.fraction)


def _p_value(z: float, alpha: float, ev: Evidence, sequential: bool) -> float:
    """The sequential one-sided p-value of the pass side: below ``alpha`` exactly when ``z`` clears the bar."""
    if not sequential:
        return norm_sf(z)
    if ev.fraction is None:
        if z <= 0:
            return 1.0
        return min(1.0, math.exp(-log_e_value(z, ev.mixture_n, min(2 * alpha, 0.5), ev.mixture_tuning)) / 2.0)
    return gs.sequential_p(z, ev.fraction)


def judge(crit: CriterionSpec, ev: Evidence, levels: Levels, *, sequential: bool = True) -> Judgement:
    """The status of one criterion today."""
    contrast = ev.contrast
    if contrast is None or ev.error is not None:
        status = "inconclusive" if ev.ended and ev.sample_n > 0 else "too_early"
        return Judgement(status, None, None, None, None, None, None, "no_evidence")
    point, side = pass_point(crit, ev)
    z = side * contrast.z(point)
    k_pass = bar(levels.alpha_pass, ev, sequential)
    k_fail = bar(levels.alpha_fail, ev, sequential)
    if side > 0:
        low, high = contrast.lower(k_pass), contrast.upper(k_fail)
    else:
        low, high = contrast.lower(k_fail), contrast.upper(k_pass)
    p = _p_value(z, levels.alpha_pass, ev, sequential)
    raw = None
    if ev.fixed_p is not None:
        above = ev.fixed_p(point)
        raw = above if side > 0 else 1.0 - above

    def judged(status: str, met: bool | None, reason: str, placebo: tuple[int, int] | None = None) -> Judgement:
        return Judgement(status, met, p, raw, 1.0 - p, low, high, reason, placebo)

    passes, fails = z >= k_pass, z <= -k_fail
    if ev.scale == "lift" and (low is None or high is None) and (passes or fails):
        # Fieller: the control is not clearly away from zero, so the lift has no finite bounds; no call
        return judged("inconclusive" if ev.ended else "too_early", None, "unbounded")
    if ev.step is not None and ev.pilot_days < MIN_PILOT_DAYS:
        return judged("inconclusive" if ev.ended else "too_early", None, "first_week")
    placebo = None
    if ev.step is not None and (passes or fails) and ev.placebo_data is not None:
        check = placebo_check(list(ev.placebo_data[0]), list(ev.placebo_data[1]), ev.step.t_stat)
        placebo = (check.as_large, check.count)
        if check.count and check.as_large / check.count > PLACEBO_MAX_SHARE:
            status = "inconclusive" if ev.ended else "too_early"
            return judged(status, None, "placebo", placebo)
    if crit.role == "guardrail":
        if fails:
            return judged("harmed", False, "harmed", placebo)
        if passes:
            return judged("safe", True, "safe", placebo)
        if ev.ended:
            return judged("safe", True, "no_harm_at_end", placebo)
        return judged("too_early", None, "no_harm_yet", placebo)
    if passes:
        return judged("met", True, "met", placebo)
    if fails:
        return judged("missed", False, "missed", placebo)
    if futile(crit, ev, levels, sequential):
        return judged("futile", False, "futile")
    if ev.ended:
        return judged("inconclusive", None, "inconclusive")
    return judged("too_early", None, "too_early")


def futile(crit: CriterionSpec, ev: Evidence, levels: Levels, sequential: bool) -> bool:
    """The data rule out the expected effect (beta-spending bound), after a third of the plan."""
    expected = expected_point(crit, ev)
    if (
        not sequential
        or expected is None
        or levels.beta is None
        or ev.fraction is None
        or ev.contrast is None
        or ev.ended
        or ev.fraction < gs.FUTILITY_START
    ):
        return False
    _, side = pass_point(crit, ev)
    z_expected = side * ev.contrast.z(expected)
    return z_expected <= gs.futility_z(ev.fraction, levels.beta)


def more_if_estimate_holds(ev: Evidence, z: float, alpha: float) -> int | None:
    """Without a plan: further units per arm after which today's estimate, if it holds, clears the bar.

    The always-valid bar grows with the sample, so the answer is the ``m`` where
    ``z sqrt(m / n)`` meets the bar at ``m`` (found by doubling, then bisection).
    """
    n = ev.sample_n
    if z <= 0 or n <= 0 or not math.isfinite(z):
        return None
    scale = ev.mixture_n / n if n else 2.0  # units in the mixture per unit per arm

    def short(m: float) -> bool:
        return z * math.sqrt(m / n) < gs.mixture_halfwidth_z(m * scale, alpha, ev.mixture_tuning)

    if not short(n):
        return None
    hi = 2 * n
    while short(hi):
        hi *= 2
        if hi > 1e12:
            return None
    lo = hi / 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if short(mid) else (lo, mid)
    return int(math.ceil(hi - n))


def recommend(
    statuses: dict[str, list[str]], *, has_criteria: bool, has_data: bool, srm: bool, errors: bool
) -> tuple[str, str]:
    """The pilot's recommendation and the reason code, in priority order.

    ``statuses`` maps "primary" (the stand-ins when there is none) and
    "guardrail" to their criteria's statuses.
    """
    primaries, guardrails = statuses.get("primary", []), statuses.get("guardrail", [])
    if not has_criteria:
        return "keep_running", "no_criteria"
    if not has_data:
        return "keep_running", "no_data"
    if "harmed" in guardrails or "missed" in primaries or "futile" in primaries:
        return "abort", "abort"
    if srm:
        return "iterate", "srm"
    if primaries and all(s == "met" for s in primaries):
        return "scale", "scale"
    if "too_early" in primaries:
        return "keep_running", "keep_running"
    if errors and not primaries:
        return "keep_running", "errors"
    return "iterate", "iterate"
