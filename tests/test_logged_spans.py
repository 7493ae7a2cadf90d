"""A before/after pilot's baseline and pilot period read as spans of the sorted days keep the very days
their keep rules keep (the engine bisects the sorted days instead of asking each day)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from lib.decide.logged import ArmLog, baseline_span, in_baseline, in_pilot_period, pilot_span
from lib.specs import PilotSpec

BASE = date(2026, 1, 1)


def _day(rng: random.Random) -> date | None:
    return None if rng.random() < 0.2 else BASE + timedelta(days=rng.randint(-5, 60))


def test_spans_keep_the_days_the_keep_rules_keep():
    rng = random.Random(2)
    for _ in range(1500):
        pilot = PilotSpec(
            "p", "before_after", start=_day(rng), end=_day(rng), baseline_start=_day(rng), baseline_end=_day(rng)
        )
        days = {BASE + timedelta(days=rng.randint(-10, 70)) for _ in range(rng.randint(0, 40))}
        arm = ArmLog({d: [rng.choice([0.0, 5.0, 10.0]), float(rng.randint(0, 5)), 0.0, 0.0] for d in days})
        for kind in ("count", "proportion"):
            expected = (arm.window(in_baseline(pilot)).daily(kind), arm.window(in_pilot_period(pilot)).daily(kind))
            assert arm.daily_periods(kind, baseline_span(pilot), pilot_span(pilot)) == expected


def test_a_baseline_without_an_end_runs_to_the_day_before_the_pilot():
    start = date(2026, 3, 10)
    pilot = PilotSpec("p", "before_after", start=start, end=start + timedelta(days=6), baseline_start=None)
    arm = ArmLog({start + timedelta(days=i): [1.0, float(i), 0.0, 0.0] for i in range(-3, 3)})
    (before_days, before), (after_days, after) = arm.daily_periods("count", baseline_span(pilot), pilot_span(pilot))
    assert before_days == [start - timedelta(days=i) for i in (3, 2, 1)] and before == [-3.0, -2.0, -1.0]
    assert after_days == [start + timedelta(days=i) for i in range(3)] and after == [0.0, 1.0, 2.0]
