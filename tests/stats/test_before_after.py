"""Segmented regression with AR(1) errors: statsmodels as the oracle, coverage by simulation."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta
from functools import cache

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import signal
from statsmodels.regression.linear_model import GLSAR
from statsmodels.tsa.arima.model import ARIMA

from lib.stats import stats_messages as messages
from lib.stats.before_after import CounterfactualDay, StepFit, counterfactual, fit_step
from lib.stats.distributions import t_ppf
from lib.stats.placebo import PlaceboCheck, placebo_check

START = date(2026, 3, 2)  # a Monday
WEEKDAY_PATTERN = np.array([0.0, 1.0, 2.0, 1.0, 3.0, -6.0, -8.0])
LEVEL, TREND, STEP, SD = 100.0, 0.4, 5.0, 4.0


@cache
def _days(n: int, start: date = START) -> tuple[date, ...]:
    return tuple(start + timedelta(days=i) for i in range(n))


def _ar1(rng: np.random.Generator, phi: float, n: int, sd: float) -> np.ndarray:
    """Stationary AR(1) noise: the first day drawn from the stationary distribution."""
    e = rng.normal(0.0, sd, n)
    e[0] /= math.sqrt(1.0 - phi * phi)
    return signal.lfilter([1.0], [1.0, -phi], e)


def _truth(n: int, n_before: int, *, step: float = STEP, trend: float = TREND) -> np.ndarray:
    t = np.arange(n)
    weekday = WEEKDAY_PATTERN[(t + START.weekday()) % 7]
    return LEVEL + trend * t + weekday + step * (t >= n_before)


def _simulate(rng, phi, n_before, n_after, *, step=STEP, trend=TREND, sd=SD):
    n = n_before + n_after
    y = _truth(n, n_before, step=step, trend=trend) + _ar1(rng, phi, n, sd)
    days = _days(n)
    return list(days[:n_before]), y[:n_before], list(days[n_before:]), y[n_before:]


def _design(days, post) -> np.ndarray:
    """The model's design built independently: intercept, step, centred trend, weekday dummies."""
    first = min(days)
    t = np.array([(d - first).days for d in days], dtype=float)
    weekday = np.array([d.weekday() for d in days])
    columns = [np.ones(len(days)), np.asarray(post, dtype=float), t - t.mean()]
    columns += [(weekday == w).astype(float) for w in sorted(set(weekday.tolist()))[1:]]
    return np.column_stack(columns)


def _stacked(before_days, before_values, after_days, after_values):
    days = list(before_days) + list(after_days)
    y = np.r_[before_values, after_values]
    post = np.r_[np.zeros(len(before_values)), np.ones(len(after_values))]
    return days, y, post


# --- statsmodels as the oracle ---------------------------------------------------


@pytest.mark.parametrize(
    "seed,phi,n_before,n_after",
    [(1, 0.0, 28, 7), (2, 0.3, 28, 14), (3, 0.6, 28, 28), (4, 0.5, 60, 30), (5, -0.2, 21, 21)],
)
def test_matches_statsmodels_glsar(seed, phi, n_before, n_after):
    data = _simulate(np.random.default_rng(seed), phi, n_before, n_after)
    fit = fit_step(*data)
    days, y, post = _stacked(*data)
    x = _design(days, post)
    assert len(fit.terms) == x.shape[1] and fit.terms[:3] == ("intercept", "pilot_period", "trend")

    iterated = GLSAR(y, x, rho=1)
    iterated.iterative_fit(maxiter=200, rtol=1e-13)
    assert fit.phi_raw == pytest.approx(float(iterated.rho[0]), abs=1e-6)

    at_phi = GLSAR(y, x, rho=fit.phi).fit()  # the same phi: GLS must agree to rounding
    assert fit.estimate == pytest.approx(at_phi.params[1], rel=1e-9, abs=1e-12)
    assert fit.standard_error_known_phi == pytest.approx(at_phi.bse[1], rel=1e-9)
    assert fit.df == at_phi.df_resid == len(y) - x.shape[1] - 1


@pytest.mark.parametrize("seed,phi", [(11, 0.0), (12, 0.4), (13, 0.7)])
def test_standard_error_averages_glsar_over_phi_uncertainty(seed, phi):
    data = _simulate(np.random.default_rng(seed), phi, 28, 14)
    fit = fit_step(*data)
    days, y, post = _stacked(*data)
    x = _design(days, post)
    weights = np.array([2.0, 0.5, 0.5]) / 3.0
    nodes = np.clip(fit.phi + np.array([0.0, math.sqrt(3.0), -math.sqrt(3.0)]) * fit.phi_sd, -0.95, 0.95)
    fits = [GLSAR(y, x, rho=float(node)).fit() for node in nodes]
    steps = np.array([f.params[1] for f in fits])
    variances = np.array([f.cov_params()[1, 1] for f in fits])
    averaged = weights @ (variances + (steps - weights @ steps) ** 2)
    assert fit.standard_error == pytest.approx(math.sqrt(max(averaged, variances[0])), rel=1e-8)
    assert fit.standard_error >= fit.standard_error_known_phi
    assert fit.t_stat == pytest.approx(fit.estimate / fit.standard_error)


