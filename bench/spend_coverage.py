"""Coverage of the 95 % intervals for cost per extra outcome and return on spend (lib.stats.spend).

Run from the repo root::

    .venv/bin/python bench/spend_coverage.py [--reps 4000] [--days 28] [--seed 7]

Thousands of simulated A/B pilots per situation go through ``lib.stats.spend.read_spend`` exactly
as the app calls it; each situation is a true effect on a grid that runs from near zero (the
extra outcome, or the extra spend, barely above zero) to large, with the spend in the pilot arm
only (a fixed figure) or in both arms (estimated, noisy day to day). Printed per situation: how
often the interval contains the true ratio, with its Monte Carlo standard error, how often it is
open-ended, and — the baseline, on the very same simulated data — the naive delta-method interval
``estimate ± t · se`` (no interval at all when the denominator's estimate is not above zero).
The issue asks for at least 93 % everywhere.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from lib.specs import Observation, PilotSpec  # noqa: E402
from lib.stats.spend import SPEND_METRIC, SpendReading, read_spend  # noqa: E402

START = date(2026, 10, 5)
SPEC = PilotSpec("sim", "ab")
BUY, MU, SIGMA = 0.15, 3.0, 1.0  # revenue per visitor: most buy nothing, buyers' amounts lognormal
LEVEL = 0.95


@dataclass(frozen=True)
class CoverageCell:
    """One situation: what the pilot buys per unit, and which ratio is read."""

    key: str
    title: str
    ratio: str  # "cost" or "return"
    per_day: int
    lift: float  # extra outcome per unit: rate points, or revenue per visitor
    spend: float  # extra spend per unit in the pilot arm
    control_spend: float = 0.0  # control's spend per unit (0: only the pilot spends)
    spend_noise: float = 0.10  # both arms spend: a day's spend varies by this share

    @property
    def truth(self) -> float:
        return self.spend / self.lift if self.ratio == "cost" else self.lift / self.spend


def coverage_cells() -> list[CoverageCell]:
    cells = []
    for lift in (0.001, 0.003, 0.01, 0.03):  # lead rate 5 % -> +0.1 (near zero) ... +3 points
        cells.append(
            CoverageCell(
                f"cost_fixed_{lift}", f"Cost per extra lead, +{lift * 100:g} pts, pilot spends", "cost", 1000, lift, 0.5
            )
        )
        cells.append(
            CoverageCell(
                f"cost_both_{lift}",
                f"Cost per extra lead, +{lift * 100:g} pts, both spend",
                "cost",
                1000,
                lift,
                0.5,
                control_spend=0.3,
            )
        )
    for lift in (0.05, 0.25, 1.0):  # revenue per visitor about 4.97: +1 % (near zero) ... +20 %
        cells.append(
            CoverageCell(
                f"return_fixed_{lift}",
                f"Return on spend, +{lift:g} revenue/visitor, pilot spends",
                "return",
                2000,
                lift,
                0.5,
            )
        )
    for spend in (0.02, 0.1, 0.5):  # the extra spend itself near zero: the return's denominator
        cells.append(
            CoverageCell(
                f"return_both_{spend}",
                f"Return on spend, +0.5 revenue/visitor, +{spend:g} spend, both",
                "return",
                2000,
                0.5,
                spend,
                control_spend=0.3,
            )
        )
    return cells


def simulate(cell: CoverageCell, rng: np.random.Generator, days: int) -> list[Observation]:
    out = []
    for i in range(days):
        day = START + timedelta(days=i)
        for arm, lift, spend in (
            ("control", 0.0, cell.control_spend),
            ("pilot", cell.lift, cell.control_spend + cell.spend),
        ):
            n = cell.per_day
            if cell.ratio == "cost":
                total = float(rng.binomial(n, 0.05 + lift))
            else:
                buyers = rng.binomial(n, BUY)
                scale = 1.0 + lift / (BUY * math.exp(MU + SIGMA**2 / 2))
                total = float((scale * rng.lognormal(MU, SIGMA, buyers)).sum())
            out.append(Observation(day, arm, "outcome", n, total))
            if spend > 0 and (cell.control_spend > 0 or arm == "pilot"):
                noise = rng.normal(0.0, cell.spend_noise) if cell.control_spend > 0 else 0.0
                out.append(Observation(day, arm, SPEND_METRIC, 1, spend * n * (1.0 + noise)))
    return out


def naive_delta(reading: SpendReading, ratio: str) -> tuple[float, float] | None:
    """The baseline: ``estimate ± t · se`` with the delta method's se; None when the ratio is undefined."""
    inc = reading.increments
    if inc is None:
        return None
    if ratio == "cost":
        num, den, vn, vd = inc.spend, inc.outcome, inc.var_spend, inc.var_outcome
        df = inc.df_for(0.0, 1.0) if inc.var_spend > 0 else inc.df_for(1.0, 0.0)
    else:
        num, den, vn, vd = inc.outcome, inc.spend, inc.var_outcome, inc.var_spend
        df = inc.df_for(1.0, 0.0)
    if den <= 0:
        return None
    est = num / den
    var = (vn - 2 * est * inc.cov + est * est * vd) / (den * den)
    t = stats.t.ppf(0.5 + LEVEL / 2, df) if df else stats.norm.ppf(0.5 + LEVEL / 2)
    half = t * math.sqrt(max(var, 0.0))
    return est - half, est + half


def run_coverage(cell: CoverageCell, reps: int, seed: int, days: int = 28) -> dict:
    """How often each interval contains the truth, over ``reps`` simulated pilots."""
    rng = np.random.default_rng(seed)
    covered = open_ended = naive = 0
    for _ in range(reps):
        reading = read_spend(
            simulate(cell, rng, days),
            SPEC,
            "outcome",
            "proportion" if cell.ratio == "cost" else "mean",
            cell.ratio == "return",
            LEVEL,
        )
        assert reading is not None
        span = reading.cost_per_extra if cell.ratio == "cost" else reading.return_on_spend
        assert span is not None
        low = -math.inf if span.low is None else span.low
        high = math.inf if span.high is None else span.high
        covered += low <= cell.truth <= high
        open_ended += span.high is None or span.low is None
        delta = naive_delta(reading, cell.ratio)
        naive += delta is not None and delta[0] <= cell.truth <= delta[1]
    return {"key": cell.key, "reps": reps, "covered": covered, "open": open_ended, "naive": naive}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=4000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    header = f"{'situation':68} {'truth':>8} {'Fieller (ours)':>16} {'open-ended':>11} {'check':>14}   {'baseline: delta method':>22}"
    rows = []
    for i, cell in enumerate(coverage_cells()):
        r = run_coverage(cell, args.reps, args.seed + i, args.days)
        p = r["covered"] / r["reps"]
        se = math.sqrt(p * (1 - p) / r["reps"])
        check = f">= 93 % {'ok' if p >= 0.93 else 'UNDER'}"
        rows.append(
            f"{cell.title:68} {cell.truth:8.2f} {100 * p:9.1f} % ± {100 * se:3.1f} {100 * r['open'] / r['reps']:9.1f} % "
            f"{check:>14}   {100 * r['naive'] / r['reps']:20.1f} %"
        )
    print(
        f"{args.reps:,} simulated pilots per situation, {args.days} days, 95 % intervals "
        f"({time.perf_counter() - started:.0f} s)\n"
    )
    print(header)
    print("-" * len(header))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
