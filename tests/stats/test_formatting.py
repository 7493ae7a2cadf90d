"""Number formatting for people."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib import formatting as fmt

M = "\u2212"


@pytest.mark.parametrize(
    "func,args,expected",
    [
        (fmt.pct, (0.0912,), "9.1%"),
        (fmt.pct, (0.0912, 2), "9.12%"),
        (fmt.pct, (0.08, 0), "8%"),
        (fmt.pct, (12.3456,), "1,234.6%"),
        (fmt.pct, (-0.0001,), "0.0%"),
        (fmt.pct, (None,), "—"),
        (fmt.pct, (float("nan"),), "—"),
        (fmt.pct_range, (0.07, 0.1159), "7.0–11.6%"),
        (fmt.pct_range, (-0.01, 0.03), f"{M}1.0% to 3.0%"),
        (fmt.pct_points, (0.01,), "1.0 pts"),
        (fmt.signed_pct_points, (0.012,), "+1.2 pts"),
        (fmt.signed_pct_points, (-0.012,), f"{M}1.2 pts"),
        (fmt.signed_pct_points, (0.0,), "0.0 pts"),
        (fmt.pct_points_range, (-0.003, 0.027), f"{M}0.3 to +2.7 pts"),
        (fmt.signed_pct, (0.123,), "+12.3%"),
        (fmt.signed_pct_range, (-0.03, 0.251), f"{M}3.0% to +25.1%"),
        (fmt.number, (12345.6,), "12,346"),
        (fmt.number, (-1234567.891, 2), f"{M}1,234,567.89"),
        (fmt.number, (-0.4,), "0"),
        (fmt.quantity, (12345.6,), "12,346"),
        (fmt.quantity, (45.67,), "45.7"),
        (fmt.quantity, (3.14159,), "3.14"),
        (fmt.signed_quantity, (-4.5,), f"{M}4.50"),
        (fmt.signed_number, (3.45, 1), "+3.5"),
        (fmt.number_range, (12.0, 15.5), "12.0–15.5"),
        (fmt.number_range, (-1.2, 3.4), f"{M}1.20 to 3.40"),
        (fmt.signed_number_range, (-1.2, 3.4), f"{M}1.20 to +3.40"),
        (fmt.money, (1234.5,), "$1,235"),
        (fmt.money, (1234.49,), "$1,234"),
        (fmt.number, (2.5,), "3"),
        (fmt.number, (1e20,), "100,000,000,000,000,000,000"),
        (fmt.money, (1235.5,), "$1,236"),
        (fmt.money, (-50, "€"), f"{M}€50"),
        (fmt.money, (19.99, "£", 2), "£19.99"),
        (fmt.confidence, (0.8412,), "84%"),
        (fmt.confidence, (0.999,), ">99%"),
        (fmt.confidence, (0.001,), "<1%"),
        (fmt.level, (0.95,), "95%"),
        (fmt.level, (0.975,), "97.5%"),
        (fmt.p_value, (0.0342,), "0.034"),
        (fmt.p_value, (0.5,), "0.50"),
        (fmt.p_value, (0.0004,), "<0.001"),
        (fmt.p_phrase, (0.0342,), "p = 0.034"),
        (fmt.p_phrase, (0.00001,), "p < 0.001"),
        (fmt.about, (1437,), "1,400"),
        (fmt.about, (300,), "300"),
        (fmt.about, (47,), "47"),
        (fmt.about, (0,), "0"),
        (fmt.about, (125_678,), "130,000"),
    ],
)
def test_examples(func, args, expected):
    assert func(*args) == expected


def test_dates():
    assert fmt.fmt_date(date(2026, 11, 23)) == "23 Nov 2026"
    assert fmt.fmt_date(None) == "—"
    assert fmt.date_range(date(2026, 11, 2), date(2026, 11, 15)) == "2–15 Nov 2026"
    assert fmt.date_range(date(2026, 10, 28), date(2026, 11, 3)) == "28 Oct – 3 Nov 2026"
    assert fmt.date_range(date(2025, 12, 28), date(2026, 1, 3)) == "28 Dec 2025 – 3 Jan 2026"
    assert fmt.date_range(date(2026, 1, 3), date(2026, 1, 3)) == "3 Jan 2026"


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_number_round_trips(value):
    """Shown to two places, a number is at most half a hundredth from the value. (Python's round() rounds
    halves to even, people's figures half up: 0.125 shows as 0.13, so the test compares with the value.)"""
    text = fmt.number(value, 2).replace(",", "").replace(M, "-")
    assert abs(float(text) - value) <= 0.005 + 1e-9 * max(1.0, abs(value))


@given(st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_pct_range_reads_low_to_high(a, b):
    low, high = sorted((a, b))
    text = fmt.pct_range(low, high)
    assert text.endswith("%") and "–" in text


def _half_up_on_the_repr(value: float, digits: int) -> str:
    """The rule ``number`` keeps, written the slow way: the repr's decimal rounded half up, a real minus."""
    from decimal import ROUND_HALF_UP, Decimal

    text = f"{Decimal(repr(abs(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):,.{digits}f}"
    return "\u2212" + text if value < 0 and set(text) - set("0.,") else text


@given(
    st.one_of(
        st.floats(min_value=-1e13, max_value=1e13, allow_nan=False),
        st.integers(min_value=-(10**9), max_value=10**9).map(lambda i: i / 1000 + 0.0005),  # ties at 3 places
        st.integers(min_value=-(10**9), max_value=10**9).map(lambda i: i / 100 + 0.005),  # ties at 2 places
        st.integers(min_value=-(10**9), max_value=10**9).map(lambda i: i / 2),  # ties at 0 places
    ),
    st.integers(min_value=0, max_value=6),
)
def test_every_number_rounds_half_up_on_what_people_read(value, digits):
    assert fmt.number(value, digits) == _half_up_on_the_repr(value, digits)
