"""Understanding cell values the way exports and people write them.

Numbers arrive as "337,300.00", "1.234,5", "$1,200", "12.5%" or "(40)"; flags as
1/0, yes/no, true/false; dates as ISO, d/m/Y, m/d/Y, Excel serials or datetime
cells. Parsing works on the *distinct* values of a column (factorized), so a
million rows with a few hundred distinct spellings cost a few hundred parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from . import messages

DateOrder = Literal["dmy", "mdy"]

OK, BLANK, BAD = 0, 1, 2
"""Status codes for parsed cells."""

NA_TOKENS = frozenset({"", "na", "n/a", "n.a.", "nan", "null", "none", "-", "--", "—", "–", "#n/a", "(blank)"})
TRUE_TOKENS = frozenset({"1", "yes", "y", "true", "t", "ja", "oui", "si", "sí"})
FALSE_TOKENS = frozenset({"0", "no", "n", "false", "f", "nein", "non"})
TOTAL_TOKENS = frozenset({"total", "totals", "grand total", "sum", "subtotal", "summe", "gesamt", "totaal", "totale"})

_CURRENCY_SYMBOLS = "$€£¥₹"
_CURRENCY_CODES = ("USD", "EUR", "GBP", "CHF", "SEK", "NOK", "DKK", "CAD", "AUD", "JPY", "PLN")
_DROP = str.maketrans("", "", _CURRENCY_SYMBOLS + "'’")
_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d{3}(?:\D|$))")
_PLAIN = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = {",": re.compile(r"\d{1,3}(?:,\d{3})+"), ".": re.compile(r"\d{1,3}(?:\.\d{3})+")}

_HUGE = 1e300
EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (20000, 80000)  # 1954 .. 2119: anything else is not a plausible date


def is_blank(value: object) -> bool:
    """True for None, NaN and the usual ways exports write 'no value'."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    if isinstance(value, str):
        return value.strip().casefold() in NA_TOKENS
    return value is pd.NA or value is pd.NaT


def cell_text(value: object) -> str:
    """How a cell reads to a person (for messages and arm names)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _text_number(text: str, decimal: str) -> float | None:
    """One number written as text, or None when it is not one."""
    s = text.strip()
    if _PLAIN.fullmatch(s) and (decimal == "." or "." not in s):  # the common case: "12", "3.5"
        value = float(s)
        return value if value < _HUGE else None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    s = _GROUP_SPACE.sub("", s).translate(_DROP).strip()
    upper = s.upper()
    for code in _CURRENCY_CODES:
        if upper.startswith(code):
            s = s[3:].strip()
            break
        if upper.endswith(code):
            s = s[:-3].strip()
            break
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    s = s.replace("\u2212", "-")
    if s[:1] in ("+", "-"):
        negative ^= s[0] == "-"
        s = s[1:].strip()
    if not s:
        return None
    thousands = "," if decimal == "." else "."
    if thousands in s and decimal in s:
        head, _, tail = s.rpartition(decimal)
        if not _GROUPED[thousands].fullmatch(head) or thousands in tail:
            return None
        s = head.replace(thousands, "") + "." + tail
    elif thousands in s:
        if _GROUPED[thousands].fullmatch(s):
            s = s.replace(thousands, "")
        elif s.count(thousands) == 1:
            s = s.replace(thousands, ".")  # "1.5" in a decimal-comma file: a plain decimal point
        else:
            return None
    elif decimal != "." and decimal in s:
        if s.count(decimal) != 1:
            return None
        s = s.replace(decimal, ".")
    if not _PLAIN.fullmatch(s):
        return None
    value = float(s)
    if value >= _HUGE:  # "1e309" overflows to infinity
        return None
    if negative:
        value = -value
    if percent:
        value /= 100.0
    return value


def parse_value(value: object, decimal: str = ".", *, allow_bool: bool = False) -> tuple[float, int]:
    """(number, status) for one cell: status is OK, BLANK or BAD."""
    if isinstance(value, (bool, np.bool_)):
        return float(value), OK
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if number != number:
            return 0.0, BLANK
        return (number, OK) if np.isfinite(number) else (0.0, BAD)
    if is_blank(value):
        return 0.0, BLANK
    if not isinstance(value, str):
        return 0.0, BAD
    parsed = _text_number(value, decimal)
    if parsed is not None:
        return parsed, OK
    if allow_bool:
        word = value.strip().casefold()
        if word in TRUE_TOKENS:
            return 1.0, OK
        if word in FALSE_TOKENS:
            return 0.0, OK
    return 0.0, BAD


def parse_number(text: object, decimal: str = ".") -> float | None:
    """A single number from a cell; None when blank. Raises ValueError when unreadable."""
    value, status = parse_value(text, decimal)
    if status == BAD:
        raise ValueError(messages.not_a_number_text(text))
    return None if status == BLANK else value


@dataclass(frozen=True)
class ParsedNumbers:
    """A column read as numbers: values plus a status per row (OK / BLANK / BAD)."""

    values: np.ndarray
    status: np.ndarray
    integral: bool = False  # known to hold whole numbers only (an integer column), so checks can skip

    def mask(self, status: int) -> np.ndarray:
        return self.status == status


def parse_numbers(column: pd.Series, decimal: str = ".", *, allow_bool: bool = False) -> ParsedNumbers:
    """Read a column as float64, taking pandas' own parse when it already managed one."""
    kind = column.dtype.kind
    if kind in "iub":
        values = column.to_numpy(dtype=np.float64)
        return ParsedNumbers(values, np.zeros(len(values), dtype=np.int8), integral=True)
    if kind == "f":
        values = column.to_numpy(dtype=np.float64)
        status = np.zeros(len(values), dtype=np.int8)
        nan = np.isnan(values)
        if nan.any():
            status[nan] = BLANK
            values = np.where(nan, 0.0, values)
        inf = np.isinf(values)
        if inf.any():
            status[inf] = BAD
            values = np.where(inf, 0.0, values)
        return ParsedNumbers(values, status)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    parsed = [parse_value(u, decimal, allow_bool=allow_bool) for u in uniques]
    u_values = np.fromiter((p[0] for p in parsed), dtype=np.float64, count=len(parsed))
    u_status = np.fromiter((p[1] for p in parsed), dtype=np.int8, count=len(parsed))
    u_values = np.append(u_values, 0.0)  # code -1 (missing) picks the last slot
    u_status = np.append(u_status, np.int8(BLANK))
    return ParsedNumbers(u_values[codes], u_status[codes])


