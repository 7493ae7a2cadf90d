"""The services behind page actions, on both back ends: each action is one call into lib/."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from lib.infra.db import transaction
from lib.infra.inputs import InvalidInput
from lib.infra.models import Decision, Pilot, ResultEntry
from lib.services import audit, decisions, entry_saves, portfolio, results, workspace
from lib.services.designer import PlanInputs, plan_from_form, summarize
from lib.services.pilots import update_pilot
from lib.services.spend_view import spend_many
from tests.factories import START, ab_pilot, day_rows, goal


def _count(engine, model) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


@pytest.fixture
def pilot_id(engine) -> int:
    with transaction(engine) as s:
        g = goal(s)
        p = ab_pilot(s, goal_id=g.id)
        results.log_results(s, p.id, day_rows(START), "tester", today=START + timedelta(days=3))
        return p.id


def _grid(engine, pid: int, day: date = START) -> entry_saves.Grid:
    with Session(engine) as s:
        return entry_saves.grid_for(s, pid, "reply_rate", [day])


def test_clearing_only_replies_is_refused_and_writes_nothing(engine, pilot_id):
    grid = _grid(engine, pilot_id)
    edited = [dict(r) for r in grid.rows]
    edited[1]["Replies"] = None  # the pilot arm: sent kept, replies emptied
    before = _count(engine, ResultEntry)
    with pytest.raises(InvalidInput) as err, transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", grid.rows, edited, "tester", "oops")
    assert "Replies is empty" in str(err.value) and "clear the whole row" in str(err.value)
    assert _count(engine, ResultEntry) == before
    with Session(engine) as s:
        pilot_row = next(e for e in results.current_entries(s, pilot_id) if e.arm == "pilot")
    assert pilot_row.total == 33  # not silently turned into 0


def test_clearing_the_whole_row_clears_the_value_with_history(engine, pilot_id):
    grid = _grid(engine, pilot_id)
    edited = [dict(r) for r in grid.rows]
    edited[1]["Replies"] = edited[1]["Sent"] = None
    with transaction(engine) as s:
        saved = entry_saves.save_grid(s, pilot_id, "reply_rate", grid.rows, edited, "tester", "wrong day")
    assert saved == entry_saves.GridSaved(added=0, corrected=0, deleted=1)
    with Session(engine) as s:
        assert [e.arm for e in results.current_entries(s, pilot_id)] == ["control"]
    assert _count(engine, ResultEntry) == 2  # the cleared row stays as history


def test_a_grid_with_nothing_changed_says_so(engine, pilot_id):
    grid = _grid(engine, pilot_id)
    with pytest.raises(InvalidInput, match="nothing changed"), transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", grid.rows, [dict(r) for r in grid.rows], "tester")


def test_logging_window_runs_from_the_start_to_the_end():
    pilot = Pilot(name="x", design="ab", start_date=START, end_date=START + timedelta(days=27))
    window = results.logging_window(pilot)
    assert (window.first, window.last) == (START, START + timedelta(days=27))
    assert window.shown_until(START + timedelta(days=90)) == START + timedelta(days=27)
    assert window.shown_until(START + timedelta(days=2)) == START + timedelta(days=2)
    ba = Pilot(name="y", design="before_after", baseline_start=date(2026, 9, 1), start_date=START)
    assert results.logging_window(ba).first == date(2026, 9, 1)


def test_decide_evaluates_once_and_returns_what_it_stored(engine, pilot_id):
    with transaction(engine) as s:
        recorded = decisions.decide(s, pilot_id, outcome="extend", rationale="Too early to call", decided_by="lead")
    with Session(engine) as s:
        stored = s.get(Decision, recorded.decision.id)
        row = decisions.list_decisions(s, pilot_id)[0]
    assert stored.recommendation == recorded.recommendation == recorded.snapshot["evaluation"]["recommendation"]
    assert row.snapshot["evaluation"] == recorded.snapshot["evaluation"]


def test_decide_refuses_when_the_numbers_changed_since_they_were_shown(engine, pilot_id):
    with Session(engine) as s:
        from lib.services.evaluation import evaluate

        now = evaluate(s, pilot_id).recommendation
    other = "scale" if now != "scale" else "abort"
    with pytest.raises(InvalidInput, match="numbers changed while you were deciding"), transaction(engine) as s:
        decisions.decide(s, pilot_id, outcome="scale", rationale="Go", decided_by="lead", shown_recommendation=other)
    assert _count(engine, Decision) == 0


def test_decide_refuses_a_viewer_before_evaluating(engine, pilot_id):
    from lib.services.access import NotAllowed, Principal

    with pytest.raises(NotAllowed), transaction(engine) as s:
        decisions.decide(s, pilot_id, outcome="scale", rationale="Go", decided_by=Principal("Val", "viewer"))
    assert _count(engine, Decision) == 0


def test_portfolio_overview_counts_and_latest_outcome(engine, pilot_id):
    with transaction(engine) as s:
        decisions.decide(s, pilot_id, outcome="extend", rationale="More data", decided_by="lead")
        decisions.decide(
            s, pilot_id, outcome="abort", rationale="Stop", decided_by="lead", override_reason="Budget cut"
        )
        ab_pilot(s, name="An idea", status="idea", planned_n_per_arm=None)
    with Session(engine) as s:
        view = portfolio.overview(s)
    assert (view.running, view.decided, view.backlog) == (0, 1, 1)
    row = next(r for r in view.rows if r.pilot.id == pilot_id)
    assert row.latest_outcome == "abort" and not row.ready_for_decision


def test_workspace_version_is_the_newest_audit_result_and_pilot_ids_in_one_read(engine, pilot_id):
    from lib.infra.models import AuditEvent

    def newest(model) -> int:
        with Session(engine) as s:
            return int(s.exec(select(func.max(model.id))).one() or 0)

    with Session(engine) as s:
        before = portfolio.workspace_version(s)
    assert before == (newest(AuditEvent), newest(ResultEntry), newest(Pilot)) and min(before) > 0
    with transaction(engine) as s:  # an audited write moves it
        decisions.decide(s, pilot_id, outcome="extend", rationale="More data", decided_by="lead")
    with Session(engine) as s:
        after = portfolio.workspace_version(s)
    assert after[0] > before[0] and after[1:] == before[1:]
    with transaction(engine) as s:  # rows written without an audit event (a restore) move it too
        s.add(
            ResultEntry(
                pilot_id=pilot_id, day=START - timedelta(days=1), arm="pilot", metric="reply_rate", n=5, total=1
            )
        )
    with Session(engine) as s:
        assert portfolio.workspace_version(s)[1] > after[1]


def test_a_share_link_opened_leaves_the_workspace_version_as_it_was(engine, pilot_id):
    from lib.services import share

    with transaction(engine) as s:
        link, token = share.create_link(s, actor="lead", pilot_id=pilot_id)
    with Session(engine) as s:
        before = portfolio.workspace_version(s)
    for _ in range(3):  # three stakeholders open it: three audit events, nothing a page shows has changed
        with transaction(engine) as s:
            target = share.resolve(s, token)
            assert target is not None
            share.record_open(s, target)
    with Session(engine) as s:
        assert portfolio.workspace_version(s) == before
        assert share.opens(s, link.id or 0) == 3  # each open is still on the record
    with transaction(engine) as s:  # a real change after the opens moves it again
        decisions.decide(s, pilot_id, outcome="extend", rationale="More data", decided_by="lead")
    with Session(engine) as s:
        assert portfolio.workspace_version(s)[0] > before[0]


def test_criteria_changes_are_typed_rows_in_words(engine, pilot_id):
    from lib.infra.inputs import PilotIn

    with transaction(engine) as s:
        p = s.get(Pilot, pilot_id)
        values = audit.snapshot(p, tuple(PilotIn.model_fields))
        update_pilot(
            s,
            pilot_id,
            "lead",
            reason="Guardrail was too strict",
            **values,
            criteria=[dict(metric="reply_rate", kind="proportion", role="primary", threshold=0.0)],
        )
    with Session(engine) as s:
        changes = audit.criteria_changes(s, pilot_id)
    assert len(changes) == 1
    change = changes[0]
    assert change.reason == "Guardrail was too strict" and change.actor == "lead"
    assert len(change.before) == 2 and len(change.after) == 1
    assert change.before[1].startswith("guardrail:") and "Unsubscribe rate" in change.before[1]


def test_workspace_counts_and_a_masked_location(engine, pilot_id):
    with Session(engine) as s:
        counts = workspace.counts(s)
    assert (counts.goals, counts.pilots, counts.result_rows, counts.decisions) == (1, 1, 2, 0)
    masked = workspace.database_info(engine, reveal=False)
    full = workspace.database_info(engine, reveal=True)
    assert masked.up_to_date and masked.revision == masked.head
    if engine.dialect.name == "sqlite":
        assert masked.location == "greenlight.db" and "/" not in masked.location
        assert full.location.endswith("greenlight.db") and "/" in full.location
    else:
        assert "app:" not in masked.location and "@" not in masked.location and "postgresql" in masked.location
        assert "***" in full.location and ":app@" not in full.location


def test_plan_from_form_converts_percent_as_typed():
    typed = plan_from_form(
        comparison="vs_control",
        kind="proportion",
        threshold_type="absolute",
        threshold=0.0,
        expected=1.0,
        confidence=0.95,
        power=0.8,
        days=28,
        baseline=5.0,
    )
    direct = summarize(
        PlanInputs(
            kind="proportion",
            comparison="vs_control",
            threshold=0.0,
            expected=0.01,
            baseline=0.05,
            confidence=0.95,
            power=0.8,
            looks=28,
        )
    )
    assert typed.plan.n == direct.plan.n and typed.characteristics == direct.characteristics


def test_deciding_against_the_numbers_needs_a_reason_and_keeps_it(engine, pilot_id):
    with pytest.raises(InvalidInput) as err, transaction(engine) as s:
        decisions.decide(s, pilot_id, outcome="scale", rationale="Looks good", decided_by="lead")
    assert "say why the meeting decides otherwise" in str(err.value)
    assert _count(engine, Decision) == 0
    with transaction(engine) as s:
        recorded = decisions.decide(
            s,
            pilot_id,
            outcome="scale",
            rationale="Looks good",
            decided_by="lead",
            override_reason="The board wants it live before the fair",
        )
    assert recorded.decision.override_reason == "The board wants it live before the fair"
    assert not decisions.follows("scale", recorded.recommendation)


def test_a_check_in_date_must_lie_ahead_and_brings_the_pilot_back_to_the_queue(engine, pilot_id):
    today = START + timedelta(days=3)
    with pytest.raises(InvalidInput, match="must be after today"), transaction(engine) as s:
        decisions.decide(
            s, pilot_id, outcome="extend", rationale="More data", decided_by="lead", next_check_in=today, today=today
        )
    with transaction(engine) as s:
        decisions.decide(
            s,
            pilot_id,
            outcome="extend",
            rationale="More data",
            decided_by="lead",
            next_check_in=today + timedelta(days=14),
            today=today,
        )
    with Session(engine) as s:
        due_before = [r for r in portfolio.overview(s, today + timedelta(days=13)).rows if r.why_due]
        due_on = [r for r in portfolio.overview(s, today + timedelta(days=14)).rows if r.why_due]
    assert due_before == []
    assert any("check-in due" in (r.why_due or "") for r in due_on)


def test_arms_named_as_the_export_names_them_are_analysed_control_first(engine):
    from lib.services.evaluation import evaluate

    with transaction(engine) as s:
        p = ab_pilot(s, name="Gate test", arms="gate_30,gate_40")
        rows = [
            dict(metric="reply_rate", arm="gate_30", day=START, n=400, total=20),
            dict(metric="reply_rate", arm="gate_40", day=START, n=410, total=41),
        ]
        results.log_results(s, p.id, rows, "tester", today=START + timedelta(days=1))
        pid = p.id
    with Session(engine) as s:
        primary = evaluate(s, pid).verdicts[0]
    assert primary.control_value == pytest.approx(20 / 400) and primary.pilot_value == pytest.approx(41 / 410)
    with pytest.raises(InvalidInput, match="needs two arms"), transaction(engine) as s:
        ab_pilot(s, name="One arm", arms="gate_30")


def test_goals_roll_up_with_a_labelled_projection_for_the_scaled_pilot(engine):
    from lib.demo.loader import load_demo
    from lib.infra.db import reading
    from lib.services import rollup

    with transaction(engine) as s:
        load_demo(s)
    with reading(engine) as s:
        goals = rollup.rollup(s)
    assert [g.node.depth for g in goals] == [0, 1, 2]  # company → marketing → team
    scaled = [p for g in goals for p in g.pilots if p.projection]
    assert [p.pilot.name for p in scaled] == ["Question-style subject lines"]
    pr = scaled[0].projection
    assert pr.low < pr.per_month < pr.high and pr.unit == "conversions"
    assert pr.per_month == pytest.approx(6000 * (pr.per_month / 6000))  # effect × the planned 6,000 a month
    serving = next(g for g in goals if any(p.projection for p in g.pilots))
    lines = rollup.goal_lines(serving, str)
    # a reply-rate pilot projects replies a month; the goal counts SQLs a quarter: nothing is added, and it says why
    # (it read "projected +96 conversions a month" under that KPI)
    assert serving.projected == 0 and scaled[0].contribution is not None and not scaled[0].contribution.adds
    assert any(
        "no projection in SQLs/quarter: it projects conversions a month, and the goal counts SQLs/quarter" in line
        for line in lines
    ), lines
    with reading(engine) as s:  # what Home and Goals keep per workspace version: the same lines, as plain text
        texts = rollup.goal_texts(s, portfolio.overview(s), str)
        spending = spend_many(s, [r.pilot for r in portfolio.overview(s).rows])
    assert texts == [(bool(g.pilots), "  \n".join(rollup.goal_lines(g, str, spending))) for g in goals]
    # and in money: each goal's spend so far, each pilot's cost per extra outcome (issue 28)
    revenue = next(text for _, text in texts if "Retargeting budget shift" in text)
    assert "Money: €" in revenue and "spent so far across 1 of its pilots" in revenue
    assert "Retargeting budget shift: Running: keep running · spent €" in revenue
    assert all(isinstance(text, str) for _, text in texts) and any(serving for serving, _ in texts)


def test_criteria_changes_write_a_money_price_in_the_workspace_currency(engine, pilot_id):
    """A money criterion changed after the start reads "at most £40" in the history, not a bare "40"."""
    from lib.infra.inputs import PilotIn
    from lib.services import settings

    money = dict(
        metric="reply_rate", kind="proportion", role="secondary", threshold=40.0, threshold_type="cost_per_extra"
    )
    with transaction(engine) as s:
        settings.save_currency(s, "lead", "GBP")
        values = audit.snapshot(s.get(Pilot, pilot_id), tuple(PilotIn.model_fields))
        update_pilot(
            s,
            pilot_id,
            "lead",
            reason="Price the replies",
            **values,
            criteria=[dict(metric="reply_rate", kind="proportion", role="primary", threshold=0.0), money],
        )
    with Session(engine) as s:
        [change] = audit.criteria_changes(s, pilot_id, settings.currency(s).symbol)
    assert change.after[1] == "secondary: Reply rate: each extra reply costs at most £40 vs control"
