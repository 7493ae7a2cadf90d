"""Goals: the shared KPIs every pilot must serve, company -> marketing -> team."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from lib.adapter import conflicts, wire
from lib.adapter.cached import per_workspace, portfolio_overview
from lib.adapter.session import Keys, actor, can_write, form_key, read, save, show_flash
from lib.adapter.widgets import plain, read_only_note, share_links, show_rollup, table
from lib.formatting import number
from lib.services import goal_progress, goals
from lib.vocabulary import GOAL_LEVEL_LABELS, GOAL_LEVELS

st.title(":material/flag: Goals", anchor=False)
st.caption(
    "Tie every pilot to a shared goal and KPI: company goal → marketing goal → team goal, "
    "each with a measurement (e.g. “100 new visits a month to the site from social”)."
)
show_flash()

with read() as session:
    tree = goals.goal_tree(session)

if not tree:
    st.info(
        "No goals yet. Start with the company goal everyone pulls on (e.g. “Grow new-customer revenue 20%”), "
        "then the marketing goal under it, then a team goal with a KPI your pilots can move.",
        icon=":material/lightbulb:",
    )
else:
    table(
        pd.DataFrame(
            [
                {
                    "Goal": "\u2003" * n.depth + ("↳ " if n.depth else "") + n.goal.name,
                    "Level": GOAL_LEVEL_LABELS[n.goal.level],
                    "KPI": n.goal.kpi_name,
                    "Target": f"{number(n.goal.target_value)} {n.goal.kpi_unit}".strip()
                    if n.goal.target_value is not None
                    else "—",
                    "Period": n.goal.period or "—",
                    "Pilots": n.pilot_count,
                }
                for n in tree
            ]
        ),
        download="goals.csv",
        hide_index=True,
        width="stretch",
    )
    st.subheader("Progress toward each target")
    st.caption(
        "The KPI's actual per period, as logged below, against the goal's target; the projection adds only "
        "scaled pilots that count in the goal's own unit, and says why the others cannot be added."
    )

    def _progress(session) -> list:
        """Each goal's progress and its chart, drawn once per change to the workspace and shared."""
        drawn = goal_progress.goal_progress(session, portfolio_overview(), plain)
        return [(gp, wire.chart_spec(goal_progress.chart_for(gp)) if gp.actuals else None) for gp in drawn]

    for gp, spec in per_workspace(f"goal progress drawn {date.today()}", _progress):
        with st.container(border=True):
            st.markdown(f"**{plain(gp.name)}**  \n{gp.sentence}  \n{gp.projection_sentence}")
            if spec is not None:
                st.vega_lite_chart(spec, theme=None, width="content", key=f"goal_chart_{gp.goal_id}")
    show_rollup()

by_id = {n.goal.id: n.goal for n in tree}


