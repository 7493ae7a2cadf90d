"""Goals show progress: the KPI's actual per period (with history), toward the target, and projections in the
goal's own unit, or the plain reason a pilot cannot add to it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from lib.infra.db import reading, transaction
from lib.infra.inputs import InvalidInput
from lib.infra.models import AuditEvent, Goal, GoalActual
from lib.services import goal_progress, pilots, rollup
from lib.services.access import NotAllowed, Principal
from lib.services.goal_progress import Actual
from lib.services.rollup import Contribution, KpiUnit, Projection, contribution, kpi_unit
from tests import factories

Q3, Q4 = date(2026, 9, 30), date(2026, 12, 31)


@pytest.mark.parametrize(
    "unit, thing, period",
    [
        ("SQLs/quarter", "sql", "quarter"),
        ("leads/month", "lead", "month"),
        ("SQLs a quarter", "sql", "quarter"),
        ("EUR per year", "eur", "year"),
        ("visits / week", "visit", "week"),
        ("new visits a month", "visit", "month"),
        ("visits", "visit", None),
        ("", "", None),
    ],
)
def test_a_kpi_unit_is_read_as_what_it_counts_and_over_which_period(unit, thing, period):
    assert kpi_unit(unit) == KpiUnit(thing, period, unit.strip())


MONTHLY = Projection(32.0, 10.0, 54.0, "conversions")  # +32 a month (range +10 to +54)


def test_a_pilot_that_counts_what_the_goal_counts_adds_in_the_goals_period():
    c = contribution("Question-style subject lines", MONTHLY, "SQLs", "SQLs/quarter")
    assert c == Contribution("Question-style subject lines", 96.0, 30.0, 162.0)  # a month × 3 = a quarter
    assert contribution("Webinar", MONTHLY, "lead", "leads/month").value == 32.0


@pytest.mark.parametrize(
    "counts, unit, why",
    [
        (
            "",
            "SQLs/quarter",
            "it projects conversions a month, and the goal counts SQLs/quarter; set the primary criterion's unit "
            "(e.g. “SQLs”) when each outcome is one",
        ),
        ("replies", "SQLs/quarter", "it projects replies a month, and the goal counts SQLs/quarter"),
        ("SQLs", "SQLs", "the goal's unit (SQLs) names no period (a month, a quarter…)"),
        ("SQLs", "", "the goal's KPI has no unit, so nothing can be added to it"),
    ],
)
def test_a_pilot_in_another_unit_adds_nothing_and_says_why(counts, unit, why):
    c = contribution("Question-style subject lines", MONTHLY, counts, unit)
    assert (c.value, c.adds, c.why_not) == (None, False, why)


def _goal(unit: str = "SQLs/quarter", target: float | None = 400) -> Goal:
    return Goal(id=1, name="400 SQLs a quarter", level="team", kpi_name="SQLs", kpi_unit=unit, target_value=target)


def test_progress_states_the_latest_actual_against_the_target_and_projects_in_the_goals_unit():
    logged = [Actual(Q3, 310, "", "Ana"), Actual(Q4, 340, "", "Ana")]
    p = goal_progress.progress_of(_goal(), logged, [Contribution("Subject lines", 96.0, 30.0, 162.0)])
    assert p.sentence == "Latest: 340 SQLs/quarter for the period ending 31 Dec 2026, 85% of the 400 target."
    assert (p.projected, p.projected_low, p.projected_high) == (436.0, 370.0, 502.0)
    assert p.projected_at == date(2027, 4, 1)  # one quarter on
    assert p.projection_sentence == (
        "Scaled pilots (Subject lines) are projected to add +96 SQLs/quarter (range +30 to +162): about 436 "
        "SQLs/quarter a period, 109% of the target. It is a projection, not a measured result."
    )
    assert p.share_of_target == pytest.approx(0.85)


def test_a_projection_the_goal_cannot_add_is_not_added_and_the_reason_is_said():
    apart = contribution("Subject lines", MONTHLY, "", "SQLs/quarter")
    p = goal_progress.progress_of(_goal(), [Actual(Q4, 340, "", "Ana")], [apart])
    assert p.projected is None  # never "+96 conversions a month" under a KPI counted in SQLs a quarter
    assert p.projection_sentence == (
        "No projection in SQLs/quarter: no scaled pilot counts in it (Subject lines: it projects conversions a "
        "month, and the goal counts SQLs/quarter; set the primary criterion's unit (e.g. “SQLs”) when each "
        "outcome is one)."
    )


def test_a_goal_without_actuals_says_how_to_get_progress():
    p = goal_progress.progress_of(_goal(), [], [])
    assert p.sentence == (
        "No actual logged yet: log what SQLs came to for a period to see progress toward the target of 400 "
        "SQLs/quarter."
    )
    assert p.projection_sentence == "No scaled pilot serves this goal yet, so nothing is projected."
    assert goal_progress.chart_for(p).to_dict()["name"] == "goal_progress_empty"


@pytest.mark.parametrize("typed, value", [("1,234.5", 1234.5), ("1.234,5", 1234.5), ("344", 344.0), (" 12 ", 12.0)])
def test_a_typed_actual_is_read_like_an_export_cell(typed, value):
    assert goal_progress.read_number(typed) == value


def test_logging_a_period_again_keeps_the_first_value_as_history(engine):
    with transaction(engine) as s:
        goal = factories.goal(s, kpi_unit="SQLs/quarter")
        goal_progress.log_actual(s, goal.id, "Ana", period_end=Q3, value=310)
        goal_progress.log_actual(s, goal.id, "Ana", period_end=Q4, value="335")
    with transaction(engine) as s:
        goal_progress.log_actual(s, goal.id, "Ben", period_end=Q4, value=340, note="CRM re-count")
    with reading(engine) as s:
        assert goal_progress.actuals(s, goal.id) == [Actual(Q3, 310, "", "Ana"), Actual(Q4, 340, "CRM re-count", "Ben")]
        assert [(a.value, a.superseded_at is None) for a in goal_progress.history(s, goal.id)] == [
            (340, True),
            (335, False),
            (310, True),
        ]
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "goal_actual"))]
    assert sorted(actions) == ["correct", "create", "create"]


@pytest.mark.parametrize(
    "who, values, says",
    [
        (Principal("Vic", "viewer", email="vic@example.com"), {"period_end": Q4, "value": 1}, "signed in as a viewer"),
        ("Ana", {"period_end": Q4, "value": "twelve"}, "Actual: 'twelve' is not a number"),
        ("Ana", {"period_end": Q4, "value": "3O0"}, "Actual: '3O0' is not a number"),
        ("Ana", {"period_end": Q4, "value": " "}, "Actual: is required"),
        ("Ana", {"period_end": "next Friday", "value": 12}, "Period ending:"),
        ("Ana", {"period_end": Q4, "value": float("nan")}, "Actual:"),
        ("", {"period_end": Q4, "value": 12}, "Your name: is required"),
    ],
    ids=["viewer", "word", "typo", "blank", "date", "nan", "no name"],
)
def test_a_bad_actual_is_refused_with_a_clear_message_and_nothing_written(engine, who, values, says):
    with transaction(engine) as s:
        goal = factories.goal(s)
    with pytest.raises((InvalidInput, NotAllowed), match=says), transaction(engine) as s:
        goal_progress.log_actual(s, goal.id, who, **values)
    with Session(engine) as s:
        assert s.exec(select(GoalActual)).all() == []


def test_a_scaled_pilot_counting_sqls_adds_to_an_sql_goal_in_sqls_a_quarter(engine):
    with transaction(engine) as s:
        goal = factories.goal(s, kpi_name="SQLs", kpi_unit="SQLs/quarter", target_value=400)
        p = factories.decided_pilot(s, "SQL follow-up", (1000, 50), (1000, 80))
        p.goal_id, p.scale_volume = goal.id, 2000  # the goal it serves, and 2,000 contacts a month once scaled
        s.add(p)
        [primary] = [c for c in pilots.criteria_for(s, p.id) if c.role == "primary"]
        primary.unit = "SQLs"
        s.add(primary)
        goal_progress.log_actual(s, goal.id, "Ana", period_end=Q4, value=340)
    with reading(engine) as s:
        [g] = [x for x in rollup.rollup(s) if x.node.goal.id == goal.id]
        [serving] = g.pilots
        per_month = serving.projection.per_month
        [progress] = [x for x in goal_progress.goal_progress(s) if x.goal_id == goal.id]
    assert per_month == pytest.approx(0.03 * 2000)  # +3 pts × 2,000 a month = +60 SQLs a month
    assert serving.contribution.value == pytest.approx(180)  # +180 SQLs a quarter
    assert g.projected == pytest.approx(180)
    assert progress.projected == pytest.approx(520)
    assert "projected to add +180 SQLs/quarter" in progress.projection_sentence
    lines = rollup.goal_lines(g, str)
    assert any("projected +180 SQLs/quarter (range" in line for line in lines), lines
