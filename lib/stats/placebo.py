"""The placebo gate of a before/after pilot: fake start dates inside the baseline.

If many fake starts show a step as large as the real one, the "effect" is the
series' own wandering, and the verdict must not call it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from lib.stats import validation
from lib.stats.before_after import MIN_DAYS_PER_PERIOD, _series
from lib.stats.placebo_fits import step_t_stats


@dataclass(frozen=True)
class PlaceboCheck:
    """Fake start dates inside the baseline: how many show a step as large as the real one?"""

    t_stats: tuple[float, ...]  # placebo steps' t statistics (empty when none could be run)
    as_large: int  # how many have |t| >= |real t|

    @property
    def count(self) -> int:
        return len(self.t_stats)


def _placebo_starts(n: int, count: int, min_side: int) -> list[int]:
    """Positions of fake first pilot days, spread evenly, with min_side days on each side."""
    low, high = min_side, n - min_side
    possible = high - low + 1
    if possible < 3 or count < 3:
        return []
    if possible <= count:
        return list(range(low, high + 1))
    return sorted(set(np.rint(np.linspace(low, high, count)).astype(int).tolist()))


def _abs_t(name: str, value: object) -> float:
    """|t|, allowing the infinite t of an exact fit."""
    if isinstance(value, (int, float)) and math.isinf(value):
        return math.inf
    return abs(validation.finite(name, value))


def placebo_check(
    before_days: Sequence[date],
    before_values: Sequence[float],
    real_t: float,
    *,
    count: int = 20,
    min_side: int = 7,
) -> PlaceboCheck:
    """Fit the same model to the baseline alone with fake start dates; count steps as large as the real one.

    ``min_side`` counts logged days (not calendar days) on each side of a
    fake start (at least ``MIN_DAYS_PER_PERIOD``); with ``n`` baseline days
    there are ``n - 2 min_side + 1`` possible starts, so 28 days give 15.
    Fewer than 3 possible fake starts: an empty check. Placebo fits that the
    days cannot support are skipped. Read it as
    a description ("none of 15 fake start dates showed a jump this large"),
    not a p-value: the fake steps share days and see only the baseline.
    """
    real = _abs_t("real_t", real_t)
    count = validation.count("count", count)
    min_side = max(MIN_DAYS_PER_PERIOD, validation.count("min_side", min_side))
    series = _series(before_days, before_values, [], [])
    t_stats = step_t_stats(series, _placebo_starts(len(series.y), count, min_side))
    return PlaceboCheck(tuple(t_stats), sum(1 for t in t_stats if abs(t) >= real))
