"""Pilots: hypothesis, owner, goal, design, dates and the success criteria agreed up front."""

import pandas as pd
import streamlit as st

from lib.adapter import conflicts, wire
from lib.adapter.cached import main_chart_spec, per_workspace
from lib.adapter.market_planner import market_planner
from lib.adapter.money import workspace_currency
from lib.adapter.money_designer import (
    THRESHOLD_CHOICES,
    money_plan_designer,
    shown_threshold,
    threshold_choice_label,
    typed_threshold,
)
from lib.adapter.plan_designer import CONFIDENCES, plan_designer
from lib.adapter.session import Keys, actor, can_write, form_key, read, save, show_flash
from lib.adapter.widgets import pilot_downloads, plain, read_only_note, share_links, table
from lib.criteria import describe
from lib.formatting import date_range, fmt_date, number
from lib.report import caveats
from lib.services import audit, data_versions, goals, pilots
from lib.vocabulary import (
    CHANNEL_LABELS,
    CHANNELS,
    DESIGN_LABELS,
    DIRECTIONS,
    METRIC_KIND_LABELS,
    METRIC_KINDS,
    PILOT_STATUS_LABELS,
    PILOT_STATUSES,
    PRIORITIES,
    PRIORITY_LABELS,
    ROLE_HELP,
    ROLE_LABELS,
    UNIT_SUMMARIES,
    UNIT_SUMMARY_LABELS,
)

PLANNED_KEY = Keys.planned_n

st.title(":material/science: Pilots", anchor=False)
st.caption(
    "Write the success criteria before the pilot starts: they lock when it runs, "
    "and any later change is recorded with its reason."
)
show_flash()


def _listing(session) -> tuple[pilots.Catalogue, dict, pd.DataFrame, list[int], dict[int, str], dict]:
    """Every pilot, the goals to pick from, the table, and the pickers' ids and names: built once per change to
    the workspace, so a run reads no pilot's attributes (at 2,000 pilots that was a third of the list's run)."""
    book = pilots.catalogue(session)
    goal_names = {n.goal.id: n.goal.name for n in goals.goal_tree(session)}
    ids = [r.pilot.id or 0 for r in book.rows]
    names = {r.pilot.id or 0: r.pilot.name for r in book.rows}
    return book, goal_names, _pilot_table(book.rows), ids, names, book.by_id


def _pilot_table(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Pilot": r.pilot.name,
                "Status": PILOT_STATUS_LABELS[r.pilot.status],
                "Priority": PRIORITY_LABELS[r.pilot.priority],
                "Design": DESIGN_LABELS[r.pilot.design],
                "Channel": CHANNEL_LABELS[r.pilot.channel],
                "Owner": r.pilot.owner or "—",
                # start and end in one short column (two were pushed off the right edge at 1400 px)
                "Dates": date_range(r.pilot.start_date, r.pilot.end_date)
                if r.pilot.start_date and r.pilot.end_date
                else (fmt_date(r.pilot.start_date) if r.pilot.start_date else "—"),
                "Per arm": number(r.pilot.planned_n_per_arm) if r.pilot.planned_n_per_arm else "—",
                "Criteria": r.criteria_count,
                "Goal": r.goal_name or "—",
            }
            for r in rows
        ]
    )


book, goal_names, pilot_table, pilot_ids, names, by_id = per_workspace("pilots page", _listing)  # shared, read-only
rows, all_criteria = book.rows, book.criteria

if not goal_names:
    st.info(
        "Tip: create a goal first on the **Goals** page, so every pilot is tied to a KPI the company shares.",
        icon=":material/lightbulb:",
    )


def _unless_planned(key: str, value, name: str = "value") -> dict:
    """A widget's starting value, unless "Use this plan" has already put one in its key (both would clash)."""
    return {} if key in st.session_state else {name: value}