def goal_form(key: str, current=None) -> None:
    """One form for create and edit, so both validate the same way."""
    parents = [None, *by_id]
    with st.form(form_key(key)):
        name = st.text_input(
            "Name", value=current.name if current else "", placeholder="400 sales-qualified leads a quarter"
        )
        c1, c2 = st.columns(2)
        default_level = current.level if current else ("team" if by_id else "company")
        level = c1.selectbox(
            "Level",
            GOAL_LEVELS,
            index=GOAL_LEVELS.index(default_level),
            format_func=GOAL_LEVEL_LABELS.get,
            help="Company goals stand alone; marketing and team goals sit under the goal they serve.",
        )
        options = [p for p in parents if p != (current.id if current else -1)]
        if current:
            default_parent = current.parent_id
        else:  # a new team goal most often serves the marketing goal
            default_parent = next((g.id for g in reversed(list(by_id.values())) if g.level == "marketing"), None)
        parent = c2.selectbox(
            "Parent goal",
            options,
            index=options.index(default_parent),
            format_func=lambda gid: "— none (top level) —" if gid is None else by_id[gid].name,
        )
        c3, c4, c5, c6 = st.columns(4)
        kpi = c3.text_input("KPI", value=current.kpi_name if current else "", placeholder="Sales-qualified leads")
        unit = c4.text_input("Unit", value=current.kpi_unit if current else "", placeholder="SQLs/quarter")
        target = c5.number_input(
            "Target", value=current.target_value if current else None, min_value=None, placeholder="400"
        )
        period = c6.text_input("Period", value=current.period if current else "", placeholder="2026-Q4")
        description = st.text_area("Why it matters", value=current.description if current else "", height=68)
        if st.form_submit_button(
            "Save goal" if current else "Create goal", type="primary", key=Keys.submit(form_key(key))
        ):
            values = dict(
                name=name,
                level=level,
                parent_id=parent,
                kpi_name=kpi,
                kpi_unit=unit,
                target_value=target,
                period=period,
                description=description,
            )
            if not current:
                save(
                    lambda session: goals.create_goal(session, actor(), **values),
                    f"Goal “{plain(name.strip())}” saved.",
                    reset=key,
                )
                return
            shown = goals.form_basis(current)  # what the form showed: only the fields changed here are saved
            conflicts.save(
                key,
                lambda session: goals.update_goal(session, current.id, actor(), shown=shown, **values),
                f"Goal “{plain(name.strip())}” saved.",
                reset=key,
                over=lambda session, over, typed=values: goals.update_goal(
                    session, current.id, actor(), shown=shown, over=over, **typed
                ),
                keep=lambda session, refusal, typed=values: goals.update_goal(
                    session, current.id, actor(), shown=refusal.rebased(shown), **refusal.theirs_kept(typed)
                ),
            )


def actual_form(goal_id: int) -> None:
    """Log what the goal's KPI came to for one period; the same period again keeps the old value as history."""
    goal = by_id[goal_id]
    with st.form(form_key(Keys.goal_actual(goal_id))):
        c1, c2, c3 = st.columns([2, 2, 3])
        last_month_end = date.today().replace(day=1) - timedelta(days=1)
        period_end = c1.date_input(
            "Period ending",
            value=last_month_end,
            format="YYYY-MM-DD",
            help="The last day of the period the value covers (a month, a quarter: as the goal's unit counts).",
        )
        value = c2.text_input(
            f"Actual ({plain(goal.kpi_unit)})" if goal.kpi_unit else "Actual",
            placeholder="e.g. 344",
            help="A number, as the KPI counts it: 1,234.5 and 1.234,5 both read.",
        )
        note = c3.text_input("Note (optional)", placeholder="Where the figure comes from")
        if st.form_submit_button("Log actual", type="primary"):
            save(
                lambda session: goal_progress.log_actual(
                    session, goal_id, actor(), period_end=period_end, value=value, note=note
                ),
                f"Actual logged for “{plain(goal.name)}”.",
                reset=Keys.goal_actual(goal_id),
            )


if can_write():
    tab_new, tab_edit, tab_actual = st.tabs(["New goal", "Edit a goal", "Log an actual"])
    with tab_actual:
        if not by_id:
            st.caption("Create a goal first.")
        else:
            aid = st.selectbox("Goal", list(by_id), format_func=lambda g: by_id[g].name, key="actual_goal")
            actual_form(aid)
    with tab_new:
        goal_form("new_goal")
    with tab_edit:
        if not by_id:
            st.caption("Create a goal first.")
        else:
            gid = st.selectbox("Goal to edit", list(by_id), format_func=lambda g: by_id[g].name)
            base = Keys.edit_goal(gid)
            held = conflicts.opened(form_key(base), Keys.submit(form_key(base)), lambda: by_id[gid])
            goal_form(base, held)
            conflicts.choices(base)
else:
    read_only_note("create or edit goals")
if by_id:
    shared = st.selectbox("Goal to share", list(by_id), format_func=lambda g: by_id[g].name, key="share_goal")
    share_links(
        goal_id=shared,
        blurb="Whoever has the link sees this goal's report (its KPI and the pilots "
        "serving it) and nothing else, without signing in.",
    )
