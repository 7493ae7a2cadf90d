"""Always-valid inference for teams who look at results every day.

The asymptotic confidence sequence of Waudby-Smith et al. (2023, "Time-uniform
central limit theory and asymptotic confidence sequences", eq. 155 and 161),
in the form GrowthBook's open-source gbstats uses for
``SequentialTwoSidedTTest`` with an absolute difference:

- ``n`` is the total sample over both arms and ``s2 = se**2 * n`` the
  per-unit variance of the difference;
- ``rho`` is chosen so the sequence is tightest near ``n = tuning`` (5000 by
  default);
- the interval is ``estimate +/- sqrt(s2) * sqrt(2 (n rho^2 + 1)
  log(sqrt(n rho^2 + 1) / alpha) / (n rho)^2)``;
- the p-value is 1 / e-value (capped at 1), so it stays below alpha at some
  look with probability at most alpha when there is no effect.

Assumes independent units and a sample large enough for the CLT at each look.
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

from lib.stats.result_types import ComparisonResult, TwoArms

DEFAULT_TUNING = 5000.0


@lru_cache(maxsize=1024)
def sequential_rho(alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """Mixing parameter of the normal mixture for a two-sided sequence (cached: a plan asks for a few levels)."""
    log_alpha = math.log(alpha)
    return math.sqrt((-2.0 * log_alpha + math.log(-2.0 * log_alpha + 1.0)) / tuning)


def sequential_halfwidth(se: float, n: float, alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """Half-width of the always-valid two-sided interval at level 1 - alpha."""
    rho2 = sequential_rho(alpha, tuning) ** 2
    s2 = se * se * n
    nr2 = n * rho2 + 1.0
    return math.sqrt(s2) * math.sqrt(2.0 * nr2 * math.log(math.sqrt(nr2) / alpha) / (n * n * rho2))


def log_e_value(z: float, n: float, alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """Log of the normal-mixture e-value for a statistic ``z`` on ``n`` units (before any cap)."""
    rho2 = sequential_rho(alpha, tuning) ** 2
    nr2 = n * rho2 + 1.0
    return rho2 * z * z * n / (2.0 * nr2) - 0.5 * math.log(nr2)


def sequential_pvalue(estimate: float, se: float, n: float, alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """Always-valid two-sided p-value of ``estimate`` against 0: 1 / e-value, capped at 1."""
    if se <= 0.0:
        return 1.0
    log_e = log_e_value(estimate / se, n, alpha, tuning)
    if log_e <= 0.0:
        return 1.0
    return min(1.0, math.exp(-log_e))


def one_sided_from_two_sided(p_two_sided: float, estimate: float, alternative: str) -> float:
    """A valid (conservative) one-sided always-valid p-value.

    Rejecting only when the two-sided sequence excludes 0 on the side of the
    alternative keeps the error at most alpha.
    """
    if alternative == "greater":
        return p_two_sided if estimate > 0 else 1.0
    if alternative == "less":
        return p_two_sided if estimate < 0 else 1.0
    return p_two_sided


def sequential_comparison(
    arms: TwoArms,
    *,
    difference: float,
    standard_error: float,
    relative_lift: float | None,
    warnings: tuple[str, ...],
    tuning: float = DEFAULT_TUNING,
) -> ComparisonResult:
    """The always-valid comparison of ``difference`` (``standard_error`` > 0),
    ``n`` being both arms together; no relative interval is reported.
    """
    n = arms.control_n + arms.pilot_n
    half = sequential_halfwidth(standard_error, n, arms.alpha, tuning)
    p_two = sequential_pvalue(difference, standard_error, n, arms.alpha, tuning)
    return dataclasses.replace(arms, sequential=True).result(
        difference=difference,
        ci_low=difference - half,
        ci_high=difference + half,
        relative_lift=relative_lift,
        relative_ci_low=None,
        relative_ci_high=None,
        statistic=difference / standard_error,
        p_value=one_sided_from_two_sided(p_two, difference, arms.alternative),
        method="sequential",
        warnings=warnings,
        standard_error=standard_error,
    )
