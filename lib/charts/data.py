"""The data the charts draw, computed here so chart functions only lay marks out.

- :func:`timeline` replays the engine day by day (``evaluate_pilot(...,
  as_of=day)`` with the app's defaults), so the interval drawn for a day is the
  one the verdict used that day; the arm bands are plain 95 % intervals
  (Wilson for rates, t for averages) that only show how noisy each arm is.
- :func:`progress` (in :mod:`lib.charts.pace`) counts units against the plan.
- :func:`goal_rows` lines up the primary criterion of every pilot under a goal.

No streamlit and no queries: plain records in, frozen records or a DataFrame out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import reduce

import pandas as pd

from lib.charts import measures
from lib.charts.pace import ProgressData, ProgressPoint, progress
from lib.decide import CriterionVerdict, PilotEvaluation, evaluate_pilot
from lib.decide import units as per_unit
from lib.specs import CriterionSpec, Observation, PilotSpec, UnitObservation
from lib.stats.adjustment import unit_values
from lib.stats.distributions import t_ppf
from lib.stats.proportions import wilson_interval
from lib.stats.statistics import CountStat, MeanStat, RateStat, Stat, added, from_observation
from lib.vocabulary import recommendation_label, verdict_status_label

__all__ = [
    "ArmPoint",
    "ChartTimeline",
    "EffectPoint",
    "ProgressData",
    "ProgressPoint",
    "goal_rows",
    "progress",
    "timeline",
]

#: the arm bands: descriptive, not the verdict's (that one is on the effect)
ARM_BAND_ALPHA = 0.05


@dataclass(frozen=True)
class ArmPoint:
    """One arm's cumulative value of one metric up to ``day``, with a 95 % band."""

    day: date
    metric: str
    arm: str
    role: str  # "control" or "pilot"
    value: float | None
    low: float | None
    high: float | None
    n: float


@dataclass(frozen=True)
class EffectPoint:
    """What the verdict said about one criterion on ``day``: estimate and the interval it used."""

    day: date
    metric: str
    label: str
    kind: str
    comparison: str
    scale: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float
    status: str
    level: float


@dataclass(frozen=True, eq=False)
class ChartTimeline:
    """The pilot replayed day by day: arm values and the verdict's effect per criterion."""

    pilot: str
    design: str
    start: date | None
    end: date | None
    control_arm: str
    pilot_arm: str
    arms: tuple[ArmPoint, ...]
    effects: tuple[EffectPoint, ...]
    last: PilotEvaluation | None  # the evaluation on the last day (what Review shows)

    @property
    def days(self) -> list[date]:
        return sorted({e.day for e in self.effects})

    def verdict(self, metric: str) -> CriterionVerdict | None:
        if self.last is None:
            return None
        return next((v for v in self.last.verdicts if v.metric == metric), None)

    def arm_frame(self, metric: str) -> pd.DataFrame:
        """Rows per day and arm, with tooltip text; empty with the right columns when none."""
        rows = [p for p in self.arms if p.metric == metric and p.value is not None]
        verdict = self.verdict(metric)
        measure = measures.level_measure(verdict.kind if verdict else "mean", "")
        frame = pd.DataFrame(
            [
                {
                    "day": p.day,
                    "arm": p.arm,
                    "role": p.role,
                    "value": p.value,
                    "low": p.low,
                    "high": p.high,
                    "n": p.n,
                    "value_text": measure.text(p.value),
                    "band_text": measure.range_text(p.low, p.high),
                }
                for p in rows
            ],
            columns=["day", "arm", "role", "value", "low", "high", "n", "value_text", "band_text"],
        )
        frame["day"] = pd.to_datetime(frame["day"])
        return frame

    def effect_frame(self, metric: str) -> pd.DataFrame:
        rows = [p for p in self.effects if p.metric == metric]
        out = []
        for p in rows:
            m = measures.effect_measure(p.kind, p.scale, p.comparison)
            out.append(
                {
                    "day": p.day,
                    "estimate": p.estimate,
                    "ci_low": p.ci_low,
                    "ci_high": p.ci_high,
                    "threshold": p.threshold,
                    "status": verdict_status_label(p.status),
                    "status_key": p.status,
                    "estimate_text": m.text(p.estimate),
                    "interval_text": m.range_text(p.ci_low, p.ci_high),
                }
            )
        frame = pd.DataFrame(
            out,
            columns=[
                "day",
                "estimate",
                "ci_low",
                "ci_high",
                "threshold",
                "status",
                "status_key",
                "estimate_text",
                "interval_text",
            ],
        )
        frame["day"] = pd.to_datetime(frame["day"])
        return frame


