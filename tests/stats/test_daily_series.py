"""A before/after series' days: plain dates pass on the fast check, anything else is checked one by one."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from lib.stats import stats_messages
from lib.stats.daily_series import DUPLICATE_DAYS, _series

DAYS = [date(2026, 3, 2) + timedelta(days=i) for i in range(5)]


def test_plain_dates_and_datetimes_give_the_same_series():
    as_dates = _series(DAYS, [1.0, 2.0, 3.0, 4.0, 5.0], [], [])
    as_datetimes = _series([datetime(d.year, d.month, d.day) for d in DAYS], [1.0, 2.0, 3.0, 4.0, 5.0], [], [])
    assert as_dates.day_numbers.tolist() == as_datetimes.day_numbers.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert as_dates.weekdays.tolist() == [d.weekday() for d in DAYS]


def test_a_value_that_is_not_a_date_is_refused_by_name():
    with pytest.raises(ValueError) as refused:
        _series([*DAYS[:4], "2026-03-06"], [1.0, 2.0, 3.0, 4.0, 5.0], [], [])
    assert str(refused.value) == stats_messages.NOT_DATES.format(name="before_days")


def test_series_on_the_same_days_share_one_read_only_calendar():
    first = _series(DAYS[:3], [1.0, 2.0, 3.0], DAYS[3:], [4.0, 5.0])
    second = _series(DAYS[:3], [9.0, 8.0, 7.0], DAYS[3:], [6.0, 5.0])
    assert first.calendar is second.calendar
    assert first.y.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0] and second.y.tolist() == [9.0, 8.0, 7.0, 6.0, 5.0]
    assert first.post.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    with pytest.raises(ValueError):
        first.day_numbers[0] = 5.0
    # the same days split differently are another calendar
    assert _series(DAYS[:2], [1.0, 2.0], DAYS[2:], [3.0, 4.0, 5.0]).post.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]


def test_days_out_of_order_are_sorted_with_their_values_and_a_repeat_is_named_as_given():
    shuffled = _series([DAYS[2], DAYS[0], DAYS[1]], [3.0, 1.0, 2.0], [DAYS[4], DAYS[3]], [5.0, 4.0])
    assert shuffled.days == tuple(DAYS)
    assert shuffled.y.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert shuffled.post.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    twice = datetime(2026, 3, 3)
    with pytest.raises(ValueError) as refused:
        _series([DAYS[2], twice, DAYS[0]], [1.0, 2.0, 3.0], [DAYS[1]], [4.0])
    assert str(refused.value) == DUPLICATE_DAYS.format(day=twice.isoformat())
