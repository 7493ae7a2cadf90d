"""Stale saves through the pages (AppTest): each page passes what it showed, and a refusal offers the choices.

A colleague's write is made through the services between the page's runs, as a
second person's save would land between two clicks; the page's next save is
refused in words, writes nothing, and each choice does what it says.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from lib.adapter.keys import Keys
from lib.infra.db import transaction
from lib.infra.models import Decision, Pilot, ResultEntry
from lib.services import backlog, decisions, pilots, results, settings
from tests import factories
from tests.pages_helpers import count, errors, open_expander, page, pilots_page


@pytest.fixture
def demo_engine(app_demo_engine):
    return app_demo_engine


def button(at, label):
    return next(b for b in at.button if b.label == label)


def warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


def test_review_refuses_a_decision_a_colleague_made_after_the_page_showed_and_records_it_over_on_purpose(demo_engine):
    at = page("pages/review.py").run()
    assert "Pricing page FAQ" in at.selectbox(key="review_pilot").format_func(at.selectbox(key="review_pilot").value)
    # the queue's pilot is the one being decided on arrival: the pricing-page FAQ, extended two weeks ago
    with transaction(demo_engine) as s:  # Lea decides on her own page meanwhile
        latest = decisions.latest_decision(s, 3).id
        decisions.decide(
            s,
            3,
            outcome="scale",
            rationale="Go.",
            decided_by="Lea Novak",
            override_reason="Sales wants it.",
            shown_decision=latest,
        )
    before = count(demo_engine, Decision)
    at.radio[0].set_value("abort")
    next(w for w in at.text_area if w.label == "Rationale").set_value("Signups are flat.")
    next(w for w in at.text_area if w.label.startswith("If you decide against")).set_value("Budget cut.")
    at.session_state["actor"] = "Tom Berg"  # the name given once, before the first write
    next(b for b in at.button if b.label.startswith("Record decision")).click().run()
    assert not at.exception and count(demo_engine, Decision) == before
    said = warnings(at)
    assert "Lea Novak recorded “Scale it” for Pricing page FAQ at" in said
    assert "after you opened this page; you chose “Abort”." in said
    next(
        b for b in at.button if b.label.startswith("Record decision")
    ).click().run()  # clicking again without choosing is refused again
    assert count(demo_engine, Decision) == before and "Lea Novak recorded" in warnings(at)
    button(at, "Record mine, replacing theirs").click().run()
    assert any("say why you save over" in e for e in errors(at)) and count(demo_engine, Decision) == before
    next(w for w in at.text_input if w.label == "Why you save yours over theirs").set_value("Finance said no.")
    button(at, "Record mine, replacing theirs").click().run()
    assert not at.exception and not any("Nothing was saved" in e for e in errors(at)), errors(at)
    assert count(demo_engine, Decision) == before + 1 and "Saved over their change" in at.success[0].value
    log = open_expander(at, Keys.opened("review_log")).dataframe[-1].value  # the whole log: a click away
    assert log.iloc[0]["Decision"] == "Abort" and log.iloc[0]["Replaces"].startswith("Scale it (Lea Novak,")
    assert "Lea Novak recorded" not in warnings(at)


def test_a_lone_reviewer_deciding_twice_is_never_refused(demo_engine):
    at = page("pages/review.py").run()  # the queue's pilot, the pricing-page FAQ, is the one being decided
    for outcome in ("extend", "scale"):
        at.radio[0].set_value(outcome)
        next(w for w in at.text_area if w.label == "Rationale").set_value(f"{outcome}, we said.")
        next(w for w in at.text_area if w.label.startswith("If you decide against")).set_value("Our call.")
        at.session_state["actor"] = "Lea Novak"
        next(b for b in at.button if b.label.startswith("Record decision")).click().run()
        assert not errors(at) and not warnings(at).count("recorded “"), (errors(at), warnings(at))
    with Session(demo_engine) as s:
        assert [r.decision.outcome for r in decisions.list_decisions(s, 3)][:2] == ["scale", "extend"]


def _edit_tab(at, pilot_id: int):
    at.tabs[2].selectbox[0].set_value(pilot_id).run()
    return at.tabs[2]


def test_pilot_edit_keeps_a_colleagues_other_field_and_refuses_the_same_one_keep_theirs_saves_the_rest(demo_engine):
    at = pilots_page("Edit a pilot")
    edit = _edit_tab(at, 5)  # Retargeting budget shift
    with transaction(demo_engine) as s:  # Ana moves the end date on her own page meanwhile
        p = s.get(Pilot, 5)
        shown = pilots.form_basis(p, pilots.criteria_for(s, 5))
        values = {k: v for k, v in shown.items() if k != "criteria"}
        pilots.update_pilot(s, 5, "Ana", shown=shown, **{**values, "end_date": p.end_date + timedelta(days=7)})
        anas_end = p.end_date
    next(w for w in edit.text_input if w.label == "Owner").set_value("Ben Ode")
    next(w for w in edit.date_input if w.label == "End").set_value(anas_end + timedelta(days=3))
    next(b for b in edit.button if b.label == "Save pilot").click().run()
    said = warnings(at)
    assert "Ana changed the end date of “Retargeting budget shift” to" in said and "you typed" in said
    with Session(demo_engine) as s:
        assert (s.get(Pilot, 5).owner, s.get(Pilot, 5).end_date) == ("Tom Berg", anas_end)
    button(at, "Keep theirs").click().run()
    assert not errors(at), errors(at)
    with Session(demo_engine) as s:
        assert (s.get(Pilot, 5).owner, s.get(Pilot, 5).end_date) == ("Ben Ode", anas_end)
    assert "Ana changed" not in warnings(at)


def test_two_people_on_one_pilots_page_owner_and_end_date_both_land(demo_engine):
    at = pilots_page("Edit a pilot")
    edit = _edit_tab(at, 5)
    with transaction(demo_engine) as s:  # the colleague fixes the end date
        p = s.get(Pilot, 5)
        shown = pilots.form_basis(p, pilots.criteria_for(s, 5))
        values = {k: v for k, v in shown.items() if k != "criteria"}
        pilots.update_pilot(s, 5, "Ana", shown=shown, **{**values, "end_date": p.end_date + timedelta(days=7)})
        anas_end = p.end_date
    next(w for w in edit.text_input if w.label == "Owner").set_value("Ben Ode")
    next(b for b in edit.button if b.label == "Save pilot").click().run()
    assert not errors(at) and "Pilot “Retargeting budget shift” saved." in at.success[0].value
    with Session(demo_engine) as s:
        assert (s.get(Pilot, 5).owner, s.get(Pilot, 5).end_date) == ("Ben Ode", anas_end)


def test_settings_saved_over_a_colleagues_change_on_purpose(demo_engine):
    at = page("pages/settings.py").run()
    with transaction(demo_engine) as s:
        shown = settings.defaults(s)
        settings.save_defaults(s, "Ana", confidence=0.9, looks=shown.looks, shown=shown)
    at.selectbox[0].set_value(0.99)
    button(at, "Save defaults").click().run()
    assert "Ana changed the confidence new criteria start with to 90% at" in warnings(at)
    next(w for w in at.text_input if w.label == "Why you save yours over theirs").set_value("Finance wants 99%.")
    button(at, "Save mine over theirs").click().run()
    assert not errors(at), errors(at)
    with Session(demo_engine) as s:
        assert settings.defaults(s).confidence == 0.99


def test_a_backlog_move_from_a_stale_order_is_refused_then_reload_shows_the_new_order(demo_engine):
    with transaction(demo_engine) as s:
        ids = [
            pilots.create_pilot(s, "tester", name=f"Idea {n}", design="ab", status="idea", priority="must").id
            for n in "XY"
        ]
    at = page("pages/backlog.py").run()
    with transaction(demo_engine) as s:  # Lea moves Y above X meanwhile
        backlog.move(s, ids[1], -1, "Lea", shown_order=[p.id for p in backlog.ideas(s)])
    next(b for b in at.button if b.key == f"up_{ids[1]}").click().run()  # Tom meant Y above X too
    assert "Lea reordered the Must have ideas at" in warnings(at)
    button(at, "Reload").click().run()
    assert "Lea reordered" not in warnings(at) and not errors(at)
    with Session(demo_engine) as s:
        names = [p.name for p in backlog.ideas(s) if p.priority == "must"]
    assert names.index("Idea Y") < names.index("Idea X")


@pytest.fixture
def pilot_engine(app_engine):
    with transaction(app_engine) as s:
        factories.ab_pilot(s, start_date=date.today() - timedelta(days=10), end_date=date.today() + timedelta(days=10))
    return app_engine


def test_the_grid_saves_untouched_rows_names_the_stale_one_and_keep_theirs_reloads(pilot_engine):
    today = date.today()
    with transaction(pilot_engine) as s:
        results.log_results(s, 1, factories.day_rows(today, control=(32, 3), pilot=(35, 4)), "Ana", today=today)
    at = page("pages/log_results.py").run()
    grid = at.data_editor[0]
    rows = grid.value
    control, pilot = len(rows) - 2, len(rows) - 1  # today's rows are the last two
    at.session_state[grid.key] = {"edited_rows": {control: {"Sent": 131}}, "added_rows": [], "deleted_rows": []}
    at.run()  # Ben has started typing: the grid holds what it showed
    with transaction(pilot_engine) as s:
        entry = next(e for e in results.current_entries(s, 1) if e.arm == "control")
        results.correct_result(s, entry.id, "Ana", "recount", n=39)
    at.session_state[grid.key] = {
        "edited_rows": {control: {"Sent": 132}, pilot: {"Replies": 5}},
        "added_rows": [],
        "deleted_rows": [],
    }
    button(at, "Save grid").click().run()
    assert not errors(at), errors(at)
    assert "1 corrected" in at.success[0].value and "1 row(s) refused" in at.success[0].value
    said = warnings(at)
    assert f"Ana changed sent for {today.day} {today:%b} · control to 39 at" in said
    assert "after you opened this grid; you typed 132." in said
    with Session(pilot_engine) as s:
        now = {e.arm: (e.n, e.total) for e in results.current_entries(s, 1)}
    assert now == {"control": (39, 3), "pilot": (35, 5)}
    button(at, "Keep theirs").click().run()
    assert "Ana changed" not in warnings(at)
    assert at.data_editor[0].value.iloc[control]["Sent"] == "39"  # the grid opened again on what is current


def test_the_day_form_names_a_value_logged_after_the_page_showed_and_saves_over_it(pilot_engine):
    at = page("pages/log_results.py").run()
    with transaction(pilot_engine) as s:
        results.log_results(s, 1, factories.day_rows(date.today(), control=(39, 3)), "Ana")
    inputs = {w.label: w for w in at.number_input}
    inputs["Sent · control · reply_rate + unsubscribe_rate"].set_value(132)
    inputs["Replies · control · reply_rate"].set_value(5)
    button(at, "Save day").click().run()
    assert "Ana logged reply rate for" in warnings(at) and "you typed 132 sent and 5 replies." in warnings(at)
    assert count(pilot_engine, ResultEntry) == 2
    next(w for w in at.text_input if w.label == "Why you save yours over theirs").set_value("recounted")
    button(at, "Save mine over theirs").click().run()
    assert not errors(at), errors(at)
    with Session(pilot_engine) as s:
        control = next(e for e in results.current_entries(s, 1) if e.arm == "control")
        assert (control.n, control.total) == (132, 5)
        history = results.history(s, 1)
    assert history[0].reason == "saved over Ana's change on purpose: recounted"


def test_a_lone_editor_logging_a_day_then_correcting_it_in_the_grid_sees_no_refusal(pilot_engine):
    at = page("pages/log_results.py").run()
    inputs = {w.label: w for w in at.number_input}
    inputs["Sent · control · reply_rate + unsubscribe_rate"].set_value(400)
    inputs["Replies · control · reply_rate"].set_value(20)
    button(at, "Save day").click().run()
    grid = at.data_editor[0]
    control = len(grid.value) - 2
    assert grid.value.iloc[control]["Sent"] == "400"  # the grid shows the day just saved
    at.session_state[grid.key] = {"edited_rows": {control: {"Sent": 410}}, "added_rows": [], "deleted_rows": []}
    button(at, "Save grid").click().run()
    assert not errors(at) and not warnings(at) and "1 corrected" in at.success[0].value
    inputs = {w.label: w for w in at.number_input}
    inputs["Sent · control · reply_rate + unsubscribe_rate"].set_value(1)
    inputs["Replies · control · reply_rate"].set_value(1)
    button(at, "Save day").click().run()  # the same day again: told to correct it, as before — not a refusal
    assert any("already logged; edit that value instead" in e for e in errors(at)) and not warnings(at)
    with Session(pilot_engine) as s:
        assert s.exec(select(ResultEntry).where(ResultEntry.n == 410)).first() is not None
