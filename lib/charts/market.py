"""The market-test picture a room understands: the test markets against their synthetic control, and the gap.

Everything drawn comes from the verdict's ``market`` reading (plain data, the same
fresh or frozen): the test markets' KPI per day beside the synthetic control (a
weighted mix of untreated markets fitted before the start) with its band, the start
marked; below, the gap added up since the start as extra KPI, with its band. The
weights read as a sentence ("Synthetic Chicago + Portland = 31% Las Vegas + …") and
as a table.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import date
from typing import Any

import altair as alt
import pandas as pd

from lib import formatting as fmt
from lib.charts import common
from lib.charts.common import field, inline, mark, view
from lib.charts.palette import EFFECT, PILOT, REFERENCE
from lib.decide import CriterionVerdict
from lib.vocabulary import metric_label, verdict_status_label

TEST, SYNTHETIC = "Test markets", "Synthetic control"
#: how many controls the weights sentence names before "+ N others"
NAMED = 5
WEIGHT_HEADERS = ("Untreated market", "Weight")


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def test_name(market: Mapping[str, Any]) -> str:
    """ "Chicago + Portland"."""
    return " + ".join(market.get("test_markets") or []) or "the test markets"


def weights_sentence(market: Mapping[str, Any]) -> str:
    """ "Synthetic Chicago + Portland = 31% Las Vegas + 21% Boston + … + 3 others (8%)"."""
    weights = list(market.get("weights") or [])
    if not weights:
        return f"No synthetic control for {test_name(market)} yet."
    parts = [f"{fmt.pct(w['weight'], 0)} {w['market']}" for w in weights[:NAMED]]
    rest = weights[NAMED:]
    if rest:
        parts.append(f"{len(rest):,} others ({fmt.pct(sum(w['weight'] for w in rest), 0)})")
    return f"Synthetic {test_name(market)} = " + " + ".join(parts)


def weights_rows(market: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(market, "23%") per untreated market with a weight, largest first: the weights table."""
    return [(str(w["market"]), fmt.pct(w["weight"], 1)) for w in market.get("weights") or []]


def fit_text(market: Mapping[str, Any]) -> str:
    """How closely the synthetic control tracked the test markets before the start, in words."""
    fit = market.get("fit") or {}
    days = fmt.number(market.get("pre_days"))
    text = (
        f"Fit before the start ({days} days): typical daily miss {fmt.quantity(fit.get('pre_rmse'))}, "
        f"{fmt.pct(fit.get('improvement'), 0)} smaller than a plain average of all untreated markets "
        f"({fmt.quantity(fit.get('average_rmse'))})."
    )
    if not fit.get("fit_ok", True):
        badly = ", ".join(fit.get("poorly_tracked") or []) or test_name(market)
        text += f" Too loose to read: tracked badly — {badly}."
    return text


def left_out_text(market: Mapping[str, Any]) -> str | None:
    """ "Left out of the controls: Denver (3 of 90 days before the start are missing)."""
    left = market.get("left_out") or []
    if not left:
        return None
    return "Left out of the controls: " + "; ".join(f"{x['market']} ({x['reason']})" for x in left) + "."


