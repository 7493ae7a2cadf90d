"""The always-valid interval and p-value, checked against published gbstats numbers."""

from __future__ import annotations

import math

import pytest

from lib.stats import Summary, compare_means, compare_proportions
from lib.stats.sequential import sequential_halfwidth, sequential_pvalue, sequential_rho


def test_halfwidth_matches_gbstats_reference_cases():
    # gbstats tests (SequentialTwoSidedTTest): estimate, CI and standard error are published
    # rounded to 5 decimals, so the half-width is checked to that precision.
    # Means, tuning 1000: expected 0.50336, ci (-0.55844, 1.56516), stddev 0.33341, n = 3000 + 3461
    assert sequential_halfwidth(0.33341, 6461, 0.05, 1000) == pytest.approx((1.56516 + 0.55844) / 2, abs=5e-5)
    # Proportions, default tuning 5000: ci (0.40098, 0.60675), stddev 0.03386
    assert sequential_halfwidth(0.03386, 6461, 0.05, 5000) == pytest.approx((0.60675 - 0.40098) / 2, abs=3e-5)
    # and its p-value was 1 for the first case (e-value below 1)
    assert sequential_pvalue(0.50336, 0.33341, 6461, 0.05, 1000) == 1.0


def test_absolute_difference_standard_error_matches_gbstats():
    # gbstats SampleMeanStatistic fixtures with difference_type="absolute":
    # expected 0.23437666666666668, stddev 0.12983081254184736
    control = Summary.from_sums(3000, 1396.87, 52377.9767)
    pilot = Summary.from_sums(3461, 2422.7, 134698.29)
    result = compare_means(control, pilot, sequential=True)
    assert result.difference == pytest.approx(0.23437666666666668, rel=1e-12)
    assert result.standard_error == pytest.approx(0.12983081254184736, rel=1e-10)
    half = sequential_halfwidth(0.12983081254184736, 6461, 0.05)
    assert result.ci_low == pytest.approx(0.23437666666666668 - half, rel=1e-10)
    assert result.ci_high == pytest.approx(0.23437666666666668 + half, rel=1e-10)
    assert result.method == "sequential" and result.sequential


def test_rho_formula():
    alpha, tuning = 0.05, 5000
    expected = math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)
    assert sequential_rho(alpha, tuning) == pytest.approx(expected)


def test_tightest_near_the_tuning_parameter():
    n = 6461
    below = sequential_halfwidth(1.0, n, 0.05, 10)
    near = sequential_halfwidth(1.0, n, 0.05, n)
    above = sequential_halfwidth(1.0, n, 0.05, 10000)
    assert near < above < below


def test_wider_than_fixed_interval_and_consistent_with_its_p_value():
    fixed = compare_proportions(1000, 10000, 1100, 10000, method="z", ci_method="wald")
    seq = compare_proportions(1000, 10000, 1100, 10000, sequential=True)
    assert seq.ci_low < fixed.ci_low and seq.ci_high > fixed.ci_high
    assert seq.relative_ci_low is None  # not reported for the sequential option
    # p < alpha exactly when the interval excludes zero
    for xp in range(1000, 1200, 7):
        r = compare_proportions(1000, 10000, xp, 10000, sequential=True)
        assert (r.p_value < 0.05) == (r.ci_low > 0 or r.ci_high < 0)


def test_sequential_proportions_use_unpooled_variance():
    r = compare_proportions(200, 2000, 260, 2100, sequential=True)
    se = math.sqrt(0.1 * 0.9 / 2000 + (260 / 2100) * (1 - 260 / 2100) / 2100)
    assert r.standard_error == pytest.approx(se)
    assert r.ci_high - r.difference == pytest.approx(sequential_halfwidth(se, 4100, 0.05))


def test_one_sided_is_conservative_and_directional():
    up = compare_proportions(1000, 10000, 1150, 10000, sequential=True, alternative="greater")
    down = compare_proportions(1000, 10000, 1150, 10000, sequential=True, alternative="less")
    two = compare_proportions(1000, 10000, 1150, 10000, sequential=True)
    assert up.p_value == two.p_value and down.p_value == 1.0


def test_degenerate_sequential():
    r = compare_proportions(0, 100, 0, 100, sequential=True)
    assert r.p_value == 1.0 and r.ci_low is None and r.warnings
    with pytest.raises(ValueError, match="sequential_tuning"):
        compare_proportions(1, 10, 2, 10, sequential=True, sequential_tuning=0)
