"""Where a warm page run's CPU goes: Streamlit's serialisation, charts, pandas, the database, or our code.

Run from the repo root::

    .venv/bin/python bench/profile_page_runs.py [--runs 40] [--pages home,review,pilots]

Loads the demo workspace into a fresh SQLite file and reruns each page through
``app.py`` with Streamlit's AppTest (the script runner a browser session uses;
without the websocket), under cProfile inside the script runner's thread; each
function's own time is charged to its owner:
Streamlit's element building and serialisation (``streamlit``, ``google.protobuf``,
``pyarrow``), the chart specs (``altair``, ``jsonschema``, ``narwhals``), pandas /
numpy, the database (``sqlalchemy``, ``sqlite3``, ``psycopg``), scipy, Greenlight
(``lib/``, ``pages/``, ``app.py``) and the rest (the standard library). Printed per
page: the median run (timed without the profiler), the share of own time per
owner, the Greenlight functions with the most inclusive time, and the functions
with the most own time, so a change can aim at what costs.
The baseline, in the same run: a trivial script (a title and a 20-row table).
AppTest compiles the page on every run, where the server compiles it once; the
runs here share one script cache as the server does, so compilation (otherwise
over half of a warm AppTest run) is not mistaken for the page's own work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OWNERS = (
    ("streamlit", ("/streamlit/", "/google/protobuf/", "/pyarrow/")),
    ("charts", ("/altair/", "/jsonschema/", "/narwhals/", "/referencing/")),
    ("pandas/numpy", ("/pandas/", "/numpy/")),
    ("database", ("/sqlalchemy/", "/sqlmodel/", "sqlite3", "/psycopg/")),
    ("scipy", ("/scipy/",)),
    ("greenlight", (str(ROOT / "lib") + "/", str(ROOT / "pages") + "/", str(ROOT / "app.py"))),
)
TRIVIAL = 'import streamlit as st\nst.title("Trivial")\nst.dataframe({"a": list(range(20))})\n'


def owner(path: str) -> str:
    for name, marks in OWNERS:
        if any(mark in path for mark in marks):
            return name
    return "other"


class Profiled:
    """cProfile inside the script runner's thread, around each script run (cProfile sees one thread only)."""

    def __init__(self) -> None:
        import cProfile

        from streamlit.runtime.scriptrunner import script_runner

        self.profile = cProfile.Profile()
        self._runner = script_runner.ScriptRunner
        self._original = self._runner._run_script

    def __enter__(self) -> Profiled:
        original, profile = self._original, self.profile

        def run_script(runner, *args, **kwargs):
            profile.enable()
            try:
                return original(runner, *args, **kwargs)
            finally:
                profile.disable()

        self._runner._run_script = run_script  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        self._runner._run_script = self._original  # type: ignore[method-assign]

    def owners(self) -> tuple[Counter[str], Counter[str], float]:
        """Own time per owner, inclusive time per Greenlight function, and the total, in seconds."""
        import pstats

        stats = pstats.Stats(self.profile).stats  # type: ignore[attr-defined]
        own, ours, total = Counter[str](), Counter[str](), 0.0
        for (path, _line, name), (_cc, _nc, tottime, cumtime, _callers) in stats.items():
            own[owner(path)] += tottime
            total += tottime
            if owner(path) == "greenlight":
                label = f"{Path(path).relative_to(ROOT)}:{name}"
                ours[label] = max(ours[label], cumtime)
        self.top_own = sorted(
            (
                (tottime, f"{owner(path)}: {Path(path).name}:{name}")
                for (path, _l, name), (_c, _n, tottime, *_r) in stats.items()
            ),
            reverse=True,
        )[:8]
        return own, ours, total


def profile(at, runs: int) -> tuple[float, Profiled]:
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    for _ in range(3):
        at.run()
    times = []
    for _ in range(runs):  # timed without the profiler: its overhead would inflate Python-heavy code
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    with Profiled() as profiled:
        for _ in range(runs):
            at.run()
    return statistics.median(times), profiled


@contextmanager
def server_like(tmp: str) -> Iterator[str]:
    """A demo database's URL for the app, and AppTest sharing one script cache, as the server does.

    AppTest compiles every script on every run (a new ScriptCache each time); the server keeps one,
    so a warm run there never parses the page again. Both changes are undone on the way out.
    """
    from streamlit.testing.v1 import app_test, local_script_runner

    url = f"sqlite:///{Path(tmp) / 'greenlight.db'}"
    before = os.environ.get("GREENLIGHT_DATABASE_URL"), local_script_runner.ScriptCache, app_test.ScriptCache
    shared = before[1]()
    os.environ["GREENLIGHT_DATABASE_URL"] = url
    local_script_runner.ScriptCache = app_test.ScriptCache = lambda: shared  # type: ignore[attr-defined,misc]
    try:
        yield url
    finally:
        local_script_runner.ScriptCache, app_test.ScriptCache = before[1], before[2]  # type: ignore[misc]
        if before[0] is None:
            os.environ.pop("GREENLIGHT_DATABASE_URL", None)
        else:
            os.environ["GREENLIGHT_DATABASE_URL"] = before[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--pages", default="home,review,pilots")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="profile-pages-") as tmp, server_like(tmp) as url:
        from streamlit.testing.v1 import AppTest

        from lib.demo import loader
        from lib.infra.db import open_database, transaction

        engine = open_database(url)
        with transaction(engine) as session:
            loader.load_demo(session)
        engine.dispose()
        base, _ = profile(AppTest.from_string(TRIVIAL, default_timeout=300), args.runs)
        print(f"baseline, a trivial script: median warm run {base * 1000:.1f} ms\n")
        for page in [p.strip() for p in args.pages.split(",") if p.strip()]:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
            if page != "home":
                at.switch_page(f"pages/{page}.py")
            median, profiled = profile(at, args.runs)
            own, ours, total = profiled.owners()
            shares = ", ".join(f"{name} {seconds / total:.0%}" for name, seconds in own.most_common())
            print(f"{page}: median warm run {median * 1000:.1f} ms ({median / base:.1f}× trivial)")
            print(f"  own time (profiled) by owner: {shares}")
            print("  Greenlight functions, inclusive time as a share of the profiled runs:")
            for name, seconds in ours.most_common(args.top):
                print(f"    {seconds / total:5.0%}  {name}")
            print("  most own time:")
            for seconds, name in profiled.top_own:
                print(f"    {seconds / total:5.0%}  {name}")
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
