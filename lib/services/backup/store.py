"""Rows out of the database into a backup, and a checked backup back in, in one transaction.

Restoring reproduces the rows exactly (same ids) on SQLite or PostgreSQL,
and only into an empty workspace unless asked to replace it; then the
workspace as it was is saved to a file first, and the swap is one
transaction, so a failure leaves it as it was.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from lib.services.backup.checks import validate_backup
from lib.services.backup.problems import BackupError, WorkspaceNotEmpty
from lib.services.backup.structure import DERIVED, FORMAT, VERSION, Tables, tables


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _export(conn: Connection) -> dict[str, Any]:
    data: dict[str, list[dict[str, Any]]] = {}
    for table in tables():
        rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings()
        data[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
    schema = MigrationContext.configure(conn).get_current_revision()
    return {"format": FORMAT, "version": VERSION, "schema": schema, "tables": data}


def export_workspace(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return _export(conn)


def _lock(conn: Connection) -> None:
    """Nobody writes between "is it empty?" and the last row (SQLite: BEGIN IMMEDIATE does this)."""
    if conn.dialect.name == "postgresql":
        names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables())
        conn.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


def _row_counts(conn: Connection) -> dict[str, int]:
    return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables()}


def _save(path: Path, backup: dict[str, Any]) -> None:
    """The workspace as it was, written (never over an existing file) and synced before anything changes."""
    try:
        text = dumps(backup)
    except ValueError as exc:
        raise BackupError(f"The current workspace could not be saved ({exc}); nothing was restored.") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except FileExistsError as exc:
        if str(exc.filename) == str(path):
            raise BackupError(f"{path} already exists: choose a new file for the current workspace.") from None
        raise BackupError(f"The current workspace could not be saved to {path} ({exc.strerror}).") from None
    except OSError as exc:
        raise BackupError(f"The current workspace could not be saved to {path} ({exc.strerror}).") from None


def _self_refs(table: sa.Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _insert(conn: Connection, data: Tables) -> dict[str, int]:
    """Parents before children; a table's references to itself are set once all its rows exist."""
    restored: dict[str, int] = {}
    for table in tables():
        rows = data.get(table.name, [])
        restored[table.name] = len(rows)
        if not rows:
            continue
        refs = _self_refs(table)
        conn.execute(table.insert(), [{**r, **{c: None for c in refs}} for r in rows])
        pk = list(table.primary_key.columns)[0]
        for c in refs:
            later = [{"_pk": r[pk.name], "_ref": r[c]} for r in rows if r[c] is not None]
            if later:
                stmt = table.update().where(pk == sa.bindparam("_pk")).values({c: sa.bindparam("_ref")})
                conn.execute(stmt, later)
        if conn.dialect.name == "postgresql" and "id" in table.columns:
            # ids came from the backup: the sequence must continue after them, or the next create fails
            name = conn.dialect.identifier_preparer.format_table(table)
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")
    return restored


def restore_workspace(
    engine: Engine, backup: Any, *, replace: bool = False, previous_to: Path | None = None
) -> dict[str, int]:
    """Check the backup with the app's rules, then load it all or nothing; rows restored per table.

    Only into an empty workspace, unless ``replace``: then the current workspace is
    first saved to ``previous_to`` (a new file) and swapped for the backup in the same transaction.
    """
    data = validate_backup(backup)
    if replace and previous_to is None:
        raise ValueError("replace=True needs previous_to: the file the current workspace is saved to first.")
    try:
        with engine.begin() as conn:
            _lock(conn)
            held = {name: n for name, n in _row_counts(conn).items() if n}
            if held and not replace:
                listed = ", ".join(f"{name} {n:,}" for name, n in held.items())
                raise WorkspaceNotEmpty(
                    f"The workspace is not empty (rows in {listed}); restore only into an empty workspace, "
                    "or replace it (CLI: --replace; the current workspace is saved to a file first)."
                )
            if replace:
                assert previous_to is not None
                _save(previous_to, _export(conn))
                for name in DERIVED:  # kept evaluations refer to the pilots about to go
                    conn.execute(SQLModel.metadata.tables[name].delete())
                for table in reversed(tables()):
                    conn.execute(table.delete())
            return _insert(conn, data)
    except (sa.exc.IntegrityError, sa.exc.DataError) as exc:
        # the checks above mirror every constraint; this is the last line, still without a traceback
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise BackupError(f"The database refused the backup ({reason}); nothing was written.") from None


def dumps(backup: dict[str, Any]) -> str:
    return json.dumps(backup, indent=1, sort_keys=True, allow_nan=False)


def loads(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackupError(f"The backup is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    except (ValueError, RecursionError) as exc:  # e.g. a 5,000-digit number, or lists nested 100,000 deep
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).split(";")[0]
        raise BackupError(f"The backup is not valid JSON ({reason}).") from None
    if not isinstance(data, dict):
        raise BackupError("This file is not a Greenlight backup.")
    return data
