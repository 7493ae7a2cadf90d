"""Pilots that split stores between the arms, for ``operating_characteristics.py --units``.

Stores sit in markets whose sales differ 2.4-fold; each store reports weekly
sales, so four rows per store over the 28-day pilot. The engine judges each
pilot per store (one value each), with or without adjusting for market, looked
at every day from day 3 until the first scale or abort; a week's rows arrive
when the week is over (days without news give the same verdict and are skipped). Each situation's plan
comes from the designer's planner (``plan_pilot``) with the spread of one
store's value (adjusted, the spread left within markets; unadjusted, the
spread across markets too) and one look a week, as the data arrive. The adjusted plan therefore needs far fewer stores,
and both must deliver the promised power with at most 5 % wrong calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from lib.decide import evaluate_pilot
from lib.specs import CriterionSpec, Observation, PilotSpec, UnitObservation
from lib.stats.adjustment import units_with_covariates
from lib.stats.planning import PlanInputs, plan_pilot

MARKET_LEVELS = np.linspace(30.0, 72.0, 6)  # weekly sales per store, thousands: the largest market 2.4 x the smallest
STORE_SD, WEEK_SD = 4.0, 3.0
EFFECT = 3.0  # the planned lift in weekly sales per store
WEEKS = 4
CRITERION = CriterionSpec("sales", "mean", "primary", "vs_control", 0.0, expected=EFFECT)


def unit_sd(adjusted: bool) -> float:
    """The spread of one store's four-week mean: within its market, or across markets too."""
    within = STORE_SD**2 + WEEK_SD**2 / WEEKS
    return math.sqrt(within + (0.0 if adjusted else float(np.var(MARKET_LEVELS))))


def planned_stores(adjusted: bool, looks: int) -> int:
    """The designer's plan, with the spread of one store; adjusting adds one store per market column it fits."""
    plan = PlanInputs(
        kind="mean",
        comparison="vs_control",
        threshold=0.0,
        expected=EFFECT,
        sd=unit_sd(adjusted),
        baseline=float(MARKET_LEVELS.mean()),
        looks=looks,
    )
    n = plan_pilot(plan).n
    return units_with_covariates(n, len(MARKET_LEVELS) - 1) if adjusted else n


@dataclass(frozen=True)
class UnitCell:
    key: str
    title: str
    adjusted: bool
    effect: float
    error: str  # the wrong outcome here: "scale" (no effect) or "abort" (the planned effect)
    bound: float = 0.05
    power_bound: float | None = None


def unit_cells() -> list[UnitCell]:
    return [
        UnitCell("units_null_adjusted", "Stores in markets, no effect, adjusted for market", True, 0.0, "scale"),
        UnitCell("units_null_unadjusted", "Stores in markets, no effect, not adjusted", False, 0.0, "scale"),
        UnitCell(
            "units_effect_adjusted", "Stores, planned +3 a week, adjusted for market", True, EFFECT, "abort", 0.05, 0.8
        ),
        UnitCell(
            "units_effect_unadjusted", "Stores, planned +3 a week, not adjusted", False, EFFECT, "abort", 0.05, 0.8
        ),
    ]


def simulate(
    rng: np.random.Generator, stores_per_arm: int, effect: float, adjusted: bool, start, days: int
) -> tuple[list[Observation], list[UnitObservation]]:
    """Weekly rows per store (the arms drawn at random over all stores) and the arm x day sums the log holds."""
    n = 2 * stores_per_arm
    market = np.arange(n) % len(MARKET_LEVELS)
    pilot = np.zeros(n, dtype=bool)
    pilot[rng.permutation(n)[:stores_per_arm]] = True  # any half of the stores: markets fall unevenly by chance
    level = MARKET_LEVELS[market] + rng.normal(0.0, STORE_SD, n) + effect * pilot
    units: list[UnitObservation] = []
    sums: dict[tuple, list[float]] = {}
    for week in range(min(WEEKS, math.ceil(days / 7))):
        day = start + timedelta(weeks=week)
        sales = level + rng.normal(0.0, WEEK_SD, n)
        for s in range(n):
            arm = "pilot" if pilot[s] else "control"
            stratum = str(market[s]) if adjusted else None
            units.append(
                UnitObservation(
                    day, arm, "sales", f"s{s}", 1.0, float(sales[s]), stratum, None, "market" if adjusted else None
                )
            )
            cell = sums.setdefault((day, arm), [0.0, 0.0, 0.0])
            cell[0] += 1
            cell[1] += sales[s]
            cell[2] += sales[s] ** 2
    observations = [Observation(d, a, "sales", c[0], c[1], c[2]) for (d, a), c in sums.items()]
    return observations, units


def run_unit_cell(key: str, pilots: int, seed: int, start, days: int, first_look: int) -> dict:
    """``pilots`` simulated store pilots looked at every day: scale, missed, futile and the mean day of the call."""
    cell = next(c for c in unit_cells() if c.key == key)
    per_arm = planned_stores(cell.adjusted, WEEKS)  # new data arrive weekly: four looks bring news, not 28
    spec = PilotSpec(
        "stores", "ab", start=start, end=start + timedelta(days=days - 1), planned_n_per_arm=per_arm, unit="stores"
    )
    rng = np.random.default_rng(seed)
    scale = missed = futile = 0
    decided_days = []
    for _ in range(pilots):
        observations, units = simulate(rng, per_arm, cell.effect, cell.adjusted, start, days)
        outcome, status, when, seen = "keep_running", "too_early", days, 0
        for day in range(first_look - 1, days):
            as_of = start + timedelta(days=day)
            weeks = (day + 1) // 7  # a week's export arrives once the week is over
            if weeks == seen:
                continue  # nothing new: the same data give the same verdict
            seen = weeks
            last = start + timedelta(weeks=weeks - 1)
            delivered = [u for u in units if u.day <= last]
            ev = evaluate_pilot(
                spec, [CRITERION], [o for o in observations if o.day <= last], as_of=as_of, unit_observations=delivered
            )
            if ev.recommendation in ("scale", "abort"):
                outcome, status, when = ev.recommendation, ev.verdicts[0].status, day + 1
                break
        decided_days.append(when)
        scale += outcome == "scale"
        futile += outcome == "abort" and status == "futile"
        missed += outcome == "abort" and status != "futile"
    return {
        "key": key,
        "pilots": pilots,
        "planned": per_arm,
        "scale": scale,
        "missed": missed,
        "futile": futile,
        "mean_day": float(np.mean(decided_days)),
    }
