"""Restore refuses malformed backups with a message naming table, row and field, and writes nothing.

The corpus starts from a real workspace (the demo, plus corrections, deletions,
imports, an undone import and share links, so every table has rows), exported,
then broken one way per case. Each case runs on SQLite and PostgreSQL, into an
empty workspace and as a replacement of a full one: both stay exactly as they were.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, col, select

from lib.cli.main import main
from lib.demo.loader import load_demo
from lib.importer import ImportMapping, MetricMapping, file_checksum
from lib.infra.db import make_engine, transaction, upgrade
from lib.infra.models import ResultEntry
from lib.services import backlog, backup, goal_progress, import_batches, results, settings, share
from tests import factories
from tests.conftest import PG_URL, create_pg_schema, drop_pg_schema, need_postgres
from tests.pages_helpers import ROOT

AS_OF = date(2026, 11, 23)
HERO = 8  # the demo's "Homepage hero video": an A/B idea without dates, so any past day imports


def _import(engine, days: list[str], seed: int) -> int:
    lines = ["date,variant,visitors,requests"] + [
        f"{d},{arm},{300 + seed + i},{10 + i}" for i, d in enumerate(days) for arm in ("control", "pilot")
    ]
    data = ("\n".join(lines) + "\n").encode()
    mapping = ImportMapping(
        layout="aggregated",
        arm_column="variant",
        date_column="date",
        metrics=[
            MetricMapping(
                name="demo_request_rate", kind="proportion", conversions_column="requests", exposures_column="visitors"
            )
        ],
    )
    with Session(engine) as s:
        preview = import_batches.preview_for_pilot(s, HERO, data, mapping, name=f"hero-{seed}.csv")
    with transaction(engine) as s:
        return (
            import_batches.commit_import(s, HERO, preview, checksum=file_checksum(data), actor="tester").batch.id or 0
        )


def build_workspace(engine) -> None:
    """The demo and one of everything else a workspace holds: every table gets rows. Without the market
    test's 4,200 per-market values, which every one of the ~120 cases below would copy and check again."""
    with transaction(engine) as s:
        load_demo(s, as_of=AS_OF, market_test=False)
    with transaction(engine) as s:
        first, second = s.exec(
            select(ResultEntry).where(ResultEntry.pilot_id == 5).order_by(col(ResultEntry.id)).limit(2)
        ).all()
        results.correct_result(s, first.id or 0, "tester", reason="the export double-counted", n=first.n + 10)
        results.delete_result(s, second.id or 0, "tester", reason="a test day")
        share.create_link(s, actor="tester", pilot_id=1, decision_id=1, label="Board")
        link, _ = share.create_link(s, actor="tester", goal_id=2, expires_days=30)
        share.revoke(s, link.id or 0, "tester")
    _import(engine, ["2026-11-01", "2026-11-02"], seed=1)
    undone = _import(engine, ["2026-11-03"], seed=2)
    with transaction(engine) as s:
        import_batches.undo_batch(s, undone, "tester", reason="wrong file")
        backlog.set_capacity(s, "Email", 2, "tester")
        settings.save_defaults(s, "tester", confidence=0.9, looks="weekly")
        # a goal's actual logged again: the first value stays as history (superseded)
        goal_progress.log_actual(s, 2, "tester", period_end=date(2026, 9, 30), value=350, note="CRM re-count")


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> dict[str, Any]:
    """The workspace's backup, as its JSON file reads back."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('source') / 'source.db'}")
    upgrade(engine)
    build_workspace(engine)
    data = json.loads(backup.dumps(backup.export_workspace(engine)))
    engine.dispose()
    assert all(data["tables"][name] for name in data["tables"]), "every table must have rows"
    return data


@pytest.fixture(scope="module")
def copy_of_valid(valid) -> Callable[[], dict[str, Any]]:
    """A new copy of the valid backup, for a test to break: unpickled in 1 ms where a deep copy took 8, and the
    corpus makes some two hundred."""
    kept = pickle.dumps(valid)
    return lambda: pickle.loads(kept)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, Any]:
    """Another valid workspace: one goal and one pilot with a day of results."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('small') / 'small.db'}")
    upgrade(engine)
    with transaction(engine) as s:
        factories.goal(s)
        pilot = factories.ab_pilot(s)
        results.log_results(s, pilot.id or 0, factories.day_rows(factories.START), "tester")
    data = json.loads(backup.dumps(backup.export_workspace(engine)))
    engine.dispose()
    return data


