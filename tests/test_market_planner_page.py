"""The designer's market-test planner on the Pilots page: the example history ranked, a check, a refusal."""

from __future__ import annotations

from lib.adapter.keys import Keys
from tests.pages_helpers import errors, pilots_page

EXPANDER = "Plan a market test: which markets, how long"


def _planner(at):
    [box] = [e for e in at.expander if e.label == EXPANDER]
    return box


def test_the_planner_teaches_before_a_file_is_given(app_engine):
    at = pilots_page("New pilot")
    assert not at.exception and not errors(at)
    text = " ".join(c.value for c in _planner(at).caption)
    assert "No file yet" in text and "city, day, orders" in text


def test_the_example_history_is_ranked_and_a_chosen_pair_is_checked(app_engine):
    at = pilots_page("New pilot")
    at.radio(key=Keys.plan("market", "source")).set_value("example").run()
    box = _planner(at)
    assert [s.value for s in box.selectbox] == ["city", "day", "orders"]  # columns guessed from their names
    at.multiselect(key=Keys.plan("market", "days")).set_value([14]).run()
    at.button(key=Keys.plan("market", "run")).click().run()
    assert not at.exception and not errors(at)
    box = _planner(at)
    assert "Market test designs for a +10% lift: 40 markets, 90 days" in box.markdown[0].value
    frame = box.dataframe[0].value
    assert list(frame.columns)[:5] == ["#", "Test markets", "Days", "Power", "Detectable lift"]
    assert len(frame) == 10 and set(frame["Days"]) == {"14"}
    assert any("Recommended:" in c.value or "No design reaches" in c.value for c in box.caption)

    at.multiselect(key=Keys.plan("market", "tests", "example_cities.csv")).set_value(["Lyon", "Porto"]).run()
    at.button(key=Keys.plan("market", "run")).click().run()
    box = _planner(at)
    assert "Check of the named markets" in box.markdown[0].value
    assert box.dataframe[0].value["Test markets"].tolist() == ["Lyon, Porto"]


def test_a_wrong_column_is_refused_on_the_page_not_raised(app_engine):
    at = pilots_page("New pilot")
    at.radio(key=Keys.plan("market", "source")).set_value("example").run()
    at.selectbox(key=Keys.plan("market", "kcol", "example_cities.csv")).set_value("city").run()
    assert not at.exception
    assert any("row 2: 'Aarhus' in 'city' is not a number" in e for e in errors(at))
    assert not [b for b in at.button if b.key == Keys.plan("market", "run")]  # nothing to run until it reads
