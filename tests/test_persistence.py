"""Goals, pilots, criteria, results and decisions on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lib.infra.db import reading, transaction
from lib.infra.inputs import InvalidInput
from lib.infra.models import AuditEvent, Criterion, Decision, Goal, Pilot, ResultEntry
from lib.services import decisions, goals, pilots, results
from tests import factories
from tests.factories import START, day_rows


def counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            m.__name__: s.exec(select(sa.func.count()).select_from(m)).one()
            for m in (Goal, Pilot, Criterion, ResultEntry, Decision)
        }


def test_goal_hierarchy_reads_company_to_team(engine):
    with transaction(engine) as s:
        company = factories.goal(s)
        mkt = factories.goal(s, "More demo requests", level="marketing", parent_id=company.id)
        factories.goal(
            s, "100 visits a month from social", level="team", parent_id=mkt.id, kpi_name="Visits from social"
        )
    with transaction(engine) as s:
        tree = goals.goal_tree(s)
    assert [(n.goal.name, n.depth) for n in tree] == [
        ("Grow qualified pipeline", 0),
        ("More demo requests", 1),
        ("100 visits a month from social", 2),
    ]


@pytest.mark.parametrize(
    "values, field",
    [
        (dict(name="  "), "name"),
        (dict(kpi_name=""), "kpi_name"),
        (dict(level="galaxy"), "level"),
        (dict(level="company", parent_id=1), "parent_id"),
        (dict(target_value=float("nan")), "target_value"),
    ],
)
def test_bad_goal_is_refused_naming_the_field_and_writes_nothing(engine, values, field):
    with transaction(engine) as s:
        parent = factories.goal(s, "Parent")
    before = counts(engine)
    with pytest.raises(InvalidInput) as exc, transaction(engine) as s:
        vals = {"parent_id": parent.id, "level": "team", **values}
        factories.goal(s, **vals)
    assert exc.value.for_field(field), exc.value.errors
    assert counts(engine) == before


def test_pilot_with_criteria_is_stored_and_audited(engine):
    with transaction(engine) as s:
        g = factories.goal(s)
        p = factories.ab_pilot(s, goal_id=g.id)
    with transaction(engine) as s:
        crit = pilots.criteria_for(s, p.id)
        rows = pilots.list_pilots(s)
        created = s.exec(select(AuditEvent).where(AuditEvent.entity == "pilot")).one()
    assert [(c.metric, c.role, c.comparison) for c in crit] == [
        ("reply_rate", "primary", "vs_control"),
        ("unsubscribe_rate", "guardrail", "vs_control"),
    ]
    assert rows[0].goal_name == "Grow qualified pipeline" and rows[0].criteria_count == 2
    assert p.criteria_locked_at is not None  # created running: locked at once
    assert json.loads(created.after_json)["criteria"][0]["metric"] == "reply_rate"


@pytest.mark.parametrize(
    "values, field",
    [
        (dict(name=""), "name"),
        (dict(start_date=START, end_date=START - timedelta(days=1)), "end_date"),
        (dict(design="split"), "design"),
        (dict(planned_n_per_arm=-5), "planned_n_per_arm"),
        (dict(design="before_after", criteria=[]), "baseline_start"),
        (dict(goal_id=12345), "goal_id"),
        (
            dict(criteria=[dict(metric="reply_rate", kind="proportion", role="primary", threshold=2.0)]),
            "criterion_1_threshold",
        ),
        (dict(criteria=[dict(metric="reply_rate", kind="ratio", role="primary")]), "criterion_1_kind"),
        (dict(criteria=[dict(metric="x", kind="proportion", role="secondary")]), "criteria"),
    ],
)
def test_bad_pilot_is_refused_and_writes_nothing(engine, values, field):
    before = counts(engine)
    with pytest.raises(InvalidInput) as exc, transaction(engine) as s:
        factories.ab_pilot(s, **values)
    assert exc.value.for_field(field), exc.value.errors
    assert counts(engine) == before


def test_duplicate_pilot_name_is_refused(engine):
    with transaction(engine) as s:
        factories.ab_pilot(s)
    with pytest.raises(InvalidInput, match="already exists"), transaction(engine) as s:
        factories.ab_pilot(s)
    assert counts(engine)["Pilot"] == 1


def test_changing_locked_criteria_needs_a_reason_and_is_recorded(engine):
    with transaction(engine) as s:
        p = factories.ab_pilot(s)
    new = [dict(metric="reply_rate", kind="proportion", role="primary", threshold=0.01)]
    values = dict(name=p.name, design="ab", status="running", start_date=START, planned_n_per_arm=2000)
    with pytest.raises(InvalidInput, match="locked"), transaction(engine) as s:
        pilots.update_pilot(s, p.id, "lead", criteria=new, **values)
    with transaction(engine) as s:
        pilots.update_pilot(s, p.id, "lead", criteria=new, reason="Finance asked for +1 point", **values)
    with transaction(engine) as s:
        assert [c.threshold for c in pilots.criteria_for(s, p.id)] == [0.01]
        ev = s.exec(select(AuditEvent).where(AuditEvent.action == "change_after_lock")).one()
    assert ev.reason == "Finance asked for +1 point" and len(json.loads(ev.before_json)["criteria"]) == 2


def test_results_log_all_or_nothing(engine):
    with transaction(engine) as s:
        p = factories.ab_pilot(s)
    rows = day_rows(START) + [dict(metric="reply_rate", arm="pilot", day=START + timedelta(days=1), n=10, total=11)]
    with pytest.raises(InvalidInput) as exc, transaction(engine) as s:
        results.log_results(s, p.id, rows, "ana", today=date(2026, 11, 1))
    assert "cannot exceed exposures" in str(exc.value) and "Row 3" in str(exc.value)
    assert counts(engine)["ResultEntry"] == 0
    with transaction(engine) as s:
        results.log_results(s, p.id, day_rows(START), "ana", today=date(2026, 11, 1))
    with transaction(engine) as s:
        obs = results.observations(s, p.id)
    assert sorted((o.arm, o.n, o.total) for o in obs) == [("control", 400, 24), ("pilot", 410, 33)]


@pytest.mark.parametrize(
    "row, message",
    [
        (dict(n=-1, total=0), "must not be negative"),
        (dict(n=10, total=-2), "must not be negative"),
        (dict(n=10, total=11), "cannot exceed exposures"),
        (dict(arm="variant_b"), "not an arm of this pilot"),
        (dict(metric="opens"), "not a metric of this pilot"),
        (dict(day=START - timedelta(days=3)), "before the pilot's first day"),
        (dict(day=START + timedelta(days=60)), "after the pilot's last day"),
        (dict(n="abc"), "must be a number"),
    ],
)
def test_each_bad_result_is_named_and_nothing_written(engine, row, message):
    with transaction(engine) as s:
        p = factories.ab_pilot(s)
    base = dict(metric="reply_rate", arm="control", day=START, n=100, total=5)
    with pytest.raises(InvalidInput, match=message), transaction(engine) as s:
        results.log_results(s, p.id, [base | row], "ana", today=date(2026, 12, 31))
    assert counts(engine)["ResultEntry"] == 0


def test_logging_a_day_twice_is_refused_and_a_correction_keeps_history(engine):
    with transaction(engine) as s:
        p = factories.ab_pilot(s)
        results.log_results(s, p.id, day_rows(START), "ana", today=date(2026, 11, 1))
    with pytest.raises(InvalidInput, match="already logged"), transaction(engine) as s:
        results.log_results(s, p.id, day_rows(START), "ana", today=date(2026, 11, 1))
    with transaction(engine) as s:
        entry = next(e for e in results.current_entries(s, p.id) if e.arm == "pilot")
        results.correct_result(s, entry.id, "lead", reason="typo: 33 was 38", total=38)
    with transaction(engine) as s:
        results.delete_result(s, next(e.id for e in results.current_entries(s, p.id) if e.arm == "control"), "lead")
    with transaction(engine) as s:
        current = results.current_entries(s, p.id)
        hist = results.history(s, p.id)
        all_rows = s.exec(select(ResultEntry)).all()
    assert [(e.arm, e.total) for e in current] == [("pilot", 38)]
    assert len(all_rows) == 3  # nothing was overwritten in place
    assert [(h.action, h.actor) for h in hist] == [("delete", "lead"), ("correct", "lead")]
    assert hist[1].before == "n=410, total=33" and hist[1].after == "n=410, total=38"
    assert hist[1].reason == "typo: 33 was 38"


def test_the_database_keeps_one_current_value_per_day_arm_metric(engine):
    """The partial unique index backs up the check, e.g. for two writers at once."""
    with transaction(engine) as s:
        p = factories.ab_pilot(s)
        results.log_results(s, p.id, day_rows(START), "ana", today=date(2026, 11, 1))
    with pytest.raises(sa.exc.IntegrityError), transaction(engine) as s:
        s.add(ResultEntry(pilot_id=p.id, metric="reply_rate", arm="pilot", day=START, n=1, total=0))


def test_decision_freezes_numbers_and_closes_the_pilot(engine):
    with transaction(engine) as s:
        p = factories.ab_pilot(s)
    snap = {"recommendation": "scale", "criteria": [{"metric": "reply_rate", "pilot_value": 0.08}]}
    with pytest.raises(InvalidInput) as exc, transaction(engine) as s:
        decisions.record_decision(s, p.id, outcome="scale", rationale=" ", decided_by="Lea", snapshot=snap)
    assert exc.value.for_field("rationale")
    assert counts(engine)["Decision"] == 0
    with transaction(engine) as s:
        decisions.record_decision(
            s,
            p.id,
            outcome="scale",
            rationale="Clear win on replies",
            decided_by="Lea",
            snapshot=snap,
            recommendation="scale",
        )
    with transaction(engine) as s:
        [row] = decisions.list_decisions(s)
        assert s.get(Pilot, p.id).status == "decided"
    assert row.pilot_name == "Subject line test" and row.snapshot["criteria"][0]["pilot_value"] == 0.08


def test_goal_names_are_unique_and_only_company_goals_stand_alone(engine):
    with transaction(engine) as s:
        factories.goal(s, "Grow revenue")
    with pytest.raises(InvalidInput, match="already exists"), transaction(engine) as s:
        factories.goal(s, "Grow revenue")
    with pytest.raises(InvalidInput, match="pick its parent"), transaction(engine) as s:
        factories.goal(s, "Team goal", level="team")
    assert counts(engine)["Goal"] == 1


def test_portfolio_evaluation_matches_one_pilot_at_a_time(engine):
    """The home page's batched evaluation gives the same verdicts as the per-pilot one."""
    from lib.demo.loader import load_demo
    from lib.services.evaluation import evaluate
    from lib.services.stored_evaluations import evaluate_all

    with transaction(engine) as s:
        load_demo(s, as_of=date(2026, 11, 23))
    with transaction(engine) as s:
        portfolio = evaluate_all(s, as_of=date(2026, 11, 23))
        assert len(portfolio) == 16  # eight, six earlier outreach sequences decided, the store pilot, the market test
        for pilot, ev in portfolio:
            assert ev.to_dict() == evaluate(s, pilot.id, as_of=date(2026, 11, 23)).to_dict()


def test_loggable_pilots_are_those_with_criteria_in_id_order(engine):
    """What the Log results picker lists: a pilot without criteria has nothing to log against."""
    with transaction(engine) as s:
        first = factories.ab_pilot(s, name="First")
        bare = factories.ab_pilot(s, name="Draft", status="planned", criteria=[])
        later = factories.ab_pilot(s, name="Later", status="planned")
    with reading(engine) as s:
        listed = pilots.loggable(s)
        every = [r for r in pilots.list_pilots(s) if r.criteria_count]
    assert [(r.id, r.name, r.status) for r in listed] == [
        (first.id, "First", "running"),
        (later.id, "Later", "planned"),
    ]
    assert [r.id for r in listed] == [r.pilot.id for r in every] and bare.id not in {r.id for r in listed}
