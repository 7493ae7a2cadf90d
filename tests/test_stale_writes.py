"""Two people, one value: a save from a stale page is refused, naming who changed what (issue 23).

Each write path on both back ends: the save states what it was based on, one
whose basis is no longer current writes nothing and says who changed what and
when, theirs beside yours; saving over it on purpose is a correction with a
reason, and the audit trail shows both. A lone editor never sees a refusal.
"""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, func, select

from lib.infra.db import transaction
from lib.infra.inputs import InvalidInput
from lib.infra.models import AuditEvent, Decision, Goal, Pilot, ResultEntry
from lib.services import backlog, decisions, entry_saves, goals, pilots, results, settings, share
from lib.services.conflicts import StaleWrite, when
from tests.factories import START, ab_pilot, day_rows, goal

OCT_4 = START + timedelta(days=3)
TODAY = START + timedelta(days=10)


def _count(engine, model) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def _audit(engine, entity: str) -> list[AuditEvent]:
    with Session(engine) as s:
        stmt = select(AuditEvent).where(AuditEvent.entity == entity).order_by(col(AuditEvent.id))
        return list(s.exec(stmt))


def _at(moment: datetime) -> str:
    return when(moment)  # " at 10:02 UTC": the clock of the colleague's save, in UTC without a reader's zone


# ------------------------------------------------------------------ the grid


@pytest.fixture
def pilot_id(engine) -> int:
    """An A/B pilot whose 4 Oct control row shows 32 exposures."""
    with transaction(engine) as s:
        p = ab_pilot(s, goal_id=goal(s).id)
        results.log_results(s, p.id, day_rows(OCT_4, control=(32, 3), pilot=(35, 4)), "tester", today=TODAY)
        return p.id


def _open_grid(engine, pid: int, days=(OCT_4,)) -> list[dict]:
    with Session(engine) as s:
        return entry_saves.grid_for(s, pid, "reply_rate", list(days)).rows


def _typed(rows: list[dict], arm: str, day: date = OCT_4, **values) -> list[dict]:
    edited = [dict(r) for r in rows]
    row = next(r for r in edited if r["Arm"] == arm and r["Day"] == day)
    row.update(values)
    return edited


def _control(engine, pid: int, day: date = OCT_4) -> ResultEntry | None:
    with Session(engine) as s:
        return next((e for e in results.current_entries(s, pid) if e.arm == "control" and e.day == day), None)


def _ana_corrects_32_to_39(engine, pid: int) -> ResultEntry:
    anas = _open_grid(engine, pid)
    with transaction(engine) as s:
        entry_saves.save_grid(s, pid, "reply_rate", anas, _typed(anas, "control", Sent=39), "Ana", today=TODAY)
    return _control(engine, pid)


def test_bens_stale_grid_save_is_refused_naming_anas_change_and_nothing_is_written(engine, pilot_id):
    bens = _open_grid(engine, pilot_id)  # Ben's grid opens before Ana's save: it shows 32
    anas = _ana_corrects_32_to_39(engine, pilot_id)
    entries, events = _count(engine, ResultEntry), _count(engine, AuditEvent)
    with pytest.raises(StaleWrite) as refused, transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", bens, _typed(bens, "control", Sent=132), "Ben", today=TODAY)
    assert str(refused.value) == (
        f"Ana changed sent for 4 Oct · control to 39{_at(anas.created_at)}, after you opened this grid; you typed 132."
    )
    assert isinstance(refused.value, ValueError)  # the CLI prints it as one line
    assert (_control(engine, pilot_id).n, _count(engine, ResultEntry), _count(engine, AuditEvent)) == (
        39,
        entries,
        events,
    )
    madrid = ZoneInfo("Europe/Madrid")  # a page says it in the reader's time zone, without "UTC"
    local = anas.created_at.astimezone(madrid)
    assert (
        refused.value.sentences(madrid)[0].startswith(
            f"Ana changed sent for 4 Oct · control to 39 at {local:%H:%M}, after"
        )
        or local.date() != datetime.now(madrid).date()
    )


