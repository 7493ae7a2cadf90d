"""A before/after series' days: plain dates pass on the fast check, anything else is checked one by one."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from lib.stats import stats_messages
from lib.stats.daily_series import _series

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
