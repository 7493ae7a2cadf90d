"""The speed benchmarks still run: a broken bench script would hide a regression until someone needs it.

They print figures beside a baseline measured in the same run; nothing here asserts a time.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import bench_before_after_fit  # noqa: E402


def test_the_before_after_fit_bench_prints_both_figures(capsys):
    assert bench_before_after_fit.main(["--series", "4", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    figures = re.findall(r":\s+([\d,]+) µs per fit", out)
    assert len(figures) == 2 and all(int(f.replace(",", "")) > 0 for f in figures), out
    assert re.search(r"target: fit_step ≤ 1 ms per fit -> (met|MISSED)", out)


def test_the_chart_bench_prints_each_figure_beside_the_trivial_chart(capsys):
    import bench_charts

    assert bench_charts.main(["--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"16 demo pilots, 48 charts", out), out
    for label in ("construct (3 charts per pilot)", "to_dict(validate=False)", "to_dict() (validated)"):
        assert re.search(rf"{re.escape(label)}\s+[\d.]+\s+[\d.]+\s+[\d.]+$", out, re.M), out


def test_the_page_profile_names_where_a_warm_run_goes(capsys):
    import profile_page_runs

    assert profile_page_runs.main(["--runs", "2", "--pages", "home", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"baseline, a trivial script: median warm run [\d.]+ ms", out), out
    assert re.search(r"home: median warm run [\d.]+ ms \([\d.]+× trivial\)", out), out
    assert "own time (profiled) by owner: " in out and "pages/home.py:<module>" in out, out


def test_the_server_profile_counts_each_threads_cpu_and_names_owners(tmp_path, capsys):
    """bench/profile_server.py's pieces without a server: a thread's profile is kept, saved and reported."""
    import threading

    import profile_server

    def greenlight_work() -> int:
        from lib.formatting import number

        return sum(len(number(i)) for i in range(20_000))

    undo = profile_server.profile_every_thread()
    try:
        worker = threading.Thread(target=greenlight_work)
        worker.start()
        worker.join()
    finally:
        undo()
    out = tmp_path / "threads.prof"
    assert profile_server.save_threads(out)
    assert not profile_server.save_threads(out)  # counting starts afresh after a save
    profile_server.report(out, top=5)
    text = capsys.readouterr().out
    assert re.search(r"own time by owner: .*greenlight \d+%", text), text
    assert "formatting.py" in text and "number" in text, text
