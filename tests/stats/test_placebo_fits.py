"""The placebo check's batched fits (lib.stats.placebo_fits) against fitting each fake start alone.

Oracle: ``before_after._fit`` on each start, the very fit the batch replaces;
the batch must give the same t statistics (to rounding) and skip the same
starts, on baselines with gaps, strong autocorrelation, a flat stretch and
too few days for the richest design.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import numpy as np
import pytest

from lib.stats import before_after as ba
from lib.stats.daily_series import _series
from lib.stats.placebo import _placebo_starts, placebo_check
from lib.stats.placebo_fits import step_t_stats


def _alone(series, starts) -> list[float]:
    out = []
    for start in starts:
        post = np.zeros(len(series.y))
        post[start:] = 1.0
        fit = ba._fit(series, post)
        if fit is not None:
            out.append(ba._step(fit)[2])
    return out


def _baseline(rng: random.Random, n_days: int, gaps: bool, phi: float, shape: str):
    first = date(2026, 1, 5) + timedelta(days=rng.randint(0, 6))
    days = [first + timedelta(days=d) for d in range(n_days)]
    if gaps:
        days = [d for d in days if rng.random() > 0.2]
    noise, values = 0.0, []
    for i, day in enumerate(days):
        noise = phi * noise + rng.gauss(0.0, 1.0)
        value = 10.0 + 0.1 * i + (0, 1, 2, 1, 3, -6, -8)[day.weekday()] + noise
        values.append({"flat": 5.0, "whole": float(round(value)), "smooth": value}[shape])
    if shape == "flat" and len(values) > 10:
        values[-1] = 6.0  # one day off a flat line: most fake starts fit it exactly
    return days, values


@pytest.mark.parametrize("seed", range(6))
def test_batched_t_statistics_are_those_of_each_start_fitted_alone(seed):
    rng = random.Random(seed)
    for n_days in (10, 14, 20, 28, 35, 56):
        for gaps in (False, True):
            shape = rng.choice(["smooth", "smooth", "whole", "flat"])
            days, values = _baseline(rng, n_days, gaps, rng.choice([0.0, 0.3, 0.6, 0.9]), shape)
            series = _series(days, values, [], [])
            starts = _placebo_starts(len(series.y), 20, 7)
            batched, alone = step_t_stats(series, starts), _alone(series, starts)
            assert len(batched) == len(alone)
            for b, a in zip(batched, alone, strict=True):
                if math.isinf(a):
                    assert b == a
                else:
                    assert b == pytest.approx(a, rel=1e-9, abs=1e-12)


def test_placebo_check_counts_as_before():
    rng = random.Random(11)
    days, values = _baseline(rng, 28, False, 0.5, "smooth")
    series = _series(days, values, [], [])
    alone = _alone(series, _placebo_starts(28, 20, 7))
    sizes = sorted(abs(t) for t in alone)
    real = (sizes[len(sizes) // 2] + sizes[len(sizes) // 2 + 1]) / 2  # between two placebo steps, not on one
    check = placebo_check(days, values, real)
    assert check.count == len(alone) == 15
    assert check.as_large == sum(1 for t in alone if abs(t) >= real)
    assert 0 < check.as_large < check.count
