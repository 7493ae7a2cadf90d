"""Benchmark: one session's warm Home and Review runs on the demo workspace, through the real server (issue 18).

Run from the repo root::

    .venv/bin/python bench/bench_page_runs.py [--runs 50] [--trees .,/tmp/base] [--backend sqlite|postgresql]

Each tree named by ``--trees`` (a checkout of Greenlight: ``.`` is this one; for a
before/after, ``git archive <commit> | tar -x -C /tmp/base``) gets a fresh
database holding the demo workspace and its own server, started as
``scripts/run.sh`` does (``streamlit run serve.py`` from that tree, with its
``.streamlit/config.toml``). Beside them runs a server of a trivial script (a
title and a 20-row table): what any page run costs on this machine before a page
does its own work. One websocket per server asks for Home, then Review, then Home…
as ``bench/bench_load.py`` does with one session; rounds alternate between the
servers, so a neighbour's load on a shared machine falls on all of them alike.
A run is timed from the request to Streamlit's "script finished". The first few
runs (imports, first-run caches) are not counted. Target: Home + Review p50 ≤ 60 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.sync.client import ClientConnection, connect  # noqa: E402

from bench.bench_load import demo_database, finished, page_problem  # noqa: E402
from tests.servers import Server, rerun_message, running_server  # noqa: E402

TRIVIAL = """
import streamlit as st
st.title("Trivial")
st.dataframe([{"a": i, "b": i * i} for i in range(20)])
"""
PAGES = (("home", ""), ("review", "review"))  # (label, Streamlit page name), as bench_load asks for them


@dataclass
class Timings:
    """Every counted run of one server, by page."""

    name: str
    pid: int
    by_page: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    def add(self, page: str, seconds: float, cpu_seconds: float) -> None:
        self.by_page.setdefault(page, []).append(seconds)
        self.cpu[page] = self.cpu.get(page, 0.0) + cpu_seconds

    @staticmethod
    def quantile(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def all_runs(self) -> list[float]:
        return [s for runs in self.by_page.values() for s in runs]


@contextmanager
def serving(tree: Path, entry: str, tmp: Path, database_url: str) -> Iterator[Server]:
    """``streamlit run <entry>`` with ``tree`` as the working directory (its lib, pages and config)."""
    with running_server(
        tmp, entry=entry, database_url=database_url, secrets="", user="bench", root=tree, start_timeout=120
    ) as server:
        yield server


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far, all threads (Linux /proc; clock ticks, so sum many runs)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_run(ws: ClientConnection, page: str, timeout: float = 60.0) -> float:
    """One page run on an open session, in seconds; an error shown on the page stops the benchmark."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    started = time.perf_counter()
    ws.send(rerun_message(page))
    while True:
        frame = ws.recv(timeout=timeout)
        if not isinstance(frame, bytes):
            continue
        forward = ForwardMsg()
        forward.ParseFromString(frame)
        problem = page_problem(forward)
        if problem:
            raise RuntimeError(f"{page or 'home'}: {problem}")
        if finished(forward):
            return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="counted runs of each page per server (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="uncounted Home + Review pairs first (default 5)")
    parser.add_argument("--trees", default=".", help="comma-separated Greenlight checkouts to serve (default .)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default=os.environ.get("GREENLIGHT_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if not 1 <= args.runs <= 1000:
        raise SystemExit("--runs must be 1–1000.")
    if args.backend == "postgresql" and not args.postgres:
        raise SystemExit("PostgreSQL: pass --postgres URL or set GREENLIGHT_TEST_DATABASE_URL.")
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-page-runs-") as tmp_dir, ExitStack() as stack:
        tmp = Path(tmp_dir)
        (tmp / "trivial.py").write_text(TRIVIAL)
        sessions: list[tuple[Timings, ClientConnection, tuple[tuple[str, str], ...]]] = []
        trivial = stack.enter_context(serving(ROOT, str(tmp / "trivial.py"), tmp / "trivial", "sqlite://"))
        ws = stack.enter_context(connect(trivial.stream, subprotocols=["streamlit"], max_size=None))  # type: ignore[list-item]
        sessions.append((Timings("trivial script", trivial.pid), ws, (("trivial", ""),)))
        for i, tree in enumerate(trees):
            (tmp / f"db{i}").mkdir()
            url = stack.enter_context(demo_database(args.backend, tmp / f"db{i}", args.postgres))
            server = stack.enter_context(serving(tree, "serve.py", tmp / f"tree{i}", url))
            ws = stack.enter_context(connect(server.stream, subprotocols=["streamlit"], max_size=None))  # type: ignore[list-item]
            sessions.append((Timings(str(tree), server.pid), ws, PAGES))
        print(f"{args.backend}: demo workspace; {len(trees)} tree(s) and the trivial script, {args.runs} runs each")
        for _ in range(args.warmup):
            for _, ws, pages in sessions:
                for _, page in pages:
                    timed_run(ws, page)
        for _ in range(args.runs):
            for timings, ws, pages in sessions:
                for label, page in pages:
                    cpu = cpu_seconds(timings.pid)
                    seconds = timed_run(ws, page)
                    timings.add(label, seconds, cpu_seconds(timings.pid) - cpu)
    print(f"\n{'server':<44}{'page':>9}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'× trivial p50':>15}{'CPU ms/run':>12}")
    base = Timings.quantile(sessions[0][0].all_runs(), 0.5)
    for timings, _, pages in sessions:
        rows = [(label, timings.by_page[label], timings.cpu[label]) for label, _ in pages]
        if len(pages) > 1:
            rows.append(("both", timings.all_runs(), sum(timings.cpu.values())))
        for label, runs, cpu in rows:
            p50, p95 = Timings.quantile(runs, 0.5), Timings.quantile(runs, 0.95)
            print(
                f"{timings.name[-44:]:<44}{label:>9}{p50 * 1000:>9.1f}{p95 * 1000:>9.1f}"
                f"{sum(runs) / len(runs) * 1000:>9.1f}{p50 / base:>14.1f}×"
                f"{cpu / len(runs) * 1000:>12.1f}"
            )
    print(
        "\n'both' is Home and Review runs together: bench_load.py's single-session p50 (Home's and Review's runs form"
        " two clusters, so its median sits where they meet: read the pages' own p50 and the mean too). Target ≤ 60 ms. "
        "CPU ms/run: the server process's CPU time (all threads) per run, less sensitive than wall time to "
        "neighbours on a shared machine. Figures are noisy there; compare trees within one invocation."
    )


if __name__ == "__main__":
    main()
