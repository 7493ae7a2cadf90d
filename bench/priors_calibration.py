"""Calibration benchmark of the informed reading: small pilots read with the team's past pilots.

Run from the repo root::

    .venv/bin/python bench/priors_calibration.py [--pilots 2000] [--cells normal_20,...] [--seed 7]

Each simulated new pilot gets a portfolio of its own: ``past`` decided pilots of
the same kind whose true effects (a rate difference, in points) are drawn from
a population — normal, or heavy-tailed (Student's t with 3 df, scaled to the
same standard deviation) — and a new pilot from the same population. Pilots
have mixed plans (800 to 6,000 people per arm, log-uniform) and baseline rates
(3–7 %; 40–60 % in the "too spread" situation, so that a spread of 20 points fits); a decided pilot ran 50–100 % of its plan, the new one only 10–30 %.
Counts are binomial and each effect's standard error is the Agresti–Caffo one
the app uses, so the standard errors are estimated, as in the app.

``lib.stats.priors.fit_prior`` is fitted on the decided ones (with the new
pilot's standard error as the typical one) and ``shrink`` reads the new pilot;
the raw reading (its own estimate, ± 1.96 standard errors, chance from the
same normal) is computed on the same data. Printed per situation: how often a
reading is shown, coverage of the 95 % interval (informed vs raw, over the
pilots with a reading), mean squared error of the estimate (informed / raw),
and the rate of wrong "likely clears the threshold" readings: "likely" is a
chance of at least 80 % that the effect beats +0.5 pts, wrong is a true effect
below it. Two rates: per pilot read, and among the "likely" readings.

Then the calibration of the stated chance: per bin of it (50-80 %, 80-90 %,
>= 90 %), the pilots in the bin, their mean stated chance and the share whose
true effect cleared +0.5 pts, for the stated (lower-bound) chance, the plain
posterior chance it replaced (the first version's, overconfident) and the raw
reading's.

Targets (issue 19): coverage >= 93 % (normal) and >= 90 % (heavy-tailed), MSE
<= 0.7x raw; no reading with fewer than 5 past pilots or a population too
spread to help. And the chance must mean what it says: among pilots told
"likely clears" (>= 80 %), the share that truly clears is >= 75 %, in every
normal and heavy-tailed situation and over all of them together. In a
situation an honest method rarely calls "likely" (with the threshold above the
population's centre and small new pilots, even a reader who knew the
population would call about 1 pilot in 200), the share rests on a handful of
pilots; a situation misses the target when the share is below 75 % beyond
Monte Carlo doubt: its one-sided 95 % Clopper-Pearson upper limit is below
75 % (so 0 right of 1 passes, 0 of 3 misses). Exit status 1 when a target is
missed.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from lib.stats.priors import fit_prior, raw_reading, shrink  # noqa: E402

THRESHOLD = 0.005  # +0.5 pts: the minimum worth scaling
LIKELY = 0.80  # a reading says "likely clears" from this chance on
LIKELY_CLEARS = 0.75  # the target: at least this share of "likely clears" pilots truly clear
MEAN_EFFECT = 0.003  # the population's centre: +0.3 pts
PLAN_RANGE = (800, 6000)
PAST_FRACTION = (0.5, 1.0)
NEW_FRACTION = (0.1, 0.3)
BASE_RATE = (0.03, 0.07)


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


CELLS: dict[str, Cell] = {
    c.key: c
    for c in (
        Cell("normal_20", "normal, 20 past pilots", "normal", 20, 0.004, coverage_target=0.93),
        Cell("normal_8", "normal, 8 past pilots", "normal", 8, 0.004, coverage_target=0.93),
        Cell("normal_5", "normal, 5 past pilots", "normal", 5, 0.004, coverage_target=0.93),
        Cell("normal_same", "normal, no spread, 8 past", "normal", 8, 0.0, coverage_target=0.93),
        Cell("normal_wide", "normal, spread 1.5 pts, 20 past", "normal", 20, 0.015, coverage_target=0.93),
        Cell("t3_20", "heavy-tailed (t3), 20 past", "t3", 20, 0.004, coverage_target=0.90),
        Cell("t3_8", "heavy-tailed (t3), 8 past", "t3", 8, 0.004, coverage_target=0.90),
        Cell("t3_5", "heavy-tailed (t3), 5 past", "t3", 5, 0.004, coverage_target=0.90),
        Cell("t3_wide", "heavy-tailed (t3), spread 1.5 pts, 20 past", "t3", 20, 0.015, coverage_target=0.90),
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
        Cell("normal_high", "normal, centre +1 pt, 20 past", "normal", 20, 0.004, coverage_target=0.93, centre=0.01),
    )
}


@dataclass(frozen=True)
class CalibrationBin:
    """Pilots whose stated chance of clearing fell in ``[low, high)``: what was stated vs what came true."""

    low: float
    high: float
    count: int
    stated: float | None  # mean stated chance
    cleared: float | None  # share whose true effect beats the threshold

    @property
    def label(self) -> str:
        return f"≥ {self.low:.0%}" if self.high > 1 else f"{self.low:.0%}–{self.high:.0%}"


#: the stated-chance bins of the calibration report; the last one is the "likely clears" reading
BINS = ((0.5, 0.8), (0.8, 0.9), (0.9, 1.01))


def calibration(chance: np.ndarray, cleared: np.ndarray) -> tuple[CalibrationBin, ...]:
    """Mean stated chance and share truly cleared, per bin of the stated chance."""
    out = []
    for low, high in BINS:
        inside = (chance >= low) & (chance < high)
        n = int(inside.sum())
        out.append(
            CalibrationBin(
                low, high, n, float(chance[inside].mean()) if n else None, float(cleared[inside].mean()) if n else None
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class CellResult:
    cell: Cell
    pilots: int
    shown: float  # share of new pilots given an informed reading
    coverage: float | None  # informed 95 % interval, over the pilots with a reading
    coverage_raw: float | None  # the raw interval, same pilots
    mse_ratio: float | None  # informed / raw, same pilots
    likely: float | None  # share of read pilots called "likely clears"
    likely_raw: float | None
    wrong: float | None  # wrong "likely clears" per pilot read
    wrong_raw: float | None
    wrong_among_likely: float | None
    wrong_among_likely_raw: float | None
    seconds: float
    likely_count: int = 0
    likely_count_raw: int = 0
    bins: tuple[CalibrationBin, ...] = ()
    bins_raw: tuple[CalibrationBin, ...] = ()
    bins_point: tuple[CalibrationBin, ...] = ()
    likely_cleared: int = 0  # "likely clears" pilots (the stated chance) that truly cleared

    @property
    def likely_upper(self) -> float | None:
        """One-sided 95 % Clopper-Pearson upper limit of the share of "likely" pilots that cleared."""
        n, x = self.likely_count, self.likely_cleared
        if not n:
            return None
        return 1.0 if x == n else float(stats.beta.ppf(0.95, x + 1, n - x))

    def misses(self) -> list[str]:
        """The targets this cell misses, in words (empty when it meets them)."""
        out = []
        c = self.cell
        if not c.expect_reading and self.shown > 0:
            out.append(f"{c.key}: a reading was shown for {self.shown:.1%} of pilots")
        if c.expect_reading:
            if c.coverage_target is not None and (self.coverage is None or self.coverage < c.coverage_target):
                out.append(f"{c.key}: coverage {self.coverage} below {c.coverage_target:.0%}")
            if c.mse_target is not None and (self.mse_ratio is None or self.mse_ratio > c.mse_target):
                out.append(f"{c.key}: MSE ratio {self.mse_ratio} above {c.mse_target}")
            upper = self.likely_upper
            if upper is not None and upper < LIKELY_CLEARS:
                out.append(
                    f"{c.key}: {self.likely_cleared} of {self.likely_count} 'likely clears' pilots cleared "
                    f"(upper limit {upper:.1%} < {LIKELY_CLEARS:.0%})"
                )
        return out


def _effects(rng: np.random.Generator, cell: Cell, size: int) -> np.ndarray:
    if cell.population == "t3":
        return cell.centre + cell.spread * rng.standard_t(3, size) / math.sqrt(3.0)
    return cell.centre + cell.spread * rng.standard_normal(size)


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


def run_cell(key: str, pilots: int, seed: int = 7) -> CellResult:
    """``pilots`` new pilots, each with a portfolio of its own; informed and raw readings of the same data."""
    cell = CELLS[key]
    rng = np.random.default_rng([seed, list(CELLS).index(key)])
    started = time.perf_counter()
    past_truth = _effects(rng, cell, pilots * cell.past).reshape(pilots, cell.past)
    past_y, past_se, _ = _measure(rng, past_truth, PAST_FRACTION, cell.base_rate)
    truth = _effects(rng, cell, pilots)
    y, se, truth = _measure(rng, truth, NEW_FRACTION, cell.base_rate)
    rows = []  # (covered, covered_raw, sq_err, sq_err_raw, likely, likely_raw, below)
    for i in range(pilots):
        fit = fit_prior(past_y[i], past_se[i], typical_se=float(se[i]))
        if fit.prior is None:
            continue
        informed = shrink(float(y[i]), float(se[i]), fit.prior, THRESHOLD)
        raw = raw_reading(float(y[i]), float(se[i]), THRESHOLD)
        t = truth[i]
        rows.append(
            (
                informed.low <= t <= informed.high,
                raw.low <= t <= raw.high,
                (informed.mean - t) ** 2,
                (raw.mean - t) ** 2,
                informed.chance >= LIKELY,
                raw.chance >= LIKELY,
                t < THRESHOLD,
                informed.chance,
                raw.chance,
                informed.chance_point,
            )
        )
    seconds = time.perf_counter() - started
    if not rows:
        return CellResult(cell, pilots, 0.0, *([None] * 9), seconds=seconds)
    a = np.array(rows, dtype=float)
    likely, likely_raw, below = a[:, 4] > 0, a[:, 5] > 0, a[:, 6] > 0
    return CellResult(
        cell,
        pilots,
        shown=len(rows) / pilots,
        coverage=float(a[:, 0].mean()),
        coverage_raw=float(a[:, 1].mean()),
        mse_ratio=float(a[:, 2].mean() / a[:, 3].mean()),
        likely=float(likely.mean()),
        likely_raw=float(likely_raw.mean()),
        wrong=float((likely & below).mean()),
        wrong_raw=float((likely_raw & below).mean()),
        wrong_among_likely=float((likely & below).sum() / likely.sum()) if likely.any() else None,
        wrong_among_likely_raw=float((likely_raw & below).sum() / likely_raw.sum()) if likely_raw.any() else None,
        seconds=seconds,
        likely_count=int(likely.sum()),
        likely_count_raw=int(likely_raw.sum()),
        bins=calibration(a[:, 7], ~below),
        bins_raw=calibration(a[:, 8], ~below),
        bins_point=calibration(a[:, 9], ~below),
        likely_cleared=int((likely & ~below).sum()),
    )


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def table(results: list[CellResult]) -> str:
    head = (
        "| situation | new pilots | reading shown | coverage informed / raw (target) | MSE informed ÷ raw "
        "| 'likely clears' informed / raw | wrong 'likely' per pilot, informed / raw "
        "| wrong among 'likely', informed / raw |"
    )
    lines = [head, "|" + " --- |" * 8]
    for r in results:
        target = f"≥ {r.cell.coverage_target:.0%}" if r.cell.coverage_target else "no reading"
        mse = "—" if r.mse_ratio is None else f"{r.mse_ratio:.2f}"
        lines.append(
            f"| {r.cell.title} | {r.pilots:,} | {_pct(r.shown)} | {_pct(r.coverage)} / {_pct(r.coverage_raw)} "
            f"({target}) | {mse} | {_pct(r.likely)} / {_pct(r.likely_raw)} | {_pct(r.wrong)} / {_pct(r.wrong_raw)} "
            f"| {_pct(r.wrong_among_likely)} of {r.likely_count:,} / {_pct(r.wrong_among_likely_raw)} "
            f"of {r.likely_count_raw:,} |"
        )
    return "\n".join(lines)


def calibration_table(results: list[CellResult]) -> str:
    """Per situation and bin of the stated chance: mean stated vs share truly cleared, informed and raw."""
    head = (
        "| situation | chance | informed, stated 'at least': pilots, mean stated → cleared "
        "| informed, plain posterior (before): pilots, stated → cleared | raw: pilots, stated → cleared |"
    )
    lines = [head, "|" + " --- |" * 5]

    def cell(b: CalibrationBin) -> str:
        return "—" if not b.count else f"{b.count:,}, {_pct(b.stated)} → {_pct(b.cleared)}"

    for r in results:
        for b, bpoint, braw in zip(r.bins, r.bins_point, r.bins_raw, strict=True):
            lines.append(f"| {r.cell.title} | {b.label} | {cell(b)} | {cell(bpoint)} | {cell(braw)} |")
    return "\n".join(lines)


def pooled_likely(results: list[CellResult]) -> tuple[int, int]:
    """'Likely clears' pilots and those that cleared, over the situations that expect a reading."""
    read = [r for r in results if r.cell.expect_reading]
    return sum(r.likely_count for r in read), sum(r.likely_cleared for r in read)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pilots", type=int, default=2000, help="new pilots per situation (default 2,000)")
    parser.add_argument("--cells", default=",".join(CELLS), help="comma-separated situations")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = [run_cell(key, args.pilots, args.seed) for key in args.cells.split(",")]
    print(
        f"Informed vs raw reading of small pilots (10-30 % of plan), threshold +0.5 pts, population centre "
        f"+0.3 pts (+1 pt where said); 'likely clears' = chance >= {LIKELY:.0%}; wrong = true effect below the threshold.\n"
    )
    print(table(results))
    print("\nCalibration of the stated chance of clearing +0.5 pts (pilots with a reading):\n")
    print(calibration_table(results))
    misses = [m for r in results for m in r.misses()]
    n, x = pooled_likely(results)
    share = x / n if n else None
    print(
        f"\nTold 'likely clears' (stated >= {LIKELY:.0%}), all situations with a reading: {x:,} of {n:,} cleared "
        f"({_pct(share)}; target >= {LIKELY_CLEARS:.0%})."
    )
    if share is not None and share < LIKELY_CLEARS:
        misses.append(f"all situations: {x} of {n} 'likely clears' pilots cleared")
    print(f"\n{time.perf_counter() - started:.1f} s in all.")
    print("All targets met." if not misses else "Targets missed:\n  " + "\n  ".join(misses))
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
