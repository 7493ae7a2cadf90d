"""Benchmark: thirty people with Home and Review open at once, on one server or on replicas (issues 12, 18).

Run from the repo root::

    .venv/bin/python bench/bench_load.py [--sessions 30] [--seconds 120] [--backends sqlite,postgresql]
    .venv/bin/python bench/bench_load.py --backends postgresql --replicas 1,2 --think 1,0.5 --seconds 60
    .venv/bin/python bench/bench_load.py --backends postgresql --replicas 2 --think 1 --kill-one
    .venv/bin/python bench/bench_load.py --backends sqlite --think 1 --pauses exponential --fresh-every 5 --seconds 60
    .venv/bin/python bench/bench_load.py --backends sqlite --burst 30 --seconds 0

For each back end it loads the demo workspace into a fresh database (a SQLite
file; a scratch schema on the PostgreSQL server named by ``--postgres`` or
``GREENLIGHT_TEST_DATABASE_URL``), starts the real server and speaks to it as
browsers do: one websocket per session, each session asking for Home, then
Review, then Home… and timing each run from the request to Streamlit's
"script finished". ``--replicas 0`` (the default) is one ``streamlit run
serve.py`` on 127.0.0.1, as ``scripts/run.sh`` starts it; ``--replicas N``
is ``scripts/serve_team.sh --replicas N`` (PostgreSQL only) and every session
goes through its HAProxy. ``--fresh-every K`` closes a session's websocket
after K Home+Review pairs and opens a new one (a new Streamlit session), as
people opening the app do. Meanwhile a writer corrects one logged value every
``--write-every`` seconds through the app's own services, as a colleague
saving the grid would, so readers meet a live writer.

A run counts as failed when its websocket breaks (the session then reconnects),
it takes longer than ``--timeout``, or the page shows an error (an exception or
a red error box). The baseline is one session alone on the same servers,
measured first in the same run; throughput is completed runs per second of the
crowd phase. Target: 0 errors and p95 ≤ 10 × the single session's p50, and at most
12 ms of server CPU per page run (issue 29: a process on a free core then serves about
80 runs a second); server memory is the peak resident set of all replicas while the load
runs. The event loop (uvloop, from requirements.txt, else asyncio) is named, since it
moves the CPU figure: hide uvloop and httptools from a run to compare (a directory on
``PYTHONPATH`` whose ``uvloop`` and ``httptools`` packages raise ImportError).

``--kill-one`` (replicas only) kills replica r1 with SIGKILL a third of the way
into the crowd phase: it reports how soon HAProxy took it out and let it back in
(serve_team.sh restarts it), the runs r1 served after it rejoined, the sessions
that reconnected, and a writer adding backlog ideas *through the proxy* whose
rows are counted at the end: none acknowledged and missing, none doubled.

``--pauses exponential`` draws each pause from an exponential distribution with
the think time as its mean (people's pauses are memoryless; the default,
``uniform``, draws from 0 to twice the mean, as earlier figures were measured).
``--burst N`` adds the meeting's first minute: N new sessions open Review at the
same moment; it reports when the last one finished, beside one new session
opening Review alone, measured first in the same run. ``--seconds 0`` skips the
crowd phase and measures only the burst.

``--profile OUT.prof`` (one server) runs it under ``bench/profile_server.py``:
cProfile in every server thread, counting from when the crowd arrives, saved when
the server stops; ``bench/profile_server.py --report OUT.prof`` reads it. The
profiler slows the server: its CPU figures are then not the server's own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.exceptions import InvalidHandshake  # noqa: E402

from lib.demo import loader  # noqa: E402
from lib.infra.db import DatabaseBusy, make_engine, open_database, reading, transaction  # noqa: E402
from lib.infra.inputs import InvalidInput  # noqa: E402
from lib.services import results  # noqa: E402
from tests.servers import Server, Team, rerun_message, running_server, running_team  # noqa: E402

PAGES = (("home", ""), ("review", "review"))  # (label, Streamlit page name): a pair is Home then Review
Extra = Callable[[float], Awaitable[None]]  # more work beside the crowd, given when the crowd leaves
COOKIE = "greenlight_replica"  # HAProxy's sticky cookie (scripts/serve_team.sh): names the replica


class Loaded(Protocol):
    """What the load needs of a server: where to connect, and its memory (tests.servers.Server has both)."""

    @property
    def stream(self) -> str: ...

    def rss_bytes(self) -> int: ...


@dataclass(frozen=True)
class Target:
    """HAProxy in front of replicas: where sessions connect, and every replica's memory."""

    stream: str
    pids: Callable[[], list[int]]

    def rss_bytes(self) -> int:
        return sum(Server("", 0, Path(), pid).rss_bytes() for pid in self.pids())

    def cpu_seconds(self) -> dict[int, float]:
        """Each server process's CPU time so far (user + system, Linux /proc), by pid."""
        ticks = os.sysconf("SC_CLK_TCK")
        seen = {}
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seen[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return seen


@dataclass
class Tally:
    """Every page run of one phase: its seconds, and what went wrong with the ones that failed."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    peak_rss: int = 0
    elapsed: float = 0.0
    connects: int = 0
    reconnects: int = 0  # sessions whose websocket broke and that connected again
    by_replica: Counter[str] = field(default_factory=Counter)  # completed runs per replica (HAProxy's cookie)
    runs_log: list[tuple[float, str]] = field(default_factory=list)  # (when finished, replica)
    server_cpu_per_run: float = float("nan")  # CPU seconds the servers spent per completed run
    client_cpu: float = 0.0  # CPU seconds this benchmark process spent (sessions, parsing, the writers)
    until: float = 0.0  # when the crowd leaves (time.monotonic())
    min_runs: int = 0  # ...unless fewer runs than this have finished: then people stay, up to hard_until
    hard_until: float = 0.0

    def going(self) -> bool:
        """Whether people keep clicking: a test asks for a number of runs, not a pace, so it holds on a busy machine."""
        now = time.monotonic()
        return now < self.until or (len(self.seconds) < self.min_runs and now < self.hard_until)

    def quantile(self, q: float) -> float:
        if not self.seconds:
            return float("nan")
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def throughput(self) -> float:
        return len(self.seconds) / self.elapsed if self.elapsed else float("nan")


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


def replica_of(ws: ClientConnection) -> str:
    """The replica HAProxy chose for this websocket (its Set-Cookie), or "server" without a proxy."""
    for value in ws.response.headers.get_all("set-cookie") if ws.response else ():
        if value.startswith(f"{COOKIE}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return "server"


async def run_once(ws: ClientConnection, message: bytes, timeout: float) -> tuple[list[ForwardMsg], str | None]:
    """Send one rerun and read until the run finishes: the forward messages and any problem a person would see.

    TimeoutError and a broken websocket propagate to the caller.
    """
    await ws.send(message)
    received: list[ForwardMsg] = []
    problem = None
    while True:
        frame = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(frame, bytes):
            forward = ForwardMsg()
            forward.ParseFromString(frame)
            received.append(forward)
            problem = problem or page_problem(forward)
            if finished(forward):
                return received, problem


async def one_session(
    target: Loaded,
    until: float,
    tally: Tally,
    timeout: float,
    think: float,
    seed: int,
    fresh_every: int,
    pauses: str = "uniform",
) -> None:
    """A person with the app open: Home, Review, Home… until the time is up.

    With ``fresh_every`` the websocket is closed after that many pairs and a new session opened; a
    broken websocket is a failed run, after which the person connects again (a browser does).
    """
    rng = random.Random(seed)

    def pause() -> float:
        if pauses == "exponential" and think > 0:
            return rng.expovariate(1 / think)
        return rng.uniform(0, 2 * think)

    await asyncio.sleep(pause())  # people do not all arrive in the same millisecond
    broke = False
    while tally.going():
        try:
            ws = await connect(target.stream, subprotocols=["streamlit"], max_size=None)  # type: ignore[list-item]
        except (OSError, InvalidHandshake) as exc:  # refused, timed out, or the proxy's 502/503
            tally.errors.append(f"connect: {exc}")
            await asyncio.sleep(0.5)
            continue
        tally.connects += 1
        tally.reconnects += broke
        broke = False
        replica = replica_of(ws)
        async with ws:
            pairs = 0
            while tally.going() and not broke and (not fresh_every or pairs < fresh_every):
                for label, page in PAGES:
                    started = time.monotonic()
                    try:
                        _, problem = await run_once(ws, rerun_message(page), timeout)
                    except TimeoutError:
                        problem = f"no answer within {timeout:.0f} s"
                    except Exception as exc:  # noqa: BLE001 - a broken websocket is a failed run, counted
                        tally.errors.append(f"{label}: websocket broke ({type(exc).__name__})")
                        broke = True
                        break
                    if problem:
                        tally.errors.append(f"{label}: {problem}")
                    else:
                        now = time.monotonic()
                        tally.seconds.append(now - started)
                        tally.by_replica[replica] += 1
                        tally.runs_log.append((now, replica))
                    await asyncio.sleep(pause())
                    if not tally.going():
                        break
                pairs += 1


async def _load(
    target: Loaded,
    sessions: int,
    seconds: float,
    timeout: float,
    think: float,
    fresh_every: int,
    extra: Extra | None = None,
    min_runs: int = 0,
    max_seconds: float = 0.0,
    pauses: str = "uniform",
) -> Tally:
    started = time.monotonic()
    until = started + seconds
    tally = Tally(until=until, min_runs=min_runs, hard_until=until + max(0.0, max_seconds - seconds))

    async def watch_memory() -> None:
        while tally.going() or time.monotonic() < until + timeout:
            tally.peak_rss = max(tally.peak_rss, await asyncio.to_thread(target.rss_bytes))
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch_memory())
    people = [one_session(target, until, tally, timeout, think, i, fresh_every, pauses) for i in range(sessions)]
    await asyncio.gather(*people, *([extra(until)] if extra else []))
    tally.elapsed = time.monotonic() - started
    watcher.cancel()
    return tally


def load(
    target: Loaded,
    sessions: int,
    seconds: float,
    timeout: float = 60.0,
    think: float = 0.5,
    fresh_every: int = 0,
    extra: Extra | None = None,
    min_runs: int = 0,
    max_seconds: float = 0.0,
    pauses: str = "uniform",
) -> Tally:
    """``sessions`` people using the server for ``seconds``: every page run's time and every failure.

    With ``min_runs`` they stay past ``seconds`` until that many runs have finished (at most
    ``max_seconds`` in all): a test asks for an amount of load, which a busy machine gives more slowly.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # its own thread: a caller may already run an event loop (Playwright)
        job = _load(target, sessions, seconds, timeout, think, fresh_every, extra, min_runs, max_seconds, pauses)
        return pool.submit(asyncio.run, job).result()


@dataclass
class Burst:
    """New sessions opening Review at the same moment: when each finished, from the common start."""

    finished: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def last(self) -> float:
        return max(self.finished, default=float("nan"))


async def _open_review(target: Loaded, start_at: float, timeout: float, burst: Burst) -> None:
    ws = await connect(target.stream, subprotocols=["streamlit"], max_size=None)  # type: ignore[list-item]
    async with ws:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        started = time.monotonic()
        try:
            _, problem = await run_once(ws, rerun_message("review"), timeout)
        except Exception as exc:  # noqa: BLE001 - a failed open is counted, not raised
            problem = f"{type(exc).__name__}"
        if problem:
            burst.errors.append(problem)
        else:
            burst.finished.append(time.monotonic() - started)


def burst(target: Loaded, sessions: int, timeout: float) -> Burst:
    """``sessions`` new sessions, connected first, then all asking for Review at one moment."""
    from concurrent.futures import ThreadPoolExecutor

    async def job() -> Burst:
        tally = Burst()
        start_at = time.monotonic() + 1.0 + 0.02 * sessions  # every websocket is open before the moment
        await asyncio.gather(*(_open_review(target, start_at, timeout, tally) for _ in range(sessions)))
        return tally

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, job()).result()


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