_COMMA_DECIMAL = re.compile(r"\d{1,3}(\.\d{3})+,\d+|\d+,\d{1,2}|\d+,\d{4,}")
_POINT_DECIMAL = re.compile(r"\d{1,3}(,\d{3})+\.\d+|\d+\.\d{1,2}|\d+\.\d{4,}")
_AMBIGUOUS_COMMA = re.compile(r"\d{1,3},\d{3}")


def detect_decimal(cells: Iterable[object], delimiter: str | None) -> str:
    """'.' or ',' as the file's decimal mark, judged from unambiguous numbers.

    "1.234,5" or "12,50" say comma; "1,234.5" or "12.50" say point. Ambiguous
    "1,234" leans to comma only in a semicolon file, where comma decimals are usual.
    """
    if delimiter == ",":  # a decimal comma would need quotes on every number
        return "."
    comma = point = ambiguous_comma = 0
    for cell in cells:
        if not isinstance(cell, str) or ("," not in cell and "." not in cell):
            continue
        s = cell.strip().translate(_DROP).rstrip("%").strip().lstrip("+-−(").rstrip(")")
        if not s or not s[0].isdigit() or not s[-1].isdigit():
            continue
        if _COMMA_DECIMAL.fullmatch(s):
            comma += 1
        elif _POINT_DECIMAL.fullmatch(s):
            point += 1
        elif _AMBIGUOUS_COMMA.fullmatch(s):
            ambiguous_comma += 1
    if comma != point:
        return "," if comma > point else "."
    return "," if delimiter == ";" and ambiguous_comma else "."


def parse_bool(value: object) -> bool | None:
    """True/False for 1/0, yes/no, true/false, y/n; None when blank or not a flag."""
    number, status = parse_value(value, allow_bool=True)
    if status != OK or number not in (0.0, 1.0):
        return None
    return number == 1.0


# --- dates -----------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SLASH = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[T ,].*)?")
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})(?:-?([1-7]))?", re.IGNORECASE)
_MONTH_NAME = re.compile(
    r"\d.*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec).*\d", re.I
)
_NAMED_FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%a %d %b %Y",
    "%A, %B %d, %Y",
)

