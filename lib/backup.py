"""A complete, versioned backup of the workspace, and its restore into an empty database.

The backup is plain JSON: every row of every table, history and audit trail
included, tagged with a format version and the schema revision it came from.
Restoring reproduces the rows exactly (same ids), on SQLite or PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from lib import models  # noqa: F401  (registers the tables)
from lib.db import current_revision, head_revision

FORMAT = "greenlight-backup"
VERSION = 1


class BackupError(ValueError):
    pass


def _tables() -> list[sa.Table]:
    return list(SQLModel.metadata.sorted_tables)


def _base_type(col: sa.Column) -> sa.types.TypeEngine:
    return getattr(col.type, "impl", col.type)


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def export_workspace(engine: Engine) -> dict[str, Any]:
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in _tables():
            order = [c for c in table.primary_key.columns]
            rows = conn.execute(sa.select(table).order_by(*order)).mappings()
            tables[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
    return {"format": FORMAT, "version": VERSION, "schema": current_revision(engine), "tables": tables}


def _decode(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for col in table.columns:
        if col.name not in row:
            continue
        value = row[col.name]
        base = _base_type(col)
        if value is not None and isinstance(base, sa.DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(base, sa.Date):
            value = date.fromisoformat(value)
        out[col.name] = value
    return out


def _self_refs(table: sa.Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def restore_workspace(engine: Engine, backup: dict[str, Any]) -> dict[str, int]:
    """Load a backup into an empty, migrated database, all or nothing."""
    if backup.get("format") != FORMAT:
        raise BackupError("This file is not a Greenlight backup.")
    if backup.get("version") != VERSION:
        raise BackupError(f"Backup format version {backup.get('version')} is not supported (expected {VERSION}).")
    if backup.get("schema") not in (None, head_revision()) and backup.get("schema") > head_revision():
        raise BackupError(f"The backup comes from a newer Greenlight (schema {backup.get('schema')}).")
    data = backup.get("tables") or {}
    restored: dict[str, int] = {}
    with engine.begin() as conn:
        for table in _tables():
            if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
                raise BackupError(
                    f"The database is not empty (table {table.name} has rows); restore only into an empty workspace."
                )
        for table in _tables():
            rows = [_decode(table, r) for r in data.get(table.name, [])]
            refs = _self_refs(table)
            if rows:
                conn.execute(table.insert(), [{**r, **{c: None for c in refs}} for r in rows])
                pk = list(table.primary_key.columns)[0]
                for c in refs:
                    for r in rows:
                        if r.get(c) is not None:
                            conn.execute(table.update().where(pk == r[pk.name]).values({c: r[c]}))
            restored[table.name] = len(rows)
            if engine.dialect.name == "postgresql" and "id" in table.columns and rows:
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT MAX(id) FROM {table.name}))"
                    )
                )
    return restored


def dumps(backup: dict[str, Any]) -> str:
    return json.dumps(backup, indent=1, sort_keys=True, allow_nan=False)


def loads(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackupError(f"The backup is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    if not isinstance(data, dict):
        raise BackupError("This file is not a Greenlight backup.")
    return data
