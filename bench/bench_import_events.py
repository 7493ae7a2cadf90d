"""Importing a 1,024,000-row, 13-column event file, next to plain pandas.read_csv + groupby.

Run from the repo root:  .venv/bin/python bench/bench_import_events.py [--rows N] [--repeats K] [--rounds R]

The file is what a CRM or web-analytics export looks like: one row per contact
with ids, a day, the arm, a few descriptive columns and three outcomes. Two jobs
produce the same day x arm sums from it:

* ``pandas``: ``pd.read_csv(file)`` then ``groupby(["date", "arm"])`` counts and
  sums of the outcomes (and of spend squared), as an analyst would write it;
* ``import``: ``lib.importer.analyze(file, mapping)`` with the pilot's arms and
  dates, which also checks every cell, names the rows of any problem, and looks
  for person ids on several rows (the file has a ``user_id`` column).

More jobs explain the figures: ``import, no ids`` is the same file with that
column renamed (so no person-id check), and ``read all`` / ``read used`` read the
file in the importer's chunks with every column, or only the five mapped ones
(pandas' ``usecols``: with it the C parser stops refusing rows with too many
values, so the importer reads that way only where the bytes vouch that every row
has as many values as the header, lib/importer/narrow.py). ``arrow used`` reads the six columns the
import reads (user_id too) with pyarrow's streaming CSV reader, typed as the
importer would want them: Arrow still splits every row into all its values (so
it would refuse a ragged row), but converts only those columns.

Each job runs in a fresh Python process forked from this small one (which never
imports pandas), timed inside that process (best of ``repeats``) after the
imports are done; CPU seconds (all threads) are shown too, since wall time on a
shared machine moves with its load. Memory is the same measure for every job:
the process's peak RSS (ru_maxrss) minus that of a process that only imports
pandas and the importer. Targets: import time <= 1.0x pandas, memory <= 0.2x.

pandas 3.1 parses a whole file (``pd.read_csv(path)``) on worker threads (its
main thread used 0.02 of 0.30 CPU s here), so its wall time can sit well below
its CPU time on an idle machine; the importer parses its chunks on one thread
and adds them up on another.
Wall times on a busy machine move with its load, so besides the best of each
job the summary gives the median over rounds of import / pandas, taken round by
round; the CPU column is the steadier comparison.

Why the import reads with pandas on two threads, not with Arrow or on more
(measured for issue 29 on this 2-core machine shared with other work):
``arrow used`` costs what ``read used`` costs (0.21 CPU s each), so Arrow's
gain is only the unused columns it skips, about 0.05 s. A faithful import with
it must add back what pandas does on the way: check every byte is UTF-8 (pandas
decodes every column, and a bad byte anywhere switches the file to cp1252),
type a chunk's column as pandas would ("007" in a column of numbers is 7), and
cut Arrow's blocks into the importer's chunks (so sums add up in the same
order). Built that way, on Arrow's threads, it took 0.45 CPU s against 0.33.
pandas' C parser releases the GIL while it tokenizes, so the import parses the
next chunk on a second thread while the main thread adds up the current one
(lib/importer/prefetch.py; at most two parsed chunks wait). Parsing is the
longer side (0.23 CPU s alone, 0.28 beside the sums, which take 0.12), so the
import now lasts about as long as ``read all``: 0.35 s against 0.45 s before
(pandas 0.28 and 0.26 s in the same two runs: 1.25x, was 1.72x), memory 0.14x
(was 0.11x). Getting below pandas would need the chunked parse itself faster:
larger chunks are not
(``read all`` in 26,000 rows 0.28 s, 52,000 0.31 s, 104,000 0.35 s), and
pandas parsing the same chunks on two threads (the file cut at the chunks' row
ends, a pass over every byte) took 0.54 CPU s against 0.36, no wall time won.

Why pandas' own read is out of reach this way (measured again on this machine):
``pd.read_csv(path)`` on this file took 0.164 s of wall time for 0.280 CPU s, its
main thread 0.011 s of it: pandas 3.1 cuts a whole file on disk into byte ranges
and parses them on worker threads with its private parser hooks (no per-chunk
work under the GIL). It does so only for a whole-file read (no ``chunksize``, no
``usecols``, ``low_memory`` left on), and a whole-file frame is the 326 MB the
importer's memory target rules out. Two ways round it, both slower than today:
blocks of 0.5-2 MB cut at line ends and parsed by ``read_csv`` on two threads
(public API) took 0.29-0.35 s for 0.47-0.54 CPU s (the chunked read alone:
0.29 s, 0.29 CPU s); 6-12 MB segments handed to pandas' parallel reader as files
in memory (``memfd``) took 0.33-0.37 s. Parsing half the chunks in a second
process that also sums them, and merging the sums, would spread the work over
both cores without the GIL; it was not built (a fork of a threaded server, the
merge of the problem log and id hashes in row order).

The narrow read (issue 29, lib/importer/narrow.py) does use ``usecols``: it
checks the bytes pandas read instead, on the thread that sums (no quote, UTF-8,
the last column never empty, the delimiters adding up to one row's worth per row)
and reads every column again where it cannot vouch. Whole processes, 10
alternating pairs: 0.81-0.85 s against 0.89-0.92 s for reading every column.
Tried beside it and not kept: parsing on two threads with blocks cut at exact
chunk rows (the cutting alone took 0.13 s; 0.29-0.34 s against 0.27-0.28 s for
one chunked reader), ``na_filter=False`` (0.268 against 0.270 s), and chunks of
1 or 4 MB (each about 4 % slower than 2 MB, 10 pairs each).

Page faults were a third of the import in a fresh process (session 8 of issue
29): every chunk allocates and frees the same arrays, and glibc handed them back
to the kernel each time, so the next chunk faulted them in again (about 60,000
minor faults and 0.15 s of system time per import; none in a process where an
earlier big read had raised glibc's own thresholds, which is why the import read
0.21-0.25 s after a pandas read in the same process and 0.31-0.34 s alone).
The import now asks glibc to keep freed memory while it reads and gives it back
when it ends (lib/importer/heap.py): 10,000-12,000 faults, 0.05-0.07 s of system
time. pandas alone is measured as an analyst runs it, with the allocator's
defaults (the same setting also speeds it up: 0.20 s, for 55 MB more peak).
With memory kept for reuse, chunks of 3 MB beat 2 MB (0.23 against 0.24 s); 4 MB
was faster still (0.21-0.23 s) but held 66 MB, 0.20x pandas' memory.
The person-id check now files each chunk's hashes by their top byte as they
come and sorts 256 small parts at the end, not every id at once
(lib/importer/repeats.py: 35 ms of work in all at a million ids, against 52).

Why ``usecols`` with one column named beyond the header does not work (tried for issue 29):
naming one column more than the header (``names``, the extra column in ``usecols``,
kept as text) so that a wider row shows up as a value there fails twice. pandas'
chunked C reader refuses a chunk in which no row has that many fields ("Too many
columns specified: expected 14 and found 13"), and a missing field and an empty one
("1,2,3," against three named columns) both arrive as "", so a trailing empty value,
which the full read refuses, cannot be told from a normal row. Checking the bytes
instead (no quote, no delimiter before a line end) still leaves rows with more
delimiters than the header undetected without a per-line count, which costs more
than the 0.06-0.08 CPU s that skipping the unused columns saves. Giving the unused
columns a type instead is slower than pandas' own inference (chunked read of every
column, CPU s: default 0.24-0.28, five text columns as object 0.36-0.37, as category
0.48, as "str" 0.56; ``usecols`` 0.18-0.20).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ROWS = 1_024_000
ARMS = ("control", "pilot_a", "pilot_b")
START, DAYS = date(2024, 3, 1), 28
JOBS = ("baseline", "pandas", "import", "import, no ids", "read all", "read used", "arrow used")
USED = ["date", "arm", "visited", "converted", "spend"]
NUMBERS = ("visited", "converted", "spend")
TIME_TARGET, MEMORY_TARGET = 1.0, 0.2


def write_events_csv(path: Path, rows: int, seed: int = 7) -> None:
    """13 columns: ids, day, arm, five descriptive columns, three outcomes, one more number."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    days = pd.date_range(START, periods=DAYS).strftime("%Y-%m-%d").to_numpy()
    visited = (rng.random(rows) < 0.4).astype(np.int8)
    converted = ((rng.random(rows) < 0.1) & (visited == 1)).astype(np.int8)
    pick = lambda values: np.asarray(values)[rng.integers(0, len(values), rows)]  # noqa: E731
    frame = pd.DataFrame(
        {
            "event_id": np.arange(1, rows + 1),
            "user_id": np.char.add("u", rng.permutation(rows).astype(str)),
            "date": days[rng.integers(0, DAYS, rows)],
            "arm": pick(ARMS),
            "channel": pick(("email", "sms", "push", "web")),
            "device": pick(("desktop", "mobile", "tablet")),
            "country": pick(("DE", "FR", "NL", "ES", "IT", "PL", "SE")),
            "campaign": pick([f"spring-{i:02d}" for i in range(12)]),
            "landing_page": pick([f"/offers/{i}" for i in range(40)]),
            "visited": visited,
            "converted": converted,
            "spend": np.where(converted == 1, np.round(rng.gamma(2.0, 30.0, rows), 2), 0.0),
            "session_seconds": rng.integers(0, 900, rows),
        }
    )
    frame.to_csv(path, index=False)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _pandas_job(path: str) -> int:
    import pandas as pd

    frame = pd.read_csv(path)
    frame["spend_sq"] = frame["spend"] * frame["spend"]
    sums = frame.groupby(["date", "arm"])[["visited", "converted", "spend", "spend_sq"]].agg(["count", "sum"])
    return int(sums[("visited", "count")].sum())


