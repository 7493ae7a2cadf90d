"""Widgets several pages share: tables, the verdict banner, the goal roll-up, downloads and share links."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st
from sqlmodel import Session

from lib.adapter import conflicts, wire
from lib.adapter.cached import per_workspace, portfolio_overview
from lib.adapter.keys import Keys
from lib.adapter.session import actor, can_write, deferred, form_key, read, save
from lib.plain_text import plain_markdown as plain  # what a person typed, shown as typed: never Markdown or links
from lib.vocabulary import RECOMMENDATION_LABELS


def table(frame: pd.DataFrame, *, download: str | None = None, **kwargs) -> None:
    """A read-only table, cells as typed; ``download`` names its CSV, whose formula cells ``safe_csv``
    neutralises (Streamlit's own export wrote ``=HYPERLINK(…)`` live, so config.toml turns it off)."""
    from lib.report import safe_csv

    st.dataframe(wire.arrow_of(frame), **kwargs)  # a frame a cache holds is converted on its first run only
    if download:
        st.download_button(
            "CSV",
            lambda: safe_csv(frame),
            download,
            "text/csv",
            key=f"csv_{download}",
            type="tertiary",
            icon=":material/download:",
            on_click="ignore",
            help="This table as a CSV file; a cell that a spreadsheet would run as a formula starts with '.",
        )


def titled_chart(chart, *, key: str | None = None) -> None:
    """A chart (a kept spec, or an Altair chart) with its title and subtitle written as wrapping text above it:
    drawn by Vega-Lite, a long title over a subtitle of several lines was cut at the top of the chart."""
    from lib.charts.common import split_title

    heading, subtitle, bare = split_title(wire.chart_spec(chart))
    if heading:
        st.markdown(f"**{plain(heading)}**")
    if subtitle:
        st.caption(plain(" ".join(subtitle)))
    st.vega_lite_chart(bare, theme=None, width="content", key=key)


def show_recommendation(ev, title: str = "") -> None:
    """The verdict banner in its colour, with its reasons (escaped); ``title`` replaces "Recommendation: …"."""
    show, icon = {
        "scale": (st.success, ":material/check_circle:"),
        "abort": (st.error, ":material/cancel:"),
        "iterate": (st.warning, ":material/autorenew:"),
    }.get(ev.recommendation, (st.info, ":material/hourglass_top:"))
    rec = RECOMMENDATION_LABELS.get(ev.recommendation, ev.recommendation).lower()
    words = f"**{plain(title)}**" if title else f"Recommendation: **{rec}**"
    show(f"{icon} {words}\n\n" + "\n".join(f"- {plain(r)}" for r in ev.reasons))


def show_rollup(*, compact: bool = False) -> None:
    """Company → marketing → team: each goal's KPI and target, the pilots serving it with their verdicts,
    and what the scaled ones are projected to add (Home and Goals). The text is built once per workspace."""
    from lib.adapter.money import spend_by_pilot
    from lib.services import rollup

    goals = per_workspace(
        f"rollup {date.today()}", lambda s: rollup.goal_texts(s, portfolio_overview(), plain, spend_by_pilot())
    )
    st.subheader("Pilots serving each goal")
    st.caption(
        "Projected contribution = the effect measured when the pilot was scaled × the volume it is planned to "
        "run at (set on the pilot, “If scaled: units a month”). **It is a projection**, with the range the "
        "interval gives, not a measured result."
    )
    # one element for the whole tree (a paragraph per goal): a page run's cost grows with its elements
    if shown := [text for serving, text in goals if serving or not compact]:
        st.markdown("\n\n".join(shown))


def read_only_note(what: str) -> None:
    who = actor()
    if who.role == "share":
        return
    st.info(
        f"You are signed in as a viewer, so this page is read only: ask an editor to {what}, or to add "
        "you to the editors list.",
        icon=":material/visibility:",
    )


def file_slug(name: str, fallback: str) -> str:
    """A file name from a typed name: letters and digits kept, every other character a dash."""
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or fallback


def pilot_downloads(pilot_id: int, name: str, main_chart, key: str) -> None:
    """The report, the main chart, the results and the decision log, in one menu drawn only while open: four
    download buttons cost every run of Review and the Pilot page a millisecond before anyone wanted a file."""
    from lib.report import chart_png, safe_csv
    from lib.services import reporting

    menu = st.popover(
        "Download the report, the chart or the data",
        icon=":material/download:",
        key=Keys.opened(key),
        on_change="rerun",
    )
    if not menu.open:
        return
    slug = file_slug(name, f"pilot-{pilot_id}")
    files = (  # label, the file made on its click, name, type, key, icon, help
        ("Report (HTML)", deferred(reporting.pilot_html, pilot_id), "report.html", "text/html", "html",
         ":material/description:", "A self-contained file that opens anywhere, offline, with its charts."),
        ("Chart (PNG)", lambda: chart_png(wire.with_rows(main_chart)), "chart.png", "image/png", "png",
         ":material/image:", None),
        ("Results (CSV)", deferred(lambda s, p: safe_csv(reporting.results_table(s, p)), pilot_id), "results.csv",
         "text/csv", "csv", ":material/table:", None),
        ("Decision log (CSV)", deferred(lambda s, p: safe_csv(reporting.decision_log_frame(s, p)), pilot_id),
         "decisions.csv", "text/csv", "log", ":material/history:", None),
    )  # fmt: skip
    for label, data, file_name, mime, suffix, icon, help_text in files:  # stacked, full width: a menu of files
        menu.download_button(
            label, data, f"{slug}-{file_name}", mime, key=f"{key}_{suffix}", icon=icon, on_click="ignore",
            width="stretch", help=help_text,
        )  # fmt: skip


def _revoke(session: Session, link_id: int) -> None:
    from lib.services import share

    share.revoke(session, link_id, actor(), shown_active=True)  # its Revoke button showed it active


def share_links(*, pilot_id: int | None = None, goal_id: int | None = None, blurb: str) -> None:
    """Read-only links to a pilot's or a goal's report: create (the full link shown once), list, revoke.

    A pilot's link may be pinned to one of its recorded decisions (the numbers frozen then).
    """
    from lib.formatting import fmt_date
    from lib.services import decisions, share

    key = Keys.share(pilot_id, goal_id)
    created = st.session_state.pop(f"{key}_new", None)
    # drawn only while open (opening it reruns the page): closed, it cost every run two queries and a form
    # its state is its key's (one who creates a link has it open); a changing ``expanded`` would reset it
    box = st.expander("Share a read-only link", icon=":material/share:", key=Keys.opened(key), on_change="rerun")
    if not (box.open or created):
        return
    with read() as session:
        links = share.list_links(session, pilot_id=pilot_id, goal_id=goal_id)
        pinnable = (
            {r.decision.id: r.decision for r in decisions.list_decisions(session, pilot_id)}
            if pilot_id is not None
            else {}
        )
    with box:
        if created:
            st.success("Link created. Copy it now: it is shown only this once.", icon=":material/link:")
            st.code(created, language=None, wrap_lines=True)
        st.caption(blurb)
        if can_write():
            with st.form(form_key(key)):
                c1, c2, c3 = st.columns([1, 2, 2])
                days = c1.number_input(
                    "Expires after (days)",
                    min_value=1,
                    max_value=share.MAX_EXPIRY_DAYS,
                    value=None,
                    step=1,
                    placeholder="never",
                )
                label = c2.text_input("Label", max_chars=share.LABEL_MAX, placeholder="e.g. Sales leadership")
                pin = None
                if pinnable:
                    pin = c3.selectbox(
                        "Numbers shown",
                        [None, *pinnable],
                        format_func=lambda d: (
                            "Today's (live)"
                            if d is None
                            else f"Frozen at the decision of "
                            f"{fmt_date(pinnable[d].decided_at.date())} ({pinnable[d].outcome})"
                        ),
                    )
                if st.form_submit_button("Create link", type="primary"):

                    def _created(made: tuple) -> None:
                        st.session_state[f"{key}_new"] = share.share_url(
                            st.context.url, made[1], st.get_option("server.baseUrlPath")
                        )

                    save(
                        lambda session: share.create_link(
                            session,
                            actor=actor(),
                            pilot_id=pilot_id,
                            goal_id=goal_id,
                            expires_days=days,
                            label=label,
                            decision_id=pin,
                        ),
                        _created,
                        reset=key,
                    )
        if not links:
            st.caption("No links yet.")
        for row in links:
            link = row.link
            c1, c2 = st.columns([6, 1], vertical_alignment="center")
            c1.markdown(
                f"**{share.plain_markdown(link.label) or f'Link #{link.id}'}** · "
                f"{share.STATUS_LABELS[row.status]}{' · pinned to a decision' if link.decision_id else ''}  \n"
                f"Created {fmt_date(link.created_at.date())} by {share.plain_markdown(link.created_by)} · "
                f"expires {share.expiry_text(link)} · opened {row.opens} time{'s' if row.opens != 1 else ''}"
            )
            if row.active and can_write() and c2.button("Revoke", key=f"{key}_revoke_{link.id}"):
                conflicts.save(
                    key,
                    partial(_revoke, link_id=link.id or 0),
                    f"Link #{link.id} revoked: it no longer opens anything.",
                )
        conflicts.choices(key)  # a colleague who revoked a link first is named, with a Reload
