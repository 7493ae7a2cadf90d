"""Benchmark: building the demo pilots' charts (lib.charts) and turning them into Vega-Lite dicts.

Run from the repo root::

    .venv/bin/python bench/bench_charts.py [--repeat 3]

Every page run that is not cached, each AppTest page test, each browser-test server and the
offline report build these charts, so their CPU is both server time per page run (issue 29)
and test-suite time. The demo workspace is loaded once into a temporary SQLite file and each
pilot's inputs (spec, criteria, results, evaluation) are read before timing; timed, in CPU
seconds: the three charts of ``pilot_bundle`` (main, criteria, progress) built for every
pilot, then ``to_dict(validate=False)`` (what the pages send) and ``to_dict()`` (validated)
on them. The replay behind the over-time charts (``charts.timeline``) is timed on its own,
since it is statistics, not chart building. Printed beside the baseline measured in the same
run: one trivial chart, ``alt.Chart(df).mark_point().encode(x="a", y="b").to_dict()``.
To compare with another checkout, point ``PYTHONPATH`` at it (its ``lib`` is imported first).
Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: another checkout can be measured

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402

from lib import charts  # noqa: E402
from lib.decide import PilotEvaluation  # noqa: E402
from lib.decide.progress import past_end  # noqa: E402
from lib.demo.loader import load_demo  # noqa: E402
from lib.infra.db import make_engine, reading, transaction, upgrade  # noqa: E402
from lib.services import pilots  # noqa: E402
from lib.services.evaluation import SAMPLE_UNITS, evaluate  # noqa: E402
from lib.services.reporting import all_pilot_ids, unit_rows_for  # noqa: E402
from lib.services.results import observations  # noqa: E402
from lib.specs import CriterionSpec, Observation, PilotSpec, UnitObservation  # noqa: E402


@dataclass(frozen=True)
class Inputs:
    """What ``pilot_bundle`` draws one pilot's charts from, read before the clock starts."""

    spec: PilotSpec
    criteria: list[CriterionSpec]
    obs: list[Observation]
    evaluation: PilotEvaluation
    units: dict[str, str]
    unit_obs: list[UnitObservation]
    progress: charts.ProgressData


def demo_inputs() -> list[Inputs]:
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
        upgrade(engine)
        with transaction(engine) as session:
            load_demo(session, as_of=today)
        out = []
        with reading(engine) as session:
            for pid in all_pilot_ids(session):
                pilot = pilots.get_pilot(session, pid)
                evaluation = past_end(evaluate(session, pid), pilot.end_date, today)
                spec = pilots.pilot_spec(pilot)
                criteria = [pilots.criterion_spec(c) for c in pilots.criteria_for(session, pid)]
                units = {
                    c.metric: SAMPLE_UNITS.get(pilot.channel, "people") for c in criteria if c.kind == "proportion"
                }
                obs = observations(session, pid)
                primary = evaluation.primary
                unit = (primary.pace.units if primary.pace else units.get(primary.metric)) if primary else None
                progress = charts.progress(spec, obs, evaluation, unit=unit, today=today)
                out.append(Inputs(spec, criteria, obs, evaluation, units, unit_rows_for(session, pilot), progress))
        engine.dispose()
    return out


def build(p: Inputs) -> list[Any]:
    """The three charts of ``pilot_bundle``."""
    main = charts.main_chart(p.spec, p.criteria, p.obs, p.evaluation, units=p.units, unit_observations=p.unit_obs)
    return [main, charts.criteria_chart(p.evaluation), charts.progress_chart(p.progress)]


def replay(p: Inputs) -> None:
    """The day-by-day replay the A/B and target main charts draw (what ``main_chart`` computes first)."""
    primary = p.evaluation.primary
    if primary is not None and primary.comparison in ("vs_control", "vs_target"):
        charts.timeline(
            p.spec, p.criteria, p.obs, units=p.units, as_of=p.evaluation.as_of, unit_observations=p.unit_obs
        )


def cpu(fn: Callable[[], Any], repeat: int) -> float:
    """Median CPU seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"lib.charts from {Path(charts.__file__).resolve().parent}")
    inputs = demo_inputs()
    n_pilots = len(inputs)
    built = [c for p in inputs for c in build(p)]  # warm-up, and the charts to_dict is timed on
    n_charts = len(built)

    frame = pd.DataFrame({"a": [1, 2, 3], "b": [3, 1, 2]})
    trivial = cpu(
        lambda: [alt.Chart(frame).mark_point().encode(x="a", y="b").to_dict() for _ in range(20)], args.repeat
    )
    trivial /= 20
    construct = cpu(lambda: [build(p) for p in inputs], args.repeat)
    replayed = cpu(lambda: [replay(p) for p in inputs], args.repeat)
    to_dict = cpu(lambda: [c.to_dict(validate=False) for c in built], args.repeat)
    validated = cpu(lambda: [c.to_dict() for c in built], args.repeat)

    ms = 1000.0
    print(f"{n_pilots} demo pilots, {n_charts} charts; median CPU of {args.repeat} runs")
    print(f"{'':40} {'ms/pilot':>9} {'ms/chart':>9} {'x trivial':>10}")
    print(f"{'baseline: one trivial chart to_dict()':40} {'':>9} {trivial * ms:9.1f} {1.0:10.1f}")
    rows = [
        ("construct (3 charts per pilot)", construct / n_pilots, construct / n_charts),
        ("  of which the replay (charts.timeline)", replayed / n_pilots, replayed / n_charts),
        ("  construct without the replay", (construct - replayed) / n_pilots, (construct - replayed) / n_charts),
        ("to_dict(validate=False)", to_dict / n_pilots, to_dict / n_charts),
        ("to_dict() (validated)", validated / n_pilots, validated / n_charts),
    ]
    for label, per_pilot, per_chart in rows:
        print(f"{label:40} {per_pilot * ms:9.1f} {per_chart * ms:9.1f} {per_chart / trivial:10.1f}")
    print(f"total construct + to_dict(validate=False): {(construct + to_dict) * ms:,.0f} ms for {n_pilots} pilots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
