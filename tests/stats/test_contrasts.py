"""Contrasts (lib.stats.contrasts): one function gives the verdict's z and the interval's ends, so they agree.

Oracles: statsmodels' Clopper-Pearson interval and scipy's binomial and t
distributions; Fieller's bounds by brute-force inversion on a fine grid.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from lib.stats.contrasts import ExactRate, LinearContrast, RatioContrast, SkewedContrast

KS = (0.5, 1.0, 1.6448536269514722, 1.96, 2.5, 3.5)


# ------------------------------------------------------------------ ExactRate


@pytest.mark.parametrize("x, n", [(1, 10), (5, 40), (38, 412), (120, 1000), (0, 50), (50, 50), (3, 7000)])
@pytest.mark.parametrize("k", KS)
def test_exact_rate_bounds_are_clopper_pearson(x, n, k):
    low, high = proportion_confint(x, n, alpha=2 * stats.norm.sf(k), method="beta")
    rate = ExactRate(x, n)
    assert rate.lower(k) == pytest.approx(low, abs=1e-12)
    assert rate.upper(k) == pytest.approx(high, abs=1e-12)
    assert rate.estimate == x / n


@pytest.mark.parametrize("x, n", [(1, 10), (5, 40), (38, 412), (120, 1000), (0, 50), (50, 50)])
def test_exact_rate_z_clears_k_exactly_below_the_lower_bound(x, n):
    rate = ExactRate(x, n)
    for k in KS:
        low, high = rate.lower(k), rate.upper(k)
        for d in np.linspace(0.0005, 0.9995, 1999):
            if min(abs(d - low), abs(d - high)) < 1e-9:
                continue
            assert (rate.z(d) >= k) == (d < low), (k, d, low)
            assert (rate.z(d) <= -k) == (d > high), (k, d, high)


def test_exact_rate_z_is_the_exact_binomial_tail():
    rate = ExactRate(38, 412)
    above = stats.binomtest(38, 412, 0.08, alternative="greater").pvalue
    below = stats.binomtest(38, 412, 0.12, alternative="less").pvalue
    assert rate.z(0.08) == pytest.approx(stats.norm.isf(above), rel=1e-9)
    assert rate.z(0.12) == pytest.approx(stats.norm.ppf(below), rel=1e-9)
    assert rate.z(0.0922) == 0.0  # both tails above one half: no evidence either way


# ------------------------------------------------------------------ RatioContrast (Fieller)


def brute_force_bounds(a: float, va: float, b: float, vb: float, k: float) -> tuple[float, float]:
    """``lower(k)`` = the largest lift r with z(r) >= k; ``upper(k)`` = the smallest with z(r) <= -k (fine grid)."""
    est = b / a - 1
    spread = 12 * math.sqrt(vb / a**2 + b**2 * va / a**4) + 0.01
    r = np.linspace(est - spread, est + spread, 400_001)
    z = (b - (1 + r) * a) / np.sqrt(vb + (1 + r) ** 2 * va)
    return float(r[z >= k].max()), float(r[z <= -k].min())


@pytest.mark.parametrize(
    "a, va, b, vb",
    [
        (0.10, 0.1 * 0.9 / 5000, 0.12, 0.12 * 0.88 / 5000),
        (0.05, 0.05 * 0.95 / 800, 0.04, 0.04 * 0.96 / 800),
        (50.0, 4.0, 61.0, 5.0),
        (2.0, 0.3, 2.4, 0.5),
    ],
)
@pytest.mark.parametrize("k", [1.0, 1.96, 2.77])
def test_fieller_bounds_invert_z(a, va, b, vb, k):
    ratio = RatioContrast(a, va, b, vb)
    low, high = brute_force_bounds(a, va, b, vb, k)
    step = 24 * math.sqrt(vb / a**2 + b**2 * va / a**4) / 400_000 + 1e-7
    assert ratio.lower(k) == pytest.approx(low, abs=2 * step)
    assert ratio.upper(k) == pytest.approx(high, abs=2 * step)
    assert ratio.z(ratio.lower(k)) == pytest.approx(k, abs=1e-9)
    assert ratio.z(ratio.upper(k)) == pytest.approx(-k, abs=1e-9)
    assert ratio.lower(-k) == ratio.upper(k)
    assert ratio.estimate == pytest.approx(b / a - 1)
    assert ratio.lower(k) < ratio.estimate < ratio.upper(k)


def test_fieller_is_unbounded_when_the_control_mean_is_not_clearly_away_from_zero():
    # a / sd(a) = 2: at k = 1.96 it is bounded, at k = 2.5 not
    ratio = RatioContrast(0.02, 0.0001, 0.05, 0.0001)
    assert ratio.lower(1.96) is not None and ratio.upper(1.96) is not None
    assert ratio.lower(2.5) is None and ratio.upper(2.5) is None
    assert RatioContrast(0.0, 0.0001, 0.05, 0.0001).lower(1.0) is None


# ------------------------------------------------------------------ LinearContrast


@pytest.mark.parametrize("df", [None, 3, 12.5, 200])
@pytest.mark.parametrize("k", KS)
def test_linear_contrast_bounds_are_t_quantiles(df, k):
    c = LinearContrast(2.5, 0.8, df)
    q = k if df is None else stats.t.ppf(stats.norm.cdf(k), df)  # the t quantile with the normal's tail
    assert c.lower(k) == pytest.approx(2.5 - q * 0.8, rel=1e-9)
    assert c.upper(k) == pytest.approx(2.5 + q * 0.8, rel=1e-9)
    # z is the normal quantile of the same tail: z(lower(k)) = k
    assert c.z(c.lower(k)) == pytest.approx(k, rel=1e-8)
    assert c.z(c.upper(k)) == pytest.approx(-k, rel=1e-8)


def test_linear_contrast_z_is_the_t_tail_in_normal_units():
    c = LinearContrast(1.0, 0.4, 9)
    assert c.z(0.0) == pytest.approx(stats.norm.isf(stats.t.sf(2.5, 9)), rel=1e-9)
    assert LinearContrast(1.0, 0.4).z(0.0) == pytest.approx(2.5)
    assert LinearContrast(1.0, 0.0).z(0.5) > 1e9 and LinearContrast(1.0, 0.0).z(1.5) < -1e9


# ------------------------------------------------------------------ SkewedContrast


@pytest.mark.parametrize("df", [None, 8, 150])
def test_skewed_contrast_without_skew_is_linear(df):
    skewed = SkewedContrast(3.0, 1.2, df, 0.0, 0.0)
    plain = SkewedContrast(3.0, 1.2, df, None, None)
    linear = LinearContrast(3.0, 1.2, df)
    for d in np.linspace(-5, 11, 33):
        assert skewed.z(d) == pytest.approx(linear.z(d), rel=1e-12, abs=1e-12)
        assert plain.z(d) == pytest.approx(linear.z(d), rel=1e-12, abs=1e-12)
    for k in KS:
        assert skewed.lower(k) == pytest.approx(linear.lower(k), rel=1e-12)
        assert skewed.upper(k) == pytest.approx(linear.upper(k), rel=1e-12)
        assert plain.lower(k) == pytest.approx(linear.lower(k), rel=1e-12)


SKEWED = [
    SkewedContrast(10.0, 2.0, 40, 0.3, 0.3),  # measured skew (sums of cubes)
    SkewedContrast(10.0, 2.0, 40, -0.4, -0.4),
    SkewedContrast(10.0, 2.0, None, 0.8, 0.8),
    SkewedContrast(10.0, 2.0, 25, -0.2, 0.6),  # only bounded (no sums of cubes)
    SkewedContrast(10.0, 2.0, 25, 0.1, 0.9),
]


@pytest.mark.parametrize("c", SKEWED)
def test_skewed_contrast_is_monotone(c):
    d = np.linspace(c.estimate - 8 * c.se, c.estimate + 8 * c.se, 801)
    z = np.array([c.z(x) for x in d])
    assert np.all(np.diff(z) <= 1e-12)  # never increases with the value tested
    assert z[0] > 0 > z[-1]


@pytest.mark.parametrize("c", SKEWED)
@pytest.mark.parametrize("k", [0.5, 1.0, 1.96, 2.77])
def test_skewed_contrast_bounds_invert_z(c, k):
    low, high = c.lower(k), c.upper(k)
    assert low < c.estimate < high
    assert c.z(low) == pytest.approx(k, abs=1e-7)
    assert c.z(high) == pytest.approx(-k, abs=1e-7)
    for d in np.linspace(c.estimate - 8 * c.se, c.estimate + 8 * c.se, 401):
        if min(abs(d - low), abs(d - high)) < 1e-6:
            continue
        assert (c.z(d) >= k) == (d < low)
        assert (c.z(d) <= -k) == (d > high)


def test_positive_skew_moves_both_bounds_up():
    """Right-skewed data (revenue): the mean's sampling distribution has a long right tail, so the interval
    sits further right than the symmetric one, on both ends."""
    linear = LinearContrast(10.0, 2.0, 40)
    skewed = SkewedContrast(10.0, 2.0, 40, 0.5, 0.5)
    assert skewed.lower(1.96) > linear.lower(1.96)
    assert skewed.upper(1.96) > linear.upper(1.96)