# --- the corpus ---------------------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], str]  # breaks the backup in place, returns where the message must point


def at(b: dict[str, Any], table: str, test: Callable[[dict], bool]) -> tuple[int, dict]:
    """The first row passing ``test``, with its position in the file."""
    for number, row in enumerate(b["tables"][table], start=1):
        if test(row):
            return number, row
    raise AssertionError(f"no row in {table} fits")


def where(table: str, number: int, row: dict, field: str) -> str:
    """Where the problem must be reported: "table …, row … (id …), field …"."""
    key = "pilot_id" if table == "import_mapping" else "id"
    return f"table `{table}`, row {number} ({key} {row[key]}), field `{field}`"


def by_id(ident: int) -> Callable[[dict], bool]:
    return lambda r: r["id"] == ident


def rate_row(r: dict) -> bool:
    return r["pilot_id"] == 1 and r["metric"] == "reply_rate" and r["superseded_at"] is None


def set_value(table: str, test: Callable[[dict], bool], field: str, value: Any) -> Mutation:
    def mutate(b: dict[str, Any]) -> str:
        number, row = at(b, table, test)
        row[field] = value
        return where(table, number, row, field)

    return mutate


def drop_column(table: str, field: str) -> Mutation:
    def mutate(b: dict[str, Any]) -> str:
        number, row = at(b, table, lambda r: True)
        del row[field]
        return where(table, number, row, field)

    return mutate


def conversions_above_exposures(b: dict[str, Any]) -> str:
    number, row = at(b, "result_entry", rate_row)
    row["total"] = row["n"] + 5
    return where("result_entry", number, row, "total")


def goal_cycle(b: dict[str, Any]) -> str:
    # 3 (team) -> 2 (marketing) -> 3: each is its own ancestor
    number, row = at(b, "goal", by_id(2))
    row["parent_id"] = 3
    return where("goal", number, row, "parent_id")


def goal_own_parent(b: dict[str, Any]) -> str:
    number, row = at(b, "goal", by_id(3))
    row["parent_id"] = 3
    return where("goal", number, row, "parent_id")


def duplicate_id(b: dict[str, Any]) -> str:
    rows = b["tables"]["goal"]
    rows.append({**rows[-1], "name": "A second goal with the same id"})
    return where("goal", len(rows), rows[-1], "id")


def duplicate_current_value(b: dict[str, Any]) -> str:
    rows = b["tables"]["result_entry"]
    _, row = at(b, "result_entry", rate_row)
    rows.append({**row, "id": max(r["id"] for r in rows) + 1})
    return where("result_entry", len(rows), rows[-1], "day")


def row_not_an_object(b: dict[str, Any]) -> str:
    b["tables"]["criterion"][1] = [1, "reply_rate"]
    return "table `criterion`, row 2:"


def unknown_column(b: dict[str, Any]) -> str:
    number, row = at(b, "pilot", by_id(2))
    row["colour"] = "green"
    return where("pilot", number, row, "colour")


def table_not_a_list(b: dict[str, Any]) -> str:
    b["tables"]["goal"] = "goal"
    return "table `goal`: must be a list of rows"


def missing_table(b: dict[str, Any]) -> str:
    del b["tables"]["criterion"]
    return "table `criterion`: is missing"


