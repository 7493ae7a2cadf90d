"""The bounded-skew contrast's interval ends in closed form (lib.stats.skew.bounded_inverse).

Oracle: the root search the contrast used before, kept here unchanged (scipy's
brentq on the conservative Hall statistic over the same range, the same
tolerance). The closed form must give the same ends, and say "no end" exactly
when the search found none.
"""

from __future__ import annotations

import random

import pytest
from scipy import optimize

from lib.stats import skew
from lib.stats.contrasts import SkewedContrast, _z_to_t


def _searched(c: SkewedContrast, k: float) -> float | None:
    """The end as the root search found it: the function the closed form replaced."""
    target = _z_to_t(k, c.df)
    span = 60.0 * c.se
    lo, hi = c.estimate - span, c.estimate + span
    try:
        return float(optimize.brentq(lambda d: c._t(d) - target, lo, hi, xtol=1e-10 * max(1.0, c.se)))
    except ValueError:
        return None


def _cases(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        se = 10 ** rng.uniform(-4, 4)
        estimate = rng.gauss(0, 3) * se * rng.choice([0.1, 1.0, 10.0, 50.0])
        if rng.random() < 0.5:  # what revenue without sums of cubes gives: a narrow range about 0
            low = rng.uniform(-0.2, 0.05)
            high = low + rng.uniform(1e-9, 0.3)
        else:  # strong skew: the vertex of g in the skewness binds for large t
            low = rng.uniform(-3.0, 1.0)
            high = low + rng.uniform(1e-9, 5.0)
        df = rng.choice([None, 3.0, 10.0, 57.3, 1e4])
        k = rng.choice([0.0, 1.0, -1.0, 1.96, -1.96, 2.24, -2.5, 3.0, 40.0, rng.uniform(-6.0, 6.0)])
        yield SkewedContrast(estimate, se, df, low, high), k


def test_closed_form_ends_match_the_root_search():
    compared = 0
    for c, k in _cases(seed=5, count=4000):
        closed, searched = c.lower(k), _searched(c, k)
        assert (closed is None) == (searched is None), (c, k)
        if closed is None or searched is None:
            continue
        compared += 1
        # the search itself stops within 1e-10 * max(1, se) of the root
        assert abs(closed - searched) <= 2e-10 * max(1.0, c.se), (c, k, closed, searched)
    assert compared > 3000


def test_the_vertex_branch_is_exercised_and_hits_the_target():
    vertex_hits = 0
    for c, k in _cases(seed=6, count=3000):
        target = _z_to_t(k, c.df)
        assert c.skew_low is not None and c.skew_high is not None
        t = skew.bounded_inverse(target, c.skew_low, c.skew_high)
        if t is None or abs(t) >= 59.0:  # the contrast searches then (no target, or past its search range)
            assert t is not None or target == 0.0 or abs(target) > 1e11
            continue
        assert skew.bounded_transform(t, c.skew_low, c.skew_high) == pytest.approx(target, rel=1e-12, abs=1e-12)
        ends = (skew._hall_inverse(target, c.skew_low), skew._hall_inverse(target, c.skew_high))
        if t != max(ends) and t != min(ends):
            vertex_hits += 1
    assert vertex_hits > 50


def test_hall_inverse_undoes_hall_transform_for_tiny_and_large_skew():
    for a in (1e-14, 1e-8, -1e-6, 0.05, -0.3, 2.0, -4.0):
        for t in (-30.0, -3.0, -0.2, 0.0, 0.7, 2.5, 25.0):
            if 1.0 + a * t / 3.0 <= 0.0:
                continue  # past the transform's turning point: another branch of the cube root
            assert skew._hall_inverse(skew.hall_transform(t, a), a) == pytest.approx(t, rel=1e-10, abs=1e-10)