# --- faults: a replica killed under the load, and writes made through the proxy ---------------------------


@dataclass
class AppWrites:
    """Backlog ideas added through the proxy, as a person clicking "Add to the backlog" would."""

    acknowledged: list[str] = field(default_factory=list)  # the page said "Idea … added."
    unknown: list[str] = field(default_factory=list)  # the websocket broke before the answer
    refused: list[str] = field(default_factory=list)
    in_database: Counter[str] = field(default_factory=Counter)

    @property
    def lost(self) -> list[str]:
        return [n for n in self.acknowledged if self.in_database[n] == 0]

    @property
    def doubled(self) -> list[str]:
        return [n for n, count in self.in_database.items() if count > 1]


def widget_ids(forwards: list[ForwardMsg]) -> dict[str, str]:
    """Label → widget id of the text inputs and buttons a run drew (the ids a browser sends back)."""
    ids: dict[str, str] = {}
    for forward in forwards:
        if forward.WhichOneof("type") == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            kind = element.WhichOneof("type")
            if kind in ("text_input", "button"):
                widget = getattr(element, kind)
                ids[widget.label] = widget.id
    return ids


def add_idea_message(ids: dict[str, str], name: str) -> bytes:
    """The back message of a click on "Add to the backlog" with the idea's name typed in."""
    msg = BackMsg()
    msg.rerun_script.page_name = "backlog"
    for label, value in (("Your name", "bench writer"), ("Name", name)):
        state = msg.rerun_script.widget_states.widgets.add()
        state.id = ids[label]
        state.string_value = value
    submit = msg.rerun_script.widget_states.widgets.add()
    submit.id = ids["Add to the backlog"]
    submit.trigger_value = True
    return msg.SerializeToString()


