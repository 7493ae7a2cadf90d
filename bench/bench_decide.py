"""Benchmark: a 1,000-pilot portfolio (3 criteria each) through the decision engine.

Run from the repo root::

    .venv/bin/python bench/bench_decide.py [--pilots 1000] [--repeat 5]

Prints pilots per second for ``evaluate_pilot`` end to end (aggregation of
the raw daily observations included) next to a per-pilot loop of plain
scipy.stats calls over the same observations, measured in the same run.
Each run is timed on the wall clock and in CPU time (this process only): on
a shared machine the CPU figures move less with the other work running.
Target: the whole portfolio in under 0.5 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from lib.decide import evaluate_pilot  # noqa: E402
from lib.specs import CriterionSpec, Observation, PilotSpec  # noqa: E402

DAYS = 28
START = date(2026, 11, 2)

AB_CRITERIA = (
    CriterionSpec("signup_rate", "proportion", "primary", "vs_control", 0.0),
    CriterionSpec("order_value", "mean", "secondary", "vs_control", 0.0),
    CriterionSpec("unsubscribe_rate", "proportion", "guardrail", "vs_control", 0.0, direction="decrease"),
)
TARGET_CRITERIA = (
    CriterionSpec("reply_rate", "proportion", "primary", "vs_target", 0.08),
    CriterionSpec("meetings_per_day", "count", "secondary", "vs_target", 3.0),
    CriterionSpec("bounce_rate", "proportion", "guardrail", "vs_target", 0.05, direction="decrease"),
)
BA_CRITERIA = (
    CriterionSpec("leads", "count", "primary", "vs_baseline", 0.0),
    CriterionSpec("visit_rate", "proportion", "secondary", "vs_baseline", 0.0),
    CriterionSpec("basket", "mean", "guardrail", "vs_baseline", 0.0),
)


def _mean_obs(rng: random.Random, day: date, arm: str, metric: str, n: int, mu: float, sd: float) -> Observation:
    values = [rng.gauss(mu, sd) for _ in range(3)]
    # scale three draws up to n orders: keeps generation cheap, sums realistic
    total = sum(values) / 3 * n
    total_sq = (sum(v * v for v in values) / 3) * n
    return Observation(day, arm, metric, n, total, total_sq)


def make_portfolio(
    n_pilots: int, seed: int = 7
) -> list[tuple[PilotSpec, tuple[CriterionSpec, ...], list[Observation]]]:
    """Synthetic pilots: 70% A/B, 15% against a target, 15% before/after; 28 days each."""
    rng = random.Random(seed)
    portfolio = []
    for i in range(n_pilots):
        kind = rng.random()
        obs: list[Observation] = []
        if kind < 0.70:
            pilot = PilotSpec(
                f"ab-{i}", "ab", start=START, end=START + timedelta(days=DAYS - 1), planned_n_per_arm=8000
            )
            lift = rng.choice([0.0, 0.0, 0.01, 0.03, -0.01])
            for d in range(DAYS):
                day = START + timedelta(days=d)
                for arm, shift in (("control", 0.0), ("pilot", lift)):
                    n = rng.randint(150, 350)
                    obs.append(
                        Observation(day, arm, "signup_rate", n, sum(rng.random() < 0.10 + shift for _ in range(n)))
                    )
                    obs.append(_mean_obs(rng, day, arm, "order_value", rng.randint(10, 30), 60.0, 20.0))
                    obs.append(Observation(day, arm, "unsubscribe_rate", n, sum(rng.random() < 0.01 for _ in range(n))))
            portfolio.append((pilot, AB_CRITERIA, obs))
        elif kind < 0.85:
            pilot = PilotSpec(
                f"target-{i}", "target", start=START, end=START + timedelta(days=DAYS - 1), planned_n_per_arm=1500
            )
            for d in range(DAYS):
                day = START + timedelta(days=d)
                n = rng.randint(20, 60)
                obs.append(Observation(day, "pilot", "reply_rate", n, sum(rng.random() < 0.09 for _ in range(n))))
                obs.append(Observation(day, "pilot", "meetings_per_day", 1, rng.randint(1, 6)))
                obs.append(Observation(day, "pilot", "bounce_rate", n, sum(rng.random() < 0.03 for _ in range(n))))
            portfolio.append((pilot, TARGET_CRITERIA, obs))
        else:
            pilot = PilotSpec(
                f"ba-{i}",
                "before_after",
                start=START,
                end=START + timedelta(days=DAYS - 1),
                baseline_start=START - timedelta(days=DAYS),
                baseline_end=START - timedelta(days=1),
            )
            for d in range(-DAYS, DAYS):
                day = START + timedelta(days=d)
                after = d >= 0
                n = rng.randint(300, 500)
                obs.append(Observation(day, "pilot", "leads", 1, rng.gauss(40 + (4 if after else 0), 6)))
                obs.append(Observation(day, "pilot", "visit_rate", n, sum(rng.random() < 0.2 for _ in range(n))))
                obs.append(_mean_obs(rng, day, "pilot", "basket", rng.randint(10, 30), 35.0, 10.0))
            portfolio.append((pilot, BA_CRITERIA, obs))
    return portfolio


def run_engine(portfolio) -> list[str]:
    return [evaluate_pilot(p, c, o).recommendation for p, c, o in portfolio]


def run_plain_scipy(portfolio) -> int:
    """The same questions answered with plain scipy.stats calls, one pilot at a time."""
    done = 0
    for pilot, criteria, obs in portfolio:
        sums: dict[tuple[str, str], list[float]] = {}
        daily: dict[tuple[str, str, bool], list[float]] = {}
        for o in obs:
            cell = sums.setdefault((o.metric, o.arm), [0.0, 0.0, 0.0])
            cell[0] += o.n
            cell[1] += o.total
            cell[2] += o.total_sq or 0.0
            after = pilot.start is None or o.day >= pilot.start
            daily.setdefault((o.metric, o.arm, after), []).append(o.total / o.n if o.n else o.total)
        for crit in criteria:
            if crit.comparison == "vs_control":
                c, p = sums[(crit.metric, "control")], sums[(crit.metric, "pilot")]
                if crit.kind == "proportion":
                    table = np.array([[p[1], p[0] - p[1]], [c[1], c[0] - c[1]]])
                    stats.chi2_contingency(table, correction=False)
                    stats.norm.ppf(0.975)
                else:
                    mc, mp = c[1] / c[0], p[1] / p[0]
                    sc = ((c[2] - c[1] ** 2 / c[0]) / (c[0] - 1)) ** 0.5
                    sp = ((p[2] - p[1] ** 2 / p[0]) / (p[0] - 1)) ** 0.5
                    stats.ttest_ind_from_stats(mp, sp, p[0], mc, sc, c[0], equal_var=False)
            elif crit.comparison == "vs_target":
                p = sums[(crit.metric, "pilot")]
                if crit.kind == "proportion":
                    res = stats.binomtest(int(p[1]), int(p[0]), crit.threshold, alternative="greater")
                    res.proportion_ci()
                else:
                    stats.ttest_1samp(daily[(crit.metric, "pilot", True)], crit.threshold)
            else:
                before = daily.get((crit.metric, "pilot", False), [])
                after = daily.get((crit.metric, "pilot", True), [])
                stats.ttest_ind(after, before, equal_var=False)
        done += 1
    return done


def _time(fn, portfolio, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each of ``repeat`` runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(portfolio)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilots", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    portfolio = make_portfolio(args.pilots)
    n_obs = sum(len(o) for _, _, o in portfolio)
    print(
        f"portfolio: {args.pilots} pilots x 3 criteria, {n_obs:,} daily observations "
        f"(built in {time.perf_counter() - t0:.1f} s)"
    )

    run_engine(portfolio[:20])  # warm caches and imports
    run_plain_scipy(portfolio[:20])
    engine, engine_cpu = _time(run_engine, portfolio, args.repeat)
    plain, plain_cpu = _time(run_plain_scipy, portfolio, args.repeat)
    recs = run_engine(portfolio)
    counts = {r: recs.count(r) for r in sorted(set(recs))}

    best_e, best_p = min(engine), min(plain)
    print(
        f"decision engine : best {best_e:.3f} s, median {statistics.median(engine):.3f} s "
        f"-> {args.pilots / best_e:,.0f} pilots/s"
    )
    print(
        f"plain scipy loop: best {best_p:.3f} s, median {statistics.median(plain):.3f} s "
        f"-> {args.pilots / best_p:,.0f} pilots/s"
    )
    print(f"engine / plain scipy speed: {best_p / best_e:.1f}x")
    print(
        f"CPU time        : engine best {min(engine_cpu):.3f} s, median {statistics.median(engine_cpu):.3f} s; "
        f"plain scipy best {min(plain_cpu):.3f} s, median {statistics.median(plain_cpu):.3f} s "
        f"-> {min(plain_cpu) / min(engine_cpu):.2f}x"
    )
    print(f"recommendations: {counts}")
    target = 0.5 * args.pilots / 1000
    verdict = "OK" if best_e < target else "SLOWER THAN TARGET"
    print(f"target: whole portfolio under {target:.2f} s -> {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
