"""Calibration benchmark: how often a team looking every day gets a wrong verdict.

Run from the repo root::

    .venv/bin/python bench/operating_characteristics.py [--pilots 2000] [--jobs 2] [--cells ab_null,...]
    .venv/bin/python bench/operating_characteristics.py --units [--pilots 2000]   # stores split between arms

Thousands of simulated pilots per situation go through ``lib.decide.evaluate_pilot``
exactly as the app calls it, evaluated every day from day 3 of the pilot until
the first "scale" or "abort" (or the planned end). Each pilot is planned by
the designer's own planner (``lib.stats.planning.plan_pilot``), so the power
column checks the plan's promise. Printed per situation: the share of pilots
ending in "scale" and "abort" (split into "missed" — the data show it falls
short — and "futile" — the data rule out the expected effect), the mean day
of the decision, each with its Monte Carlo standard error, and the bound the
issue sets. The baseline, measured in the same run on the very same simulated
data: each daily look judged as if it were the only one (``sequential=False``,
the fixed-sample rule the previous engine applied every day). The last column
quotes what the issue measured on the previous engine.

``--units`` runs, instead, the situations where stores in markets are split
between the arms (:mod:`unit_situations`): no effect and the planned effect,
adjusted for market and not, and quotes how many fewer stores the adjusted
plan needs for the same power. The default table is unchanged by it.

``--markets`` runs, instead, the market tests (:mod:`market_situations`): test markets
against a synthetic control on 40-market histories, looked at every day; placebo
markets, the picker's recommended design, and the picker's stated power against the
detection rate in later windows it never saw. The baseline: each look judged alone.

``--money`` runs, instead, the money criteria ("cost per extra lead at most
€60", "return on spend at least 1.5"): each extra lead costing exactly the
threshold (a wrong "scale" is the error), and costing what the plan expects
(power at the planned spend, from ``lib.stats.money_planning``), with spend in
the pilot arm only (a fixed figure) or in both arms (estimated, noisy), on a
rate and on revenue per visitor. The baseline beside each is the same engine
judging each daily look alone, on the same simulated data.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from market_situations import market_cells, run_market_cell  # noqa: E402
from unit_situations import run_unit_cell, unit_cells  # noqa: E402

from lib.decide import evaluate_pilot  # noqa: E402
from lib.specs import CriterionSpec, Observation, PilotSpec  # noqa: E402
from lib.stats.planning import PlanInputs, plan_pilot  # noqa: E402

START = date(2026, 10, 5)  # a Monday
DAYS = 28
FIRST_LOOK = 3


@dataclass(frozen=True)
class Cell:
    """One situation: how pilots are planned, what the truth is, and what counts as an error."""

    key: str
    title: str
    design: str
    criterion: CriterionSpec
    plan: PlanInputs | None
    simulate: Callable[[np.random.Generator, int], list[Observation]]
    error: str  # "scale", "abort", "missed": the outcome that is wrong here
    bound: float
    power_bound: float | None = None
    baseline_days: int = 0
    planned_n: int | None = None
    old: str = ""
    power_slack: float = 0.0  # Monte Carlo standard errors the power may sit below its bound (a plan at exactly it)
    beside: tuple[CriterionSpec, ...] = ()  # further criteria judged with the first (a guardrail)


def _day(i: int) -> date:
    return START + timedelta(days=i)


def _rates(p_control: float, p_pilot: float, per_day: int) -> Callable[[np.random.Generator, int], list[Observation]]:
    def simulate(rng: np.random.Generator, days: int) -> list[Observation]:
        c = rng.binomial(per_day, p_control, days)
        p = rng.binomial(per_day, p_pilot, days)
        out = []
        for i in range(days):
            out.append(Observation(_day(i), "control", "conversion", per_day, float(c[i])))
            out.append(Observation(_day(i), "pilot", "conversion", per_day, float(p[i])))
        return out

    return simulate


def _target_rate(p: float, per_day: int) -> Callable[[np.random.Generator, int], list[Observation]]:
    def simulate(rng: np.random.Generator, days: int) -> list[Observation]:
        k = rng.binomial(per_day, p, days)
        return [Observation(_day(i), "pilot", "reply_rate", per_day, float(k[i])) for i in range(days)]

    return simulate


# Revenue per visitor: most visitors buy nothing; buyers' amounts are lognormal.
BUY = 0.15
MU, SIGMA = 3.0, 1.0


def revenue_mean(scale: float = 1.0) -> float:
    return scale * BUY * math.exp(MU + SIGMA**2 / 2)


def revenue_sd() -> float:
    second = BUY * math.exp(2 * MU + 2 * SIGMA**2)
    return math.sqrt(second - revenue_mean() ** 2)


def _revenue_day(rng: np.random.Generator, n: int, scale: float) -> tuple[float, float, float]:
    buyers = rng.binomial(n, BUY)
    amounts = scale * rng.lognormal(MU, SIGMA, buyers)
    return float(amounts.sum()), float((amounts**2).sum()), float((amounts**3).sum())


def _revenue_ab(scale_pilot: float, per_day: int) -> Callable[[np.random.Generator, int], list[Observation]]:
    def simulate(rng: np.random.Generator, days: int) -> list[Observation]:
        out = []
        for i in range(days):
            for arm, scale in (("control", 1.0), ("pilot", scale_pilot)):
                s, s2, s3 = _revenue_day(rng, per_day, scale)
                out.append(Observation(_day(i), arm, "revenue", per_day, s, s2, s3))
        return out

    return simulate


def _revenue_target(scale: float, per_day: int) -> Callable[[np.random.Generator, int], list[Observation]]:
    def simulate(rng: np.random.Generator, days: int) -> list[Observation]:
        out = []
        for i in range(days):
            s, s2, s3 = _revenue_day(rng, per_day, scale)
            out.append(Observation(_day(i), "pilot", "revenue", per_day, s, s2, s3))
        return out

    return simulate


BA_BASELINE = 28
LEVEL, WEEKDAY, NOISE, PHI = 100.0, (6.0, 4.0, 2.0, 0.0, -2.0, -5.0, -5.0), 6.0, 0.5


def _series(trend: float, step: float) -> Callable[[np.random.Generator, int], list[Observation]]:
    """Daily leads: level + trend + weekday pattern + AR(1) noise; the step starts with the pilot."""

    def simulate(rng: np.random.Generator, days: int) -> list[Observation]:
        total = BA_BASELINE + days
        noise = np.empty(total)
        e = rng.normal(0.0, NOISE, total)
        noise[0] = e[0] / math.sqrt(1 - PHI**2)
        for i in range(1, total):
            noise[i] = PHI * noise[i - 1] + e[i]
        out = []
        for i in range(total):
            day = START + timedelta(days=i - BA_BASELINE)
            value = LEVEL + trend * i + WEEKDAY[day.weekday()] + noise[i] + (step if i >= BA_BASELINE else 0.0)
            out.append(Observation(day, "pilot", "leads", 1, float(value)))
        return out

    return simulate


def _plan_n(plan: PlanInputs) -> int:
    return plan_pilot(plan).n


def cells() -> list[Cell]:
    ab = PlanInputs(kind="proportion", comparison="vs_control", threshold=0.0, expected=0.01, baseline=0.05, looks=DAYS)
    n_ab = _plan_n(ab)
    per_day_ab = math.ceil(n_ab / DAYS)
    crit_ab = CriterionSpec("conversion", "proportion", "primary", "vs_control", 0.0, expected=0.01)
    target = PlanInputs(kind="proportion", comparison="vs_target", threshold=0.08, expected=0.11, looks=DAYS)
    n_t = _plan_n(target)
    crit_t = CriterionSpec("reply_rate", "proportion", "primary", "vs_target", 0.08, expected=0.11)
    rev_gap = 0.25 * revenue_mean()
    rev_ab = PlanInputs(
        kind="mean",
        comparison="vs_control",
        threshold=0.0,
        expected=rev_gap,
        sd=revenue_sd(),
        baseline=revenue_mean(),
        looks=DAYS,
    )
    n_rab = _plan_n(rev_ab)
    crit_rab = CriterionSpec("revenue", "mean", "primary", "vs_control", 0.0, expected=rev_gap)
    target_value = revenue_mean()
    rev_t = PlanInputs(
        kind="mean",
        comparison="vs_target",
        threshold=target_value,
        expected=1.35 * target_value,
        sd=revenue_sd(),
        looks=DAYS,
    )
    n_rt = _plan_n(rev_t)
    crit_rt = CriterionSpec("revenue", "mean", "primary", "vs_target", target_value, expected=1.35 * target_value)
    crit_ba = CriterionSpec("leads", "count", "primary", "vs_baseline", 0.0, expected=5.0)
    return [
        Cell(
            "ab_null",
            "A/B conversion 5 %, no real effect",
            "ab",
            crit_ab,
            ab,
            _rates(0.05, 0.05, per_day_ab),
            "scale",
            0.05,
            planned_n=n_ab,
            old="about 19 %",
        ),
        Cell(
            "ab_effect",
            "A/B conversion 5 % -> 6 %, the planned effect",
            "ab",
            crit_ab,
            ab,
            _rates(0.05, 0.06, per_day_ab),
            "abort",
            0.05,
            power_bound=0.75,
            planned_n=n_ab,
            old="about 6 %",
        ),
        Cell(
            "mean_null",
            "A/B revenue per visitor (zero-inflated lognormal), no effect",
            "ab",
            crit_rab,
            rev_ab,
            _revenue_ab(1.0, math.ceil(n_rab / DAYS)),
            "scale",
            0.05,
            planned_n=n_rab,
        ),
        Cell(
            "mean_effect",
            "A/B revenue per visitor, +25 % (the planned effect)",
            "ab",
            crit_rab,
            rev_ab,
            _revenue_ab(1.25, math.ceil(n_rab / DAYS)),
            "abort",
            0.05,
            power_bound=0.75,
            planned_n=n_rab,
        ),
        Cell(
            "target_null",
            "Against a target of 8 %, true rate exactly 8 %",
            "target",
            crit_t,
            target,
            _target_rate(0.08, math.ceil(n_t / DAYS)),
            "scale",
            0.05,
            planned_n=n_t,
            old="about 19 %",
        ),
        Cell(
            "target_effect",
            "Against a target of 8 %, true rate 11 % (the planned effect)",
            "target",
            crit_t,
            target,
            _target_rate(0.11, math.ceil(n_t / DAYS)),
            "abort",
            0.05,
            power_bound=0.75,
            planned_n=n_t,
        ),
        Cell(
            "revenue_target_null",
            "Revenue per visitor against a target, true mean = target",
            "target",
            crit_rt,
            rev_t,
            _revenue_target(1.0, math.ceil(n_rt / DAYS)),
            "missed",
            0.05,
            planned_n=n_rt,
        ),
        Cell(
            "revenue_target_literal",
            "Revenue vs a target, mean = target, 1,000 visitors, no expected value",
            "target",
            replace(crit_rt, expected=None),
            None,
            _revenue_target(1.0, math.ceil(1000 / DAYS)),
            "abort",
            0.05,
            planned_n=1000,
            old="about 30 %",
        ),
        Cell(
            "revenue_target_effect",
            "Revenue per visitor against a target, true mean +35 % (planned)",
            "target",
            crit_rt,
            rev_t,
            _revenue_target(1.35, math.ceil(n_rt / DAYS)),
            "abort",
            0.05,
            power_bound=0.75,
            planned_n=n_rt,
        ),
        Cell(
            "ba_trend_null",
            "Before/after, upward trend, no effect (weekday, AR(1) 0.5)",
            "before_after",
            crit_ba,
            None,
            _series(0.4, 0.0),
            "scale",
            0.05,
            baseline_days=BA_BASELINE,
            old="about 29 %",
        ),
        Cell(
            "ba_noise_null",
            "Before/after, pure noise, no trend",
            "before_after",
            crit_ba,
            None,
            _series(0.0, 0.0),
            "scale",
            0.05,
            baseline_days=BA_BASELINE,
            old="about 21 %",
        ),
        Cell(
            "ba_falling_step",
            "Before/after, falling trend with a real +5 % step",
            "before_after",
            crit_ba,
            None,
            _series(-0.4, 5.0),
            "abort",
            0.10,
            baseline_days=BA_BASELINE,
            old="about 60 %",
        ),
    ]


# --- money criteria: cost per extra lead, return on spend ----------------------------------------------------

LEAD_RATE = 0.05  # control's lead rate
LEAD_SPEND = 0.50  # extra spend per contact in the pilot arm
CPC = 0.30  # what control spends per contact when both arms spend
COST_MAX, COST_EXPECTED = 60.0, 40.0  # "each extra lead at most 60", expected 40
RETURN_MIN, RETURN_EXPECTED = 1.5, 2.0  # "return on spend at least 1.5", expected 2.0
REVENUE_SPEND = 0.50  # extra spend per visitor for the revenue pilots
SPEND_NOISE = 0.10  # both arms spend: day-to-day spread of a day's spend (auction prices)


def _money_plan(threshold_type: str, control_spend: float = 0.0, spend_sd: float = 0.0) -> PlanInputs:
    if threshold_type == "cost_per_extra":
        return PlanInputs(
            kind="proportion",
            comparison="vs_control",
            threshold=COST_MAX,
            expected=COST_EXPECTED,
            baseline=LEAD_RATE,
            threshold_type="cost_per_extra",
            spend_per_unit=LEAD_SPEND,
            control_spend_per_unit=control_spend,
            spend_sd=spend_sd,
            looks=DAYS,
        )
    return PlanInputs(
        kind="mean",
        comparison="vs_control",
        threshold=RETURN_MIN,
        expected=RETURN_EXPECTED,
        sd=revenue_sd(),
        baseline=revenue_mean(),
        threshold_type="return_on_spend",
        spend_per_unit=REVENUE_SPEND,
        looks=DAYS,
    )


def _both_arms_plan() -> PlanInputs:
    """Both arms spend: the spend's spread per contact depends on the contacts a day, so plan twice."""
    per_day = math.ceil(_plan_n(_money_plan("cost_per_extra", CPC)) / DAYS)
    for _ in range(3):
        spread = SPEND_NOISE * math.sqrt(((CPC + LEAD_SPEND) ** 2 + CPC**2) / 2 * per_day)
        plan = _money_plan("cost_per_extra", CPC, spread)
        per_day = math.ceil(_plan_n(plan) / DAYS)
    return plan