def app_writer(target: Loaded, writes: AppWrites, every: float, timeout: float) -> Extra:
    """A person adding a uniquely named idea every ``every`` seconds through the proxy, reconnecting if cut."""

    async def work(until: float) -> None:
        n = 0
        while time.monotonic() < until:
            try:
                async with connect(target.stream, subprotocols=["streamlit"], max_size=None) as ws:  # type: ignore[list-item]
                    forwards, _ = await run_once(ws, rerun_message("backlog"), timeout)
                    while time.monotonic() < until:
                        await asyncio.sleep(every)
                        n += 1
                        name = f"bench-idea-{n:04d}"
                        writes.unknown.append(name)
                        forwards, problem = await run_once(ws, add_idea_message(widget_ids(forwards), name), timeout)
                        writes.unknown.remove(name)
                        shown = "".join(f.delta.new_element.alert.body for f in forwards if f.HasField("delta"))
                        (writes.acknowledged if f"“{name}” added" in shown else writes.refused).append(name)
            except Exception:  # noqa: BLE001 - cut mid-write: the outcome of the last one is unknown, counted
                await asyncio.sleep(0.5)

    return work


@dataclass
class KillReport:
    killed_at: float = 0.0  # seconds into the crowd phase
    out_after: float = float("nan")  # seconds until HAProxy marked it DOWN
    back_after: float = float("nan")  # seconds until it was UP again (restarted by serve_team.sh)
    runs_after_rejoin: int = 0  # runs the restarted replica served


