"""Importer speed and memory on a 1,000,000-row event-level CSV, next to plain pandas.read_csv.

Run from the repo root:  .venv/bin/python bench/bench_import_parse.py [--rows N] [--repeats K]

Each job runs in a fresh Python process forked from this small one (which never
imports pandas), so its peak memory (ru_maxrss) belongs to that one job; "working" memory is the peak minus a process that only imports
pandas and the importer. Targets: import <= 2x read_csv time, working memory <= 4x
the file size (read_csv is shown for scale: it holds the whole table at once).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ARMS = ("control", "pilot_a", "pilot_b")
MODES = ("baseline", "read_csv", "import")
START = date(2024, 3, 1)


def write_events_csv(path: Path, rows: int, seed: int = 1) -> None:
    """date, arm, visited (0/1), converted (0/1), spend: one row per contact."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    days = pd.date_range(START, periods=28).strftime("%Y-%m-%d").to_numpy()
    visited = (rng.random(rows) < 0.4).astype(np.int8)
    converted = ((rng.random(rows) < 0.1) & (visited == 1)).astype(np.int8)
    spend = np.where(converted == 1, np.round(rng.gamma(2.0, 30.0, rows), 2), 0.0)
    frame = pd.DataFrame(
        {
            "date": days[rng.integers(0, len(days), rows)],
            "arm": np.asarray(ARMS)[rng.integers(0, len(ARMS), rows)],
            "visited": visited,
            "converted": converted,
            "spend": spend,
        }
    )
    frame.to_csv(path, index=False)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def worker(mode: str, path: str, repeats: int) -> dict[str, float]:
    """Runs inside a fresh process: import, then time the job ``repeats`` times."""
    import pandas as pd

    from lib.importer import ImportMapping, MetricMapping, analyze

    mapping = ImportMapping(
        layout="events",
        arm_column="arm",
        control_value="control",
        date_column="date",
        metrics=[
            MetricMapping("visit_rate", "proportion", column="visited"),
            MetricMapping("conversion_rate", "proportion", column="converted"),
            MetricMapping("spend", "mean", column="spend"),
        ],
    )
    best = cpu = float("inf")
    rows = 0
    for _ in range(repeats if mode != "baseline" else 0):
        started, cpu_started = time.perf_counter(), time.process_time()
        if mode == "read_csv":
            rows = len(pd.read_csv(path))
        else:
            result = analyze(path, mapping, allowed_arms=ARMS, date_range=(START, date(2024, 3, 31)))
            assert result.ok, result.problem_lines()
            rows = result.rows_used
        elapsed = time.perf_counter() - started
        if elapsed < best:
            best, cpu = elapsed, time.process_time() - cpu_started
    return {"seconds": best if rows else 0.0, "cpu": cpu if rows else 0.0, "peak_mb": _peak_mb(), "rows": rows}


def measure(mode: str, path: Path, repeats: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode, str(path), "--repeats", str(repeats)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per process (best is kept)")
    parser.add_argument("--rounds", type=int, default=2, help="fresh processes per job (best is kept)")
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=2, metavar=("PATH", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_events_csv(Path(args.write[0]), int(args.write[1]))
        return
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.repeats)))
        return

    with tempfile.TemporaryDirectory(prefix="greenlight-bench-") as tmp:
        path = Path(tmp) / "events.csv"
        started = time.perf_counter()
        # in a child: a parent that imported pandas would pass its RSS on to every child it forks
        subprocess.run([sys.executable, __file__, "--write", str(path), str(args.rows)], check=True, cwd=ROOT)
        size_mb = path.stat().st_size / (1024 * 1024)
        print(f"file: {args.rows:,} rows, {size_mb:.1f} MB (written in {time.perf_counter() - started:.1f} s)")
        runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
        for _ in range(args.rounds):  # alternate, so background load hits every job alike
            for mode in MODES:
                runs[mode].append(measure(mode, path, args.repeats))
    results = {
        mode: min(got, key=lambda r: r["seconds"]) | {"peak_mb": min(r["peak_mb"] for r in got)}
        for mode, got in runs.items()
    }

    base = results["baseline"]["peak_mb"]
    print(f"baseline process (python + pandas + lib.importer imported): {base:.0f} MB peak RSS")
    print(f"{'job':<10} {'seconds':>8} {'cpu s':>7} {'peak RSS':>10} {'working':>9} {'working / file':>15}")
    for mode in ("read_csv", "import"):
        r = results[mode]
        working = max(r["peak_mb"] - base, 0.0)
        print(
            f"{mode:<10} {r['seconds']:>8.3f} {r['cpu']:>7.3f} {r['peak_mb']:>8.0f} MB {working:>6.0f} MB"
            f" {working / size_mb:>14.2f}x"
        )
    ratio = results["import"]["seconds"] / results["read_csv"]["seconds"]
    working_ratio = max(results["import"]["peak_mb"] - base, 0.0) / size_mb
    print(f"import / read_csv time: {ratio:.2f}x (target <= 2x): {'ok' if ratio <= 2 else 'MISSED'}")
    print(
        f"import working memory / file size: {working_ratio:.2f}x (target <= 4x): {'ok' if working_ratio <= 4 else 'MISSED'}"
    )
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
