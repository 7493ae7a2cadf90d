"""Review: one screen per pilot — verdict, confidence, reasons — and the decision with frozen numbers."""

from datetime import date, timedelta
from types import SimpleNamespace

import pandas as pd
import streamlit as st

from lib.adapter import conflicts, focus, wire
from lib.adapter.cached import data_versions as cached_versions
from lib.adapter.cached import (
    informed_reading,
    main_chart_spec,
    per_workspace,
    pilot_view_cached,
    portfolio_overview,
)
from lib.adapter.markets import market_readings
from lib.adapter.money import show_money, spend_by_pilot, workspace_currency
from lib.adapter.session import Keys, actor, can_write, form_key, read, show_flash
from lib.adapter.units import unit_readings
from lib.adapter.widgets import pilot_downloads, plain, read_only_note, show_recommendation, table, titled_chart
from lib.charts.common import split_title
from lib.decide import wording
from lib.formatting import fmt_date
from lib.report import caveats
from lib.report.pilot_report import numbers_row
from lib.services import audit, decisions, meeting, past_pilots
from lib.vocabulary import OUTCOME_LABELS, OUTCOMES, metric_label, verdict_status_label

STATUS_ICONS = {
    "met": ":material/check_circle:",
    "missed": ":material/cancel:",
    "harmed": ":material/cancel:",
    "safe": ":material/check_circle:",
    "too_early": ":material/hourglass_top:",
    "inconclusive": ":material/remove:",
    "futile": ":material/cancel:",
}


def status_text(status: str) -> str:
    """ ":material/cancel: guardrail breached": the icon, and the status in the words every page uses."""
    return f"{STATUS_ICONS.get(status, ':material/remove:')} {verdict_status_label(status).lower()}"


st.title(":material/gavel: Review", anchor=False)
st.caption(
    "For the review meeting: what the numbers say against the criteria agreed up front, "
    "and the decision — recorded with the numbers as they were."
)
show_flash()
QUEUE_CARDS = 4  # cards drawn with their chart at first; "Show more" adds as many again
DECIDING = "deciding"  # the anchor of the pilot being decided: its verdict and its decision form


def _pick(pid: int) -> None:
    """ "Review and decide": that pilot becomes the one decided below, and the page takes the person there."""
    st.session_state[Keys.review_pilot] = pid
    focus.request(DECIDING)


def _picker(session) -> tuple[list, list[str], dict, list, dict]:
    """The queue (and its names as the caption lists them), the pilots one can decide (running first, then by
    name) and the picker's labels, from the
    shared overview: worked out once per workspace version, not on every run (at 2,000 pilots each pass cost
    milliseconds). Plain values, no class defined here (it would be built again on every run)."""
    overview = portfolio_overview()
    waiting = meeting.queue(session, portfolio=overview)  # from the overview: no query of its own
    reviewable = {r.pilot.id or 0: r.pilot for r in overview.rows if r.pilot.status in ("running", "decided")}
    rows = sorted(((pid, p.name, p.status) for pid, p in reviewable.items()), key=lambda r: (r[2] != "running", r[1]))
    waiting_words = [f"{plain(i.row.pilot.name)} ({plain(i.why)})" for i in waiting]  # "Also waiting: …", escaped
    return waiting, waiting_words, reviewable, rows, {pid: f"{name} ({status})" for pid, name, status in rows}


# Each pilot's data version, read once per workspace version: every bump is a write, which changes the workspace
# version (a build may read a newer state than its key, never an older one), so a run asks one small query, not both.
versions = cached_versions()
waiting, waiting_words, reviewable, rows, names = per_workspace(f"review picker {date.today()}", _picker)
spending = spend_by_pilot()  # shared per workspace version, like the overview
# One pilot at a time: the one picked, else the first one waiting, else the first listed. The queue's first card
# is then the pilot decided below, never another one's verdict and form under it.
if st.session_state.get(Keys.review_pilot) not in reviewable and rows:
    queued = [i.row.pilot.id for i in waiting if i.row.pilot.id in reviewable]
    st.session_state[Keys.review_pilot] = queued[0] if queued else rows[0][0]