def test_one_stale_row_does_not_block_the_others_and_is_named(engine, pilot_id):
    bens = _open_grid(engine, pilot_id)
    _ana_corrects_32_to_39(engine, pilot_id)
    edited = _typed(_typed(bens, "control", Sent=132), "pilot", Replies=5)
    with transaction(engine) as s:
        saved = entry_saves.save_grid(s, pilot_id, "reply_rate", bens, edited, "Ben", "late replies", today=TODAY)
    assert (saved.added, saved.corrected, saved.deleted) == (0, 1, 0)
    assert [c.key for c in saved.refused] == [(OCT_4, "control")]
    assert saved.refused[0].sentence().startswith("Ana changed sent for 4 Oct · control to 39 at")
    assert "1 row(s) refused" in saved.message
    with Session(engine) as s:
        now = {e.arm: (e.n, e.total) for e in results.current_entries(s, pilot_id)}
    assert now == {"control": (39, 3), "pilot": (35, 5)}


def test_another_field_of_a_row_a_colleague_changed_is_refused_too_saying_which(engine, pilot_id):
    bens = _open_grid(engine, pilot_id)
    _ana_corrects_32_to_39(engine, pilot_id)  # one row is one stored value: its figures go together
    with pytest.raises(StaleWrite, match=r"to 39 at .*; you typed 5 for replies\.$"), transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", bens, _typed(bens, "control", Replies=5), "Ben", today=TODAY)


def test_saving_over_a_colleagues_value_on_purpose_is_a_correction_with_both_in_history(engine, pilot_id):
    bens = _open_grid(engine, pilot_id)
    _ana_corrects_32_to_39(engine, pilot_id)
    mine = _typed(bens, "control", Sent=132)
    with pytest.raises(StaleWrite) as refused, transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", bens, mine, "Ben", today=TODAY)
    with pytest.raises(InvalidInput, match="say why you save over"), transaction(engine) as s:
        entry_saves.save_grid(
            s, pilot_id, "reply_rate", bens, mine, "Ben", today=TODAY, over=refused.value.overwrite("")
        )
    assert _control(engine, pilot_id).n == 39
    over = refused.value.overwrite("the export was re-run with all visits")
    with transaction(engine) as s:
        saved = entry_saves.save_grid(s, pilot_id, "reply_rate", bens, mine, "Ben", today=TODAY, over=over)
    assert (saved.corrected, saved.refused) == (1, ())
    assert _control(engine, pilot_id).n == 132
    with Session(engine) as s:
        lines = [(h.actor, h.before, h.after, h.reason) for h in reversed(results.history(s, pilot_id))]
    assert lines == [
        ("Ana", "n=32, total=3", "n=39, total=3", "corrected in the grid"),
        (
            "Ben",
            "n=39, total=3",
            "n=132, total=3",
            "saved over Ana's change on purpose: the export was re-run with all visits",
        ),
    ]


def test_a_value_changed_again_after_the_refusal_is_not_overwritten_unseen(engine, pilot_id):
    bens = _open_grid(engine, pilot_id)
    _ana_corrects_32_to_39(engine, pilot_id)
    mine = _typed(bens, "control", Sent=132)
    with pytest.raises(StaleWrite) as first, transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", bens, mine, "Ben", today=TODAY)
    lea = _open_grid(engine, pilot_id)
    with transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", lea, _typed(lea, "control", Sent=41), "Lea", today=TODAY)
    with pytest.raises(StaleWrite, match="Lea changed sent for 4 Oct · control to 41"), transaction(engine) as s:
        entry_saves.save_grid(
            s, pilot_id, "reply_rate", bens, mine, "Ben", today=TODAY, over=first.value.overwrite("I checked")
        )
    assert _control(engine, pilot_id).n == 41


