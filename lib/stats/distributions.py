"""Fast scalar distribution functions for the hot path.

``scipy.stats`` distribution objects check their arguments on every call and
cost tens of microseconds; the decision engine evaluates thousands of
criteria, so it uses the underlying ``scipy.special`` functions and caches the
quantiles it asks for again and again (1.96 and friends).
"""

from __future__ import annotations

import math
from functools import lru_cache

from scipy import special

_SQRT2 = math.sqrt(2.0)


def norm_cdf(x: float) -> float:
    """P(Z <= x) for a standard normal Z."""
    return 0.5 * math.erfc(-x / _SQRT2)


def norm_sf(x: float) -> float:
    """P(Z > x), accurate far into the upper tail."""
    return 0.5 * math.erfc(x / _SQRT2)


@lru_cache(maxsize=1024)
def norm_ppf(p: float) -> float:
    """Standard normal quantile; cached because a few levels are asked for over and over."""
    return float(special.ndtri(p))


def z_two_sided(alpha: float) -> float:
    """The z with P(|Z| > z) = alpha."""
    return norm_ppf(1.0 - alpha / 2.0)


def z_one_sided(alpha: float) -> float:
    """The z with P(Z > z) = alpha."""
    return norm_ppf(1.0 - alpha)


def t_cdf(x: float, df: float) -> float:
    """Student t CDF; falls back to the normal for huge df."""
    if df > 1e7:
        return norm_cdf(x)
    return float(special.stdtr(df, x))


def t_sf(x: float, df: float) -> float:
    return t_cdf(-x, df)


def t_ppf(p: float, df: float) -> float:
    if df > 1e7:
        return norm_ppf(p)
    return _t_ppf_cached(p, float(df))


@lru_cache(maxsize=4096)
def _t_ppf_cached(p: float, df: float) -> float:
    return float(special.stdtrit(df, p))


def p_from_z(z: float, alternative: str) -> float:
    """p-value of a z statistic (pilot minus control) for an alternative."""
    if alternative == "greater":
        return norm_sf(z)
    if alternative == "less":
        return norm_cdf(z)
    return min(1.0, 2.0 * norm_sf(abs(z)))


def p_from_t(t: float, df: float, alternative: str) -> float:
    if alternative == "greater":
        return t_sf(t, df)
    if alternative == "less":
        return t_cdf(t, df)
    return min(1.0, 2.0 * t_sf(abs(t), df))


def chi2_sf(x: float, df: float) -> float:
    return float(special.chdtrc(df, x))