def criterion_inputs(form: str, role: str, existing, required: bool) -> dict | None:
    """One criterion's fields; an empty metric name on an optional role means none."""
    st.markdown(f"**{ROLE_LABELS[role]} criterion**{'' if required else ' (optional)'} — {ROLE_HELP[role]}")
    c1, c2, c3 = st.columns([3, 3, 2])
    metric = c1.text_input(
        "Metric",
        value=existing.metric if existing else "",
        key=Keys.criterion(form, role, "metric"),
        placeholder="reply_rate" if required else "leave empty for none",
    )
    kind = c2.selectbox(
        "Kind",
        METRIC_KINDS,
        key=Keys.criterion(form, role, "kind"),
        format_func=METRIC_KIND_LABELS.get,
        **_unless_planned(
            Keys.criterion(form, role, "kind"), METRIC_KINDS.index(existing.kind) if existing else 0, "index"
        ),
    )
    unit = c3.text_input(
        "Unit",
        value=existing.unit if existing else "",
        key=Keys.criterion(form, role, "unit"),
        placeholder="EUR, visits/day",
        help="What the value is measured in (not needed for rates).",
    )
    c4, c5, c6, c8, c7 = st.columns(5)
    default_dir = "decrease" if role == "guardrail" else "increase"
    direction = c4.selectbox(
        "Good direction",
        DIRECTIONS,
        key=Keys.criterion(form, role, "direction"),
        index=DIRECTIONS.index(existing.direction if existing else default_dir),
        format_func=lambda d: "Higher is better" if d == "increase" else "Lower is better",
    )
    ttype = c5.selectbox(
        "Threshold is",
        THRESHOLD_CHOICES,
        key=Keys.criterion(form, role, "ttype"),
        **_unless_planned(
            Keys.criterion(form, role, "ttype"),
            THRESHOLD_CHOICES.index(existing.threshold_type) if existing else 0,
            "index",
        ),
        format_func=threshold_choice_label,
        help="A money criterion (A/B) sets the outcome against the spend logged: the threshold is a price "
        "(at most €40 per extra lead) or a return (at least 1.5× the extra spend back).",
    )
    shown = shown_threshold(existing.kind, existing.threshold_type, existing.threshold) if existing else 0.0
    threshold = c6.number_input(
        "Threshold",
        **_unless_planned(Keys.criterion(form, role, "threshold"), float(shown)),
        key=Keys.criterion(form, role, "threshold"),
        format="%g",
        help="The minimum worth scaling. Rates and lifts in percent (8 = 8%). For a "
        "target design: the target value. Vs control/baseline: the smallest "
        "improvement that counts (0 = better at all). Guardrail: the most harm "
        "tolerated.",
    )
    shown_expected = (
        shown_threshold(existing.kind, existing.threshold_type, existing.expected)
        if existing and existing.expected is not None
        else None
    )
    expected = c8.number_input(
        "Expected",
        **_unless_planned(Keys.criterion(form, role, "expected"), shown_expected),
        key=Keys.criterion(form, role, "expected"),
        format="%g",
        placeholder="what you expect",
        disabled=role == "guardrail",
        help="The effect (vs a target: the value) you expect, in the threshold's units. "
        "It sizes the plan, and a pilot whose data rule it out is stopped early. "
        "Leave empty for no early stop.",
    )
    confidence = c7.selectbox(
        "Confidence",
        CONFIDENCES,
        key=Keys.criterion(form, role, "conf"),
        format_func=lambda c: f"{c:.0%}",
        **_unless_planned(
            Keys.criterion(form, role, "conf"),
            CONFIDENCES.index(existing.confidence) if existing and existing.confidence in CONFIDENCES else 2,
            "index",
        ),
    )
    n1, n2, _ = st.columns([3, 3, 2])
    denominator = n1.text_input(
        "Counted over (grid column)",
        value=(existing.denominator_label or "") if existing else "",
        key=Keys.criterion(form, role, "den"),
        placeholder="e.g. Sent, Visitors, Orders",
        max_chars=40,
        help="What a rate or average is counted over, as your export names it. Leave empty to name it from "
        "the channel (an email's rate is over Sent). Rates over the same thing share one column in the grid.",
    )
    numerator = n2.text_input(
        "What is counted (grid column)",
        value=(existing.numerator_label or "") if existing else "",
        key=Keys.criterion(form, role, "num"),
        placeholder="e.g. Replies, Signups",
        max_chars=40,
        help="What the rate counts, or what an average or daily figure is of. Leave empty to name it from "
        "the metric (reply_rate: Replies).",
    )
    if not metric.strip() and not required:
        return None
    return dict(
        denominator_label=denominator,
        numerator_label=numerator,
        metric=metric,
        kind=kind,
        role=role,
        direction=direction,
        threshold_type=ttype,
        unit=unit,
        threshold=typed_threshold(kind, ttype, threshold),
        confidence=confidence,
        expected=None if expected is None or role == "guardrail" else typed_threshold(kind, ttype, expected),
    )