def unknown_table(b: dict[str, Any]) -> str:
    b["tables"]["pilots"] = []
    return "table `pilots`: is not a Greenlight table"


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Mutation
    says: str  # a word the message must hold besides where


CORPUS = [
    Case("nan", set_value("result_entry", rate_row, "n", float("nan")), "finite"),
    Case("inf", set_value("goal", by_id(1), "target_value", float("inf")), "finite"),
    Case("minus_inf", set_value("criterion", by_id(1), "threshold", float("-inf")), "finite"),
    Case("int_overflows_column", set_value("pilot", by_id(1), "planned_n_per_arm", 10**30), "out of range"),
    Case("id_overflows_column", set_value("goal", by_id(1), "id", 2**40), "out of range"),
    Case("id_zero", set_value("criterion", by_id(4), "id", 0), "1 or more"),
    Case("number_too_large_for_float", set_value("result_entry", rate_row, "total", 10**400), "too large"),
    Case("int_where_date", set_value("pilot", by_id(1), "start_date", 20260921), "date"),
    Case("impossible_date", set_value("result_entry", rate_row, "day", "2026-02-30"), "not a date"),
    Case("garbage_datetime", set_value("pilot", by_id(2), "created_at", "yesterday"), "date and time"),
    Case("text_where_number", set_value("result_entry", rate_row, "n", "85"), "must be a number"),
    Case("bool_where_int", set_value("import_batch", by_id(1), "row_count", True), "whole number"),
    Case("fraction_where_int", set_value("pilot", by_id(1), "planned_n_per_arm", 3500.5), "whole number"),
    Case("list_where_text", set_value("pilot", by_id(1), "name", ["Question-style"]), "must be text"),
    Case("object_where_text", set_value("criterion", by_id(2), "metric", {"name": "x"}), "must be text"),
    Case("null_where_required", set_value("decision", by_id(1), "rationale", None), "required"),
    Case("text_too_long", set_value("pilot", by_id(4), "name", "x" * 121), "too long"),
    Case("nul_character", set_value("result_entry", rate_row, "note", "a\x00b"), "NUL"),
    Case("table_not_a_list", table_not_a_list, "list"),
    Case("row_not_an_object", row_not_an_object, "object"),
    Case("missing_table", missing_table, "missing"),
    Case("unknown_table", unknown_table, "not a Greenlight table"),
    Case("unknown_column", unknown_column, "not a column"),
    Case("missing_column", drop_column("goal", "kpi_name"), "missing"),
    Case("unknown_design", set_value("pilot", by_id(3), "design", "xx"), "'xx' is not a known design"),
    Case("unknown_metric_kind", set_value("criterion", by_id(3), "kind", "ratio"), "not a known metric kind"),
    Case("unknown_outcome", set_value("decision", by_id(2), "outcome", "maybe"), "not a known decision"),
    Case("unknown_recommendation", set_value("decision", by_id(1), "recommendation", "go"), "recommendation"),
    Case("unknown_goal_level", set_value("goal", by_id(3), "level", "tribe"), "goal level"),
    Case("unknown_source", set_value("result_entry", rate_row, "source", "fax"), "not a known source"),
    Case("unknown_link_scope", set_value("share_link", by_id(1), "scope", "team"), "link scope"),
    Case("conversions_above_exposures", conversions_above_exposures, "cannot exceed exposures"),
    Case("negative_exposures", set_value("result_entry", rate_row, "n", -3.0), "negative"),
    Case("snapshot_not_json", set_value("decision", by_id(1), "snapshot_json", "{frozen"), "not valid JSON"),
    Case("snapshot_a_list", set_value("decision", by_id(2), "snapshot_json", "[1, 2]"), "JSON object"),
    Case("snapshot_with_nan", set_value("decision", by_id(2), "snapshot_json", '{"x": NaN}'), "not valid JSON"),
    Case("snapshot_bad_frozen_at", set_value("decision", by_id(1), "snapshot_json", '{"frozen_at": 3}'), "frozen_at"),
    Case(
        "audit_result_without_figures",
        set_value("audit_event", lambda r: r["entity"] == "result", "before_json", '{"day": "2026-10-20"}'),
        "`n` must be a number",
    ),
    Case(
        "audit_criteria_not_a_list",
        set_value("audit_event", lambda r: r["entity"] == "pilot", "after_json", '{"criteria": "none"}'),
        "list of objects",
    ),
    Case("audit_not_json", set_value("audit_event", by_id(1), "after_json", "after"), "not valid JSON"),
    Case(
        "saved_mapping_unusable",
        set_value("import_mapping", lambda r: True, "mapping_json", '{"layout": "x"}'),
        "mapping",
    ),
    Case("pilot_with_no_arms", set_value("pilot", by_id(5), "arms", ""), "arm list"),
    Case("ab_pilot_with_one_arm", set_value("pilot", by_id(2), "arms", "a"), "control"),
    Case("target_pilot_with_two_arms", set_value("pilot", by_id(4), "arms", "control,pilot"), "arm list"),
    Case("end_before_start", set_value("pilot", by_id(1), "end_date", "2026-09-01"), "on or after"),
    Case("before_after_without_baseline", set_value("pilot", by_id(3), "baseline_start", None), "baseline"),
    Case("confidence_out_of_range", set_value("criterion", by_id(1), "confidence", 1.5), "between"),
    Case(
        "comparison_of_another_design",
        set_value("criterion", by_id(1), "comparison", "vs_target"),
        "criteria compare vs_control",
    ),
    Case("goal_cycle", goal_cycle, "own ancestor"),
    Case("goal_its_own_parent", goal_own_parent, "own ancestor"),
    Case("team_goal_without_parent", set_value("goal", by_id(3), "parent_id", None), "needs a parent"),
    Case("dangling_goal", set_value("pilot", by_id(1), "goal_id", 99), "goal 99"),
    Case("dangling_pilot", set_value("result_entry", rate_row, "pilot_id", 999), "pilot 999"),
    Case("dangling_superseded_by", set_value("result_entry", rate_row, "superseded_by_id", 10**6), "not in the backup"),
    Case("duplicate_id", duplicate_id, "unique"),
    Case("duplicate_pilot_name", set_value("pilot", by_id(2), "name", "Question-style subject lines"), "unique"),
    Case("two_current_values_for_one_day", duplicate_current_value, "unique among current rows"),
    Case("pilot_link_with_a_goal", set_value("share_link", by_id(1), "goal_id", 1), "opens no goal"),
    Case("bad_token_hash", set_value("share_link", by_id(1), "token_hash", "abc"), "SHA-256"),
    Case("unit_result_unknown_source", set_value("unit_result", by_id(1), "source", "fax"), "not a known source"),
    Case("unit_result_without_unit", set_value("unit_result", by_id(2), "unit", " "), "must name the unit"),
    Case("unit_result_negative_rows", set_value("unit_result", by_id(3), "n", -1.0), "negative"),
    Case("stores_on_a_target_pilot", set_value("pilot", by_id(4), "unit", "stores"), "only an A/B pilot"),
    Case("unknown_unit_summary", set_value("pilot", by_id(15), "unit_summary", "median"), "not a unit summary"),
]


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 29 and len({c.name for c in CORPUS}) == len(CORPUS)


