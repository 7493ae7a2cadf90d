"""The design's main chart, so pages and reports call one function for "the picture of this pilot"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt

from lib.charts import common
from lib.charts.before_after import before_after_chart
from lib.charts.data import timeline
from lib.charts.market import market_chart
from lib.charts.over_time import ab_over_time_chart, target_over_time_chart
from lib.decide import PilotEvaluation
from lib.specs import CriterionSpec, Observation, PilotSpec, UnitObservation


def main_chart(
    pilot: PilotSpec,
    criteria: Sequence[CriterionSpec],
    observations: Sequence[Observation],
    evaluation: PilotEvaluation,
    *,
    units: Mapping[str, str] | None = None,
    unit_observations: Sequence[UnitObservation] = (),
) -> alt.TopLevelMixin:
    """Before/after: the step picture; against a target: the value vs the target; A/B: the arms over time.

    Picked by how the primary criterion is compared (which follows the
    design), and drawn up to the evaluation's ``as_of`` when it replays a past day. A pilot that
    splits units is replayed per unit (``unit_observations``), as its verdict is judged.
    """
    verdict = evaluation.primary
    if verdict is None:
        return common.caption(pilot.name, common.NO_CRITERIA)
    if verdict.comparison == "vs_synthetic":
        return market_chart(verdict)
    if verdict.comparison == "vs_baseline":
        return before_after_chart(verdict, pilot_start=pilot.start)
    replay = timeline(
        pilot, criteria, observations, units=units, as_of=evaluation.as_of, unit_observations=unit_observations
    )
    if verdict.comparison == "vs_target":
        return target_over_time_chart(replay, verdict.metric)
    return ab_over_time_chart(replay, verdict.metric)
