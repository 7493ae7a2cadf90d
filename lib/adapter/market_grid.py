"""The Log results page's grid for a market test: rows are market x day, one value each (test markets first).

Its session-state keys start with ``market_grid`` and are made here, beside the only widgets that use them.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from lib import formatting as fmt
from lib.adapter.session import actor, read, save
from lib.infra.models import Pilot
from lib.plain_text import plain_markdown as plain
from lib.services import market_entry
from lib.services.results import logging_window
from lib.vocabulary import metric_label

ROLE_LABELS = {"test": "Test market", "control": "Control", "excluded": "Excluded"}


def _key(pilot_id: int, what: str) -> str:
    return f"market_grid_{what}_{pilot_id}"


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return float(value)  # type: ignore[arg-type]


def market_grid(pilot: Pilot, kinds: dict[str, str]) -> None:
    """Pick a count metric and the days; type, correct or clear each market's value; save them in one go."""
    pilot_id = pilot.id or 0
    counts = [m for m, k in kinds.items() if k == "count"]
    st.caption(
        "One row per market and day. Test markets come first; every other market is a control (excluded markets "
        "are logged but left out of the synthetic control). Clear a cell to remove a value; history keeps it."
    )
    if not counts:
        st.info(
            "The market grid logs daily counts or amounts (orders, sales). This pilot's metrics are rates or "
            "averages: import them from a file with one row per market and day.",
            icon=":material/table:",
        )
        return
    c1, c2, c3 = st.columns([2, 2, 1])
    metric = c1.selectbox("Metric", counts, format_func=metric_label, key=_key(pilot_id, "metric"))
    last_day = logging_window(pilot).shown_until(date.today())
    until = c2.date_input("Up to", value=last_day, max_value=last_day, format="YYYY-MM-DD", key=_key(pilot_id, "to"))
    span = c3.number_input("Days", 1, market_entry.MAX_DAYS, 7, key=_key(pilot_id, "days"))
    days = [until - timedelta(days=i) for i in range(int(span) - 1, -1, -1)]
    with read() as session:
        grid = market_entry.market_grid(session, pilot_id, metric, days)
    if not grid.markets:
        st.info(
            "No markets yet: import the market history first (Import a file, one row per market and day); "
            "the grid then lists every market for typing new days.",
            icon=":material/upload_file:",
        )
        return
    shown = {(m, d): grid.values.get((m, d)) for m in grid.markets for d in grid.days}
    frame = pd.DataFrame(
        [
            {"Market": m, "Role": ROLE_LABELS[grid.role(m)], "Day": d, metric_label(metric): shown[(m, d)]}
            for m in grid.markets
            for d in grid.days
        ]
    )
    edited = st.data_editor(
        frame,
        hide_index=True,
        disabled=["Market", "Role", "Day"],
        column_config={"Day": st.column_config.DateColumn(format="YYYY-MM-DD")},
        key=_key(pilot_id, f"editor_{metric}_{days[0]}_{days[-1]}"),
        width="stretch",
    )
    typed = {(str(r["Market"]), r["Day"]): _number(r[metric_label(metric)]) for r in edited.to_dict("records")}
    edits = {k: v for k, v in typed.items() if v != shown.get(k)}
    if edits:
        st.caption(f"{fmt.number(len(edits))} value(s) changed, not saved yet.")
    if st.button(
        f"Save {metric_label(metric, in_sentence=True)} by market",
        type="primary",
        disabled=not edits,
        key=_key(pilot_id, "save"),
    ):
        save(
            lambda session: market_entry.save_market_grid(session, pilot_id, actor(), metric, edits, shown),
            lambda n: f"Saved {fmt.number(n)} market value(s) for “{plain(pilot.name)}”.",
        )
