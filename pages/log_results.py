"""Log results: a day's figures per arm and metric, corrections with history."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from lib import pilots, results
from lib.criteria import metric_label
from lib.formatting import fmt_date
from lib.inputs import InvalidInput
from lib.manual_entry import FIELDS, display_value, grid_edits, grid_rows, to_row
from lib.st_adapter import actor, flash, form_key, read, reset_form, show_flash, show_invalid, write

st.title("📝 Log results")
st.caption("Log what happened, per day (or week) and arm. A save stores every row or none; "
           "a correction keeps the old value in history.")
show_flash()

with read() as session:
    rows = [r for r in pilots.list_pilots(session) if r.criteria_count]

if not rows:
    st.info("No pilot has criteria yet, so there is nothing to log against. Create a pilot with at least one "
            "criterion on the **Pilots** page — or load the demo from **Home**.", icon="📝")
    st.stop()

names = {r.pilot.id: r.pilot.name for r in rows}
preferred = [r.pilot.id for r in rows if r.pilot.status == "running"] or list(names)
pilot_id = st.selectbox("Pilot", list(names), format_func=names.get, index=list(names).index(preferred[0]))
with read() as session:
    pilot = pilots.get_pilot(session, pilot_id)
    kinds = pilots.metric_kinds(session, pilot_id)
    entries = results.current_entries(session, pilot_id)
    hist = results.history(session, pilot_id)

if pilot.design == "before_after":
    st.caption(f"Before/after: log baseline days ({fmt_date(pilot.baseline_start)} – {fmt_date(pilot.baseline_end)}) "
               f"and pilot days ({fmt_date(pilot.start_date)} onwards) the same way; the date tells them apart.")

first_day = pilot.baseline_start if pilot.design == "before_after" else pilot.start_date
last_day = min(date.today(), pilot.end_date) if pilot.end_date else date.today()
tab_grid, tab_day = st.tabs(["Grid (add, correct, clear)", "Enter one day"])

with tab_grid:
    g1, g2 = st.columns([1, 2])
    metric = g1.selectbox("Metric", list(kinds), format_func=metric_label)
    default_from = max(first_day or last_day - timedelta(days=13), last_day - timedelta(days=13))
    window = g2.date_input("Days shown", value=(default_from, last_day), format="YYYY-MM-DD",
                           help="Pick a range; every day × arm in it gets a row, logged or not.")
    if isinstance(window, tuple) and len(window) == 2:
        kind = kinds[metric]
        days = [window[0] + timedelta(days=i) for i in range((window[1] - window[0]).days + 1)][:120]
        by_key = {(e.day, e.arm): e for e in entries if e.metric == metric}
        original = grid_rows(kind, pilot.arm_list, days, by_key)
        edited = st.data_editor(
            pd.DataFrame(original), hide_index=True, width="stretch", num_rows="fixed",
            key=f"grid_{pilot_id}_{metric}_{window[0]}_{window[1]}",
            disabled=["Day", "Arm"],
            column_config={"Day": st.column_config.DateColumn(format="ddd D MMM YYYY"),
                           **{f.label: st.column_config.NumberColumn(f.label, help=f.help, min_value=None,
                                                                     step=1 if f.whole else 0.01)
                              for f in FIELDS[kind]}})
        reason = st.text_input("Why (for corrections and cleared values)", key=f"grid_reason_{pilot_id}",
                               placeholder="e.g. the export was re-run with late conversions")
        if st.button("Save grid", type="primary", key=f"grid_save_{pilot_id}"):
            edits = grid_edits(kind, metric, original, edited.to_dict("records"), by_key)
            try:
                if not edits:
                    raise InvalidInput.one("grid", "nothing changed: type new figures or correct a value first.")
                with write() as session:
                    done = results.apply_grid(session, pilot_id, edits, actor(), reason)
            except InvalidInput as exc:
                show_invalid(exc)
            else:
                flash(f"Saved: {done['added']} added, {done['corrected']} corrected, {done['deleted']} cleared. "
                      "Earlier values are kept in history.")
                st.rerun()
    else:
        st.caption("Pick the last day of the range too.")

with tab_day, st.form(form_key(f"log_day_{pilot_id}")):
    day = st.date_input("Day", value=min(date.today(), pilot.end_date) if pilot.end_date else date.today(),
                        format="YYYY-MM-DD")
    form_values: dict[tuple[str, str], dict] = {}
    for metric, kind in kinds.items():
        st.markdown(f"**{metric_label(metric)}**")
        for arm in pilot.arm_list:
            cols = st.columns([1, *[2] * len(FIELDS[kind])])
            cols[0].markdown(f"`{arm}`")
            form_values[(metric, arm)] = {
                f.name: col.number_input(f"{f.label} · {arm} · {metric}", value=None, help=f.help,
                                         step=1.0 if f.whole else 0.01, format="%g",
                                         key=f"{form_key(f'log_day_{pilot_id}')}_{metric}_{arm}_{f.name}")
                for f, col in zip(FIELDS[kind], cols[1:], strict=True)
            }
    if st.form_submit_button("Save day", type="primary"):
        new_rows = [r for (m, a), v in form_values.items() if (r := to_row(kinds[m], m, a, day, v))]
        try:
            if not new_rows:
                raise InvalidInput.one("rows", "every field is empty: enter the day's figures first.")
            with write() as session:
                saved = results.log_results(session, pilot_id, new_rows, actor())
        except InvalidInput as exc:
            show_invalid(exc)
        else:
            flash(f"Saved {len(saved)} value(s) for {fmt_date(day)}.")
            reset_form(f"log_day_{pilot_id}")
            st.rerun()

st.subheader("Logged so far")
if not entries:
    st.caption("Nothing logged for this pilot yet.")
else:
    table = pd.DataFrame([{"Day": e.day, "Arm": e.arm, "Metric": metric_label(e.metric),
                           "Value": display_value(kinds.get(e.metric, "count"), e), "Source": e.source,
                           "By": e.created_by} for e in entries])
    st.dataframe(table.sort_values("Day", ascending=False), hide_index=True, width="stretch",
                 column_config={"Day": st.column_config.DateColumn(format="D MMM YYYY")})


st.subheader("History of corrections")
if not hist:
    st.caption("No corrections or deletions: every value is as first logged.")
else:
    st.dataframe(pd.DataFrame([{"When": h.at, "Who": h.actor, "What": h.action, "Day": h.day, "Arm": h.arm,
                                "Metric": metric_label(h.metric), "Before": h.before, "After": h.after,
                                "Why": h.reason} for h in hist]),
                 hide_index=True, width="stretch",
                 column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})
