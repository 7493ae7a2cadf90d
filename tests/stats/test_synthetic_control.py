"""Synthetic control and the market-test reading: weights, recovery, intervals, refusals, withheld verdicts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from lib.stats.market_test import MAX_RELATIVE_RMSE, read_market_test
from lib.stats.synthetic_control import (
    ScaledSeries,
    conformal_stat,
    invert,
    panel_from_rows,
    placebo_factor,
    placebo_spread,
    scaled,
    simplex_weights,
)
from tests.stats.market_panels import day, market_values, panel


def test_panel_sums_duplicate_rows_and_leaves_gaps_empty() -> None:
    rows = [
        ("Oslo", date(2026, 1, 2), 5.0),
        ("Bergen", date(2026, 1, 1), 2.0),
        ("Oslo", date(2026, 1, 1), 1.0),
        ("Oslo", date(2026, 1, 1), 3.0),
    ]
    p = panel_from_rows(rows)
    assert p.markets == ("Bergen", "Oslo")
    assert p.days == (date(2026, 1, 1), date(2026, 1, 2))
    assert p.values[1].tolist() == [4.0, 5.0]
    assert p.values[0, 0] == 2.0 and np.isnan(p.values[0, 1])


def test_panel_refuses_a_value_that_is_not_a_number_naming_market_and_day() -> None:
    with pytest.raises(ValueError, match=r"Oslo on 01 Jan 2026: 'n/a' is not a number"):
        panel_from_rows([("Oslo", date(2026, 1, 1), "n/a")])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="not a finite number"):
        panel_from_rows([("Oslo", date(2026, 1, 1), float("nan"))])


def test_weights_are_non_negative_and_sum_to_one() -> None:
    rng = np.random.default_rng(3)
    controls = rng.lognormal(0.0, 0.3, size=(15, 60))
    target = rng.lognormal(0.0, 0.3, size=60)
    w = simplex_weights(controls, target)
    assert (w >= 0).all()
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


def test_noiseless_mix_of_controls_is_recovered_exactly() -> None:
    values = market_values(8, 60, noise=0.05, seed=5)
    true = np.array([0.5, 0.0, 0.3, 0.0, 0.2, 0.0, 0.0])
    treated = true @ values[1:]
    series = scaled(treated, values[1:], 60)
    w = simplex_weights(series.controls, series.treated)
    # scaled weights: each control's share of the treated level
    expected = true * values[1:].mean(axis=1) / treated.mean()
    np.testing.assert_allclose(w, expected, atol=1e-6)
    assert float(np.abs(series.treated - w @ series.controls).max()) < 1e-6


def test_a_ten_percent_lift_is_read_with_an_interval_that_covers_it() -> None:
    values = market_values(14, 75, seed=1)
    values[:2, 60:] *= 1.10
    reading = read_market_test(panel(values), ["Market 00", "Market 01"], day(60), planned_days=15)
    assert reading.test_days == 15 and reading.pre_days == 60
    assert reading.relative_lift.low < 0.10 < reading.relative_lift.high
    assert reading.relative_lift.low > 0.0
    assert reading.outcome == "effect"
    assert reading.p_value <= reading.look_alpha
    assert sum(w for _, w in reading.weights) == pytest.approx(1.0)
    assert reading.improvement > 0.0 and reading.fit_ok
    assert reading.cumulative[-1] == pytest.approx(reading.incremental.estimate)
    assert reading.cumulative_low[-1] <= reading.cumulative[-1] <= reading.cumulative_high[-1]
    assert len(reading.observed) == len(reading.synthetic) == len(reading.days) == 75


def test_an_early_look_is_held_to_a_stricter_level() -> None:
    values = market_values(14, 75, seed=1)
    early = read_market_test(panel(values), ["Market 00"], day(60), end=day(64), planned_days=15)
    final = read_market_test(panel(values), ["Market 00"], day(60), planned_days=15)
    assert early.test_days == 5
    assert early.look_alpha < final.look_alpha <= 0.05
    assert early.outcome is None  # no effect and still running
    assert final.outcome in ("futile", None)


def test_a_control_with_missing_days_before_the_start_is_left_out_with_the_reason() -> None:
    values = market_values(10, 70, seed=2)
    values[5, [3, 10, 20]] = np.nan
    reading = read_market_test(panel(values), ["Market 00"], day(60))
    assert ("Market 05", "3 of 60 days before the start are missing") in reading.left_out
    assert "Market 05" not in reading.controls


def test_refusals_name_what_is_wrong() -> None:
    p = panel(market_values(6, 40, seed=4))
    with pytest.raises(ValueError, match="Lyon is not a market in the data"):
        read_market_test(p, ["Lyon"], day(30))
    with pytest.raises(ValueError, match="Only 10 days before the start"):
        read_market_test(p, ["Market 00"], day(10))
    gappy = market_values(6, 40, seed=4)
    gappy[0, 12] = np.nan
    with pytest.raises(ValueError, match="Test market Market 00 has no value on 13 Mar 2026"):
        read_market_test(panel(gappy), ["Market 00"], day(30))


def test_poor_fit_withholds_the_verdict_and_names_the_market() -> None:
    values = market_values(10, 70, seed=6)
    rng = np.random.default_rng(9)
    values[0] = values[0].mean() * (1.0 + rng.normal(0.0, 0.4, 70)).clip(0.1)  # wanders on its own
    values[0, 60:] *= 2.0
    reading = read_market_test(panel(values), ["Market 00", "Market 01"], day(60), planned_days=10)
    assert not reading.fit_ok
    assert reading.outcome is None
    assert reading.poorly_tracked == ("Market 00",)
    assert reading.fit_message is not None and "Market 00" in reading.fit_message
    assert reading.relative_rmse > MAX_RELATIVE_RMSE


def test_a_noiseless_lift_is_read_exactly() -> None:
    values = market_values(9, 60, noise=0.05, seed=8)
    treated = 0.6 * values[1] + 0.4 * values[2]
    treated[45:] *= 1.10
    values = np.vstack([treated, values[1:]])
    reading = read_market_test(panel(values), ["Market 00"], day(45), planned_days=15)
    assert reading.relative_lift.estimate == pytest.approx(0.10, abs=1e-6)
    assert reading.pre_rmse == pytest.approx(0.0, abs=1e-6 * treated.mean())
    assert reading.weights[0][0] in ("Market 01", "Market 02")


def test_placebo_markets_are_rarely_called_and_their_intervals_cover_zero() -> None:
    """Small placebo study (the benchmark runs the large one): no effect anywhere, every day looked at."""
    calls = covered = 0
    runs = 24
    rng = np.random.default_rng(4)
    for run in range(runs):
        history = panel(market_values(10, 56, seed=100 + run))
        test = f"Market {int(rng.integers(10)):02d}"
        called = False
        for last in range(42, 56):
            reading = read_market_test(history, [test], day(42), end=day(last), planned_days=14)
            called = called or reading.outcome == "effect"
        calls += called
        covered += reading.relative_lift.low <= 0.0 <= reading.relative_lift.high
    assert calls <= 2  # 5 % of 24 is 1.2; binomial room
    assert covered >= 21  # the final-look interval at 95 %


def test_the_interval_does_not_depend_on_where_the_search_starts() -> None:
    """The estimate from the days before the start can sit outside the accepted effects (found by the benchmark)."""
    values = market_values(12, 70, seed=13)
    values[0, 55:] *= 1.08
    series = scaled(values[0], values[1:], 55)
    bound = 1.96
    near = invert(series, 55, bound, 0.08, 0.01)
    for centre in (-0.5, 0.9, 3.0):
        far = invert(series, 55, bound, centre, 0.01)
        assert far == pytest.approx(near, abs=1e-4)
    assert near[0] < 0.08 < near[1]


def test_fake_starts_widen_the_scale_only_when_they_run_wide() -> None:
    values = market_values(10, 80, seed=17)
    steady = scaled(values[0], values[1:], 70)
    assert placebo_factor(steady, 70, 10) >= 1.0
    assert placebo_factor(steady, 30, 10) == 1.0  # no room for a fake start: 28 fit days + 10
    drifting = values.copy()
    drifting[0] *= 1.0 + 0.4 * np.sin(np.arange(80) / 10.0) ** 2  # wanders away from every control and back
    assert placebo_factor(scaled(drifting[0], drifting[1:], 70), 70, 10) > 1.3


def test_the_placebo_scale_counts_non_overlapping_weeks_and_allows_for_few_fake_starts() -> None:
    residuals = np.random.default_rng(3).normal(0.0, 1.0, 84)
    spread, df = placebo_spread(residuals, 15)
    assert spread is not None and spread > 0
    assert df == pytest.approx(84 / 7 - 1)  # 12 weeks, not 1.5 times as many overlapping ones
    assert placebo_spread(residuals, 3)[1] == pytest.approx(84 / 3 - 1)
    values = market_values(10, 80, seed=17)
    drifting = values.copy()
    drifting[0] *= 1.0 + 0.4 * np.sin(np.arange(80) / 10.0) ** 2
    series = scaled(drifting[0], drifting[1:], 70)
    ratios = [
        conformal_stat(ScaledSeries(series.treated[: f + 10], series.controls[:, : f + 10], 1.0), f, 0.0).ratio
        for f in range(28, 61, 5)
    ]
    independent = len(ratios) * 5 / 10  # fake periods of 10 days, 5 days apart
    expected = np.sqrt(np.mean(np.square(ratios)) * (1 + 1 / independent))
    assert placebo_factor(series, 70, 10) == pytest.approx(max(1.0, expected))
