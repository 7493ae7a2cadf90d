"""Log results: a day's figures per arm and metric, corrections with history."""

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st

from lib import formatting as fmt
from lib.adapter import conflicts
from lib.adapter.cached import loggable_pilots
from lib.adapter.market_grid import market_grid
from lib.adapter.money import spend_note
from lib.adapter.session import Keys, actor, can_write, form_key, read, save, show_flash, show_invalid
from lib.adapter.unit_grid import unit_grid_editor
from lib.adapter.widgets import file_slug, plain, read_only_note, table
from lib.formatting import fmt_date
from lib.importer import LAYOUTS, ImportFileError, ImportMapping, MetricMapping, file_checksum, read_sample
from lib.infra.inputs import FieldError, InvalidInput
from lib.services import entry_saves, grid_sheets, import_batches, pilots, results
from lib.services.conflicts import Overwrite, StaleWrite
from lib.services.grid_cells import marked_rows, read_grid, text_rows
from lib.services.grid_sheets import entry_fields
from lib.services.manual_entry import display_value, form_rows
from lib.services.market_import import market_note
from lib.vocabulary import metric_label

#: where a market test's Log results would offer day x arm entry: what to use instead, and why
MARKET_ENTRY = (
    "No day × arm entry for a market test: the verdict reads each market's days against the synthetic control. "
    "Type them in the grid above, or import a file with a market and a date column (**Import a file**); "
    "the day × arm totals under **Logged so far** follow from them."
)


def _col(value: str, none: str) -> str | None:
    return None if value == none else value


def _column_pickers(layout: str, kind: str, names: tuple[str, str]) -> list[tuple[str, str, str]]:
    """Which file columns a metric needs, as (mapping attribute, label, key suffix); a rate's in its own names."""
    if layout == "events":
        return [("column", "Column (0/1 or amount)", "col")]
    if kind == "proportion":
        return [("conversions_column", plain(names[1]), "conv"), ("exposures_column", plain(names[0]), "exp")]
    if kind == "mean":
        return [("n_column", "Units (n)", "n"), ("sum_column", "Sum", "sum"), ("sum_sq_column", "Sum of squares", "sq")]
    return [("column", "Value", "val")]


def _marked_table(rows: list[dict], labels: list[str]) -> str:
    """The grid's rows that hold a bad cell, as typed, each bad cell marked in red: the problems in place."""

    def cell(value: object) -> str:
        text = plain(value)  # a typed "|" is escaped too: it cannot break the table
        return f":red-background[**{text}**]" if str(value).startswith("⚠") else text

    head = ["Day", "Arm", *labels]
    lines = [
        "The rows that hold them, as typed, each bad cell marked ⚠:",
        "",
        "| " + " | ".join(plain(h) for h in head) + " |",
        "|" + "---|" * len(head),
    ]
    for row in rows:
        day = row.get("Day")
        shown = [fmt_date(day) if isinstance(day, date) else plain(day), *(cell(row.get(k, "")) for k in head[1:])]
        lines.append("| " + " | ".join(shown) + " |")
    return "\n".join(lines)


st.title(":material/edit_note: Log results", anchor=False)
st.caption(
    "Log what happened, per day (or week) and arm. A save stores every row or none; "
    "a correction keeps the old value in history."
)
show_flash()

rows = loggable_pilots()  # kept per workspace version

if not rows:
    st.info(
        "No pilot has criteria yet, so there is nothing to log against. Create a pilot with at least one "
        "criterion on the **Pilots** page — or load the demo from **Home**.",
        icon=":material/edit_note:",
    )
    st.stop()

names = {r.id: r.name for r in rows}
preferred = [r.id for r in rows if r.status == "running"] or list(names)
pilot_id = st.selectbox("Pilot", list(names), format_func=names.get, index=list(names).index(preferred[0]))
with read() as session:
    pilot = pilots.get_pilot(session, pilot_id)
    kinds = pilots.metric_kinds(session, pilot_id)
    names = grid_sheets.names_for(session, pilot_id)
    sheet_of = {sh.key: sh for sh in grid_sheets.sheets_for(session, pilot_id, kinds)}
    entries = results.current_entries(session, pilot_id)
    hist = results.history(session, pilot_id)

if pilot.design == "market":
    st.caption(plain(market_note(pilot)))
