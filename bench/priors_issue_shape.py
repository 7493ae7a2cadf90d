"""Issue 24's own measurement of the informed reading's stated chance, beside the calibration bench.

60 teams, each with 5-20 past pilots; 40 new small pilots per team; threshold 0.3. Printed twice: with one
population for every team (where no reading from a team's own past can be calibrated: whether a pilot clears
depends on that one population, while the stated chance moves with each team's luck in its past pilots), and
with each team its own population (where a probability is a statement about the teams it is given to).

Run from the repo root:  .venv/bin/python bench/priors_issue_shape.py [--root OTHER_CHECKOUT]

``--root`` reads the same pilots with another checkout's ``lib.stats.priors`` (e.g. a worktree of an earlier
commit), for a before/after in one run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

TEAMS, NEW_PER_TEAM, THRESHOLD = 60, 40, 0.3


def _load(root: str):
    for name in [n for n in sys.modules if n == "lib" or n.startswith("lib.")]:
        del sys.modules[name]
    sys.path.insert(0, root)
    import lib.stats.priors as priors

    sys.path.pop(0)
    return priors


def readings(priors, teams_differ: bool, seed: int = 24) -> list[tuple[float | None, bool, bool]]:
    """(stated chance or None when withheld, whether the pilot truly cleared, whether its central figure clears)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(TEAMS):
        mu, tau = (rng.normal(0.25, 0.2), rng.uniform(0.05, 0.2)) if teams_differ else (0.25, 0.15)
        k = int(rng.integers(5, 21))
        theta, se = rng.normal(mu, tau, k), rng.uniform(0.05, 0.2, k)
        fit = priors.fit_prior(list(rng.normal(theta, se)), list(se))
        if fit.prior is None:
            continue
        for _ in range(NEW_PER_TEAM):
            true, s = rng.normal(mu, tau), rng.uniform(0.3, 0.6)
            r = priors.shrink(rng.normal(true, s), s, fit.prior, THRESHOLD)
            centre = getattr(r, "median", r.mean)
            rows.append((None if getattr(r, "caution", "") else r.chance, true >= THRESHOLD, centre >= THRESHOLD))
    return rows


def report(rows: list[tuple[float | None, bool, bool]], label: str) -> None:
    shown = [(c, ok, centre) for c, ok, centre in rows if c is not None]
    contradicting = sum(1 for c, _, centre in shown if centre != (c >= 0.5))
    print(
        f"\n{label}: {len(rows):,} readings, chance withheld {len(rows) - len(shown):,}, "
        f"sentences whose chance and central figure point opposite ways: {contradicting:,}"
    )
    print("| stated chance | readings | share that cleared |\n|---|---|---|")
    for low in range(0, 100, 10):
        band = [ok for c, ok, _ in shown if low <= 100 * c < low + 10 or (low == 90 and c >= 1.0)]
        if band:
            print(f"| {low}–{low + 10} % | {len(band):,} | {100 * np.mean(band):.0f} % |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", help="another checkout whose lib.stats.priors reads the same pilots first")
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parent.parent)
    for differ in (False, True):
        population = "each team its own population" if differ else "one population for every team"
        for root in ([args.root] if args.root else []) + [here]:
            report(readings(_load(root), differ), f"{'this checkout' if root == here else root}, {population}")


if __name__ == "__main__":
    main()
