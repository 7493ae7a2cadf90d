"""The Log results grid's cells as text, read back with the importer's own number reader.

A number editor drops what it cannot read: "3O0" became 30 and "twelve" 0, without a word.
The grid is edited as text instead, and each cell is read the way an imported file's cell is
("1.234,5", "1,234.5", "12 %", "(40)"), so a typo is named, never guessed. Every bad cell is
listed at once, naming its day, arm and column, and the caller saves nothing while any is bad.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lib.formatting import quoted
from lib.importer.values import BAD, BLANK, detect_decimal, parse_value
from lib.services.conflicts import day_month
from lib.services.manual_entry import FIELDS


class NotANumber(ValueError):
    """A cell that holds text the importer's reader cannot take as a number."""


def read_cell(value: object) -> float | None:
    """One grid cell as a number; None when blank. Raises :class:`NotANumber` for anything else.

    The decimal mark is judged from the cell itself, as the importer judges a file's: "1.234,5" is
    1234.5, "1,234.5" too, "12,5" is 12.5; "12 %" is 0.12.
    """
    decimal = detect_decimal([value], None) if isinstance(value, str) else "."
    number, status = parse_value(value, decimal)
    if status == BAD:
        raise NotANumber(f"{quoted(value)} is not a number")
    return None if status == BLANK else number


def cell_text(value: float | None) -> str:
    """How a logged figure shows in a text cell: blank when nothing is logged, "39", "12.5"."""
    if value is None or value != value:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _labels(columns: str | Sequence[str]) -> list[str]:
    """The figure columns: a kind's own labels ("proportion": Exposures, Conversions) or a sheet's."""
    return [f.label for f in FIELDS[columns]] if isinstance(columns, str) else list(columns)


def text_rows(columns: str | Sequence[str], rows: Sequence[dict]) -> list[dict]:
    """The grid's rows (numbers, None where nothing is logged) as the text the grid shows.

    ``columns`` are the figure columns' labels (a sheet's ``labels``), or a metric kind for its own.
    """
    labels = _labels(columns)
    return [{k: cell_text(v) if k in labels else v for k, v in row.items()} for row in rows]


@dataclass(frozen=True)
class CellProblem:
    """One cell that is not a number: where it is and what it held."""

    day: date
    arm: str
    column: str
    message: str

    @property
    def where(self) -> str:
        return f"{day_month(self.day)} · {self.arm} · {self.column}"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def marked_rows(rows: Sequence[dict], problems: Sequence[CellProblem], mark: str = "⚠ ") -> list[dict]:
    """The rows that hold a bad cell, as typed, each bad cell marked: the grid's problems shown in place."""
    bad: dict[tuple, set[str]] = {}
    for p in problems:
        bad.setdefault((p.day, p.arm), set()).add(p.column)
    out = []
    for row in rows:
        columns = bad.get((row.get("Day"), row.get("Arm")))
        if columns:
            out.append({k: f"{mark}{v}" if k in columns else ("" if v is None else v) for k, v in row.items()})
    return out


@dataclass(frozen=True)
class ReadGrid:
    """The edited grid as numbers (``rows``), or every cell that could not be read (``problems``)."""

    rows: list[dict]
    problems: tuple[CellProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def read_grid(columns: str | Sequence[str], shown: Sequence[dict], typed: Sequence[dict]) -> ReadGrid:
    """The typed rows as numbers, row by row beside the rows shown (numbers), every problem at once.

    A cell whose text is what the grid showed keeps the shown number exactly, so a figure shown
    rounded ("41.3333" for 41.33333…) is no change when nobody touched it.
    """
    rows: list[dict] = []
    problems: list[CellProblem] = []
    labels = _labels(columns)
    for before, after in zip(shown, typed, strict=True):
        row = dict(after)
        for label in labels:
            value = after.get(label)
            if isinstance(value, str) and value.strip() == cell_text(before.get(label)):
                row[label] = before.get(label)
                continue
            try:
                row[label] = read_cell(value)
            except NotANumber as exc:
                problems.append(CellProblem(before["Day"], before["Arm"], label, str(exc)))
        rows.append(row)
    return ReadGrid(rows, tuple(problems))
