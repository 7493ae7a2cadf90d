"""The market picker: ranked designs, check mode, honest power on past windows, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from lib.stats.market_picker import TARGET_POWER, pick_markets
from lib.stats.market_power import estimate_power, predicted_power, window_origins
from tests.stats.market_panels import market_values, panel


@pytest.fixture(scope="module")
def history():
    return panel(market_values(12, 70, seed=21))


def test_check_mode_assesses_only_the_named_set_for_each_length(history) -> None:
    designs = pick_markets(
        history, effect=0.10, days=[7, 14], test_markets=["Market 03", "Market 07"], cost_per_extra=4.0
    )
    assert [(d.test_markets, d.days) for d in designs] in (
        [(("Market 03", "Market 07"), 7), (("Market 03", "Market 07"), 14)],
        [(("Market 03", "Market 07"), 14), (("Market 03", "Market 07"), 7)],
    )
    assert [d.rank for d in designs] == [1, 2]
    for d in designs:
        assert d.budget == pytest.approx(4.0 * d.expected_extra)
        assert d.expected_extra == pytest.approx(0.10 * d.days * history.values[[3, 7]].sum(axis=0).mean())
        assert 0.0 < d.kpi_share < 1.0 and d.windows >= 8


def test_search_ranks_powered_designs_first_and_keeps_to_the_sizes(history) -> None:
    designs = pick_markets(history, effect=0.15, days=[10], sizes=(1, 2), top=6)
    assert len(designs) == 6 and [d.rank for d in designs] == list(range(1, 7))
    assert {len(d.test_markets) for d in designs} <= {1, 2}
    powered = [d.power >= TARGET_POWER for d in designs]
    assert powered == sorted(powered, reverse=True)
    assert len({d.test_markets for d in designs}) == 6


def test_power_grows_with_the_effect_and_the_detectable_lift_sits_between(history) -> None:
    treated = history.values[2]
    controls = np.delete(history.values, 2, axis=0)
    small = estimate_power(treated, controls, 10, 0.005, markets=1)
    large = estimate_power(treated, controls, 10, 0.30, markets=1)
    assert small.detected_share <= 0.25 and large.detected_share == 1.0
    assert small.power <= 0.25 and 0.99 < large.power < 1.0  # a prediction for a later window is never certain
    assert 0.005 < large.mde < 0.30 and large.mde == small.mde  # the detectable lift does not depend on the plan
    assert small.null_lift_rmse < 0.05


def test_windows_leave_the_fit_at_least_half_the_history() -> None:
    assert window_origins(90, 15) == sorted(set(window_origins(90, 15)))
    assert min(window_origins(90, 15)) == 45 and max(window_origins(90, 15)) == 75
    assert window_origins(40, 15) == []


def test_refusals(history) -> None:
    with pytest.raises(ValueError, match="Lyon is not a market in the data"):
        pick_markets(history, effect=0.1, days=[7], test_markets=["Lyon"])
    with pytest.raises(ValueError, match="a 40-day test needs at least 80 days of history"):
        pick_markets(history, effect=0.1, days=[40])
    with pytest.raises(ValueError, match="positive lift"):
        pick_markets(history, effect=0.0, days=[7])
    gappy = market_values(12, 70, seed=21)
    gappy[4, 10] = np.nan
    with pytest.raises(ValueError, match="Test market Market 04 cannot be checked: 1 of 70 days are missing"):
        pick_markets(panel(gappy), effect=0.1, days=[7], test_markets=["Market 04"])


def test_stated_power_is_a_prediction_pulled_in_from_the_extremes_of_few_overlapping_windows() -> None:
    # 16 windows that all caught +5 %, their detectable lifts 3-4 %: as if 3 independent windows
    thresholds = list(np.linspace(0.03, 0.04, 16))
    stated = predicted_power(thresholds, 0.05, 3.0, fallback=1.0)
    assert 0.6 < stated < 0.95  # all 16 past windows detected it, but a later window may not
    more = predicted_power(thresholds, 0.05, 8.0, fallback=1.0)
    assert stated < more  # more independent windows: a firmer statement
    assert predicted_power(thresholds, 0.20, 3.0, fallback=1.0) > 0.99  # far beyond every window's reach
    low = predicted_power(thresholds, 0.025, 3.0, fallback=0.0)
    assert 0.05 < low < 0.5  # no past window caught +2.5 %, yet a later one might
    assert predicted_power(thresholds, 0.035, 3.0, fallback=0.5) == pytest.approx(0.5)  # at the mean: even odds
    assert predicted_power([0.03, float("inf")], 0.05, 3.0, fallback=0.5) == 0.5  # a window that could call nothing
