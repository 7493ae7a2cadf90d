"""The demo's store pilot on the pages: what adjusting did beside the verdict, the unadjusted reading a click
away, the designer's plan with what was known before, and the store count on the pilot form."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from lib.adapter.keys import Keys
from lib.infra.models import Pilot
from tests.pages_helpers import errors, page, pilots_page

STORES = 15  # the demo's store pilot


@pytest.fixture
def demo_engine(app_demo_engine):
    return app_demo_engine


def _text(at) -> str:
    return " ".join(m.value for m in [*at.markdown, *at.caption]).replace("\\", "")


def test_the_pilot_page_says_what_adjusting_did_and_keeps_the_plain_reading_a_click_away(demo_engine):
    at = page("pages/pilot.py")
    at.query_params["pilot"] = str(STORES)
    at.run()
    assert not at.exception and not errors(at)
    text = _text(at)
    assert "on 30 stores per arm" in text
    assert "Adjusted for market and last_month_sales: the interval is 83% narrower than unadjusted." in text
    [plain] = [e for e in at.expander if e.label == "Unadjusted reading: Weekly sales"]
    reading = " ".join(m.value for m in plain.markdown)
    assert reading.startswith("Unadjusted: ") and "on 30 (standard) and 30 (promotion) stores" in reading


def test_review_shows_the_adjustment_beside_the_verdict(demo_engine):
    at = page("pages/review.py").run()
    at.selectbox(key=Keys.review_pilot).set_value(STORES).run()
    assert not at.exception and not errors(at)
    assert "the interval is 83% narrower than unadjusted" in _text(at)
    assert any(e.label == "Unadjusted reading: Weekly sales" for e in at.expander)


def test_the_designer_plans_fewer_stores_with_what_was_known_before(demo_engine):
    at = pilots_page("New pilot")
    at.selectbox(key=Keys.plan("kind")).set_value("mean").run()
    assert not at.exception and not errors(at)
    at.selectbox(key=Keys.plan("before_data")).set_value(STORES).run()
    [info] = [i.value for i in at.info if "took away" in i.value]
    assert "Adjusting for market and last_month_sales took away 9" in info
    assert "stores per arm instead of" in info and "fewer)" in info


def test_a_new_pilot_names_the_stores_it_splits(demo_engine):
    at = pilots_page("New pilot")
    tab = at.tabs[1]
    next(w for w in tab.text_input if w.label == "Name").set_value("Radio in some cities")
    next(w for w in tab.text_input if w.label == "What the arms split (A/B)").set_value("cities")
    next(w for w in tab.text_input if w.label.startswith("Metric")).set_value("weekly_sales")
    next(b for b in tab.button if b.label == "Create pilot").click().run()
    assert not errors(at), errors(at)
    with Session(demo_engine) as s:
        created = s.exec(select(Pilot).where(Pilot.name == "Radio in some cities")).one()
    assert created.unit == "cities"


def test_a_unit_pilot_plans_in_its_unit_and_takes_the_total_summary_on_the_page(demo_engine):
    at = pilots_page("New pilot", "Edit a pilot")
    tab = at.tabs[1]
    assert next(w for w in tab.number_input if w.label == "Planned people per arm")  # a new pilot: people
    next(w for w in tab.text_input if w.label == "Name").set_value("Promotion weeks in stores")
    next(w for w in tab.text_input if w.label == "What the arms split (A/B)").set_value("stores")
    summary = next(w for w in tab.selectbox if w.label == "A unit's value (stores, markets)")
    assert summary.options == ["Its mean per row or period", "Its total for the pilot"]
    summary.set_value("total")
    next(w for w in tab.text_input if w.label.startswith("Metric")).set_value("sales")
    next(w for w in tab.selectbox if w.label == "Kind").set_value("count")
    next(b for b in tab.button if b.label == "Create pilot").click().run()
    assert not errors(at), errors(at)
    with Session(demo_engine) as s:
        created = s.exec(select(Pilot).where(Pilot.name == "Promotion weeks in stores")).one()
    assert (created.unit, created.unit_summary) == ("stores", "total")
    edit = at.tabs[2]
    edit.selectbox[0].set_value(created.id).run()
    edit = at.tabs[2]
    labels = [w.label for w in edit.number_input]
    assert "Planned stores per arm" in labels and "Planned people per arm" not in labels  # the unit, not people
    assert next(w for w in edit.selectbox if w.label == "A unit's value (stores, markets)").value == "total"
