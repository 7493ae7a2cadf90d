"""Log results: a day's figures per arm and metric, corrections with history."""

from datetime import date

import pandas as pd
import streamlit as st

from lib import pilots, results
from lib.criteria import metric_label
from lib.formatting import fmt_date
from lib.inputs import InvalidInput
from lib.manual_entry import FIELDS, display_value, from_entry, to_row
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

with st.form(form_key(f"log_day_{pilot_id}")):
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
                                         key=f"{form_key(f'log_day_{pilot_id}')}_{metric}_{arm}_{f.name}", label_visibility="visible")
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

    with st.expander("Correct or delete a value"):
        by_id = {e.id: e for e in entries}
        eid = st.selectbox("Value", list(by_id), index=len(by_id) - 1,
                           format_func=lambda i: f"{fmt_date(by_id[i].day)} · {by_id[i].arm} · "
                                                 f"{metric_label(by_id[i].metric)} = "
                                                 f"{display_value(kinds.get(by_id[i].metric, 'count'), by_id[i])}")
        entry = by_id[eid]
        kind = kinds.get(entry.metric, "count")
        prefill = from_entry(kind, entry)
        with st.form(f"correct_{eid}"):
            cols = st.columns(len(FIELDS[kind]))
            vals = {f.name: c.number_input(f.label, value=float(prefill[f.name]), format="%g")
                    for f, c in zip(FIELDS[kind], cols, strict=True)}
            reason = st.text_input("Why", placeholder="Typo: the export was re-run")
            b1, b2 = st.columns(2)
            do_fix = b1.form_submit_button("Save correction", type="primary")
            do_delete = b2.form_submit_button("Delete this value")
        if do_fix or do_delete:
            try:
                with write() as session:
                    if do_delete:
                        results.delete_result(session, eid, actor(), reason)
                    else:
                        row = to_row(kind, entry.metric, entry.arm, entry.day, vals) or {}
                        results.correct_result(session, eid, actor(), reason,
                                               **{k: row[k] for k in ("n", "total", "total_sq") if k in row})
            except InvalidInput as exc:
                show_invalid(exc)
            else:
                flash("Value deleted (kept in history)." if do_delete else "Correction saved; the old value is in history.")
                st.rerun()

st.subheader("History of corrections")
if not hist:
    st.caption("No corrections or deletions: every value is as first logged.")
else:
    st.dataframe(pd.DataFrame([{"When": h.at, "Who": h.actor, "What": h.action, "Day": h.day, "Arm": h.arm,
                                "Metric": metric_label(h.metric), "Before": h.before, "After": h.after,
                                "Why": h.reason} for h in hist]),
                 hide_index=True, width="stretch",
                 column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})
