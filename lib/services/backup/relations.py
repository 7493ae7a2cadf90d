"""Rules across rows: keys, references, the goal tree, and rows that must agree.

A row can be fine on its own and still break the workspace: an id used twice,
a pilot that points at a goal the backup does not hold, a goal that is its
own ancestor, a criterion comparing the way another design does. The
database catches some of these with a traceback, the pages none of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import sqlalchemy as sa

from lib.infra.inputs import DESIGN_COMPARISON
from lib.infra.models import GOAL_LEVELS
from lib.services.backup.problems import Problems, row_key
from lib.services.backup.structure import Row, Tables, tables

_IS_NULL = re.compile(r"\s*(\w+)\s+IS\s+NULL\s*", re.IGNORECASE)
# rules the app keeps although no database constraint does
_APP_UNIQUE = {"goal": [["name"]]}


def _keys(table: sa.Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def _unique_sets(table: sa.Table) -> Iterator[tuple[list[str], str | None]]:
    """Column sets that must be unique, each with the "only while <column> IS NULL" of a partial index."""
    yield _keys(table), None
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            yield [c.name for c in constraint.columns], None
    for index in table.indexes:
        if not index.unique:
            continue
        where = index.dialect_options["sqlite"].get("where")
        if where is None:
            where = index.dialect_options["postgresql"].get("where")
        if where is None:
            yield [c.name for c in index.columns], None
        elif match := _IS_NULL.fullmatch(str(where)):
            yield [c.name for c in index.columns], match.group(1)
    for columns in _APP_UNIQUE.get(table.name, []):
        yield columns, None


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _check_unique(table: sa.Table, rows: list[Row], problems: Problems) -> None:
    for columns, only_null in _unique_sets(table):
        seen: dict[tuple, int] = {}
        for number, row in enumerate(rows, start=1):
            if only_null is not None and row.get(only_null) is not None:
                continue
            value = tuple(row[c] for c in columns)
            if any(v is None for v in value):
                continue  # NULLs never clash, in SQL or here
            if value in seen:
                shown = ", ".join(f"{c} {_shown(row[c])}" for c in columns)
                scope = " among current rows" if only_null else ""
                first = seen[value]
                first_key = row_key(rows[first - 1], _keys(table))
                problems.add(
                    f"{shown} is already in row {first}{f' ({first_key})' if first_key else ''}; must be unique{scope}.",
                    table=table.name,
                    row=number,
                    key=row_key(row, _keys(table)),
                    field=columns[-1],
                )
            else:
                seen[value] = number


def _check_references(table: sa.Table, data: Tables, problems: Problems) -> None:
    for fk in table.foreign_keys:
        target, target_col, field = fk.column.table.name, fk.column.name, fk.parent.name
        present = {r[target_col] for r in data.get(target, [])}
        for number, row in enumerate(data.get(table.name, []), start=1):
            value = row.get(field)
            if value is not None and value not in present:
                problems.add(
                    f"points to {target} {value}, which is not in the backup (no row of `{target}` has {target_col} "
                    f"{value}).",
                    table=table.name,
                    row=number,
                    key=row_key(row, _keys(table)),
                    field=field,
                )


def _check_goal_tree(goals: list[Row], problems: Problems) -> None:
    by_id = {g["id"]: g for g in goals}
    for number, goal in enumerate(goals, start=1):

        def add(message: str, goal: Row = goal, number: int = number) -> None:
            problems.add(message, table="goal", row=number, key=f"id {goal['id']}", field="parent_id")

        level, parent_id = goal["level"], goal["parent_id"]
        if level not in GOAL_LEVELS:
            continue  # the row rules name the unknown level
        if parent_id is None:
            if level != "company":
                add(
                    f"a {level} goal sits under the goal it serves: it needs a parent (only company goals stand alone)."
                )
            continue
        chain, current = [goal["id"]], by_id.get(parent_id)
        while current is not None and current["id"] not in chain:
            chain.append(current["id"])
            current = by_id.get(current["parent_id"]) if current["parent_id"] is not None else None
        if current is not None and current["id"] == goal["id"]:
            add(f"goal {goal['id']} is its own ancestor ({' → '.join(map(str, [*chain, goal['id']]))}).")
            continue
        parent = by_id.get(parent_id)
        if (
            parent is not None
            and parent["level"] in GOAL_LEVELS
            and GOAL_LEVELS.index(parent["level"]) >= GOAL_LEVELS.index(level)
        ):
            add(f"a {level} goal cannot sit under a {parent['level']} goal (goal {parent_id}).")


def _check_criteria(data: Tables, problems: Problems) -> None:
    """Criteria compare the way their pilot's design does; each metric has one kind; one is primary."""
    pilots = {p["id"]: p for p in data.get("pilot", [])}
    kinds: dict[tuple[int, str], tuple[str, int]] = {}
    roles: dict[int, set[str]] = {}
    for number, c in enumerate(data.get("criterion", []), start=1):
        key = f"id {c['id']}"
        roles.setdefault(c["pilot_id"], set()).add(c["role"])
        pilot = pilots.get(c["pilot_id"])
        expected = DESIGN_COMPARISON.get(pilot["design"]) if pilot else None
        if expected and c["comparison"] != expected:
            problems.add(
                f"pilot {c['pilot_id']} has design {pilot['design']!r}, so its criteria compare {expected}, "  # type: ignore[index]
                f"not {c['comparison']!r}.",
                table="criterion",
                row=number,
                key=key,
                field="comparison",
            )
        first = kinds.setdefault((c["pilot_id"], c["metric"]), (c["kind"], number))
        if first[0] != c["kind"]:
            problems.add(
                f"metric {c['metric']!r} is a {first[0]} in row {first[1]}; one metric has one kind per pilot.",
                table="criterion",
                row=number,
                key=key,
                field="kind",
            )
    for number, p in enumerate(data.get("pilot", []), start=1):
        if p["id"] in roles and "primary" not in roles[p["id"]]:
            problems.add(
                "has criteria but none is primary; at least one must be.",
                table="pilot",
                row=number,
                key=f"id {p['id']}",
                field="criteria",
            )