def _leads_bought(
    cost: float, per_day: int, control_spend: float = 0.0
) -> Callable[[np.random.Generator, int], list[Observation]]:
    """Contacts a day per arm; the pilot spends LEAD_SPEND more per contact and each extra lead costs ``cost``."""
    p_pilot = LEAD_RATE + LEAD_SPEND / cost

    def simulate(rng: np.random.Generator, days: int) -> list[Observation]:
        c = rng.binomial(per_day, LEAD_RATE, days)
        p = rng.binomial(per_day, p_pilot, days)
        out = []
        for i in range(days):
            out.append(Observation(_day(i), "control", "leads", per_day, float(c[i])))
            out.append(Observation(_day(i), "pilot", "leads", per_day, float(p[i])))
            if control_spend:
                noise = rng.normal(0.0, SPEND_NOISE, 2)
                out.append(Observation(_day(i), "control", "spend", 1, control_spend * per_day * (1 + noise[0])))
                pilot_spend = (control_spend + LEAD_SPEND) * per_day * (1 + noise[1])
                out.append(Observation(_day(i), "pilot", "spend", 1, pilot_spend))
            else:
                out.append(Observation(_day(i), "pilot", "spend", 1, LEAD_SPEND * per_day))
        return out

    return simulate


def _revenue_bought(ret: float, per_day: int) -> Callable[[np.random.Generator, int], list[Observation]]:
    """Revenue per visitor; the pilot spends REVENUE_SPEND more per visitor and returns ``ret`` per unit spent."""
    scale = 1.0 + ret * REVENUE_SPEND / revenue_mean()
    revenue = _revenue_ab(scale, per_day)

    def simulate(rng: np.random.Generator, days: int) -> list[Observation]:
        out = revenue(rng, days)
        out += [Observation(_day(i), "pilot", "spend", 1, REVENUE_SPEND * per_day) for i in range(days)]
        return out

    return simulate


