"""The shape of a backup file: envelope, tables, columns and value types.

These checks come first because every later rule reads typed values: a
date must be a date, an integer an integer small enough for the column, a
number finite, text valid Unicode that fits the column, and a ``*_json``
column a JSON object. What passes comes back decoded, ready to insert.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from lib.infra import models  # noqa: F401  (registers the tables)
from lib.infra.db import alembic_config
from lib.services.backup.problems import BackupError, Problems, describe, row_key

FORMAT = "greenlight-backup"
VERSION = 1
INT32 = (-(2**31), 2**31 - 1)  # PostgreSQL's integer; SQLite accepts more, the rules are the same for both
INT64 = (-(2**63), 2**63 - 1)

Row = dict[str, Any]
Tables = dict[str, list[Row]]


class BadValue(ValueError):
    """One value that does not fit its column; the message completes "field `x`: …"."""


#: derived data, rebuilt on demand: never backed up
DERIVED = ("stored_evaluation",)


def tables() -> list[sa.Table]:
    """Every table a backup holds, parents before children (the order rows are inserted in)."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in DERIVED]


def known_revisions() -> list[str]:
    """Schema revisions this Greenlight knows, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def check_envelope(backup: Any) -> bool:
    """Refuse what is not a backup we can read; True when it is from the current schema."""
    if not isinstance(backup, Mapping) or backup.get("format") != FORMAT:
        raise BackupError("This file is not a Greenlight backup.")
    version = backup.get("version")
    if type(version) is not int or version != VERSION:
        raise BackupError(
            f"This backup's format version ({describe(version)}) is not supported; this Greenlight reads version {VERSION}."
        )
    schema = backup.get("schema")
    revisions = known_revisions()
    if schema is None:
        return True
    if not isinstance(schema, str) or schema not in revisions:
        raise BackupError(
            f"The backup's schema revision ({describe(schema)}) is unknown here: it comes from a newer "
            f"Greenlight or another program (this one knows {revisions[0]} to {revisions[-1]})."
        )
    return schema == revisions[-1]


def is_json_column(col: sa.Column) -> bool:
    return col.name.endswith("_json")


def _base(col: sa.Column) -> sa.types.TypeEngine:
    return getattr(col.type, "impl_instance", None) or col.type


def _integer(low: int, high: int, is_key: bool, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValue(f"must be a whole number, not {describe(value)}.")
    if not low <= value <= high:
        raise BadValue(f"{describe(value)} is out of range (from {low:,} to {high:,}).")
    if is_key and value < 1:  # the database never hands out 0 or less, and `id or 0` reads 0 as "none"
        raise BadValue(f"an id must be 1 or more, not {value}.")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadValue(f"must be true or false, not {describe(value)}.")
    return value


def _number(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadValue(f"must be a number, not {describe(value)}.")
    try:
        as_float = float(value)
    except OverflowError:
        raise BadValue(f"{describe(value)} is too large to store.") from None
    if math.isnan(as_float):
        raise BadValue("must be a finite number, not NaN.")
    if math.isinf(as_float):
        raise BadValue(f"must be a finite number, not {'-' if as_float < 0 else ''}Infinity.")
    return value


def _text(length: int | None, is_json: bool, value: Any) -> str:
    if not isinstance(value, str):
        raise BadValue(f"must be text, not {describe(value)}.")
    if "\x00" in value:
        raise BadValue("contains a NUL character, which no database stores.")
    if not value.isascii():  # only text beyond ASCII can hold an unpaired surrogate
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadValue("is not valid Unicode (it holds an unpaired surrogate).") from None
    if length and len(value) > length:
        raise BadValue(f"is too long ({len(value):,} characters; at most {length:,}).")
    if is_json:
        _json_object(value)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is too large")
    return value


def _json_object(text: str) -> None:
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise BadValue("is not valid JSON (nested too deeply).") from None
    except json.JSONDecodeError as exc:
        raise BadValue(f"is not valid JSON ({exc.msg} at character {exc.pos + 1}).") from None
    except ValueError as exc:
        raise BadValue(f"is not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise BadValue(f"must hold a JSON object, not {describe(data)}.")


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise BadValue(f"must be a date as text (YYYY-MM-DD), not {describe(value)}.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadValue(f"{value!r} is not a date (YYYY-MM-DD).") from None


def _datetime(value: Any) -> datetime:
    """Aware and in UTC; a time without offset is read as UTC, as the database reads its own."""
    if not isinstance(value, str):
        raise BadValue(f"must be a date and time as text (ISO 8601), not {describe(value)}.")
    try:
        parsed = datetime.fromisoformat(value)
        return parsed.replace(tzinfo=UTC) if parsed.utcoffset() is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadValue(f"{value!r} is not a date and time (e.g. 2026-11-23T09:00:00+00:00).") from None


def _checker(col: sa.Column) -> Callable[[Any], Any]:
    base = _base(col)
    if isinstance(base, sa.Boolean):
        return _boolean
    if isinstance(base, sa.Integer):
        return partial(_integer, *(INT64 if isinstance(base, sa.BigInteger) else INT32), bool(col.primary_key))
    if isinstance(base, (sa.Float, sa.Numeric)):
        return _number
    if isinstance(base, sa.DateTime):
        return _datetime
    if isinstance(base, sa.Date):
        return _date
    if isinstance(base, sa.String):
        return partial(_text, getattr(base, "length", None), is_json_column(col))

    def unknown(value: Any) -> Any:
        raise BadValue(f"has a column type the backup cannot restore ({base}).")

    return unknown


NULL_REFUSED = "is required (null is not allowed)."
_CHECKS: dict[sa.Table, list[tuple[str, bool, Callable[[Any], Any]]]] = {}


def _checks(table: sa.Table) -> list[tuple[str, bool, Callable[[Any], Any]]]:
    """Each column's name, whether it may be null, and the check of a value that is not null, chosen once per
    table from the column types: every cell of a backup passes through it."""
    found = _CHECKS.get(table)
    if found is None:
        found = _CHECKS[table] = [(c.name, bool(c.nullable), _checker(c)) for c in table.columns]
    return found


def _read_table(table: sa.Table, raw: Any, strict: bool, problems: Problems) -> list[Row]:
    name = table.name
    if not isinstance(raw, list):
        problems.add(f"must be a list of rows, not {describe(raw)}.", table=name)
        return []
    keys = [c.name for c in table.primary_key.columns]
    columns = {c.name for c in table.columns}
    checks = _checks(table)
    rows: list[Row] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            problems.add(f"must be an object of column: value, not {describe(item)}.", table=name, row=number)
            continue
        key = row_key(item, keys)
        if not columns.issuperset(item):
            for extra in item:
                if extra not in columns:
                    problems.add("is not a column of this table.", table=name, row=number, key=key, field=str(extra))
        row: Row = {}
        for field, nullable, check in checks:
            if field not in item:
                if strict or not nullable:
                    problems.add("is missing.", table=name, row=number, key=key, field=field)
                row[field] = None
                continue
            value = item[field]
            if value is None:
                if nullable:
                    row[field] = None
                else:
                    problems.add(NULL_REFUSED, table=name, row=number, key=key, field=field)
                continue
            try:
                row[field] = check(value)
            except BadValue as exc:
                problems.add(str(exc), table=name, row=number, key=key, field=field)
        rows.append(row)
    return rows


def read_tables(backup: Mapping[str, Any], strict: bool, problems: Problems) -> Tables:
    """Every table's rows decoded; problems for anything that does not fit.

    ``strict`` (a backup of the current schema) requires every table and column;
    a backup of an older schema may lack the tables and nullable columns added since.
    """
    data = backup.get("tables")
    if not isinstance(data, dict):
        problems.add(f"`tables` must be an object of table name: list of rows, not {describe(data)}.")
        return {}
    known = {t.name: t for t in tables()}
    for name in data:
        if name not in known:
            problems.add("is not a Greenlight table.", table=str(name))
    out: Tables = {}
    for name, table in known.items():
        if name not in data:
            if strict:
                problems.add("is missing (an empty table is written as []).", table=name)
            out[name] = []
            continue
        out[name] = _read_table(table, data[name], strict, problems)
    return out
