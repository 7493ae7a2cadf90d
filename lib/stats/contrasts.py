"""Evidence about one effect, as a standardized statistic of any candidate value.

A contrast answers two questions with one function, so that a verdict and the
interval shown beside it can never disagree:

- ``z(d)``: how many (normal-equivalent) standard errors the data put the
  effect above the candidate value ``d``; it decreases as ``d`` grows;
- ``lower(k)`` / ``upper(k)``: the candidate values where ``z`` equals ``k`` and
  ``-k`` — the ends of the interval at that boundary.

So "the effect is beyond the threshold at boundary ``k``" (``z(threshold) >=
k``) holds exactly when the threshold lies below ``lower(k)``. The kinds:

- :class:`LinearContrast`: an estimate with a standard error (Welch, the
  adjusted before/after step), normal or t (``df``) reference;
- :class:`ExactRate`: one rate against a fixed value, exact binomial tails and
  Clopper-Pearson bounds — honest with small counts;
- :class:`RatioContrast`: a relative lift ``b / a - 1`` by Fieller's theorem;
- :class:`SkewedContrast`: a mean or difference of means whose estimator is
  skewed (revenue), through Hall's (1992) monotone transformation of t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from scipy import optimize, special

from lib.stats import skew
from lib.stats.distributions import norm_ppf, norm_sf, t_sf

_BIG = 1e12


def _t_to_z(t: float, df: float | None) -> float:
    """The normal quantile with the same tail probability as Student's ``t`` (tails, not cdf: no rounding to 1)."""
    if df is None or not math.isfinite(df) or df > 1e6 or not math.isfinite(t):
        return max(min(t, _BIG), -_BIG)
    tail = t_sf(abs(t), df)
    if tail <= 0.0:
        return math.copysign(_BIG, t)
    return math.copysign(-norm_ppf(tail), t)


def _z_to_t(k: float, df: float | None) -> float:
    if df is None or not math.isfinite(df) or df > 1e6:
        return k
    tail = norm_sf(abs(k))
    if tail <= 0.0:
        return math.copysign(_BIG, k)
    return math.copysign(-float(special.stdtrit(df, tail)), k)


class Contrast(Protocol):
    @property
    def estimate(self) -> float: ...

    def z(self, d: float) -> float: ...

    def lower(self, k: float) -> float | None: ...

    def upper(self, k: float) -> float | None: ...


@dataclass(frozen=True)
class LinearContrast:
    """``estimate`` with standard error ``se``; ``df`` switches to Student's t."""

    estimate: float
    se: float
    df: float | None = None

    def z(self, d: float) -> float:
        diff = self.estimate - d
        if self.se <= 0.0:
            return _BIG if diff > 0 else (-_BIG if diff < 0 else 0.0)
        return _t_to_z(diff / self.se, self.df)

    def lower(self, k: float) -> float | None:
        return self.estimate - _z_to_t(k, self.df) * self.se

    def upper(self, k: float) -> float | None:
        return self.estimate + _z_to_t(k, self.df) * self.se


@dataclass(frozen=True)
class ExactRate:
    """``successes`` out of ``n`` against a fixed rate: exact binomial tails, Clopper-Pearson bounds.

    ``z(d)`` is the normal quantile of the exact one-sided binomial p-value on
    the side the data fall (``isf(P(X >= x | d))`` above, ``-isf(P(X <= x |
    d))`` below), so small pilots get the binomial's real skew and
    discreteness instead of a normal approximation; the bounds are the
    Clopper-Pearson limits at the matching level.
    """

    successes: float
    n: float

    @property
    def estimate(self) -> float:
        return self.successes / self.n

    def _x(self) -> int:
        return int(round(self.successes))

    def z(self, d: float) -> float:
        x, n = self._x(), int(round(self.n))
        if d <= 0.0:
            return _BIG if x > 0 else 0.0
        if d >= 1.0:
            return -_BIG if x < n else 0.0
        above = 1.0 if x <= 0 else float(special.bdtrc(x - 1, n, d))  # P(X >= x)
        if above < 0.5:
            return min(-norm_ppf(above), _BIG) if above > 0 else _BIG
        below = 1.0 if x >= n else float(special.bdtr(x, n, d))  # P(X <= x)
        if below < 0.5:
            return max(norm_ppf(below), -_BIG) if below > 0 else -_BIG
        return 0.0

    def lower(self, k: float) -> float | None:
        x, n = self._x(), int(round(self.n))
        if k < 0:
            return self.upper(-k)
        return 0.0 if x <= 0 else float(special.betaincinv(x, n - x + 1, norm_sf(k)))

    def upper(self, k: float) -> float | None:
        x, n = self._x(), int(round(self.n))
        if k < 0:
            return self.lower(-k)
        return 1.0 if x >= n else float(special.betaincinv(x + 1, n - x, 1.0 - norm_sf(k)))


@dataclass(frozen=True)
class RatioContrast:
    """Relative lift ``b / a - 1`` of two independent means (Fieller).

    ``z(r) = (b - (1 + r) a) / sqrt(var_b + (1 + r)^2 var_a)``; the bounds are
    the roots of the matching quadratic, ``None`` when the interval is
    unbounded (the control mean is not clearly away from zero).
    """

    a: float
    var_a: float
    b: float
    var_b: float

    @property
    def estimate(self) -> float:
        return self.b / self.a - 1.0 if self.a else math.nan

    def z(self, d: float) -> float:
        rho = 1.0 + d
        num = self.b - rho * self.a
        den = math.sqrt(self.var_b + rho * rho * self.var_a)
        if den <= 0.0:
            return _BIG if num > 0 else (-_BIG if num < 0 else 0.0)
        return num / den

    def _roots(self, k: float) -> tuple[float, float] | None:
        a, b, va, vb = self.a, self.b, self.var_a, self.var_b
        k2 = k * k
        qa = a * a - k2 * va
        if qa <= 0.0:
            return None
        disc = (a * b) ** 2 - qa * (b * b - k2 * vb)
        if disc < 0.0:
            return None
        root = math.sqrt(disc)
        return (a * b - root) / qa - 1.0, (a * b + root) / qa - 1.0

    def lower(self, k: float) -> float | None:
        if k < 0:
            return self.upper(-k)
        roots = self._roots(k)
        return None if roots is None else roots[0]

    def upper(self, k: float) -> float | None:
        if k < 0:
            return self.lower(-k)
        roots = self._roots(k)
        return None if roots is None else roots[1]


