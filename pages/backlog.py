"""Backlog: pilot ideas in MoSCoW order, reordered by hand, promoted to planned pilots — and each team's room."""

import pandas as pd
import streamlit as st

from lib.adapter import conflicts
from lib.adapter.session import actor, can_write, form_key, read, save, show_flash
from lib.adapter.widgets import plain, read_only_note, table
from lib.formatting import fmt_date, number
from lib.services import backlog, goals, pilots
from lib.vocabulary import CHANNELS, DESIGN_LABELS, DESIGNS, PRIORITIES, PRIORITY_LABELS


def _weeks(weeks: float) -> str:
    shown = number(weeks, 0)
    return f"{shown} week" if shown == "1" else f"{shown} weeks"


st.title(":material/list_alt: Backlog", anchor=False)
st.caption(
    "Ideas waiting for a slot, in **MoSCoW** order: **Must** have, **Should** have, **Could** have, "
    "**Won't** (this time). Within a priority, the team's own order. Promote an idea when it is next: "
    "it becomes a planned pilot whose criteria you then write on the **Pilots** page."
)
show_flash()

with read() as session:
    waiting = backlog.ideas(session)
    loads = backlog.team_loads(session)
    goal_names = {n.goal.id: n.goal.name for n in goals.goal_tree(session)}

st.subheader("Each team's room")
if not loads:
    st.caption("No team has running or waiting pilots yet.")
else:
    table(
        pd.DataFrame(
            [
                {
                    "Team": t.team,
                    "Running": t.running,
                    "Waiting": t.waiting,
                    "Pilots at once": t.pilots_at_once,
                    "Committed pilot-weeks": number(t.committed_weeks, 1),
                    "Backlog lasts": f"{_weeks(t.weeks)} (to {fmt_date(t.done_by(pd.Timestamp.today().date()))})",
                }
                for t in loads
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    for t in loads:
        if t.years_long:
            st.warning(
                f"{plain(t.team)}'s backlog is about {number(t.weeks / 52, 1)} years long at "
                f"{t.pilots_at_once} pilot(s) at once: drop the Could-haves, or run more pilots in parallel.",
                icon=":material/hourglass_bottom:",
            )
    st.caption(
        "Committed pilot-weeks: the weeks left of running pilots, plus every planned pilot and every Must or "
        f"Should idea (an idea without dates counts {backlog.DEFAULT_WEEKS} weeks), divided by the pilots the "
        "team runs at once."
    )
    if can_write():
        shown_caps = conflicts.seen("capacity", {t.team: t.pilots_at_once for t in loads})  # as the table showed
        with st.form(form_key("capacity")):
            c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
            team = c1.selectbox("Team", [t.team for t in loads if t.team != "(no team)"] or ["—"])
            at_once = c2.number_input("Pilots at once", 1, 50, 1, step=1)
            if c3.form_submit_button("Set capacity"):
                conflicts.save(
                    "capacity",
                    lambda session: backlog.set_capacity(
                        session, team, int(at_once), actor(), shown=shown_caps.get(team, 1)
                    ),
                    f"{team} runs {int(at_once)} pilot(s) at once.",
                    reset="capacity",
                )
        conflicts.choices("capacity")

st.subheader("Ideas and planned pilots")
if not waiting:
    st.info(
        "The backlog is empty. Add an idea below: a name, a team, a MoSCoW priority and the outcome you "
        "expect in one line.",
        icon=":material/lightbulb:",
    )
shown_order = conflicts.seen("backlog", [p.id for p in waiting])  # the order the person saw when they clicked
conflicts.choices("backlog")
for p in waiting:
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([6, 1, 1, 2], vertical_alignment="center")
        c1.markdown(
            f"**{plain(p.name)}** · {PRIORITY_LABELS.get(p.priority, p.priority)} · *{p.status}* · "
            f"{plain(p.team) or 'no team'} · {plain(goal_names.get(p.goal_id, 'no goal'))}  \n"
            f"{plain(p.expected_outcome) or '*No expected outcome written yet.*'}"
        )
        if can_write():
            for column, step, arrow, where in ((c2, -1, "up", "Earlier"), (c3, 1, "down", "Later")):
                if column.button(
                    "", key=f"{arrow}_{p.id}", icon=f":material/arrow_{arrow}ward:", help=f"{where} within its priority"
                ):
                    conflicts.save(
                        "backlog",
                        lambda session, pid=p.id, step=step: backlog.move(
                            session, pid, step, actor(), shown_order=shown_order
                        ),
                        None,
                    )
            if p.status == "idea" and c4.button("Promote", key=f"promote_{p.id}", icon=":material/upgrade:"):
                save(
                    lambda session, pid=p.id: backlog.promote(session, pid, actor()),
                    f"“{plain(p.name)}” is now a planned pilot: write its criteria on the Pilots page.",
                )

st.subheader("Add an idea")
if not can_write():
    read_only_note("add ideas to the backlog")
else:
    with st.form(form_key("new_idea")):
        name = st.text_input("Name", placeholder="Webinar follow-up with a case study")
        expected = st.text_input(
            "Expected outcome (one line)", placeholder="More demo requests from webinar attendees", max_chars=120
        )
        c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1.5, 1.2])  # the design's label reads whole
        team = c1.text_input("Team", value="")
        priority = c2.selectbox("Priority", PRIORITIES, index=1, format_func=PRIORITY_LABELS.get)
        channel = c3.selectbox("Channel", CHANNELS, format_func=str.capitalize)
        design = c4.selectbox("Design", DESIGNS, format_func=DESIGN_LABELS.get)
        goal_ids = [None, *goal_names]
        goal_id = c5.selectbox("Goal", goal_ids, format_func=lambda g: "— none —" if g is None else goal_names[g])
        if st.form_submit_button("Add to the backlog", type="primary"):
            save(
                lambda session: pilots.create_pilot(
                    session,
                    actor(),
                    name=name,
                    expected_outcome=expected,
                    team=team,
                    priority=priority,
                    channel=channel,
                    design=design,
                    goal_id=goal_id,
                    status="idea",
                ),
                f"Idea “{plain(name.strip())}” added.",
                reset="new_idea",
            )