def _import_job(path: str) -> int:
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
    end = START + timedelta(days=DAYS - 1)
    result = analyze(path, mapping, allowed_arms=ARMS, date_range=(START, end))
    assert result.ok, result.problem_lines()
    return result.rows_used


def _read_job(path: str, usecols: list[str] | None) -> int:
    """The importer's chunked read alone (its options, default chunk size for this file)."""
    import pandas as pd

    from lib.importer.csv_table import CHUNK_BYTES, MAX_CHUNK_ROWS, MIN_CHUNK_ROWS

    with open(path, "rb") as handle:  # the importer's rows per chunk: its chunk of text over the row width
        head = handle.readlines(1 << 20)[1:]
    row_bytes = sum(map(len, head)) / max(len(head), 1)
    rows = int(min(MAX_CHUNK_ROWS, max(MIN_CHUNK_ROWS, CHUNK_BYTES / row_bytes)))
    options = {"keep_default_na": False, "na_values": [""], "low_memory": False, "index_col": False}
    return sum(len(f) for f in pd.read_csv(path, chunksize=rows, usecols=usecols, **options))  # type: ignore[arg-type]


def _arrow_job(path: str) -> int:
    """pyarrow's streaming reader on the columns the import reads: numbers as float64, text as text."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    columns = [*USED, "user_id"]
    types = {c: pa.float64() if c in NUMBERS else pa.string() for c in columns}
    options = pa_csv.ConvertOptions(
        include_columns=columns, column_types=types, null_values=[""], strings_can_be_null=True
    )
    with pa_csv.open_csv(path, convert_options=options) as reader:
        return sum(batch.num_rows for batch in reader)


def worker(job: str, path: str, repeats: int) -> dict[str, float]:
    """Inside a fresh process: import both libraries, then time the job ``repeats`` times."""
    import pandas  # noqa: F401

    import lib.importer  # noqa: F401

    renamed = str(Path(path).with_name("events_no_ids.csv"))
    run = {
        "pandas": _pandas_job,
        "import": _import_job,
        "import, no ids": lambda _: _import_job(renamed),
        "read all": lambda p: _read_job(p, None),
        "read used": lambda p: _read_job(p, USED),
        "arrow used": _arrow_job,
    }.get(job)
    best = cpu = float("inf")
    rows = 0
    for _ in range(repeats if run else 0):
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = run(path)  # type: ignore[misc]
        best = min(best, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - cpu_started)  # every thread of the process
    return {"seconds": best if run else 0.0, "cpu": cpu if run else 0.0, "peak_mb": _peak_mb(), "rows": rows}


def measure(job: str, path: Path, repeats: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", job, str(path), "--repeats", str(repeats)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per process (best is kept)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="fresh processes per job, alternating (best kept, and medians)"
    )
    parser.add_argument("--worker", nargs=2, metavar=("JOB", "PATH"), help=argparse.SUPPRESS)
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
        # written in a child: a parent that imported pandas would hand its RSS to every child it forks
        subprocess.run([sys.executable, __file__, "--write", str(path), str(args.rows)], check=True, cwd=ROOT)
        with path.open("rb") as source, path.with_name("events_no_ids.csv").open("wb") as renamed:
            renamed.write(source.readline().replace(b"user_id", b"user_ref"))  # not a person-id name
            shutil.copyfileobj(source, renamed)
        size_mb = path.stat().st_size / (1024 * 1024)
        print(f"file: {args.rows:,} rows x 13 columns, {size_mb:.1f} MB")
        runs: dict[str, list[dict[str, float]]] = {job: [] for job in JOBS}
        for _ in range(args.rounds):  # alternate, so background load hits every job alike
            for job in JOBS:
                runs[job].append(measure(job, path, args.repeats))
    best = {job: {key: min(r[key] for r in got) for key in got[0]} for job, got in runs.items()}
    assert {best[job]["rows"] for job in JOBS[1:]} == {args.rows}, best
    base = best["baseline"]["peak_mb"]
    working = {job: max(best[job]["peak_mb"] - base, 0.0) for job in JOBS[1:]}
    pandas = best["pandas"]
    print(f"process that only imports pandas + lib.importer: {base:.0f} MB peak RSS")
    print(f"{'job':<15} {'seconds':>8} {'cpu s':>7} {'working':>9}   vs pandas: {'time':>5} {'cpu':>5} {'memory':>6}")
    for job in JOBS[1:]:
        r = best[job]
        ratios = f"{r['seconds'] / pandas['seconds']:>5.2f} {r['cpu'] / pandas['cpu']:>5.2f} {working[job] / working['pandas']:>6.2f}"
        print(f"{job:<15} {r['seconds']:>8.3f} {r['cpu']:>7.3f} {working[job]:>6.0f} MB   {'':>10}{ratios}")
    for key, label in (("seconds", "time"), ("cpu", "cpu s")):
        per_round = [i[key] / p[key] for i, p in zip(runs["import"], runs["pandas"], strict=True)]
        print(f"import / pandas {label}, round by round: {' '.join(f'{r:.2f}' for r in per_round)}", end="")
        print(f" (median {statistics.median(per_round):.2f}x)")
    time_ratio = best["import"]["seconds"] / pandas["seconds"]
    memory_ratio = working["import"] / max(working["pandas"], 1.0)
    verdict = lambda ok: "ok" if ok else "MISSED"  # noqa: E731
    print(f"import / pandas time:   {time_ratio:.2f}x (target <= {TIME_TARGET}x): {verdict(time_ratio <= TIME_TARGET)}")
    print(
        f"import / pandas memory: {memory_ratio:.2f}x (target <= {MEMORY_TARGET}x): "
        f"{verdict(memory_ratio <= MEMORY_TARGET)}"
    )
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