def money_plans_text() -> str:
    """What each money plan costs: units per arm, days and the extra spend the planner asks for."""
    from lib.stats.money_planning import plan_money

    lines = []
    for name, plan in (
        ("Cost per extra lead, pilot spends", _money_plan("cost_per_extra")),
        ("Cost per extra lead, both arms spend", _both_arms_plan()),
        ("Return on spend, revenue per visitor", _money_plan("return_on_spend")),
    ):
        n = _plan_n(plan)
        money = plan_money(plan, units_per_day=math.ceil(n / DAYS))
        lines.append(
            f"{name}: planned {n:,} per arm over {money.days} days, extra spend {money.extra_spend:,.0f} "
            f"(all the pilot arm spends {money.pilot_spend:,.0f}), expecting {money.extra_outcome:,.0f} extra"
        )
    return "\n".join(lines)


def money_cells() -> list[Cell]:
    cost = _money_plan("cost_per_extra")
    n_cost = _plan_n(cost)
    both = _both_arms_plan()
    n_both = _plan_n(both)
    ret = _money_plan("return_on_spend")
    n_ret = _plan_n(ret)
    crit_cost = CriterionSpec(
        "leads",
        "proportion",
        "primary",
        "vs_control",
        COST_MAX,
        threshold_type="cost_per_extra",
        expected=COST_EXPECTED,
    )
    crit_ret = CriterionSpec(
        "revenue",
        "mean",
        "primary",
        "vs_control",
        RETURN_MIN,
        threshold_type="return_on_spend",
        expected=RETURN_EXPECTED,
    )
    per = {key: math.ceil(n / DAYS) for key, n in (("cost", n_cost), ("both", n_both), ("ret", n_ret))}
    # the primary asks for the very lift the pilot has, so it decides late and the guardrail is judged for long
    truth = LEAD_SPEND / COST_MAX
    lead_rate = CriterionSpec("leads", "proportion", "primary", "vs_control", truth, expected=1.5 * truth)
    guard = replace(crit_cost, role="guardrail", expected=None)
    return [
        Cell(
            "money_cost_null",
            f"Cost per extra lead ≤ {COST_MAX:.0f}, true cost {COST_MAX:.0f} (pilot spends)",
            "ab",
            crit_cost,
            cost,
            _leads_bought(COST_MAX, per["cost"]),
            "scale",
            0.05,
            planned_n=n_cost,
        ),
        Cell(
            "money_cost_effect",
            f"Cost per extra lead ≤ {COST_MAX:.0f}, true cost {COST_EXPECTED:.0f} (planned)",
            "ab",
            crit_cost,
            cost,
            _leads_bought(COST_EXPECTED, per["cost"]),
            "abort",
            0.05,
            power_bound=0.80,
            planned_n=n_cost,
            power_slack=2.0,
        ),
        Cell(
            "money_both_null",
            f"Both arms spend (noisy), true cost {COST_MAX:.0f} per extra lead",
            "ab",
            crit_cost,
            both,
            _leads_bought(COST_MAX, per["both"], CPC),
            "scale",
            0.05,
            planned_n=n_both,
        ),
        Cell(
            "money_both_effect",
            f"Both arms spend (noisy), true cost {COST_EXPECTED:.0f} (planned)",
            "ab",
            crit_cost,
            both,
            _leads_bought(COST_EXPECTED, per["both"], CPC),
            "abort",
            0.05,
            power_bound=0.80,
            planned_n=n_both,
            power_slack=2.0,
        ),
        Cell(
            "money_return_null",
            f"Return on spend ≥ {RETURN_MIN}, true return {RETURN_MIN} (revenue/visitor)",
            "ab",
            crit_ret,
            ret,
            _revenue_bought(RETURN_MIN, per["ret"]),
            "scale",
            0.05,
            planned_n=n_ret,
        ),
        Cell(
            "money_return_effect",
            f"Return on spend ≥ {RETURN_MIN}, true return {RETURN_EXPECTED} (planned)",
            "ab",
            crit_ret,
            ret,
            _revenue_bought(RETURN_EXPECTED, per["ret"]),
            "abort",
            0.05,
            power_bound=0.80,
            planned_n=n_ret,
            power_slack=2.0,
        ),
        Cell(
            "money_guardrail_null",
            f"Guardrail: cost per extra lead ≤ {COST_MAX:.0f}, true cost {COST_MAX:.0f}, beside lead rate",
            "ab",
            lead_rate,
            cost,
            _leads_bought(COST_MAX, per["cost"]),
            "harmed",
            0.05,
            planned_n=n_cost,
            beside=(guard,),
        ),
    ]