def _check_results(data: Tables, problems: Problems) -> None:
    batches = {b["id"]: b for b in data.get("import_batch", [])}
    for number, r in enumerate(data.get("result_entry", []), start=1):
        key = f"id {r['id']}"
        batch = batches.get(r["batch_id"])
        if batch is not None and batch["pilot_id"] != r["pilot_id"]:
            problems.add(
                f"batch {r['batch_id']} belongs to pilot {batch['pilot_id']}, not to pilot {r['pilot_id']}.",
                table="result_entry",
                row=number,
                key=key,
                field="batch_id",
            )
        if r["superseded_by_id"] is not None and r["superseded_at"] is None:
            problems.add(
                f"is empty although row id {r['superseded_by_id']} supersedes this one.",
                table="result_entry",
                row=number,
                key=key,
                field="superseded_at",
            )
        if r["superseded_by_id"] == r["id"]:
            problems.add(
                "a value cannot supersede itself.", table="result_entry", row=number, key=key, field="superseded_by_id"
            )


def _check_share_links(data: Tables, problems: Problems) -> None:
    decisions = {d["id"]: d for d in data.get("decision", [])}
    for number, link in enumerate(data.get("share_link", []), start=1):

        def add(field: str, message: str, number: int = number, link: Row = link) -> None:
            problems.add(message, table="share_link", row=number, key=f"id {link['id']}", field=field)

        if link["scope"] == "pilot":
            if link["pilot_id"] is None:
                add("pilot_id", "a pilot link needs the pilot it opens.")
            if link["goal_id"] is not None:
                add("goal_id", "a pilot link opens no goal (must be null).")
        elif link["scope"] == "goal":
            if link["goal_id"] is None:
                add("goal_id", "a goal link needs the goal it opens.")
            for field in ("pilot_id", "decision_id"):
                if link[field] is not None:
                    add(field, "a goal link opens no pilot or decision (must be null).")
        decision = decisions.get(link["decision_id"])
        if decision is not None and link["pilot_id"] is not None and decision["pilot_id"] != link["pilot_id"]:
            add(
                "decision_id",
                f"decision {decision['id']} is about pilot {decision['pilot_id']}, not this link's pilot.",
            )


def check_relations(data: Tables, problems: Problems) -> None:
    """Keys, references and the rules that involve several rows; problems in table order."""
    for table in tables():
        _check_unique(table, data.get(table.name, []), problems)
        _check_references(table, data, problems)
    _check_goal_tree(data.get("goal", []), problems)
    _check_criteria(data, problems)
    _check_results(data, problems)
    _check_share_links(data, problems)