def test_rows_logged_or_cleared_by_a_colleague_are_named_and_one_already_as_typed_is_no_clash(engine, pilot_id):
    oct_5 = OCT_4 + timedelta(days=1)
    bens = _open_grid(engine, pilot_id, (OCT_4, oct_5))
    anas = _open_grid(engine, pilot_id, (OCT_4, oct_5))
    edited = _typed(_typed(anas, "pilot", Sent=None, Replies=None), "control", oct_5, Sent=40, Replies=4)
    with transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", anas, edited, "Ana", "wrong day", today=TODAY)
    mine = _typed(_typed(bens, "pilot", Replies=6), "control", oct_5, Sent=50, Replies=5)
    with pytest.raises(StaleWrite) as refused, transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", bens, mine, "Ben", today=TODAY)
    said = " ".join(refused.value.sentences())
    assert "Ana cleared 4 Oct · pilot at" in said and "you typed 35 sent and 6 replies." in said
    assert "Ana logged 5 Oct · control as 40 sent and 4 replies at" in said
    assert "you typed 50 sent and 5 replies." in said
    same = _typed(bens, "control", oct_5, Sent=40, Replies=4)  # what Ana logged: nothing to refuse
    with transaction(engine) as s:
        saved = entry_saves.save_grid(s, pilot_id, "reply_rate", bens, same, "Ben", today=TODAY)
    assert (saved.added, saved.corrected, saved.already, saved.refused) == (0, 0, 1, ())


def test_a_lone_editor_saving_the_grid_again_and_again_is_never_refused(engine, pilot_id):
    for exposures in (33, 34, 35):
        rows = _open_grid(engine, pilot_id)  # the page reopens the grid after each save
        with transaction(engine) as s:
            saved = entry_saves.save_grid(
                s, pilot_id, "reply_rate", rows, _typed(rows, "control", Sent=exposures), "Ana", today=TODAY
            )
        assert (saved.corrected, saved.refused) == (1, ())
    assert _control(engine, pilot_id).n == 35


# ------------------------------------------------------------------ the one-day form


def test_the_day_form_names_a_value_a_colleague_logged_after_it_opened(engine, pilot_id):
    oct_6 = OCT_4 + timedelta(days=2)
    with Session(engine) as s:
        opened = s.exec(select(func.max(ResultEntry.created_at))).one()  # Ben opens the form after the last save
    with transaction(engine) as s:
        results.log_results(s, pilot_id, day_rows(oct_6, control=(39, 3)), "Ana", today=TODAY)
    anas = _control(engine, pilot_id, oct_6)
    mine = day_rows(oct_6, control=(132, 5))
    with pytest.raises(StaleWrite) as refused, transaction(engine) as s:
        entry_saves.save_day(s, pilot_id, mine, "Ben", opened_at=opened, today=TODAY)
    first = refused.value.sentences()[0]
    assert first == (
        f"Ana logged reply rate for 6 Oct · control as 39 sent and 3 replies{_at(anas.created_at)}, "
        "after you opened this form; you typed 132 sent and 5 replies."
    ), first
    assert _control(engine, pilot_id, oct_6).n == 39
    with transaction(engine) as s:
        stored = entry_saves.save_day(
            s, pilot_id, mine, "Ben", opened_at=opened, today=TODAY, over=refused.value.overwrite("recounted")
        )
    assert stored == 2 and _control(engine, pilot_id, oct_6).n == 132
    # a lone editor typing a day already logged before the form opened is told to correct it instead, as before
    with (
        pytest.raises(InvalidInput, match="already logged; edit that value instead") as plain,
        transaction(engine) as s,
    ):
        entry_saves.save_day(s, pilot_id, day_rows(OCT_4), "Ana", opened_at=datetime.now().astimezone(), today=TODAY)
    assert not isinstance(plain.value, StaleWrite)


# ------------------------------------------------------------------ decisions, on the demo workspace


@pytest.fixture
def demo(engine):
    from lib.demo.loader import load_demo

    with transaction(engine) as s:
        load_demo(s)
        faq = s.exec(select(Pilot).where(Pilot.name == "Pricing page FAQ")).one()
        return faq.id


def _latest(engine, pid: int) -> Decision:
    with Session(engine) as s:
        return decisions.latest_decision(s, pid)


def _decide(engine, pid: int, who: str, outcome: str, shown: int | None, **kw):
    with transaction(engine) as s:
        return decisions.decide(
            s,
            pid,
            outcome=outcome,
            rationale=f"{who}'s call.",
            decided_by=who,
            shown_recommendation="keep_running",
            override_reason="The meeting weighs more than the numbers.",
            shown_decision=shown,
            **kw,
        )


