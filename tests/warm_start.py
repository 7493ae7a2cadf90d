"""Streamlit servers for the tests, forked from a process that has already imported what every server imports.

A server's first page run spent about 2.5 s of CPU importing Streamlit's server, pandas, pyarrow, Altair,
scipy and SQLAlchemy; the suite starts some thirty servers on two cores. Here one process per test worker
imports them once, then forks a child for each server, and the child runs ``streamlit run`` exactly as the
command line does (``streamlit.web.cli.main`` with the same arguments, working directory and environment):
its own fresh Streamlit runtime, sessions, caches and database engine. Preloaded are third-party modules
and the app's pure packages (statistics, decision engine, charts, report, importer), never a module that
talks to Streamlit or the database, so the app's state starts as in a fresh process.

Benchmarks and servers of another checkout (``root``) start cold, as ``scripts/run.sh`` does.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What every Greenlight server imports before its first page run is drawn (the app's own modules excluded).
PRELOAD = (
    "streamlit",
    "streamlit.web.cli",
    "streamlit.web.bootstrap",
    "streamlit.web.server.server",
    "streamlit.runtime.scriptrunner.script_runner",
    "streamlit.elements.arrow",
    "streamlit.elements.vega_charts",
    "pandas",
    "pyarrow",
    "altair",
    "scipy.stats",
    "scipy.optimize",
    "sqlalchemy",
    "sqlmodel",
    "alembic.command",
    "psycopg",
    # the app's pure packages: no database, no Streamlit, no state kept between calls
    "lib.stats",
    "lib.decide",
    "lib.charts",
    "lib.report",
    "lib.importer",
)

# The forking process: preload, then for each request (one JSON line) fork a server and answer its pid.
_ZYGOTE = r"""
import importlib, json, os, signal, sys
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel: no zombies to wait on
# What every server imported lives as long as the server: its collector never walks it again, and collects after
# 50,000 new objects instead of 700, as the test workers do (tests/conftest.py). In four browser files the
# servers' collections took 0.38 s of their 5.3 s of CPU, 0.02 s so. Nothing a server does depends on it.
import gc
gc.collect()
gc.freeze()
print("ready", flush=True)
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.setsid()
            log = os.open(req["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            sys.argv = ["streamlit", *req["args"]]
            sys.path[0] = req["cwd"]  # as `python -m streamlit` run from that directory has it
            sys.stdin = open(os.devnull)
            gc.set_threshold(50_000, 20, 20)
            from streamlit.web.cli import main
            main(prog_name="streamlit")
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    print(pid, flush=True)
"""


@dataclass
class Forked:
    """A forked server process: the subset of ``subprocess.Popen`` that ``running_server`` uses."""

    pid: int

    def poll(self) -> int | None:
        """None while it runs; a zombie or a missing /proc entry counts as ended."""
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return 0
        return 0 if state in ("Z", "X") else None

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def send_signal(self, sig: int) -> None:
        self._signal(sig)

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"server {self.pid}", timeout or 0)
            time.sleep(0.05)
        return 0

    def _signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)


class _Zygote:
    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _ZYGOTE, json.dumps(PRELOAD)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        if self._proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the warm server process did not start")
        self._lock = threading.Lock()

    def fork(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> Forked:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        request = {"args": args, "env": env, "cwd": str(cwd), "log": str(log)}
        with self._lock:
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
            return Forked(int(self._proc.stdout.readline()))

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()


_zygote: _Zygote | None = None
_zygote_lock = threading.Lock()


# Switched on by tests/conftest.py for the test run, in the test process only (not an environment variable a
# child inherits): benchmarks, even when a test runs one, measure a cold server.
ENABLED = False


def enabled() -> bool:
    return ENABLED


def fork_streamlit(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> Forked:
    """``streamlit <args>`` in ``cwd`` with exactly ``env``, its output appended to ``log``."""
    global _zygote
    with _zygote_lock:
        if _zygote is None:
            _zygote = _Zygote()
            atexit.register(_zygote.close)
    return _zygote.fork(args, env, cwd, log)