deciding = st.session_state.get(Keys.review_pilot)
st.subheader(f"Needs a decision today ({len(waiting)})")
if not waiting:
    st.caption(
        "Nothing is waiting: a running pilot joins this queue when its numbers call scale, iterate or abort, "
        "when its planned end has passed, or when the check-in date set at its last decision comes."
    )
shown = st.session_state.get(Keys.queue_cards, QUEUE_CARDS)
for item in waiting[:shown]:
    p, ev_q = item.row.pilot, item.row.evaluation
    card = st.container(border=True)
    # The pilot being decided has its chart right below, with its verdict: its card is text only.
    c1, c2 = (card, None) if p.id == deciding else card.columns([3, 2], vertical_alignment="top")
    c1.markdown(
        f"**{plain(p.name)}** — {plain(item.why)}  \n{item.headline.lead} · [open the pilot page](pilot?pilot={p.id})"
    )
    primary = ev_q.primary
    if (money := spending.get(p.id or 0)) is not None:  # does it pay, and what scaling would bring
        c1.markdown(f":material/payments: **Does it pay?** {plain(money.beside(ev_q).sentence)}")
        if money.scaling:
            c1.caption(f":material/trending_up: {plain(money.scaling)}")
    if primary:
        c1.caption(plain(primary.sentence))
    if p.id == deciding:  # this card's pilot is the one whose verdict and form follow
        c1.button(
            "Being decided below",
            key=f"queue_pick_{p.id}",
            on_click=_pick,
            args=(p.id,),
            icon=":material/arrow_downward:",
            help="Its verdict and the decision form are below: this button takes you there.",
        )
    else:
        c1.button("Review and decide", key=f"queue_pick_{p.id}", on_click=_pick, args=(p.id,), type="primary")
    if c2 is None:
        continue
    spec = main_chart_spec(p.id or 0, versions.get(p.id or 0, 0))  # drawn once per change to the pilot
    heading, subtitle, drawn_bare = split_title(spec)  # a narrow chart cuts its title: written as text instead
    c2.caption(f"**{plain(heading)}**  \n{plain(' '.join(subtitle))}")
    c2.vega_lite_chart(drawn_bare, theme=None, width="stretch", key=f"queue_chart_{p.id}")
if len(waiting) > shown:
    st.button(
        f"Show {min(QUEUE_CARDS, len(waiting) - shown)} more with their charts",
        on_click=lambda: st.session_state.update({Keys.queue_cards: shown + QUEUE_CARDS}),
        icon=":material/expand_more:",
    )
    st.caption("Also waiting: " + "; ".join(waiting_words[shown:]))
st.divider()

if not rows:
    st.info(
        "Nothing to review yet: pilots show up here once they are running. Set a pilot's status to "
        "*Running* on the **Pilots** page and log some results.",
        icon=":material/gavel:",
    )
