"""The Goals page shows each goal's progress toward its target and takes a period's actual, refusing typos."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from lib.infra.models import GoalActual
from tests.pages_helpers import count, errors, page

SQL_GOAL = 2  # the demo's "400 sales-qualified leads a quarter"


def _actual_tab(at):
    return next(t for t in at.tabs if t.label == "Log an actual")


def test_goals_show_progress_and_projections_in_the_goals_unit(app_demo_engine):
    at = page("pages/goals.py").run()
    assert not at.exception, at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "Latest: 344 SQLs/quarter for the period ending" in shown and "86% of the 400 target" in shown
    # the scaled reply-rate pilot projects replies, not SQLs: no "+96 conversions a month" under an SQL goal
    assert "No projection in SQLs/quarter: no scaled pilot counts in it (Question-style subject lines" in shown
    assert not re.search(r"projected [+−]\S+ conversions", shown)  # nowhere on the page, rollup included
    charts = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert sum('"goal_progress"' in spec for spec in charts) == 2, len(charts)  # the two goals with actuals logged


def test_an_actual_is_logged_from_the_page_and_a_typo_is_refused(app_demo_engine):
    at = page("pages/goals.py").run()
    before = count(app_demo_engine, GoalActual)
    tab = _actual_tab(at)
    tab.selectbox[0].set_value(SQL_GOAL).run()
    tab = _actual_tab(at)
    tab.text_input[0].set_value("3O0")
    tab.button[0].click().run()
    assert any("Actual: '3O0' is not a number" in e for e in errors(at)), errors(at)
    assert count(app_demo_engine, GoalActual) == before  # nothing written
    _actual_tab(at).text_input[0].set_value("1,234")
    _actual_tab(at).button[0].click().run()
    assert not errors(at), errors(at)
    assert "Actual logged" in at.success[0].value
    with Session(app_demo_engine) as s:
        newest = s.exec(select(GoalActual).order_by(col(GoalActual.id).desc())).first()
    assert newest is not None and (newest.goal_id, newest.value) == (SQL_GOAL, 1234.0)
