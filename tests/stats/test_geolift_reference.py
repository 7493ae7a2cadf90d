"""Our synthetic control against a published one: GeoLift's walkthrough (chicago + portland, days 91-105).

Data: tests/fixtures/geolift (MIT, source and published figures in its README). GeoLift fits with unit
fixed effects (its default), which is our "shifted" fit; its p-value uses a different statistic (the sum of
absolute residuals, shuffled days), reproduced here as a test-only oracle.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from lib.stats.market_test import read_market_test
from lib.stats.synthetic_control import panel_from_rows, scaled, simplex_weights

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "geolift" / "GeoLift_Test.csv"
START = date(2021, 4, 1)  # time-stamp 91
PUBLISHED_WEIGHTS = {
    "cincinnati": 0.2272,
    "miami": 0.2028,
    "baton rouge": 0.1335,
    "minneapolis": 0.09,
    "dallas": 0.0739,
    "nashville": 0.0685,
    "honolulu": 0.0673,
    "austin": 0.0465,
    "san diego": 0.0451,
    "reno": 0.0306,
}


@pytest.fixture(scope="module")
def geolift():
    with FIXTURE.open() as f:
        return panel_from_rows((r["location"], date.fromisoformat(r["date"]), float(r["Y"])) for r in csv.DictReader(f))


def test_the_data_are_the_published_ones(geolift) -> None:
    assert len(geolift.markets) == 40 and len(geolift.days) == 105
    assert geolift.days[90] == START and not np.isnan(geolift.values).any()


def test_lift_incremental_and_att_match_the_walkthrough(geolift) -> None:
    reading = read_market_test(geolift, ["chicago", "portland"], START, planned_days=15, fit="shifted")
    assert reading.test_days == 15 and reading.pre_days == 90
    assert round(reading.relative_lift.estimate * 100, 1) == 5.4
    assert reading.incremental.estimate == pytest.approx(4667, abs=1.0)
    assert reading.per_market_per_day.estimate == pytest.approx(155.556, abs=0.01)
    ours = dict(reading.weights)
    for market, weight in PUBLISHED_WEIGHTS.items():
        assert ours[market] == pytest.approx(weight, abs=6e-4), market
    assert reading.improvement > 0.6  # published: 83.64 % on its own (L2) scale


def test_the_published_p_value_follows_from_our_residuals_with_its_statistic(geolift) -> None:
    """GeoLift's two-sided "Total" test: sum of |residuals| after the start, days shuffled, refit under no effect."""
    tests = [geolift.index("chicago"), geolift.index("portland")]
    others = [i for i in range(40) if i not in tests]
    series = scaled(geolift.values[tests].sum(axis=0), geolift.values[others], 90, markets=2, shift=True)
    w = simplex_weights(series.controls, series.treated)
    residuals = series.treated - w @ series.controls
    observed = np.abs(residuals[90:]).sum()
    rng = np.random.default_rng(0)
    shuffled = np.array([np.abs(rng.permutation(residuals)[90:]).sum() for _ in range(2000)])
    assert 0.005 <= float(np.mean(shuffled >= observed)) <= 0.02  # published: 0.01


def test_our_daily_look_reading_is_more_careful_than_a_single_look(geolift) -> None:
    """Our test is of a shift in level, one-sided, with the daily-look boundary: 5 % is not called at day 15."""
    reading = read_market_test(geolift, ["chicago", "portland"], START, planned_days=15)
    assert reading.fit_ok and reading.relative_rmse < 0.05
    assert 0.05 < reading.relative_lift.estimate < 0.065
    assert reading.relative_lift.low < 0.0 < reading.relative_lift.high
    assert reading.p_value > reading.look_alpha and reading.outcome == "futile"