else:
    st.subheader(f":material/gavel: Deciding: {plain(reviewable[deciding].name)}", anchor=DECIDING)
    focus.scroll_here(DECIDING)
    pilot_id = st.selectbox(
        "Pilot being decided",
        list(names),
        format_func=names.get,
        key=Keys.review_pilot,
        help="Everything below — verdict, numbers and the decision form — is for this pilot.",
    )
    pilot = reviewable[pilot_id]
    version = versions.get(pilot_id, 0)  # read with the queue above: a write since is drawn on the next run
    symbol = workspace_currency().symbol

    def _history() -> tuple[list, list]:
        with read() as session:
            return audit.criteria_changes(session, pilot_id, symbol), decisions.list_decisions(session, pilot_id)

    # a decision or a criteria change is a write to the pilot, which bumps its data version: read once per version
    changes, earlier = wire.kept(("review history", pilot_id, version, symbol), _history)
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
        st.warning(caveats.markdown(change.caveat, markup=plain), icon=":material/lock_reset:")
    show_money(
        spending.get(pilot_id), beside=ev
    )  # does it pay: leads when spend is logged, with what scaling would bring
    show_recommendation(said, "" if said.is_recommendation else said.title)
    peers = past_pilots.PeerFilter(  # the toggles below, as last set
        st.session_state.get(Keys.peers("review", "channel"), True),
        st.session_state.get(Keys.peers("review", "metric"), True),
    )
    informed = informed_reading(pilot, ev, peers)  # read once per change to the workspace
    if informed is not None:  # beside the verdict, never instead of it
        row = st.container(horizontal=True, wrap=False, vertical_alignment="center")  # the sentence, then the button
        row.markdown(f":material/history: {plain(informed.sentence)}")
        choose = row.popover(
            "Which past pilots count", icon=":material/tune:", key=Keys.opened("review_peers"), on_change="rerun"
        )
        if choose.open:  # drawn only while open; the toggles keep their values on this page while it is closed
            with choose:
                st.toggle("Same channel only", value=True, key=Keys.peers("review", "channel"), persist_state="page")
                st.toggle("Same metric only", value=True, key=Keys.peers("review", "metric"), persist_state="page")
                st.caption(plain(informed.peers.rule()))
    _, main = drawn[0]
    titled_chart(main, key=Keys.chart("review", pilot_id))  # its title wraps as text: Vega cut it at the top
    # drawn only while open (opening it reruns the page): closed, it cost each run two charts
    more = st.expander(
        "Every criterion at a glance, and progress toward the plan", key=Keys.opened("review_charts"), on_change="rerun"
    )
    if more.open:
        with more:
            for _, chart in drawn[1:]:
                st.vega_lite_chart(chart, theme=None, width="content")
    pilot_downloads(pilot_id, pilot.name, main, key=Keys.downloads("review", pilot_id))
    if ev.srm_flag:
        st.warning(caveats.markdown(caveats.SplitMismatch(ev.srm_p_value), markup=plain), icon=":material/warning:")
    for v in ev.verdicts:
        st.markdown(
            f"**{plain(metric_label(v.metric))}** · *{v.role}* · {status_text(v.status)}  \n{plain(v.sentence)}"
        )
    unit_readings(ev.verdicts)  # stores split between arms: what adjusting did, the unadjusted reading a click away
    market_readings(ev.verdicts, key=f"market_weights_review_{pilot_id}")  # a market test: the synthetic control
    if ev.verdicts:
        behind = st.expander("The numbers behind it", key=Keys.opened("review_numbers"), on_change="rerun")
        if behind.open:  # drawn only while open, like the charts above
            with behind:
                st.caption(
                    "**pts** are percentage points: 5.0% → 6.0% is +1.0 pts (a 20% lift). A **guardrail** is a "
                    "metric that must not get worse; **bounds** are the interval the verdict was judged on."
                )
                symbol = workspace_currency().symbol  # a money criterion's price, as its sentence writes it
                numbers = wire.kept(
                    ("review numbers", pilot_id, version, symbol),
                    lambda: pd.DataFrame([numbers_row(v, symbol) for v in ev.verdicts]),
                )
                table(numbers, hide_index=True, width="stretch")

    if can_write():
        # the latest decision this page showed when the person clicked: a colleague's since is named, not overridden
        shown_latest = conflicts.seen(Keys.decide(pilot_id), earlier[0].decision.id if earlier else None)
        st.subheader(f"Record the decision for {plain(pilot.name)}")
        if earlier:
            st.caption(
                f"This pilot already has {len(earlier)} decision(s); a new one is added to the record "
                "and the earlier ones stay listed below."
            )
        # a guardrail not shown safe: said before anyone scales (a money guardrail's price in the workspace's currency)
        unproven = wording.scale_warning(ev.verdicts, workspace_currency().symbol)
        if unproven:
            st.warning(plain(unproven), icon=":material/shield:")
        with st.form(form_key(Keys.decide(pilot_id))):
            followed = next(o for o in OUTCOMES if decisions.follows(o, ev.recommendation))
            outcome = st.radio(
                "Decision", OUTCOMES, index=OUTCOMES.index(followed), format_func=OUTCOME_LABELS.get, horizontal=True
            )
            rationale = st.text_area("Rationale", placeholder="What we decided and why, in a sentence or two.")
            override = st.text_area(
                "If you decide against the recommendation: why",
                height=68,
                placeholder=f"The numbers recommend “{decisions.said(ev.recommendation)}”. Required when you "
                "decide otherwise; it is kept with the decision.",
            )
            with st.container(horizontal=True, vertical_alignment="center"):
                check_in = st.date_input(
                    "Next check-in",
                    value=date.today() + timedelta(days=14),
                    min_value=date.today() + timedelta(days=1),
                    format="YYYY-MM-DD",
                    help="The review queue shows this pilot again from that day (two weeks by default).",
                )
                who = actor()  # the one name given before the first write (or the signed-in identity): not asked again
                st.caption(f"Recorded by **{plain(who) or 'nobody yet: give your name at the top of the page'}**.")
            if st.form_submit_button(f"Record decision for {plain(pilot.name)}", type="primary"):
                typed = dict(
                    outcome=outcome,
                    rationale=rationale,
                    decided_by=who,
                    shown_recommendation=ev.recommendation,
                    next_check_in=check_in,
                    override_reason=override,
                    shown_decision=shown_latest,
                )

                def _decide(session, over=None, pid=pilot_id, typed=typed):  # bound now: "over" runs on a later run
                    return decisions.decide(session, pid, over=over, **typed)

                conflicts.save(
                    Keys.decide(pilot_id),
                    _decide,
                    f"Decision recorded for “{plain(pilot.name)}”: {OUTCOME_LABELS[outcome].lower()}.",
                    reset=Keys.decide(pilot_id),
                    over=lambda session, over: _decide(session, over),
                    over_label="Record mine, replacing theirs",
                )
        conflicts.choices(Keys.decide(pilot_id))
    else:
        read_only_note("record decisions")

