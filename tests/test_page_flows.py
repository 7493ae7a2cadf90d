"""The main flows on the demo workspace, end to end through AppTest (issue 10).

Each test walks one flow a person takes — design a pilot, promote an idea, log a
day, decide, search what was learned — and checks the concrete values on screen
and in the database before and after, so a flow that silently does nothing fails.
Opening a pilot by ``?pilot=ID`` and deciding from the review queue are covered in
``tests/test_pages.py``; the ones here are the rest, and the seams between flows.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from lib.adapter.keys import Keys
from lib.demo.loader import load_demo
from lib.formatting import fmt_date
from lib.infra.db import reading, transaction
from lib.infra.models import Decision, Pilot
from lib.services.pilots import criteria_for
from lib.services.results import current_entries
from tests.pages_helpers import count, errors, open_expander, page, pilots_page

HERO = 8  # demo: "Homepage hero video", the one idea in the backlog
OUTREACH = 4  # demo: "Cold outreach sequence v2", running against a target of 8% replies


@pytest.fixture
def demo_engine(app_demo_engine):
    """The demo loaded today (``tests/conftest.py``), under the name the page tests use."""
    return app_demo_engine


@pytest.fixture
def yesterdays_demo(app_engine):
    """The demo as loaded yesterday: today is not logged yet, so a person can log it."""
    with transaction(app_engine) as s:
        load_demo(s, as_of=date.today() - timedelta(days=1))
    return app_engine


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _shown(at) -> str:
    """Markdown as a reader sees it (without Streamlit's escapes and word joiners)."""
    return " ".join(m.value for m in at.markdown).replace("\\", "").replace("\u2060", "")


# --- (b) design a pilot with named arms: what the budget can detect follows the inputs ---

DETECTABLE = re.compile(
    r"With ([\d,]+) people per arm a day for (\d+) days, the smallest effect this pilot reliably catches is "
    r"\+([\d.]+) pts\."
)


def _detectable(at) -> tuple[int, int, float]:
    """(daily volume, days, smallest catchable lift in points) as the designer states them."""
    found = DETECTABLE.search(_shown(at))
    assert found, _shown(at)
    volume, days, lift = found.groups()
    return int(volume.replace(",", "")), int(days), float(lift)


def test_designer_detectable_lift_shrinks_with_volume_and_grows_with_a_shorter_pilot(app_engine):
    at = pilots_page("New pilot")
    assert not at.exception, at.exception
    assert not DETECTABLE.search(_shown(at))  # no daily volume yet: nothing to say about the budget
    at.number_input(key=Keys.plan("volume")).set_value(250.0).run()
    volume, days, at_250 = _detectable(at)
    assert (volume, days) == (250, 28)
    at.number_input(key=Keys.plan("volume")).set_value(1000.0).run()
    volume, days, at_1000 = _detectable(at)
    assert (volume, days) == (1000, 28)
    assert at_1000 < at_250  # four times the people: a smaller lift is within reach
    assert at_1000 == pytest.approx(at_250 / 2, rel=0.15)  # the detectable lift scales with 1/sqrt(n)
    at.number_input(key=Keys.plan("days")).set_value(14).run()
    volume, days, short = _detectable(at)
    assert (volume, days) == (1000, 14) and short > at_1000  # half the days: only a larger lift is caught
    # a lift the budget cannot reach is named as such
    at.number_input(key=Keys.plan("volume")).set_value(20.0).run()
    _, _, tiny_budget = _detectable(at)
    warning = " ".join(w.value for w in at.warning)
    assert tiny_budget > 1.0 and "is smaller than what this budget can catch" in warning


def test_designer_plan_goes_into_a_pilot_with_named_arms(app_engine):
    at = pilots_page("New pilot")
    at.number_input(key=Keys.plan("volume")).set_value(400.0).run()
    planned = next(m for m in at.metric if m.label == "Planned sample (people per arm)").value
    n = int(planned.replace(",", ""))
    at.button(key=Keys.plan("use")).click().run()
    tab = at.tabs[1]
    inputs = {w.label: w for w in tab.text_input if w.label != "Metric"}
    inputs["Name"].set_value("Checkout gate")
    inputs["Arms (A/B: control first)"].set_value("gate_30, gate_40")
    inputs["Expected outcome (one line)"].set_value("Fewer abandoned carts at the higher gate.")
    next(w for w in tab.text_input if w.label == "Metric").set_value("checkout_rate")  # the primary one
    dates = {w.label: w for w in tab.date_input}
    dates["Start"].set_value(date(2026, 10, 1))
    dates["End"].set_value(date(2026, 10, 28))
    assert next(w for w in tab.number_input if w.label == "Planned people per arm").value == n
    next(b for b in tab.button if b.label == "Create pilot").click().run()
    assert not errors(at), errors(at)
    with Session(app_engine) as s:
        [pilot] = s.exec(select(Pilot)).all()
        [criterion] = criteria_for(s, pilot.id)
    assert (pilot.name, pilot.arm_list, pilot.planned_n_per_arm) == ("Checkout gate", ["gate_30", "gate_40"], n)
    assert criterion.metric == "checkout_rate"
    listed = at.dataframe[0].value
    assert list(listed["Pilot"]) == ["Checkout gate"] and list(listed["Per arm"]) == [planned]
    # the arms' names are what the log form asks for
    log = page("pages/log_results.py").run()
    labels = {w.label for w in log.number_input}
    assert {"gate_30 · checkout_rate", "gate_40 · checkout_rate"} <= {label.split(" · ", 1)[1] for label in labels}


# --- (e) promote a backlog idea to a planned pilot ---


def _idea_cards(at) -> dict[str, str]:
    """Each backlog card's first line by pilot name, as the page shows it."""
    cards = {}
    for m in at.markdown:
        found = re.match(r"\*\*(.+?)\*\* · ", m.value)
        if found:
            cards[found.group(1)] = m.value
    return cards


def test_promoting_an_idea_makes_it_a_planned_pilot(demo_engine):
    at = page("pages/backlog.py").run()
    assert not at.exception and not errors(at)
    assert "*idea*" in _idea_cards(at)["Homepage hero video"]
    assert [b.key for b in at.button if b.label == "Promote"] == [f"promote_{HERO}"]  # the only idea
    with Session(demo_engine) as s:
        before = s.get(Pilot, HERO)
        assert before.status == "idea"
        outcome = before.expected_outcome
    at.button(key=f"promote_{HERO}").click().run()
    assert not errors(at), errors(at)
    assert "“Homepage hero video” is now a planned pilot" in at.success[0].value
    assert "*planned*" in _idea_cards(at)["Homepage hero video"]
    assert not [b for b in at.button if b.label == "Promote"]  # no idea left to promote
    with Session(demo_engine) as s:
        after = s.get(Pilot, HERO)
        assert (after.status, after.name, after.expected_outcome) == ("planned", "Homepage hero video", outcome)
    listed = page("pages/pilots.py").run().dataframe[0].value
    row = listed[listed["Pilot"] == "Homepage hero video"].iloc[0]
    assert row["Status"] == "Planned"


def test_a_new_idea_is_added_then_promoted_with_its_expected_outcome(demo_engine):
    name, outcome = "Webinar follow-up with a case study", "More demo requests from webinar attendees"
    at = page("pages/backlog.py").run()
    before = count(demo_engine, Pilot)
    inputs = {w.label: w for w in at.text_input}
    inputs["Name"].set_value(name)
    inputs["Expected outcome (one line)"].set_value(outcome)
    inputs["Team"].set_value("Events")
    next(w for w in at.selectbox if w.label == "Priority").set_value("must")
    _button(at, "Add to the backlog").click().run()
    assert not errors(at), errors(at)
    assert count(demo_engine, Pilot) == before + 1
    with Session(demo_engine) as s:
        idea = s.exec(select(Pilot).where(Pilot.name == name)).one()
    assert (idea.status, idea.priority, idea.expected_outcome) == ("idea", "must", outcome)
    cards = _idea_cards(at)
    assert list(cards)[0] == name and "*idea*" in cards[name]  # a Must comes first
    at.button(key=f"promote_{idea.id}").click().run()
    assert not errors(at), errors(at)
    assert "*planned*" in _idea_cards(at)[name]
    with Session(demo_engine) as s:
        assert s.get(Pilot, idea.id).status == "planned"
    listing = pilots_page("Edit a pilot")
    listed = listing.dataframe[0].value
    assert listed[listed["Pilot"] == name].iloc[0]["Status"] == "Planned"
    edit = listing.tabs[2]
    edit.selectbox[0].set_value(idea.id).run()
    edit = listing.tabs[2]
    shown = {w.label: w.value for w in edit.text_input}
    assert shown["Name"] == name and shown["Expected outcome (one line)"] == outcome


def test_promoting_twice_is_refused_and_changes_nothing(demo_engine):
    from lib.infra.inputs import InvalidInput
    from lib.services.backlog import promote

    at = page("pages/backlog.py").run()
    at.button(key=f"promote_{HERO}").click().run()
    with pytest.raises(InvalidInput, match="is planned, not an idea"), transaction(demo_engine) as s:
        promote(s, HERO, "lead")
    with Session(demo_engine) as s:
        assert s.get(Pilot, HERO).status == "planned"


# --- (c) log a day and see the verdict change ---


def _outreach_card(at) -> str:
    return next(m.value for m in at.markdown if "Reply rate · primary" in m.value)


def _queue(at) -> dict[str, str]:
    """The review queue's cards: pilot name to the recommendation it shows."""
    heading = next(h.value for h in at.subheader if h.value.startswith("Needs a decision today"))
    cards = {}
    for m in at.markdown:
        found = re.match(r"\*\*(.+?)\*\* — .*Recommendation: \*\*(.+?)\*\*", m.value, re.S)
        if found:
            cards[found.group(1)] = found.group(2)
    assert heading == f"Needs a decision today ({len(cards)})", heading
    return cards


def _review_row(at) -> tuple[str, str, str]:
    """The review table's primary row: the pilot's rate, whether it is met, and the sample."""
    if not any("Met" in d.value.columns for d in at.dataframe):
        open_expander(at, Keys.opened("review_numbers"))  # "The numbers behind it", drawn once opened
    table = next(d.value for d in at.dataframe if "Met" in d.value.columns)
    row = table[table["Role"] == "primary"].iloc[0]
    return row["Pilot"], row["Met"], str(row["Per arm"]).replace(",", "")


def _open_pilot(at, pilot_id: int) -> None:
    """Follow a ``?pilot=ID`` link in the same session."""
    at.switch_page("pages/pilot.py")
    at.query_params["pilot"] = str(pilot_id)
    at.run()


def _logged(engine, pilot_id: int) -> tuple[int, int]:
    """(contacts, replies) logged so far: what the verdict should be computed from."""
    with reading(engine) as s:
        entries = [e for e in current_entries(s, pilot_id) if e.metric == "reply_rate"]  # not its spend
    return int(sum(e.n for e in entries)), int(sum(e.total or 0 for e in entries))


def test_logging_a_day_changes_the_verdict_on_the_pilot_page_and_in_review(yesterdays_demo):
    # the demo's daily figures follow the weekday, so the expected rates come from what it logged
    n, replies = _logged(yesterdays_demo, OUTREACH)
    rate_before, rate_after = f"{replies / n:.1%}", f"{(replies + 90) / (n + 300):.1%}"
    assert rate_before != rate_after and (replies + 90) / (n + 300) > 0.15
    # one browser session throughout: what a page keeps between visits must not hide the new day
    at = page("pages/review.py").run()
    queue_before = _queue(at)
    assert "Cold outreach sequence v2" not in queue_before
    at.selectbox(key=Keys.review_pilot).set_value(OUTREACH).run()
    assert _review_row(at) == (rate_before, "not yet", str(n))
    _open_pilot(at, OUTREACH)
    assert not at.exception and not errors(at)
    assert _outreach_card(at).endswith("— too early")
    assert f"{rate_before} against a target of 8.0%" in _shown(at)

    at.switch_page("pages/log_results.py").run()
    at.selectbox[0].set_value(OUTREACH).run()
    inputs = {w.label: w for w in at.number_input}
    assert set(inputs) == {"Sent · pilot · reply_rate", "Replies · pilot · reply_rate", "Spend · pilot · spend"}
    assert next(w for w in at.date_input if w.label == "Day").value == date.today()
    inputs["Sent · pilot · reply_rate"].set_value(300)
    inputs["Replies · pilot · reply_rate"].set_value(90)
    _button(at, "Save day").click().run()
    assert not errors(at), errors(at)
    assert f"Saved 1 value(s) for {fmt_date(date.today())}" in at.success[0].value
    assert _logged(yesterdays_demo, OUTREACH) == (n + 300, replies + 90)

    _open_pilot(at, OUTREACH)
    assert _outreach_card(at).endswith("— met")
    assert f"{rate_after} against a target of 8.0%" in _shown(at)
    banner = " ".join(w.value for w in [*at.success, *at.warning, *at.info])
    assert "Recommendation: **scale**" in banner

    at.switch_page("pages/review.py").run()
    assert _queue(at) == {**queue_before, "Cold outreach sequence v2": "scale"}  # it now waits for a decision
    at.selectbox(key=Keys.review_pilot).set_value(OUTREACH).run()
    assert _review_row(at) == (rate_after, "yes", str(n + 300))
    assert f"Reply rate {rate_after} (95% bounds" in _shown(at) and f"Reply rate {rate_before}" not in _shown(at)


# --- (d) + (f) a decision taken in review is what the learnings library finds ---


def test_a_decision_recorded_in_review_is_found_in_the_learnings_library(demo_engine):
    from lib.services.decisions import list_decisions

    rationale = "Sequence replies beat the eight percent target; roll the cadence out to partners."
    review = page("pages/review.py").run()
    review.selectbox(key=Keys.review_pilot).set_value(OUTREACH).run()
    shown = _shown(review)
    next(w for w in review.text_area if w.label == "Rationale").set_value(rationale)
    review.session_state[Keys.actor] = "Lea Novak"  # the name given once, before the first write
    next(b for b in review.button if b.label.startswith("Record decision for ")).click().run()
    assert not errors(review), errors(review)
    with Session(demo_engine) as s:
        stored = list_decisions(s, OUTREACH)[0]
    assert stored.decision.rationale == rationale
    for verdict in stored.snapshot["evaluation"]["verdicts"]:
        assert verdict["sentence"] in shown

    library = page("pages/learnings.py").run()
    assert len(library.dataframe[0].value) == 10  # the demo's nine, and this one
    library.text_input(key="learn_text").set_value("partners cadence").run()  # words in any order
    found = library.dataframe[0].value
    assert list(found["Pilot"]) == ["Cold outreach sequence v2"] and list(found["Rationale"]) == [rationale]
    assert "1 of 10 decided pilots" in " ".join(c.value for c in library.caption)


def test_learnings_search_finds_a_rationale_word_and_combines_with_filters(demo_engine):
    with reading(demo_engine) as s:
        aborted = s.exec(select(Decision).where(Decision.outcome == "abort")).one().rationale
    library = page("pages/learnings.py").run()
    library.text_input(key="learn_text").set_value("CAROUSELS").run()  # case does not matter
    found = library.dataframe[0].value
    assert list(found["Pilot"]) == ["LinkedIn carousel ads"] and list(found["Rationale"]) == [aborted]
    library.multiselect(key="learn_outcome").set_value(["scale"]).run()  # filters combine with AND
    assert not library.dataframe and "Nothing matches" in library.info[0].value
    library.text_input(key="learn_text").set_value("").run()
    assert list(library.dataframe[0].value["Decision"]) == ["Scaled"]


def test_the_review_queue_draws_four_cards_then_more_on_request(app_engine):
    from lib.infra.db import transaction
    from lib.services.results import log_results
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
