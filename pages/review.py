"""Review: one screen per pilot — verdict, confidence, reasons — and the decision with frozen numbers."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pandas as pd
import streamlit as st

from lib import formatting as fmt
from lib.adapter import wire
from lib.adapter.cached import main_chart_spec, per_workspace, pilot_view_cached, portfolio_overview
from lib.adapter.session import Keys, actor, can_write, form_key, read, save, show_flash
from lib.adapter.units import unit_readings
from lib.adapter.widgets import pilot_downloads, plain, read_only_note, show_recommendation, table
from lib.criteria import metric_label
from lib.formatting import fmt_date
from lib.services import audit, data_versions, decisions, meeting, past_pilots
from lib.vocabulary import OUTCOME_LABELS, OUTCOMES

STATUS_ICONS = {
    "met": ":material/check_circle: met",
    "missed": ":material/cancel: missed",
    "harmed": ":material/cancel: harmed",
    "safe": ":material/check_circle: safe",
    "too_early": ":material/hourglass_top: too early",
    "inconclusive": ":material/remove: inconclusive",
    "futile": ":material/cancel: futile",
}


def numbers_row(v) -> dict[str, str]:
    """One verdict's figures as people read them: rates in %, differences in points, the verdict's own bounds."""
    rate = v.kind == "proportion"
    value = fmt.pct if rate else fmt.quantity
    diff = fmt.signed_pct_points if rate else fmt.signed_quantity
    if v.interval_scale == "lift":
        interval = fmt.signed_pct_range
    elif v.interval_scale == "value":
        interval = fmt.pct_range if rate else fmt.number_range
    else:
        interval = fmt.pct_points_range if rate else fmt.signed_number_range
    return {
        "Metric": metric_label(v.metric),
        "Role": v.role,
        "Control / before": value(v.control_value),
        "Pilot": value(v.pilot_value),
        "Difference": diff(v.difference),
        "Interval": f"{interval(v.ci_low, v.ci_high)} ({fmt.level(v.required_confidence)} bounds, as judged)",
        "Lift": fmt.signed_pct(v.relative_lift),
        "Confidence it holds": f"{fmt.confidence(v.confidence)} (needs {fmt.level(v.required_confidence)})"
        if v.confidence is not None
        else "—",
        "p-value": f"{fmt.p_value(v.p_value)} — {v.p_value_tests}" if v.p_value is not None else "—",
        "Met": {True: "yes", False: "no", None: "not yet"}[v.met],
        "Per arm": fmt.number(v.sample_n),
    }


st.title(":material/gavel: Review", anchor=False)
st.caption(
    "For the review meeting: what the numbers say against the criteria agreed up front, "
    "and the decision — recorded with the numbers as they were."
)
show_flash()
QUEUE_CARDS = 4  # cards drawn with their chart at first; "Show more" adds as many again


def _pick(pid: int) -> None:
    st.session_state[Keys.review_pilot] = pid


overview = portfolio_overview()  # shared per workspace version: the queue, the picker and the pilot come from it
with read() as session:
    waiting = meeting.queue(session, portfolio=overview)
    versions = data_versions.data_versions(session)
st.subheader(f"Needs a decision today ({len(waiting)})")
if not waiting:
    st.caption(
        "Nothing is waiting: a running pilot joins this queue when its numbers call scale, iterate or abort, "
        "when its planned end has passed, or when the check-in date set at its last decision comes."
    )
shown = st.session_state.get(Keys.queue_cards, QUEUE_CARDS)
for item in waiting[:shown]:
    p, ev_q = item.row.pilot, item.row.evaluation
    with st.container(border=True):
        c1, c2 = st.columns([3, 2], vertical_alignment="top")
        c1.markdown(
            f"**{plain(p.name)}** — {plain(item.why)}  \n"
            f"{item.headline.lead} · "
            f"[open the pilot page](pilot?pilot={p.id})"
        )
        primary = next((v for v in ev_q.verdicts if v.role == "primary"), None)
        if primary:
            c1.caption(plain(primary.sentence))
        c1.button("Review and decide", key=f"queue_pick_{p.id}", on_click=_pick, args=(p.id,), type="primary")
        spec = main_chart_spec(p.id or 0, versions.get(p.id or 0, 0))  # drawn once per change to the pilot
        c2.vega_lite_chart(spec, theme=None, width="stretch", key=f"queue_chart_{p.id}")
if len(waiting) > shown:
    st.button(
        f"Show {min(QUEUE_CARDS, len(waiting) - shown)} more with their charts",
        on_click=lambda: st.session_state.update({Keys.queue_cards: shown + QUEUE_CARDS}),
        icon=":material/expand_more:",
    )
    st.caption("Also waiting: " + "; ".join(f"{plain(i.row.pilot.name)} ({plain(i.why)})" for i in waiting[shown:]))
st.divider()

reviewable = {r.pilot.id or 0: r.pilot for r in overview.rows if r.pilot.status in ("running", "decided")}
rows = sorted(((pid, p.name, p.status) for pid, p in reviewable.items()), key=lambda r: (r[2] != "running", r[1]))

if not rows:
    st.info(
        "Nothing to review yet: pilots show up here once they are running. Set a pilot's status to "
        "*Running* on the **Pilots** page and log some results.",
        icon=":material/gavel:",
    )
else:
    names = {pid: f"{name} ({status})" for pid, name, status in rows}
    pilot_id = st.selectbox("Pilot", list(names), format_func=names.get, key=Keys.review_pilot)
    pilot = reviewable[pilot_id]
    with read() as session:
        changes = audit.criteria_changes(session, pilot_id, markup=plain)
        earlier = decisions.list_decisions(session, pilot_id)
    version = versions.get(pilot_id, 0)  # read with the queue above: a write since is drawn on the next run
    ev, drawn = pilot_view_cached(pilot_id, version)  # one evaluation per change: shown, drawn, downloaded
    said = meeting.chosen_headline(pilot, ev, earlier)  # the pilot page's and the CLI's headline
    if earlier and pilot.status != "decided":  # a decided pilot's headline leads with its decision
        last = earlier[0].decision
        st.info(
            f"**Decided: {OUTCOME_LABELS[last.outcome].lower()}** on {fmt_date(last.decided_at.date())} by "
            f"{plain(last.decided_by)} — “{plain(last.rationale)}”. Below: what the numbers say today.",
            icon=":material/how_to_vote:",
        )
    for change in changes:
        st.warning(
            f"**The criteria were changed after the pilot started** ({fmt_date(change.at.date())}, "
            f"{plain(change.actor)}): “{plain(change.reason)}”. Originally: " + "; ".join(change.before) + ".",
            icon=":material/lock_reset:",
        )
    show_recommendation(said, "" if said.is_recommendation else said.title)
    peers = past_pilots.PeerFilter(  # the toggles below, as last set
        st.session_state.get(Keys.peers("review", "channel"), True),
        st.session_state.get(Keys.peers("review", "metric"), True),
    )
    with read() as session:
        informed = past_pilots.informed_for(session, pilot, ev, peers)
    if informed is not None:  # beside the verdict, never instead of it
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.markdown(f":material/history: {plain(informed.sentence)}")
        with c2.popover("Which past pilots count", icon=":material/tune:"):
            st.toggle("Same channel only", value=True, key=Keys.peers("review", "channel"))
            st.toggle("Same metric only", value=True, key=Keys.peers("review", "metric"))
            st.caption(plain(informed.peers.rule()))
    _, main = drawn[0]
    st.vega_lite_chart(main, theme=None, width="content", key=Keys.chart("review", pilot_id))
    with st.expander("Every criterion at a glance, and progress toward the plan"):
        for _, chart in drawn[1:]:
            st.vega_lite_chart(chart, theme=None, width="content")
    pilot_downloads(pilot_id, pilot.name, main, key=Keys.downloads("review", pilot_id))
    if ev.srm_flag:
        st.warning(
            f"The split between arms looks broken (sample-ratio mismatch, p = {ev.srm_p_value:.4f}). "
            "Check how people were assigned before trusting the comparison.",
            icon=":material/warning:",
        )
    for v in ev.verdicts:
        st.markdown(
            f"**{plain(metric_label(v.metric))}** · *{v.role}* · {STATUS_ICONS.get(v.status, v.status)}  \n"
            f"{plain(v.sentence)}"
        )
    unit_readings(ev.verdicts)  # stores split between arms: what adjusting did, the unadjusted reading a click away
    if ev.verdicts:
        with st.expander("The numbers behind it"):
            st.caption(
                "**pts** are percentage points: 5.0% → 6.0% is +1.0 pts (a 20% lift). A **guardrail** is a "
                "metric that must not get worse; **bounds** are the interval the verdict was judged on."
            )
            numbers = wire.kept(
                ("review numbers", pilot_id, version), lambda: pd.DataFrame(map(numbers_row, ev.verdicts))
            )
            table(numbers, hide_index=True, width="stretch")

    if can_write():
        st.subheader("Record the decision")
        if earlier:
            st.caption(
                f"This pilot already has {len(earlier)} decision(s); a new one is added to the record "
                "and the earlier ones stay listed below."
            )
        with st.form(form_key(Keys.decide(pilot_id))):
            followed = next(o for o in OUTCOMES if decisions.follows(o, ev.recommendation))
            outcome = st.radio(
                "Decision", OUTCOMES, index=OUTCOMES.index(followed), format_func=OUTCOME_LABELS.get, horizontal=True
            )
            rationale = st.text_area("Rationale", placeholder="What we decided and why, in a sentence or two.")
            override = st.text_area(
                "If you decide against the recommendation: why",
                height=68,
                placeholder=f"The numbers recommend “{ev.recommendation.replace('_', ' ')}”. Required when you "
                "decide otherwise; it is kept with the decision.",
            )
            c1, c2 = st.columns(2)
            check_in = c1.date_input(
                "Next check-in",
                value=date.today() + timedelta(days=14),
                min_value=date.today() + timedelta(days=1),
                format="YYYY-MM-DD",
                help="The review queue shows this pilot again from that day (two weeks by default).",
            )
            who = actor()
            if who.role == "local":  # no sign-in: the person says who they are; signed in, it is the identity
                who = c2.text_input("Decided by", value=who)
            if st.form_submit_button("Record decision", type="primary"):
                save(
                    lambda session: decisions.decide(
                        session,
                        pilot_id,
                        outcome=outcome,
                        rationale=rationale,
                        decided_by=who,
                        shown_recommendation=ev.recommendation,
                        next_check_in=check_in,
                        override_reason=override,
                    ),
                    f"Decision recorded for “{plain(pilot.name)}”: {OUTCOME_LABELS[outcome].lower()}.",
                    reset=Keys.decide(pilot_id),
                )
    else:
        read_only_note("record decisions")

st.subheader("Decisions so far")
EVERY_DECISION = meeting.LogFilter()
LOG_COLUMNS = ["Decided", "Pilot", "Decision", "By", "Rationale", "Recommended then", "Against it because", "Check-in"]


def log_view(session, f: meeting.LogFilter = EVERY_DECISION) -> SimpleNamespace:
    """The decision log as shown, in plain values (no row objects), so it can be shared between sessions:
    the table, each decision's label and frozen sentences (when, which rules), what the filters offer.
    A namespace, not a dataclass: a class defined here would be built again on every run."""
    log = meeting.decision_log(session, f)
    frame = pd.DataFrame(
        [
            {
                "Decided": r.decision.decided_at.date(),
                "Pilot": r.pilot_name,
                "Decision": OUTCOME_LABELS[r.decision.outcome],
                "By": r.decision.decided_by,
                "Rationale": r.decision.rationale,
                "Recommended then": r.decision.recommendation.replace("_", " ") or "—",
                "Against it because": r.decision.override_reason or "—",
                "Check-in": r.decision.next_check_in,
            }
            for r in log.rows
        ],
        columns=LOG_COLUMNS,
    )
    labels = {
        r.decision.id or 0: f"{fmt_date(r.decision.decided_at.date())} · {r.pilot_name} · "
        f"{OUTCOME_LABELS[r.decision.outcome]}"
        for r in log.rows
    }
    frozen = {}
    for r in log.rows:
        snap = r.snapshot
        evaluation = snap.get("evaluation", {})
        at = snap.get("frozen_at")
        when = datetime.fromisoformat(at).strftime("%d %b %Y, %H:%M UTC") if at else "—"
        rules = snap.get("method_version") or evaluation.get("method_version") or "before 2026.11"
        frozen[r.decision.id or 0] = ([c.get("sentence", "") for c in evaluation.get("verdicts", [])], when, rules)
    return SimpleNamespace(frame=frame, labels=labels, frozen=frozen, teams=log.teams, goals=log.goals)


everything = per_workspace("decision log", log_view)  # built once per change to the workspace, shared
if everything.frame.empty:
    st.caption("No decisions recorded yet: each one lands here with the numbers frozen when it was made.")
else:
    f1, f2, f3, f4 = st.columns(4)
    goal_ids = f1.multiselect("Goal", list(everything.goals), format_func=everything.goals.get, key="log_goal")
    teams = f2.multiselect("Team", everything.teams, key="log_team")
    outcomes = f3.multiselect("Decision", OUTCOMES, format_func=OUTCOME_LABELS.get, key="log_outcome")
    span = f4.date_input("Decided between", value=(), format="YYYY-MM-DD", key="log_span")
    since, until = (span[0], span[1]) if isinstance(span, tuple) and len(span) == 2 else (None, None)
    chosen_filter = meeting.LogFilter(
        goal_ids=tuple(goal_ids), teams=tuple(teams), outcomes=tuple(outcomes), since=since, until=until
    )
    log = everything
    if chosen_filter != EVERY_DECISION:
        with read() as session:
            log = log_view(session, chosen_filter)
    st.caption(f"{len(log.frame):,} of {len(everything.frame):,} decisions")
    table(
        log.frame,
        download="decision-log.csv",
        hide_index=True,
        width="stretch",
        column_config={
            "Decided": st.column_config.DateColumn(format="D MMM YYYY"),
            "Check-in": st.column_config.DateColumn(format="D MMM YYYY"),
            "Rationale": st.column_config.TextColumn(width="large"),
        },
    )
    if log.labels:
        chosen = st.selectbox("The numbers frozen with", list(log.labels), format_func=log.labels.get, key="log_frozen")
        sentences, when, rules = log.frozen[chosen]
        for sentence in sentences:
            st.markdown(f"- {plain(sentence)}")
        st.caption(f"Numbers frozen at the decision: {when} (decision rules {rules}).")