def _pilot(cell: Cell) -> PilotSpec:
    end = START + timedelta(days=DAYS - 1)
    if cell.design == "before_after":
        return PilotSpec(
            "sim",
            "before_after",
            start=START,
            end=end,
            baseline_start=START - timedelta(days=cell.baseline_days),
            baseline_end=START - timedelta(1),
        )
    return PilotSpec("sim", cell.design, start=START, end=end, planned_n_per_arm=cell.planned_n)


def run_one(cell: Cell, observations: list[Observation], *, sequential: bool = True) -> tuple[str, str, int]:
    """One pilot looked at every day: (recommendation, reason status, day of decision).

    The status is "harmed" when the pilot was stopped by a guardrail judged beside the criterion.
    """
    pilot = _pilot(cell)
    criteria = [cell.criterion, *cell.beside]
    for day in range(FIRST_LOOK - 1, DAYS):
        ev = evaluate_pilot(pilot, criteria, observations, as_of=_day(day), sequential=sequential)
        if ev.recommendation in ("scale", "abort"):
            harmed = ev.recommendation == "abort" and any(v.status == "harmed" for v in ev.verdicts[1:])
            return ev.recommendation, "harmed" if harmed else ev.verdicts[0].status, day + 1
    return ev.recommendation, ev.verdicts[0].status, DAYS