def test_toms_abort_from_a_page_that_did_not_show_leas_scale_is_refused_naming_it(engine, demo):
    on_toms_page = _latest(engine, demo).id  # the extension from two weeks ago: "keep running"
    leas = _decide(engine, demo, "Lea Novak", "scale", on_toms_page).decision
    stored = _count(engine, Decision)
    with pytest.raises(StaleWrite) as refused:
        _decide(engine, demo, "Tom Berg", "abort", on_toms_page)
    assert str(refused.value) == (
        f"Lea Novak recorded “Scale it” for Pricing page FAQ{_at(leas.decided_at)}, after you opened this page; "
        "you chose “Abort”."
    )
    assert _count(engine, Decision) == stored and _latest(engine, demo).outcome == "scale"
    with Session(engine) as s:
        assert s.get(Pilot, demo).status == "decided"


def test_changing_a_decision_on_purpose_is_a_new_decision_that_names_what_it_replaced(engine, demo):
    on_toms_page = _latest(engine, demo).id
    leas = _decide(engine, demo, "Lea Novak", "scale", on_toms_page).decision
    with pytest.raises(StaleWrite) as refused:
        _decide(engine, demo, "Tom Berg", "abort", on_toms_page)
    toms = _decide(
        engine, demo, "Tom Berg", "abort", on_toms_page, over=refused.value.overwrite("Finance stopped the budget.")
    ).decision
    ivys = _decide(engine, demo, "Ivy", "iterate", toms.id).decision  # a page that showed Tom's: no refusal
    with Session(engine) as s:
        rows = decisions.list_decisions(s, demo)
        events = {e.entity_id: e for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "decision"))}
    replaced = decisions.replaced(rows)
    assert (replaced[ivys.id].id, replaced[toms.id].id, replaced[leas.id].id) == (toms.id, leas.id, on_toms_page)
    before, after = json.loads(events[toms.id].before_json), json.loads(events[toms.id].after_json)
    assert (before["decision"]["id"], before["decision"]["decided_by"]) == (leas.id, "Lea Novak")
    assert after["replaced_because"] == "saved over Lea Novak's change on purpose: Finance stopped the budget."
    assert _latest(engine, demo).outcome == "iterate"


