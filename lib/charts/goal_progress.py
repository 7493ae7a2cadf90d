"""A goal's KPI per period toward its target, with the scaled pilots' projection beside the latest period.

Pure: the points come from :mod:`lib.services.goal_progress`; nothing is computed here but the layout.
With no actual logged yet, the chart is a caption that says how to get one.
"""

from __future__ import annotations

from datetime import date

import altair as alt

from lib import formatting as fmt
from lib.charts.common import HEIGHT, WIDTH, caption, dates_frame, field, horizontal_rule, inline, mark, title, view
from lib.charts.palette import EFFECT, PILOT

NO_ACTUALS = "No actual logged yet — log what the KPI came to for a period (Goals page) and progress shows here."


def goal_progress_chart(
    name: str,
    unit: str,
    points: list[tuple[date, float]],
    target: float | None,
    projected: tuple[date, float, float | None, float | None] | None = None,
) -> alt.Chart | alt.LayerChart:
    """``points``: (period end, actual); ``projected``: (when, value, low, high) in the goal's unit, or None."""
    heading = f"{name}: actual per period"
    if not points:
        return caption(heading, NO_ACTUALS, name="goal_progress_empty")
    sub = f"In {unit}." if unit else "In the KPI's own unit."
    if target is not None:
        sub += f" Dashed: the target of {fmt.number(target)}."
    if projected is not None:
        sub += " Hollow: projected with the scaled pilots (a projection, not a result)."
    data = inline(
        dates_frame(
            period=[p for p, _ in points],
            value=[v for _, v in points],
            shown=[fmt.number(v) for _, v in points],
        )
    )
    y_title = unit or "Actual"
    line = view(
        data,
        mark("line", color=EFFECT, point={"color": EFFECT, "size": 60}),
        {
            "x": field("period:T", title="Period ending", axis={"format": "%-d %b %Y", "labelOverlap": "greedy"}),
            "y": field("value:Q", title=y_title, scale={"zero": True}),
            "tooltip": [
                field("period:T", title="Period ending", format="%-d %b %Y"),
                field("shown:N", title="Actual"),
            ],
        },
    )
    layers: list[alt.Chart | alt.LayerChart] = [line]
    if target is not None:
        layers.append(horizontal_rule(target, f"target {fmt.number(target)}", "goal_target", tooltip_title="Target"))
    if projected is not None:
        when, value, low, high = projected
        proj = inline(
            dates_frame(
                period=[when],
                value=[value],
                low=[low if low is not None else value],
                high=[high if high is not None else value],
                shown=[fmt.number(value)],
            )
        )
        layers.append(
            view(
                proj,
                mark("rule", color=PILOT, strokeWidth=2),
                {"x": field("period:T"), "y": field("low:Q"), "y2": field("high")},
            )
        )
        layers.append(
            view(
                proj,
                mark("point", color=PILOT, size=80, filled=False, strokeWidth=2),
                {
                    "x": field("period:T"),
                    "y": field("value:Q"),
                    "tooltip": [
                        field("period:T", title="Projected for", format="%-d %b %Y"),
                        field("shown:N", title="Projected"),
                    ],
                },
            )
        )
    return alt.layer(*layers, width=WIDTH, height=HEIGHT, title=title(heading, sub), name="goal_progress")
