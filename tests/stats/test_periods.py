"""compare_periods: Welch on days, and OLS + Newey-West checked against statsmodels."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from lib.stats import compare_periods
from lib.stats.periods import newey_west_maxlags, ols_hac


def _series(seed: int, before: int, after: int, shift: float = 3.0, trend: float = 0.1):
    rng = np.random.default_rng(seed)
    t = np.arange(before + after)
    weekday = np.array([0, 0, 0, 0, 0, -4, -5])[t % 7]
    noise = np.zeros(len(t))
    e = rng.normal(0, 2, len(t))
    for i in range(len(t)):  # AR(1) noise: days are not independent
        noise[i] = (0.5 * noise[i - 1] if i else 0.0) + e[i]
    y = 40 + trend * t + weekday + noise + shift * (t >= before)
    return y[:before], y[before:]


def _statsmodels_fit(before, after, maxlags, *, dates=None, weekday=True):
    n_b, n_a = len(before), len(after)
    if dates is None:
        days = np.arange(n_b + n_a, dtype=float)
        weekdays = days.astype(int) % 7
    else:
        first = min(dates)
        days = np.array([(d - first).days for d in dates], dtype=float)
        weekdays = np.array([d.weekday() for d in dates])
    y = np.concatenate([before, after])
    period = np.r_[np.zeros(n_b), np.ones(n_a)]
    cols = [np.ones(n_b + n_a), period, days - days.mean()]
    if weekday:
        for w in sorted(set(weekdays))[1:]:
            cols.append((weekdays == w).astype(float))
    x = np.column_stack(cols)
    return sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})


@pytest.mark.parametrize("seed,before,after", [(1, 28, 28), (2, 21, 35), (3, 60, 30), (4, 14, 14)])
def test_adjusted_estimate_matches_statsmodels_hac(seed, before, after):
    b, a = _series(seed, before, after)
    result = compare_periods(b, a)
    adj = result.adjusted
    assert adj is not None
    assert adj.maxlags == newey_west_maxlags(before + after)
    fit = _statsmodels_fit(b, a, adj.maxlags)
    assert adj.estimate == pytest.approx(fit.params[1], rel=1e-9)
    assert adj.standard_error == pytest.approx(fit.bse[1], rel=1e-9)
    assert adj.p_value == pytest.approx(fit.pvalues[1], rel=1e-7, abs=1e-15)
    low, high = fit.conf_int(alpha=0.05)[1]
    assert adj.ci_low == pytest.approx(low, rel=1e-9)
    assert adj.ci_high == pytest.approx(high, rel=1e-9)
    assert "trend" in adj.terms and any(t.startswith("weekday_") for t in adj.terms)


@pytest.mark.parametrize("maxlags", [0, 1, 5])
def test_hac_for_several_lags(maxlags):
    rng = np.random.default_rng(maxlags)
    x = np.column_stack([np.ones(40), rng.normal(size=40), rng.normal(size=40)])
    y = x @ [1.0, 2.0, -1.0] + rng.normal(size=40)
    beta, cov = ols_hac(x, y, maxlags)
    fit = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
    np.testing.assert_allclose(beta, fit.params, rtol=1e-10)
    np.testing.assert_allclose(cov, fit.cov_params(), rtol=1e-9)


def test_dates_drive_the_weekdays_and_gaps():
    b, a = _series(5, 28, 28)
    start = date(2026, 10, 1)  # a Thursday
    dates = [start + timedelta(days=i) for i in range(56)]
    result = compare_periods(b, a, before_dates=dates[:28], after_dates=dates[28:])
    fit = _statsmodels_fit(b, a, result.adjusted.maxlags, dates=dates)
    assert result.adjusted.estimate == pytest.approx(fit.params[1], rel=1e-9)
    assert result.adjusted.standard_error == pytest.approx(fit.bse[1], rel=1e-9)


def test_headline_is_welch_on_days_and_says_it_is_observational():
    b, a = _series(6, 28, 28)
    result = compare_periods(b, a, alpha=0.1)
    expected = stats.ttest_ind(a, b, equal_var=False)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    ci = expected.confidence_interval(0.9)
    assert (result.ci_low, result.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert result.control_value == pytest.approx(b.mean())
    assert result.pilot_value == pytest.approx(a.mean())
    assert any("observational" in note for note in result.notes)


def test_trend_alone_is_not_mistaken_for_an_effect():
    # a steady climb with no real shift: the naive comparison "finds" a jump, the adjusted one does not
    b, a = _series(7, 28, 28, shift=0.0, trend=0.5)
    result = compare_periods(b, a)
    assert result.p_value < 0.001
    assert result.adjusted.ci_low < 0 < result.adjusted.ci_high


def test_short_periods_fall_back_and_warn():
    few = compare_periods([10, 12, 11], [14, 15, 13])
    assert few.adjusted is not None and "trend" not in few.adjusted.terms
    assert any("week" in w for w in few.warnings)
    nine = compare_periods([10, 12, 11, 13, 12], [14, 15, 13, 16])
    assert nine.adjusted is not None and "trend" in nine.adjusted.terms
    assert not any(t.startswith("weekday_") for t in nine.adjusted.terms)
    tiny = compare_periods([10], [12, 13])
    assert tiny.adjusted is None and tiny.p_value == 1.0
    empty = compare_periods([], [])
    assert empty.difference is None and empty.p_value == 1.0


def test_constant_days_do_not_crash():
    result = compare_periods([5.0] * 10, [5.0] * 10)
    assert result.p_value == 1.0
    assert result.adjusted is not None


def test_impossible_input_names_the_argument():
    with pytest.raises(ValueError, match=r"after_values\[1\]"):
        compare_periods([1, 2, 3], [1, float("nan")])
    with pytest.raises(ValueError, match="before_dates"):
        compare_periods([1, 2, 3], [1, 2], before_dates=[date(2026, 1, 1)], after_dates=[date(2026, 1, 2)] * 2)
    with pytest.raises(ValueError, match="before_dates and after_dates"):
        compare_periods([1, 2], [1, 2], after_dates=[date(2026, 1, 3), date(2026, 1, 4)])