DateToken = tuple
"""('d', date) for a known day, ('s', year, first, second) for d/m or m/d, to be settled per column."""

TOTAL_ROW = ("total",)


def _year(y: int) -> int:
    return y + 2000 if y < 70 else (y + 1900 if y < 100 else y)


def _ymd(y: int, m: int, d: int) -> DateToken | None:
    try:
        return ("d", date(y, m, d))
    except ValueError:
        return None


def _serial(number: float) -> DateToken | None:
    if _SERIAL_RANGE[0] <= number < _SERIAL_RANGE[1]:
        return ("d", EXCEL_EPOCH + timedelta(days=int(number)))
    return None


def date_token(value: object) -> DateToken | None:
    """What a date cell says, or None when it is not a date (blank cells: check is_blank first)."""
    if isinstance(value, datetime):
        return ("d", value.date())
    if isinstance(value, date):
        return ("d", value)
    if isinstance(value, np.datetime64):
        return ("d", pd.Timestamp(value).date()) if not np.isnat(value) else None
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)  # 20240305.0 from a column pandas read as floats
    if isinstance(value, (int, np.integer)):
        text = str(int(value))
        if len(text) == 8:
            return _ymd(int(text[:4]), int(text[4:6]), int(text[6:]))
        return _serial(float(value))
    if isinstance(value, (float, np.floating)):
        return _serial(float(value)) if np.isfinite(value) else None
    if not isinstance(value, str):
        return None
    s = value.strip()
    if s.casefold() in TOTAL_TOKENS:
        return TOTAL_ROW
    if m := _ISO.fullmatch(s):
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    if m := _SLASH.fullmatch(s):
        first, second, year = int(m[1]), int(m[2]), _year(int(m[3]))
        if not (1 <= first <= 31 and 1 <= second <= 31) or (first > 12 and second > 12):
            return None
        return ("s", year, first, second)
    if m := _COMPACT.fullmatch(s):
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    if m := _WEEK.fullmatch(s):
        try:
            return ("d", date.fromisocalendar(int(m[1]), int(m[2]), int(m[3] or 1)))
        except ValueError:
            return None
    if s.isdigit() and len(s) == 5:
        return _serial(float(s))
    if _MONTH_NAME.search(s):
        for fmt in _NAMED_FORMATS:
            try:
                return ("d", datetime.strptime(s, fmt).date())
            except ValueError:
                continue
    return None


def slash_date(token: DateToken, order: DateOrder) -> date | None:
    """The day an ('s', year, first, second) token means under a given order."""
    _, year, first, second = token
    day, month = (first, second) if order == "dmy" else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def choose_date_order(
    tokens: Iterable[DateToken],
    date_range: tuple[date | None, date | None] | None = None,
) -> DateOrder:
    """Settle d/m/Y versus m/d/Y for a whole column.

    A day above 12 decides it. Otherwise the reading that keeps the dates closest
    together wins (a pilot is weeks, not months), then the one that fits the
    pilot's dates, then day-first.
    """
    slash = [t for t in tokens if t[0] == "s"]
    if not slash:
        return "dmy"
    first_big = sum(1 for t in slash if t[2] > 12)
    second_big = sum(1 for t in slash if t[3] > 12)
    if first_big != second_big:
        return "dmy" if first_big > second_big else "mdy"

    def span(order: DateOrder) -> tuple[int, int]:
        days = [d for t in slash if (d := slash_date(t, order))]
        if not days:
            return (10**9, 0)
        inside = 0
        if date_range:
            lo, hi = date_range
            inside = sum(1 for d in days if (lo is None or d >= lo) and (hi is None or d <= hi))
        return ((max(days) - min(days)).days, -inside)

    dmy, mdy = span("dmy"), span("mdy")
    if dmy[0] != mdy[0]:
        return "dmy" if dmy[0] < mdy[0] else "mdy"
    return "mdy" if mdy[1] < dmy[1] else "dmy"


def looks_like_data(text: object) -> bool:
    """True when a header cell reads as a number or a date rather than a name."""
    if isinstance(text, (int, float, date, datetime)) and not isinstance(text, bool):
        return True
    if not isinstance(text, str) or is_blank(text):
        return False
    if parse_value(text)[1] == OK or parse_value(text, ",")[1] == OK:
        return True
    token = date_token(text)
    return token is not None and token != TOTAL_ROW