def pilot_form(key: str, current=None, criteria=()) -> None:
    by_role = {c.role: c for c in criteria}
    with st.form(form_key(key)):
        name = st.text_input("Name", value=current.name if current else "", placeholder="Question-style subject lines")
        hypothesis = st.text_area(
            "Hypothesis",
            value=current.hypothesis if current else "",
            height=68,
            placeholder="Asking a question in the subject line makes prospects reply more.",
        )
        c1, c2, c3, c4 = st.columns(4)
        owner = c1.text_input("Owner", value=current.owner if current else actor())
        team = c2.text_input("Team", value=current.team if current else "")
        channel = c3.selectbox(
            "Channel", CHANNELS, format_func=CHANNEL_LABELS.get, index=CHANNELS.index(current.channel) if current else 0
        )
        goal_ids = [None, *goal_names]
        goal_id = c4.selectbox(
            "Goal it serves",
            goal_ids,
            index=goal_ids.index(current.goal_id)
            if current and current.goal_id in goal_ids
            else (1 if len(goal_ids) > 1 else 0),
            format_func=lambda g: "— none —" if g is None else goal_names[g],
        )
        c5, c6, c7, c8 = st.columns(4)
        designs = list(DESIGN_LABELS)
        design = c5.selectbox(
            "Design",
            designs,
            format_func=DESIGN_LABELS.get,
            key=None if current else Keys.new_design,
            **({"index": designs.index(current.design)} if current else _unless_planned(Keys.new_design, 0, "index")),
        )
        status = c6.selectbox(
            "Status",
            PILOT_STATUSES,
            format_func=PILOT_STATUS_LABELS.get,
            index=PILOT_STATUSES.index(current.status) if current else 1,
        )
        priority = c7.selectbox(
            "Priority",
            PRIORITIES,
            format_func=PRIORITY_LABELS.get,
            index=PRIORITIES.index(current.priority) if current else 1,
        )
        planned = c8.number_input(
            f"Planned {current.unit} per arm" if current and current.unit else "Planned people per arm",
            min_value=None,
            step=100,
            value=current.planned_n_per_arm if current else None,
            placeholder="e.g. 2000",
            key=None if current else PLANNED_KEY,
            help="From the plan above (“Use this plan”): the verdicts measure "
            "progress against it, and it sets how strict each daily look is.",
        )
        e1, e2, e3 = st.columns([2, 3, 2])
        arms = e1.text_input(
            "Arms (A/B: control first)",
            value=current.arms if current else "control,pilot",
            help="As your export names them, so a file maps without edits: e.g. `control,treatment` or "
            "`gate_30,gate_40`. Before/after and target pilots have one arm.",
        )
        unit = e1.text_input(
            "What the arms split (A/B)",
            value=(current.unit or "") if current else "",
            max_chars=40,
            placeholder="people",
            help="Leave empty for people. Name it when the arms split stores, branches or markets: the "
            "verdict then counts these units (one value each) and the planned sample is in them too.",
        )
        summaries = list(UNIT_SUMMARIES)
        summary = e1.selectbox(
            "A unit's value (stores, markets)",
            summaries,
            index=summaries.index(current.unit_summary) if current and current.unit_summary in summaries else 0,
            format_func=UNIT_SUMMARY_LABELS.get,
            help="When the arms split stores or markets: each unit's rows become one value, its mean per row "
            "(per period for daily counts), or its total for the pilot (sales over the whole promotion). "
            "Rates always use the unit's own rate.",
        )
        expected_outcome = e2.text_input(
            "Expected outcome (one line)",
            value=current.expected_outcome if current else "",
            max_chars=120,
            placeholder="More replies from cold prospects",
        )
        scale_volume = e3.number_input(
            "If scaled: units a month",
            min_value=0.0,
            value=current.scale_volume if current else None,
            placeholder="e.g. 6000 contacts",
            help="How many people (or orders) the pilot reaches a month once rolled out: turns the measured "
            "lift into a projected contribution to the goal's KPI.",
        )
        d1, d2, d3, d4 = st.columns(4)
        start = d1.date_input("Start", value=current.start_date if current else None, format="YYYY-MM-DD")
        end = d2.date_input("End", value=current.end_date if current else None, format="YYYY-MM-DD")
        b_start = d3.date_input(
            "Baseline start (before/after)", format="YYYY-MM-DD", value=current.baseline_start if current else None
        )
        b_end = d4.date_input(
            "Baseline end (before/after)", format="YYYY-MM-DD", value=current.baseline_end if current else None
        )
        k1, k2 = st.columns(2)
        test_markets = k1.text_input(
            "Test markets (market test)",
            value=(current.test_markets or "") if current else "",
            placeholder="e.g. Chicago,Portland",
            help="The markets that get the pilot, comma-separated, as your data names them. Every other market "
            "is a candidate for the synthetic control; the days before the start are its fit.",
        )
        excluded_markets = k2.text_input(
            "Excluded markets (market test)",
            value=(current.excluded_markets or "") if current else "",
            placeholder="e.g. Milwaukee",
            help="Markets kept out of the synthetic control: ones the campaign spills into, or with their own "
            "campaigns.",
        )
        st.divider()
        crits = [
            criterion_inputs(form_key(key), "primary", by_role.get("primary"), True),
            criterion_inputs(form_key(key), "secondary", by_role.get("secondary"), False),
            criterion_inputs(form_key(key), "guardrail", by_role.get("guardrail"), False),
        ]
        reason = ""
        if current and current.criteria_locked_at:
            reason = st.text_input(
                "Reason for changing locked criteria",
                help="Criteria locked when the pilot started. A change is shown on the pilot.",
            )
        submitted = st.form_submit_button(
            "Save pilot" if current else "Create pilot", type="primary", key=Keys.submit(form_key(key))
        )
    if not submitted:
        return
    criteria_values = [c for c in crits if c]
    if summary == "mean" and (current is None or current.unit_summary is None):
        summary = None  # the default, left as it was stored
    values = dict(
        unit_summary=summary,
        name=name,
        hypothesis=hypothesis,
        owner=owner,
        team=team,
        channel=channel,
        goal_id=goal_id,
        design=design,
        status=status,
        priority=priority,
        planned_n_per_arm=int(planned) if planned is not None else None,
        arms=arms if design == "ab" else None,
        unit=unit if design == "ab" else None,
        expected_outcome=expected_outcome,
        scale_volume=scale_volume,
        start_date=start,
        end_date=end,
        baseline_start=b_start if design == "before_after" else None,
        baseline_end=b_end if design == "before_after" else None,
        test_markets=test_markets if design == "market" else None,
        excluded_markets=excluded_markets if design == "market" else None,
    )
    if current:
        shown = pilots.form_basis(current, criteria)  # what the form showed: only the fields changed here are saved

        def _update(session, over=None, typed=(values, criteria_values, reason)):  # bound now: reused on a later run
            return pilots.update_pilot(
                session, current.id, actor(), criteria=typed[1], reason=typed[2], shown=shown, over=over, **typed[0]
            )

        def _keep(session, refusal, typed=(values, criteria_values, reason)):  # theirs where they clash, mine elsewhere
            kept = {k: v for k, v in refusal.theirs_kept(typed[0]).items() if k != "criteria"}
            crits = None if "criteria" in refusal.keys else typed[1]
            return pilots.update_pilot(
                session, current.id, actor(), criteria=crits, reason=typed[2], shown=refusal.rebased(shown), **kept
            )

        conflicts.save(
            key,
            _update,
            f"Pilot “{plain(name.strip())}” saved.",
            reset=key,
            over=lambda session, over: _update(session, over),
            keep=_keep,
        )
    else:
        save(
            lambda session: pilots.create_pilot(session, actor(), criteria=criteria_values, **values),
            f"Pilot “{plain(name.strip())}” saved.",
            reset=key,
        )