def test_two_decisions_at_the_same_moment_on_one_page_store_one(engine, demo):
    shown = _latest(engine, demo).id
    barrier, outcomes = threading.Barrier(2), [None, None]

    def decide(i: int, who: str, outcome: str) -> None:
        barrier.wait()
        try:
            outcomes[i] = _decide(engine, demo, who, outcome, shown)
        except InvalidInput as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=decide, args=a) for a in ((0, "Lea Novak", "scale"), (1, "Tom Berg", "abort"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(type(o).__name__ for o in outcomes) == ["RecordedDecision", "StaleWrite"], outcomes
    with Session(engine) as s:
        assert len(decisions.list_decisions(s, demo)) == 2  # the demo's extension and one of the two


# ------------------------------------------------------------------ edit forms: field by field


def _shown_pilot(engine, pid: int) -> dict:
    from lib.infra.inputs import PilotIn
    from lib.services.audit import snapshot

    with Session(engine) as s:
        p = s.get(Pilot, pid)
        values = {k: getattr(p, k) for k in snapshot(p, tuple(PilotIn.model_fields))}
        criteria = [
            {k: getattr(c, k) for k in (*pilots.CRITERION_FIELDS, "expected")} for c in pilots.criteria_for(s, pid)
        ]
    return {**values, "criteria": criteria}


def _edit(engine, pid: int, who: str, shown: dict, **changes):
    values = {k: v for k, v in {**shown, **changes}.items() if k != "criteria"}
    with transaction(engine) as s:
        return pilots.update_pilot(s, pid, who, criteria=shown["criteria"], shown=shown, **values)


def test_two_people_editing_one_pilot_owner_and_end_date_keep_both_changes(engine, pilot_id):
    ana_sees, ben_sees = _shown_pilot(engine, pilot_id), _shown_pilot(engine, pilot_id)
    _edit(engine, pilot_id, "Ana", ana_sees, owner="Mia Chen")
    _edit(engine, pilot_id, "Ben", ben_sees, end_date=START + timedelta(days=34))
    with Session(engine) as s:
        p = s.get(Pilot, pilot_id)
        assert (p.owner, p.end_date) == ("Mia Chen", START + timedelta(days=34))
    events = [e for e in _audit(engine, "pilot") if e.action == "update"]
    assert [json.loads(e.after_json)["owner"] for e in events] == ["Mia Chen", "Mia Chen"]


def test_the_same_field_changed_twice_is_refused_theirs_beside_yours_and_can_be_saved_over(engine, pilot_id):
    ana_sees, ben_sees = _shown_pilot(engine, pilot_id), _shown_pilot(engine, pilot_id)
    _edit(engine, pilot_id, "Ana", ana_sees, end_date=date(2026, 10, 30))
    anas = _audit(engine, "pilot")[-1]
    with pytest.raises(StaleWrite) as refused:
        _edit(engine, pilot_id, "Ben", ben_sees, end_date=date(2026, 11, 2), owner="Ben Ode")
    assert str(refused.value) == (
        f"Ana changed the end date of “Subject line test” to 30 Oct 2026{_at(anas.at)}, after you opened this form; "
        "you typed 2 Nov 2026."
    )
    with Session(engine) as s:
        p = s.get(Pilot, pilot_id)
        assert (p.end_date, p.owner) == (date(2026, 10, 30), "Ana")  # nothing of Ben's, not even the owner
    kept = refused.value.theirs_kept({**ben_sees, "end_date": date(2026, 11, 2), "owner": "Ben Ode"})
    values = {k: v for k, v in kept.items() if k != "criteria"}
    with transaction(engine) as s:  # keep theirs: Ben's other change goes in, Ana's end date stays
        pilots.update_pilot(
            s, pilot_id, "Ben", criteria=ben_sees["criteria"], shown=refused.value.rebased(ben_sees), **values
        )
    with Session(engine) as s:
        assert (s.get(Pilot, pilot_id).end_date, s.get(Pilot, pilot_id).owner) == (date(2026, 10, 30), "Ben Ode")
    over = refused.value.overwrite("the campaign was extended")
    values = {k: v for k, v in {**ben_sees, "end_date": date(2026, 11, 2)}.items() if k != "criteria"}
    with transaction(engine) as s:
        pilots.update_pilot(s, pilot_id, "Ben", criteria=ben_sees["criteria"], shown=ben_sees, over=over, **values)
    with Session(engine) as s:
        assert s.get(Pilot, pilot_id).end_date == date(2026, 11, 2)
    last = _audit(engine, "pilot")[-1]
    assert last.reason == "saved over Ana's change on purpose: the campaign was extended"
    assert (json.loads(last.before_json)["end_date"], json.loads(last.after_json)["end_date"]) == (
        "2026-10-30",
        "2026-11-02",
    )


def test_criteria_changed_by_a_colleague_refuse_other_criteria_but_not_an_untouched_set(engine, pilot_id):
    ana_sees, ben_sees = _shown_pilot(engine, pilot_id), _shown_pilot(engine, pilot_id)
    stricter = [{**ana_sees["criteria"][0], "threshold": 0.01}, ana_sees["criteria"][1]]
    values = {k: v for k, v in ana_sees.items() if k != "criteria"}
    with transaction(engine) as s:
        pilots.update_pilot(s, pilot_id, "Ana", criteria=stricter, reason="Sales asked", shown=ana_sees, **values)
    _edit(engine, pilot_id, "Ben", ben_sees, hypothesis="Questions get answers.")  # his criteria as shown: kept
    with Session(engine) as s:
        assert next(c.threshold for c in pilots.criteria_for(s, pilot_id) if c.role == "primary") == 0.01
    looser = [{**ben_sees["criteria"][0], "threshold": -0.01}, ben_sees["criteria"][1]]
    values = {k: v for k, v in ben_sees.items() if k != "criteria"}
    with (
        pytest.raises(StaleWrite, match="Ana changed the criteria of “Subject line test” to “primary:"),
        transaction(engine) as s,
    ):
        pilots.update_pilot(s, pilot_id, "Ben", criteria=looser, reason="no", shown=ben_sees, **values)


def test_goals_merge_field_by_field_too(engine):
    with transaction(engine) as s:
        gid = goal(s).id
    with Session(engine) as s:
        g = s.get(Goal, gid)
        shown = {
            k: getattr(g, k)
            for k in ("name", "level", "parent_id", "kpi_name", "kpi_unit", "target_value", "period", "description")
        }
    with transaction(engine) as s:
        goals.update_goal(s, gid, "Ana", shown=shown, **{**shown, "target_value": 450})
    with transaction(engine) as s:
        goals.update_goal(s, gid, "Ben", shown=shown, **{**shown, "period": "2027-Q1"})
    with (
        pytest.raises(StaleWrite, match="Ana changed the target of “Grow qualified pipeline” to 450 at"),
        transaction(engine) as s,
    ):
        goals.update_goal(s, gid, "Cy", shown=shown, **{**shown, "target_value": 500})
    with Session(engine) as s:
        g = s.get(Goal, gid)
        assert (g.target_value, g.period) == (450, "2027-Q1")


def test_settings_merge_field_by_field_and_name_a_clash(engine):
    with Session(engine) as s:
        shown = settings.defaults(s)
    with transaction(engine) as s:
        settings.save_defaults(s, "Ana", confidence=0.9, looks=shown.looks, shown=shown)
    with transaction(engine) as s:
        settings.save_defaults(s, "Ben", confidence=shown.confidence, looks="weekly", shown=shown)
    with pytest.raises(StaleWrite) as refused, transaction(engine) as s:
        settings.save_defaults(s, "Cy", confidence=0.99, looks=shown.looks, shown=shown)
    assert str(refused.value).startswith("Ana changed the confidence new criteria start with to 90% at")
    assert str(refused.value).endswith("after you opened this form; you chose 99%.")
    with Session(engine) as s:
        assert settings.defaults(s) == settings.WorkspaceDefaults(0.9, "weekly")


# ------------------------------------------------------------------ backlog moves, capacity, share links


def test_a_backlog_move_from_a_stale_order_is_refused_and_a_fresh_one_moves(engine):
    with transaction(engine) as s:
        ids = [pilots.create_pilot(s, "tester", name=n, design="ab", status="idea", priority="must").id for n in "XYZ"]
    shown = list(ids)  # both pages show X, Y, Z
    with transaction(engine) as s:
        backlog.move(s, ids[2], -1, "Lea", shown_order=shown)  # X, Z, Y
    with pytest.raises(StaleWrite) as refused, transaction(engine) as s:
        backlog.move(s, ids[1], -1, "Tom", shown_order=shown)  # Tom meant Y above X
    assert str(refused.value).startswith("Lea reordered the Must have ideas at")
    assert str(refused.value).endswith("after you opened the backlog; you moved “Y” up, and it is 3rd now.")
    with Session(engine) as s:
        assert [p.name for p in backlog.ideas(s)] == ["X", "Z", "Y"]
        fresh = [p.id for p in backlog.ideas(s)]
    with transaction(engine) as s:
        backlog.move(s, ids[1], -1, "Tom", shown_order=fresh)
    with Session(engine) as s:
        assert [p.name for p in backlog.ideas(s)] == ["X", "Y", "Z"]


def test_team_capacity_set_by_a_colleague_is_not_replaced_unseen(engine):
    with transaction(engine) as s:
        backlog.set_capacity(s, "Email", 2, "Ana", shown=1)
    with (
        pytest.raises(StaleWrite, match="Ana changed how many pilots Email runs at once to 2 at"),
        transaction(engine) as s,
    ):
        backlog.set_capacity(s, "Email", 3, "Ben", shown=1)
    with transaction(engine) as s:
        backlog.set_capacity(s, "Email", 2, "Ben", shown=1)  # the same figure: no clash
        assert backlog.capacities(s) == {"Email": 2}


def test_revoking_a_link_a_colleague_revoked_meanwhile_names_them(engine, pilot_id):
    with transaction(engine) as s:
        link, _ = share.create_link(s, actor="Ana", pilot_id=pilot_id, label="Sales")
    with transaction(engine) as s:
        share.revoke(s, link.id, "Ana", shown_active=True)
    events = _count(engine, AuditEvent)
    with (
        pytest.raises(StaleWrite, match=r"Ana revoked share link #\d+ “Sales” at .*it was already revoked"),
        transaction(engine) as s,
    ):
        share.revoke(s, link.id, "Ben", shown_active=True)
    with pytest.raises(InvalidInput, match="already revoked on .* by Ana"), transaction(engine) as s:
        share.revoke(s, link.id, "Ben")  # the CLI: no page
    assert _count(engine, AuditEvent) == events
