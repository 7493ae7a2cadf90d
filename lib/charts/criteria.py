"""Effects at a glance: every criterion of a pilot, or the primary of every pilot under a goal.

Each effect is drawn on the scale its verdict used, with the interval the
verdict used and the threshold it was judged against, so the picture and the
sentence always agree. Effects measured differently (a lift, a difference in
points, a value against a target) never share an axis: one row each.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from lib.charts import common
from lib.charts.common import Spec, field, inline, mark, view
from lib.charts.measures import Measure, effect_measure, estimate, threshold_point, threshold_text
from lib.charts.palette import REFERENCE, recommendation_scale, status_scale
from lib.decide import CriterionVerdict, PilotEvaluation
from lib.vocabulary import verdict_status_label

ROW_HEIGHT = 34
#: effects measured differently never share an x scale
INDEPENDENT_X = {"scale": {"x": "independent"}}


def _role_shape(guardrails: bool, others: bool) -> Spec:
    """Guardrails as diamonds; the legend lists only the kinds present, in a grey any theme shows."""
    pairs = [("Success criterion", "circle")] * others + [("Guardrail", "diamond")] * guardrails
    scale = {"domain": [k for k, _ in pairs], "range": [v for _, v in pairs]}
    legend = {"orient": "bottom", "symbolFillColor": REFERENCE, "symbolStrokeColor": REFERENCE}
    return field("role:N", title=None, scale=scale, legend=legend)


def _criterion_frame(v: CriterionVerdict, m: Measure) -> pd.DataFrame:
    point = estimate(v)
    return pd.DataFrame(
        [
            {
                "label": f"{v.label} ({v.role})",
                "estimate": point,
                "ci_low": v.ci_low,
                "ci_high": v.ci_high,
                "threshold": threshold_point(v),
                "status": verdict_status_label(v.status),
                "role": "Guardrail" if v.role == "guardrail" else "Success criterion",
                "estimate_text": m.text(point),
                "interval_text": m.range_text(v.ci_low, v.ci_high),
                "threshold_text": threshold_text(v),
            }
        ]
    )


def _effect_row(
    frame: pd.DataFrame,
    m: Measure,
    colour: Spec,
    y_field: str,
    name: str,
    tooltip: list[Spec],
    *,
    shape: Spec | None = None,
) -> alt.LayerChart:
    """Interval bar, estimate dot and threshold tick per row of ``frame``; x on the measure's scale."""
    y = field(f"{y_field}:N", title=None, sort=None, axis={"labelLimit": 260})
    x_axis = m.axis()
    data = inline(frame)
    layers = [
        view(
            data,
            mark("rule", strokeWidth=4, opacity=0.7),
            {
                "x": field("ci_low:Q", axis=x_axis, scale={"zero": False, "padding": 16}),
                "x2": field("ci_high"),
                "y": y,
                "color": colour,
                "tooltip": tooltip,
            },
            name="interval",
        ),
        view(
            data,
            mark("tick", color=REFERENCE, thickness=2, size=ROW_HEIGHT - 6),
            {"x": field("threshold:Q", axis=x_axis), "y": y, "tooltip": tooltip},
            name="threshold",
        ),
        view(
            data,
            mark("point", filled=True, size=110, opacity=1),
            {
                "x": field("estimate:Q", axis=x_axis),
                "y": y,
                "color": colour,
                "tooltip": tooltip,
                **({"shape": shape} if shape is not None else {}),
            },
            name="estimate",
        ),
    ]
    return alt.layer(*layers, width=common.WIDTH, height=ROW_HEIGHT * len(frame), name=name)


def criteria_chart(evaluation: PilotEvaluation) -> alt.VConcatChart | alt.Chart:
    """Each criterion's effect with its interval and threshold, coloured by status; guardrails as diamonds."""
    title = "How each criterion stands"
    if not evaluation.verdicts:
        return common.caption(title, common.NO_CRITERIA)
    measured = [v for v in evaluation.verdicts if estimate(v) is not None]
    if not measured:
        return common.caption(title, common.NO_RESULTS)
    colour = field(
        "status:N",
        title="Verdict",
        scale=status_scale(v.status for v in measured),
        legend={"orient": "bottom"},
    )
    tooltip = [
        field("label:N", title="Criterion"),
        field("status:N", title="Verdict"),
        field("estimate_text:N", title="Measured"),
        field("interval_text:N", title="Interval the verdict used"),
        field("threshold_text:N", title="Threshold"),
    ]
    shape = _role_shape(any(v.role == "guardrail" for v in measured), any(v.role != "guardrail" for v in measured))
    rows = []
    for i, v in enumerate(measured):
        m = effect_measure(v.kind, v.interval_scale, v.comparison)
        rows.append(_effect_row(_criterion_frame(v, m), m, colour, "label", f"criterion_{i}", tooltip, shape=shape))
    waiting = [v.label for v in evaluation.verdicts if estimate(v) is None]
    subtitle = ["Dot: the measured effect; bar: the interval the verdict used; grey tick: the threshold."]
    if waiting:
        subtitle.append(f"No results yet: {', '.join(waiting)}.")
    if all(v.status == "too_early" for v in evaluation.verdicts):
        subtitle.append(common.TOO_EARLY)
    return alt.vconcat(*rows, spacing=14, resolve=INDEPENDENT_X, title=common.title(title, subtitle=subtitle))


def goal_chart(rows: pd.DataFrame) -> alt.VConcatChart | alt.Chart:
    """The pilots under a goal, coloured by recommendation, with each primary criterion's measured effect."""
    title = "Pilots under this goal"
    if rows.empty:
        return common.caption(title, common.NO_PILOTS)
    frame = rows.assign(row=rows["pilot"] + " · " + rows["label"].fillna(""))
    measured = frame[frame["estimate"].notna()]
    if measured.empty:
        return common.caption(title, common.NO_RESULTS)
    colour = field(
        "verdict:N",
        title="Recommendation",
        legend={"orient": "bottom"},
        scale=recommendation_scale(measured["recommendation"]),
    )
    tooltip = [
        field("pilot:N", title="Pilot"),
        field("verdict:N", title="Recommendation"),
        field("label:N", title="Primary criterion"),
        field("estimate_text:N", title="Measured"),
        field("interval_text:N", title="Interval the verdict used"),
        field("threshold_text:N", title="Threshold"),
    ]
    charts = []
    for i, (_, group) in enumerate(measured.groupby(["measure", "kind"], sort=False)):
        first = group.iloc[0]
        m = effect_measure(first["kind"], first["scale"], first["comparison"])
        charts.append(_effect_row(group, m, colour, "row", f"measure_{i}", tooltip))
    subtitle = _waiting(frame[frame["estimate"].isna()]["pilot"])
    if (measured["status"] == "too_early").all():
        subtitle.append(common.TOO_EARLY)
    return alt.vconcat(*charts, spacing=14, resolve=INDEPENDENT_X, title=common.title(title, subtitle=subtitle))


def _waiting(names: Sequence[str] | pd.Series) -> list[str]:
    names = list(names)
    base = "Dot: the primary criterion's measured effect; bar: the interval its verdict used; grey tick: the threshold."
    return [base, f"No results yet: {', '.join(names)}."] if names else [base]