def _all_pilots() -> None:
    """Every pilot in one table, and one pilot's details, chart, downloads and share links."""
    if not rows:
        st.info(
            "No pilots yet. Use **New pilot** to write one down: a hypothesis, who owns it, which goal it "
            "serves, and the criteria that will decide it — e.g. “reply rate ≥ 8% on ≥ 200 contacts”.",
            icon=":material/science:",
        )
    else:
        table(
            pilot_table,
            download="pilots.csv",
            hide_index=True,
            width="stretch",
            column_config={
                "Pilot": st.column_config.TextColumn(width="medium"),
                "Goal": None,  # in the CSV; on screen under "Details for" (the table has no room left for it)
            },
        )
        chosen = st.selectbox(
            "Details for",
            pilot_ids,
            format_func=names.get,
        )
        pilot = by_id[chosen]
        st.markdown(
            f"**Goal.** {plain(goal_names.get(pilot.goal_id, '')) or 'none yet'}  \n"
            f"**Hypothesis.** {plain(pilot.hypothesis) or '—'}"
        )
        symbol = workspace_currency().symbol  # a money criterion's price reads in the workspace's currency
        for c in all_criteria.get(chosen, []):
            st.markdown(
                f"- *{c.role}* — {describe(pilots.criterion_spec(c), c.unit, markup=plain, currency=symbol)} at {c.confidence:.0%} confidence"
            )
        if pilot.criteria_locked_at:
            st.caption(f"Criteria locked on {fmt_date(pilot.criteria_locked_at.date())}.")
        with read() as session:
            version = data_versions.data_version(session, chosen)
        if pilot.status in ("running", "decided"):
            spec = main_chart_spec(chosen, version)  # drawn once per change to the pilot
            st.vega_lite_chart(spec, theme=None, width="content", key=Keys.chart("pilots", chosen))
            pilot_downloads(chosen, pilot.name, spec, key=Keys.downloads("pilots", chosen))

        def _changes() -> list:
            with read() as session:
                return audit.criteria_changes(session, chosen, symbol)

        # a criteria change is a write to the pilot, which bumps its data version: read once per version
        for change in wire.kept(("criteria changes", chosen, version, symbol), _changes):
            st.warning(caveats.markdown(change.caveat, markup=plain), icon=":material/lock_reset:")
        share_links(
            pilot_id=chosen, blurb="Whoever has the link sees this pilot's report and nothing else, without signing in."
        )


