"""A before/after pilot's days as one series: checked, ordered, with the pilot period marked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from lib.stats import stats_messages, validation

DUPLICATE_DAYS = "before_days and after_days must not repeat a day; {day} appears twice."


@dataclass(frozen=True, eq=False)
class _Calendar:
    """What a series' days alone decide: their date order, numbering, weekdays and pilot-period marks.

    Kept per days (:func:`_calendar`): every criterion of a before/after pilot, and every pilot on
    the same dates, reads the same calendar. Its arrays are read-only.
    """

    order: np.ndarray | None  # positions of the given days in date order; None when given in order
    repeated: int | None  # position, in date order, of a day given twice (the series refuses it)
    day_numbers: np.ndarray  # days since the first, float
    weekdays: np.ndarray
    post: np.ndarray  # 1.0 in the pilot period


@dataclass(frozen=True)
class _Series:
    """Logged days in date order, as the model needs them."""

    days: tuple[date, ...]
    day_numbers: np.ndarray  # days since the first, float
    weekdays: np.ndarray
    y: np.ndarray
    post: np.ndarray  # 1.0 in the pilot period
    calendar: _Calendar | None = None  # what the days alone decide, shared with other series on these days


def _ordinals(name: str, days: Sequence[date], values_name: str, n: int) -> list[int]:
    if len(days) != n:
        raise ValueError(stats_messages.DATES_LENGTH.format(name=name, values=values_name))
    # plain dates (what the engine passes) are checked in one pass over their types; anything else one by one
    if not set(map(type, days)) <= {date} and not all(isinstance(d, date) for d in days):
        raise ValueError(stats_messages.NOT_DATES.format(name=name))
    return list(map(date.toordinal, days))


@lru_cache(maxsize=256)
def _calendar(ordinals: tuple[int, ...], n_before: int) -> _Calendar:
    """The calendar of these day ordinals, the first ``n_before`` of them the baseline's."""
    numbers = np.array(ordinals, dtype=np.int64)
    post = np.zeros(len(numbers))
    post[n_before:] = 1.0
    order: np.ndarray | None = None
    repeated: int | None = None
    if not np.all(np.diff(numbers) > 0):  # not already in order: sort, then look for repeats
        order = np.argsort(numbers, kind="stable")
        numbers, post = numbers[order], post[order]
        found = np.flatnonzero(np.diff(numbers) == 0)
        repeated = int(found[0]) if len(found) else None
    start = int(numbers[0]) if len(numbers) else 0
    weekdays = (numbers + 6) % 7  # date.weekday() from the proleptic ordinal
    day_numbers = (numbers - start).astype(float)
    for shared in (order, weekdays, day_numbers, post):
        if shared is not None:
            shared.flags.writeable = False
    return _Calendar(order, repeated, day_numbers, weekdays, post)


def _series(
    before_days: Sequence[date],
    before_values: Sequence[float],
    after_days: Sequence[date],
    after_values: Sequence[float],
) -> _Series:
    """Validate both periods and sort them into one series; a repeated date is impossible input."""
    before = validation.finite_values("before_values", before_values)
    after = validation.finite_values("after_values", after_values)
    first, second = list(before_days), list(after_days)
    ordinals = _ordinals("before_days", first, "before_values", len(before)) + _ordinals(
        "after_days", second, "after_values", len(after)
    )
    calendar = _calendar(tuple(ordinals), len(before))
    days = first + second
    y = np.array(before + after, dtype=float)
    if calendar.order is not None:
        y = y[calendar.order]
        days = [days[i] for i in calendar.order]
        if calendar.repeated is not None:
            raise ValueError(DUPLICATE_DAYS.format(day=days[calendar.repeated].isoformat()))
    return _Series(tuple(days), calendar.day_numbers, calendar.weekdays, y, calendar.post, calendar)