def test_the_valid_backup_passes_every_check(valid, copy_of_valid):
    backup.validate_backup(valid)
    for case in CORPUS:  # and each mutation really changes it
        broken = copy_of_valid()
        case.mutate(broken)
        assert broken != valid, case.name


def _restore(engine, data, tmp_path, replace: bool):
    previous = tmp_path / "previous.json"
    return backup.restore_workspace(engine, data, replace=replace, previous_to=previous if replace else None)


@pytest.fixture(scope="module")
def full(valid, tmp_path_factory) -> Iterator[dict[str, tuple[Any, dict[str, Any]]]]:
    """Per back end, a workspace holding the valid backup and its export: every refused replacement must leave
    it exactly so. Shared by the corpus (restoring it for each of 60 cases was a fifth of this file's time);
    a refusal that wrote anything would show in this case and every later one."""
    made: dict[str, tuple[Any, dict[str, Any]]] = {}
    schemas: list[str] = []
    for backend in ("sqlite", "postgres"):
        if backend == "postgres":
            if not PG_URL:
                continue  # the engine fixture skips (or, under CI, fails) these cases with its own reason
            schema, url = create_pg_schema(need_postgres())
            schemas.append(schema)
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('full') / 'full.db'}"
        eng = make_engine(url)
        upgrade(eng)
        backup.restore_workspace(eng, valid)
        made[backend] = (eng, backup.export_workspace(eng))
    yield made
    for eng, _ in made.values():
        eng.dispose()
    for schema in schemas:
        drop_pg_schema(PG_URL, schema)


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_malformed_backup_is_refused_naming_table_row_and_field(engine, valid, copy_of_valid, full, tmp_path, case):
    broken = copy_of_valid()
    where = case.mutate(broken)
    broken = json.loads(json.dumps(broken))  # what a file holding it reads back as (NaN and inf included)
    with pytest.raises(backup.InvalidBackup) as refused:
        _restore(engine, broken, tmp_path, replace=False)
    message = str(refused.value)
    assert where in message and case.says in message, message
    assert message.startswith("The backup was not restored; nothing was written")
    assert backup.export_workspace(engine)["tables"] == {name: [] for name in valid["tables"]}

    workspace, before = full["postgres" if engine.dialect.name == "postgresql" else "sqlite"]
    with pytest.raises(backup.InvalidBackup):
        _restore(workspace, broken, tmp_path, replace=True)
    assert backup.export_workspace(workspace) == before
    assert not (tmp_path / "previous.json").exists()  # refused before anything, even the saving


