"""Home: the portfolio at a glance, or a one-click demo on an empty workspace."""

import pandas as pd
import streamlit as st

from lib import decisions, demo
from lib.evaluation import evaluate_all
from lib.formatting import fmt_date
from lib.inputs import DESIGN_LABELS, InvalidInput
from lib.models import PRIORITIES, PRIORITY_LABELS
from lib.st_adapter import actor, can_write, flash, read, read_only_note, show_flash, show_invalid, write

RECOMMENDATION_LABELS = {
    "scale": "🟢 Scale",
    "iterate": "🟡 Iterate",
    "keep_running": "⏳ Keep running",
    "abort": "🔴 Abort",
}

st.title("🟢 Greenlight")
st.caption(
    "Run small marketing pilots against success criteria agreed up front, "
    "let the numbers say how sure we can be, and decide: scale, iterate or abort."
)
show_flash()

with read() as session:
    empty = demo.is_empty(session)
    portfolio = [] if empty else evaluate_all(session)
    latest = {}
    for row in reversed(decisions.list_decisions(session)):  # oldest first, so the newest wins
        latest[row.decision.pilot_id] = row.decision.outcome

if empty:
    st.subheader("Welcome — your workspace is empty")
    st.markdown(
        "Greenlight follows one loop:\n"
        "1. **Goal** — a shared KPI the company cares about (revenue, qualified leads), not a channel metric.\n"
        "2. **Pilot** — a small test with success criteria written *before* it starts.\n"
        "3. **Log results** — daily or weekly counts, by hand or from an export.\n"
        "4. **Review** — the stats layer says how sure we can be; the lead decides and the numbers are frozen.\n"
    )
    left, right = st.columns(2)
    with left:
        if not can_write():
            read_only_note("load the demo or create the first goal")
        elif st.button(
            "Load demo workspace",
            type="primary",
            icon="✨",
            help="3 goals, 8 pilots across email, social, paid and web, 4–8 weeks of results.",
        ):
            bar = st.progress(0.0, text="Creating goals…")
            try:
                with write() as session:
                    summary = demo.load_demo(
                        session, on_progress=lambda f, msg: bar.progress(f, text=msg), actor=actor()
                    )
            except InvalidInput as exc:
                show_invalid(exc)
            else:
                flash(
                    f"Demo loaded: {summary.pilots} pilots, {summary.entries:,} result rows, "
                    f"{summary.decisions} decisions. Open **Review** to see the verdicts."
                )
                st.rerun()
    with right:
        st.page_link("pages/goals.py", label="Or start with your first goal", icon="🎯")
    st.stop()

running = [p for p, _ in portfolio if p.status == "running"]
ready = [p for p, e in portfolio if p.status == "running" and e.recommendation != "keep_running"]
decided = [p for p, _ in portfolio if p.status == "decided"]
c1, c2, c3, c4 = st.columns(4)
c1.metric("Pilots running", len(running))
c2.metric("Ready for a decision", len(ready), help="Running pilots whose numbers already call scale, iterate or abort.")
c3.metric("Decided", len(decided))
c4.metric("In the backlog", sum(p.status in ("idea", "planned") for p, _ in portfolio))

st.subheader("Backlog and portfolio")
st.caption("One prioritised list (MoSCoW). The recommendation comes from the criteria agreed before each pilot.")
order = {p: i for i, p in enumerate(PRIORITIES)}
rows = []
for pilot, ev in sorted(portfolio, key=lambda pe: (order.get(pe[0].priority, 9), pe[0].name)):
    primary = next((v for v in ev.verdicts if v.role == "primary"), None)
    rows.append(
        {
            "Pilot": pilot.name,
            "Priority": PRIORITY_LABELS.get(pilot.priority, pilot.priority),
            "Status": pilot.status.capitalize(),
            "Channel": pilot.channel.capitalize(),
            "Design": DESIGN_LABELS.get(pilot.design, pilot.design),
            "Ends": fmt_date(pilot.end_date) if pilot.end_date else "—",
            "Recommendation": RECOMMENDATION_LABELS.get(ev.recommendation, ev.recommendation)
            if pilot.status == "running"
            else f"Decided: {latest.get(pilot.id, '—').capitalize()}"
            if pilot.status == "decided"
            else "Not started",
            "Primary result": primary.sentence if primary else ev.reasons[0] if ev.reasons else "",
        }
    )
st.dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    width="stretch",
    column_config={
        "Primary result": st.column_config.TextColumn(width="large"),
        "Pilot": st.column_config.TextColumn(width="medium"),
    },
)
st.page_link("pages/review.py", label="Open the review for any pilot", icon="⚖️")