@dataclass(frozen=True)
class SkewedContrast:
    """A mean (or difference of means) whose estimator is skewed (revenue).

    ``z(d)`` is Hall's (1992) skewness-corrected t of ``estimate - d`` (see
    :mod:`lib.stats.skew`), referred to Student t with ``df`` and expressed in
    normal units. The estimator's skewness is known (``skew_low ==
    skew_high``) or, without sums of cubes, only bounded: then a call on either
    side needs every skewness in the range to agree. Increasing in the
    estimate, so the bounds are found by root search.
    """

    estimate: float
    se: float
    df: float | None
    skew_low: float | None
    skew_high: float | None

    def _t(self, d: float) -> float:
        diff = self.estimate - d
        if self.se <= 0.0:
            return _BIG if diff > 0 else (-_BIG if diff < 0 else 0.0)
        t = diff / self.se
        if self.skew_low is None or self.skew_high is None:
            return t
        if self.skew_low == self.skew_high:
            return skew.hall_transform(t, self.skew_low)
        return skew.bounded_transform(t, self.skew_low, self.skew_high)

    def z(self, d: float) -> float:
        return _t_to_z(self._t(d), self.df)

    def _solve(self, k: float) -> float | None:
        if self.se <= 0.0:
            return self.estimate
        target = _z_to_t(k, self.df)
        a = self.skew_low
        if a is None or self.skew_high is None:
            return self.estimate - target * self.se
        if a == self.skew_high:
            # Hall's statistic is ((1 + a t / 3)^3 - 1) / a + a / 6: invert it in closed form
            if abs(a) < 1e-12:
                return self.estimate - target * self.se
            inner = 1.0 + a * (target - a / 6.0)
            t = 3.0 / a * (math.copysign(abs(inner) ** (1.0 / 3.0), inner) - 1.0)
            return self.estimate - t * self.se
        span = 60.0 * self.se
        lo, hi = self.estimate - span, self.estimate + span
        try:
            return float(optimize.brentq(lambda d: self._t(d) - target, lo, hi, xtol=1e-10 * max(1.0, self.se)))
        except ValueError:
            return None

    def lower(self, k: float) -> float | None:
        return self._solve(k)

    def upper(self, k: float) -> float | None:
        return self._solve(-k)


@dataclass(frozen=True)
class FiellerRatio:
    """A ratio ``num / den`` of two correlated estimates by Fieller's theorem (cost per extra, return on spend).

    ``z(c) = T((num - c den) / sqrt(var_num - 2 c cov + c^2 var_den))`` in normal units, ``T`` the
    Student-t tail with ``df`` (None: normal): the test of "the ratio is above ``c``" is the test of
    the sign of the linear contrast ``num - c den``, valid however close ``den`` is to zero. The
    bounds are the roots of the matching quadratic next to the estimate: the lower one may be the
    only one (the interval is open-ended above: ``upper`` None) when ``den`` is not clearly away
    from zero, and both are None when nothing can be said or the ratio is undefined (``den <= 0``).
    """

    num: float
    den: float
    var_num: float
    var_den: float
    cov: float = 0.0
    df: float | None = None

    @property
    def estimate(self) -> float:
        return self.num / self.den if self.den > 0 else math.nan

    def se(self, c: float) -> float:
        return math.sqrt(max(self.var_num - 2.0 * c * self.cov + c * c * self.var_den, 0.0))

    def z(self, d: float) -> float:
        diff = self.num - d * self.den
        se = self.se(d)
        if se <= 0.0:
            return _BIG if diff > 0 else (-_BIG if diff < 0 else 0.0)
        return _t_to_z(diff / se, self.df)

    def _roots(self, k: float) -> list[float]:
        q = _z_to_t(abs(k), self.df)
        q2 = q * q
        qa = self.den * self.den - q2 * self.var_den
        qb = -2.0 * (self.num * self.den - q2 * self.cov)
        qc = self.num * self.num - q2 * self.var_num
        if abs(qa) <= 1e-300:
            return [] if qb == 0.0 else [-qc / qb]
        disc = qb * qb - 4.0 * qa * qc
        if disc < 0.0:
            return []
        root = math.sqrt(disc)
        # the numerically stable pair of roots
        half = -0.5 * (qb + math.copysign(root, qb))
        roots = [half / qa] if half == 0.0 else [half / qa, qc / half]
        return sorted(roots)

    def lower(self, k: float) -> float | None:
        if k < 0:
            return self.upper(-k)
        if not self.den > 0:
            return None
        est = self.num / self.den
        below = [r for r in self._roots(k) if r < est and self.num - r * self.den > 0]
        return max(below) if below else None

    def upper(self, k: float) -> float | None:
        if k < 0:
            return self.lower(-k)
        if not self.den > 0:
            return None
        est = self.num / self.den
        above = [r for r in self._roots(k) if r > est and self.num - r * self.den < 0]
        return min(above) if above else None