def run_cell(key: str, pilots: int, seed: int, baseline: bool = True) -> dict:
    """The engine's defaults on ``pilots`` simulated pilots; and, on the very same data, the baseline:
    the same engine judging each daily look as a single fixed-sample test (what the old engine did)."""
    cell = next(c for c in (*cells(), *money_cells()) if c.key == key)
    rng = np.random.default_rng(seed)
    scale = missed = futile = harmed = 0
    fixed = {"scale": 0, "abort": 0, "missed": 0, "harmed": 0}
    days = []
    for _ in range(pilots):
        observations = cell.simulate(rng, DAYS)
        outcome, status, day = run_one(cell, observations)
        days.append(day)
        if outcome == "scale":
            scale += 1
        elif status == "harmed":
            harmed += 1
        elif status == "futile":
            futile += 1
        elif outcome == "abort":
            missed += 1
        if baseline:
            f_outcome, f_status, _ = run_one(cell, observations, sequential=False)
            fixed["scale"] += f_outcome == "scale"
            fixed["abort"] += f_outcome == "abort"
            fixed["missed"] += f_outcome == "abort" and f_status == "missed"
            fixed["harmed"] += f_outcome == "abort" and f_status == "harmed"
    return {
        "key": key,
        "pilots": pilots,
        "scale": scale,
        "missed": missed,
        "futile": futile,
        "harmed": harmed,
        "mean_day": float(np.mean(days)),
        "sd_day": float(np.std(days)),
        "fixed": fixed,
    }


