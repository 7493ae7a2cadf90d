"""Pieces every chart shares: sizes, the date axis, reference lines, the teaching caption, and the builders.

A chart with nothing to draw yet still returns a chart: a caption that says
what to do next, so a page never shows an empty frame or an error.

Charts are built with :func:`view` from plain dicts (:func:`mark`, :func:`field`, axis, scale, legend
and title dicts) rather than Altair's chained calls: every ``mark_*()``, ``encode()`` and
``properties()`` deep-copies the chart, and every ``alt.Axis``/``alt.Scale``/``MarkDef`` carries all of
its ~100 possible properties (mostly unset) through each copy and validates itself when made. The
Vega-Lite written is the same; building it costs a fraction (bench/bench_charts.py).
"""

from __future__ import annotations

import math
import textwrap
from datetime import date
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from lib.charts.palette import MUTED_TEXT, REFERENCE

Spec = dict[str, Any]

WIDTH = 560
HEIGHT = 220
SMALL_HEIGHT = 150

# No page is named here: the same charts go into stakeholder reports, whose readers open no page but the report.
NO_RESULTS = "No results yet — the chart appears once the first day's results are logged."
ONE_DAY = "Only one day logged so far — the chart draws a line from the second logged day on."
NO_CRITERIA = "No success criteria yet — add them to the pilot and this chart shows how each one stands."
NO_PILOTS = "No pilots under this goal yet — tie a pilot to the goal and its result shows here."
TOO_EARLY = "Too early to call yet — the bars narrow as more days are logged."
TOO_FEW_DAYS = (
    "Not enough days for the before/after picture yet — it needs at least three logged days "
    "in the baseline and three in the pilot period."
)


def split_title(spec: dict) -> tuple[str, list[str], dict]:
    """A chart spec's title and subtitle lines, and the spec without them: where the chart is drawn narrow (a card
    beside text) the page writes the title as wrapping text instead of letting Vega-Lite cut it ("…after th…")."""
    head = spec.get("title")
    if not head:
        return "", [], spec
    if isinstance(head, str):
        return head, [], {k: v for k, v in spec.items() if k != "title"}
    text = head.get("text", "")
    sub = head.get("subtitle") or []
    lines = [sub] if isinstance(sub, str) else list(sub)
    return (
        (" ".join(text) if isinstance(text, list) else str(text)),
        [str(x) for x in lines],
        {k: v for k, v in spec.items() if k != "title"},
    )


# --- building charts from plain dicts ------------------------------------------------------

#: Altair's shorthand type letters ("day:T")
TYPES = {"Q": "quantitative", "N": "nominal", "T": "temporal", "O": "ordinal"}


class Encoding(alt.FacetedEncoding):
    """An encoding that holds only the channels it was given (Altair's holds all 40, unset ones included,
    through every copy); an Altair object still, since layering asks each layer's encoding for facets."""

    def __init__(self, **channels: Any) -> None:
        alt.SchemaBase.__init__(self, **channels)


def mark(kind: str, **props: Any) -> Spec:
    """A mark as Vega-Lite writes it: ``mark("line", strokeWidth=2)`` is what ``.mark_line(strokeWidth=2)`` sets."""
    return {"type": kind, **props}


def field(shorthand: str, **props: Any) -> Spec:
    """A channel on a data field, ``"day:T"`` read as Altair reads it, with its properties (title, axis, scale,
    legend, format, sort …) as plain dicts. A secondary channel (x2, y2) takes a bare name: it has no type."""
    name, _, kind = shorthand.rpartition(":")
    return {"field": name, "type": TYPES[kind], **props} if name else {"field": shorthand, **props}


def value(constant: Any) -> Spec:
    """A channel fixed at a value (``alt.XValue(0)``)."""
    return {"value": constant}


def view(data: pd.DataFrame | Spec, mark: Spec, encoding: Spec, **properties: Any) -> alt.Chart:
    """One view: ``alt.Chart(data).mark_…(…).encode(…).properties(…)`` in a single constructor call.

    Layers drawn from the same ``data`` object share it (Altair writes it once, on the layer chart)."""
    return alt.Chart(data, mark=mark, encoding=Encoding(**encoding), **properties)


def _is_null(value: Any) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value)


def _column(column: pd.Series) -> list[Any] | None:
    """One column as Altair's ``sanitize_pandas_dataframe`` writes it, or None for a kind it is left to do."""
    kind = column.dtype.kind
    if kind == "M":  # full local ISO strings: a date-only string would be read as UTC midnight
        return ["" if v is pd.NaT else v.isoformat() for v in column]
    if kind == "f":
        return [v if math.isfinite(v) else None for v in column.tolist()]
    if kind in "iub":
        return column.tolist()
    if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
        return [None if _is_null(v) else (v.tolist() if isinstance(v, np.ndarray) else v) for v in column.tolist()]
    return None


def inline(frame: pd.DataFrame) -> Spec | pd.DataFrame:
    """A frame's rows as inline values, written as Altair writes a DataFrame (it names and hoists them the same
    way), without its pandas pass per column: on frames this small that pass was most of ``to_dict``'s time.
    A column of another kind (categories, nullable integers …) leaves the whole frame to Altair."""
    columns = {}
    for name, column in frame.items():
        values = _column(column)
        if values is None or not isinstance(name, str):
            return frame
        columns[name] = values
    names = list(columns)
    return {"values": [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]}


