"""The calibration benchmark at small replicate counts: the promised error rates under daily looks.

``bench/operating_characteristics.py`` runs 2,000 pilots per situation; here a
few hundred, with tolerances of three Monte Carlo standard errors, so the
suite stays fast and still fails when a rule stops being honest. Each check
also measures the one-look rule on the same data, which must be worse: the
test can fail.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from operating_characteristics import run_cell  # noqa: E402


def upper(p: float, n: int) -> float:
    """``p`` plus three Monte Carlo standard errors at ``n`` pilots."""
    return p + 3 * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("key, pilots", [("target_null", 300), ("ba_trend_null", 150)])
def test_no_effect_is_rarely_scaled_when_looked_at_daily(key, pilots):
    r = run_cell(key, pilots, seed=11)
    wrong, naive = r["scale"] / pilots, r["fixed"]["scale"] / pilots
    print(f"\n{key}: wrong scale {wrong:.3f} with the engine, {naive:.3f} judging each daily look alone")
    assert wrong <= upper(0.05, pilots)
    assert naive > wrong


def test_a_pilot_that_works_as_planned_is_caught_and_rarely_stopped():
    pilots = 300
    r = run_cell("ab_effect", pilots, seed=12, baseline=False)
    power, wrong_abort = r["scale"] / pilots, (r["missed"] + r["futile"]) / pilots
    print(f"\nA/B planned effect: power {power:.3f}, wrong abort {wrong_abort:.3f}, mean day {r['mean_day']:.1f}")
    assert power >= 0.75 - 3 * math.sqrt(0.75 * 0.25 / pilots)
    assert wrong_abort <= upper(0.05, pilots)


def test_skewed_revenue_at_its_target_is_not_called_short():
    pilots = 300
    r = run_cell("revenue_target_literal", pilots, seed=13)
    wrong, naive = r["missed"] / pilots, r["fixed"]["missed"] / pilots
    print(f"\nrevenue at target: 'missed' {wrong:.3f} with the engine, {naive:.3f} judging each look alone")
    assert wrong <= upper(0.05, pilots)
    assert naive > wrong


def test_stores_split_between_arms_keep_the_promises_adjusted_for_market():
    """Stores in markets 2.4-fold apart, looked at daily: no effect is rarely scaled, the planned one caught."""
    from datetime import date

    from unit_situations import planned_stores, run_unit_cell

    pilots = 200
    null = run_unit_cell("units_null_adjusted", pilots, seed=21, start=date(2026, 10, 5), days=28, first_look=3)
    effect = run_unit_cell("units_effect_adjusted", pilots, seed=22, start=date(2026, 10, 5), days=28, first_look=3)
    wrong, power = null["scale"] / pilots, effect["scale"] / pilots
    wrong_abort = (effect["missed"] + effect["futile"]) / pilots
    print(f"\nstores adjusted: wrong scale {wrong:.3f}, power {power:.3f}, wrong abort {wrong_abort:.3f}")
    assert wrong <= upper(0.05, pilots)
    assert power >= 0.80 - 3 * math.sqrt(0.8 * 0.2 / pilots)
    assert wrong_abort <= upper(0.05, pilots)
    assert planned_stores(True, 4) * 5 < planned_stores(False, 4)  # adjusting for market saves most stores


def test_money_criteria_keep_the_promises_under_daily_looks():
    """Each extra lead costing exactly the agreed most is rarely scaled; costing what the plan expects, caught."""
    pilots = 100
    null = run_cell("money_cost_null", pilots, seed=31)
    effect = run_cell("money_cost_effect", pilots, seed=32, baseline=False)
    wrong, naive = null["scale"] / pilots, null["fixed"]["scale"] / pilots
    power = effect["scale"] / pilots
    print(f"\ncost per extra lead: wrong scale {wrong:.3f} (one look a day alone {naive:.3f}), power {power:.3f}")
    assert wrong <= upper(0.05, pilots)
    assert naive > wrong
    assert power >= 0.80 - 3 * math.sqrt(0.8 * 0.2 / pilots)
