"""What can be wrong with a backup, said so that a person can find and fix it.

Every problem names the table, the row (its position in the file and its id)
and the field, because a backup is a large file and "invalid value" alone
sends its reader searching.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_SHOWN = 20  # more than this buries the first problem; the count says how many there are


class BackupError(ValueError):
    """A backup that cannot be restored; the message is for people, nothing was written."""


class WorkspaceNotEmpty(BackupError):
    """Restoring over existing rows needs an explicit ``replace``."""


@dataclass(frozen=True)
class BackupProblem:
    """One thing wrong: where it is (table, row, field) and what is wrong with it."""

    message: str
    table: str | None = None
    row: int | None = None  # 1-based position in the table's list
    row_key: str = ""  # e.g. "id 7", when the row has a usable key
    field: str | None = None

    def __str__(self) -> str:
        where = []
        if self.table is not None:
            where.append(f"table `{self.table}`")
        if self.row is not None:
            where.append(f"row {self.row}" + (f" ({self.row_key})" if self.row_key else ""))
        if self.field is not None:
            where.append(f"field `{self.field}`")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InvalidBackup(BackupError):
    """The backup breaks the model's rules; carries every problem, shows the first few."""

    def __init__(self, problems: list[BackupProblem]):
        self.problems = problems
        lead = "The backup was not restored; nothing was written"
        if len(problems) == 1:
            text = f"{lead}: {problems[0]}"
        else:
            shown = [f"  - {p}" for p in problems[:MAX_SHOWN]]
            more = len(problems) - MAX_SHOWN
            tail = [f"  … and {more:,} more."] if more > 0 else []
            text = "\n".join([f"{lead}. {len(problems):,} problems:", *shown, *tail])
        super().__init__(text)


def row_key(row: Mapping[str, Any], key_columns: list[str]) -> str:
    """ "id 7" (or "pilot_id 4"): the row's own key, when it holds plain integers."""
    parts = [f"{c} {row[c]}" for c in key_columns if type(row.get(c)) is int]
    return ", ".join(parts)


@dataclass
class Problems:
    """Collects problems for one table at a time; rows are numbered as the file lists them."""

    found: list[BackupProblem]

    def add(
        self,
        message: str,
        *,
        table: str | None = None,
        row: int | None = None,
        key: str = "",
        field: str | None = None,
    ) -> None:
        self.found.append(BackupProblem(message, table, row, key, field))

    def __bool__(self) -> bool:
        return bool(self.found)


def describe(value: Any) -> str:
    """A value as the JSON file shows it, short: for "must be a number, not text 'abc'"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f"text {shown!r}"
    if isinstance(value, int):
        if abs(value) >= 10**100:  # str() of a 5,000-digit int raises; nobody reads 100 digits anyway
            return "a number of more than 100 digits"
        digits = len(str(abs(value)))
        return f"the number {value}" if digits <= 30 else f"a {digits}-digit number"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
