"""Progress: units so far per arm against the planned sample and the end date, with the pace line."""

from __future__ import annotations

import altair as alt

from lib import formatting as fmt
from lib.charts import common
from lib.charts.common import field, inline, mark, view
from lib.charts.pace import ProgressData, short_date
from lib.charts.palette import MUTED_TEXT, REFERENCE, arm_scale
from lib.decide.wording import UNITS_DAYS


def progress_chart(data: ProgressData) -> alt.LayerChart | alt.Chart:
    """Cumulative units per arm, the plan as a rule, the end date, and today's pace carried forward."""
    title = f"Sample so far ({data.unit})"
    frame = data.frame()
    if frame.empty:
        return common.caption(title, common.NO_RESULTS if data.metric else common.NO_CRITERIA)
    if frame["day"].nunique() < 2:
        return common.caption(title, common.ONE_DAY)
    two_arms = bool((frame["role"] == "control").any())
    arms = arm_scale(data.control_arm, data.pilot_arm, with_control=two_arms)
    colour = field("arm:N", title="Arm", scale=arms, legend={"orient": "top"} if two_arms else None)
    x = common.day_x()
    y_title = f"{data.unit.capitalize()}{data.per_arm} so far"
    top = 1.1 * max([data.planned or 0.0, float(frame["units"].max()), *(v for _, v in data.pace_line)])
    lines = view(
        inline(frame),
        mark("line", strokeWidth=2),
        {
            "x": x,
            "y": field("units:Q", title=y_title, axis={"format": ",.0f"}, scale={"domain": [0, top]}),
            "color": colour,
            "tooltip": [
                common.day_tooltip(),
                field("arm:N", title="Arm"),
                field("units_text:N", title="So far"),
            ],
        },
        name="units",
    )
    layers: list[alt.Chart | alt.LayerChart] = [lines]
    if data.planned is not None:
        label = f"Plan {fmt.number(data.planned)} {data.unit}"
        layers.append(common.horizontal_rule(data.planned, label, name="plan", tooltip_title="Planned sample"))
    if data.end is not None:
        layers.append(
            common.vertical_rule(data.end, f"Ends {short_date(data.end, data.start)}", name="end_date", label_left=True)
        )
    if data.pace_line:
        (d0, v0), (d1, v1) = data.pace_line
        reaches = data.reaches_on is not None and d1 == data.reaches_on
        end_label = (
            f"Reaches the plan on {short_date(d1, data.start)}"
            if reaches
            else f"About {fmt.about(v1)} by {short_date(d1, data.start)}"
        )
        pace = common.dates_frame(day=[d0, d1], units=[v0, v1], label=[data.summary, data.summary])
        layers.append(
            view(
                inline(pace),
                mark("line", strokeDash=[2, 3], strokeWidth=2, color=REFERENCE),
                {"x": field("day:T"), "y": field("units:Q"), "tooltip": field("label:N", title="Pace")},
                name="pace_line",
            )
        )
        end = common.dates_frame(day=[d1], units=[v1], label=[end_label])
        if not (reaches and d1 == data.end):  # the end-date label already says when
            layers.append(
                view(
                    inline(end),
                    mark("text", align="right", baseline="bottom", dx=-2, dy=-6, fontSize=11, color=MUTED_TEXT),
                    {"x": field("day:T"), "y": field("units:Q"), "text": field("label:N")},
                    name="pace_label",
                )
            )
    pace_per_day = (
        f"Average pace so far: {fmt.quantity(data.pace)} {data.unit} a day{data.per_arm}."
        if data.pace and data.unit != UNITS_DAYS
        else ""
    )
    subtitle = [line for line in (data.summary, pace_per_day) if line]
    return alt.layer(*layers, width=common.WIDTH, height=common.HEIGHT, title=common.title(title, subtitle=subtitle))