def rate_and_se(count: int, n: int) -> tuple[float, float]:
    p = count / n
    return p, math.sqrt(max(p * (1 - p), 1e-12) / n)


def _pct(count: int, n: int) -> str:
    p, se = rate_and_se(count, n)
    return f"{100 * p:5.1f} % ± {100 * se:3.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pilots", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--cells", default="")
    parser.add_argument("--no-baseline", action="store_true", help="skip the fixed-sample baseline (twice as fast)")
    parser.add_argument("--units", action="store_true", help="the stores-split-between-arms situations instead")
    parser.add_argument("--markets", action="store_true", help="the market tests (synthetic control) instead")
    parser.add_argument("--money", action="store_true", help="the money criteria (cost per extra, return) instead")
    args = parser.parse_args()
    if args.units:
        units_main(args.pilots, args.jobs, args.seed)
        return
    if args.markets:
        markets_main(args.pilots, args.jobs, args.seed, [k for k in args.cells.split(",") if k])
        return
    table = money_cells() if args.money else cells()
    chosen = [c for c in table if not args.cells or c.key in args.cells.split(",")]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [
            pool.submit(run_cell, c.key, args.pilots, args.seed + i, not args.no_baseline) for i, c in enumerate(chosen)
        ]
        results = {}
        for done, f in enumerate(futures, 1):
            results[f.result()["key"]] = f.result()
            print(
                f"  {done}/{len(futures)} situations simulated ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    print(
        f"{args.pilots:,} simulated pilots per situation, each looked at every day from day {FIRST_LOOK} "
        f"of {DAYS} until the first scale or abort ({time.perf_counter() - started:.0f} s)\n"
    )
    header = (
        f"{'situation':68} {'plan':>12} {'scale':>15} {'abort: missed':>15} {'abort: futile':>15} "
        f"{'mean day':>9}  {'checked':50} {'baseline: one-look test daily':>30}  {'issue (old engine)'}"
    )
    print(header)
    print("-" * len(header))
    for c in chosen:
        r = results[c.key]
        n = r["pilots"]
        plan = f"{c.baseline_days}+{DAYS} days"
        if c.planned_n:
            plan = f"{c.planned_n:,}/arm" if c.design == "ab" else f"{c.planned_n:,}"
        wrong = {
            "scale": r["scale"],
            "abort": r["missed"] + r["futile"],
            "missed": r["missed"],
            "harmed": r["harmed"],
        }[c.error]
        p, se = rate_and_se(wrong, n)
        verdict = "ok" if p <= c.bound else "OVER"
        checked = f"wrong {c.error} {100 * p:.1f} % <= {100 * c.bound:.0f} % {verdict}"
        if c.power_bound is not None:
            power, power_se = rate_and_se(r["scale"], n)
            within = f" (± {c.power_slack:g} se)" if c.power_slack else ""
            checked += (
                f"; power {100 * power:.0f} % >= {100 * c.power_bound:.0f} %{within} "
                f"{'ok' if power + c.power_slack * power_se >= c.power_bound else 'UNDER'}"
            )
        base = f"wrong {c.error} {_pct(r['fixed'][c.error], n)}" if not args.no_baseline else "—"
        print(
            f"{c.title:68} {plan:>12} {_pct(r['scale'], n):>15} {_pct(r['missed'], n):>15} "
            f"{_pct(r['futile'], n):>15} {r['mean_day']:9.1f}  {checked:50} {base:>30}  {c.old}"
        )
    if args.money:
        print("\n" + money_plans_text())


