"""Benchmark: thirty people with Home and Review open at once, on SQLite and on PostgreSQL (issue 12).

Run from the repo root::

    .venv/bin/python bench/bench_load.py [--sessions 30] [--seconds 120] [--backends sqlite,postgresql]

For each back end it loads the demo workspace into a fresh database (a SQLite
file; a scratch schema on the PostgreSQL server named by ``--postgres`` or
``GREENLIGHT_TEST_DATABASE_URL``), starts the real server (``streamlit run
serve.py`` on 127.0.0.1, as ``scripts/run.sh`` does) and speaks to it as
browsers do: one websocket per session, each session asking for Home, then
Review, then Home… and timing each run from the request to Streamlit's
"script finished". Meanwhile a writer corrects one logged value every
``--write-every`` seconds through the app's own services, as a colleague
saving the grid would, so readers meet a live writer.

A run counts as failed when its websocket breaks, it takes longer than
``--timeout``, or the page shows an error (an exception or a red error box:
"database is locked" and "busy, nothing saved" both appear that way). The
baseline is the same server with one session, measured first in the same run.
Target: 0 errors and p95 ≤ 10 × the single session's p50; server memory is
the process's peak resident set while the load runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from lib import demo, results  # noqa: E402
from lib.db import DatabaseBusy, make_engine, open_database, reading, transaction  # noqa: E402
from lib.inputs import InvalidInput  # noqa: E402
from tests.servers import Server, rerun_message, running_server  # noqa: E402

PAGES = (("home", ""), ("review", "review"))  # (label, Streamlit page name)


@dataclass
class Tally:
    """Every page run of one phase: its seconds, and what went wrong with the ones that failed."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    peak_rss: int = 0

    def quantile(self, q: float) -> float:
        if not self.seconds:
            return float("nan")
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class WriterTally:
    writes: int = 0
    failures: list[str] = field(default_factory=list)


def page_problem(forward: ForwardMsg) -> str | None:
    """What a forward message shows that a person would call an error, else None."""
    if forward.WhichOneof("type") != "delta" or forward.delta.WhichOneof("type") != "new_element":
        return None
    element = forward.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        return f"exception: {element.exception.message[:160]}"
    if kind == "alert" and element.alert.format == Alert.ERROR:
        return f"error box: {element.alert.body[:160]}"
    return None


def finished(forward: ForwardMsg) -> bool:
    return forward.WhichOneof("type") == "script_finished" and (
        forward.script_finished != forward.FINISHED_EARLY_FOR_RERUN
    )


async def one_session(server: Server, until: float, tally: Tally, timeout: float, think: float, seed: int) -> None:
    """A person with the app open: Home, Review, Home… on one websocket until the time is up."""
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, 2 * think))  # people do not all arrive in the same millisecond
    try:
        ws = await connect(server.stream, subprotocols=["streamlit"], max_size=None)  # type: ignore[list-item]
    except OSError as exc:
        tally.errors.append(f"connect: {exc}")
        return
    async with ws:
        turn = rng.randrange(len(PAGES))
        while time.monotonic() < until:
            label, page = PAGES[turn % len(PAGES)]
            turn += 1
            started = time.monotonic()
            problem = None
            try:
                await ws.send(rerun_message(page))
                while True:
                    frame = await asyncio.wait_for(ws.recv(), timeout)
                    if isinstance(frame, bytes):
                        forward = ForwardMsg()
                        forward.ParseFromString(frame)
                        problem = problem or page_problem(forward)
                        if finished(forward):
                            break
            except TimeoutError:
                problem = f"no answer within {timeout:.0f} s"
            except Exception as exc:  # noqa: BLE001 - a broken websocket is a failed run, counted
                tally.errors.append(f"{label}: {type(exc).__name__}: {exc}")
                return
            if problem:
                tally.errors.append(f"{label}: {problem}")
            else:
                tally.seconds.append(time.monotonic() - started)
            await asyncio.sleep(rng.uniform(0, 2 * think))


async def _load(server: Server, sessions: int, seconds: float, timeout: float, think: float) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds

    async def watch_memory() -> None:
        while time.monotonic() < until + timeout:
            tally.peak_rss = max(tally.peak_rss, server.rss_bytes())
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch_memory())
    await asyncio.gather(*(one_session(server, until, tally, timeout, think, i) for i in range(sessions)))
    watcher.cancel()
    return tally


def load(server: Server, sessions: int, seconds: float, timeout: float = 60.0, think: float = 0.5) -> Tally:
    """``sessions`` people using the server for ``seconds``: every page run's time and every failure."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # its own thread: a caller may already run an event loop (Playwright)
        return pool.submit(asyncio.run, _load(server, sessions, seconds, timeout, think)).result()


@contextmanager
def writer(url: str, every: float) -> Iterator[WriterTally]:
    """A colleague correcting a logged value every ``every`` seconds, through the app's own services."""
    tally, stop = WriterTally(), threading.Event()
    engine = make_engine(url)

    def work() -> None:
        rng = random.Random(5)
        while not stop.wait(every):
            try:
                with reading(engine) as session:
                    rates = [e for e in results.current_entries(session, pilot_id=1) if e.total_sq is None]
                entry = rng.choice([e for e in rates if 0 < e.total < e.n])  # a rate with room either way
                with transaction(engine) as session:
                    total = entry.total + rng.choice((-1, 1))
                    results.correct_result(session, entry.id or 0, "bench", "load test", total=total)
                tally.writes += 1
            except (DatabaseBusy, InvalidInput) as exc:
                tally.failures.append(str(exc))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield tally
    finally:
        stop.set()
        thread.join()
        engine.dispose()


