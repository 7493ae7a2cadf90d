"""Skewness-corrected t statistics from sufficient statistics (n, Σx, Σx², Σx³).

Revenue per visitor is zero-inflated and heavy-tailed: most visitors buy
nothing, a few buy a lot. The sample mean of such data is right-skewed, and the
t statistic ``t = (x̄ - μ0) / se`` is *left*-skewed (a sample that missed the
big buyers has both a low mean and a small standard deviation), so "significantly
below" fires far more often than alpha while "significantly above" fires less.

The correction: Hall's (1992) monotone transformation of t
-----------------------------------------------------------
With ``a`` the skewness of the *estimator* (third cumulant of the estimate over
``se**3``), the studentized statistic has the Edgeworth expansion
``P(t <= x) = Φ(x) + a (2x² + 1) / 6 · φ(x) + O(1/n)``, and

    t_corrected = t + a/6 + a t²/3 + a² t³/27      (= ((1 + a t/3)³ - 1)/a + a/6)

is normal to that order (Hall, P. (1992) "On the removal of skewness by
transformation", JRSS B 54(1), 221-228; the same statistic as Johnson's (1978)
modified t, "Modified t tests and confidence intervals for asymmetrical
populations", JASA 73, 536-544, plus the cubic term that makes it strictly
increasing in t, derivative ``(1 + a t/3)²``, so it never reverses an order).

- One sample, H0: mean = mu0: ``a = m3 / (s³ √n)`` with ``m3`` the third
  central moment of the sample and ``s`` its standard deviation: the sample
  skewness over √n.
- Difference ``D = pilot_mean - w · control_mean - shift`` (Welch standard
  error ``se² = s_p²/n_p + w² s_c²/n_c``): ``κ3 = m3_p/n_p² - w³ m3_c/n_c²`` and
  ``a = κ3 / se³``. The same expansion holds because the covariance of D with
  its estimated variance is exactly κ3.

Reference distribution: Student t with ``df``. The variance of a skewed sample's
variance is larger than under normality, ``Var(s²) = σ⁴ (2/(n-1) + κ/n)`` with κ
the excess kurtosis; matching a scaled χ² (Satterthwaite 1946) gives the
effective ``df = 2 / (2/(n-1) + κ/n)`` (per arm, Welch-combined for two samples).
Only three moments are stored, so κ takes the smallest value the skewness
allows, ``κ >= γ² - 2`` (Pearson's inequality, sharp): never more optimistic than
the data force, equal to the classical df for |γ| <= √2. ``df_plain`` is the
classical df (n - 1 or Welch), the one that goes with ``t_plain``.

Without sums of cubes (manual entries)
--------------------------------------
- Non-negative data (total, total_sq >= 0 and mean >= 0, e.g. revenue): the
  skewness is not measured, so it is bounded. Below: any non-negative sample
  has ``γ >= CV - 1/CV`` (Cauchy-Schwarz, E[X]E[X³] >= E[X²]²) — a hard bound.
  Above: the skewness of a lognormal with the same coefficient of variation,
  ``γ = 3 CV + CV³``, which overstates typical revenue skew, capped at
  ``(n-2)/√(n-1)``, the largest skewness any sample of n values can show. The
  statistic is then conservative in *both* tails: a "below" verdict needs the
  most skewed value of the range to agree, an "above" verdict the least
  skewed. ``t_corrected = max(min_a g_a(t), 0) + min(max_a g_a(t), 0)`` over the
  range — increasing in t, and zero where the range disagrees on the sign.
  ``skewness`` reports the upper end (the lognormal assumption),
  ``skewness_bounds`` the range.
- Data that may be negative: no bound exists; the plain t is returned
  (``t_corrected = t_plain``) with a warning.

Limits (measured, see tests/stats/test_skew.py): the correction removes most of
the excess one-sided error for moderately skewed revenue (estimator skewness up
to about 0.25: both one-sided rates at or below about 6% at nominal 5%), but not
all of it for extreme skew — with 8% buyers and lognormal(3, 1.2) amounts at
n = 1,000 (population skewness 31, estimator skewness ~1) the lower tail is
~7% (plain t ~13%) for one sample and ~8% (plain ~9.5%) for two samples with a
1:4 split. Three moments cannot see the part of the tail a sample missed; a
warning says so when the estimated estimator skewness is above 0.25.

Degenerate input (n < 2, zero spread, impossible or non-finite sums) gives a
defined result with ``t_plain = t_corrected = 0`` and a warning; nothing raises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lib.stats.distributions import p_from_t
from lib.stats.statistics import MeanStat

METHOD_HALL_ONE = "hall_t"
METHOD_HALL_TWO = "hall_welch"
METHOD_BOUNDED_ONE = "hall_t_bounded_skew"
METHOD_BOUNDED_TWO = "hall_welch_bounded_skew"
METHOD_PLAIN_ONE = "t"
METHOD_PLAIN_TWO = "welch"
METHOD_DEGENERATE = "degenerate"

# Estimator skewness above which even the corrected test is only approximate.
STRONG_SKEW = 0.25
_T_CLIP = 1e12  # |t| beyond this changes no decision; keeps t³ finite

TOO_FEW_UNITS = "{who}: fewer than two units, so there is no spread to test with; no evidence either way."
NO_SPREAD = "{who}: every value is the same, so the spread is zero and a test cannot judge it; no evidence either way."
BAD_SUMS = "{who}: the sums are not finite numbers or contradict each other (sum of squares below total²/n)."
BAD_TARGET = "The value tested against is not a finite number."
CUBES_IGNORED = (
    "{who}: the sum of cubes does not fit the other sums (or is too imprecise at this scale) and was ignored."
)
NO_CUBES_BOUNDED = (
    "{who}: no sum of cubes, so the skew of the data is unknown; judged conservatively, assuming it lies "
    "between the least a non-negative metric with this spread can have and that of a lognormal with the "
    "same coefficient of variation."
)
NO_CUBES_SIGNED = (
    "{who}: no sum of cubes and the values may be negative, so the skew cannot be bounded; the plain t-test is "
    "used, which can be off in one tail when the data are skewed."
)
STRONG_SKEW_WARNING = (
    "The data are very skewed (skewness of the estimate {a:.2f}): even the skew-corrected test is approximate here; "
    "with revenue this skewed, one-sided false alarms can run at 7-8% instead of 5%. More data helps."
)


@dataclass(frozen=True)
class SkewT:
    """A t statistic and its skewness-corrected version; plain floats throughout.

    ``t_corrected`` is referred to Student t with ``df``; ``t_plain`` to Student
    t with ``df_plain`` (n - 1 or Welch's; what scipy reports). ``skewness`` is
    the skewness of the estimator (the ``a`` of Hall's transformation; the
    upper end of ``skewness_bounds`` when it was not measured).
    """

    estimate: float
    standard_error: float
    t_plain: float
    t_corrected: float
    skewness: float
    df: float
    method: str
    warnings: tuple[str, ...] = ()
    df_plain: float | None = None
    skewness_bounds: tuple[float, float] | None = None

    def p_value(self, alternative: str = "two-sided") -> float:
        """p-value of ``t_corrected`` against Student t(df): 'greater', 'less' or 'two-sided'."""
        return p_from_t(self.t_corrected, self.df, alternative)

    def p_greater(self) -> float:
        return self.p_value("greater")

    def p_less(self) -> float:
        return self.p_value("less")


def hall_transform(t: float, a: float) -> float:
    """Hall's (1992) statistic ``t + a/6 + a t²/3 + a² t³/27``; strictly increasing in t."""
    t = min(max(t, -_T_CLIP), _T_CLIP)
    return t + a / 6.0 + a * t * t / 3.0 + a * a * t * t * t / 27.0


def bounded_transform(t: float, low: float, high: float) -> float:
    """Conservative Hall statistic when the estimator skewness is only known to lie in [low, high].

    An "above" verdict needs every skewness in the range to agree (the minimum
    of g_a(t) over a), a "below" verdict likewise (the maximum); in between the
    statistic is 0. Each g_a is increasing in t, so the result is too.
    """
    if low == high:
        return hall_transform(t, low)
    t = min(max(t, -_T_CLIP), _T_CLIP)
    candidates = [low, high]
    if t != 0.0:  # g is quadratic in a: t + a (1/6 + t²/3) + a² t³/27
        vertex = -(1.0 / 6.0 + t * t / 3.0) * 27.0 / (2.0 * t**3)
        if low < vertex < high:
            candidates.append(vertex)
    values = [hall_transform(t, a) for a in candidates]
    return max(min(values), 0.0) + min(max(values), 0.0)


def _hall_inverse(target: float, a: float) -> float:
    """The t with ``hall_transform(t, a) == target``: ``(1 + a t/3)³ = 1 + a (target - a/6)``, solved for t."""
    if a == 0.0:
        return target
    x = a * (target - a / 6.0)
    if x > -1.0:  # cube root of 1 + x, minus 1, without losing digits when a is tiny
        return 3.0 / a * math.expm1(math.log1p(x) / 3.0)
    return 3.0 / a * (-((-1.0 - x) ** (1.0 / 3.0)) - 1.0)


def bounded_inverse(target: float, low: float, high: float) -> float | None:
    """The t where :func:`bounded_transform` reaches ``target`` (not 0), in closed form; None: not finite.

    Each g_a increases in t, so a positive target is reached where the least g_a over the range
    reaches it: at the largest of the g_a inverses. That is an end's inverse unless the least g_a
    there sits inside the range (g is convex in a for t > 0, its vertex binds: strong skew, large
    t); then ``min_a g_a(t) = t - (1/6 + t²/3)² 27 / (4 t³)`` and the root is the one positive root
    of ``t⁴ - 4 target t³ - 3 t² - 3/4``. A negative target mirrors it: ``g_{-a}(-t) = -g_a(t)``.
    """
    if low == high or target == 0.0 or not math.isfinite(target):
        return None
    if target < 0.0:
        mirrored = bounded_inverse(-target, -high, -low)
        return None if mirrored is None else -mirrored
    t = max(_hall_inverse(target, low), _hall_inverse(target, high))
    if t > 0.0 and low < -(1.0 / 6.0 + t * t / 3.0) * 27.0 / (2.0 * t**3) < high:
        return _vertex_root(target)
    return t


def _vertex_root(target: float) -> float | None:
    """The positive root of ``t⁴ - 4 target t³ - 3 t² - 3/4`` (one sign change: exactly one), polished by Newton."""
    real = [float(r.real) for r in np.roots([1.0, -4.0 * target, -3.0, 0.0, -0.75]) if r.imag == 0.0 and r.real > 0]
    if len(real) != 1:
        return None
    t = real[0]
    for _ in range(3):
        slope = 4.0 * t**3 - 12.0 * target * t * t - 6.0 * t
        if slope <= 0.0:
            break
        t -= (t**4 - 4.0 * target * t**3 - 3.0 * t * t - 0.75) / slope
    return t


def _max_sample_skewness(n: float) -> float:
    """The largest |m3 / m2^1.5| any sample of n values can have: (n - 2) / √(n - 1)."""
    return (n - 2.0) / math.sqrt(n - 1.0) if n > 2 else 0.0


@dataclass(frozen=True)
class _Sample:
    """What one sample contributes: spread, and the third central moment as a range."""

    n: float
    mean: float
    variance: float
    m3_low: float | None  # None: unknown and unbounded
    m3_high: float | None
    g1_abs_min: float  # smallest |sample skewness| consistent with what is known (for the df)
    measured: bool
    warnings: tuple[str, ...]


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _arm(m: MeanStat, who: str) -> _Sample | str:
    """Summarize one sample, or return the warning that makes it unusable."""
    total_sq, total_cu = m.total_sq, m.total_cu
    if (
        total_sq is None
        or not _finite(m.n, m.total, total_sq)
        or (total_cu is not None and not math.isfinite(total_cu))
    ):
        return BAD_SUMS.format(who=who)
    if m.n < 2:
        return TOO_FEW_UNITS.format(who=who)
    n, mean = float(m.n), m.mean
    raw_m2 = (float(total_sq) - float(m.total) * mean) / n
    scale = abs(float(total_sq)) / n
    if total_sq < 0 or raw_m2 < -1e-9 * max(scale, 1e-300):
        return BAD_SUMS.format(who=who)
    m2 = m.second_central_moment
    variance = m2 * n / (n - 1.0)  # m.variance, from the same second moment (n >= 2 here)
    if m2 <= 1e-13 * max(scale, 1e-300):  # zero spread (within rounding)
        return _Sample(n, mean, 0.0, 0.0, 0.0, 0.0, True, ())
    warnings: list[str] = []
    sigma3 = m2**1.5
    gmax = _max_sample_skewness(n)
    m3 = m.third_central_moment
    if m3 is not None and total_cu is not None:
        # rounding in Σx³ - 3x̄Σx² + ... : drop cubes that cannot pin the skewness to ±0.05
        noise = (
            1e-9
            * (abs(float(total_cu)) + 3 * abs(mean) * abs(float(total_sq)) + 4 * abs(mean) ** 2 * abs(float(m.total)))
            / n
        )
        g1 = m3 / sigma3
        if noise > 0.05 * sigma3 or abs(g1) > gmax * (1 + 1e-6) + 1e-6:
            warnings.append(CUBES_IGNORED.format(who=who))
            m3 = None
        else:
            g1 = max(-gmax, min(gmax, g1))
            return _Sample(n, mean, variance, g1 * sigma3, g1 * sigma3, abs(g1), True, tuple(warnings))
    non_negative = m.total >= 0 and total_sq >= 0 and mean > 0
    if not non_negative:
        warnings.append(NO_CUBES_SIGNED.format(who=who))
        return _Sample(n, mean, variance, None, None, 0.0, False, tuple(warnings))
    cv_biased = math.sqrt(m2) / mean
    low = cv_biased - 1.0 / cv_biased  # any non-negative sample: skewness >= CV - 1/CV
    cv = math.sqrt(variance) / mean
    high = min(3.0 * cv + cv**3, gmax)  # lognormal with this CV, capped at what n values can show
    low = min(max(low, -gmax), high)
    warnings.append(NO_CUBES_BOUNDED.format(who=who))
    g_abs_min = 0.0 if low <= 0.0 <= high else min(abs(low), abs(high))
    return _Sample(n, mean, variance, low * sigma3, high * sigma3, g_abs_min, False, tuple(warnings))


def _kurtosis_floor(g1_abs: float) -> float:
    """Smallest excess kurtosis a sample with this |skewness| can have (Pearson), never below 0 here."""
    return max(g1_abs * g1_abs - 2.0, 0.0)


def _degenerate(estimate: float, se: float, df: float, warnings: list[str]) -> SkewT:
    return SkewT(
        estimate=float(estimate) if math.isfinite(estimate) else 0.0,
        standard_error=float(se),
        t_plain=0.0,
        t_corrected=0.0,
        skewness=0.0,
        df=float(df),
        method=METHOD_DEGENERATE,
        warnings=tuple(warnings),
        df_plain=float(df),
    )


def _statistic(t: float, a_low: float | None, a_high: float | None) -> float:
    if a_low is None or a_high is None:
        return t
    return bounded_transform(t, a_low, a_high)


def _skew_warnings(a_low: float | None, a_high: float | None, measured: bool) -> list[str]:
    if measured and a_low is not None and abs(a_low) > STRONG_SKEW:
        return [STRONG_SKEW_WARNING.format(a=a_low)]
    return []


def _result(
    estimate: float,
    se: float,
    t: float,
    df: float,
    df_plain: float,
    a_low: float | None,
    a_high: float | None,
    measured: bool,
    warnings: list[str],
    methods: tuple[str, str, str],
) -> SkewT:
    """The statistic for a skewness that is unknown (plain t), measured, or only bounded."""
    plain, hall, bounded = methods
    if a_low is None or a_high is None:
        method, skewness, bounds = plain, 0.0, None
    elif measured:
        method, skewness, bounds = hall, a_low, None
    else:
        method, skewness, bounds = bounded, a_high, (a_low, a_high)
    return SkewT(
        estimate=estimate,
        standard_error=se,
        t_plain=t,
        t_corrected=_statistic(t, a_low, a_high),
        skewness=skewness,
        df=df,
        method=method,
        warnings=tuple(warnings),
        df_plain=df_plain,
        skewness_bounds=bounds,
    )


def skew_corrected_t_one(m: MeanStat, mu0: float) -> SkewT:
    """Test H0: mean = ``mu0`` for one sample, with Hall's skewness correction (see the module doc).

    ``estimate`` is ``mean - mu0``; ``t_plain`` equals ``scipy.stats.ttest_1samp``'s
    statistic and ``df_plain`` its df.
    """
    n = float(m.n) if _finite(m.n) else 0.0
    df_floor = max(n - 1.0, 1.0)
    if not _finite(mu0):
        return _degenerate(0.0, math.inf, df_floor, [BAD_TARGET])
    arm = _arm(m, "The sample")
    if isinstance(arm, str):
        estimate = m.mean - mu0 if _finite(m.n, m.total) and m.n > 0 else 0.0
        return _degenerate(estimate, math.inf, df_floor, [arm])
    estimate = arm.mean - float(mu0)
    if arm.variance <= 0.0:
        return _degenerate(estimate, 0.0, df_floor, [*arm.warnings, NO_SPREAD.format(who="The sample")])
    se = math.sqrt(arm.variance / arm.n)
    t = estimate / se
    df_plain = arm.n - 1.0
    kurtosis = _kurtosis_floor(arm.g1_abs_min)
    df = df_plain if kurtosis == 0.0 else 2.0 / (2.0 / (arm.n - 1.0) + kurtosis / arm.n)
    scale = arm.n**2 * se**3  # a = (m3 / n²) / se³
    a_low = None if arm.m3_low is None else arm.m3_low / scale
    a_high = None if arm.m3_high is None else arm.m3_high / scale
    warnings = list(arm.warnings) + _skew_warnings(a_low, a_high, arm.measured)
    return _result(
        estimate,
        se,
        t,
        df,
        df_plain,
        a_low,
        a_high,
        arm.measured,
        warnings,
        (METHOD_PLAIN_ONE, METHOD_HALL_ONE, METHOD_BOUNDED_ONE),
    )


def skew_corrected_t_two(control: MeanStat, pilot: MeanStat, shift: float = 0.0, control_weight: float = 1.0) -> SkewT:
    """Test H0: ``pilot_mean - control_weight * control_mean - shift = 0`` (Welch standard error).

    ``control_weight = 1 + r`` tests a relative lift r. ``t_plain`` equals
    ``scipy.stats.ttest_ind(pilot - shift, control_weight * control, equal_var=False)``
    and ``df_plain`` its (Welch) df. The estimator skewness is
    ``(m3_p/n_p² - w³ m3_c/n_c²) / se³``.
    """
    w = control_weight
    df_floor = max(min(_safe_n(control), _safe_n(pilot)) - 1.0, 1.0)
    if not _finite(shift, w):
        return _degenerate(0.0, math.inf, df_floor, [BAD_TARGET])
    arm_c = _arm(control, "Control")
    arm_p = _arm(pilot, "Pilot")
    problems = [a for a in (arm_c, arm_p) if isinstance(a, str)]
    if problems:
        estimate = _safe_mean(pilot) - w * _safe_mean(control) - shift
        return _degenerate(estimate, math.inf, df_floor, problems)
    assert isinstance(arm_c, _Sample) and isinstance(arm_p, _Sample)
    estimate = arm_p.mean - w * arm_c.mean - float(shift)
    u_p = arm_p.variance / arm_p.n
    u_c = w * w * arm_c.variance / arm_c.n
    warnings = [*arm_c.warnings, *arm_p.warnings]
    if u_p + u_c <= 0.0:
        return _degenerate(estimate, 0.0, df_floor, [*warnings, NO_SPREAD.format(who="Both arms")])
    se = math.sqrt(u_p + u_c)
    t = estimate / se
    df_plain = (u_p + u_c) ** 2 / (u_p * u_p / (arm_p.n - 1.0) + u_c * u_c / (arm_c.n - 1.0))
    k_p, k_c = _kurtosis_floor(arm_p.g1_abs_min), _kurtosis_floor(arm_c.g1_abs_min)
    df = df_plain
    if k_p > 0.0 or k_c > 0.0:
        df = (u_p + u_c) ** 2 / (
            u_p * u_p * (1.0 / (arm_p.n - 1.0) + k_p / (2.0 * arm_p.n))
            + u_c * u_c * (1.0 / (arm_c.n - 1.0) + k_c / (2.0 * arm_c.n))
        )
    if arm_p.m3_low is None or arm_c.m3_low is None or arm_p.m3_high is None or arm_c.m3_high is None:
        a_low = a_high = None
    else:
        se3 = se**3
        w3 = w**3
        # κ3 = m3_p/n_p² - w³ m3_c/n_c², over the (possibly degenerate) ranges of m3
        pilot_terms = (arm_p.m3_low / arm_p.n**2, arm_p.m3_high / arm_p.n**2)
        control_terms = (w3 * arm_c.m3_low / arm_c.n**2, w3 * arm_c.m3_high / arm_c.n**2)
        kappas = [p - c for p in pilot_terms for c in control_terms]
        a_low, a_high = min(kappas) / se3, max(kappas) / se3
    measured = arm_p.measured and arm_c.measured
    warnings += _skew_warnings(a_low, a_high, measured)
    return _result(
        estimate,
        se,
        t,
        df,
        df_plain,
        a_low,
        a_high,
        measured,
        warnings,
        (METHOD_PLAIN_TWO, METHOD_HALL_TWO, METHOD_BOUNDED_TWO),
    )


def _safe_n(m: MeanStat) -> float:
    return float(m.n) if _finite(m.n) and m.n > 0 else 0.0


def _safe_mean(m: MeanStat) -> float:
    return m.mean if _finite(m.n, m.total) and m.n > 0 else 0.0
