"""Every text a person types has a limit and refuses control characters, the same on both back ends.

On PostgreSQL VARCHAR(n) refuses longer text with a raw DataError and NUL cannot be
stored at all, while SQLite stores both (and a backup of it then fails to restore onto
PostgreSQL). So every write path refuses such text up front, with a message naming the
field and its limit, and writes nothing; a value exactly at the limit is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from lib.importer import file_checksum, read_sample
from lib.infra.db import make_engine, transaction, upgrade
from lib.infra.inputs import InvalidInput, PilotIn
from lib.infra.models import Goal, ResultEntry
from lib.services import decisions, entry_saves, goals, import_batches, pilots, results, share
from lib.services.access import Principal
from lib.services.audit import snapshot
from lib.services.manual_entry import GridEdit
from tests import factories
from tests.conftest import create_pg_schema, drop_pg_schema, need_postgres
from tests.factories import START, day_rows

TODAY = date(2026, 11, 1)
CRITERION = dict(metric="reply_rate", kind="proportion", role="primary", threshold=0.0)


@dataclass(frozen=True)
class World:
    goal_id: int
    pilot_id: int
    entry_id: int
    link_id: int
    batch_id: int


def _csv(day: date) -> bytes:
    return f"date,variant,sent,replies\n{day},control,300,12\n{day},pilot,310,19\n".encode()


def _make_world(engine) -> World:
    """A goal, a running A/B pilot with a day of results, a share link and an imported file."""
    with transaction(engine) as s:
        goal = factories.goal(s)
        pilot = factories.ab_pilot(s, goal_id=goal.id)
        results.log_results(s, pilot.id, day_rows(START), "ana", today=TODAY)
        entry = results.current_entries(s, pilot.id)[0]
        link, _ = share.create_link(s, actor="ana", pilot_id=pilot.id)
    data = _csv(START + timedelta(days=1))
    with Session(engine) as s:
        mapping = import_batches.mapping_for(s, pilot.id, read_sample(data, "export.csv"))
        preview = import_batches.preview_for_pilot(s, pilot.id, data, mapping, name="export.csv")
    assert preview.ok, preview.problems
    with transaction(engine) as s:
        batch = import_batches.commit_import(s, pilot.id, preview, checksum=file_checksum(data), actor="ana").batch
    return World(goal.id, pilot.id, entry.id, link.id, batch.id)


@pytest.fixture
def world(engine) -> World:
    return _make_world(engine)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def refusing(request, tmp_path_factory) -> Iterator[tuple[sa.Engine, World]]:
    """One world per back end for the refusals. Each refusal checks that it wrote nothing, so they can share it:
    a refusal that wrote would fail its own case. Building the world for each of some 800 cases was most of
    this file's time; the writes that succeed get a world of their own."""
    if request.param == "postgres":
        base = need_postgres()
        schema, url = create_pg_schema(base)
    else:
        schema, url = "", f"sqlite:///{tmp_path_factory.mktemp('refusing') / 'refusing.db'}"
    eng = make_engine(url)
    upgrade(eng)
    yield eng, _make_world(eng)
    eng.dispose()
    if schema:
        drop_pg_schema(base, schema)


