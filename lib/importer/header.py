"""Finding the header row and checking its names: the same rules for CSV text and workbook sheets.

Exports often put a title, a date range or an empty line above the table, so the
header is the first row about as wide as the rows below it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from . import messages
from .errors import ImportFileError
from .values import cell_text, looks_like_data

HEADER_SCAN_ROWS = 60
"""How many rows from the top may hold titles before the header."""


def filled(row: Sequence[object]) -> int:
    """How many cells of a row hold something (not None, not blank text)."""
    return sum(1 for c in row if c is not None and (not isinstance(c, str) or c.strip()))


def header_index(rows: Sequence[Sequence[object]]) -> int | None:
    """Index of the header: the first row as wide as the data below it (None when every row is empty).

    The data's width is the most common number of filled cells (the wider one on a
    tie, since title lines are narrower than the table); a row with at least half
    of that width (and at least two cells) starts the table.
    """
    counts = [filled(r) for r in rows]
    widths = Counter(c for c in counts if c)
    if not widths:
        return None
    modal = max(widths, key=lambda w: (widths[w], w))
    need = 1 if modal < 2 else max(2, (modal + 1) // 2)
    return next(i for i, c in enumerate(counts) if c >= need)


def column_letter(position: int) -> str:
    """Spreadsheet letter for a 0-based column position (0 -> A, 26 -> AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_names(file_name: str, cells: Sequence[object], row: int) -> list[str]:
    """Validated column names from a header row: no blanks between names, no duplicates, not data."""
    names = ["" if c is None or (isinstance(c, str) and not c.strip()) else cell_text(c) for c in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ImportFileError(messages.empty_file(file_name))
    present = [n for n in names if n]
    data_like = sum(1 for c in cells[: len(names)] if c is not None and looks_like_data(c))
    if data_like * 2 > len(present):
        raise ImportFileError(messages.no_header(file_name, present))
    blanks = [column_letter(i) for i, n in enumerate(names) if not n]
    if blanks:
        raise ImportFileError(messages.blank_column_name(file_name, blanks, row))
    seen = Counter(n.casefold() for n in names)
    dupes = [n for n in dict.fromkeys(names) if seen[n.casefold()] > 1]
    if dupes:
        raise ImportFileError(messages.duplicate_column_names(file_name, dupes))
    return names