def test_gaps_use_phi_to_the_gap_and_match_weighted_least_squares():
    rng = np.random.default_rng(21)
    before_days, before, after_days, after = _simulate(rng, 0.5, 35, 21)
    keep_before = np.ones(35, bool)
    keep_before[[4, 9, 10, 20]] = False  # a one-day and a two-day gap, among others
    keep_after = np.ones(21, bool)
    keep_after[[3, 12]] = False
    data = (
        [d for d, k in zip(before_days, keep_before, strict=True) if k],
        before[keep_before],
        [d for d, k in zip(after_days, keep_after, strict=True) if k],
        after[keep_after],
    )
    fit = fit_step(*data)
    assert (fit.n_before, fit.n_after) == (31, 19)
    days, y, post = _stacked(*data)
    x = _design(days, post)
    # Cochrane-Orcutt over gaps: z_t - phi**g z_{t-1}, innovation variance (1 - phi**2g) / (1 - phi**2)
    gap = np.diff([d.toordinal() for d in days])
    lag = fit.phi**gap
    yq, xq = y[1:] - lag * y[:-1], x[1:] - lag[:, None] * x[:-1]
    oracle = sm.WLS(yq, xq, weights=(1 - fit.phi**2) / (1 - lag**2)).fit()
    assert fit.estimate == pytest.approx(oracle.params[1], rel=1e-9)
    assert fit.standard_error_known_phi == pytest.approx(oracle.bse[1], rel=1e-9)
    assert fit.df == oracle.df_resid
    assert abs(fit.estimate - STEP) < 3 * fit.standard_error


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("seed,phi", [(31, 0.3), (32, 0.6)])
def test_close_to_the_arima_maximum_likelihood_fit(seed, phi):
    data = _simulate(np.random.default_rng(seed), phi, 28, 28)
    fit = fit_step(*data)
    days, y, post = _stacked(*data)
    mle = ARIMA(y, exog=_design(days, post)[:, 1:], order=(1, 0, 0), trend="c").fit()
    assert abs(fit.estimate - mle.params[1]) < 0.5 * fit.standard_error
    assert abs(fit.phi_raw - mle.params[-2]) < 0.1


# --- coverage ---------------------------------------------------------------------

COVERAGE_REPS = 400
#: measured with 2,000 series per cell (module docstring); 400 here keeps the file fast
COVERAGE_FLOOR = 0.88


def _ols_covers(data) -> bool:
    days, y, post = _stacked(*data)
    x = _design(days, post)
    ols = sm.OLS(y, x).fit()
    low, high = ols.conf_int(0.05)[1]
    return bool(low <= STEP <= high)


def test_interval_covers_the_true_step_with_autocorrelation_trend_and_weekdays():
    rng = np.random.default_rng(2026)
    table = {}
    for phi in (0.0, 0.3, 0.6):
        for n_after in (7, 14, 28):
            hits = ols_hits = 0
            for _ in range(COVERAGE_REPS):
                data = _simulate(rng, phi, 28, n_after)
                low, high = fit_step(*data).interval(0.95)
                hits += low <= STEP <= high
                if phi == 0.6:
                    ols_hits += _ols_covers(data)
            table[phi, n_after] = (hits / COVERAGE_REPS, ols_hits / COVERAGE_REPS if phi == 0.6 else None)
    print(f"\ncoverage of the 95% interval, {COVERAGE_REPS} series per cell (28 baseline days)")
    print("phi  pilot days  fit_step  OLS iid")
    for (phi, n_after), (cover, ols) in table.items():
        print(f"{phi:.1f}  {n_after:10d}  {cover:8.3f}  {'' if ols is None else f'{ols:7.3f}'}")
    for (phi, n_after), (cover, ols) in table.items():
        assert cover >= COVERAGE_FLOOR, (phi, n_after, cover)
        if ols is not None:  # the same check fails a model that ignores the autocorrelation
            assert ols < COVERAGE_FLOOR, (phi, n_after, ols)


def test_interval_and_p_value_agree():
    fit = fit_step(*_simulate(np.random.default_rng(41), 0.3, 28, 14))
    low, high = fit.interval(0.90)
    assert fit.p_greater(low) == pytest.approx(0.05, abs=1e-9)
    assert fit.p_greater(high) == pytest.approx(0.95, abs=1e-9)
    assert high - fit.estimate == pytest.approx(t_ppf(0.95, fit.df) * fit.standard_error)
    assert fit.p_greater() < fit.p_greater(fit.estimate) == pytest.approx(0.5)


