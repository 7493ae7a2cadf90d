"""Benchmark: each page's first visit and warm rerun on workspaces of 100, 500 and 2,000 pilots.

Run from the repo root::

    .venv/bin/python bench/bench_pages.py [--sizes 100,500,2000] [--pages home,review,pilots,log,pilot]

Each workspace is a fresh SQLite file with generated pilots (2–3 criteria each,
4–8 weeks of daily results per arm and metric), written in bulk. Pages run
through ``app.py`` with Streamlit's AppTest (the same script runner as a
browser session, no network). The baseline, measured in the same run, is a
trivial Streamlit script (a title and a 20-row table): what any page costs
before it does its own work. Targets (issue 10): first visit ≤ 1 s, warm
rerun ≤ 300 ms at 2,000 pilots.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from lib.infra.db import make_engine, upgrade  # noqa: E402
from lib.infra.models import Criterion, Goal, Pilot, ResultEntry, utcnow  # noqa: E402

PAGES = {
    "home": "pages/home.py",
    "pilots": "pages/pilots.py",
    "review": "pages/review.py",
    "log": "pages/log_results.py",
    "pilot": "pages/pilot.py",  # one pilot's own page (the first one), what a link in chat opens
}
TRIVIAL = """
import streamlit as st
st.title("Trivial")
st.dataframe([{"a": i, "b": i * i} for i in range(20)])
"""
DESIGNS = ("ab", "ab", "target", "before_after")
CHANNELS = ("email", "social", "paid", "web", "events")


def build_workspace(url: str, n_pilots: int, seed: int = 11) -> int:
    """Bulk-insert a realistic portfolio; returns the number of result rows."""
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    today = date.today()
    now = utcnow()
    goals = [
        dict(
            id=1, name="Grow revenue", level="company", kpi_name="Revenue", kpi_unit="$", created_at=now, updated_at=now
        )
    ]
    pilots, criteria, entries = [], [], []
    for pid in range(1, n_pilots + 1):
        design = DESIGNS[pid % len(DESIGNS)]
        weeks = rng.randint(4, 8)
        start = today - timedelta(days=weeks * 7 - rng.randint(0, 10))
        status = rng.choice(("running", "running", "running", "decided", "planned"))
        arms = "control,pilot" if design == "ab" else "pilot"
        pilots.append(
            dict(
                id=pid,
                name=f"Pilot {pid:05d}",
                hypothesis="Generated for the page benchmark.",
                owner="bench",
                team=f"Team {pid % 7}",
                channel=CHANNELS[pid % len(CHANNELS)],
                goal_id=1,
                design=design,
                status=status,
                priority=rng.choice(("must", "should", "could", "wont")),
                start_date=start,
                end_date=start + timedelta(days=weeks * 7),
                baseline_start=start - timedelta(days=28) if design == "before_after" else None,
                baseline_end=start - timedelta(days=1) if design == "before_after" else None,
                planned_n_per_arm=rng.choice((2000, 5000, 10000)),
                arms=arms,
                criteria_locked_at=now if status != "planned" else None,
                created_at=now,
                updated_at=now,
            )
        )
        comparison = {"ab": "vs_control", "target": "vs_target", "before_after": "vs_baseline"}[design]
        metrics = [("signup_rate", "proportion", "primary", 0.08 if design == "target" else 0.0)]
        metrics.append(("order_value", "mean", "secondary", 40.0 if design == "target" else 0.0))
        if rng.random() < 0.5:
            metrics.append(("unsub_rate", "proportion", "guardrail", 0.02 if design == "target" else 0.005))
        for metric, kind, role, threshold in metrics:
            criteria.append(
                dict(
                    pilot_id=pid,
                    metric=metric,
                    unit="",
                    kind=kind,
                    role=role,
                    direction="decrease" if role == "guardrail" else "increase",
                    comparison=comparison,
                    threshold=threshold,
                    threshold_type="absolute",
                    confidence=0.95,
                    created_at=now,
                )
            )
        if status == "planned":
            continue
        first = start - timedelta(days=28) if design == "before_after" else start
        last = min(today, start + timedelta(days=weeks * 7))
        day = first
        while day <= last:
            for arm in arms.split(","):
                for metric, kind, _, _ in metrics:
                    n = rng.randint(80, 400)
                    if kind == "proportion":
                        p = 0.06 if metric == "signup_rate" else 0.01
                        hits = round(n * p + rng.gauss(0, (n * p * (1 - p)) ** 0.5))
                        total, total_sq = float(min(max(hits, 0), n)), None
                    else:
                        mu = rng.gauss(50, 5)
                        total, total_sq = mu * n, (mu * mu + 400) * n
                    entries.append(
                        dict(
                            pilot_id=pid,
                            day=day,
                            arm=arm,
                            metric=metric,
                            n=float(n),
                            total=total,
                            total_sq=total_sq,
                            source="manual",
                            created_by="bench",
                            created_at=now,
                        )
                    )
            day += timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(sa.insert(Goal.__table__), goals)
        conn.execute(sa.insert(Pilot.__table__), pilots)
        conn.execute(sa.insert(Criterion.__table__), criteria)
        for i in range(0, len(entries), 50_000):
            conn.execute(sa.insert(ResultEntry.__table__), entries[i : i + 50_000])
    engine.dispose()
    return len(entries)


def _fill_store(url: str) -> None:
    """A bulk insert bypasses the writes that keep evaluations; one portfolio read fills the store."""
    from lib.infra.db import reading
    from lib.services import portfolio

    engine = make_engine(url)
    with reading(engine) as session:
        portfolio.overview(session)
    engine.dispose()


def _time_page(path: str | None, reruns: int) -> tuple[float, float, float]:
    """First visit (fresh caches, fresh session), the median warm rerun, and a second person's first visit
    (fresh session, caches the first person filled: what everyone after the first meets), in seconds."""
    st.cache_resource.clear()
    st.cache_data.clear()
    if path is None:
        at = AppTest.from_string(TRIVIAL, default_timeout=600)
    else:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.run()  # the engine (cache_resource) opens and the schema check runs once per process
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.switch_page(path)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"{path}: {at.exception[0].value}")
    warm = []
    for _ in range(reruns):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    if path is None:
        second = AppTest.from_string(TRIVIAL, default_timeout=600)
    else:
        second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        second.switch_page(path)
    t0 = time.perf_counter()
    second.run()
    return first, statistics.median(warm), time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--reruns", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pages = [p.strip() for p in args.pages.split(",")]
    _time_page(None, 1)  # imports warm, as they are in a running server
    base_first, base_warm, base_second = _time_page(None, args.reruns)
    print(
        f"baseline (trivial Streamlit script): first {base_first * 1000:,.0f} ms, warm {base_warm * 1000:,.0f} ms, "
        f"second person {base_second * 1000:,.0f} ms\n"
    )
    print(
        f"{'pilots':>7} {'rows':>9} {'page':>8} {'first visit':>12} {'warm rerun':>11} {'× trivial (warm)':>17}"
        f" {'2nd person':>11}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            url = f"sqlite:///{Path(tmp) / f'bench_{size}.db'}"
            t0 = time.perf_counter()
            rows = build_workspace(url, size)
            build = time.perf_counter() - t0
            os.environ["GREENLIGHT_DATABASE_URL"] = url
            t0 = time.perf_counter()
            _fill_store(url)
            fill = time.perf_counter() - t0
            print(
                f"{'':>7} (built {size:,} pilots, {rows:,} result rows in {build:.1f} s; evaluating all of them once "
                f"to fill the stored evaluations, as the writes that logged them would have: {fill:.1f} s)"
            )
            for name in pages:
                first, warm, second = _time_page(PAGES[name], args.reruns)
                print(
                    f"{size:>7,} {rows:>9,} {name:>8} {first * 1000:>9,.0f} ms {warm * 1000:>8,.0f} ms "
                    f"{warm / base_warm:>16,.1f}× {second * 1000:>8,.0f} ms"
                )
    print(
        "\ntargets at 2,000 pilots: first visit ≤ 1,000 ms, warm rerun ≤ 300 ms. '2nd person': a new session "
        "after someone else opened the page since the last write (caches are shared and keyed by data versions)."
    )


if __name__ == "__main__":
    main()
