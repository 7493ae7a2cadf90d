"""Log results for a pilot that splits stores: one period typed per store, with its market and value from before."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib.adapter.keys import Keys
from lib.adapter.session import actor, form_key, plain, read, save
from lib.services import unit_grid
from lib.services.grid_sheets import Sheet


def unit_grid_editor(pilot_id: int, units: str, sheet: Sheet, last_day: date, first_day: date | None) -> None:
    """The period's day, then a row per store (known stores listed, new ones added at the bottom); Save stores
    the period as one batch of the stores' values and the arms' totals, or names every problem and saves nothing."""
    with read() as session:
        grid = unit_grid.unit_grid_for(session, pilot_id, sheet.metrics)
    one = grid.unit.lower()
    st.caption(
        f"This pilot splits {plain(units)} between the arms, so its verdict is per {plain(one)}: log a period "
        f"with a row per {plain(one)}. **{plain(grid.stratum)}** and **{plain(grid.before)}** are optional: "
        f"what each {plain(one)} belongs to and its value before the pilot, which the verdict adjusts for. "
        f"A {plain(one)} left without figures is not logged for this period. A saved period is undone as a "
        "whole from the list of imports on the **Import a file** tab."
    )
    day = st.date_input(
        "Period (the day, or the first day of the week)",
        value=last_day,
        min_value=first_day,
        format="YYYY-MM-DD",
        key=Keys.unit_grid(pilot_id, "day"),
    )
    base = Keys.unit_grid(pilot_id, sheet.key)
    frame = pd.DataFrame(grid.rows, columns=grid.columns)
    edited = st.data_editor(
        frame,
        hide_index=True,
        width="stretch",
        num_rows="dynamic",
        key=form_key(base),
        column_config={
            **{c: st.column_config.TextColumn(c) for c in grid.columns},
            grid.unit: st.column_config.TextColumn(
                grid.unit, required=True, help=f"The {one}'s id, as your data names it."
            ),
            grid.stratum: st.column_config.TextColumn(grid.stratum, help=f"Optional: the {one}'s market or region."),
            grid.before: st.column_config.TextColumn(
                grid.before, help=f"Optional: the {one}'s value before the pilot, e.g. last month's sales."
            ),
        },
    )
    if st.button(f"Save {plain(one)} values", type="primary", key=Keys.unit_grid(pilot_id, "save")):
        typed = edited.to_dict("records")
        save(
            lambda session: unit_grid.save_unit_grid(session, pilot_id, sheet.metrics, day, typed, actor()),
            lambda done: done.message,
            reset=base,
        )