@contextmanager
def demo_database(backend: str, tmp: Path, postgres: str | None) -> Iterator[str]:
    """A fresh database holding the demo workspace; its URL."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'greenlight.db'}"
        schema = None
    else:
        assert postgres, "main() checks a PostgreSQL URL was given"
        from tests.conftest import create_pg_schema

        schema, url = create_pg_schema(postgres)
    try:
        engine = open_database(url)
        with transaction(engine) as session:
            demo.load_demo(session)
        engine.dispose()
        yield url
    finally:
        if schema and postgres:
            from tests.conftest import drop_pg_schema

            drop_pg_schema(postgres, schema)


@dataclass(frozen=True)
class Row:
    backend: str
    think: float
    single: Tally
    crowd: Tally
    writes: WriterTally
    sessions: int


def measure(backend: str, args: argparse.Namespace) -> Row:
    with tempfile.TemporaryDirectory(prefix=f"bench-load-{backend}-") as tmp_dir:
        tmp = Path(tmp_dir)
        with demo_database(backend, tmp, args.postgres) as url, running_server(tmp, database_url=url) as server:
            load(server, 1, 3, args.timeout, 0)  # warm-up: imports, first-run caches
            single = load(server, 1, args.single_seconds, args.timeout, 0)
            with writer(url, args.write_every) as writes:
                crowd = load(server, args.sessions, args.seconds, args.timeout, args.think)
            if crowd.errors and args.verbose:
                print(server.log_text()[-4000:], file=sys.stderr)
    return Row(backend, args.think, single, crowd, writes, args.sessions)


def report(rows: list[Row]) -> None:
    print()
    print(
        f"{'back end':<11}{'runs':>7}{'errors':>8}{'p50 s':>8}{'p95 s':>8}{'max s':>8}"
        f"{'single p50 s':>14}{'p95/single':>12}{'writes':>8}{'w. fail':>8}{'server MB':>11}  target"
    )
    for r in rows:
        base = r.single.quantile(0.5)
        ratio = r.crowd.quantile(0.95) / base if base else float("nan")
        ok = not r.crowd.errors and not r.writes.failures and ratio <= 10
        print(
            f"{r.backend:<11}{len(r.crowd.seconds) + len(r.crowd.errors):>7,}{len(r.crowd.errors):>8}"
            f"{r.crowd.quantile(0.5):>8.2f}{r.crowd.quantile(0.95):>8.2f}{max(r.crowd.seconds, default=0):>8.2f}"
            f"{base:>14.3f}{ratio:>11.1f}×{r.writes.writes:>8}{len(r.writes.failures):>8}"
            f"{r.crowd.peak_rss / 2**20:>11.0f}  {'met' if ok else 'MISSED'}"
        )
    for r in rows:
        for line in sorted(set(r.crowd.errors + r.writes.failures))[:10]:
            print(f"  {r.backend}: {line}")
    print(
        f"\n{rows[0].sessions} sessions alternating Home and Review, pausing {rows[0].think:g} s on average between "
        "clicks; a writer corrected a value every few seconds. "
        "Baseline: one session alone on the same server, same run. Target: 0 errors, p95 ≤ 10× single p50."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the crowd stays (default 120)")
    parser.add_argument("--single-seconds", type=float, default=15.0, help="how long the baseline runs")
    parser.add_argument("--think", type=float, default=3.0, help="mean pause between a person's clicks, s (default 3)")
    parser.add_argument("--write-every", type=float, default=2.0, help="seconds between the writer's corrections")
    parser.add_argument("--timeout", type=float, default=60.0, help="a run slower than this counts as failed")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get("GREENLIGHT_TEST_DATABASE_URL"))
    parser.add_argument("--verbose", action="store_true", help="print the server log's tail when runs fail")
    args = parser.parse_args()
    if not 1 <= args.sessions <= 200 or not 1 <= args.seconds <= 1800:
        raise SystemExit("--sessions must be 1–200 and --seconds 1–1800: the benchmark is bounded on purpose.")
    backends = [b.strip() for b in args.backends.split(",")]
    if "postgresql" in backends and not args.postgres:
        raise SystemExit("PostgreSQL: pass --postgres URL or set GREENLIGHT_TEST_DATABASE_URL (or --backends sqlite).")
    rows = []
    for backend in backends:
        print(f"{backend}: demo workspace, {args.sessions} sessions for {args.seconds:.0f} s …", flush=True)
        rows.append(measure(backend, args))
    report(rows)


if __name__ == "__main__":
    main()
