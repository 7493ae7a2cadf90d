"""One sufficient statistic per metric kind (lib.stats.statistics): sums add up like the raw values they stand for."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from lib.specs import Observation
from lib.stats import stats_messages
from lib.stats.statistics import CountStat, MeanStat, RateStat, added, for_kind, from_observation

RNG = np.random.default_rng(5)


def test_rates_add_up_and_read_as_the_pooled_rate():
    days = [RateStat(200, 14), RateStat(180, 9), RateStat(0, 0)]
    whole = sum(days)
    assert whole == RateStat(380, 23) and whole.total == 23
    assert whole.mean == pytest.approx(23 / 380)
    assert whole.variance == pytest.approx(23 / 380 * (1 - 23 / 380))
    assert RateStat().mean == 0.0


def test_mean_sums_match_numpy_and_survive_being_split_into_days():
    values = RNG.lognormal(3, 1, 500)
    whole = MeanStat.from_values(values)
    days = sum(MeanStat.from_values(part) for part in np.array_split(values, 9))
    assert isinstance(days, MeanStat)
    for stat in (whole, days):
        assert stat.mean == pytest.approx(values.mean(), rel=1e-12)
        assert stat.sd == pytest.approx(values.std(ddof=1), rel=1e-10)
    with pytest.raises(ValueError, match=r"values\[1\]"):
        MeanStat.from_values([1.0, float("nan")])


def test_from_summary_is_what_people_type_and_reads_back_the_same():
    stat = MeanStat.from_summary(40, 62.5, 18.0)
    assert (stat.n, stat.mean, stat.sd) == pytest.approx((40, 62.5, 18.0))
    assert MeanStat.from_summary(0, 5.0, 1.0) == MeanStat(0, 0.0, 0.0)


def test_a_part_without_squares_or_cubes_leaves_the_sum_without_them():
    full = MeanStat.from_values([1.0, 2.0, 4.0])
    manual = MeanStat(3, 9.0, 29.0)  # no cubes
    assert (full + manual).total_cu is None and (full + manual).total_sq == full.total_sq + 29.0
    unknown = full + MeanStat(2, 5.0)
    assert unknown.total_sq is None
    with pytest.raises(ValueError, match="sum of squares"):
        _ = unknown.variance


def test_counts_read_per_unit_and_per_day_once_days_are_added():
    days = [CountStat(1, 12.0), CountStat(1, 20.0), CountStat(1, 7.0)]
    week = sum(days)
    assert week == CountStat(3, 39.0) and week.mean == 13.0
    with pytest.raises(ValueError, match="sum of squares"):
        _ = week.variance
    assert CountStat(3, 39.0, 12.0**2 + 20.0**2 + 7.0**2).variance == pytest.approx(np.var([12, 20, 7], ddof=1))


def test_impossible_sums_are_named_not_judged():
    assert MeanStat(3, 30.0, 10.0).sums_problem() == stats_messages.SUM_OF_SQUARES_TOO_SMALL
    assert MeanStat(0, 1.0, 0.0).sums_problem() == stats_messages.SUMS_WITHOUT_UNITS
    assert "total_of_squares" in (MeanStat(3, 3.0, -1.0).sums_problem() or "")
    assert "total" in (MeanStat(3, float("inf"), 1.0).sums_problem() or "")
    assert MeanStat(3, 0.3, 0.03 - 1e-18).sums_problem() is None  # rounding, not a contradiction
    assert MeanStat(3, 9.0).sums_problem() is None  # no squares: nothing to contradict


def test_the_kind_picks_the_type_and_kinds_do_not_mix():
    logged = Observation(date(2026, 11, 2), "pilot", "order_value", 12, 720.0, 48_000.0, 3.5e6)
    assert from_observation(logged, "mean") == MeanStat(12, 720.0, 48_000.0, 3.5e6)
    assert from_observation(logged, "proportion") == RateStat(12, 720.0)
    assert from_observation(logged, "count") == CountStat(12, 720.0, 48_000.0)
    assert added(for_kind("proportion", 10, 1), for_kind("proportion", 5, 2)) == RateStat(15, 3)
    with pytest.raises(TypeError, match="cannot add"):
        added(RateStat(10, 1), CountStat(1, 5.0))
    with pytest.raises(TypeError):
        RateStat(10, 1) + MeanStat(1, 5.0)  # type: ignore[operator]
    with pytest.raises(ValueError, match="kind"):
        for_kind("ratio", 1, 1)