elif pilot.design == "before_after":
    st.caption(
        f"Before/after: log baseline days ({fmt_date(pilot.baseline_start)} – {fmt_date(pilot.baseline_end)}) "
        f"and pilot days ({fmt_date(pilot.start_date)} onwards) the same way; the date tells them apart."
    )

slug = file_slug(pilot.name, f"pilot-{pilot_id}")
logging = results.logging_window(pilot)
first_day, last_day = logging.first, logging.shown_until(date.today())
if can_write():
    market = pilot.design == "market"  # logged per market and day: the verdict reads markets, not day x arm sums
    if market:
        tab_grid, tab_file = st.tabs(["Grid (market × day)", "Import a file"])
        with tab_grid:  # rows are market x day (lib/adapter/market_grid.py)
            market_grid(pilot, kinds)
            st.caption(MARKET_ENTRY)
    else:
        tab_grid, tab_day, tab_file = st.tabs(["Grid (add, correct, clear)", "Enter one day", "Import a file"])

    if not market:  # day x arm: one form per day, or a grid of days
        with tab_grid:
            g1, g2 = st.columns([1, 2])
            chosen = g1.selectbox(
                "Metric",
                list(sheet_of),
                format_func=lambda k: sheet_of[k].title,
                help="Rates counted over the same thing (reply and unsubscribe rate, both per email sent) share one "
                "grid: their common count is typed once.",
            )
            spend_note(chosen)  # spend: money a day per arm, in the workspace's currency
            default_from = max(first_day or last_day - timedelta(days=13), last_day - timedelta(days=13))
            per_unit = bool(pilot.unit)  # stores split between the arms: a row per store
            window = (
                None
                if per_unit
                else g2.date_input(
                    "Days shown",
                    value=(default_from, last_day),
                    format="YYYY-MM-DD",
                    help="Pick a range; every day × arm in it gets a row, logged or not.",
                )
            )
            if per_unit:  # judged per store: a row per store, with its market and its value from before
                unit_grid_editor(pilot_id, pilot.unit, sheet_of[chosen], last_day, first_day)
            elif isinstance(window, tuple) and len(window) == 2:
                days = [window[0] + timedelta(days=i) for i in range((window[1] - window[0]).days + 1)][:120]
                metrics: tuple[str, ...] = sheet_of[chosen].metrics

                def _read_grid(metrics: tuple[str, ...]) -> entry_saves.Grid:
                    with read() as session:
                        return entry_saves.grid_for(session, pilot_id, metrics, days)

                if len(metrics) > 1:
                    split = _read_grid(metrics).disagree
                    if split:  # the logged figures differ: one column cannot show both, so each metric on its own
                        shown_split = "\n".join(f"- {plain(d)}" for d in split[:5])
                        st.info(
                            f"**{plain(sheet_of[chosen].shared)} differs between these metrics on {len(split)} row(s)**, "
                            f"so for these days each metric gets its own grid:\n\n{shown_split}",
                            icon=":material/call_split:",
                        )
                        one = st.selectbox("Which metric", metrics, format_func=metric_label)
                        metrics = (one,)
                grid_name = "+".join(metrics)
                grid_base = Keys.grid(pilot_id, grid_name, window[0], window[1])
                grid_key = form_key(grid_base)
                # what the grid showed when the person started typing: held while edits wait, current otherwise
                grid = conflicts.opened(
                    grid_key, grid_key, lambda: _read_grid(metrics), editing=conflicts.editing(grid_key)
                )
                # text cells, read back with the importer's reader: a number editor dropped letters ("3O0" → 30)
                frame = pd.DataFrame(text_rows(grid.labels, grid.rows))
                fields = grid.fields
                edited = st.data_editor(
                    frame,
                    hide_index=True,
                    width="stretch",
                    num_rows="fixed",
                    key=grid_key,
                    disabled=["Day", "Arm"],
                    column_config={
                        "Day": st.column_config.DateColumn(format="ddd D MMM YYYY"),
                        **{
                            label: st.column_config.TextColumn(
                                label,
                                help=f"{plain(fields[label].help)} Written as in an export: 1,234.5 or 1.234,5 both work.",
                            )
                            for label in grid.labels
                        },
                    },
                )
                typed = edited.to_dict("records")
                checked = read_grid(grid.labels, grid.rows, typed)
                if not checked.ok:  # every bad cell at once, and marked in its row; what was typed stays in the grid
                    listed = "\n".join(f"- {plain(p)}" for p in checked.problems)
                    st.error(
                        f"**{len(checked.problems)} cell(s) are not numbers: nothing is saved until they are fixed.**"
                        f"\n\n{listed}",
                        icon=":material/warning:",
                    )
                    st.markdown(_marked_table(marked_rows(typed, checked.problems), grid.labels))
                pending = conflicts.edited_rows(grid_key)
                if pending:
                    st.caption(
                        f"{pending} row(s) changed, not saved yet. Save grid stores them, each checked against what "
                        "is logged now: a row a colleague changed since you started is not overwritten."
                    )
                reason = st.text_input(
                    "Why (for corrections and cleared values)",
                    key=Keys.grid_reason(grid_key),
                    placeholder="e.g. the export was re-run with late conversions",
                )
                saving = st.button("Save grid", type="primary", key=Keys.grid_save(pilot_id))
                if saving and not checked.ok:
                    st.error(
                        "Nothing was saved: correct the cells marked above the button first.", icon=":material/block:"
                    )
                elif saving:
                    shown_rows, typed_rows = grid.rows, checked.rows

                    def _over(session, over: Overwrite, metrics: tuple[str, ...] = metrics):  # bound now: runs later
                        # the refused rows only: the others are saved
                        shown, mine = entry_saves.clash_rows(over.clashes)
                        return entry_saves.save_grid(session, pilot_id, metrics, shown, mine, actor(), over=over)

                    def _saved(done: entry_saves.GridSaved) -> str:
                        if done.refused:  # the rows nobody else touched are saved; these wait for a choice
                            conflicts.refuse(grid_base, StaleWrite(done.refused), over=_over, reset=grid_base)
                        return done.message

                    conflicts.save(
                        grid_base,
                        lambda session: entry_saves.save_grid(
                            session, pilot_id, metrics, shown_rows, typed_rows, actor(), reason
                        ),
                        _saved,
                        reset=grid_base,
                        over=_over,
                    )
                conflicts.choices(grid_base)
            else:
                st.caption("Pick the last day of the range too.")

        day_base = Keys.log_day(pilot_id)
        day_form = form_key(day_base)
        opened_at = conflicts.seen(day_base, datetime.now(UTC))  # when the page was last drawn before the click
        with tab_day, st.form(day_form):
            day = st.date_input("Day", value=logging.shown_until(date.today()), format="YYYY-MM-DD")
            form_values: dict[tuple[str, str], dict] = {}
            lone: list[tuple[str, str]] = []  # (arm, problem): a shared count typed alone, refused on Save
            labelled = {metric: entry_fields(kind, names[metric], metric) for metric, kind in kinds.items()}
            for sh in sheet_of.values():  # rates that share a count type it once here too
                st.markdown(f"**{plain(sh.title)}**")
                for arm in pilot.arm_list:
                    cols = st.columns([1, *[2] * len(sh.columns)])
                    cols[0].markdown(plain(arm))
                    typed_day = {
                        c.label: col.number_input(
                            f"{plain(c.label)} · {plain(arm)} · {plain(' + '.join(dict.fromkeys(m for m, _ in c.feeds)))}",
                            value=None,
                            help=plain(c.help),
                            step=1.0 if c.whole else 0.01,
                            format="%g",
                            key=Keys.day_field(day_form, sh.key, arm, c.label),
                        )
                        for c, col in zip(sh.columns, cols[1:], strict=True)
                    }
                    parts, problem = grid_sheets.form_parts(sh, typed_day)
                    form_values.update({(m, arm): v for m, v in parts.items()})
                    if problem:
                        lone.append((arm, problem))
            if st.form_submit_button("Save day", type="primary", key=Keys.submit(day_form)):

                def _day_rows(leave_out=(), typed=(day, form_values), lone=tuple(lone)) -> list[dict]:  # bound now
                    if lone:
                        raise InvalidInput([FieldError(f"{fmt_date(typed[0])} · {arm}", text) for arm, text in lone])
                    rows = form_rows(kinds, *typed, labelled)
                    return [r for r in rows if (r["day"], r["arm"], r["metric"]) not in leave_out]

                conflicts.save(
                    day_base,
                    lambda session: entry_saves.save_day(session, pilot_id, _day_rows(), actor(), opened_at=opened_at),
                    lambda saved: f"Saved {saved} value(s) for {fmt_date(day)}.",
                    reset=day_base,
                    over=lambda session, over: entry_saves.save_day(
                        session, pilot_id, _day_rows(), actor(), opened_at=opened_at, over=over
                    ),
                    keep=lambda session, refusal: entry_saves.save_day(
                        session, pilot_id, _day_rows(set(refusal.keys)), actor(), opened_at=opened_at
                    ),
                )
        with tab_day:
            conflicts.choices(day_base)

    with tab_file:
        st.caption(
            "CSV (comma, semicolon or tab; UTF-8 or Latin-1) or Excel .xlsx. Either one row per day and arm "
            "(aggregated), or one row per person/order with an arm column (events). Nothing is saved until you "
            "confirm the preview; an import can be undone as a whole."
        )
        upload = st.file_uploader(
            "Export file", type=["csv", "tsv", "txt", "xlsx"], key=Keys.upload(pilot_id, "upload")
        )
        if upload is not None:
            try:
                sample = read_sample(upload, upload.name)
                with read() as session:
                    suggested = import_batches.mapping_for(session, pilot_id, sample)
            except ImportFileError as exc:
                st.error(plain(exc), icon=":material/warning:")
            else:
                ff = sample.format
                st.caption(
                    f"Read as {ff.kind.upper()}"
                    + (
                        f", {ff.encoding}, delimiter {plain(repr(ff.delimiter))}, decimal {plain(repr(ff.decimal))}"
                        if ff.kind == "csv"
                        else f", sheet {plain(repr(ff.sheet))}"
                    )
                    + f" · {sample.size_bytes:,} bytes · columns: {plain(', '.join(sample.columns))}"
                )
                table(pd.DataFrame(sample.rows[:5], columns=sample.columns), hide_index=True)
                none = "— none —"
                cols = [none, *sample.columns]
                pick = lambda label, current, key, **kw: st.selectbox(  # noqa: E731
                    label,
                    cols,
                    index=cols.index(current) if current in cols else 0,
                    key=Keys.upload(pilot_id, key),
                    **kw,
                )
                m1, m2, m3, m4 = st.columns(4)
                layout = m1.radio(
                    "Layout",
                    LAYOUTS,
                    index=LAYOUTS.index(suggested.layout),
                    key=Keys.upload(pilot_id, "layout"),
                    format_func={"aggregated": "One row per day and arm", "events": "One row per person/order"}.get,
                )
                arm_col = m2.selectbox(
                    "Arm column",
                    cols,
                    key=Keys.upload(pilot_id, "armcol"),
                    index=cols.index(suggested.arm_column) if suggested.arm_column in cols else 0,
                    help="Leave at none for a single-arm pilot (before/after, target).",
                )
                arm_values = (
                    sorted({str(r[cols.index(arm_col) - 1]).strip() for r in sample.rows}) if arm_col != none else []
                )
                control = m3.selectbox(
                    "Control value",
                    [none, *arm_values],
                    key=Keys.upload(pilot_id, "control"),
                    index=(
                        [none, *arm_values].index(suggested.control_value)
                        if suggested.control_value in arm_values
                        else 0
                    ),
                )
                date_col = pick("Date column", suggested.date_column, "datecol", help="None: all rows count for today.")
                u1, u2, u3 = st.columns(3)
                unit_col = u1.selectbox(
                    "Market column" if pilot.design == "market" else "Unit column (stores, markets)",
                    cols,
                    index=cols.index(suggested.unit_column) if suggested.unit_column in cols else 0,
                    key=Keys.upload(pilot_id, "unitcol"),
                    help="When the arms split stores or markets, not people: the id on each row. A unit's rows "
                    "become one value, and the verdict counts units.",
                )
                strata_col = u2.selectbox(
                    "Strata column (market, region)",
                    cols,
                    index=cols.index(suggested.strata_column) if suggested.strata_column in cols else 0,
                    key=Keys.upload(pilot_id, "stratacol"),
                    help="What each unit belongs to: the difference is adjusted for it (post-stratified).",
                )
                before_col = u3.selectbox(
                    "Before column (last month's sales)",
                    cols,
                    index=cols.index(suggested.before_column) if suggested.before_column in cols else 0,
                    key=Keys.upload(pilot_id, "beforecol"),
                    help="Each unit's value from before the pilot: the difference is adjusted for it.",
                )
                by_name = {mm.name: mm for mm in suggested.metrics}
                metrics = []
                for metric_name, kind in kinds.items():
                    sm = by_name.get(metric_name) or MetricMapping(name=metric_name, kind=kind)  # type: ignore[arg-type]
                    mm = MetricMapping(name=metric_name, kind=kind)  # type: ignore[arg-type]
                    cells = st.columns(4)
                    cells[0].markdown(f"**{plain(metric_label(metric_name))}**  \n*{kind}*")
                    for cell, (attr, label, short) in zip(
                        cells[1:], _column_pickers(layout, kind, names[metric_name]), strict=False
                    ):
                        current = getattr(sm, attr)
                        chosen = cell.selectbox(
                            label,
                            cols,
                            key=Keys.mapping(pilot_id, metric_name, short),
                            index=cols.index(current) if current in cols else 0,
                        )
                        setattr(mm, attr, _col(chosen, none))
                    if any(mm.roles(layout).values()):
                        metrics.append(mm)
                mapping = ImportMapping(
                    layout=layout,
                    arm_column=_col(arm_col, none),
                    control_value=_col(control, none),
                    date_column=_col(date_col, none),
                    metrics=metrics,
                    unit_column=_col(unit_col, none),
                    strata_column=_col(strata_col, none),
                    before_column=_col(before_col, none),
                )
                with read() as session:
                    left_out = [metric_label(k) for k in import_batches.unmapped_metrics(session, pilot_id, mapping)]
                partial_ok = True
                if left_out:
                    partial_ok = st.checkbox(
                        f"Import without {plain(', '.join(left_out))}: this file leaves "
                        f"{'it' if len(left_out) == 1 else 'them'} unmapped, so the pilot gets no values for "
                        f"{'it' if len(left_out) == 1 else 'them'} from it",
                        key=Keys.upload(pilot_id, "partial_ok"),
                    )
                replace = st.checkbox(
                    "Replace it: if this exact file was imported before, undo that import and import the file again",
                    key=Keys.upload(pilot_id, "replace"),
                )
                read_as = (upload.name, repr(mapping), replace)  # what a preview was made from
                if st.button("Preview import", key=Keys.upload(pilot_id, "preview")):
                    bar = st.progress(0.0, text="Reading the file…")
                    try:
                        checksum = file_checksum(upload)
                        with read() as session:
                            replacing = import_batches.check_duplicate(session, pilot_id, checksum, replace)
                            result = import_batches.preview_for_pilot(
                                session,
                                pilot_id,
                                upload,
                                mapping,
                                name=upload.name,
                                replacing=replacing,
                                on_progress=lambda f: bar.progress(min(f, 1.0), text=f"Reading the file… {f:.0%}"),
                            )
                    except InvalidInput as exc:
                        show_invalid(exc, "This file cannot be imported.")
                    except ImportFileError as exc:
                        st.error(plain(exc), icon=":material/warning:")
                    else:
                        st.session_state[Keys.import_preview(pilot_id)] = (checksum, replace, result, read_as)
                    bar.empty()
                held = st.session_state.get(Keys.import_preview(pilot_id))
                if held and (held[2].file_name != upload.name or held[3] != read_as):  # never a stale preview
                    st.session_state.pop(Keys.import_preview(pilot_id), None)
                    st.info(
                        "The mapping or the file changed since the last preview, so that preview is gone: "
                        "**Preview import** again to see what would be saved.",
                        icon=":material/refresh:",
                    )
                    held = None
                if held:
                    checksum, replace_ok, result, _ = held
                    st.markdown(
                        f"**Preview** · layout *{result.layout}* (looks like *{result.detected_layout}*) · "
                        f"{result.row_count:,} rows · {fmt_date(result.first_day)} – {fmt_date(result.last_day)}"
                    )
                    for note in result.notes:
                        st.caption(plain(note))
                    if replace_ok:
                        with read() as session:
                            keep = import_batches.corrections_to_keep(session, pilot_id, checksum)
                        if keep:
                            st.info(
                                f"{keep:,} value(s) of the earlier import were corrected or cleared by hand since. "
                                "Replacing keeps those corrections: each is re-applied on top of the file's value, "
                                "and history keeps both.",
                                icon=":material/history:",
                            )
                    table(
                        pd.DataFrame(
                            [
                                {
                                    "Metric": metric_label(t.metric),
                                    "Arm": t.arm,
                                    "n": fmt.number(t.n),
                                    "Total": fmt.quantity(t.total),
                                    "Value": fmt.pct(t.value) if t.kind == "proportion" else fmt.quantity(t.value),
                                    "Days": t.days,
                                    "Rows": fmt.number(t.rows),
                                }
                                for t in result.arm_totals
                            ]
                        ),
                        hide_index=True,
                    )
                    if not result.ok:
                        st.error(
                            f"**{result.problem_count:,} problem(s): nothing will be saved until they are fixed.**",
                            icon=":material/warning:",
                        )
                        table(
                            pd.DataFrame(
                                [{"Row": p.row, "Column": p.column, "Problem": p.message} for p in result.problems]
                            ),
                            download="import-problems.csv",
                            hide_index=True,
                            width="stretch",
                        )
                    else:
                        if not partial_ok:  # said as text: a reason only on hover is never read
                            st.caption(
                                ":material/block: The import is off until every metric is mapped, "
                                "or you confirm above that some stay out of this file."
                            )
                        if st.button(
                            f"Import {len(result.observations):,} values",
                            type="primary",
                            key=Keys.upload(pilot_id, "commit"),
                            disabled=not partial_ok,
                        ):

                            def _imported(outcome) -> str:
                                st.session_state.pop(Keys.import_preview(pilot_id), None)
                                return (
                                    f"Imported {outcome.entries:,} values from “{plain(result.file_name)}” "
                                    f"(batch #{outcome.batch.id}). {outcome.note}"
                                ).strip()

                            save(
                                lambda session: import_batches.commit_import(
                                    session, pilot_id, result, checksum=checksum, actor=actor(), replace=replace_ok
                                ),
                                _imported,
                            )

        with read() as session:
            batches = import_batches.list_batches(session, pilot_id)
        if batches:
            st.markdown("**Imports into this pilot**")
            for b in batches:
                c1, c2 = st.columns([5, 1])
                state = f"undone {fmt_date(b.undone_at.date())} by {plain(b.undone_by)}" if b.undone_at else "live"
                c1.markdown(
                    f"#{b.id} · {plain(b.file_name)} · {b.row_count:,} rows → {b.entry_count:,} values · "
                    f"{fmt_date(b.created_at.date())} by {plain(b.created_by)} · *{state}*"
                )
                if b.undone_at:
                    continue
                confirm = c2.popover("Undo…")
                confirm.caption(f"Take back all {b.entry_count:,} values of import #{b.id}? They stay in history.")
                if confirm.button(f"Undo import #{b.id}", key=Keys.undo_import(b.id), type="primary"):
                    save(
                        lambda session, batch_id=b.id: import_batches.undo_batch(
                            session, batch_id, actor(), "undone from the Log results page"
                        ),
                        lambda n, batch_id=b.id: (
                            f"Import #{batch_id} undone: {n:,} values taken back (kept in history)."
                        ),
                    )
