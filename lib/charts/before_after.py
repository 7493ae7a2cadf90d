"""The before/after picture: the daily metric, the model's "expected without the pilot", the step.

Everything drawn comes from the verdict: ``counterfactual`` carries each
day's observed value and the model's expected value (trend and weekday
included, the step left out) with its band, from the same fit as the
verdict's interval. The chart says in words how large the step is, and that
before/after is observational.
"""

from __future__ import annotations

import textwrap
from datetime import date

import altair as alt
import pandas as pd

from lib import formatting as fmt
from lib.charts import common
from lib.charts.common import field, inline, mark, view
from lib.charts.measures import level_measure
from lib.charts.pace import short_date
from lib.charts.palette import CONTROL, PILOT, REFERENCE
from lib.decide import CriterionVerdict
from lib.vocabulary import verdict_status_label

BASELINE, PILOT_PERIOD, EXPECTED = "Baseline", "Pilot period", "Expected without the pilot"
OBSERVATIONAL = (
    "Observational, not an experiment: the dashed line is the baseline's trend and weekday "
    "pattern carried forward; anything else that changed at the start is mixed into the step."
)


def effect_words(verdict: CriterionVerdict) -> str:
    """``"+0.9 pts on the daily rate (95% bounds −0.6 to +2.4 pts)"``: the step as people say it."""
    low, high = verdict.ci_low, verdict.ci_high
    per = {"proportion": "on the daily rate", "count": "a day"}.get(verdict.kind, "on the daily average")
    effect = f"{fmt.effect(verdict.kind, 'difference', verdict.difference)} {per}"
    bounds = fmt.effect_range(verdict.kind, "difference", low, high)
    if low is None or high is None:
        return f"Step at the start: {effect} (too few days for bounds yet)"
    return f"Step at the start: {effect} ({fmt.level(verdict.required_confidence)} bounds {bounds})"


def _frame(verdict: CriterionVerdict) -> pd.DataFrame:
    m = level_measure(verdict.kind, verdict.label)
    frame = pd.DataFrame(
        [
            {
                "day": d.day,
                "observed": d.observed,
                "expected": d.expected,
                "low": d.low,
                "high": d.high,
                "period": PILOT_PERIOD if d.in_pilot else BASELINE,
                "observed_text": m.text(d.observed),
                "expected_text": m.text(d.expected),
                "band_text": m.range_text(d.low, d.high),
            }
            for d in verdict.counterfactual
        ]
    )
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def before_after_chart(verdict: CriterionVerdict, *, pilot_start: date | None) -> alt.LayerChart | alt.Chart:
    """The metric per day over both periods, the expected line and band, the pilot start and the step."""
    title = f"{verdict.label} per day, before and after the pilot started"
    if not verdict.counterfactual:
        nothing = verdict.control_value is None and verdict.pilot_value is None
        return common.caption(title, common.NO_RESULTS if nothing else common.TOO_FEW_DAYS)
    data = inline(_frame(verdict))
    start = pilot_start or min(d.day for d in verdict.counterfactual if d.in_pilot)
    measure = level_measure(verdict.kind, f"{verdict.label} per day")
    colour = field(
        "period:N",
        title=None,
        legend={"orient": "bottom"},
        scale={"domain": [BASELINE, PILOT_PERIOD, EXPECTED], "range": [CONTROL, PILOT, REFERENCE]},
    )
    x = common.day_x()
    band, expected = common.reference_with_band(
        data,
        y=field("low:Q", axis=measure.axis(), scale={"zero": False}),
        band_title="Expected range (95%)",
        line="expected",
        legend=EXPECTED,
        names=("counterfactual_band", "counterfactual_line"),
        opacity=0.18,
    )
    observed = view(
        data,
        mark("line", strokeWidth=1, opacity=0.6),
        {"x": x, "y": field("observed:Q"), "color": colour, "detail": field("period:N")},
        name="observed_line",
    )
    points = view(
        data,
        mark("circle", size=36, opacity=0.9),
        {
            "x": x,
            "y": field("observed:Q"),
            "color": colour,
            "tooltip": [
                common.day_tooltip(),
                field("period:N", title="Period"),
                field("observed_text:N", title="Observed"),
                field("expected_text:N", title="Expected without the pilot"),
            ],
        },
        name="observed_points",
    )
    rule = common.vertical_rule(start, f"Pilot starts {short_date(start)}", name="pilot_start")
    subtitle = [
        f"{effect_words(verdict)} — {verdict_status_label(verdict.status).lower()}.",
        *textwrap.wrap(OBSERVATIONAL, 88),  # a line of the chart's width: longer ones are cut
    ]
    return alt.layer(
        band,
        expected,
        observed,
        points,
        rule,
        width=common.WIDTH,
        height=common.HEIGHT,
        title=common.title(title, subtitle=subtitle),
    )
