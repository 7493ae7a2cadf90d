"""against_target / against_target_mean against scipy and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from lib.stats import Summary, against_target, against_target_mean

GRID = [
    (0, 10, 0.08),
    (1, 10, 0.08),
    (10, 10, 0.5),
    (3, 25, 0.1),
    (38, 412, 0.08),
    (0, 1, 0.3),
    (520, 5000, 0.1),
    (9000, 100000, 0.09),
    (5, 20, 0.0),
    (20, 20, 1.0),
]


@pytest.mark.parametrize("k,n,target", GRID)
@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_binomial_matches_scipy(k, n, target, alternative):
    result = against_target(k, n, target, alternative=alternative)
    expected = stats.binomtest(k, n, target, alternative=alternative)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-14)
    assert result.method == "binomial_exact"


@pytest.mark.parametrize("k,n,target", GRID)
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_clopper_pearson_matches_statsmodels_and_scipy(k, n, target, alpha):
    result = against_target(k, n, target, alpha=alpha)
    low, high = proportion_confint(k, n, alpha=alpha, method="beta")
    assert result.ci_low == pytest.approx(low, abs=1e-12)
    assert result.ci_high == pytest.approx(high, abs=1e-12)
    ci = stats.binomtest(k, n, 0.5).proportion_ci(confidence_level=1 - alpha, method="exact")
    assert result.ci_low == pytest.approx(ci.low, abs=1e-12)
    assert result.ci_high == pytest.approx(ci.high, abs=1e-12)
    assert result.ci_low <= result.value <= result.ci_high


def test_target_example_from_the_issue():
    result = against_target(38, 412, 0.08)
    assert result.value == pytest.approx(0.0922, abs=1e-4)
    assert 0.75 < 1 - result.p_value < 0.85  # "about 80% confidence" it beats 8%


def test_degenerate_and_impossible():
    empty = against_target(0, 0, 0.1)
    assert empty.p_value == 1.0 and empty.value is None and empty.warnings
    assert against_target(0, 50, 0.1).warnings
    with pytest.raises(ValueError, match="conversions"):
        against_target(11, 10, 0.1)
    with pytest.raises(ValueError, match="target_rate"):
        against_target(1, 10, 1.2)
    with pytest.raises(ValueError, match="visitors"):
        against_target(1, float("nan"), 0.1)


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_mean_variant_matches_ttest_1samp(alternative):
    values = np.random.default_rng(3).normal(52, 9, 40)
    result = against_target_mean(Summary.from_values(values), 50.0, alternative=alternative)
    expected = stats.ttest_1samp(values, 50.0, alternative=alternative)
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    ci = stats.ttest_1samp(values, 50.0).confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_mean_variant_degenerate():
    assert against_target_mean(Summary(0, 0.0, 0.0), 3.0).p_value == 1.0
    assert against_target_mean(Summary(1, 5.0, 0.0), 3.0).ci_low is None
    flat = against_target_mean(Summary(5, 5.0, 0.0), 3.0)
    assert flat.p_value == 0.0 and flat.warnings
    with pytest.raises(ValueError, match="target_value"):
        against_target_mean(Summary(5, 5.0, 1.0), float("nan"))