st.subheader("Decisions so far")
EVERY_DECISION = meeting.LogFilter()


def log_view(session, f: meeting.LogFilter = EVERY_DECISION) -> SimpleNamespace:
    """The decision log as shown (``lib.services.meeting``), in plain values (no row objects), so it can be
    shared between sessions: the table, each decision's label and frozen numbers, what the filters offer.
    A namespace, not a dataclass: a class defined here would be built again on every run."""
    log = meeting.decision_log(session, f)
    labels = {r.decision.id or 0: meeting.log_label(r) for r in log.rows}
    frozen = {r.decision.id or 0: meeting.frozen_numbers(r) for r in log.rows}
    return SimpleNamespace(frame=meeting.log_table(log), labels=labels, frozen=frozen, teams=log.teams, goals=log.goals)


def decision_log(everything: SimpleNamespace) -> None:
    """The log's filters, its table and CSV, and the numbers frozen with the decision picked (filters and pick
    kept while the log is closed)."""
    with st.container(horizontal=True):  # one block for the row of filters, not five
        goal_ids = st.multiselect(
            "Goal", list(everything.goals), format_func=everything.goals.get, key="log_goal", persist_state="page"
        )
        teams = st.multiselect("Team", everything.teams, key="log_team", persist_state="page")
        outcomes = st.multiselect(
            "Decision", OUTCOMES, format_func=OUTCOME_LABELS.get, key="log_outcome", persist_state="page"
        )
        span = st.date_input("Decided between", value=(), format="YYYY-MM-DD", key="log_span", persist_state="page")
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
            "Pilot": st.column_config.TextColumn(width="medium"),
            "Rationale": st.column_config.TextColumn(width="large"),
            "Recommended then": st.column_config.TextColumn(width="medium"),
            "Against it because": st.column_config.TextColumn(width="medium"),  # was cut to "Agai…"
        },
    )
    if log.labels:
        chosen = st.selectbox(
            "The numbers frozen with",
            list(log.labels),
            format_func=log.labels.get,
            key="log_frozen",
            persist_state="page",
        )
        numbers = log.frozen[chosen]
        if numbers.money:  # does it pay, as read when decided
            st.markdown(f":material/payments: **Does it pay?** {plain(numbers.money[0])}")
        for sentence in numbers.sentences:
            st.markdown(f"- {plain(sentence)}")
        st.caption(f"Numbers frozen at the decision: {numbers.frozen_at} (decision rules {numbers.rules}).")


everything = per_workspace("decision log", log_view)  # built once per change to the workspace, shared
if everything.frame.empty:
    st.caption("No decisions recorded yet: each one lands here with the numbers frozen when it was made.")
else:
    # the meeting decides one pilot: the whole log is a click away, drawn only while open (closed, it cost each
    # run four filters, a table, a download and a picker)
    whole_log = st.expander(
        f"Every decision ({len(everything.frame):,}), with filters, a CSV and the numbers frozen with each",
        key=Keys.opened("review_log"),
        on_change="rerun",
        icon=":material/history:",
    )
    if whole_log.open:
        with whole_log:
            decision_log(everything)
