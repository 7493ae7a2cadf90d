"""Review: one screen per pilot — verdict, confidence, reasons — and the decision with frozen numbers."""

from datetime import datetime

import pandas as pd
import streamlit as st

from lib import audit, decisions, pilots
from lib import formatting as fmt
from lib.criteria import metric_label
from lib.formatting import fmt_date
from lib.report.compose import pilot_bundle
from lib.st_adapter import (
    Keys,
    actor,
    can_write,
    form_key,
    pilot_downloads,
    plain,
    read,
    read_only_note,
    save,
    show_flash,
    show_recommendation,
    table,
)
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

with read() as session:
    rows = sorted(
        (r for r in pilots.list_pilots(session) if r.pilot.status in ("running", "decided")),
        key=lambda r: (r.pilot.status != "running", r.pilot.name),
    )
    history = decisions.list_decisions(session)

if not rows:
    st.info(
        "Nothing to review yet: pilots show up here once they are running. Set a pilot's status to "
        "*Running* on the **Pilots** page and log some results.",
        icon=":material/gavel:",
    )
else:
    names = {r.pilot.id: f"{r.pilot.name} ({r.pilot.status})" for r in rows}
    pilot_id = st.selectbox("Pilot", list(names), format_func=names.get, key=Keys.review_pilot)
    with read() as session:
        pilot = pilots.get_pilot(session, pilot_id)
        bundle = pilot_bundle(session, pilot_id)  # one evaluation: shown, drawn and downloaded
        ev = bundle.evaluation
        changes = audit.criteria_changes(session, pilot_id, markup=plain)
        earlier = decisions.list_decisions(session, pilot_id)
    if earlier:
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
    show_recommendation(ev)
    _, main = bundle.charts[0]
    st.altair_chart(main, theme=None, width="content", key=Keys.chart("review", pilot_id))
    with st.expander("Every criterion at a glance, and progress toward the plan"):
        for _, chart in bundle.charts[1:]:
            st.altair_chart(chart, theme=None, width="content")
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
    if ev.verdicts:
        with st.expander("The numbers behind it"):
            table(pd.DataFrame([numbers_row(v) for v in ev.verdicts]), hide_index=True, width="stretch")

    if can_write():
        st.subheader("Record the decision")
        if earlier:
            st.caption(
                f"This pilot already has {len(earlier)} decision(s); a new one is added to the record "
                "and the earlier ones stay listed below."
            )
        with st.form(form_key(Keys.decide(pilot_id))):
            default = OUTCOMES.index(ev.recommendation) if ev.recommendation in OUTCOMES else OUTCOMES.index("extend")
            outcome = st.radio("Decision", OUTCOMES, index=default, format_func=OUTCOME_LABELS.get, horizontal=True)
            rationale = st.text_area("Rationale", placeholder="What we decided and why, in a sentence or two.")
            who = actor()
            if who.role == "local":  # no sign-in: the person says who they are; signed in, it is the identity
                who = st.text_input("Decided by", value=who)
            if st.form_submit_button("Record decision", type="primary"):
                save(
                    lambda session: decisions.decide(
                        session,
                        pilot_id,
                        outcome=outcome,
                        rationale=rationale,
                        decided_by=who,
                        shown_recommendation=ev.recommendation,
                    ),
                    f"Decision recorded for “{plain(pilot.name)}”: {OUTCOME_LABELS[outcome].lower()}.",
                    reset=Keys.decide(pilot_id),
                )
    else:
        read_only_note("record decisions")

st.subheader("Decisions so far")
if not history:
    st.caption("No decisions recorded yet.")
for row in history:
    d = row.decision
    with st.expander(
        f"{fmt_date(d.decided_at.date())} · {plain(row.pilot_name)} · **{OUTCOME_LABELS[d.outcome]}** "
        f"by {plain(d.decided_by)}"
    ):
        st.markdown(f"> {plain(d.rationale)}")
        snap = row.snapshot
        evaluation = snap.get("evaluation", {})
        if d.recommendation and d.recommendation != d.outcome:
            st.caption(f"The numbers recommended *{d.recommendation.replace('_', ' ')}* at the time.")
        for c in evaluation.get("verdicts", []):
            st.markdown(f"- {plain(c.get('sentence', ''))}")
        frozen = snap.get("frozen_at")
        when = datetime.fromisoformat(frozen).strftime("%d %b %Y, %H:%M UTC") if frozen else "—"
        rules = snap.get("method_version") or evaluation.get("method_version") or "before 2026.11"
        st.caption(f"Numbers frozen at the decision: {when} (decision rules {rules}).")
