"""A/B and target pilots over time, from the day-by-day replay in :class:`ChartTimeline`.

The interval drawn for each day is the one the verdict used that day
(sequential bounds, narrowing as data come in), so what a reader sees on the
chart never contradicts what Review said on that day. The arm bands are
descriptive 95 % intervals of each arm's own value.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib.charts import common
from lib.charts.common import field, inline, mark, view
from lib.charts.data import ChartTimeline
from lib.charts.measures import Measure, effect_measure, level_measure
from lib.charts.palette import EFFECT, PILOT, arm_scale, status_scale
from lib.decide import CriterionVerdict
from lib.vocabulary import metric_label

Chart = alt.Chart | alt.LayerChart | alt.VConcatChart


def _check(timeline: ChartTimeline, metric: str, title: str) -> tuple[CriterionVerdict, pd.DataFrame] | Chart:
    """The verdict and effect rows, or the caption that says why there is no chart yet."""
    verdict = timeline.verdict(metric)
    if verdict is None:
        return common.caption(title, common.NO_RESULTS if timeline.last is None else common.NO_CRITERIA)
    effects = timeline.effect_frame(metric)
    if effects.empty:
        return common.caption(title, common.NO_RESULTS)
    if len(effects) < 2:
        return common.caption(title, common.ONE_DAY)
    return verdict, effects


def _effect_layers(effects: pd.DataFrame, measure: Measure, colour: str, height: int) -> list[alt.Chart]:
    """The estimate day by day inside the interval the verdict used, points coloured by that day's status."""
    data = inline(effects)
    x = common.day_x()
    tooltip = [
        common.day_tooltip(),
        field("estimate_text:N", title=measure.title),
        field("interval_text:N", title="Interval the verdict used"),
        field("status:N", title="Verdict that day"),
    ]
    domain = common.focus([effects["ci_low"], effects["ci_high"], effects["estimate"]], [effects["threshold"].iloc[-1]])
    if domain is not None and measure.kind == "proportion" and measure.scale == "value":
        domain = [max(domain[0], 0.0), min(domain[1], 1.0)]
    scale = {"zero": False} if domain is None else {"domain": domain, "zero": False}
    band = view(
        data,
        mark("area", opacity=0.2, color=colour, clip=True),
        {
            "x": x,
            "y": field("ci_low:Q", axis=measure.axis(), scale=scale),
            "y2": field("ci_high"),
            "tooltip": tooltip,
        },
        name="interval_band",
        height=height,
    )
    line = view(
        data,
        mark("line", color=colour, strokeWidth=2, clip=True),
        {"x": x, "y": field("estimate:Q")},
        name="estimate_line",
    )
    points = view(
        data,
        mark("point", filled=True, size=45, opacity=1, clip=True),
        {
            "x": x,
            "y": field("estimate:Q"),
            "tooltip": tooltip,
            "color": common.status_colour(status_scale(effects["status_key"])),
        },
        name="status_points",
    )
    return [band, line, points]


def ab_over_time_chart(timeline: ChartTimeline, metric: str) -> Chart:
    """Top: each arm's cumulative rate (or average) with its band. Below: the difference the verdict measures."""
    verdict_or_caption = _check(timeline, metric, f"{metric_label(metric)} over time")
    if not isinstance(verdict_or_caption, tuple):
        return verdict_or_caption
    verdict, effects = verdict_or_caption
    arms = inline(timeline.arm_frame(metric))
    level = level_measure(verdict.kind, f"{verdict.label} so far")
    colour = field(
        "arm:N",
        title="Arm",
        scale=arm_scale(timeline.control_arm, timeline.pilot_arm),
        legend={"orient": "top"},
    )
    x = common.day_x()
    tooltip = [
        common.day_tooltip(),
        field("arm:N", title="Arm"),
        field("value_text:N", title=verdict.label),
        field("band_text:N", title="95% range"),
        field("n:Q", title="Counted so far", format=",.0f"),
    ]
    arm_band = view(
        arms,
        mark("area", opacity=0.18),
        {
            "x": x,
            "y": field("low:Q", axis=level.axis(), scale={"zero": False}),
            "y2": field("high"),
            "color": colour,
        },
        name="arm_bands",
    )
    arm_line = view(
        arms,
        mark("line", strokeWidth=2, point=True),
        {"x": x, "y": field("value:Q"), "color": colour, "tooltip": tooltip},
        name="arm_lines",
    )
    top = alt.layer(
        arm_band,
        arm_line,
        width=common.WIDTH,
        height=common.HEIGHT,
        title=common.title(f"{verdict.label} so far, per arm", subtitle="Shaded: each arm's 95% range."),
    )
    measure = effect_measure(verdict.kind, verdict.interval_scale, verdict.comparison)
    threshold = effects["threshold"].iloc[-1]
    rule = common.horizontal_rule(threshold, f"Threshold {measure.short(threshold)}", name="threshold")
    bottom = alt.layer(
        *_effect_layers(effects, measure, EFFECT, common.SMALL_HEIGHT),
        rule,
        width=common.WIDTH,
        height=common.SMALL_HEIGHT,
        title=common.title(
            measure.title + " so far",
            subtitle="Shaded: the interval the verdict used that day; it narrows as data come in.",
        ),
    )
    return alt.vconcat(top, bottom, spacing=24, resolve={"scale": {"color": "independent"}})


def target_over_time_chart(timeline: ChartTimeline, metric: str) -> Chart:
    """The pilot's value so far inside the interval the verdict used, against the target rule."""
    verdict_or_caption = _check(timeline, metric, f"{metric_label(metric)} against the target")
    if not isinstance(verdict_or_caption, tuple):
        return verdict_or_caption
    verdict, effects = verdict_or_caption
    measure = Measure(f"{verdict.label} so far", verdict.kind, "value")
    target = effects["threshold"].iloc[-1]
    rule = common.horizontal_rule(target, f"Target {measure.short(target)}", name="target", tooltip_title="Target")
    return alt.layer(
        *_effect_layers(effects, measure, PILOT, common.HEIGHT),
        rule,
        width=common.WIDTH,
        height=common.HEIGHT,
        title=common.title(
            f"{verdict.label} so far against the {measure.short(target)} target",
            subtitle="Shaded: the interval the verdict used that day; it narrows as data come in.",
        ),
    )
