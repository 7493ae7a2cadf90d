"""The CLI import of a 1,000,000-row event-level CSV (dry run and real), next to pandas.read_csv.

Run from the repo root:  .venv/bin/python bench/bench_import_cli.py [--rows N] [--rounds K]

Every job is a whole fresh process, as a cron job would run it: `python -m lib.cli
import … --dry-run`, the same without --dry-run into an empty SQLite workspace, and
`python -c "pandas.read_csv(file)"` as the baseline. Seconds are wall time of the
process (start-up included for all three); peak memory is the child's ru_maxrss.
Targets: import <= 2x the read_csv time, peak memory <= 4x the file size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_import_parse import START  # noqa: E402


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out, err = proc.communicate()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}… failed:\n{out}\n{err}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2, help="runs per job; the best is kept")
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="greenlight-bench-") as tmp:
        path = Path(tmp) / "events.csv"
        # written by a child: this process stays small, since a forked child starts with its parent's peak RSS
        subprocess.run([py, str(ROOT / "bench" / "bench_import_parse.py"), "--write", str(path), str(args.rows)],
                       cwd=ROOT, check=True)
        size_mb = path.stat().st_size / (1024 * 1024)
        print(f"file: {args.rows:,} rows, {size_mb:.1f} MB")
        importer = [py, "-m", "lib.cli", "import", str(path), "--pilot", "Bench", "--layout", "events",
                    "--arm-column", "arm", "--control", "control", "--date-column", "date",
                    "--metric", "visit_rate=visited", "--metric", "conversion_rate=converted",
                    "--metric", "spend=spend:mean"]
        best: dict[str, tuple[float, float]] = {}
        for round_no in range(args.rounds):
            env = {**os.environ, "GREENLIGHT_DATABASE_URL": f"sqlite:///{tmp}/bench{round_no}.db"}
            subprocess.run([py, "-m", "lib.cli", "create-pilot", "--name", "Bench", "--design", "ab", "--status",
                            "running", "--start", START.isoformat(), "--end", "2024-03-31",
                            "--criterion", "conversion_rate:proportion:primary::0",
                            "--criterion", "visit_rate:proportion:secondary::0",
                            "--criterion", "spend:mean:guardrail::0", "--arms", "control,pilot_a,pilot_b"],
                           cwd=ROOT, env=env, check=True, capture_output=True)
            jobs = {
                "start pandas": [py, "-c", "import pandas"],
                "start cli": [py, "-c", "import lib.cli, lib.imports, lib.db; lib.db.make_engine()"],
                "read_csv": [py, "-c", f"import pandas; pandas.read_csv({str(path)!r})"],
                "cli dry run": [*importer, "--dry-run"],
                "cli import": importer,
            }
            for name, cmd in jobs.items():
                got = run(cmd, env)
                best[name] = min(best.get(name, got), got)
        # "work" = the job minus a process that only starts up and imports the same modules
        start = {"read_csv": best["start pandas"], "cli dry run": best["start cli"], "cli import": best["start cli"]}
        base_work = best["read_csv"][0] - start["read_csv"][0]
        print(f"{'job':<12} {'process s':>9} {'work s':>7} {'work vs read_csv':>17} {'peak RSS':>9} "
              f"{'work RSS':>9} {'work RSS / file':>16}")
        for name in ("read_csv", "cli dry run", "cli import"):
            (secs, mb), (s0, mb0) = best[name], start[name]
            work, work_mb = secs - s0, max(mb - mb0, 0.0)
            print(f"{name:<12} {secs:>9.2f} {work:>7.2f} {work / base_work:>16.2f}x {mb:>6.0f} MB "
                  f"{work_mb:>6.0f} MB {work_mb / size_mb:>15.2f}x")
        print(f"start-up alone: pandas {start['read_csv'][0]:.2f} s / {start['read_csv'][1]:.0f} MB, "
              f"cli {start['cli import'][0]:.2f} s / {start['cli import'][1]:.0f} MB")
        worst_s = max(best[n][0] - start[n][0] for n in ("cli dry run", "cli import")) / base_work
        worst_mb = max(best[n][1] - start[n][1] for n in ("cli dry run", "cli import")) / size_mb
        print(f"import work <= 2x read_csv: {'ok' if worst_s <= 2 else 'MISSED'} ({worst_s:.2f}x); "
              f"working memory <= 4x file: {'ok' if worst_mb <= 4 else 'MISSED'} ({worst_mb:.2f}x)")
        print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