def test_every_problem_is_counted_and_the_first_ones_shown(engine, valid, copy_of_valid, tmp_path):
    broken = copy_of_valid()
    for row in broken["tables"]["result_entry"]:
        row["n"] = -1.0
    with pytest.raises(backup.InvalidBackup) as refused:
        backup.restore_workspace(engine, broken)
    problems = refused.value.problems
    assert len(problems) == len(valid["tables"]["result_entry"])
    assert {(p.table, p.field) for p in problems} == {("result_entry", "n")}
    text = str(refused.value)
    assert f"{len(problems):,} problems" in text and f"and {len(problems) - 20:,} more" in text
    assert text.count("\n  - ") == 20


@pytest.mark.parametrize(
    "envelope, says",
    [
        ({"format": "something-else"}, "not a Greenlight backup"),
        ({"version": 2}, "format version (the number 2) is not supported"),
        ({"version": "1"}, "format version (text '1') is not supported"),
        ({"schema": "9999"}, "schema revision (text '9999') is unknown"),
        ({"schema": 4}, "schema revision (the number 4) is unknown"),
        ({"tables": None}, "`tables` must be an object"),
    ],
)
def test_a_file_that_is_not_a_readable_backup_is_refused(engine, valid, envelope, says):
    with pytest.raises(backup.BackupError, match=re.escape(says)):
        backup.restore_workspace(engine, {**valid, **envelope})
    assert not any(backup.export_workspace(engine)["tables"].values())


@pytest.mark.parametrize(
    "text, says",
    [("{nope", "not valid JSON"), ("1" * 5000, "not valid JSON"), ("[" * 100_000, "not valid JSON"), ("[]", "not a")],
)
def test_loads_says_what_is_wrong_with_the_text(text, says):
    with pytest.raises(backup.BackupError, match=says):
        backup.loads(text)


