"""Summary and compare_means against numpy/scipy, plus properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lib.stats import Summary, compare_means

RNG = np.random.default_rng(20261123)
SAMPLES = [
    (RNG.normal(50, 10, 2), RNG.normal(55, 10, 3)),
    (RNG.normal(50, 10, 5), RNG.normal(50, 30, 8)),
    (RNG.exponential(40, 30), RNG.exponential(45, 35)),
    (RNG.normal(0.5, 0.1, 200), RNG.normal(0.52, 0.1, 180)),
    (RNG.normal(100, 1, 5000), RNG.normal(100, 5, 4000)),
    (np.array([3.0, 3.0, 3.0]), RNG.normal(3, 1, 10)),
]


def test_summary_from_values_and_sums_agree_with_numpy():
    cases = ((RNG.normal(10, 3, 50), 1e-9), (np.array([1.0, 2.0]), 1e-9), (np.array([1e6 + 1, 1e6 + 2, 1e6 + 4]), 1e-3))
    for values, tolerance in cases:
        s = Summary.from_values(values)
        assert s.n == len(values)
        assert s.mean == pytest.approx(values.mean())
        assert s.sd == pytest.approx(values.std(ddof=1))
        t = Summary.from_sums(len(values), values.sum(), (values**2).sum())
        assert t.mean == pytest.approx(values.mean())
        # sums of squares lose digits when the spread is tiny next to the mean (1e6 +- 1)
        assert t.sd == pytest.approx(values.std(ddof=1), rel=tolerance)


def test_summary_edge_cases():
    assert Summary.from_values([]) == Summary(0, 0.0, 0.0)
    assert Summary.from_values([4.0]) == Summary(1, 4.0, 0.0)
    assert Summary.from_sums(0, 0, 0) == Summary(0, 0.0, 0.0)
    # rounding can make the sum of squares a hair too small: clamp to zero spread
    assert Summary.from_sums(3, 0.3, 0.03 - 1e-18).sd == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError, match="total_of_squares"):
        Summary.from_sums(3, 30, 10)
    with pytest.raises(ValueError, match="values"):
        Summary.from_values([1.0, float("nan")])
    with pytest.raises(ValueError, match="sd"):
        Summary(10, 1.0, -1.0)
    with pytest.raises(ValueError, match="n"):
        Summary.from_sums(-1, 0, 0)
    with pytest.raises(ValueError, match="mean"):
        Summary(10, float("nan"), 1.0)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@pytest.mark.parametrize("control,pilot", SAMPLES)
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_welch_matches_scipy(control, pilot, alternative):
    result = compare_means(Summary.from_values(control), Summary.from_values(pilot), alternative=alternative)
    expected = stats.ttest_ind(pilot, control, equal_var=False, alternative=alternative)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-7, abs=1e-14)
    assert result.df == pytest.approx(expected.df, rel=1e-9)
    assert result.difference == pytest.approx(pilot.mean() - control.mean())
    # the reported interval is always two-sided
    ci = stats.ttest_ind(pilot, control, equal_var=False).confidence_interval(0.95)
    assert result.ci_low == pytest.approx(ci.low, rel=1e-9)
    assert result.ci_high == pytest.approx(ci.high, rel=1e-9)


def test_welch_matches_statsmodels_interval():
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    control, pilot = SAMPLES[2]
    result = compare_means(Summary.from_values(control), Summary.from_values(pilot), alpha=0.1)
    low, high = CompareMeans(DescrStatsW(pilot), DescrStatsW(control)).tconfint_diff(alpha=0.1, usevar="unequal")
    assert result.ci_low == pytest.approx(low)
    assert result.ci_high == pytest.approx(high)


def test_relative_interval_is_delta_method():
    c, p = Summary(400, 50.0, 20.0), Summary(420, 55.0, 22.0)
    result = compare_means(c, p)
    se = math.sqrt(p.variance / p.n / c.mean**2 + c.variance / c.n * p.mean**2 / c.mean**4)
    q = stats.t.ppf(0.975, result.df)
    assert result.relative_lift == pytest.approx(0.1)
    assert result.relative_ci_low == pytest.approx(0.1 - q * se)
    assert result.relative_ci_high == pytest.approx(0.1 + q * se)


def test_degenerate_inputs_are_defined():
    empty = compare_means(Summary(0, 0.0, 0.0), Summary(10, 1.0, 1.0))
    assert empty.p_value == 1.0 and empty.difference is None and empty.warnings
    single = compare_means(Summary(1, 2.0, 0.0), Summary(10, 1.0, 1.0))
    assert single.p_value == 1.0 and single.ci_low is None and single.warnings
    flat_equal = compare_means(Summary(5, 2.0, 0.0), Summary(6, 2.0, 0.0))
    assert flat_equal.p_value == 1.0 and flat_equal.ci_low == flat_equal.ci_high == 0.0
    assert any("same" in w for w in flat_equal.warnings)
    flat_diff = compare_means(Summary(5, 2.0, 0.0), Summary(6, 3.0, 0.0))
    assert flat_diff.p_value == 0.0 and flat_diff.warnings
    zero_control = compare_means(Summary(5, 0.0, 1.0), Summary(6, 1.0, 1.0))
    assert zero_control.relative_lift is None and zero_control.relative_ci_low is None


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="control"):
        compare_means((10, 1.0, 1.0), Summary(10, 1.0, 1.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="alternative"):
        compare_means(Summary(10, 1.0, 1.0), Summary(10, 1.0, 1.0), alternative="up")


summaries = st.builds(
    Summary,
    n=st.integers(min_value=2, max_value=10_000),
    mean=st.floats(min_value=-1e4, max_value=1e4, allow_nan=False),
    sd=st.floats(min_value=1e-3, max_value=1e3, allow_nan=False),
)


@settings(max_examples=150, deadline=None)
@given(control=summaries, pilot=summaries, alternative=st.sampled_from(["two-sided", "greater", "less"]))
def test_properties(control, pilot, alternative):
    ab = compare_means(control, pilot, alternative=alternative)
    assert 0.0 <= ab.p_value <= 1.0
    assert ab.ci_low <= ab.difference <= ab.ci_high
    ba = compare_means(pilot, control)
    assert ba.difference == pytest.approx(-ab.difference, abs=1e-9)
    assert ba.ci_low == pytest.approx(-ab.ci_high, rel=1e-9, abs=1e-9)
    bigger = compare_means(Summary(control.n * 4, control.mean, control.sd), Summary(pilot.n * 4, pilot.mean, pilot.sd))
    assert bigger.ci_high - bigger.ci_low < ab.ci_high - ab.ci_low
