"""The Pilots page's plan designer: the primary criterion's sample, updated as you type (writes nothing).

"Use this plan" fills the new pilot's form below it (``pages/pilots.py``): its design, the primary
criterion's kind, threshold, expected effect and confidence, and the sample per arm.
"""

from __future__ import annotations

import streamlit as st

from lib.adapter.keys import Keys
from lib.adapter.session import form_key, read
from lib.adapter.units import before_data_gain
from lib.formatting import number
from lib.plain_text import plain_markdown as plain  # what a person typed, shown as typed
from lib.services import past_pilots
from lib.services.designer import HELP as PLAN_HELP
from lib.services.designer import plan_from_form
from lib.vocabulary import CHANNEL_LABELS, CHANNELS, COMPARISON_LABELS, METRIC_KIND_LABELS

CONFIDENCES = [0.8, 0.9, 0.95, 0.99]
PLANNED_KEY = Keys.planned_n
COMPARE_ORDER = ("vs_control", "vs_target", "vs_baseline")  # the designer offers the commonest first
DESIGN_FOR = {"vs_control": "ab", "vs_target": "target", "vs_baseline": "before_after"}  # what a plan compares with


def _use_plan(decided: dict) -> None:
    """Everything the plan decided goes into the new pilot: design, the primary criterion's kind, threshold,
    expected effect and confidence (in the form's units, as the plan shows them), and the sample per arm."""
    form = form_key("new_pilot")
    st.session_state[PLANNED_KEY] = decided["n"]
    st.session_state[Keys.new_design] = decided["design"]
    for field in ("kind", "ttype", "threshold", "expected", "conf"):
        st.session_state[Keys.criterion(form, "primary", field)] = decided[field]
    st.session_state[Keys.plan("used")] = (decided["n"], form)


def _use_expected(key: str, value: float) -> None:
    st.session_state[key] = value


def plan_designer() -> None:
    """Plan the sample for the primary criterion; updates as you type (outside the form on purpose)."""
    st.caption(PLAN_HELP)
    a1, a2, a3 = st.columns(3)
    compare: str = a1.selectbox(
        "Compared with", list(COMPARE_ORDER), format_func=lambda c: COMPARISON_LABELS[c], key=Keys.plan("compare")
    )
    kind_options = ["proportion", "mean"] if compare != "vs_baseline" else ["count", "proportion", "mean"]
    kind: str = a2.selectbox(
        "Metric kind", kind_options, format_func=lambda k: METRIC_KIND_LABELS[k], key=Keys.plan("kind")
    )
    rate = kind == "proportion"
    ttype = "absolute"
    if compare != "vs_target":
        ttype = a3.selectbox(
            "Threshold is",
            ["absolute", "relative"],
            key=Keys.plan("ttype"),
            format_func=lambda t: "A difference" if t == "absolute" else "A lift in %",
        )
    pct = rate or ttype == "relative"
    b1, b2, b3, b4 = st.columns(4)
    baseline = sd = None
    if compare != "vs_target" or not rate:
        if rate:
            baseline = b1.number_input("Current rate (%)", 0.1, 99.0, 5.0, 0.5, key=Keys.plan("base"))
        else:
            baseline = b1.number_input("Current average", value=100.0, key=Keys.plan("base_mean"))
    if not rate:
        sd = b2.number_input(
            "Spread (standard deviation)",
            min_value=0.001,
            value=20.0,
            key=Keys.plan("sd"),
            help="Of one unit (one order, one visitor) — or of one day for daily counts and before/after.",
        )
    default_threshold = 8.0 if compare == "vs_target" and rate else (0.0 if compare != "vs_target" else 100.0)
    default_expected = 11.0 if compare == "vs_target" and rate else (1.0 if pct else 10.0)
    threshold = b3.number_input(
        f"Threshold{' (%)' if pct else ''} — minimum worth scaling",
        value=default_threshold,
        key=Keys.plan("threshold", compare, kind, ttype),
        format="%g",
    )
    expected_key = Keys.plan("expected", compare, kind, ttype)
    expected = b4.number_input(
        f"Expected{' (%)' if pct else ''}",
        value=default_expected,
        format="%g",
        key=expected_key,
    )
    h1, h2, h3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    history_channel = h1.selectbox(
        "Past pilots from",
        [None, *CHANNELS],
        format_func=lambda c: "any channel" if c is None else CHANNEL_LABELS[c],
        key=Keys.plan("history_channel"),
    )
    history_metric = h2.text_input("On the metric", placeholder="e.g. reply_rate", key=Keys.plan("history_metric"))
    with read() as session:
        hint = past_pilots.designer_hint(
            session,
            channel=history_channel,
            metric=history_metric,
            kind=kind,
            comparison=compare,
            threshold_type=ttype,
        )
    if hint is not None:
        h3.caption(f":material/history: {plain(hint.sentence)}")
        if hint.expected is not None:
            proposal = round(hint.expected, 2)
            h3.button(
                f"Use {proposal:g}{' %' if pct else ''} as the expected effect",
                on_click=_use_expected,
                args=(expected_key, proposal),
                key=Keys.plan("use_history"),
            )
    c1, c2, c3, c4 = st.columns(4)
    confidence = c1.selectbox(
        "Confidence", CONFIDENCES, index=2, format_func=lambda c: f"{c:.0%}", key=Keys.plan("conf")
    )
    power = c2.selectbox("Power", [0.7, 0.8, 0.9], index=1, format_func=lambda c: f"{c:.0%}", key=Keys.plan("power"))
    days = c3.number_input("Pilot length (days, one look a day)", 1, 365, 28, key=Keys.plan("days"))
    volume = c4.number_input(
        "People per arm per day (optional)",
        min_value=0.0,
        value=None,
        key=Keys.plan("volume"),
        placeholder="e.g. 250",
        help="Adds how long the plan takes and what it can detect.",
    )
    baseline_days = None
    if compare == "vs_baseline":
        baseline_days = st.number_input("Baseline days", 3, 365, 28, key=Keys.plan("baseline_days"))
    form = dict(
        comparison=compare,
        kind=kind,
        threshold_type=ttype,
        threshold=threshold,
        expected=expected,
        confidence=confidence,
        power=power,
        days=int(days),
        baseline=baseline,
        sd=sd,
        baseline_days=baseline_days,
    )
    try:
        summary = plan_from_form(**form, daily_volume=volume)  # type: ignore[arg-type]
    except ValueError as exc:
        st.error(f"Cannot plan this yet: {exc}", icon=":material/error:")
        return
    m1, m2 = st.columns([1, 3])
    m1.metric(f"Planned sample ({summary.unit_label})", number(summary.plan.n))
    m2.markdown(f"{summary.characteristics}  \n{summary.looks_cost}")
    if summary.detectable_text:
        st.markdown(summary.detectable_text)
    if summary.warning:
        st.warning(summary.warning, icon=":material/warning:")
    before_data_gain(form)
    decided = {
        "n": summary.plan.n,
        "design": DESIGN_FOR[compare],
        "kind": kind,
        "ttype": ttype,
        "threshold": float(threshold),
        "expected": float(expected),
        "conf": confidence,
    }
    if not summary.plan.unit_is_day:
        st.button(
            f"Use this plan in the new pilot: {METRIC_KIND_LABELS[kind].lower()}, threshold {threshold:g}"
            f"{' %' if pct else ''}, expected {expected:g}{' %' if pct else ''}, {number(summary.plan.n)} per arm",
            on_click=_use_plan,
            args=(decided,),
            key=Keys.plan("use"),
            type="primary",
        )
    else:
        st.caption("This plan counts days, not people: set the pilot's dates to its length.")