def units_main(pilots: int, jobs: int, seed: int) -> None:
    """The unit-randomised section: stores in markets, looked at every day, adjusted for market and not."""
    chosen = unit_cells()
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(run_unit_cell, c.key, pilots, seed + 100 + i, START, DAYS, FIRST_LOOK)
            for i, c in enumerate(chosen)
        ]
        results = {f.result()["key"]: f.result() for f in futures}
    print(
        f"{pilots:,} simulated store pilots per situation (6 markets, sales 2.4-fold apart, weekly rows), "
        f"looked at every day from day {FIRST_LOOK} of {DAYS} until the first scale or abort "
        f"({time.perf_counter() - started:.0f} s)\n"
    )
    header = (
        f"{'situation':52} {'plan':>14} {'scale':>15} {'abort: missed':>15} {'abort: futile':>15} "
        f"{'mean day':>9}  {'checked'}"
    )
    print(header)
    print("-" * len(header))
    for c in chosen:
        r = results[c.key]
        wrong = r["scale"] if c.error == "scale" else r["missed"] + r["futile"]
        p, _ = rate_and_se(wrong, pilots)
        checked = f"wrong {c.error} {100 * p:.1f} % <= {100 * c.bound:.0f} % {'ok' if p <= c.bound else 'OVER'}"
        if c.power_bound is not None:
            power = r["scale"] / pilots
            checked += f"; power {100 * power:.0f} % >= {100 * c.power_bound:.0f} % {'ok' if power >= c.power_bound else 'UNDER'}"
        plan = f"{r['planned']:,} stores/arm"
        print(
            f"{c.title:52} {plan:>14} {_pct(r['scale'], pilots):>15} {_pct(r['missed'], pilots):>15} "
            f"{_pct(r['futile'], pilots):>15} {r['mean_day']:9.1f}  {checked}"
        )
    adjusted, plain = results["units_effect_adjusted"]["planned"], results["units_effect_unadjusted"]["planned"]
    print(
        f"\nAdjusted for market, the plan needs {adjusted:,} stores per arm instead of {plain:,} for the same power: "
        f"{100 * (1 - adjusted / plain):.0f} % fewer stores."
    )