def title(text: str, subtitle: str | list[str] | None = None) -> Spec:
    """A left-aligned title; the subtitle in a mid grey, since Streamlit's theme leaves it black on dark."""
    if subtitle is None:
        return {"text": text, "anchor": "start"}
    return {"text": text, "subtitle": subtitle, "anchor": "start", "subtitleColor": MUTED_TEXT}


def caption(heading: str, message: str, *, name: str = "caption") -> alt.Chart:
    """A chart that is only words: what is missing and how to get the real chart."""
    lines = textwrap.wrap(message, 78)
    data = inline(pd.DataFrame({"text": ["\n".join(lines)]}))
    return view(
        data,
        mark("text", align="left", baseline="top", fontSize=14, lineBreak="\n", lineHeight=20, color=MUTED_TEXT),
        {"text": field("text:N"), "x": value(0), "y": value(8)},
        title=title(heading),
        width=WIDTH,
        height=20 * len(lines) + 16,
        name=name,
        view={"strokeWidth": 0},
    )


def day_x(field_name: str = "day", title: str | None = None, **axis: Any) -> Spec:
    """Dates as dates ("3 Dec"), never timestamps."""
    return field(
        f"{field_name}:T",
        title=title,
        axis={"format": "%-d %b", "labelOverlap": "greedy", "tickCount": 8, **axis},
        scale={"padding": 6},
    )


def day_tooltip(field_name: str = "day") -> Spec:
    return field(f"{field_name}:T", title="Day", format="%a %-d %b %Y")


def reference_with_band(
    data: Spec,
    *,
    y: Spec,
    band_title: str,
    line: str,
    legend: str,
    names: tuple[str, str],
    opacity: float,
) -> tuple[alt.Chart, alt.Chart]:
    """What the series would have been without the pilot: its band (``low`` to ``high``) and its dashed line.

    The before/after chart's expected level and the market test's synthetic control draw it alike.
    """
    x = day_x()
    band = view(
        data,
        mark("area", opacity=opacity, color=REFERENCE),
        {
            "x": x,
            "y": y,
            "y2": field("high"),
            "tooltip": [day_tooltip(), field("band_text:N", title=band_title)],
        },
        name=names[0],
    )
    dashed = view(
        data,
        mark("line", strokeDash=[6, 4], strokeWidth=2),
        {"x": x, "y": field(f"{line}:Q"), "color": {"datum": legend}},
        name=names[1],
    )
    return band, dashed


def dates_frame(**columns: list[Any]) -> pd.DataFrame:
    """A small frame whose date columns serialise like the data's (local midnight, not UTC)."""
    frame = pd.DataFrame(columns)
    for key, values in columns.items():
        if values and isinstance(values[0], date):
            frame[key] = pd.to_datetime(frame[key])
    return frame


def vertical_rule(day: date, label: str, name: str, *, label_left: bool = False) -> alt.LayerChart:
    """A dashed rule at a date with its label along the top (the pilot start, the end date)."""
    data = inline(dates_frame(day=[day], label=[label]))
    rule = view(
        data,
        mark("rule", color=REFERENCE, strokeDash=[4, 3], strokeWidth=1.5),
        {"x": field("day:T"), "tooltip": field("label:N", title="When")},
    )
    text = view(
        data,
        mark(
            "text",
            align="right" if label_left else "left",
            baseline="top",
            dx=-4 if label_left else 4,
            fontSize=11,
            color=MUTED_TEXT,
        ),
        {"x": field("day:T"), "y": value(2), "text": field("label:N")},
    )
    return alt.layer(rule, text, name=name)


def horizontal_rule(at: float, label: str, name: str, *, tooltip_title: str = "Threshold") -> alt.LayerChart:
    """A dashed rule at a value, labelled just right of the plot (a threshold, a target, the plan).

    The label sits outside the data so no line or band can run through it.
    """
    data = inline(pd.DataFrame({"value": [at], "label": [label]}))
    rule = view(
        data,
        mark("rule", color=REFERENCE, strokeDash=[6, 4], strokeWidth=1.5),
        {"y": field("value:Q"), "tooltip": field("label:N", title=tooltip_title)},
    )
    text = view(
        data,
        mark("text", align="left", baseline="middle", dx=6, fontSize=11, color=MUTED_TEXT),
        {"y": field("value:Q"), "x": value("width"), "text": field("label:N")},
    )
    return alt.layer(rule, text, name=name)


def focus(values: list[pd.Series], keep: list[float]) -> list[float] | None:
    """A y domain that fits the later days (and ``keep``), so the first day's wide interval
    does not flatten the rest; marks beyond it are clipped."""
    later = pd.concat([v.iloc[len(v) // 3 :] for v in values] + [pd.Series(keep, dtype=float)]).dropna()
    if later.empty:
        return None
    low, high = float(later.min()), float(later.max())
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 0.01
    return [low - pad, high + pad]


def status_colour(scale: dict[str, list[str]], title: str = "Verdict that day") -> Spec:
    return field("status:N", title=title, scale=scale, legend={"orient": "bottom"})