def kill_one(team: Team, at: float, report: KillReport) -> Extra:
    """Kill replica r1 with SIGKILL ``at`` seconds into the load; time HAProxy taking it out and back in."""

    async def work(until: float) -> None:
        start = time.monotonic()
        await asyncio.sleep(at)
        victim = next(r for r in team.replicas() if r.name == "r1")
        os.kill(victim.pid, signal.SIGKILL)
        killed = time.monotonic()
        report.killed_at = killed - start
        while time.monotonic() < until + 120:
            state = (await asyncio.to_thread(team.states)).get("r1", "")
            now = time.monotonic() - killed
            if state.startswith("DOWN") and report.out_after != report.out_after:
                report.out_after = now
            if state == "UP" and report.out_after == report.out_after:
                report.back_after = now
                return
            await asyncio.sleep(0.2)

    return work


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
            loader.load_demo(session)
        engine.dispose()
        yield url
    finally:
        if schema and postgres:
            from tests.conftest import drop_pg_schema

            drop_pg_schema(postgres, schema)


@contextmanager
def serving(
    backend: str, replicas: int, tmp: Path, url: str, profile: Path | None = None
) -> Iterator[tuple[Target, Team | None]]:
    """One server (``replicas`` 0), under the profiler with ``profile``, or serve_team.sh's replicas behind HAProxy."""
    if replicas == 0:
        launcher = (str(ROOT / "bench" / "profile_server.py"), str(profile)) if profile else ("-m", "streamlit")
        with running_server(tmp, database_url=url, launcher=launcher) as server:
            yield Target(server.stream, lambda: [server.pid]), None
    else:
        with running_team(tmp, url, replicas=replicas) as team:
            yield Target(team.proxy.stream, lambda: [r.pid for r in team.replicas()]), team


