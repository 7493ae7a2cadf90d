"""Learnings: every decided pilot, searchable — what the team already knows before it designs the next one."""

import pandas as pd
import streamlit as st

from lib import formatting as fmt
from lib.adapter.session import read
from lib.adapter.widgets import plain, table
from lib.services import learnings
from lib.vocabulary import CHANNEL_LABELS, DESIGN_LABELS, OUTCOME_DONE_LABELS, metric_label, recommendation_label

st.title(":material/local_library: Learnings", anchor=False)
st.caption(
    "Every decided pilot with what it measured, what was decided and why — numbers as they were frozen at the decision."
)

with read() as session:
    items = learnings.library(session)

if not items:
    st.info(
        "No decisions yet. When the review meeting records a decision on a pilot (scale, iterate, abort or "
        "extend), it lands here with its measured effect and the rationale, so the next pilot starts from it.",
        icon=":material/lightbulb:",
    )
    st.stop()

c1, c2, c3, c4, c5 = st.columns([2, 1, 1, 1, 1])
text = c1.text_input("Search", placeholder="e.g. subject line, webinar, discount", key="learn_text")
goals = c2.multiselect("Goal", sorted({x.goal for x in items if x.goal}), key="learn_goal")
channels = c3.multiselect(
    "Channel", sorted({x.channel for x in items}), format_func=lambda c: CHANNEL_LABELS.get(c, c), key="learn_ch"
)
designs = c4.multiselect(
    "Design", sorted({x.design for x in items}), format_func=lambda d: DESIGN_LABELS.get(d, d), key="learn_design"
)
outcomes = c5.multiselect(
    "Decision", list(OUTCOME_DONE_LABELS), format_func=OUTCOME_DONE_LABELS.get, key="learn_outcome"
)
found = learnings.search(
    items,
    learnings.LearningFilter(
        text=text, goals=tuple(goals), channels=tuple(channels), designs=tuple(designs), outcomes=tuple(outcomes)
    ),
)
st.caption(f"{len(found):,} of {len(items):,} decided pilots")
if not found:
    st.info("Nothing matches: clear a filter or search for fewer words.", icon=":material/search_off:")
    st.stop()
table(
    pd.DataFrame(
        [
            {
                "Pilot": x.pilot,
                "Decision": OUTCOME_DONE_LABELS.get(x.outcome, x.outcome),
                "Decided": x.decided_on,
                "Channel": CHANNEL_LABELS.get(x.channel, x.channel),
                "Design": DESIGN_LABELS.get(x.design, x.design),
                "Primary metric": metric_label(x.metric) if x.metric else "—",
                "Measured effect": fmt.effect(x.kind, x.interval_scale, x.effect),
                "Interval": fmt.effect_range(x.kind, x.interval_scale, *x.interval),
                "Goal": x.goal or "—",  # in the CSV; on screen written out in full below
                "Rationale": x.rationale,
                "Recommended then": recommendation_label(x.recommendation) if x.recommendation else "—",
            }
            for x in found
        ]
    ),
    download="learnings.csv",
    hide_index=True,
    width="stretch",
    column_config={
        "Decided": st.column_config.DateColumn(format="D MMM YYYY"),
        "Pilot": st.column_config.TextColumn(width="medium"),
        "Channel": None,  # in the CSV and the filters above: the table fits 1400 px
        "Design": None,
        "Goal": None,  # hidden here, shown in full below
        "Rationale": None,
    },
)
# goals and rationales are sentences: written out in full below, where a table cell would cut them off
st.markdown("**Why each was decided**")
for x in found:
    goal = f" · goal: {plain(x.goal)}" if x.goal else ""
    st.markdown(
        f"- **{plain(x.pilot)}** ({OUTCOME_DONE_LABELS.get(x.outcome, x.outcome).lower()}{goal}) — {plain(x.rationale) or '—'}"
    )