# --- counterfactual -----------------------------------------------------------------


def test_counterfactual_sits_a_step_below_the_pilot_days():
    data = _simulate(np.random.default_rng(51), 0.3, 28, 21, step=10.0, sd=1.0)
    fit = fit_step(*data, counterfactual_level=0.95)
    band = fit.counterfactual
    assert fit.estimate == pytest.approx(fit_step(*data).estimate)
    assert band == counterfactual(*data, level=0.95)
    assert tuple(d.day for d in band) == _days(49) and all(isinstance(d, CounterfactualDay) for d in band)
    assert sum(d.in_pilot for d in band) == 21 and not any(d.in_pilot for d in band[:28])
    assert [d.observed for d in band] == pytest.approx(np.r_[data[1], data[3]].tolist())
    assert all(d.low <= d.expected <= d.high for d in band)
    gap = np.mean([d.observed - d.expected for d in band if d.in_pilot])
    assert gap == pytest.approx(10.0, abs=1.0)
    assert all(type(v) is float for d in band for v in (d.observed, d.expected, d.low, d.high))


def test_counterfactual_band_contains_the_true_line_on_most_days():
    rng = np.random.default_rng(52)
    inside = []
    for _ in range(60):
        data = _simulate(rng, 0.4, 28, 14)
        truth = _truth(42, 28, step=0.0)  # the mean without the pilot
        band = fit_step(*data, counterfactual_level=0.95).counterfactual
        inside += [d.low <= m <= d.high for d, m in zip(band, truth, strict=True)]
    assert np.mean(inside) >= 0.85


def test_counterfactual_with_too_few_days_is_empty():
    assert counterfactual(list(_days(4)[:2]), [1.0, 2.0], list(_days(4)[2:]), [3.0, 4.0]) == ()


# --- placebo start dates --------------------------------------------------------------


def test_placebos_find_no_jump_as_large_as_a_big_real_step():
    before_days, before, after_days, after = _simulate(np.random.default_rng(61), 0.3, 42, 14, step=30.0)
    fit = fit_step(before_days, before, after_days, after)
    check = placebo_check(before_days, before, fit.t_stat)
    assert isinstance(check, PlaceboCheck)
    assert check.count == 20 and check.as_large == 0
    assert all(type(t) is float for t in check.t_stats)


def test_without_a_step_the_real_jump_is_not_extreme_among_placebos():
    rng = np.random.default_rng(62)
    most_extreme, shares = 0, []
    for _ in range(40):
        before_days, before, after_days, after = _simulate(rng, 0.3, 35, 14, step=0.0)
        fit = fit_step(before_days, before, after_days, after)
        check = placebo_check(before_days, before, fit.t_stat)
        assert check.count == 20
        most_extreme += check.as_large == 0
        shares.append(check.as_large / check.count)
    assert most_extreme / 40 <= 0.2
    assert np.mean(shares) >= 0.3


def test_placebo_dates_need_room_in_the_baseline():
    rng = np.random.default_rng(63)
    before_days, before, _, _ = _simulate(rng, 0.3, 28, 7)
    assert placebo_check(before_days, before, 2.0).count == 15  # 28 - 2 * 7 + 1 possible starts
    assert placebo_check(before_days[:16], before[:16], 2.0).count == 3
    for n in (15, 8, 2, 0):
        check = placebo_check(before_days[:n], before[:n], 2.0)
        assert check == PlaceboCheck((), 0) and check.count == 0
    assert placebo_check(before_days, before, math.inf).as_large == 0
    assert placebo_check(before_days, before, 0.0).as_large == 15
    with pytest.raises(ValueError, match="real_t"):
        placebo_check(before_days, before, float("nan"))


# --- degenerate and impossible input ---------------------------------------------------


def test_too_few_days_give_none_and_short_series_fall_back():
    days = list(_days(40))
    assert fit_step(days[:2], [1.0, 2.0], days[2:6], [3.0, 4.0, 5.0, 6.0]) is None
    assert fit_step(days[:5], [1.0, 2.0, 1.0, 2.0, 1.0], days[5:7], [3.0, 4.0]) is None
    assert fit_step([], [], [], []) is None
    level = fit_step(days[:3], [10.0, 12.0, 11.0], days[3:6], [14.0, 15.0, 13.0])
    assert level.terms == ("intercept", "pilot_period") and level.notes == (messages.ADJUSTED_NO_TREND,)
    assert level.df == 3
    trend = fit_step(days[:7], [10.0, 12, 11, 13, 12, 14, 13], days[7:12], [16.0, 15, 17, 18, 16])
    assert trend.terms == ("intercept", "pilot_period", "trend") and trend.notes == (messages.ADJUSTED_NO_WEEKDAY,)
    full = fit_step(*_simulate(np.random.default_rng(71), 0.3, 28, 7))
    assert full.notes == () and len(full.terms) == 9