def count_ideas(url: str, writes: AppWrites) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, COUNT(*) FROM pilot WHERE name LIKE 'bench-idea-%' GROUP BY name"))
        writes.in_database = Counter({name: count for name, count in rows})
    engine.dispose()


@dataclass(frozen=True)
class Row:
    backend: str
    replicas: int
    think: float
    single: Tally
    crowd: Tally
    writes: WriterTally
    sessions: int
    app_writes: AppWrites | None = None
    kill: KillReport | None = None
    burst_alone: list[float] = field(default_factory=list)  # one new session opening Review alone, each try
    burst: Burst | None = None


def measure(backend: str, replicas: int, think: float, args: argparse.Namespace) -> Row:
    with tempfile.TemporaryDirectory(prefix=f"bench-load-{backend}-") as tmp_dir:
        tmp = Path(tmp_dir)
        with (
            demo_database(backend, tmp, args.postgres) as url,
            serving(backend, replicas, tmp, url, args.profile) as (target, team),
        ):
            load(target, max(1, replicas), 3, args.timeout, 0)  # warm-up: imports, first-run caches, every replica
            alone, crowded = [], None
            if args.burst:  # before the crowd: the meeting's first minute, on a server that has served once
                alone = [burst(target, 1, args.timeout).last for _ in range(3)]
                crowded = burst(target, args.burst, args.timeout)
            if not args.seconds:
                return Row(
                    backend, replicas, think, Tally(), Tally(), WriterTally(), 0, burst_alone=alone, burst=crowded
                )
            single = load(target, 1, args.single_seconds, args.timeout, 0)
            app_writes, kill, extras = None, None, []
            if args.kill_one and team:
                app_writes, kill = AppWrites(), KillReport()
                extras = [
                    app_writer(target, app_writes, args.write_every, args.timeout),
                    kill_one(team, args.seconds / 3, kill),
                ]

            async def both(until: float) -> None:
                await asyncio.gather(*(extra(until) for extra in extras))

            if args.profile:  # the profiler counts from here: the crowd only
                for pid in target.pids():
                    os.kill(pid, signal.SIGUSR1)
            cpu_before, client_before = target.cpu_seconds(), time.process_time()
            with writer(url, args.write_every) as writes:
                crowd = load(
                    target, args.sessions, args.seconds, args.timeout, think, args.fresh_every, both, pauses=args.pauses
                )
            cpu_after = target.cpu_seconds()
            crowd.client_cpu = time.process_time() - client_before
            if set(cpu_before) == set(cpu_after) and crowd.seconds:  # no replica restarted meanwhile
                crowd.server_cpu_per_run = sum(cpu_after[p] - cpu_before[p] for p in cpu_after) / len(crowd.seconds)
            if kill and kill.back_after == kill.back_after:
                rejoined = time.monotonic() - (crowd.elapsed - kill.killed_at - kill.back_after)
                kill.runs_after_rejoin = sum(1 for when, r in crowd.runs_log if r == "r1" and when >= rejoined)
            if app_writes is not None:
                count_ideas(url, app_writes)
            if crowd.errors and args.verbose:
                log = team.proxy.log_text() if team else ""
                print(log[-4000:], file=sys.stderr)
    return Row(backend, replicas, think, single, crowd, writes, args.sessions, app_writes, kill, alone, crowded)


