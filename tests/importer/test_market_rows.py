"""Reading a per-market history file for the market picker: the importer's reading, nothing stored."""

from __future__ import annotations

from datetime import date

import pytest

from lib.importer import ImportFileError
from lib.importer.market_rows import read_market_rows


def test_rows_are_read_with_local_numbers_and_dates() -> None:
    text = "City;Day;Sales\nOslo;02/03/2026;1.234,5\nBergen;13/03/2026;\nOslo;Total;9.999\nBergen;03/03/2026;7\n"
    history = read_market_rows(
        text.encode(), "sales.csv", market_column="city", date_column="Day", metric_column="Sales"
    )
    assert history.rows == [("Oslo", date(2026, 3, 2), 1234.5), ("Bergen", date(2026, 3, 3), 7.0)]
    assert history.blank_values == 1 and history.total_rows == 1


def test_unreadable_cells_are_named_by_row_and_column() -> None:
    text = "market,date,kpi\nOslo,2026-03-02,12\nOslo,someday,3\nBergen,2026-03-02,n/a?\n"
    with pytest.raises(ImportFileError, match=r"row 3: 'someday' in 'date' is not a date; row 4: 'n/a\?' in 'kpi'"):
        read_market_rows(text.encode(), "h.csv", market_column="market", date_column="date", metric_column="kpi")


def test_a_missing_column_lists_the_ones_found() -> None:
    with pytest.raises(ImportFileError, match="Column 'region' is not in the file. Columns found: market, date, kpi"):
        read_market_rows(
            b"market,date,kpi\nOslo,2026-03-02,1\n",
            "h.csv",
            market_column="region",
            date_column="date",
            metric_column="kpi",
        )