def _daily(observations: Sequence[Observation], kinds: Mapping[str, str]) -> dict[tuple[str, str], dict[date, Stat]]:
    """Each arm's statistic per day, for the criteria's metrics."""
    out: dict[tuple[str, str], dict[date, Stat]] = defaultdict(dict)
    for o in observations:
        kind = kinds.get(o.metric)
        if kind is None:
            continue
        cells = out[(o.metric, o.arm)]
        stat = from_observation(o, kind)
        cells[o.day] = added(cells[o.day], stat) if o.day in cells else stat
    return out


def _t_band(stat: MeanStat) -> tuple[float | None, float | None]:
    sd = stat.sd
    if stat.n < 2 or sd <= 0:
        return None, None
    half = t_ppf(1 - ARM_BAND_ALPHA / 2, stat.n - 1) * sd / math.sqrt(stat.n)
    return stat.mean - half, stat.mean + half


def _band(days: list[Stat]) -> tuple[float | None, float | None]:
    """A 95 % interval for one arm's value over ``days``, on the same units the engine uses."""
    whole = reduce(added, days)
    if isinstance(whole, RateStat):
        n = whole.n
        return wilson_interval(int(round(whole.conversions)), int(round(n)), ARM_BAND_ALPHA) if n > 0 else (None, None)
    if isinstance(whole, CountStat) or whole.total_sq is None:  # days are the units, as in the engine
        values = [d.total if isinstance(d, CountStat) else d.mean for d in days if isinstance(d, CountStat) or d.n > 0]
        return _t_band(MeanStat.from_values(values))
    return _t_band(whole) if whole.n else (None, None)


def _arm_points(
    day: date, verdict: CriterionVerdict, pilot: PilotSpec, daily: dict[tuple[str, str], dict[date, Stat]]
) -> list[ArmPoint]:
    if verdict.comparison == "vs_baseline":  # one arm over two periods: the before/after chart draws it
        return []
    arms = [("pilot", pilot.pilot_arm, verdict.pilot_value)]
    if verdict.comparison == "vs_control":
        arms.insert(0, ("control", pilot.control_arm, verdict.control_value))
    out = []
    for role, arm, value in arms:
        days = [s for d, s in daily.get((verdict.metric, arm), {}).items() if d <= day]
        low, high = _band(days) if days else (None, None)
        out.append(ArmPoint(day, verdict.metric, arm, role, value, low, high, sum(s.n for s in days)))
    return out


def _unit_arm_points(
    day: date, verdict: CriterionVerdict, pilot: PilotSpec, rows: Sequence[UnitObservation]
) -> list[ArmPoint]:
    """Each arm as its units up to ``day``: the band is over one value per unit, ``n`` counts the units."""
    arms = [("pilot", pilot.pilot_arm, verdict.pilot_value)]
    if verdict.comparison == "vs_control":
        arms.insert(0, ("control", pilot.control_arm, verdict.control_value))
    how = per_unit.summary_for(verdict.kind, pilot)
    out = []
    for role, arm, value in arms:
        mine = [r for r in rows if r.metric == verdict.metric and r.arm == arm and r.day <= day]
        values = [
            v.value
            for v in unit_values(
                [r.unit for r in mine], [r.n for r in mine], [r.total for r in mine], [r.day for r in mine], how
            )
            if math.isfinite(v.value)
        ]
        low, high = _t_band(MeanStat.from_values(values)) if values else (None, None)
        out.append(ArmPoint(day, verdict.metric, arm, role, value, low, high, float(len(values))))
    return out


