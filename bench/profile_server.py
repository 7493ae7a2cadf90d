"""Where a running server's CPU goes: ``streamlit run`` with cProfile in every thread, saved when it stops.

Run from the repo root::

    .venv/bin/python bench/profile_server.py OUT.prof run serve.py [streamlit options]
    .venv/bin/python bench/profile_server.py --report OUT.prof [--top 20]
    .venv/bin/python bench/bench_load.py --backends sqlite --seconds 60 --profile OUT.prof

cProfile sees only the thread it is enabled in, and a server works in several:
the event loop (websockets, each forward message serialised and sent), one
thread per script run, and worker pools. Each thread gets its own profiler,
merged into one when the thread ends, and the lot is written to ``OUT.prof``
when the process exits (SIGTERM or SIGINT stop the server cleanly). SIGUSR1
starts the count again (``bench_load.py`` sends it when the crowd arrives, so the
imports, the warm-up and the baseline are left out); a worker thread that lives
through it keeps what it saw before.
``--report`` prints its own time per owner (as ``bench/profile_page_runs.py``
charges it), the functions with the most own time, and the most inclusive time
per owner, so the server's figure can be set beside AppTest's.
Times are each thread's CPU time (``time.thread_time``), not the wall clock: a
thread waiting for the interpreter lock or for the network is not charged for it.
The profiler slows Python code more than C code: shares, not milliseconds.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import pstats
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from profile_page_runs import owner  # noqa: E402

_LOCK = threading.Lock()
_MERGED: list[pstats.Stats] = []


def _profiler() -> cProfile.Profile:
    return cProfile.Profile(time.thread_time_ns, 1e-9)  # CPU time of the thread it runs in


def _keep(profile: cProfile.Profile) -> None:
    profile.disable()
    profile.create_stats()
    with _LOCK:
        if _MERGED:
            _MERGED[0].add(profile)
        else:
            _MERGED.append(pstats.Stats(profile))


def profile_every_thread() -> Callable[[], None]:
    """Every thread started from now on runs under its own profiler; returns how to stop that."""
    original = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profile = _profiler()
        profile.enable()
        try:
            original(self)
        finally:
            _keep(profile)

    threading.Thread.run = run  # type: ignore[method-assign]

    def undo() -> None:
        threading.Thread.run = original  # type: ignore[method-assign]

    return undo


def save_threads(out: Path) -> bool:
    """Write what the ended threads' profilers saw to ``out`` (and start counting afresh); False if none."""
    with _LOCK:
        if not _MERGED:
            return False
        _MERGED[0].dump_stats(str(out))
        _MERGED.clear()
        return True


def serve(out: Path, streamlit_args: list[str]) -> None:
    main = [_profiler()]

    def save() -> None:
        _keep(main[0])
        save_threads(out)

    def stop(signum: int, _frame: object) -> None:
        """Uvicorn shuts down cleanly, then raises the signal again with the handlers it found: these."""
        save()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    def restart(_signum: int, _frame: object) -> None:  # runs in the main thread, whose profiler it swaps
        main[0].disable()
        with _LOCK:
            _MERGED.clear()
        main[0] = _profiler()
        main[0].enable()

    atexit.register(save)
    signal.signal(signal.SIGUSR1, restart)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    profile_every_thread()
    sys.argv = ["streamlit", *streamlit_args]
    from streamlit.web.cli import main as streamlit_main

    main[0].enable()
    streamlit_main()


def report(path: Path, top: int) -> None:
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    own: Counter[str] = Counter()
    inclusive: dict[str, Counter[str]] = {}
    rows = []
    for (file, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.items():
        who = owner(file)
        own[who] += tottime
        label = f"{Path(file).name}:{line}:{name}" if file != "~" else name
        inclusive.setdefault(who, Counter())[label] = max(inclusive.get(who, Counter())[label], cumtime)
        rows.append((tottime, calls, f"{who}: {label}"))
    total = sum(own.values())
    print(f"{path}: {total:.1f} s of own time profiled")
    print("  own time by owner: " + ", ".join(f"{k} {v / total:.0%}" for k, v in own.most_common()))
    print("  most own time:")
    for tottime, calls, label in sorted(rows, reverse=True)[:top]:
        print(f"    {tottime / total:6.1%}  {calls:>9,} calls  {label}")
    for who in ("greenlight", "streamlit", "charts", "pandas/numpy", "database"):
        print(f"  most inclusive time, {who}:")
        for label, seconds in inclusive.get(who, Counter()).most_common(top):
            print(f"    {seconds / total:6.1%}  {label}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--report":
        parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        parser.add_argument("--report", type=Path, required=True)
        parser.add_argument("--top", type=int, default=15)
        args = parser.parse_args()
        report(args.report, args.top)
        return
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    serve(Path(sys.argv[1]).resolve(), sys.argv[2:])


if __name__ == "__main__":
    main()
