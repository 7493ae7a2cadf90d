"""The designer's market-test planner: a per-market history in, the picker's ranked designs out.

Planning writes nothing (viewers may plan too). The picker runs only when asked
(it takes a few seconds on 40 markets) and its answer is cached per file and inputs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.adapter.keys import Keys
from lib.adapter.widgets import plain, table
from lib.importer import read_sample
from lib.importer.market_rows import read_market_rows
from lib.services import market_plan

UPLOAD, EXAMPLE = "upload", "example"
LENGTHS = [7, 10, 14, 15, 21, 28, 30, 42]
GUESSES = {
    "market": ("market", "city", "region", "geo", "location", "dma", "store", "area"),
    "date": ("date", "day", "week", "time"),
    "metric": ("orders", "sales", "conversions", "revenue", "kpi", "y", "units", "value"),
}


@st.cache_data(max_entries=8, show_spinner=False)
def _columns(data: bytes, name: str) -> list[str]:
    return list(read_sample(data, name).columns)


@st.cache_data(max_entries=8, show_spinner=False)
def _markets(data: bytes, name: str, market: str, day: str, metric: str) -> list[str]:
    rows = read_market_rows(data, name, market_column=market, date_column=day, metric_column=metric).rows
    return sorted({m for m, _, _ in rows})


@st.cache_data(max_entries=8, show_spinner="Trying each design on past windows…")
def _plan(
    data: bytes,
    name: str,
    columns: tuple[str, str, str],
    effect: float,
    days: tuple[int, ...],
    tests: tuple[str, ...],
    cost: float | None,
) -> market_plan.MarketPlan:
    return market_plan.plan_markets(
        data,
        name,
        market_column=columns[0],
        date_column=columns[1],
        metric_column=columns[2],
        effect=effect,
        days=days,
        test_markets=tests,
        cost_per_extra=cost,
    )


def _guess(columns: list[str], role: str) -> int:
    folded = [c.strip().casefold() for c in columns]
    for word in GUESSES[role]:
        for i, c in enumerate(folded):
            if c == word or c.startswith(word):
                return i
    return min({"market": 0, "date": 1, "metric": 2}[role], len(columns) - 1)


def market_planner() -> None:
    """Upload a history (or take the example), map its columns, set the lift and lengths, rank or check."""
    st.caption(
        "For pilots that cannot split people: a billboard in two cities, a radio flight in one region. "
        "The test markets are compared with a synthetic control, a weighted mix of the other markets that "
        "tracked them before the start. Give a history with one row per market and day (or week), and the "
        "lift you hope for: each design is tried on past days the fit did not see."
    )
    source = st.radio(
        "History",
        [UPLOAD, EXAMPLE],
        format_func=lambda s: "Upload a file" if s == UPLOAD else "Example: 40 cities, 90 days of orders",
        horizontal=True,
        key=Keys.plan("market", "source"),
    )
    if source == UPLOAD:
        upload = st.file_uploader(
            "Per-market history (CSV or Excel)", type=["csv", "txt", "tsv", "xlsx"], key=Keys.plan("market", "file")
        )
        if upload is None:
            st.caption(
                "No file yet. Export daily KPI per market from your analytics or sales system: a market column, "
                "a date column and the KPI, e.g. `city, day, orders`. Three months of history plan a test of up "
                "to six weeks."
            )
            return
        data, name = upload.getvalue(), upload.name
    else:
        data, name = market_plan.example_history_csv(), "example_cities.csv"
    try:
        columns = _columns(data, name)
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    c1, c2, c3 = st.columns(3)
    market = c1.selectbox(
        "Market column", columns, index=_guess(columns, "market"), key=Keys.plan("market", "mcol", name)
    )
    day = c2.selectbox("Date column", columns, index=_guess(columns, "date"), key=Keys.plan("market", "dcol", name))
    metric = c3.selectbox("KPI column", columns, index=_guess(columns, "metric"), key=Keys.plan("market", "kcol", name))
    d1, d2, d3 = st.columns(3)
    effect = d1.number_input(
        "Lift to detect (%)", min_value=0.5, max_value=200.0, value=10.0, step=1.0, key=Keys.plan("market", "effect")
    )
    lengths = d2.multiselect(
        "Test lengths (days)", LENGTHS, default=[15], key=Keys.plan("market", "days"), help="One look a day."
    )
    cost = d3.number_input(
        "Cost per extra conversion (optional)",
        min_value=0.0,
        value=None,
        key=Keys.plan("market", "cost"),
        placeholder="e.g. 20",
        help="Adds the budget: cost x the extra KPI the lift brings over the test.",
    )
    try:
        markets = _markets(data, name, market, day, metric)
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    tests = st.multiselect(
        "Check markets you already picked (optional)",
        markets,
        key=Keys.plan("market", "tests", name),
        help="Leave empty to let the picker search; pick markets to see what they can detect, and in how long.",
    )
    label = "Check these markets" if tests else "Rank designs"
    inputs = (name, market, day, metric, effect, tuple(lengths), tuple(tests), cost)
    if st.button(label, key=Keys.plan("market", "run"), disabled=not lengths, icon=":material/travel_explore:"):
        st.session_state[Keys.plan("market", "asked")] = inputs
    if st.session_state.get(Keys.plan("market", "asked")) != inputs:
        if not lengths:
            st.caption("Choose at least one test length.")
        return
    try:
        plan = _plan(data, name, (market, day, metric), effect / 100.0, tuple(lengths), tuple(tests), cost)
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    lines = market_plan.summary_lines(plan)
    st.markdown(plain(lines[0]))
    table(pd.DataFrame(market_plan.table_rows(plan)), hide_index=True, download="market_designs.csv")
    for text in lines[1:]:
        st.caption(plain(text))
