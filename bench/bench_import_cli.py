"""The CLI import of a 1,000,000-row event-level CSV (dry run and real), next to pandas.read_csv.

Run from the repo root:  .venv/bin/python bench/bench_import_cli.py [--rows N] [--repeats K]

Each job runs in a fresh Python process (this parent stays small: a forked child
starts with its parent's peak RSS). Inside it, the modules are imported first and
then the job is timed ``repeats`` times, best kept: ``pandas.read_csv(file)``, or
``lib.cli.main.main(["import", file, …])`` with and without ``--dry-run`` — the real
import into a new SQLite workspace each time. Memory is the process's peak RSS and,
as "working" memory, that peak minus a process that only imports the same modules.
Whole-process wall times (start-up included) are printed too.
Targets: import <= 2x the read_csv time, working memory <= 4x the file size.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START, END = "2024-03-01", "2024-03-31"  # the days bench_import_parse.py writes
IMPORT_ARGS = [
    "--pilot",
    "Bench",
    "--layout",
    "events",
    "--arm-column",
    "arm",
    "--control",
    "control",
    "--date-column",
    "date",
    "--metric",
    "visit_rate=visited",
    "--metric",
    "conversion_rate=converted",
    "--metric",
    "spend=spend:mean",
]
CREATE_ARGS = [
    "create-pilot",
    "--name",
    "Bench",
    "--design",
    "ab",
    "--status",
    "running",
    "--start",
    START,
    "--end",
    END,
    "--arms",
    "control,pilot_a,pilot_b",
    "--planned-n",  # a running pilot needs its planned people per arm
    "400000",
    "--criterion",
    "conversion_rate:proportion:primary::0",
    "--criterion",
    "visit_rate:proportion:secondary::0",
    "--criterion",
    "spend:mean:guardrail::0",
]
JOBS = ("baseline", "read_csv", "cli dry run", "cli import")


def worker(job: str, path: str, repeats: int, tmp: str) -> dict[str, float]:
    """Inside a fresh process: import what the job needs, then time it."""
    import pandas as pd

    from lib.cli import main as cli_main  # noqa: F401  (imported before timing, as read_csv's pandas is)
    from lib.services import import_batches  # noqa: F401  (imported before timing, as read_csv's pandas is)

    def quiet(argv: list[str]) -> int:
        with contextlib.redirect_stdout(io.StringIO()):
            return cli_main.main(argv)

    best = float("inf")
    for i in range(repeats if job != "baseline" else 0):
        os.environ["GREENLIGHT_DATABASE_URL"] = f"sqlite:///{tmp}/{job.replace(' ', '_')}{os.getpid()}_{i}.db"
        assert quiet(CREATE_ARGS) == 0
        started = time.perf_counter()
        if job == "read_csv":
            pd.read_csv(path)
        else:
            code = quiet(["import", path, *IMPORT_ARGS, *(["--dry-run"] if job == "cli dry run" else [])])
            assert code == 0, code
        best = min(best, time.perf_counter() - started)
    return {
        "seconds": best if repeats and job != "baseline" else 0.0,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(args: list[str]) -> tuple[dict[str, float], float]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1]), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="fresh processes per job, alternating; best kept")
    parser.add_argument("--worker", nargs=3, metavar=("JOB", "PATH", "TMP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.repeats, args.worker[2])))
        return
    with tempfile.TemporaryDirectory(prefix="greenlight-bench-") as tmp:
        path = Path(tmp) / "events.csv"
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "bench_import_parse.py"), "--write", str(path), str(args.rows)],
            cwd=ROOT,
            check=True,
        )
        size_mb = path.stat().st_size / (1024 * 1024)
        print(f"file: {args.rows:,} rows, {size_mb:.1f} MB")
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds):
            for job in JOBS:
                got, wall = run(["--worker", job, str(path), tmp, "--repeats", str(args.repeats)])
                got["process_s"] = wall
                prev = best.get(job)
                best[job] = got if prev is None else {k: min(prev[k], got[k]) for k in got}
    base_mb = best["baseline"]["peak_mb"]
    read_s = best["read_csv"]["seconds"]
    print(f"process that only imports pandas + lib.cli + lib.services.import_batches: {base_mb:.0f} MB peak RSS")
    print(f"{'job':<12} {'seconds':>8} {'vs read_csv':>12} {'peak RSS':>9} {'working':>8} {'working / file':>15}")
    for job in JOBS[1:]:
        r = best[job]
        working = max(r["peak_mb"] - base_mb, 0.0)
        print(
            f"{job:<12} {r['seconds']:>8.3f} {r['seconds'] / read_s:>11.2f}x {r['peak_mb']:>6.0f} MB "
            f"{working:>5.0f} MB {working / size_mb:>14.2f}x"
        )
    worst = max(best[j]["seconds"] for j in ("cli dry run", "cli import")) / read_s
    worst_mb = max(best[j]["peak_mb"] - base_mb for j in ("cli dry run", "cli import")) / size_mb
    print(
        f"import <= 2x read_csv: {'ok' if worst <= 2 else 'MISSED'} ({worst:.2f}x); "
        f"working memory <= 4x file: {'ok' if worst_mb <= 4 else 'MISSED'} ({worst_mb:.2f}x)"
    )
    print(
        "whole processes incl. Python start-up and imports, best of "
        f"{args.rounds} (each runs the job {args.repeats}x): "
        + ", ".join(f"{j} {best[j]['process_s']:.2f} s" for j in JOBS)
    )
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
