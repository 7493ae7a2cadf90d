"""Benchmark: how long a big CLI import keeps everyone else waiting (issue 12), on SQLite.

Run from the repo root::

    .venv/bin/python bench/bench_write_lock.py [--days 1617] [--arms 10] [--metrics 10]

The default file holds 161,700 values (1,617 days × 10 arms × 10 rates, as an
aggregated CSV of 16,170 rows), the size the issue measured: its import held
SQLite's write lock for about 25 s while it validated rows, and a grid save in
the app failed meanwhile. Here ``lib.cli import`` runs in its own process while
this one saves a correction to another pilot every 0.1 s and reads that pilot's
results, through the app's own services, as a colleague in the app would.
Printed: the import's time, and the waits of the saves and reads made while it
ran beside the same saves and reads with nothing else running (the baseline,
same run). Target: no save fails, and the longest wait is a small part of the
import (only the write itself holds the lock, not reading and checking the file).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.infra.db import DatabaseBusy, open_database, reading, transaction  # noqa: E402
from lib.infra.inputs import InvalidInput  # noqa: E402
from lib.services import pilots, results  # noqa: E402


@dataclass
class Waits:
    saves: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @staticmethod
    def describe(values: list[float]) -> str:
        if not values:
            return "none"
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        return f"{len(values):>4} · p50 {ordered[len(ordered) // 2] * 1000:7.1f} ms · p95 {p95 * 1000:7.1f} ms · max {ordered[-1] * 1000:7.1f} ms"


def write_file(path: Path, days: int, arms: int, metrics: int, first: date) -> int:
    """An aggregated export: one row per day and arm, ``sent`` and one conversions column per rate."""
    names = ["control", *(f"pilot_{i}" for i in range(1, arms))]
    with path.open("w") as out:
        out.write("date,arm,sent," + ",".join(f"c{m}" for m in range(metrics)) + "\n")
        for d in range(days):
            day = (first + timedelta(days=d)).isoformat()
            for a, arm in enumerate(names):
                out.write(f"{day},{arm},1000," + ",".join(str(40 + (d + a + m) % 17) for m in range(metrics)) + "\n")
    return days * arms * metrics


def make_pilots(url: str, days: int, arms: int, metrics: int, first: date) -> tuple[int, int]:
    """The pilot the file goes into, and another one a colleague keeps correcting meanwhile."""
    engine = open_database(url)
    with transaction(engine) as session:
        big = pilots.create_pilot(
            session,
            "bench",
            name="Big import",
            design="ab",
            status="running",
            start_date=first,
            end_date=first + timedelta(days=days - 1),
            planned_n_per_arm=10_000_000,
            arms=",".join(["control", *(f"pilot_{i}" for i in range(1, arms))]),
            criteria=[
                dict(metric=f"rate_{m}", kind="proportion", role="primary" if m == 0 else "secondary")
                for m in range(metrics)
            ],
        )
        other = pilots.create_pilot(
            session,
            "bench",
            name="Colleague's pilot",
            design="ab",
            status="running",
            start_date=first,
            end_date=date.today(),
            planned_n_per_arm=10_000,
            arms="control,pilot",
            criteria=[dict(metric="reply_rate", kind="proportion", role="primary")],
        )
        rows = [dict(metric="reply_rate", arm=a, day=first, n=100, total=10) for a in ("control", "pilot")]
        results.log_results(session, other.id or 0, rows, "bench")
    engine.dispose()
    return big.id or 0, other.id or 0


def colleague(url: str, pilot_id: int, stop: threading.Event, waits: Waits) -> None:
    """Correct a value and read the pilot's results every 0.1 s until told to stop."""
    engine = open_database(url)
    total = 10
    while not stop.wait(0.1):
        started = time.perf_counter()
        try:
            with reading(engine) as session:
                entry = results.current_entries(session, pilot_id)[0]
            waits.reads.append(time.perf_counter() - started)
            total = 11 if total == 10 else 10
            started = time.perf_counter()
            with transaction(engine) as session:
                results.correct_result(session, entry.id or 0, "colleague", "bench", total=total)
            waits.saves.append(time.perf_counter() - started)
        except (DatabaseBusy, InvalidInput) as exc:
            waits.failures.append(str(exc))
    engine.dispose()


def import_command(path: Path, metrics: int) -> list[str]:
    args = [sys.executable, "-m", "lib.cli", "import", str(path), "--pilot", "Big import"]
    args += ["--layout", "aggregated", "--arm-column", "arm", "--control", "control", "--date-column", "date"]
    for m in range(metrics):
        args += ["--metric", f"rate_{m}=c{m}/sent"]
    return args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=1617)
    parser.add_argument("--arms", type=int, default=10)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    args = parser.parse_args()
    first = date.today() - timedelta(days=args.days)
    with tempfile.TemporaryDirectory(prefix="bench-lock-") as tmp_dir:
        tmp = Path(tmp_dir)
        url = f"sqlite:///{tmp / 'greenlight.db'}"
        values = write_file(tmp / "big.csv", args.days, args.arms, args.metrics, first)
        _, other = make_pilots(url, args.days, args.arms, args.metrics, first)
        print(
            f"file: {values:,} values in {args.days * args.arms:,} rows ({(tmp / 'big.csv').stat().st_size / 1e6:.1f} MB)"
        )

        alone, stop = Waits(), threading.Event()
        thread = threading.Thread(target=colleague, args=(url, other, stop, alone))
        thread.start()
        time.sleep(args.baseline_seconds)
        stop.set()
        thread.join()

        during, stop = Waits(), threading.Event()
        thread = threading.Thread(target=colleague, args=(url, other, stop, during))
        thread.start()
        started = time.perf_counter()
        done = subprocess.run(
            import_command(tmp / "big.csv", args.metrics),
            cwd=ROOT,
            env={"GREENLIGHT_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "HOME": str(tmp)},
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        stop.set()
        thread.join()
    if done.returncode != 0:
        raise SystemExit(f"the import failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    print(done.stdout.strip().splitlines()[-1])
    print(f"import (own process, start-up included): {seconds:.1f} s")
    print(f"{'saves, nothing else running':<28}{Waits.describe(alone.saves)}")
    print(f"{'saves, during the import':<28}{Waits.describe(during.saves)}")
    print(f"{'reads, nothing else running':<28}{Waits.describe(alone.reads)}")
    print(f"{'reads, during the import':<28}{Waits.describe(during.reads)}")
    print(f"failed saves or reads during the import: {len(during.failures)}")
    for line in sorted(set(during.failures))[:5]:
        print(f"  {line}")
    longest = max(during.saves, default=0.0)
    print(f"longest save wait = {longest / seconds:.0%} of the import's time (issue: the lock was held ~25 s).")


if __name__ == "__main__":
    main()