def test_valid_backup_round_trips_exactly_and_ids_keep_counting(engine, valid):
    restored = backup.restore_workspace(engine, valid)
    assert restored == {name: len(rows) for name, rows in valid["tables"].items()}
    assert backup.export_workspace(engine) == valid
    with transaction(engine) as s:
        pilot = factories.ab_pilot(s, name="After the restore")
        results.log_results(s, pilot.id or 0, factories.day_rows(factories.START), "tester")
    assert pilot.id == max(p["id"] for p in valid["tables"]["pilot"]) + 1
    after = backup.export_workspace(engine)["tables"]["result_entry"]
    last = max(r["id"] for r in valid["tables"]["result_entry"])
    assert [r["id"] for r in after[-2:]] == [last + 1, last + 2]


def test_the_store_pilot_and_its_stores_round_trip(engine, valid):
    """What a pilot splits and each store's values (market, last month) come back as they were."""
    [stores] = [p for p in valid["tables"]["pilot"] if p["unit"] == "stores"]
    assert stores["unit"] == "stores"
    units = [u for u in valid["tables"]["unit_result"] if u["pilot_id"] == stores["id"]]
    assert len({u["unit"] for u in units}) == 60 and all(u["stratum"] and u["before"] is not None for u in units)
    backup.restore_workspace(engine, valid)
    again = backup.export_workspace(engine)["tables"]
    assert again["unit_result"] == valid["tables"]["unit_result"]
    assert next(p for p in again["pilot"] if p["id"] == stores["id"]) == stores