def _effect_point(day: date, verdict: CriterionVerdict) -> EffectPoint:
    return EffectPoint(
        day=day,
        metric=verdict.metric,
        label=verdict.label,
        kind=verdict.kind,
        comparison=verdict.comparison,
        scale=verdict.interval_scale,
        estimate=measures.estimate(verdict),
        ci_low=verdict.ci_low,
        ci_high=verdict.ci_high,
        threshold=measures.threshold_point(verdict),
        status=verdict.status,
        level=verdict.required_confidence,
    )


def timeline(
    pilot: PilotSpec,
    criteria: Sequence[CriterionSpec],
    observations: Sequence[Observation],
    *,
    units: Mapping[str, str] | None = None,
    as_of: date | None = None,
    unit_observations: Sequence[UnitObservation] = (),
) -> ChartTimeline:
    """Replay the engine on every day with data from the pilot start (to ``as_of``).

    Each day is judged exactly as Review judged it that morning, so the chart's
    interval narrowing over time is the verdict's own, sequential bounds included.
    A pilot that splits units (``unit_observations``) is replayed per unit, as its
    verdict is judged: each arm's band is over one value per unit, counted in units.
    """
    metrics = {c.metric for c in criteria}
    days = sorted(
        {
            day
            for day, metric in [
                *((o.day, o.metric) for o in observations),
                *((u.day, u.metric) for u in unit_observations),
            ]
            if metric in metrics and (pilot.start is None or day >= pilot.start) and (as_of is None or day <= as_of)
        }
    )
    daily = _daily(observations, {c.metric: c.kind for c in criteria})
    arms: list[ArmPoint] = []
    effects: list[EffectPoint] = []
    last: PilotEvaluation | None = None
    for day in days:
        last = evaluate_pilot(
            pilot, criteria, observations, as_of=day, units=units, unit_observations=unit_observations
        )
        for verdict in last.verdicts:
            if verdict.n_units is not None or (verdict.method == per_unit.UNIT_TARGET_METHOD):
                arms.extend(_unit_arm_points(day, verdict, pilot, unit_observations))
            else:
                arms.extend(_arm_points(day, verdict, pilot, daily))
            effects.append(_effect_point(day, verdict))
    return ChartTimeline(
        pilot=pilot.name,
        design=pilot.design,
        start=pilot.start,
        end=pilot.end,
        control_arm=pilot.control_arm,
        pilot_arm=pilot.pilot_arm,
        arms=tuple(arms),
        effects=tuple(effects),
        last=last,
    )


GOAL_COLUMNS = [
    "pilot",
    "recommendation",
    "verdict",
    "metric",
    "label",
    "kind",
    "comparison",
    "scale",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "threshold",
    "status",
    "status_label",
    "estimate_text",
    "interval_text",
    "threshold_text",
    "role",
]


def goal_rows(items: Sequence[tuple[str, PilotEvaluation]]) -> pd.DataFrame:
    """One row per pilot under a goal: its recommendation and the primary criterion's effect.

    ``estimate`` is on the verdict's own scale (lift, difference or value) with
    the interval the verdict used; ``measure`` names that scale, so a chart can
    put pilots measured alike on one axis.
    """
    rows = []
    for name, evaluation in items:
        verdict = evaluation.primary
        row: dict[str, object] = {
            "pilot": name,
            "recommendation": evaluation.recommendation,
            "verdict": recommendation_label(evaluation.recommendation),
        }
        if verdict is not None:
            m = measures.verdict_measure(verdict)
            point = measures.estimate(verdict)
            row |= {
                "metric": verdict.metric,
                "label": verdict.label,
                "kind": verdict.kind,
                "comparison": verdict.comparison,
                "scale": verdict.interval_scale,
                "measure": m.title,
                "estimate": point,
                "ci_low": verdict.ci_low,
                "ci_high": verdict.ci_high,
                "threshold": measures.threshold_point(verdict),
                "status": verdict.status,
                "status_label": verdict_status_label(verdict.status),
                "estimate_text": m.text(point),
                "interval_text": m.range_text(verdict.ci_low, verdict.ci_high),
                "threshold_text": measures.threshold_text(verdict),
                "role": verdict.role,
            }
        rows.append(row)
    return pd.DataFrame(rows, columns=GOAL_COLUMNS)
