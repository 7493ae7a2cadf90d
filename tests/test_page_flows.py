"""Main flows of issue 10 that the page tests did not yet follow end to end, through AppTest.

Designing with named arms, the budget panel answering "what can this budget detect?"
as its inputs move, and promoting a backlog idea to a planned pilot.
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from lib.models import Pilot
from tests.pages_helpers import errors, page
from tests.test_pages import _fill_pilot, app_engine, demo_engine  # noqa: F401 - fixtures

SMALLEST = re.compile(r"smallest effect this pilot reliably catches is \+([\d.]+) pts")


def _smallest_effect(at) -> float:
    text = " ".join(m.value for m in at.markdown)
    found = SMALLEST.search(text)
    assert found, text[-600:]
    return float(found.group(1))


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_the_budget_panel_catches_smaller_effects_with_more_people_or_more_days(app_engine):  # noqa: F811
    at = page("pages/pilots.py").run()
    assert "smallest effect" not in " ".join(m.value for m in at.markdown)  # no volume, no budget answer
    at.number_input(key="plan_volume").set_value(100.0).run()
    small_budget = _smallest_effect(at)
    assert any("smaller than what this budget can catch" in w for w in _warnings(at))  # expects +1.0 pts

    at.number_input(key="plan_volume").set_value(2_000.0).run()
    more_people = _smallest_effect(at)
    assert more_people < small_budget
    assert not any("budget can catch" in w for w in _warnings(at))  # +1.0 pts is now within reach

    at.number_input(key="plan_days").set_value(56).run()
    assert _smallest_effect(at) < more_people  # the same daily volume for twice as long
    assert not at.exception


def test_a_pilot_designed_with_named_arms_keeps_the_names_its_export_uses(app_engine):  # noqa: F811
    at = page("pages/pilots.py").run()
    tab = _fill_pilot(at, name="Gate placement")
    arms = next(w for w in tab.text_input if w.label.startswith("Arms"))
    arms.set_value("gate_30, gate_40")
    tab.button[0].click().run()
    assert not errors(at), errors(at)
    with Session(app_engine) as s:
        pilot = s.exec(select(Pilot).where(Pilot.name == "Gate placement")).one()
    assert pilot.arm_list == ["gate_30", "gate_40"]  # control first, as typed


def test_promoting_a_backlog_idea_makes_it_a_planned_pilot(demo_engine):  # noqa: F811
    with Session(demo_engine) as s:
        idea = s.exec(select(Pilot).where(Pilot.status == "idea")).first()
    assert idea is not None, "the demo holds an idea"
    at = page("pages/backlog.py").run()
    assert any("*idea*" in m.value and idea.name in m.value for m in at.markdown)
    at.button(key=f"promote_{idea.id}").click().run()

    assert not errors(at) and not at.exception
    with Session(demo_engine) as s:
        promoted = s.get(Pilot, idea.id)
        assert promoted is not None
        assert (promoted.status, promoted.name, promoted.expected_outcome) == (
            "planned",
            idea.name,
            idea.expected_outcome,
        )
    assert not any(b.key == f"promote_{idea.id}" for b in at.button)  # a planned pilot has nothing to promote
    pilots_page = page("pages/pilots.py").run()
    listed = pilots_page.dataframe[0].value
    assert listed.loc[listed["Pilot"] == idea.name, "Status"].tolist() == ["Planned"]


def test_the_review_queue_draws_four_cards_then_more_on_request(app_engine):  # noqa: F811
    from lib.db import transaction
    from lib.results import log_results
    from tests import factories

    with transaction(app_engine) as s:
        for i in range(1, 7):  # all ended: each waits for a decision
            p = factories.ab_pilot(s, name=f"Ended pilot {i}")
            log_results(s, p.id, factories.day_rows(factories.START), "tester")
    at = page("pages/review.py").run()
    cards = [m for m in at.markdown if "open the pilot page" in m.value]
    assert len(cards) == 4 and "Needs a decision today (6)" in [h.value for h in at.subheader]
    assert "Ended pilot 5" in " ".join(c.value for c in at.caption)  # the rest are named below the cards
    next(b for b in at.button if b.label == "Show 2 more with their charts").click().run()
    cards = [m for m in at.markdown if "open the pilot page" in m.value]
    assert len(cards) == 6 and not at.exception
    assert not any(b.label.startswith("Show ") for b in at.button)