def test_constant_and_perfect_series_are_defined():
    days = list(_days(40))
    flat = fit_step(days[:28], [5.0] * 28, days[28:], [5.0] * 12, counterfactual_level=0.9)
    assert (flat.estimate, flat.standard_error, flat.t_stat, flat.phi) == (0.0, 0.0, 0.0, 0.0)
    assert flat.interval(0.95) == (0.0, 0.0) and flat.p_greater() == 1.0
    assert all(d.low == d.expected == d.high == pytest.approx(5.0) for d in flat.counterfactual)
    clean = fit_step(days[:28], [5.0] * 28, days[28:], [7.0] * 12)
    assert clean.estimate == pytest.approx(2.0) and clean.standard_error == 0.0 and clean.t_stat == math.inf
    assert clean.p_greater(1.0) == 0.0 and clean.p_greater(3.0) == 1.0
    assert placebo_check(days[:28], [5.0] * 28, clean.t_stat) == PlaceboCheck((0.0,) * 15, 0)


def test_gappy_and_unordered_days():
    rng = np.random.default_rng(81)
    before_days, before, after_days, after = _simulate(rng, 0.4, 28, 14)
    order = rng.permutation(28)
    shuffled = fit_step([before_days[i] for i in order], before[order], after_days[::-1], after[::-1])
    assert shuffled == fit_step(before_days, before, after_days, after)
    every_other = fit_step(before_days[::2], before[::2], after_days[::2], after[::2])  # no one-day pairs
    assert every_other is not None and every_other.phi_raw == 0.0
    assert math.isfinite(every_other.standard_error) and every_other.standard_error > 0


def test_results_are_plain_frozen_floats():
    fit = fit_step(*_simulate(np.random.default_rng(91), 0.3, 28, 14))
    assert isinstance(fit, StepFit)
    for name in ("estimate", "standard_error", "df", "t_stat", "phi", "phi_raw", "phi_sd", "standard_error_known_phi"):
        assert type(getattr(fit, name)) is float, name
    assert type(fit.n_before) is int and type(fit.n_after) is int
    assert all(type(v) is float for v in fit.interval(0.95)) and type(fit.p_greater(1.0)) is float
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.estimate = 0.0  # type: ignore[misc]


def test_impossible_input_names_the_argument():
    days = list(_days(20))
    with pytest.raises(ValueError, match=r"after_values\[1\]"):
        fit_step(days[:10], [1.0] * 10, days[10:], [1.0, float("nan")] + [1.0] * 8)
    with pytest.raises(ValueError, match="before_days"):
        fit_step(days[:9], [1.0] * 10, days[10:], [1.0] * 10)
    with pytest.raises(ValueError, match="after_days must hold dates"):
        fit_step(days[:10], [1.0] * 10, list(range(10)), [1.0] * 10)
    with pytest.raises(ValueError, match="repeat a day"):
        fit_step(days[:10], [1.0] * 10, days[9:19], [1.0] * 10)
    with pytest.raises(ValueError, match="level"):
        fit_step(days[:10], [1.0] * 10, days[10:], [2.0] * 10).interval(1.0)


def test_random_shapes_never_raise_and_stay_finite():
    rng = np.random.default_rng(111)
    for case in range(150):
        n = int(rng.integers(0, 70))
        offsets = np.sort(rng.choice(n + 20, size=n, replace=False))
        days = [START + timedelta(days=int(o)) for o in offsets]
        y = [
            rng.normal(size=n),
            np.full(n, 3.0),
            rng.integers(0, 3, n).astype(float),
            np.cumsum(rng.normal(size=n)) * 1e6,
            1e9 + 1e-8 * rng.normal(size=n),
        ][case % 5]
        cut = int(rng.integers(0, n + 1))
        fit = fit_step(days[:cut], y[:cut], days[cut:], y[cut:], counterfactual_level=0.9)
        if fit is None:
            continue
        numbers = [fit.estimate, fit.standard_error, fit.phi, fit.phi_raw, *fit.interval(0.95), fit.p_greater()]
        numbers += [v for d in fit.counterfactual for v in (d.expected, d.low, d.high)]
        assert all(math.isfinite(v) for v in numbers), case
        assert -0.95 <= fit.phi <= 0.95 and not math.isnan(fit.t_stat)
        if case % 10 == 0:
            check = placebo_check(days[:cut], y[:cut], fit.t_stat)
            assert 0 <= check.as_large <= check.count