def _new_pilot() -> None:
    """The designers, then the new pilot's form they fill."""
    # planning sits beside what it plans: first the primary criterion's plan, then the pilot it fills
    with st.expander(
        "Plan the primary criterion: threshold, expected effect, sample", expanded=True, icon=":material/calculate:"
    ):
        plan_designer()  # planning writes nothing: viewers may plan too
    with st.expander(
        "Plan a money criterion: the spend and days that tell the price you expect from the one you agree",
        icon=":material/payments:",
    ):
        money_plan_designer()
    with st.expander("Plan a market test: which markets, how long", icon=":material/map:"):
        market_planner()
    used = st.session_state.get(Keys.plan("used"))
    if used and used[1] == form_key("new_pilot"):  # not after that pilot was created
        st.caption(
            f":material/check: The plan filled the design, the primary criterion and {number(used[0])} people "
            "per arm below: name the metric and check them."
        )
    if can_write():
        pilot_form("new_pilot")
    else:
        read_only_note("create pilots")


def _edit_pilot() -> None:
    """One pilot's form, opened on what is stored and held while it stays on screen."""
    if not can_write():
        read_only_note("edit pilots")
    elif not rows:
        st.caption("Create a pilot first.")
    else:
        pid = st.selectbox(
            "Pilot to edit",
            pilot_ids,
            format_func=names.get,
        )
        base = Keys.edit_pilot(pid)
        held, held_criteria = conflicts.opened(  # the pilot as the form opened it, held while it stays on screen
            form_key(base), Keys.submit(form_key(base)), lambda: (by_id[pid], all_criteria.get(pid, []))
        )
        pilot_form(base, held, held_criteria)
        conflicts.choices(base)


# A tab is drawn from the first time it is opened in the session: a run that only lists the pilots (most of
# them) does not draw the three designers and two forms (120 widgets; each widget's cost grows with how many
# there are). Once opened, a tab keeps being drawn, so what is typed in it survives a look at another tab.
TABS = {"All pilots": _all_pilots, "New pilot": _new_pilot, "Edit a pilot": _edit_pilot}
opened = st.session_state.setdefault(Keys.tabs_opened("pilots"), set())
for (label, draw), tab in zip(
    TABS.items(), st.tabs(list(TABS), key=Keys.tab("pilots"), on_change="rerun"), strict=True
):
    if tab.open:
        opened.add(label)
    if label in opened:
        with tab:
            draw()