@pytest.fixture(scope="module")
def with_market_test(tmp_path_factory) -> dict[str, Any]:
    """The whole demo, its market test included, as its backup file reads back."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('markets') / 'markets.db'}")
    upgrade(engine)
    with transaction(engine) as s:
        load_demo(s, as_of=AS_OF)
    data = json.loads(backup.dumps(backup.export_workspace(engine)))
    engine.dispose()
    return data


def test_the_market_test_and_its_markets_round_trip(engine, with_market_test):
    """A market test's test and excluded markets, and each market's days, come back as they were."""
    valid = with_market_test
    [market] = [p for p in valid["tables"]["pilot"] if p["design"] == "market"]
    assert (market["test_markets"], market["excluded_markets"]) == ("Chicago,Portland", "Milwaukee")
    days = [u for u in valid["tables"]["unit_result"] if u["pilot_id"] == market["id"]]
    assert len({u["unit"] for u in days}) == 40 and {u["arm"] for u in days} == {"control", "pilot"}
    backup.restore_workspace(engine, valid)
    again = backup.export_workspace(engine)["tables"]
    assert next(p for p in again["pilot"] if p["id"] == market["id"]) == market


def test_an_older_schema_may_lack_what_came_later(engine, copy_of_valid):
    older = copy_of_valid()
    older["schema"] = "0003"  # before links could open a goal or pin a decision
    for link in older["tables"]["share_link"]:
        link.pop("goal_id"), link.pop("decision_id")
    older["tables"]["share_link"] = [r for r in older["tables"]["share_link"] if r["scope"] == "pilot"]
    backup.restore_workspace(engine, older)
    [link] = backup.export_workspace(engine)["tables"]["share_link"]
    assert link["goal_id"] is None and link["decision_id"] is None


def test_goal_actuals_and_their_history_round_trip(engine, valid):
    actuals = valid["tables"]["goal_actual"]
    assert len([a for a in actuals if a["superseded_at"] is not None]) == 1  # the re-counted quarter's first value
    backup.restore_workspace(engine, valid)
    assert backup.export_workspace(engine)["tables"]["goal_actual"] == actuals
    with Session(engine) as s:
        latest = goal_progress.actuals(s, 2)[-1]
    assert (latest.period_end, latest.value, latest.note) == (date(2026, 9, 30), 350, "CRM re-count")


def test_a_backup_from_before_goal_actuals_restores_without_them(engine, copy_of_valid):
    older = copy_of_valid()
    older["schema"] = "0005"  # before goals logged their actuals
    del older["tables"]["goal_actual"]
    backup.restore_workspace(engine, older)
    assert backup.export_workspace(engine)["tables"]["goal_actual"] == []


def test_restore_into_a_workspace_with_rows_needs_replace(engine, valid, small, tmp_path):
    backup.restore_workspace(engine, valid)
    before = backup.export_workspace(engine)
    with pytest.raises(backup.WorkspaceNotEmpty, match="not empty .*--replace"):
        backup.restore_workspace(engine, small)
    assert backup.export_workspace(engine) == before

    saved_to = tmp_path / "kept" / "before-restore.json"
    backup.restore_workspace(engine, small, replace=True, previous_to=saved_to)
    assert backup.export_workspace(engine) == small
    assert backup.loads(saved_to.read_text(encoding="utf-8")) == json.loads(backup.dumps(before))

    with pytest.raises(backup.BackupError, match="already exists"):  # a saved workspace is never overwritten
        backup.restore_workspace(engine, valid, replace=True, previous_to=saved_to)
    assert backup.export_workspace(engine) == small

    # and back: the saved file is itself a backup that restores exactly
    backup.restore_workspace(engine, backup.loads(saved_to.read_text()), replace=True, previous_to=tmp_path / "b.json")
    assert backup.export_workspace(engine) == before
    with transaction(engine) as s:
        assert factories.goal(s, "After replacing").id == max(g["id"] for g in valid["tables"]["goal"]) + 1


def test_replace_that_cannot_save_the_current_workspace_changes_nothing(engine, valid, small, tmp_path):
    backup.restore_workspace(engine, valid)
    before = backup.export_workspace(engine)
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with pytest.raises(backup.BackupError, match="could not be saved"):
        backup.restore_workspace(engine, small, replace=True, previous_to=blocked / "inside.json")
    assert backup.export_workspace(engine) == before


# --- the command line -----------------------------------------------------------------------------------------


def test_cli_restore_of_a_malformed_file_is_one_message_without_traceback(tmp_path, copy_of_valid):
    broken = copy_of_valid()
    where = set_value("pilot", by_id(3), "design", "xx")(broken)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    env = {**os.environ, "GREENLIGHT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "lib.cli", "restore", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.startswith("error: The backup was not restored") and done.stderr.count("\n") == 1
    assert where in done.stderr and "'xx' is not a known design" in done.stderr
    engine = make_engine(env["GREENLIGHT_DATABASE_URL"])
    assert not any(backup.export_workspace(engine)["tables"].values())
    engine.dispose()


def test_cli_restore_replaces_only_when_asked_and_says_where_the_old_one_is(tmp_path, monkeypatch, capsys, small):
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["demo"]) == 0
    path = tmp_path / "small.json"
    path.write_text(backup.dumps(small), encoding="utf-8")
    capsys.readouterr()
    assert main(["restore", str(path)]) != 0
    _, err = capsys.readouterr()
    assert "not empty" in err and "--replace" in err and err.count("\n") == 1
    kept = tmp_path / "kept.json"
    assert main(["restore", str(path), "--replace", "--previous-out", str(kept)]) == 0
    out, _ = capsys.readouterr()
    assert str(kept) in out and "Restored" in out
    assert len(backup.loads(kept.read_text())["tables"]["pilot"]) == 16  # the demo, kept
    assert main(["restore", str(kept), "--replace"]) == 0  # default: a new file beside the backup
    out, _ = capsys.readouterr()
    [default] = [p for p in tmp_path.glob("greenlight-before-restore-*.json")]
    assert str(default) in out
    assert backup.loads(default.read_text())["tables"]["pilot"] == small["tables"]["pilot"]


def test_cli_restore_of_a_file_that_is_not_text(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["restore", str(path)]) != 0
    _, err = capsys.readouterr()
    assert "not UTF-8 text" in err and err.count("\n") == 1