def rows(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {t.name: s.exec(select(sa.func.count()).select_from(t)).one() for t in SQLModel.metadata.sorted_tables}


def _pilot_values(s: Session, w: World) -> dict[str, Any]:
    return snapshot(pilots.get_pilot(s, w.pilot_id), tuple(PilotIn.model_fields)) or {}


def _import(s: Session, w: World, actor: str) -> None:
    data = _csv(START + timedelta(days=2))
    mapping = import_batches.mapping_for(s, w.pilot_id, read_sample(data, "export.csv"))
    preview = import_batches.preview_for_pilot(s, w.pilot_id, data, mapping, name="export.csv")
    import_batches.commit_import(s, w.pilot_id, preview, checksum=file_checksum(data), actor=actor)


def _goal(s: Session, w: World, actor: str = "ana", **kw: Any) -> None:
    values: dict[str, Any] = dict(name="Team goal", level="team", parent_id=w.goal_id, kpi_name="Leads")
    goals.create_goal(s, actor, **{**values, **kw})


def _pilot(s: Session, actor: str = "ana", criterion: dict | None = None, **kw: Any) -> None:
    values: dict[str, Any] = dict(name="Landing page test", design="ab", status="planned")
    pilots.create_pilot(s, actor, criteria=[{**CRITERION, **(criterion or {})}], **{**values, **kw})


def _arms(total: int) -> str:
    """A's arms (control first), at most 40 characters each, ``total`` characters in all."""
    arms = ["control"]
    while len(",".join(arms)) < total:
        size = min(40, total - len(",".join(arms)) - 1)
        arms.append(f"{len(arms):02d}{'a' * (size - 2)}")
    return ",".join(arms)


def _changed_criteria(s: Session, w: World, reason: str, actor: str = "ana") -> None:
    pilot = pilots.get_pilot(s, w.pilot_id)
    pilots.replace_criteria(s, pilot, [{**CRITERION, "threshold": 0.01}], actor, reason)


def _grid(s: Session, w: World, reason: str, actor: str = "ana") -> None:
    edit = GridEdit(START, "control", w.entry_id, dict(metric="reply_rate", arm="control", day=START, n=400, total=25))
    entry_saves.apply_grid(s, w.pilot_id, [edit], actor, reason, today=TODAY)


def _decide(s: Session, w: World, rationale: str = "Clear win.", decided_by: str = "Lea") -> None:
    decisions.record_decision(
        s, w.pilot_id, outcome="scale", rationale=rationale, decided_by=decided_by, snapshot={}, recommendation="scale"
    )


Write = Callable[[Session, World, str], Any]


@dataclass(frozen=True)
class Case:
    id: str
    label: str  # how the message names the field
    limit: int
    write: Write
    at_limit: Callable[[int], str] = lambda n: "x" * n
    over: Callable[[int], str] = lambda n: "x" * (n + 1)


TEXT_CASES = [
    Case("goal name", "Name", 120, lambda s, w, v: _goal(s, w, name=v)),
    Case("goal KPI", "KPI", 120, lambda s, w, v: _goal(s, w, kpi_name=v)),
    Case("goal unit", "Unit", 40, lambda s, w, v: _goal(s, w, kpi_unit=v)),
    Case("goal period", "Period", 40, lambda s, w, v: _goal(s, w, period=v)),
    Case("goal description", "Description", 2000, lambda s, w, v: _goal(s, w, description=v)),
    Case(
        "goal update",
        "Name",
        120,
        lambda s, w, v: goals.update_goal(
            s, w.goal_id, "ana", name=v, level="company", kpi_name="Qualified leads", period="2026-Q4"
        ),
    ),
    Case("pilot name", "Name", 120, lambda s, w, v: _pilot(s, name=v)),
    Case("pilot hypothesis", "Hypothesis", 2000, lambda s, w, v: _pilot(s, hypothesis=v)),
    Case("pilot owner", "Owner", 80, lambda s, w, v: _pilot(s, owner=v)),
    Case("pilot team", "Team", 80, lambda s, w, v: _pilot(s, team=v)),
    Case(
        "pilot arm",
        "Arms",
        40,
        lambda s, w, v: _pilot(s, arms=v),
        at_limit=lambda n: "control," + "a" * n,
        over=lambda n: "control," + "a" * (n + 1),
    ),
    Case(
        "pilot arms",
        "Arms",
        200,
        lambda s, w, v: _pilot(s, arms=v),
        at_limit=_arms,
        over=lambda n: _arms(n + 1),
    ),
    Case("criterion metric", "Criterion 1 · metric", 80, lambda s, w, v: _pilot(s, criterion=dict(metric=v))),
    Case("criterion unit", "Criterion 1 · unit", 40, lambda s, w, v: _pilot(s, criterion=dict(unit=v))),
    Case(
        "pilot update reason",
        "Reason",
        2000,
        lambda s, w, v: pilots.update_pilot(s, w.pilot_id, "ana", reason=v, **_pilot_values(s, w)),
    ),
    Case("criteria change reason", "Reason", 2000, lambda s, w, v: _changed_criteria(s, w, v)),
    Case(
        "result note",
        "Row 1 note",
        500,
        lambda s, w, v: results.log_results(
            s, w.pilot_id, [{**day_rows(START + timedelta(days=5))[0], "note": v}], "ana", today=TODAY
        ),
    ),
    Case("correction note", "Note", 500, lambda s, w, v: results.correct_result(s, w.entry_id, "ana", "typo", note=v)),
    Case("correction reason", "Reason", 2000, lambda s, w, v: results.correct_result(s, w.entry_id, "ana", v, n=401)),
    Case("deletion reason", "Reason", 2000, lambda s, w, v: results.delete_result(s, w.entry_id, "ana", v)),
    Case("grid reason", "Reason", 2000, lambda s, w, v: _grid(s, w, v)),
    Case("undo reason", "Reason", 2000, lambda s, w, v: import_batches.undo_batch(s, w.batch_id, "ana", v)),
    Case("decision rationale", "Rationale", 2000, lambda s, w, v: _decide(s, w, rationale=v)),
    Case("decided by", "Your name", 80, lambda s, w, v: _decide(s, w, decided_by=v)),
    Case("share label", "Label", 120, lambda s, w, v: share.create_link(s, actor="ana", goal_id=w.goal_id, label=v)),
]

# The name in the sidebar signs every write: each write path refuses one that cannot be stored.
ACTOR_CASES = [
    Case(f"actor: {name}", "Your name", 80, write)
    for name, write in [
        ("create goal", lambda s, w, v: _goal(s, w, actor=v)),
        ("update goal", lambda s, w, v: goals.update_goal(s, w.goal_id, v, name="G", level="company", kpi_name="K")),
        ("create pilot", lambda s, w, v: _pilot(s, actor=v)),
        ("update pilot", lambda s, w, v: pilots.update_pilot(s, w.pilot_id, v, **_pilot_values(s, w))),
        ("set status", lambda s, w, v: pilots.set_status(s, w.pilot_id, "running", v)),
        ("change criteria", lambda s, w, v: _changed_criteria(s, w, "because", actor=v)),
        (
            "log results",
            lambda s, w, v: results.log_results(s, w.pilot_id, day_rows(START + timedelta(3)), v, today=TODAY),
        ),
        ("correct result", lambda s, w, v: results.correct_result(s, w.entry_id, v, "typo", n=401)),
        ("delete result", lambda s, w, v: results.delete_result(s, w.entry_id, v, "typo")),
        ("save grid", lambda s, w, v: _grid(s, w, "typo", actor=v)),
        ("import", lambda s, w, v: _import(s, w, v)),
        ("undo import", lambda s, w, v: import_batches.undo_batch(s, w.batch_id, v, "wrong file")),
        ("decide", lambda s, w, v: _decide(s, w, decided_by=v)),
        ("create link", lambda s, w, v: share.create_link(s, actor=v, goal_id=w.goal_id)),
        ("revoke link", lambda s, w, v: share.revoke(s, w.link_id, v)),
        ("signed-in name", lambda s, w, v: _goal(s, w, actor=Principal(v, "editor", email="a@example.com"))),
    ]
]
CASES = TEXT_CASES + ACTOR_CASES


def _refused(engine, world: World, case: Case, value: str) -> str:
    before = rows(engine)
    with pytest.raises(InvalidInput) as exc, transaction(engine) as s:
        case.write(s, world, value)
    assert rows(engine) == before, "a refused write wrote something"
    return str(exc.value)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_too_long_is_refused_naming_the_field_and_its_limit(refusing, case):
    message = _refused(*refusing, case, case.over(case.limit))
    assert f"{case.label}:" in message and f"at most {case.limit} characters" in message, message


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_nul_is_refused_naming_the_field(refusing, case):
    message = _refused(*refusing, case, case.at_limit(case.limit)[:-3] + "a\x00b")
    assert f"{case.label}:" in message and "U+0000 (NUL)" in message, message


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_value_exactly_at_the_limit_is_stored(engine, world, case):
    value = case.at_limit(case.limit)
    with transaction(engine) as s:
        case.write(s, world, value)


@pytest.mark.parametrize("value", ["\x1b[31mred", "\x1b]8;;https://example.com\x1b\\link", "a\rb", "\x7f", "\x9b2J"])
def test_escape_codes_are_refused_in_names(refusing, value):
    message = _refused(*refusing, CASES[0], value)
    assert message.startswith("Name: must ")


def test_one_line_fields_refuse_line_breaks_and_free_text_keeps_them(engine, world):
    assert "single line" in _refused(engine, world, CASES[0], "two\nlines")
    with transaction(engine) as s:
        _goal(s, world, description="First line\r\n\tindented second line")
    with Session(engine) as s:
        goal = s.exec(select(Goal).where(Goal.name == "Team goal")).one()
    assert goal.description == "First line\n\tindented second line"


def test_a_40_character_arm_takes_results_on_both_back_ends(engine, world):
    arm = "b" * 40
    with transaction(engine) as s:
        _pilot(s, arms=f"control,{arm}", status="running", start_date=START, planned_n_per_arm=100)
    with transaction(engine) as s:
        pid = pilots.find_pilot(s, "Landing page test").id
        results.log_results(s, pid, [dict(metric="reply_rate", arm=arm, day=START, n=10, total=1)], "ana", today=TODAY)
    with Session(engine) as s:
        assert s.exec(select(ResultEntry.arm).where(ResultEntry.pilot_id == pid)).one() == arm


def test_a_long_refused_value_is_not_repeated_in_full(engine, world):
    message = _refused(engine, world, CASES[6], "x" * 100_000)
    assert len(message) < 200
    with pytest.raises(InvalidInput) as exc, transaction(engine) as s:
        _pilot(s, design="\x1b[2J" + "y" * 10_000)
    assert "\x1b" not in str(exc.value) and len(str(exc.value)) < 300
