"""A before/after pilot's days as one series: checked, ordered, with the pilot period marked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from lib.stats import stats_messages, validation

DUPLICATE_DAYS = "before_days and after_days must not repeat a day; {day} appears twice."


@dataclass(frozen=True)
class _Series:
    """Logged days in date order, as the model needs them."""

    days: tuple[date, ...]
    day_numbers: np.ndarray  # days since the first, float
    weekdays: np.ndarray
    y: np.ndarray
    post: np.ndarray  # 1.0 in the pilot period


def _ordinals(name: str, days: Sequence[date], values_name: str, n: int) -> list[int]:
    if len(days) != n:
        raise ValueError(stats_messages.DATES_LENGTH.format(name=name, values=values_name))
    # plain dates (what the engine passes) are checked in one pass over their types; anything else one by one
    if not set(map(type, days)) <= {date} and not all(isinstance(d, date) for d in days):
        raise ValueError(stats_messages.NOT_DATES.format(name=name))
    return list(map(date.toordinal, days))


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
    days = first + second
    ordinals = np.array(
        _ordinals("before_days", first, "before_values", len(before))
        + _ordinals("after_days", second, "after_values", len(after)),
        dtype=np.int64,
    )
    y = np.array(before + after, dtype=float)
    post = np.zeros(len(y))
    post[len(before) :] = 1.0
    steps = np.diff(ordinals)
    if not np.all(steps > 0):  # not already in order: sort, then look for repeats
        order = np.argsort(ordinals, kind="stable")
        ordinals, y, post = ordinals[order], y[order], post[order]
        days = [days[i] for i in order]
        steps = np.diff(ordinals)
        repeated = np.flatnonzero(steps == 0)
        if len(repeated):
            raise ValueError(DUPLICATE_DAYS.format(day=days[repeated[0]].isoformat()))
    start = int(ordinals[0]) if len(ordinals) else 0
    weekdays = (ordinals + 6) % 7  # date.weekday() from the proleptic ordinal
    return _Series(tuple(days), (ordinals - start).astype(float), weekdays, y, post)
