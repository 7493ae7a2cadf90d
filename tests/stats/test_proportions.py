"""compare_proportions against statsmodels and scipy, plus properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from lib.stats import compare_proportions
from lib.stats.proportions import fisher_pvalues, resolve_method

# (control_conversions, control_visitors, pilot_conversions, pilot_visitors):
# tiny counts, zero cells, equal rates, everyone converting, large counts
GRID = [
    (0, 10, 0, 12),
    (0, 10, 3, 10),
    (1, 7, 0, 9),
    (2, 5, 5, 5),
    (3, 3, 1, 4),
    (1, 1, 0, 1),
    (5, 50, 5, 50),
    (10, 100, 15, 100),
    (12, 400, 30, 410),
    (0, 1000, 4, 1000),
    (40, 1000, 40, 1000),
    (300, 10000, 360, 10000),
    (5000, 100000, 5200, 100000),
    (123456, 1000000, 124500, 1001000),
]
ALTERNATIVES = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}


def _pooled_var_zero(xc, nc, xp, np_):
    return xc + xp in (0, nc + np_)


@pytest.mark.parametrize("xc,nc,xp,np_", GRID)
@pytest.mark.parametrize("alternative", list(ALTERNATIVES))
def test_z_test_matches_statsmodels(xc, nc, xp, np_, alternative):
    result = compare_proportions(xc, nc, xp, np_, method="z", alternative=alternative)
    assert result.method == "z"
    if _pooled_var_zero(xc, nc, xp, np_):
        assert result.p_value == 1.0
        return
    z, p = proportions_ztest([xp, xc], [np_, nc], alternative=ALTERNATIVES[alternative], prop_var=False)
    assert result.statistic == pytest.approx(z, rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(p, rel=1e-7, abs=1e-14)


@pytest.mark.parametrize("xc,nc,xp,np_", GRID)
def test_chi2_matches_scipy(xc, nc, xp, np_):
    result = compare_proportions(xc, nc, xp, np_, method="chi2")
    if _pooled_var_zero(xc, nc, xp, np_):
        assert result.p_value == 1.0
        return
    table = np.array([[xp, np_ - xp], [xc, nc - xc]])
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    assert result.statistic == pytest.approx(chi2, rel=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-7, abs=1e-14)


@pytest.mark.parametrize("xc,nc,xp,np_", GRID[:11])
@pytest.mark.parametrize("alternative", list(ALTERNATIVES))
def test_fisher_matches_scipy(xc, nc, xp, np_, alternative):
    result = compare_proportions(xc, nc, xp, np_, method="fisher", alternative=alternative)
    expected = stats.fisher_exact([[xp, np_ - xp], [xc, nc - xc]], alternative=alternative)
    assert result.method == "fisher"
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-8, abs=1e-12)


def test_fisher_matches_scipy_on_a_dense_grid():
    for nc in (3, 8, 15):
        for np_ in (4, 9):
            for xc in range(nc + 1):
                for xp in range(np_ + 1):
                    ours = fisher_pvalues(xc, nc, xp, np_)
                    table = [[xp, np_ - xp], [xc, nc - xc]]
                    for alt, mine in (("two-sided", ours.two_sided), ("greater", ours.greater), ("less", ours.less)):
                        assert mine == pytest.approx(stats.fisher_exact(table, alternative=alt).pvalue, abs=1e-12)


@pytest.mark.parametrize("xc,nc,xp,np_", GRID)
@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_newcombe_interval_matches_statsmodels(xc, nc, xp, np_, alpha):
    result = compare_proportions(xc, nc, xp, np_, alpha=alpha)
    low, high = confint_proportions_2indep(xp, np_, xc, nc, method="newcomb", compare="diff", alpha=alpha)
    assert result.ci_low == pytest.approx(low, abs=1e-12)
    assert result.ci_high == pytest.approx(high, abs=1e-12)
    assert result.difference == pytest.approx(xp / np_ - xc / nc)


@pytest.mark.parametrize("xc,nc,xp,np_", GRID)
def test_wald_interval_matches_statsmodels(xc, nc, xp, np_):
    result = compare_proportions(xc, nc, xp, np_, ci_method="wald")
    low, high = confint_proportions_2indep(xp, np_, xc, nc, method="wald", compare="diff")
    assert result.ci_low == pytest.approx(max(low, -1.0), abs=1e-12)
    assert result.ci_high == pytest.approx(min(high, 1.0), abs=1e-12)


@pytest.mark.parametrize("xc,nc,xp,np_", GRID)
def test_relative_interval_matches_statsmodels_log_adjusted(xc, nc, xp, np_):
    result = compare_proportions(xc, nc, xp, np_)
    low, high = confint_proportions_2indep(xp, np_, xc, nc, compare="ratio")
    assert result.relative_ci_low == pytest.approx(low - 1, rel=1e-9, abs=1e-12)
    assert result.relative_ci_high == pytest.approx(high - 1, rel=1e-9, abs=1e-12)
    if xc == 0:
        assert result.relative_lift is None
    else:
        assert result.relative_lift == pytest.approx((xp / np_) / (xc / nc) - 1)


def test_auto_uses_fisher_when_an_expected_cell_is_below_five():
    assert resolve_method("auto", 2, 40, 6, 40) == "fisher"
    assert resolve_method("auto", 20, 200, 30, 200) == "z"
    small = compare_proportions(2, 40, 6, 40)
    assert small.method == "fisher"
    assert small.p_value == pytest.approx(stats.fisher_exact([[6, 34], [2, 38]]).pvalue)
    assert any("exact" in w for w in small.warnings)
    assert compare_proportions(20, 200, 30, 200).method == "z"


def test_zero_conversions_in_both_arms_is_defined_and_says_so():
    result = compare_proportions(0, 120, 0, 130)
    assert result.p_value == 1.0
    assert result.difference == 0.0
    assert result.relative_lift is None
    assert result.ci_low < 0 < result.ci_high
    assert any("No conversions yet in either arm" in w for w in result.warnings)
    for method in ("z", "chi2", "fisher"):
        assert compare_proportions(0, 120, 0, 130, method=method).p_value == 1.0


def test_zero_control_rate_gives_no_relative_lift_and_a_warning():
    result = compare_proportions(0, 200, 9, 200)
    assert result.relative_lift is None
    assert any("relative lift" in w for w in result.warnings)


@pytest.mark.parametrize("args", [(0, 0, 3, 10), (3, 10, 0, 0), (0, 0, 0, 0)])
def test_empty_arm_is_defined(args):
    result = compare_proportions(*args)
    assert result.p_value == 1.0
    assert result.difference is None
    assert result.ci_low is None
    assert result.warnings


@pytest.mark.parametrize(
    "args,name",
    [
        ((11, 10, 1, 10), "control_conversions"),
        ((1, 10, 11, 10), "pilot_conversions"),
        ((-1, 10, 1, 10), "control_conversions"),
        ((1, -10, 1, 10), "control_visitors"),
        ((1, 10, float("nan"), 10), "pilot_conversions"),
        ((1, 10, 1, float("inf")), "pilot_visitors"),
        ((1.5, 10, 1, 10), "control_conversions"),
    ],
)
def test_impossible_input_names_the_argument(args, name):
    with pytest.raises(ValueError, match=name):
        compare_proportions(*args)


def test_bad_options_name_the_argument():
    with pytest.raises(ValueError, match="alternative"):
        compare_proportions(1, 10, 2, 10, alternative="bigger")
    with pytest.raises(ValueError, match="method"):
        compare_proportions(1, 10, 2, 10, method="t")
    with pytest.raises(ValueError, match="alpha"):
        compare_proportions(1, 10, 2, 10, alpha=1.5)


def test_to_dict_is_json_safe():
    import json

    data = compare_proportions(0, 0, 1, 10).to_dict()
    json.dumps(data, allow_nan=False)
    assert data["difference"] is None


arms = st.integers(min_value=1, max_value=3000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@settings(max_examples=150, deadline=None)
@given(
    control=arms,
    pilot=arms,
    method=st.sampled_from(["auto", "z", "chi2", "fisher"]),
    alternative=st.sampled_from(["two-sided", "greater", "less"]),
)
def test_p_value_is_a_probability(control, pilot, method, alternative):
    result = compare_proportions(*control, *pilot, method=method, alternative=alternative)
    assert 0.0 <= result.p_value <= 1.0
    seq = compare_proportions(*control, *pilot, sequential=True, alternative=alternative)
    assert 0.0 <= seq.p_value <= 1.0


@settings(max_examples=150, deadline=None)
@given(control=arms, pilot=arms, ci_method=st.sampled_from(["newcombe", "wald"]))
def test_interval_contains_the_estimate(control, pilot, ci_method):
    result = compare_proportions(*control, *pilot, ci_method=ci_method)
    assert result.ci_low - 1e-12 <= result.difference <= result.ci_high + 1e-12
    assert result.ci_low >= -1.0 - 1e-12 and result.ci_high <= 1.0 + 1e-12


@settings(max_examples=150, deadline=None)
@given(control=arms, pilot=arms)
def test_swapping_arms_mirrors_the_difference(control, pilot):
    ab = compare_proportions(*control, *pilot)
    ba = compare_proportions(*pilot, *control)
    assert ba.difference == pytest.approx(-ab.difference, abs=1e-12)
    assert ba.ci_low == pytest.approx(-ab.ci_high, abs=1e-12)
    assert ba.ci_high == pytest.approx(-ab.ci_low, abs=1e-12)
    assert ba.p_value == pytest.approx(ab.p_value, rel=1e-9, abs=1e-15)


@settings(max_examples=150, deadline=None)
@given(control=arms, pilot=arms, factor=st.integers(min_value=2, max_value=10))
def test_more_data_narrows_the_interval(control, pilot, factor):
    small = compare_proportions(*control, *pilot)
    big = compare_proportions(*(factor * v for v in control), *(factor * v for v in pilot))
    assert big.ci_high - big.ci_low < small.ci_high - small.ci_low
    assert big.difference == pytest.approx(small.difference, abs=1e-12)


def test_known_numbers_for_a_readable_case():
    # 10.0% vs 13.0% on 1,000 each: z = 2.1027, p = 0.0355
    result = compare_proportions(100, 1000, 130, 1000)
    assert result.statistic == pytest.approx(2.10274, abs=1e-5)
    assert result.p_value == pytest.approx(0.035488, abs=1e-6)
    assert math.isclose(result.relative_lift, 0.3)


def test_chi2_one_sided_uses_the_signed_root_and_fisher_reports_the_odds_ratio():
    for alternative in ("greater", "less"):
        chi2 = compare_proportions(40, 400, 55, 410, method="chi2", alternative=alternative)
        z = compare_proportions(40, 400, 55, 410, method="z", alternative=alternative)
        assert chi2.p_value == pytest.approx(z.p_value)
    fisher = compare_proportions(3, 20, 8, 22, method="fisher")
    assert fisher.statistic == pytest.approx(stats.fisher_exact([[8, 14], [3, 17]]).statistic)
    assert compare_proportions(0, 20, 8, 22, method="fisher").statistic is None
