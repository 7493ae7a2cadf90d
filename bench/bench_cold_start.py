"""Benchmark: a freshly started server's first page in Chromium, on 2,000 pilots (issue 10: ≤ 3 s).

Run from the repo root::

    .venv/bin/python bench/bench_cold_start.py [--pilots 2000] [--repeats 3]

The workspace is generated as in ``bench_pages.py`` (2–3 criteria per pilot, 4–8
weeks of daily results) and its stored evaluations filled once, as the writes
that logged the results would have. Each repeat starts a new server process
(``streamlit run serve.py``, as ``scripts/run.sh`` does: nothing imported,
nothing cached), waits for its health check, then opens ``/`` in a new Chromium
and times, from navigation start: the app's title painted ("first paint") and
the page finished (Streamlit's script state back to not-running, no skeleton
left). The baseline is the same measurement on a trivial Streamlit script
(a title and a 20-row table) served the same way, in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, expect, sync_playwright  # noqa: E402

from bench.bench_pages import TRIVIAL, _fill_store, build_workspace  # noqa: E402
from tests.servers import running_server  # noqa: E402

CHROMIUM = os.environ.get("GREENLIGHT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@dataclass(frozen=True)
class Visit:
    server_start: float  # process start to health check answering
    first_paint: float  # navigation start to the title drawn
    finished: float  # navigation start to the page's script done


def visit(browser: Browser, tmp: Path, entry: str, database_url: str, title: str) -> Visit:
    started = time.perf_counter()
    with running_server(tmp, entry=entry, database_url=database_url, user="bench") as server:
        healthy = time.perf_counter() - started
        page = browser.new_context().new_page()
        try:
            t0 = time.perf_counter()
            page.goto(server.url, wait_until="commit")
            expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=120_000)
            painted = time.perf_counter() - t0
            expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_attached(
                timeout=120_000
            )
            expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=120_000)
            done = time.perf_counter() - t0
            assert page.locator('[data-testid="stException"]').count() == 0, "the page raised"
        finally:
            page.context.close()
    return Visit(healthy, painted, done)


def median(visits: list[Visit], field: str) -> float:
    return statistics.median(getattr(v, field) for v in visits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pilots", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp_dir:
        tmp = Path(tmp_dir)
        url = f"sqlite:///{tmp / 'greenlight.db'}"
        rows = build_workspace(url, args.pilots)
        _fill_store(url)
        trivial = tmp / "trivial.py"
        trivial.write_text(TRIVIAL)
        print(f"workspace: {args.pilots:,} pilots, {rows:,} result rows; {args.repeats} cold starts each")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            runs = {"trivial script": [], "Greenlight Home": []}
            for i in range(args.repeats):
                runs["trivial script"].append(visit(browser, tmp / f"t{i}", str(trivial), url, "Trivial"))
                runs["Greenlight Home"].append(visit(browser, tmp / f"g{i}", "serve.py", url, "Greenlight"))
            browser.close()
    print(f"\n{'':<17}{'server start':>13}{'first paint':>13}{'page done':>11}")
    for name, visits in runs.items():
        print(
            f"{name:<17}{median(visits, 'server_start'):>12.2f}s{median(visits, 'first_paint'):>12.2f}s"
            f"{median(visits, 'finished'):>10.2f}s"
        )
    home = median(runs["Greenlight Home"], "first_paint")
    print(f"\ntarget: first paint ≤ 3 s on a cold server → {'met' if home <= 3 else 'MISSED'} ({home:.2f} s, median)")


if __name__ == "__main__":
    main()