else:
    read_only_note("log, correct or import results")


st.subheader("Logged so far")
if not entries:
    st.caption("Nothing logged for this pilot yet.")
else:
    logged = pd.DataFrame(
        [
            {
                "Day": e.day,
                "Arm": e.arm,
                "Metric": metric_label(e.metric),
                "Value": display_value(kinds.get(e.metric, "count"), e),
                "Source": e.source,
                "By": e.created_by,
            }
            for e in entries
        ]
    )
    table(
        logged.sort_values("Day", ascending=False),
        download=f"{slug}-results-logged.csv",
        hide_index=True,
        width="stretch",
        column_config={"Day": st.column_config.DateColumn(format="D MMM YYYY")},
    )


st.subheader("History of corrections")
if not hist:
    st.caption("No corrections or deletions: every value is as first logged.")
else:
    table(
        pd.DataFrame(
            [
                {
                    "When": h.at,
                    "Who": h.actor,
                    "What": h.action,
                    "Day": fmt_date(date.fromisoformat(h.day)) if h.day else "—",
                    "Arm": h.arm,
                    "Metric": metric_label(h.metric),
                    "Before": h.before,
                    "After": h.after,
                    "Why": h.reason,
                }
                for h in hist
            ]
        ),
        download=f"{slug}-corrections.csv",
        hide_index=True,
        width="stretch",
        column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")},
    )
