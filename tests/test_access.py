"""Who may write, checked in lib on every write path (not only by hiding buttons), on both back ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from lib.demo.loader import load_demo
from lib.importer import file_checksum, read_sample
from lib.infra.db import transaction
from lib.infra.inputs import InvalidInput
from lib.infra.models import AuditEvent, Decision, Goal, ImportBatch, Pilot, ResultEntry
from lib.services import decisions, goals, import_batches, pilots, results
from lib.services.access import NotAllowed, Principal, can_write, require_editor, role_for
from lib.services.evaluation import decision_snapshot
from tests import factories
from tests.factories import START
from tests.test_imports import agg_csv

VIEWER = Principal("Vic Viewer", "viewer", email="vic@example.com")
SHARE = Principal("shared link", "share")
EDITOR = Principal("Eda Editor", "editor", email="eda@example.com")


def counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            m.__name__: s.exec(select(func.count()).select_from(m)).one()
            for m in (Goal, Pilot, ResultEntry, ImportBatch, Decision, AuditEvent)
        }


def test_roles_from_the_editors_list():
    editors = ["eda@example.com", "@growth.example"]
    assert role_for("Eda@Example.com", editors) == "editor"
    assert role_for("sam@growth.example", editors) == "editor"
    assert role_for("sam@evilgrowth.example.com", editors) == "viewer"
    assert role_for("vic@example.com", editors) == "viewer"
    assert can_write("cli user") and can_write(EDITOR) and can_write(Principal("me", "local"))
    assert not can_write(VIEWER) and not can_write(SHARE)


def test_a_viewer_is_told_why_and_a_shared_link_is_read_only():
    with pytest.raises(NotAllowed, match="signed in as a viewer \\(vic@example.com\\).*record decisions"):
        require_editor(VIEWER, "record decisions")
    with pytest.raises(NotAllowed, match="read only"):
        require_editor(SHARE)


WRITES = {
    "create goal": lambda s, who, ids: goals.create_goal(s, who, name="New goal", level="company", kpi_name="Leads"),
    "edit goal": lambda s, who, ids: goals.update_goal(
        s, ids["goal"], who, name="Renamed", level="company", kpi_name="Leads"
    ),
    "create pilot": lambda s, who, ids: pilots.create_pilot(s, who, name="Another", design="ab", status="planned"),
    "edit pilot": lambda s, who, ids: pilots.update_pilot(s, ids["pilot"], who, hypothesis="changed"),
    "status": lambda s, who, ids: pilots.set_status(s, ids["pilot"], "decided", who),
    "log": lambda s, who, ids: results.log_results(s, ids["pilot"], factories.day_rows(START), who),
    "correct": lambda s, who, ids: results.correct_result(s, ids["entry"], who, reason="typo", n=999),
    "clear": lambda s, who, ids: results.delete_result(s, ids["entry"], who, reason="wrong day"),
    "decide": lambda s, who, ids: decisions.record_decision(
        s,
        ids["pilot"],
        outcome="scale",
        rationale="Clear win",
        decided_by=who,
        snapshot=decision_snapshot(s, ids["pilot"]),
    ),
    "undo import": lambda s, who, ids: import_batches.undo_batch(s, ids["batch"], who),
}


@pytest.fixture
def workspace(engine):
    with transaction(engine) as s:
        goal = factories.goal(s)
        pilot = factories.ab_pilot(s, goal_id=goal.id)
        results.log_results(s, pilot.id, factories.day_rows(START + timedelta(days=1)), "tester")
        entry = s.exec(select(ResultEntry)).first()
        ids = {"goal": goal.id, "pilot": pilot.id, "entry": entry.id}
    data = agg_csv([START + timedelta(days=d) for d in range(5, 8)])
    with Session(engine) as s:
        mapping = import_batches.mapping_for(s, ids["pilot"], read_sample(data, "export.csv"))
        preview = import_batches.preview_for_pilot(s, ids["pilot"], data, mapping, name="export.csv", replacing=None)
    with transaction(engine) as s:
        outcome = import_batches.commit_import(s, ids["pilot"], preview, checksum=file_checksum(data), actor="tester")
        ids["batch"] = outcome.batch.id
    return engine, ids, data, preview


@pytest.mark.parametrize("who", [VIEWER, SHARE], ids=["viewer", "share"])
@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_path_refuses_a_reader_and_writes_nothing(workspace, write, who):
    engine, ids, _, _ = workspace
    before = counts(engine)
    with pytest.raises(NotAllowed), transaction(engine) as s:
        WRITES[write](s, who, ids)
    assert counts(engine) == before


def test_an_import_by_a_viewer_is_refused(workspace):
    engine, ids, data, preview = workspace
    before = counts(engine)
    with pytest.raises(NotAllowed), transaction(engine) as s:
        import_batches.commit_import(s, ids["pilot"], preview, checksum=file_checksum(data), actor=VIEWER, replace=True)
    assert counts(engine) == before


def test_an_editor_writes_and_is_named_on_the_record(workspace):
    engine, ids, _, _ = workspace
    with transaction(engine) as s:
        d = decisions.record_decision(
            s,
            ids["pilot"],
            outcome="scale",
            rationale="Clear win",
            decided_by=EDITOR,
            snapshot=decision_snapshot(s, ids["pilot"]),
        )
        assert d.decided_by == "Eda Editor"


def test_a_viewer_cannot_load_the_demo(sqlite_engine):
    with pytest.raises(NotAllowed), transaction(sqlite_engine) as s:
        load_demo(s, actor=VIEWER)
    assert counts(sqlite_engine)["Pilot"] == 0


@pytest.mark.parametrize("who", [Principal("", "local"), "   "], ids=["empty", "blank"])
@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_path_refuses_an_unsigned_write_and_writes_nothing(workspace, write, who):
    """Grid rows, imports, share links and decisions were recorded with no name when "Your name" was empty."""
    engine, ids, _, _ = workspace
    before = counts(engine)
    with pytest.raises(InvalidInput) as refused, transaction(engine) as s:
        WRITES[write](s, who, ids)
    assert str(refused.value).startswith("Your name: is required: every result, import, share link and decision")
    assert counts(engine) == before


def test_an_unsigned_import_or_share_link_is_refused(workspace):
    from lib.services import share

    engine, ids, data, preview = workspace
    before = counts(engine)
    with pytest.raises(InvalidInput, match="Your name: is required"), transaction(engine) as s:
        import_batches.commit_import(s, ids["pilot"], preview, checksum=file_checksum(data), actor="", replace=True)
    with pytest.raises(InvalidInput, match="Your name: is required"), transaction(engine) as s:
        share.create_link(s, actor=Principal("", "local"), pilot_id=ids["pilot"])
    assert counts(engine) == before
