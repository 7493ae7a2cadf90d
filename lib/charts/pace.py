"""Sample progress against the plan, and when today's pace gets there.

Counted the way the engine counts it: people (or orders) per arm for rates and
averages, with the smaller arm setting the pace; logged pilot days for counts
and before/after pilots, whose plan is the calendar. The pace is the average
daily pace so far, carried forward in a straight line: for a planned sample
counted in people, the engine's own (``CriterionVerdict.pace``, the numbers
behind its "short of the planned sample" note); for the calendar, the same
measure (:func:`lib.decide.progress.measure_pace`) on the days drawn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from lib import formatting as fmt
from lib.decide import PilotEvaluation
from lib.decide.progress import measure_pace
from lib.decide.wording import UNITS_DAYS, UNITS_DEFAULT
from lib.specs import Observation, PilotSpec


@dataclass(frozen=True)
class ProgressPoint:
    """Units collected in one arm up to and including ``day``."""

    day: date
    arm: str
    role: str
    units: float


@dataclass(frozen=True)
class ProgressData:
    """Units so far per arm, the plan, and where today's pace lands."""

    pilot: str
    metric: str | None
    unit: str
    planned: float | None
    start: date | None
    end: date | None
    control_arm: str
    pilot_arm: str
    points: tuple[ProgressPoint, ...]
    last_day: date | None = None
    so_far: float = 0.0  # per arm: the smaller arm
    pace: float | None = None  # units a day per arm
    reaches_on: date | None = None
    projected_at_end: float | None = None
    pace_line: tuple[tuple[date, float], ...] = ()
    summary: str = ""

    @property
    def per_arm(self) -> str:
        return " per arm" if len({p.arm for p in self.points}) > 1 and self.unit != UNITS_DAYS else ""

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(
            [
                {
                    "day": p.day,
                    "arm": p.arm,
                    "role": p.role,
                    "units": p.units,
                    "units_text": f"{fmt.number(p.units)} {self.unit}",
                }
                for p in self.points
            ],
            columns=["day", "arm", "role", "units", "units_text"],
        )
        frame["day"] = pd.to_datetime(frame["day"])
        return frame


def short_date(day: date, reference: date | None = None) -> str:
    """``3 Dec``, with the year only when it differs from ``reference``'s."""
    text = f"{day.day} {fmt.MONTHS[day.month - 1]}"
    return text if reference is None or reference.year == day.year else f"{text} {day.year}"


def _cumulative(
    observations: Sequence[Observation],
    metric: str,
    arms: list[tuple[str, str]],
    by_days: bool,
    pilot: PilotSpec,
    as_of: date | None,
) -> list[ProgressPoint]:
    per_day: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    names = {name for _, name in arms}
    for o in observations:
        if o.metric != metric or o.arm not in names or (as_of is not None and o.day > as_of):
            continue
        if by_days:  # the calendar plan counts logged days in the pilot period
            if (pilot.start and o.day < pilot.start) or (pilot.end and o.day > pilot.end):
                continue
            per_day[o.arm][o.day] = 1.0
        else:
            per_day[o.arm][o.day] += o.n
    points = []
    for role, name in arms:
        running = 0.0
        for day in sorted(per_day[name]):
            running += per_day[name][day]
            points.append(ProgressPoint(day, name, role, running))
    return points


def _summary(data: ProgressData, ended: bool) -> str:
    unit, per_arm = data.unit, data.per_arm
    if data.planned is None:
        return f"{fmt.number(data.so_far)} {unit}{per_arm} so far; no planned sample to measure against."
    plan = f"{fmt.number(data.planned)} {unit}{per_arm}"
    if data.so_far >= data.planned:
        return f"The planned {plan} are in."
    if ended or data.pace is None or data.pace <= 0:
        return f"{fmt.number(data.so_far)} of the planned {plan} so far."
    if data.reaches_on is not None and (data.end is None or data.reaches_on <= data.end):
        return f"At today's pace it reaches the plan on {short_date(data.reaches_on, data.start)}."
    by = short_date(data.end, data.start) if data.end else "the end date"
    text = (
        f"At today's pace about {fmt.about(data.projected_at_end)} {unit}{per_arm} by {by}, "
        f"short of the planned {fmt.number(data.planned)}"
    )
    if data.reaches_on is not None:
        text += f"; it would reach the plan on {short_date(data.reaches_on, data.start)}"
    return text + "."


def progress(
    pilot: PilotSpec,
    observations: Sequence[Observation],
    evaluation: PilotEvaluation,
    *,
    unit: str | None = None,
    today: date | None = None,
) -> ProgressData:
    """Units so far per arm for the primary criterion's metric, the plan, and the pace projection.

    ``today`` past the end date means the pilot has ended even if its last results came earlier:
    nothing is projected to a date gone by.

    ``unit`` names what is counted ("contacts"); it defaults to the engine's
    word for the metric's kind. Days are the unit for counts and before/after.
    """
    verdict = evaluation.primary
    if verdict is None:
        return ProgressData(
            pilot.name,
            None,
            unit or "visitors",
            None,
            pilot.start,
            pilot.end,
            pilot.control_arm,
            pilot.pilot_arm,
            (),
            summary="No success criteria yet, so nothing to count.",
        )
    by_days = pilot.design == "before_after" or verdict.kind == "count" or verdict.comparison == "vs_baseline"
    arms = [("pilot", pilot.pilot_arm)]
    if verdict.comparison == "vs_control":
        arms.insert(0, ("control", pilot.control_arm))
    planned = pilot.planned_days if by_days else pilot.planned_n_per_arm
    points = _cumulative(observations, verdict.metric, arms, by_days, pilot, evaluation.as_of)
    base = ProgressData(
        pilot.name,
        verdict.metric,
        UNITS_DAYS if by_days else unit or UNITS_DEFAULT[verdict.kind],
        float(planned) if planned else None,
        pilot.start,
        pilot.end,
        pilot.control_arm,
        pilot.pilot_arm,
        tuple(points),
    )
    if not points:
        return replace(base, summary="No results yet.")
    last_day = max(p.day for p in points)
    latest = {name: max((p for p in points if p.arm == name), key=lambda p: p.day, default=None) for _, name in arms}
    so_far = min((p.units if p is not None else 0.0) for p in latest.values())
    pace = verdict.pace if not by_days else None  # the engine's, for a planned sample counted in people
    if pace is None:  # a calendar plan, no plan or no start date: the same measure, on what is drawn
        start = pilot.start or min(p.day for p in points)
        pace = measure_pace(so_far, planned, base.unit, start, last_day, pilot.end)
    ended = pilot.end is not None and (last_day >= pilot.end or (today is not None and today > pilot.end))
    reaches_on = None if pace is None or ended else pace.reaches_on
    line: tuple[tuple[date, float], ...] = ()
    if pace is not None and pace.last_day is not None and reaches_on is not None:
        stop = reaches_on if pilot.end is None or reaches_on <= pilot.end else pilot.end
        line = ((pace.last_day, pace.so_far), (stop, pace.at(stop)))
    data = replace(
        base,
        last_day=last_day,
        so_far=so_far,
        pace=None if pace is None else pace.per_day,
        reaches_on=reaches_on,
        projected_at_end=None if reaches_on is None or pace is None else pace.projected,
        pace_line=line,
    )
    return replace(data, summary=_summary(data, ended))
