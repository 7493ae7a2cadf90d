"""Progress: units so far per arm against the planned sample and the end date, with the pace line."""

from __future__ import annotations

import altair as alt

from lib import formatting as fmt
from lib.charts import common
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
    colour = alt.Color(
        "arm:N", title="Arm", scale=alt.Scale(**arms), legend=alt.Legend(orient="top") if two_arms else None
    )
    x = common.day_x()
    y_title = f"{data.unit.capitalize()}{data.per_arm} so far"
    top = 1.1 * max([data.planned or 0.0, float(frame["units"].max()), *(v for _, v in data.pace_line)])
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("units:Q", title=y_title, axis=alt.Axis(format=",.0f"), scale=alt.Scale(domain=[0, top])),
            color=colour,
            tooltip=[
                common.day_tooltip(),
                alt.Tooltip("arm:N", title="Arm"),
                alt.Tooltip("units_text:N", title="So far"),
            ],
        )
        .properties(name="units")
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
            alt.Chart(pace)
            .mark_line(strokeDash=[2, 3], strokeWidth=2, color=REFERENCE)
            .encode(x=alt.X("day:T"), y=alt.Y("units:Q"), tooltip=alt.Tooltip("label:N", title="Pace"))
            .properties(name="pace_line")
        )
        end = common.dates_frame(day=[d1], units=[v1], label=[end_label])
        if not (reaches and d1 == data.end):  # the end-date label already says when
            layers.append(
                alt.Chart(end)
                .mark_text(align="right", baseline="bottom", dx=-2, dy=-6, fontSize=11, color=MUTED_TEXT)
                .encode(x=alt.X("day:T"), y=alt.Y("units:Q"), text=alt.Text("label:N"))
                .properties(name="pace_label")
            )
    pace_per_day = (
        f"Average pace so far: {fmt.quantity(data.pace)} {data.unit} a day{data.per_arm}."
        if data.pace and data.unit != UNITS_DAYS
        else ""
    )
    subtitle = [line for line in (data.summary, pace_per_day) if line]
    return alt.layer(*layers).properties(
        width=common.WIDTH, height=common.HEIGHT, title=common.title(title, subtitle=subtitle)
    )