def report_burst(rows: list[Row], args: argparse.Namespace) -> None:
    print()
    print(f"{'back end':<11}{'serving':<12}{'sessions':>9}{'errors':>8}{'last done s':>13}{'alone s':>9}  target")
    for r in rows:
        if r.burst is None:
            continue
        serving = "1 server" if r.replicas == 0 else f"{r.replicas} replica{'s' if r.replicas > 1 else ''}"
        alone = sorted(r.burst_alone)[len(r.burst_alone) // 2] if r.burst_alone else float("nan")
        ok = not r.burst.errors and r.burst.last <= 1.0
        print(
            f"{r.backend:<11}{serving:<12}{args.burst:>9}{len(r.burst.errors):>8}{r.burst.last:>13.2f}{alone:>9.2f}  "
            f"{'met' if ok else 'MISSED'}"
        )
    print(
        f"\n{args.burst} new sessions connected, then all asked for Review at the same moment; 'last done' is when "
        "the slowest finished, from that moment. Baseline: one new session opening Review alone (median of 3), "
        "same server, same run. Target: the last one done within 1.0 s."
    )


def report(rows: list[Row], args: argparse.Namespace) -> None:
    if args.burst:
        report_burst(rows, args)
    if not args.seconds:
        return
    print()
    print(
        f"{'back end':<11}{'serving':<12}{'think s':>8}{'runs':>7}{'errors':>8}{'p50 s':>8}{'p95 s':>8}{'max s':>8}"
        f"{'single p50 s':>14}{'p95/single':>12}{'runs/s':>8}{'CPU ms/run':>11}{'writes':>8}{'w. fail':>8}"
        f"{'server MB':>11}  target"
    )
    for r in rows:
        base = r.single.quantile(0.5)
        ratio = r.crowd.quantile(0.95) / base if base else float("nan")
        ok = not r.crowd.errors and not r.writes.failures and ratio <= 10
        serving = "1 server" if r.replicas == 0 else f"{r.replicas} replica{'s' if r.replicas > 1 else ''}"
        print(
            f"{r.backend:<11}{serving:<12}{r.think:>8.1f}{len(r.crowd.seconds) + len(r.crowd.errors):>7,}"
            f"{len(r.crowd.errors):>8}{r.crowd.quantile(0.5):>8.2f}{r.crowd.quantile(0.95):>8.2f}"
            f"{max(r.crowd.seconds, default=0):>8.2f}{base:>14.3f}{ratio:>11.1f}×{r.crowd.throughput:>8.1f}"
            f"{r.crowd.server_cpu_per_run * 1000:>11.1f}"
            f"{r.writes.writes:>8}{len(r.writes.failures):>8}{r.crowd.peak_rss / 2**20:>11,.0f}  "
            f"{'met' if ok else 'MISSED'}"
        )
    for r in rows:
        label = f"{r.backend}, {r.replicas or 1} {'replica(s)' if r.replicas else 'server'}, think {r.think:g} s"
        client = r.crowd.client_cpu / r.crowd.elapsed if r.crowd.elapsed else float("nan")
        print(f"  {label}: this benchmark's own CPU {client:.0%} of one core during the crowd phase")
        cpu_ms = r.crowd.server_cpu_per_run * 1000
        print(
            f"  {label}: server CPU per page run {cpu_ms:.1f} ms (target ≤ {CPU_TARGET_MS} ms: "
            f"{'met' if cpu_ms <= CPU_TARGET_MS else 'MISSED'}); event loop: {_event_loop()}"
        )
        if r.replicas:
            shares = ", ".join(f"{k} {v:,}" for k, v in sorted(r.crowd.by_replica.items()))
            print(f"  {label}: runs per replica {shares}; sessions opened {r.crowd.connects:,}")
        if r.kill:
            k = r.kill
            print(
                f"  {label}: r1 killed (SIGKILL) at {k.killed_at:.0f} s; HAProxy took it out after {k.out_after:.1f} s "
                f"and let it back in {k.back_after:.1f} s after the kill (restarted by serve_team.sh); "
                f"it then served {k.runs_after_rejoin:,} runs; {r.crowd.reconnects} session(s) reconnected"
            )
        if r.app_writes:
            w = r.app_writes
            unknown_in = sum(1 for n in w.unknown if w.in_database[n])
            print(
                f"  {label}: ideas added through the proxy: {len(w.acknowledged)} acknowledged, "
                f"{len(w.lost)} of them missing, {len(w.doubled)} doubled, {len(w.refused)} refused, "
                f"{len(w.unknown)} cut mid-write ({unknown_in} of those saved)"
            )
        for line in sorted(set(r.crowd.errors + r.writes.failures))[:10]:
            print(f"  {label}: {line}")
    fresh = f", a fresh session every {args.fresh_every} pairs" if args.fresh_every else ""
    print(
        f"\n{rows[0].sessions} sessions alternating Home and Review for {args.seconds:g} s, pausing the think time on "
        f"average between clicks{fresh}; a writer corrected a value every {args.write_every:g} s. "
        "Baseline: one session alone on the same servers, same run. Target: 0 errors, p95 ≤ 10× single p50. "
        "CPU ms/run: the servers' CPU time over the crowd phase per completed run, so one replica on a free core "
        "serves at most 1,000 / that many runs a second. "
        f"Machine: {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the end)."
    )


#: issue 29: one process on a free core then serves about 80 page runs a second
CPU_TARGET_MS = 12


def _event_loop() -> str:
    """Which event loop uvicorn picks for the servers started from this environment (uvloop when importable)."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio (uvloop not importable)"
    return "uvloop"


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the crowd stays (default 120)")
    parser.add_argument("--single-seconds", type=float, default=15.0, help="how long the baseline runs")
    parser.add_argument("--think", default="3.0", help="mean pause between a person's clicks, s; a list: 1,0.5")
    parser.add_argument("--fresh-every", type=int, default=0, help="a new session after this many pairs (0: never)")
    parser.add_argument("--replicas", default="0", help="0: one server; N: serve_team.sh's N replicas; a list: 1,2")
    parser.add_argument("--kill-one", action="store_true", help="kill replica r1 a third of the way in (replicas)")
    parser.add_argument("--write-every", type=float, default=2.0, help="seconds between the writer's corrections")
    parser.add_argument("--timeout", type=float, default=60.0, help="a run slower than this counts as failed")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get("GREENLIGHT_TEST_DATABASE_URL"))
    parser.add_argument("--verbose", action="store_true", help="print the server log's tail when runs fail")
    parser.add_argument(
        "--pauses",
        choices=("uniform", "exponential"),
        default="uniform",
        help="how pauses spread around the think time",
    )
    parser.add_argument("--burst", type=int, default=0, help="also: this many new sessions open Review at once")
    parser.add_argument(
        "--profile", type=Path, help="one server only: profile its threads over the crowd phase into this file"
    )
    args = parser.parse_args()
    thinks, replica_counts = _floats(args.think), [int(x) for x in _floats(args.replicas)]
    if not 1 <= args.sessions <= 200 or not (1 <= args.seconds <= 1800 or (args.seconds == 0 and args.burst)):
        raise SystemExit(
            "--sessions must be 1–200 and --seconds 1–1800 (0 with --burst): the bench is bounded on purpose."
        )
    if not 0 <= args.burst <= 200:
        raise SystemExit("--burst takes 0–200 sessions.")
    if not thinks or any(t < 0 for t in thinks) or any(not 0 <= n <= 8 for n in replica_counts):
        raise SystemExit("--think takes seconds ≥ 0 and --replicas 0–8 (0: one server without a proxy).")
    backends = [b.strip() for b in args.backends.split(",")]
    if "postgresql" in backends and not args.postgres:
        raise SystemExit("PostgreSQL: pass --postgres URL or set GREENLIGHT_TEST_DATABASE_URL (or --backends sqlite).")
    if any(replica_counts) and backends != ["postgresql"]:
        raise SystemExit("--replicas N runs serve_team.sh, which serves PostgreSQL only: add --backends postgresql.")
    if args.profile and (any(replica_counts) or len(backends) * len(thinks) > 1):
        raise SystemExit("--profile takes one server (--replicas 0), one back end and one think time.")
    if args.profile:
        args.profile = args.profile.resolve()
    if args.kill_one and not all(replica_counts):
        raise SystemExit("--kill-one needs --replicas 2 or more (with one, nothing is left to reconnect to).")
    rows = []
    for backend in backends:
        for replicas in replica_counts:
            for think in thinks:
                serving = f"{replicas} replica(s) behind HAProxy" if replicas else "one server"
                print(
                    f"{backend}, {serving}, think {think:g} s: demo workspace, {args.sessions} sessions for "
                    f"{args.seconds:.0f} s …",
                    flush=True,
                )
                rows.append(measure(backend, replicas, think, args))
    report(rows, args)


if __name__ == "__main__":
    main()
