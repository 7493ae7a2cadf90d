"""Cell values as exports write them: numbers, flags, dates."""

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from lib.importer.values import (
    BAD,
    BLANK,
    OK,
    choose_date_order,
    date_token,
    detect_decimal,
    parse_bool,
    parse_number,
    parse_numbers,
    slash_date,
)


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("337,300.00", ".", 337300.0),
        ("1,234", ".", 1234.0),
        ("1.234,5", ",", 1234.5),
        ("12,50", ",", 12.5),
        ("1.234", ",", 1234.0),
        ("1.5", ",", 1.5),  # a point decimal in a comma file is still read as a decimal
        ("$1,200", ".", 1200.0),
        ("€ 1.234,50", ",", 1234.5),
        ("£99.90", ".", 99.9),
        ("1 234,5", ",", 1234.5),
        ("12.5%", ".", 0.125),
        ("12,5 %", ",", 0.125),
        ("  42  ", ".", 42.0),
        ("-3.5", ".", -3.5),
        ("(40)", ".", -40.0),
        ("-$5", ".", -5.0),
        ("EUR 10", ".", 10.0),
        ("1e3", ".", 1000.0),
    ],
)
def test_numbers_as_exports_write_them(text: str, decimal: str, expected: float) -> None:
    assert parse_number(text, decimal) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "  ", "n/a", "NA", "-", "null"])
def test_blank_spellings_are_blank(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["abc", "1,2,3", "12x", "1.234,5.6", "--5"])
def test_garbage_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("0", False),
        ("yes", True),
        ("No", False),
        ("TRUE", True),
        ("false", False),
        ("y", True),
        ("n", False),
        (1, True),
        (0.0, False),
        (True, True),
        ("", None),
        ("maybe", None),
        ("2", None),
    ],
)
def test_flags(value: object, expected: bool | None) -> None:
    assert parse_bool(value) is expected


def test_parse_numbers_keeps_status_per_row() -> None:
    column = pd.Series(["1,5", " 2 ", None, "x", "3%"], dtype=object)
    parsed = parse_numbers(column, ",")
    assert parsed.values.tolist()[:2] == [1.5, 2.0]
    assert parsed.values[4] == pytest.approx(0.03)
    assert parsed.status.tolist() == [OK, OK, BLANK, BAD, OK]


def test_parse_numbers_reads_yes_no_only_for_flags() -> None:
    column = pd.Series(["yes", "no", "1"], dtype=object)
    assert parse_numbers(column, allow_bool=True).values.tolist() == [1.0, 0.0, 1.0]
    assert parse_numbers(column).status.tolist() == [BAD, BAD, OK]


def test_float_columns_mark_nan_blank_and_inf_bad() -> None:
    parsed = parse_numbers(pd.Series([1.0, np.nan, np.inf]))
    assert parsed.status.tolist() == [OK, BLANK, BAD]


@pytest.mark.parametrize(
    ("cells", "delimiter", "expected"),
    [
        (["1.234,5", "12,50", "3"], ";", ","),
        (["1,234.50", "12.5"], ";", "."),
        (["1,234"], ";", ","),
        (["1,5"], ",", "."),
        (["12.50", "7"], "\t", "."),
    ],
)
def test_decimal_mark_is_detected(cells: list[str], delimiter: str, expected: str) -> None:
    assert detect_decimal(cells, delimiter) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024-03-05T14:22:01Z", date(2024, 3, 5)),
        ("2024/03/05", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
        ("2024-W10", date(2024, 3, 4)),
        ("5 Mar 2024", date(2024, 3, 5)),
        ("Mar 5, 2024", date(2024, 3, 5)),
        (45356, date(2024, 3, 5)),  # Excel serial
        ("45356", date(2024, 3, 5)),
        (datetime(2024, 3, 5, 10, 30), date(2024, 3, 5)),
        (date(2024, 3, 5), date(2024, 3, 5)),
    ],
)
def test_unambiguous_dates(value: object, expected: date) -> None:
    assert date_token(value) == ("d", expected)


@pytest.mark.parametrize("value", ["2024-02-30", "hello", "32/01/2024", "13/13/2024", "", 12])
def test_not_dates(value: object) -> None:
    assert date_token(value) is None


def test_day_month_order_is_settled_per_column() -> None:
    tokens = [date_token(v) for v in ["01/03/2024", "13/03/2024"]]
    assert choose_date_order(tokens) == "dmy"
    tokens = [date_token(v) for v in ["03/01/2024", "03/13/2024"]]
    assert choose_date_order(tokens) == "mdy"
    assert slash_date(date_token("03/04/2024"), "mdy") == date(2024, 3, 4)


def test_ambiguous_dates_prefer_the_reading_that_keeps_them_together() -> None:
    # 1-10 February (d/m) rather than the 2nd of ten different months (m/d)
    tokens = [date_token(f"{d:02d}/02/2024") for d in range(1, 11)]
    assert choose_date_order(tokens) == "dmy"
    tokens = [date_token(f"02/{d:02d}/2024") for d in range(1, 11)]
    assert choose_date_order(tokens) == "mdy"


def test_single_ambiguous_date_uses_the_pilot_dates() -> None:
    tokens = [date_token("04/03/2024")]
    assert choose_date_order(tokens, (date(2024, 4, 1), date(2024, 4, 30))) == "mdy"
    assert choose_date_order(tokens, (date(2024, 3, 1), date(2024, 3, 31))) == "dmy"