def _frames(market: Mapping[str, Any], kind: str, label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    series = pd.DataFrame(market.get("series") or [])
    series["day"] = pd.to_datetime([_day(d) for d in series["day"]])
    q = fmt.quantity if kind == "count" else (fmt.pct if kind == "proportion" else fmt.quantity)
    series["line"] = TEST
    series["observed_text"] = [q(v) for v in series["observed"]]
    series["synthetic_text"] = [q(v) for v in series["synthetic"]]
    series["band_text"] = [f"{q(lo)} to {q(hi)}" for lo, hi in zip(series["low"], series["high"], strict=True)]
    gap = pd.DataFrame(market.get("cumulative") or [])
    if not gap.empty:
        gap["day"] = pd.to_datetime([_day(d) for d in gap["day"]])
        gap["text"] = [fmt.signed_quantity(v) for v in gap["estimate"]]
        gap["band_text"] = [fmt.signed_number_range(lo, hi) for lo, hi in zip(gap["low"], gap["high"], strict=True)]
    return series, gap


def market_chart(verdict: CriterionVerdict) -> alt.VConcatChart | alt.Chart:
    """Top: the test markets against their synthetic control, band and start; below: the gap added up."""
    market = verdict.market
    label = metric_label(verdict.metric)
    title = f"{label} per day: {test_name(market or {})} against a synthetic control"
    if not market or not market.get("series"):
        return common.caption(title, verdict.sentence or common.NO_RESULTS)
    frames = _frames(market, verdict.kind, label)
    series, gap = inline(frames[0]), inline(frames[1])
    start = _day(market["start"])
    lines = {"domain": [TEST, SYNTHETIC], "range": [PILOT, REFERENCE]}
    colour = field("line:N", title=None, legend={"orient": "top-left", "direction": "horizontal"}, scale=lines)
    x = common.day_x()
    y_title = f"{label} per day ({test_name(market)})"
    band, synthetic = common.reference_with_band(
        series,
        y=field("low:Q", title=y_title, scale={"zero": False}, axis={"format": ",.4~s"}),
        band_title="Synthetic control's band",
        line="synthetic",
        legend=SYNTHETIC,
        names=("synthetic_band", "synthetic_line"),
        opacity=0.2,
    )
    observed = view(
        series,
        mark("line", strokeWidth=2),
        {
            "x": x,
            "y": field("observed:Q"),
            "color": colour,
            "tooltip": [
                common.day_tooltip(),
                field("observed_text:N", title=TEST),
                field("synthetic_text:N", title=SYNTHETIC),
            ],
        },
        name="test_markets_line",
    )
    rule = common.vertical_rule(start, f"Test starts {fmt.fmt_date(start)}", name="test_start", label_left=True)
    lift = market["relative_lift"]
    status = verdict_status_label(verdict.status).lower()
    subtitle = [
        f"{fmt.signed_pct(lift['estimate'])} against the synthetic control "
        f"({fmt.level(verdict.required_confidence)} interval {fmt.signed_pct_range(lift['low'], lift['high'])}) "
        f"— {status}.",
        *textwrap.wrap(weights_sentence(market), 100),
    ]
    top = alt.layer(band, synthetic, observed, rule, width=common.WIDTH, height=common.HEIGHT, name="market_top")
    if frames[1].empty:
        return alt.vconcat(top, title=common.title(title, subtitle=subtitle))
    inc = market["incremental"]
    gap_title = f"Extra {metric_label(verdict.metric, in_sentence=True)} since the start"
    gap_band = view(
        gap,
        mark("area", opacity=0.2, color=EFFECT),
        {
            "x": x,
            "y": field("low:Q", title=gap_title, axis={"format": ",.4~s"}),
            "y2": field("high"),
            "tooltip": [common.day_tooltip(), field("band_text:N", title="Band")],
        },
        name="gap_band",
    )
    gap_line = view(
        gap,
        mark("line", strokeWidth=2, color=EFFECT, point=True),
        {
            "x": x,
            "y": field("estimate:Q"),
            "tooltip": [common.day_tooltip(), field("text:N", title="Extra so far")],
        },
        name="gap_line",
    )
    zero = common.horizontal_rule(0.0, "no effect", name="gap_zero", tooltip_title="Reference")
    bottom = alt.layer(
        gap_band,
        gap_line,
        zero,
        width=common.WIDTH,
        height=common.SMALL_HEIGHT,
        name="market_gap",
        title=common.title(
            f"The gap added up: {fmt.signed_quantity(inc['estimate'])} "
            f"({fmt.signed_number_range(inc['low'], inc['high'])}) over {fmt.number(market['test_days'])} test days"
        ),
    )
    return alt.vconcat(top, bottom, spacing=18, title=common.title(title, subtitle=subtitle))
