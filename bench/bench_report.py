"""Benchmark: the stakeholder report (lib.report) for one pilot and a 20-pilot review pack.

Run from the repo root::

    .venv/bin/python bench/bench_report.py [--pilots 20] [--repeat 5]

Each pilot has 3 charts of realistic size (60 days x 2 arms, layered line +
band; the cumulative difference with its band and threshold rule; the
criteria at a glance), built here with plain Altair — stand-ins for
``lib/charts``. Timed: building the charts, ``build_pilot_report`` on a
real evaluation and rendering the self-contained HTML. Printed beside the
baseline measured in the same run: one trivial Altair chart to a
self-contained HTML string (``chart.to_html(inline=True)``, what
``chart.save(..., inline=True)`` writes). The Vega bundle is built by
vl-convert in about 1.5 s and then kept on disk (lib.report.html.bundle_cache_dir);
both costs are printed on their own, and a one-pilot report is measured in
a fresh process with the disk cache and without it (first run ever).
Targets: one pilot under 1 s, the 20-pilot pack under 10 s. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402

from lib.decide import PilotEvaluation, evaluate_pilot  # noqa: E402
from lib.report import PilotReport, build_pilot_report, js_bundle, render_pack, render_pilot  # noqa: E402
from lib.specs import CriterionSpec, Observation, PilotSpec  # noqa: E402

DAYS = 60
START = date(2026, 9, 1)
CRITERIA = (
    CriterionSpec("signup_rate", "proportion", "primary", "vs_control", 0.0),
    CriterionSpec("order_value", "mean", "secondary", "vs_control", 0.0),
    CriterionSpec("unsubscribe_rate", "proportion", "guardrail", "vs_control", 0.0, direction="decrease"),
)
ARM_COLOURS = alt.Scale(domain=["control", "pilot"], range=["#0072B2", "#E69F00"])  # Okabe-Ito


def make_pilot(seed: int) -> tuple[PilotSpec, list[Observation], pd.DataFrame]:
    """A 60-day A/B pilot: its observations and the daily cumulative rates per arm with 95 % bands."""
    rng = random.Random(seed)
    spec = PilotSpec(f"Pilot {seed}", "ab", start=START, end=START + timedelta(days=DAYS - 1), planned_n_per_arm=15000)
    lift = rng.choice([0.0, 0.005, 0.01, 0.02])
    obs, rows = [], []
    cum = {"control": [0.0, 0.0], "pilot": [0.0, 0.0]}
    for d in range(DAYS):
        day = START + timedelta(days=d)
        for arm, rate in (("control", 0.10), ("pilot", 0.10 + lift)):
            n = rng.randint(150, 350)
            conversions = sum(rng.random() < rate for _ in range(n))
            obs.append(Observation(day, arm, "signup_rate", n, conversions))
            orders = rng.randint(10, 30)
            mean = 60.0 + rng.gauss(0, 3)
            obs.append(Observation(day, arm, "order_value", orders, orders * mean, orders * (mean * mean + 400)))
            obs.append(Observation(day, arm, "unsubscribe_rate", n, sum(rng.random() < 0.01 for _ in range(n))))
            cum[arm][0] += n
            cum[arm][1] += conversions
            p = cum[arm][1] / cum[arm][0]
            half = 1.96 * (p * (1 - p) / cum[arm][0]) ** 0.5
            rows.append({"day": day.isoformat(), "arm": arm, "rate": p, "low": p - half, "high": p + half})
    return spec, obs, pd.DataFrame(rows)


def make_charts(evaluation: PilotEvaluation, daily: pd.DataFrame) -> list[tuple[str, alt.TopLevelMixin]]:
    base = alt.Chart(daily).encode(
        x=alt.X("day:T", title="Day"), color=alt.Color("arm:N", scale=ARM_COLOURS, title="Arm")
    )
    over_time = alt.layer(
        base.mark_area(opacity=0.2).encode(
            y=alt.Y("low:Q", title="Signup rate so far", axis=alt.Axis(format="%")), y2="high:Q"
        ),
        base.mark_line().encode(y="rate:Q", tooltip=["day:T", "arm:N", alt.Tooltip("rate:Q", format=".1%")]),
    ).properties(width=600, height=260, title="Signup rate per arm, cumulative")
    wide = daily.pivot(index="day", columns="arm", values=["rate", "low", "high"])
    diff = pd.DataFrame({"day": wide.index, "difference": wide[("rate", "pilot")] - wide[("rate", "control")]})
    spread = (
        (wide[("high", "pilot")] - wide[("low", "pilot")]) ** 2
        + (wide[("high", "control")] - wide[("low", "control")]) ** 2
    ) ** 0.5 / 2
    diff["low"], diff["high"] = diff["difference"] - spread.values, diff["difference"] + spread.values
    d = alt.Chart(diff).encode(x=alt.X("day:T", title="Day"))
    difference = alt.layer(
        d.mark_area(opacity=0.25, color="#E69F00").encode(
            y=alt.Y("low:Q", title="Pilot minus control", axis=alt.Axis(format="+%")), y2="high:Q"
        ),
        d.mark_line(color="#E69F00").encode(y="difference:Q"),
        alt.Chart(pd.DataFrame({"threshold": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(y="threshold:Q"),
    ).properties(width=600, height=180, title="Difference so far, with the interval the verdict uses")
    crit = pd.DataFrame(
        [
            {"criterion": v.label, "low": v.ci_low, "high": v.ci_high, "status": v.status, "estimate": v.difference}
            for v in evaluation.verdicts
        ]
    )
    c = alt.Chart(crit).encode(y=alt.Y("criterion:N", title=None))
    glance = alt.layer(
        c.mark_rule(strokeWidth=3).encode(x=alt.X("low:Q", title="Effect"), x2="high:Q", color="status:N"),
        c.mark_point(filled=True, size=80).encode(x="estimate:Q", color="status:N"),
    ).properties(width=600, height=120, title="Criteria at a glance")
    return [("Signup rate per arm", over_time), ("Difference so far", difference), ("Criteria at a glance", glance)]


def one_report(
    seed: int, pilot: tuple[PilotSpec, list[Observation], pd.DataFrame], evaluation: PilotEvaluation
) -> PilotReport:
    spec, _, daily = pilot
    return build_pilot_report(
        evaluation,
        pilot_name=spec.name,
        hypothesis=f"Hypothesis of pilot {seed}.",
        charts=make_charts(evaluation, daily),
    )


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def cold_one_pilot() -> None:
    """In a fresh process: the first report, Vega bundle included (imports excluded)."""
    pilot = make_pilot(0)
    evaluation = evaluate_pilot(pilot[0], CRITERIA, pilot[1])
    t0 = time.perf_counter()
    render_pilot(one_report(0, pilot, evaluation))
    print(f"{time.perf_counter() - t0:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pilots", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold-one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_one:
        cold_one_pilot()
        return

    pilots = [make_pilot(seed) for seed in range(args.pilots)]
    t0 = time.perf_counter()
    evaluations = [evaluate_pilot(p[0], CRITERIA, p[1]) for p in pilots]
    engine_s = time.perf_counter() - t0

    import vl_convert as vlc

    from lib.report.export import vl_version
    from lib.report.html import bundle_cache_dir, load_bundle

    t0 = time.perf_counter()
    bundle = vlc.javascript_bundle(vl_version=vl_version())  # first build in this process, no cache
    build_bundle_s = time.perf_counter() - t0
    cache_dir = bundle_cache_dir()
    load_bundle(vl_version(), cache_dir)  # make sure the disk copy exists
    cached_s, _ = timed(lambda: load_bundle(vl_version(), cache_dir), args.repeat)
    js_bundle()

    trivial = alt.Chart(pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})).mark_bar().encode(x="a", y="b")
    baseline_s, baseline_html = timed(lambda: trivial.to_html(inline=True), args.repeat)

    one_s, one_html = timed(lambda: render_pilot(one_report(0, pilots[0], evaluations[0])), args.repeat)
    build_s, report = timed(lambda: one_report(0, pilots[0], evaluations[0]), args.repeat)
    render_s, _ = timed(lambda: render_pilot(report), args.repeat)
    pack_repeat = max(1, args.repeat // 2)
    pack_s, pack_html = timed(
        lambda: render_pack(
            "Review pack", [one_report(i, p, e) for i, (p, e) in enumerate(zip(pilots, evaluations, strict=True))]
        ),
        pack_repeat,
    )

    cold = {}
    for label, env in (("disk cache", {}), ("no cache", {"GREENLIGHT_CACHE_DIR": "off"})):
        out = subprocess.run(
            [sys.executable, __file__, "--cold-one"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **env},
        )
        cold[label] = float(out.stdout.strip().splitlines()[-1])

    kb = 1024

    def line(label: str, seconds: float, note: str = "") -> None:
        print(f"  {label:<58}{seconds * 1000:9.1f} ms  {note}".rstrip())

    print(f"Stakeholder report benchmark ({DAYS}-day A/B pilots, 3 charts each; median of {args.repeat} runs)")
    line(f"engine, {args.pilots} pilots (not part of the report)", engine_s)
    line("Vega bundle built by vl-convert (first time in a process)", build_bundle_s, f"({len(bundle) / kb:,.0f} KB)")
    line("Vega bundle read from the disk cache", cached_s, f"({cache_dir})")
    line("BASELINE: 1 trivial Altair chart to inline HTML", baseline_s, f"({len(baseline_html) / kb:,.0f} KB)")
    line(
        "one pilot report, 3 charts (build + render)",
        one_s,
        f"({len(one_html) / kb:,.0f} KB) = {one_s / baseline_s:.1f}x baseline; target < 1000 ms",
    )
    line("  of which charts + build_pilot_report", build_s)
    line("  of which render_pilot (to_dict + HTML)", render_s)
    for label, seconds in cold.items():
        line(f"one pilot report in a fresh process, bundle: {label}", seconds)
    line(
        f"pack of {args.pilots} pilots, {3 * args.pilots} charts",
        pack_s,
        f"({len(pack_html) / kb:,.0f} KB) = {pack_s / baseline_s:.1f}x baseline; target < 10000 ms",
    )


if __name__ == "__main__":
    main()
