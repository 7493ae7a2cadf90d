"""Calibration benchmark of the informed reading: small pilots read with the team's past pilots.

Run from the repo root::

    .venv/bin/python bench/priors_calibration.py [--pilots 2000] [--cells normal_20,...] [--seed 7]
        [--team-centres -0.5,1.5] [--team-spreads 0,1.5]

Each simulated new pilot gets a portfolio of its own: ``past`` decided pilots of
the same kind whose true effects (a rate difference, in points) are drawn from
a population — normal, or heavy-tailed (Student's t with 3 df, scaled to the
same standard deviation) — and a new pilot from the same population. In the
first situations every team shares one population (centre +0.3 pts, spread 0.4
pts unless said); in the "teams differ" ones each new pilot's team has a
population of its own, its centre drawn from -0.5 to +1.5 pts and its spread
from 0 to 1.5 pts (uniformly; the flags change both ranges). Pilots
have mixed plans (800 to 6,000 people per arm, log-uniform) and baseline rates
(3–7 %; 40–60 % in the "too spread" situation, so that a spread of 20 points fits); a decided pilot ran 50–100 % of its plan, the new one only 10–30 %.
Counts are binomial and each effect's standard error is the Agresti–Caffo one
the app uses, so the standard errors are estimated, as in the app.

Every pilot is read with the app's own code, all of a situation's pilots at once:
``lib.stats.priors.predictive`` and ``prior_weight`` decide, as ``fit_prior`` does,
whether there is a reading (5 past pilots, a prior carrying 30 % of it), and
``read_many`` (what ``shrink`` runs for one pilot) gives the posterior median,
95 % interval, chance of clearing +0.5 pts and the normal-shape check. The raw
reading (its own estimate, ± 1.96 standard errors, chance from the same normal)
is computed on the same data.

Printed per situation: how often a reading is shown, how often its chance is
withheld (interval alone), coverage of the 95 % interval (informed vs raw),
mean squared error of the central figure (the median; informed / raw) and the
number of self-contradicting sentences (median past the threshold while the chance
is under 50 %, or the reverse). Then the reliability table: per decile of the
stated chance, the readings in it, their mean stated chance and the share
whose true effect cleared +0.5 pts.

Targets (issues 19 and 24): coverage >= 93 % (normal) and >= 90 % (heavy-tailed),
MSE <= 0.7x raw; no reading with fewer than 5 past pilots or a population too
spread to help; 0 self-contradicting sentences. Reliability, where teams differ
(normal and heavy-tailed, 5, 8 and 20 past pilots): every decile with >= 50
readings has a cleared share within 10 points of its band (normal) or 15 points
(heavy-tailed); the readings whose chance is withheld are counted apart, and
shown with them in a second table.

Where every team shares one population the reliability table is printed without
a target. A chance is a statement across the teams it is given to. Within one
fixed population whose new pilots are too small to say much, whether a pilot
clears does not depend on its team's past pilots, yet any chance read from them
moves with their luck; so pilots told 80 % clear at the population's rate
whatever they are told (with no spread at all, none of them clears). The cautious
bound this replaces met "told >= 80 %, >= 75 % clear" there (issue 19) only by
stating chances far too low everywhere else. Exit status 1 when a target is
missed.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from lib.stats.priors import MIN_PILOTS, MIN_PRIOR_WEIGHT, predictive, prior_weight, read_many  # noqa: E402

THRESHOLD = 0.005  # +0.5 pts: the minimum worth scaling
MEAN_EFFECT = 0.003  # the population's centre: +0.3 pts
PLAN_RANGE = (800, 6000)
PAST_FRACTION = (0.5, 1.0)
NEW_FRACTION = (0.1, 0.3)
BASE_RATE = (0.03, 0.07)
#: teams differ: the typical effect of a team's pilots from -0.5 to +1.5 pts, their spread from 0 to 1.5 pts
TEAM_CENTRES = (-0.005, 0.015)
TEAM_SPREADS = (0.0, 0.015)
#: a decile's cleared share is judged only with at least this many readings in it
MIN_DECILE = 50
#: new pilots read in one pass (rows x grid arrays stay small)
CHUNK = 500


@dataclass(frozen=True)
class Cell:
    key: str
    title: str
    population: str  # "normal" or "t3"
    past: int
    spread: float  # the population's standard deviation (tau), as a rate difference
    expect_reading: bool = True
    coverage_target: float | None = None
    mse_target: float | None = 0.7
    base_rate: tuple[float, float] = BASE_RATE
    centre: float = MEAN_EFFECT
    reliability_tolerance: float | None = None  # points a decile's cleared share may lie outside its band
    #: each new pilot's team has a population of its own: centre and spread drawn uniformly from these ranges
    #: (``centre`` and ``spread`` are then unused)
    team_centres: tuple[float, float] | None = None
    team_spreads: tuple[float, float] = (0.0, 0.0)


CELLS: dict[str, Cell] = {
    c.key: c
    for c in (
        Cell("normal_20", "normal, 20 past pilots", "normal", 20, 0.004, coverage_target=0.93),
        Cell("normal_8", "normal, 8 past pilots", "normal", 8, 0.004, coverage_target=0.93),
        Cell("normal_5", "normal, 5 past pilots", "normal", 5, 0.004, coverage_target=0.93),
        Cell("normal_same", "normal, no spread, 8 past", "normal", 8, 0.0, coverage_target=0.93),
        Cell(
            "normal_wide",
            "normal, spread 1.5 pts, 20 past",
            "normal",
            20,
            0.015,
            coverage_target=0.93,
        ),
        Cell("t3_20", "heavy-tailed (t3), 20 past", "t3", 20, 0.004, coverage_target=0.90),
        Cell("t3_8", "heavy-tailed (t3), 8 past", "t3", 8, 0.004, coverage_target=0.90),
        Cell("t3_5", "heavy-tailed (t3), 5 past", "t3", 5, 0.004, coverage_target=0.90),
        Cell(
            "t3_wide",
            "heavy-tailed (t3), spread 1.5 pts, 20 past",
            "t3",
            20,
            0.015,
            coverage_target=0.90,
        ),
        Cell(
            "too_spread",
            "normal, spread 20 pts, 20 past (rates 40-60 %)",
            "normal",
            20,
            0.20,
            expect_reading=False,
            base_rate=(0.4, 0.6),
        ),
        Cell("too_few", "normal, 4 past pilots", "normal", 4, 0.004, expect_reading=False),
        Cell(
            "normal_high",
            "normal, centre +1 pt, 20 past",
            "normal",
            20,
            0.004,
            coverage_target=0.93,
            centre=0.01,
        ),
        *(
            Cell(
                f"teams_{pop}_{k}",
                f"{'normal' if pop == 'normal' else 'heavy-tailed (t3)'}, {k} past, teams differ",
                pop,
                k,
                0.0,
                coverage_target=0.93 if pop == "normal" else 0.90,
                reliability_tolerance=0.10 if pop == "normal" else 0.15,
                team_centres=TEAM_CENTRES,
                team_spreads=TEAM_SPREADS,
            )
            for pop in ("normal", "t3")
            for k in (5, 8, 20)
        ),
    )
}


@dataclass(frozen=True)
class Decile:
    """Readings whose stated chance of clearing fell in ``[low, high)``: what was stated vs what came true."""

    low: float
    high: float
    count: int
    stated: float | None  # mean stated chance
    cleared: float | None  # share whose true effect beats the threshold

    @property
    def label(self) -> str:
        return f"{self.low:.0%}–{min(self.high, 1.0):.0%}"

    def off_band(self) -> float | None:
        """How far the cleared share lies outside ``[low, high]`` (0 inside it); None when empty."""
        if self.cleared is None:
            return None
        return max(0.0, self.low - self.cleared, self.cleared - min(self.high, 1.0))


def reliability(chance: np.ndarray, cleared: np.ndarray) -> tuple[Decile, ...]:
    """Per decile of the stated chance: the readings, their mean stated chance, the share truly cleared."""
    out = []
    for i in range(10):
        low, high = i / 10, (i + 1) / 10 if i < 9 else 1.01
        inside = (chance >= low) & (chance < high)
        n = int(inside.sum())
        stated = float(chance[inside].mean()) if n else None
        out.append(Decile(low, high, n, stated, float(cleared[inside].mean()) if n else None))
    return tuple(out)


@dataclass(frozen=True)
class CellResult:
    cell: Cell
    pilots: int
    shown: float  # share of new pilots given an informed reading
    withheld: int  # readings whose chance is withheld (the interval alone)
    coverage: float | None  # informed 95 % interval, over the pilots with a reading
    coverage_raw: float | None  # the raw interval, same pilots
    mse_ratio: float | None  # informed median / raw estimate, same pilots
    contradictions: int  # readings whose chance (>= 50 %?) and median (past the threshold?) disagree
    seconds: float
    deciles: tuple[Decile, ...] = ()  # the stated chance (withheld ones left out)
    deciles_all: tuple[Decile, ...] = ()  # the chance of every reading, withheld or not
    deciles_raw: tuple[Decile, ...] = ()

    def misses(self) -> list[str]:
        """The targets this cell misses, in words (empty when it meets them)."""
        out = []
        c = self.cell
        if not c.expect_reading and self.shown > 0:
            out.append(f"{c.key}: a reading was shown for {self.shown:.1%} of pilots")
        if not c.expect_reading:
            return out
        if c.coverage_target is not None and (self.coverage is None or self.coverage < c.coverage_target):
            out.append(f"{c.key}: coverage {self.coverage} below {c.coverage_target:.0%}")
        if c.mse_target is not None and (self.mse_ratio is None or self.mse_ratio > c.mse_target):
            out.append(f"{c.key}: MSE ratio {self.mse_ratio} above {c.mse_target}")
        if self.contradictions:
            out.append(f"{c.key}: {self.contradictions} self-contradicting sentences")
        if c.reliability_tolerance is not None:
            for d in self.deciles:
                off = d.off_band()
                if d.count >= MIN_DECILE and off is not None and off > c.reliability_tolerance + 1e-12:
                    out.append(
                        f"{c.key}: told {d.label}, {d.cleared:.1%} of {d.count} cleared "
                        f"({off:.1%} outside the band; at most {c.reliability_tolerance:.0%})"
                    )
        return out


def _effects(
    rng: np.random.Generator,
    cell: Cell,
    size: int | tuple[int, int],
    centre: np.ndarray | float,
    spread: np.ndarray | float,
) -> np.ndarray:
    if cell.population == "t3":
        return centre + spread * rng.standard_t(3, size) / math.sqrt(3.0)
    return centre + spread * rng.standard_normal(size)


def _measure(
    rng: np.random.Generator, truth: np.ndarray, fraction: tuple[float, float], base_rate: tuple[float, float]
) -> tuple[np.ndarray, ...]:
    """Binomial counts per arm: the raw difference, its Agresti–Caffo standard error, and the true effect
    (the drawn one, unless the pilot's rate had to be kept within 0.1-99.9 %)."""
    size = truth.shape
    plan = np.exp(rng.uniform(math.log(PLAN_RANGE[0]), math.log(PLAN_RANGE[1]), size))
    n = np.maximum(np.round(plan * rng.uniform(*fraction, size)), 20)
    base = rng.uniform(*base_rate, size)
    control = rng.binomial(n.astype(np.int64), base)
    rate = np.clip(base + truth, 0.001, 0.999)
    pilot = rng.binomial(n.astype(np.int64), rate)
    estimate = (pilot - control) / n
    pa, pb = (control + 1) / (n + 2), (pilot + 1) / (n + 2)
    se = np.sqrt(pa * (1 - pa) / (n + 2) + pb * (1 - pb) / (n + 2))
    return estimate, se, rate - base


@dataclass(frozen=True)
class Simulated:
    """One situation's pilots: past effects and errors (pilots x past), the new pilots' estimates, errors, truth."""

    past_y: np.ndarray
    past_se: np.ndarray
    y: np.ndarray
    se: np.ndarray
    truth: np.ndarray


def simulate(key: str, pilots: int, seed: int = 7) -> Simulated:
    """``pilots`` new pilots, each with a portfolio of its own (the random streams of the earlier bench)."""
    cell = CELLS[key]
    rng = np.random.default_rng([seed, list(CELLS).index(key)])
    if cell.team_centres is None:
        past_truth = _effects(rng, cell, pilots * cell.past, cell.centre, cell.spread).reshape(pilots, cell.past)
        centre, spread = np.full(pilots, cell.centre), np.full(pilots, cell.spread)
    else:
        centre, spread = rng.uniform(*cell.team_centres, pilots), rng.uniform(*cell.team_spreads, pilots)
        past_truth = _effects(rng, cell, (pilots, cell.past), centre[:, None], spread[:, None])
    past_y, past_se, _ = _measure(rng, past_truth, PAST_FRACTION, cell.base_rate)
    truth = _effects(rng, cell, pilots, centre, spread)
    y, se, truth = _measure(rng, truth, NEW_FRACTION, cell.base_rate)
    return Simulated(past_y, past_se, y, se, truth)


def has_reading(sim: Simulated) -> np.ndarray:
    """Which pilots fit_prior gives a prior: enough past pilots, and a prior carrying enough of the reading."""
    if sim.past_y.shape[1] < MIN_PILOTS:
        return np.zeros(len(sim.y), dtype=bool)
    _, sd = predictive(sim.past_y, sim.past_se)
    return np.asarray(prior_weight(sd, sim.se) >= MIN_PRIOR_WEIGHT)


def run_cell(key: str, pilots: int, seed: int = 7) -> CellResult:
    """Informed and raw readings of the same simulated pilots, and how they fared against the truth."""
    cell = CELLS[key]
    started = time.perf_counter()
    sim = simulate(key, pilots, seed)
    shown = has_reading(sim)
    idx = np.flatnonzero(shown)
    if not len(idx):
        return CellResult(cell, pilots, 0.0, 0, None, None, None, 0, time.perf_counter() - started)
    parts = [
        read_many(sim.past_y[i], sim.past_se[i], sim.y[i], sim.se[i], THRESHOLD)
        for i in np.array_split(idx, max(1, math.ceil(len(idx) / CHUNK)))
    ]

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    median, low, high, chance, doubtful = (joined(n) for n in ("median", "low", "high", "chance", "doubtful"))
    t, y, se = sim.truth[idx], sim.y[idx], sim.se[idx]
    cleared = t >= THRESHOLD
    raw_chance = 0.5 * np.vectorize(math.erfc)(-(y - THRESHOLD) / se / math.sqrt(2.0))
    z = 1.959963984540054
    return CellResult(
        cell,
        pilots,
        shown=len(idx) / pilots,
        withheld=int(doubtful.sum()),
        coverage=float(np.mean((low <= t) & (t <= high))),
        coverage_raw=float(np.mean((y - z * se <= t) & (t <= y + z * se))),
        mse_ratio=float(np.mean((median - t) ** 2) / np.mean((y - t) ** 2)),
        contradictions=int(np.sum((chance >= 0.5) != (median >= THRESHOLD))),
        seconds=time.perf_counter() - started,
        deciles=reliability(chance[~doubtful], cleared[~doubtful]),
        deciles_all=reliability(chance, cleared),
        deciles_raw=reliability(raw_chance, cleared),
    )


def _pts(span: tuple[float, float] | None, sign: str = "+") -> str:
    return "—" if span is None else f"{100 * span[0]:{sign}.1f} to {100 * span[1]:{sign}.1f} pts"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _likely(r: CellResult) -> str:
    """Readings told at least 80 % (the top two deciles) and the share of them that cleared."""
    top = [d for d in r.deciles if d.low >= 0.8 and d.count]
    n = sum(d.count for d in top)
    return "—" if not n else f"{n:,} → {sum(d.count * (d.cleared or 0.0) for d in top) / n:.0%}"


def table(results: list[CellResult]) -> str:
    head = (
        "| situation | new pilots | reading shown | chance withheld (interval alone) "
        "| coverage informed / raw (target) | MSE informed ÷ raw | told ≥ 80 %: readings → cleared "
        "| self-contradicting sentences | seconds |"
    )
    lines = [head, "|" + " --- |" * 9]
    for r in results:
        target = f"≥ {r.cell.coverage_target:.0%}" if r.cell.coverage_target else "no reading"
        mse = "—" if r.mse_ratio is None else f"{r.mse_ratio:.2f}"
        lines.append(
            f"| {r.cell.title} | {r.pilots:,} | {_pct(r.shown)} | {r.withheld:,} "
            f"| {_pct(r.coverage)} / {_pct(r.coverage_raw)} ({target}) | {mse} | {_likely(r)} | {r.contradictions:,} "
            f"| {r.seconds:.1f} |"
        )
    return "\n".join(lines)


def reliability_table(results: list[CellResult], which: str = "deciles") -> str:
    """One row per situation, one column per decile of the stated chance: readings, mean stated → share cleared.

    ``which`` is ``"deciles"`` (the stated chance, withheld ones left out), ``"deciles_all"`` or
    ``"deciles_raw"``. A decile whose cleared share misses the situation's target is marked ✗."""
    head = "| situation | " + " | ".join(f"told {i * 10}–{i * 10 + 10} %" for i in range(10)) + " |"
    lines = [head, "|" + " --- |" * 11]
    for r in results:
        deciles: tuple[Decile, ...] = getattr(r, which)
        if not deciles:
            continue
        tol = r.cell.reliability_tolerance if which == "deciles" else None
        cells = []
        for d in deciles:
            off = d.off_band()
            miss = tol is not None and d.count >= MIN_DECILE and off is not None and off > tol + 1e-12
            text = "—" if not d.count else f"{d.count:,}: {d.stated:.0%} → {d.cleared:.0%}"
            cells.append(text + (" ✗" if miss else ""))
        lines.append(f"| {r.cell.title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pilots", type=int, default=2000, help="new pilots per situation (default 2,000)")
    parser.add_argument("--cells", default=",".join(CELLS), help="comma-separated situations")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--team-centres", default="", help="where teams differ, their centres' range in points, e.g. 0.1,0.9"
    )
    parser.add_argument("--team-spreads", default="", help="and their spreads' range in points, e.g. 0.2,0.8")
    args = parser.parse_args(argv)
    for flag, name in ((args.team_centres, "team_centres"), (args.team_spreads, "team_spreads")):
        if flag:
            low, high = (float(x) / 100 for x in flag.split(","))
            for key, cell in CELLS.items():
                if cell.team_centres is not None:
                    CELLS[key] = replace(cell, **{name: (low, high)})
    started = time.perf_counter()
    results = [run_cell(key, args.pilots, args.seed) for key in args.cells.split(",")]
    teams = [r for r in results if r.cell.team_centres is not None]
    fixed = [r for r in results if r.cell.team_centres is None]
    print(
        "Informed vs raw reading of small pilots (10-30 % of plan), threshold +0.5 pts; one population for all "
        "teams (centre +0.3 pts, +1 pt where said) or, where teams differ, a population of each team's own "
        f"(centre {_pts(teams[0].cell.team_centres if teams else TEAM_CENTRES)}, "
        f"spread {_pts(teams[0].cell.team_spreads if teams else TEAM_SPREADS, '')}). Central figure = posterior median.\n"
    )
    print(table(results))
    if teams:
        print(
            f"\nReliability of the stated chance of clearing +0.5 pts, teams differ (readings: mean stated → share "
            f"cleared; ✗ = a decile with >= {MIN_DECILE} readings more than 10 points (normal) or 15 points "
            "(heavy-tailed) outside its band; readings whose chance is withheld left out):\n"
        )
        print(reliability_table(teams))
        print("\nThe same, every reading's chance (withheld ones included):\n")
        print(reliability_table(teams, "deciles_all"))
        print("\nThe raw reading's chance (the pilot's own data alone), same pilots:\n")
        print(reliability_table(teams, "deciles_raw"))
    if [r for r in fixed if r.deciles]:
        print(
            "\nOne population for every team (no target: within one fixed population the outcome does not depend "
            "on the past pilots' luck, while any chance read from them does):\n"
        )
        print(reliability_table(fixed))
    read = [r for r in results if r.cell.expect_reading]
    total = sum(r.contradictions for r in read)
    readings = sum(round(r.shown * r.pilots) for r in read)
    withheld = sum(r.withheld for r in read)
    print(f"\nSelf-contradicting sentences: {total:,} of {readings:,} readings.")
    print(f"Chance withheld (interval alone): {withheld:,} of {readings:,} readings.")
    misses = [m for r in results for m in r.misses()]
    print(f"\n{time.perf_counter() - started:.1f} s in all.")
    print("All targets met." if not misses else "Targets missed:\n  " + "\n  ".join(misses))
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