#: share of --pilots each market situation runs (the picker's search is the slow one; the calibration is
#: cheap and its top band of stated power needs many windows to be read within a few points)
MARKET_SHARE = {"market_null": 0.5, "market_effect": 0.1, "market_calibration": 1.0}


def markets_main(pilots: int, jobs: int, seed: int, keys: list[str] | None = None) -> None:
    """The market-test section: placebo markets, the picker's design, the picker's calibration (``keys``: only those)."""
    chosen = [c for c in market_cells() if not keys or c.key in keys]
    started = time.perf_counter()
    chunks = []
    for i, c in enumerate(chosen):
        runs = max(int(pilots * MARKET_SHARE[c.key]), 4)
        size = max(runs // (4 * jobs), 1)
        for j, first in enumerate(range(0, runs, size)):
            chunks.append((c.key, min(size, runs - first), seed + 1000 * (i + 1) + j))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        parts = list(pool.map(run_market_cell, *zip(*chunks, strict=True)))
    results: dict[str, dict] = {}
    for part in parts:
        merged = results.setdefault(part["key"], {"runs": 0, "rule": 0, "alone": 0, "stated": [], "realised": []})
        for name in ("runs", "rule", "alone"):
            merged[name] += part[name]
        merged["stated"] += part["stated"]
        merged["realised"] += part["realised"]
    print(
        "Market tests: 40 markets x 120 days (trend, weekly cycle, market noise, a 10-day +15 % shock shared by a "
        "third of the markets), planned on the first 90 days, read every day of the test "
        f"({time.perf_counter() - started:.0f} s)\n"
    )
    header = f"{'situation':58} {'runs':>6}  {'checked':62} {'baseline: each look judged alone'}"
    print(header)
    print("-" * len(header))
    for c in chosen:
        r = results[c.key]
        n = r["runs"]
        if c.key == "market_null":
            p, se = rate_and_se(r["rule"], n)
            checked = f"wrong scale {_pct(r['rule'], n)} <= {100 * c.bound:.0f} % {'ok' if p <= c.bound else 'OVER'}"
            base = f"wrong scale {_pct(r['alone'], n)}"
        elif c.key == "market_effect":
            p, se = rate_and_se(r["rule"], n)
            stated = float(np.mean(r["stated"]))
            checked = (
                f"power {_pct(r['rule'], n)} >= {100 * c.bound:.0f} % {'ok' if p >= c.bound else 'UNDER'}; "
                f"stated {100 * stated:.0f} %"
            )
            base = f"power {_pct(r['alone'], n)}"
        else:
            realised = np.array(r["realised"], dtype=float)
            stated_all = np.array(r["stated"])
            gap = 100 * (realised.mean() - stated_all.mean())
            checked = (
                f"realised {100 * realised.mean():.0f} % vs stated {100 * stated_all.mean():.0f} % over "
                f"{len(realised):,} windows: {gap:+.1f} points {'ok' if abs(gap) <= 100 * c.bound else 'OFF'}"
            )
            base = "—"
            bands = []
            for low, high in ((0.0, 0.5), (0.5, 0.8), (0.8, 1.01)):
                inside = (stated_all >= low) & (stated_all < high)
                if inside.any():
                    band_gap = 100 * (realised[inside].mean() - stated_all[inside].mean())
                    band_se = 100 * rate_and_se(int(realised[inside].sum()), int(inside.sum()))[1]
                    bands.append(
                        f"stated {100 * low:.0f}-{min(100 * high, 100):.0f} %: {100 * stated_all[inside].mean():.0f} % "
                        f"stated, {100 * realised[inside].mean():.0f} % realised ({int(inside.sum())} windows): "
                        f"{band_gap:+.1f} ± {band_se:.1f} points "
                        f"{'ok' if abs(band_gap) <= 100 * c.bound else 'OFF'}"
                    )
            r["bands"] = bands
        print(f"{c.title:58} {n:>6}  {checked:62} {base}")
        for line in r.get("bands", []):
            print(f"{'':66}{line}")


if __name__ == "__main__":
    main()
