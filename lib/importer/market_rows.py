"""Reading a per-market history (one row per market and day) for planning a market test.

The market picker needs only (market, day, value) triples; it reads the file the
same way an import does (CSV or .xlsx, encodings, decimal marks, date orders) but
stores nothing. Unreadable values are refused, naming the row, the column and the
value; blank values are counted and left out (a market then lacks that day).
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import date

from . import messages
from .csv_table import CsvTable, EncodingMismatch
from .errors import ImportFileError
from .reading import open_table
from .source import DEFAULT_MAX_BYTES, Source
from .table import Table
from .values import BAD, BLANK, TOTAL_ROW, cell_text, choose_date_order, date_token, is_blank, parse_value, slash_date

#: bad cells named in one message before "… and N more"
_SHOWN = 3


@dataclass(frozen=True)
class MarketRows:
    """A file's (market, day, value) rows, with what was left out."""

    file_name: str
    rows: list[tuple[str, date, float]]
    blank_values: int  # rows with no value in the metric column (left out)
    total_rows: int  # rows skipped because they are totals


def _find(column: str, columns: list[str]) -> int | None:
    exact = [i for i, c in enumerate(columns) if c == column]
    if exact:
        return exact[0]
    folded = [i for i, c in enumerate(columns) if c.strip().casefold() == column.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def read_market_rows(
    source: Source,
    name: str | None = None,
    *,
    market_column: str,
    date_column: str,
    metric_column: str,
    sheet: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> MarketRows:
    """Every (market, day, value) row of the file; ImportFileError naming what cannot be read."""
    with open_table(source, name, sheet=sheet, max_bytes=max_bytes) as table:
        wanted = {"market": market_column, "date": date_column, "metric": metric_column}
        positions = {role: _find(col, table.columns) for role, col in wanted.items()}
        missing = [wanted[role] for role, pos in positions.items() if pos is None]
        if missing:
            raise ImportFileError(messages.missing_columns(missing, table.columns))
        while True:
            try:
                return _read(table, positions, wanted)  # type: ignore[arg-type]
            except EncodingMismatch:
                if not (isinstance(table, CsvTable) and table.next_encoding()):
                    raise ImportFileError(messages.unreadable_csv(table.name, messages.UNKNOWN_ENCODING)) from None


def _read(table: Table, positions: dict[str, int], wanted: dict[str, str]) -> MarketRows:
    raw: list[tuple[int, str, tuple, float]] = []
    bad: list[str] = []
    bad_count = blank = totals = 0
    with closing(table.frames(sorted(set(positions.values())), None)) as chunks:  # ends the reading thread on errors
        for first_row, frame, _ in chunks:
            markets = frame[positions["market"]].tolist()
            days = frame[positions["date"]].tolist()
            values = frame[positions["metric"]].tolist()
            for offset, (market, day, value) in enumerate(zip(markets, days, values, strict=True)):
                row = first_row + offset
                if is_blank(market) and is_blank(day) and is_blank(value):
                    continue
                token = None if is_blank(day) else date_token(day)
                if token == TOTAL_ROW or (isinstance(market, str) and market.strip().casefold() == "total"):
                    totals += 1
                    continue
                problem = None
                number, status = parse_value(value, table.format.decimal)
                if is_blank(market):
                    problem = f"row {row}: no market in '{wanted['market']}'"
                elif token is None:
                    problem = f"row {row}: '{cell_text(day)}' in '{wanted['date']}' is not a date"
                elif status == BAD:
                    problem = f"row {row}: '{cell_text(value)}' in '{wanted['metric']}' is not a number"
                if problem:
                    bad_count += 1
                    if len(bad) < _SHOWN:
                        bad.append(problem)
                    continue
                if status == BLANK:
                    blank += 1
                    continue
                raw.append((row, cell_text(market).strip(), token, number))  # type: ignore[arg-type]
    if bad:
        more = f" … and {bad_count - len(bad):,} more" if bad_count > len(bad) else ""
        raise ImportFileError(f"{table.name}: " + "; ".join(bad) + more + ". Fix those cells and try again.")
    if not raw:
        raise ImportFileError(messages.no_data_rows(table.name))
    order = choose_date_order(t for _, _, t, _ in raw)
    rows: list[tuple[str, date, float]] = []
    for row, market, token, number in raw:
        day = token[1] if token[0] == "d" else slash_date(token, order)
        if day is None:
            raise ImportFileError(f"{table.name}: row {row}: the date in '{wanted['date']}' is not a real day.")
        rows.append((market, day, number))
    return MarketRows(table.name, rows, blank, totals)
