"""What a stakeholder's share link opens: that one report, read only, and nothing else.

``app.py`` runs only this page when the URL carries ``?share=``: no navigation,
no sidebar, no widget. Everything a person typed is shown as plain text.
"""

import logging
from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from lib.adapter import wire
from lib.adapter.cached import per_workspace
from lib.adapter.session import read, write
from lib.adapter.widgets import titled_chart
from lib.charts.market import WEIGHT_HEADERS, fit_text, left_out_text, weights_rows, weights_sentence
from lib.formatting import fmt_date
from lib.report import caveats
from lib.report.pilot_report import ANALYST_HEADERS, CRITERIA_HEADERS, SUMMARY_HEADERS, PilotReport
from lib.services import share, share_report
from lib.vocabulary import OUTCOME_LABELS, recommendation_label

UNAVAILABLE = "This report cannot be shown right now. Please try again later."

md = share.plain_markdown


def table(rows: list[tuple], headers: tuple[str, ...]) -> None:
    """A static table, every cell shown as plain text (st.table reads Markdown, so each cell is escaped)."""
    st.table(
        pd.DataFrame([[md(cell) for cell in row] for row in rows], columns=[md(h) for h in headers]), hide_index=True
    )


def bullets(lines: list[str]) -> None:
    lines = [line for line in lines if line]
    if lines:
        st.markdown("\n".join(f"- {md(line)}" for line in lines))


def pilot_section(report, key: str, *, heading=st.title, frozen: bool = False) -> None:
    """One pilot's report, as the file lays it out: the headline (a decision with who, when and why, else the
    recommendation), the decision, the numbers in words, caveats, charts, then the statistics for analysts."""
    heading(md(report.title))
    when = f"numbers as of {fmt_date(report.as_of)}" if report.as_of else "numbers as of the latest results"
    rules = f" · decision rules {report.method_version}" if report.method_version else ""
    st.caption(("Frozen at the decision · " if frozen else "Pilot report · ") + when + rules)
    if report.hypothesis:
        st.markdown(f"**Hypothesis:** {md(report.hypothesis)}")
    if report.money:  # does it pay: leads when spend is logged, the projection labelled as one
        sentence, *projection = report.money
        st.markdown(f"**Does it pay?** {md(sentence)}")
        for line in projection:
            st.caption(md(line))
    lead = report.opening
    st.markdown(f"#### {md(lead.text)}")
    bullets(list(lead.lines))
    st.markdown("#### Decision")
    d = report.decision
    if d is None:
        st.markdown("No decision recorded yet.")
    else:
        st.markdown(
            f"**{md(OUTCOME_LABELS.get(d.outcome, d.outcome))}** · decided by {md(d.decided_by or '—')} "
            f"on {fmt_date(d.decided_on)}"
        )
        st.markdown(f"**Why:** {md(d.rationale or '—')}")
        if d.overrode:
            st.markdown(
                f"**The numbers recommended {md(recommendation_label(d.recommendation).lower())}; "
                f"decided otherwise because:** {md(d.override_reason or 'no reason was recorded')}"
            )
    st.markdown("#### What the numbers say")
    bullets(report.sentences or [report.headline])
    if report.criteria:
        table([(r.metric, r.role, r.estimate, r.bounds, r.status) for r in report.criteria], CRITERIA_HEADERS)
    else:
        st.markdown("No success criteria are set.")
    if report.caveats:
        st.markdown("#### Caveats")
        bullets([caveats.text(c) for c in report.caveats])
    for i, (caption, chart) in enumerate(report.charts):
        st.caption(md(caption))
        titled_chart(chart, key=f"{key}_chart_{i}")  # the title wraps as text: drawn by Vega it was cut
    if report.market is not None:  # a market test: what its synthetic control is made of
        st.markdown("#### The synthetic control")
        bullets([weights_sentence(report.market) + ".", fit_text(report.market), left_out_text(report.market) or ""])
        table(weights_rows(report.market), WEIGHT_HEADERS)
    notes = [*report.analyst_notes, *report.notes]
    if report.criteria or notes:
        st.markdown("#### For analysts")
        if report.criteria:
            table([(r.metric, r.p_value, r.p_value_tests) for r in report.criteria], ANALYST_HEADERS)
        bullets(notes)


def show_pilot(view: share.SharedPilot) -> None:
    if view.pinned is not None:
        frozen = f"{view.frozen_at:%d %b %Y, %H:%M} UTC" if view.frozen_at else "the decision"
        st.info(
            f"This link is pinned to the decision recorded on {fmt_date(view.pinned.decided_at.date())}: "
            f"it shows the numbers frozen at that moment ({frozen}), not today's.",
            icon=":material/push_pin:",
        )
    pilot_section(view.report, "pilot", frozen=view.pinned is not None)


def show_goal(view: share.SharedGoal) -> None:
    st.title(md(view.title))
    st.caption("Goal report · the pilots serving this goal, with today's numbers")
    if view.kpi:
        st.markdown(md(view.kpi))
    if view.chart is not None:
        titled_chart(view.chart, key="goal_chart")
    if view.summary:
        table(
            [(s.pilot, s.recommendation, s.result, s.caveats or "—", s.decision) for s in view.summary], SUMMARY_HEADERS
        )
    else:
        st.markdown("No pilot under this goal is running or decided yet.")
    for i, report in enumerate(view.sections, start=1):
        st.divider()
        pilot_section(report, f"pilot_{i}", heading=st.header)


def _as_specs(report: PilotReport) -> PilotReport:
    """The report with its charts as kept specs (what ``st.altair_chart`` would send), made once."""
    return replace(report, charts=[(caption, wire.chart_spec(chart)) for caption, chart in report.charts])


def _report(target: share.ShareTarget) -> share.SharedPilot | share.SharedGoal:
    """The report, its charts as specs, built once per change to the workspace and day and shared by everyone who
    opens a link to it (a link sent to the whole board is opened by many at once). Keyed by what it shows, not
    by the link: the link itself is checked on every run."""

    def build(session) -> share.SharedPilot | share.SharedGoal:
        view = share_report.load_report(session, target)
        if isinstance(view, share.SharedPilot):
            return replace(view, report=_as_specs(view.report))
        chart = None if view.chart is None else wire.chart_spec(view.chart)
        return replace(view, chart=chart, sections=[_as_specs(r) for r in view.sections])

    shows = (target.scope, target.pilot_id, target.goal_id, target.decision_id)
    return per_workspace(f"share report {shows} {date.today()}", build)


log = logging.getLogger(__name__)
token = st.query_params.get(share.QUERY_KEY)
try:
    with read() as session:
        target = share.resolve(session, token)  # every run: a link revoked or expired since shows nothing
    view = _report(target) if target is not None else None
except Exception:  # noqa: BLE001 - a stakeholder sees no error details, no database, no trace
    log.exception("share link could not be shown")
    st.markdown(UNAVAILABLE)
    st.stop()
if target is not None and st.session_state.get("_share_opened") != target.link_id:
    try:  # once per visit: when, which link; nothing about who
        with write() as session:
            share.record_open(session, target)
        st.session_state["_share_opened"] = target.link_id
    except Exception:  # noqa: BLE001 - the report still shows; the server log says why the open was not counted
        log.exception("share link open could not be recorded")

if view is None:
    st.markdown(share.INVALID_LINK)
elif isinstance(view, share.SharedPilot):
    show_pilot(view)
else:
    show_goal(view)
if view is not None:
    st.caption("A read-only report shared from Greenlight. Text typed by people is shown exactly as typed.")
