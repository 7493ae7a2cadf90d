"""The informed reading on the pilot page and in Review (beside the verdict), and history in the designer."""

from __future__ import annotations

import pytest

from lib.adapter.keys import Keys
from lib.infra.db import transaction
from lib.services import results
from tests import factories
from tests.pages_helpers import errors, open_expander, page, pilots_page
from tests.test_past_pilots import HISTORY

READING = (
    "Read with 6 earlier email pilots on reply rate: likely +1.0 pts (−0.4 to +3.4 pts); 79% chance it clears +0.5 pts."
)


def _workspace(engine, history=HISTORY) -> int:
    """Decided email pilots on reply rate, one decided paid one, and a small running email pilot: its id."""
    with transaction(engine) as s:
        for i, (c, p) in enumerate(history):
            factories.decided_pilot(s, f"Past email pilot {i}", (1000, c), (1000, p))
        factories.decided_pilot(s, "Past paid pilot", (1000, 40), (1000, 52), channel="paid")
        p = factories.ab_pilot(
            s,
            "New subject lines",
            criteria=[dict(metric="reply_rate", kind="proportion", role="primary", threshold=0.005)],
        )
        rows = factories.day_rows(factories.START, (200, 9), (200, 16))
        results.log_results(s, p.id, rows, "tester", today=factories.START)
        return p.id or 0


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown).replace("\\", "").replace("\u2060", "")


def test_the_pilot_page_reads_a_small_pilot_with_earlier_ones_beside_its_verdict(app_engine):
    pid = _workspace(app_engine)
    at = page("pages/pilot.py")
    at.query_params["pilot"] = str(pid)
    at.run()
    assert not at.exception and not errors(at)
    assert READING in _text(at)
    banner = " ".join(w.value for w in [*at.success, *at.warning, *at.error, *at.info])
    # the sequential verdict's headline is still there (the factory pilot ended on 28 Oct without a clear answer)
    assert "**Awaiting a decision**" in banner and "without a clear answer" in banner
    assert any("Counted: decided pilots (not this one)" in c.value for c in at.caption)
    at.toggle(key="pilot_peers_channel").set_value(False).run()
    assert "Read with 7 earlier pilots on reply rate: likely" in _text(at)  # the paid pilot joins


def test_the_pilot_page_says_why_there_is_no_reading(app_engine):
    pid = _workspace(app_engine, HISTORY[:3])
    at = page("pages/pilot.py")
    at.query_params["pilot"] = str(pid)
    at.run()
    assert not at.exception
    assert "No informed reading: only 3 earlier email pilots on reply rate; an informed reading needs 5." in _text(at)


def test_review_shows_the_reading_of_the_chosen_pilot(app_engine):
    pid = _workspace(app_engine)
    at = page("pages/review.py").run()
    at.selectbox(key="review_pilot").set_value(pid).run()
    assert not at.exception and not errors(at)
    assert READING in _text(at)
    assert not at.toggle  # the popover's toggles are drawn only while it is open
    open_expander(at, Keys.opened("review_peers"))  # "Which past pilots count", opened as a click does
    at.toggle(key="review_peers_metric").set_value(False).run()
    assert "Read with 6 earlier email pilots on any rate: likely" in _text(at)
    at.session_state[Keys.opened("review_peers")] = False  # closed again: the choice stays
    at.run()
    assert not at.toggle and "Read with 6 earlier email pilots on any rate: likely" in _text(at)


def test_the_designer_proposes_the_expected_effect_from_past_pilots(app_engine):
    _workspace(app_engine)
    at = pilots_page("New pilot")
    at.selectbox(key="plan_history_channel").set_value("email")
    at.text_input(key="plan_history_metric").set_value("reply_rate").run()
    assert not at.exception
    hint = next(c.value for c in at.caption if "Past pilots like this one" in c.value)
    assert "(6 earlier email pilots on reply rate) moved the metric by +0.8 pts on average" in hint
    use = next(b for b in at.button if b.label.startswith("Use 0.81 % as the expected effect"))
    use.click().run()
    assert at.number_input(key="plan_expected_vs_control_proportion_absolute").value == pytest.approx(0.81)
    at.selectbox(key="plan_history_channel").set_value("web").run()
    assert any("No proposal from history: no earlier web pilots on reply rate yet" in c.value for c in at.caption)


def test_the_demo_reads_its_small_outreach_pilot_with_the_six_before_it(app_engine):
    from datetime import date

    from lib.demo.loader import load_demo

    with transaction(app_engine) as s:
        load_demo(s, as_of=date(2026, 12, 3))
    at = page("pages/pilot.py")
    at.query_params["pilot"] = "4"  # Cold outreach sequence v2: about 250 contacts of its 470
    at.run()
    assert not at.exception and not errors(at)
    assert (
        "Read with 6 earlier email pilots on reply rate: likely 8.5% (6.5–12.1%); "
        "67% chance it clears 8.0%." in _text(at)
    )
    at.selectbox(key="pilot_page").set_value(5).run()  # the paid retargeting pilot has no history
    assert "No informed reading: no earlier paid pilots on conversion rate yet; an informed reading needs 5." in (
        _text(at)
    )
