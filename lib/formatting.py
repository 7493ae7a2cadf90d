"""Numbers formatted for people: percentages, thousands separators, ranges.

Shared by the verdict sentences and the app so a figure reads the same
everywhere. Pure functions; ``None`` (and NaN) render as an em dash. Negative
numbers use the typographic minus sign (U+2212) and ranges an en dash.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MINUS = "\u2212"
DASH = "–"


def _finite(value: float | None) -> float | None:
    """The value as a float, or None when missing (None, NaN, infinite), so one check narrows it."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)


def _fixed(value: float, digits: int) -> str:
    """Fixed-point with thousands separators and a real minus, no "-0".

    Rounds half up on the decimal value people see ($1,234.50 -> $1,235), not
    half-to-even on the binary one.
    """
    size = abs(value)
    if type(size) is float and 0 <= digits < len(_SCALES):
        scaled = size * _SCALES[digits]
        # far from a tie (scaled's fraction not near .5): float formatting rounds as half up on the repr would,
        # since a boundary between the float and its repr lies within 1e-3 of .5 here (see _float_rounds_alike)
        if scaled < 1e12 and abs(scaled % 1.0 - 0.5) > 1e-3:
            text = f"{size:,.{digits}f}"
            if value < 0 and not _ZERO_TEXT.issuperset(text):
                return MINUS + text
            return text
    if size < 1e15:
        shown = repr(size)
        # plain float formatting where it gives what half up on the repr gives (see _float_rounds_alike)
        if type(size) is float and 0 <= digits < len(_QUANTA) and _float_rounds_alike(size, shown, digits):
            text = f"{size:,.{digits}f}"
        else:
            quantum = _QUANTA[digits] if 0 <= digits < len(_QUANTA) else Decimal(1).scaleb(-digits)
            text = f"{Decimal(shown).quantize(quantum, rounding=ROUND_HALF_UP):,.{digits}f}"
    else:  # beyond Decimal's default precision; half-up no longer matters
        text = f"{size:,.{digits}f}"
    if value < 0 and not _ZERO_TEXT.issuperset(text):
        return MINUS + text
    return text


def _float_rounds_alike(size: float, shown: str, digits: int) -> bool:
    """Whether plain float formatting of ``size`` (a float; ``digits`` 0 to 11) gives what half up on its
    repr (``shown``) gives.

    Float formatting rounds the binary value correctly, so it differs from rounding the repr half up
    only where the repr is a tie (its last digit a 5 just past the ones kept) or where the float is
    so coarse (``size * 10**digits`` past 1e15) that a rounding boundary can fall between the binary
    value and its repr. Everything else (nearly every figure in a sentence) skips Decimal.
    """
    if size * _SCALES[digits] >= 1e15 or "e" in shown:
        return False
    point = shown.find(".")
    # a tie: exactly one digit past the ones kept, and it is a 5
    return point >= 0 and not (len(shown) - point == digits + 2 and shown[-1] == "5")


#: 10**digits, for the check above
_SCALES = tuple(10.0**digits for digits in range(12))
#: the rounding steps of 0 to 11 decimals, made once (every verdict sentence formats a dozen numbers)
_QUANTA = tuple(Decimal(1).scaleb(-digits) for digits in range(12))
#: the characters of a number that rounds to zero
_ZERO_TEXT = frozenset("0.,")


def _signed(value: float, digits: int) -> str:
    text = _fixed(value, digits)
    if text.startswith(MINUS) or _ZERO_TEXT.issuperset(text):  # negative, or rounds to zero: no sign
        return text
    return "+" + text


def number(value: float | None, digits: int = 0) -> str:
    """``number(12345.6) -> "12,346"``."""
    value = _finite(value)
    if value is None:
        return MISSING
    return _fixed(value, digits)


def quantity(value: float | None) -> str:
    """A number with as many decimals as its size deserves (12,346 / 45.7 / 3.14)."""
    value = _finite(value)
    if value is None:
        return MISSING
    size = abs(value)
    digits = 0 if size >= 100 else 1 if size >= 10 else 2
    return _fixed(value, digits)


def signed_number(value: float | None, digits: int = 1) -> str:
    """``signed_number(3.45) -> "+3.5"``."""
    value = _finite(value)
    if value is None:
        return MISSING
    return _signed(value, digits)


def signed_quantity(value: float | None) -> str:
    value = _finite(value)
    if value is None:
        return MISSING
    size = abs(value)
    digits = 0 if size >= 100 else 1 if size >= 10 else 2
    return _signed(value, digits)


def money(value: float | None, symbol: str = "$", digits: int | None = 0) -> str:
    """``money(1234.5) -> "$1,235"``; ``money(-50, "€") -> "−€50"``.

    ``digits`` None: cents only below 10 (``money(0.456, "€", None) -> "€0.46"``, ``"€38"``), as
    a cost per extra outcome reads. The symbol is the workspace's currency, given by the caller.
    """
    value = _finite(value)
    if value is None:
        return MISSING
    if digits is None:
        digits = 0 if abs(value) >= 10 else 2
    text = _fixed(abs(value), digits)
    if value < 0 and any(ch not in "0.," for ch in text):
        return f"{MINUS}{symbol}{text}"
    return f"{symbol}{text}"


def pct(value: float | None, digits: int = 1) -> str:
    """A rate as a percentage: ``pct(0.0912) -> "9.1%"``."""
    value = _finite(value)
    if value is None:
        return MISSING
    return _fixed(value * 100.0, digits) + "%"


def signed_pct(value: float | None, digits: int = 1) -> str:
    """A relative change: ``signed_pct(0.123) -> "+12.3%"``."""
    value = _finite(value)
    if value is None:
        return MISSING
    return _signed(value * 100.0, digits) + "%"


def signed_pct_points(value: float | None, digits: int = 1) -> str:
    """A difference of two rates in percentage points: ``0.012 -> "+1.2 pts"``."""
    value = _finite(value)
    if value is None:
        return MISSING
    return _signed(value * 100.0, digits) + " pts"


def pct_points(value: float | None, digits: int = 1) -> str:
    """An unsigned size of a rate difference: ``0.01 -> "1.0 pts"``."""
    value = _finite(value)
    if value is None:
        return MISSING
    return _fixed(abs(value) * 100.0, digits) + " pts"


def pct_range(low: float | None, high: float | None, digits: int = 1) -> str:
    """An interval of rates: ``pct_range(0.07, 0.116) -> "7.0–11.6%"``.

    Spelled "−1.0% to 3.0%" when an end is negative, where a dash would read
    as a minus sign.
    """
    low, high = _finite(low), _finite(high)
    if low is None or high is None:
        return MISSING
    lo, hi = _fixed(low * 100, digits), _fixed(high * 100, digits)
    if lo.startswith(MINUS) or hi.startswith(MINUS):
        return f"{lo}% to {hi}%"
    return f"{lo}{DASH}{hi}%"


def pct_points_range(low: float | None, high: float | None, digits: int = 1) -> str:
    """An interval of rate differences: ``"−0.3 to +2.7 pts"``."""
    low, high = _finite(low), _finite(high)
    if low is None or high is None:
        return MISSING
    return f"{_signed(low * 100, digits)} to {_signed(high * 100, digits)} pts"


def signed_pct_range(low: float | None, high: float | None, digits: int = 1) -> str:
    """An interval of relative changes: ``"−3.0% to +25.1%"``."""
    low, high = _finite(low), _finite(high)
    if low is None or high is None:
        return MISSING
    return f"{_signed(low * 100, digits)}% to {_signed(high * 100, digits)}%"


def number_range(low: float | None, high: float | None, digits: int | None = None) -> str:
    """An interval of plain numbers: ``"12.0–15.5"`` or ``"−1.2 to 3.4"``."""
    low, high = _finite(low), _finite(high)
    if low is None or high is None:
        return MISSING
    if digits is None:
        size = max(abs(low), abs(high))
        digits = 0 if size >= 100 else 1 if size >= 10 else 2
    lo, hi = _fixed(low, digits), _fixed(high, digits)
    if lo.startswith(MINUS) or hi.startswith(MINUS):
        return f"{lo} to {hi}"
    return f"{lo}{DASH}{hi}"


def signed_number_range(low: float | None, high: float | None, digits: int | None = None) -> str:
    """An interval of differences: ``"−1.20 to +3.40"``."""
    low, high = _finite(low), _finite(high)
    if low is None or high is None:
        return MISSING
    if digits is None:
        size = max(abs(low), abs(high))
        digits = 0 if size >= 100 else 1 if size >= 10 else 2
    return f"{_signed(low, digits)} to {_signed(high, digits)}"


#: an interval end that is not bounded (Fieller's interval when the denominator could be zero)
NO_UPPER_BOUND = "no upper bound"
NO_LOWER_BOUND = "no lower bound"
#: an interval open at both ends: the sentences say why in words (:mod:`lib.decide.money`)
UNBOUNDED = "not bounded yet"


def money_digits(*figures: float | None) -> int:
    """The decimals a price and its interval share: cents when any figure is below 10, so they read alike.

    ``money_digits(38, 23, 121) -> 0`` ("€38", "€23–€121"); ``money_digits(8.5, 6.13, None) -> 2`` ("€8.50").
    """
    present = [abs(v) for v in map(_finite, figures) if v is not None]
    return 2 if present and min(present) < 10 else 0


def money_range(low: float | None, high: float | None, symbol: str = "$", digits: int | None = None) -> str:
    """An interval of money, open-ended where an end is None: ``"€25–€60"``, ``"€25 to no upper bound"``.

    ``digits`` None: as :func:`money` writes its smaller end, so both ends read alike.
    """
    low, high = _finite(low), _finite(high)
    if low is None and high is None:
        return UNBOUNDED
    if digits is None:
        digits = money_digits(low, high)
    lo = NO_LOWER_BOUND if low is None else money(low, symbol, digits)
    hi = NO_UPPER_BOUND if high is None else money(high, symbol, digits)
    if low is None or high is None or lo.startswith(MINUS) or hi.startswith(MINUS):
        return f"{lo} to {hi}"
    return f"{lo}{DASH}{hi}"


def multiple(value: float | None) -> str:
    """A return on spend, money back per unit of money spent: ``multiple(2.4) -> "2.40×"``."""
    value = _finite(value)
    if value is None:
        return MISSING
    return _fixed(value, 2) + "×"


def multiple_range(low: float | None, high: float | None) -> str:
    """An interval of returns, open-ended where an end is None: ``"1.10–3.70×"``, ``"1.10× to no upper bound"``."""
    low, high = _finite(low), _finite(high)
    if low is None and high is None:
        return UNBOUNDED
    if low is None or high is None:
        return f"{NO_LOWER_BOUND if low is None else multiple(low)} to {NO_UPPER_BOUND if high is None else multiple(high)}"
    lo, hi = _fixed(low, 2), _fixed(high, 2)
    if lo.startswith(MINUS) or hi.startswith(MINUS):
        return f"{lo}× to {hi}×"
    return f"{lo}{DASH}{hi}×"


def effect(kind: str | None, scale: str, value: float | None) -> str:
    """A figure on a verdict's scale, the one way every page, chart, report and sentence writes it.

    ``scale`` "lift": a signed percent (+12.3%); "difference": points for a rate (+1.2 pts), else a
    signed number; "value" (or a level): the metric as it reads, a rate in percent.
    """
    rate = kind == "proportion"
    if scale == "lift":
        return signed_pct(value)
    if scale == "difference":
        return signed_pct_points(value) if rate else signed_quantity(value)
    if scale == "cost":  # money per extra outcome; the currency is the caller's (see :func:`money`)
        return money(value, "", None)
    if scale == "return":
        return multiple(value)
    return pct(value) if rate else quantity(value)


def effect_range(kind: str | None, scale: str, low: float | None, high: float | None) -> str:
    """An interval on a verdict's scale, written as :func:`effect` writes its figures."""
    rate = kind == "proportion"
    if scale == "lift":
        return signed_pct_range(low, high)
    if scale == "difference":
        return pct_points_range(low, high) if rate else signed_number_range(low, high)
    if scale == "cost":
        return money_range(low, high, "")
    if scale == "return":
        return multiple_range(low, high)
    return pct_range(low, high) if rate else number_range(low, high)


def _typed(value: float, least: int = 0) -> str:
    """A figure someone typed, as typed: the fewest decimals (at least ``least``, at most two) that keep it."""
    for digits in range(least, 3):
        text = _fixed(value, digits)
        if abs(float(text.replace(",", "").replace(MINUS, "-")) - value) <= 1e-9 * max(1.0, abs(value)):
            return text
    return _fixed(value, 2)


def threshold(kind: str | None, relative: bool, value: float | None, *, level: bool = False) -> str:
    """A criterion's threshold, tolerance or expected effect: the one way the criteria list, the verdict
    sentences and Review's warnings write it.

    ``relative``: a lift in percent ("10%"); a rate as a ``level`` (a target): percent ("8%"); a difference
    of two rates: percentage points ("0.2 pts", never "0.2%"); anything else as typed ("2.5", "1,500").
    """
    v = _finite(value)
    if v is None:
        return MISSING
    if relative or (kind == "proportion" and level):
        return _typed(v * 100.0) + "%"
    if kind == "proportion":
        return _typed(abs(v) * 100.0, least=1) + " pts"
    return _typed(v)


def confidence(probability: float | None) -> str:
    """A probability as "84%", never claiming certainty: "<1%" and ">99%" at the ends."""
    p = _finite(probability)
    if p is None:
        return MISSING
    if p > 0.99:
        return ">99%"
    if p < 0.01:
        return "<1%"
    return f"{round(p * 100):d}%"


def level(confidence_level: float) -> str:
    """A confidence level: ``level(0.95) -> "95%"``, ``level(0.975) -> "97.5%"``."""
    text = f"{confidence_level * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def p_value(p: float | None) -> str:
    """``p_value(0.0342) -> "0.034"``, tiny values as "<0.001"."""
    p = _finite(p)
    if p is None:
        return MISSING
    if p < 0.001:
        return "<0.001"
    return f"{p:.2f}" if p >= 0.1 else f"{p:.3f}"


def p_phrase(p: float | None) -> str:
    """``"p = 0.034"`` or ``"p < 0.001"`` for running text."""
    text = p_value(p)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def about(n: float | None) -> str:
    """A rough count for "about N more visitors": two significant digits.

    ``about(1437) -> "1,400"``, ``about(47) -> "47"``.
    """
    value = _finite(n)
    if value is None:
        return MISSING
    if value <= 0:
        return "0"
    magnitude = 10 ** max(0, int(math.floor(math.log10(value))) - 1)
    rounded = int(round(value / magnitude) * magnitude)
    return f"{rounded:,d}"


def _two_figures(value: float) -> float:
    """``value`` rounded to two significant figures (17,214 → 17,000; −186 → −190; 4.37 → 4.4)."""
    if value == 0:
        return 0.0
    magnitude = 10 ** (math.floor(math.log10(abs(value))) - 1)
    return float(Decimal(repr(value / magnitude)).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * magnitude


def _figures_digits(rounded: float) -> int:
    """The decimals a two-figure number needs to show both figures (4.4 → 1, 0.37 → 2, 17,000 → 0)."""
    size = abs(rounded)
    return 0 if size >= 10 or size == 0 else max(0, 1 - math.floor(math.log10(size)))


def projected(value: float | None) -> str:
    """A projected count, to two significant figures (a projection, not a measurement): ``projected(-186) -> "−190"``.

    Unlike :func:`about`, which reads "about N more" and never goes below zero, a projection keeps its sign.
    """
    value = _finite(value)
    if value is None:
        return MISSING
    rounded = _two_figures(value)
    return _fixed(rounded, _figures_digits(rounded))


def projected_range(low: float | None, high: float | None) -> str:
    """A projection's interval, as roughly as its figure: ``"1,100–2,700"``, ``"−190 to 9,800"``."""
    low, high = _finite(low), _finite(high)
    if low is None or high is None:
        return MISSING
    lo, hi = projected(low), projected(high)
    if lo.startswith(MINUS) or hi.startswith(MINUS):
        return f"{lo} to {hi}"
    return f"{lo}{DASH}{hi}"


def projected_money(value: float | None, symbol: str = "$") -> str:
    """Projected money, to two significant figures: ``projected_money(17214, "€") -> "€17,000"`` (``"−€4,400"``)."""
    value = _finite(value)
    if value is None:
        return MISSING
    rounded = _two_figures(value)
    digits = _figures_digits(rounded)
    return money(rounded, symbol, 2 if digits == 1 else digits)  # cents, never "€5.5"


def outcomes(value: float | None) -> str:
    """A count of outcomes (extra conversions, leads, replies): whole outcomes, as people count them.

    ``outcomes(5.07) -> "5"``, ``outcomes(-24.4) -> "−24"``; one decimal below 1 (``outcomes(0.4) -> "0.4"``),
    where a whole number would read as none. Money-valued outcomes (revenue) are :func:`money`.
    """
    value = _finite(value)
    if value is None:
        return MISSING
    return _fixed(value, 0 if abs(value) >= 0.95 else 1)


def outcomes_figure(value: float | None) -> float | None:
    """The number :func:`outcomes` writes, as a number: a table's column sorts it and its CSV agrees with the sentences."""
    value = _finite(value)
    if value is None:
        return None
    return round(value, 0 if abs(value) >= 0.95 else 1)


def outcomes_range(low: float | None, high: float | None) -> str:
    """An interval of outcome counts, written as :func:`outcomes` writes each end: ``"21–105"``, ``"−24 to 35"``."""
    low, high = _finite(low), _finite(high)
    if low is None or high is None:
        return MISSING
    digits = 0 if max(abs(low), abs(high)) >= 0.95 else 1  # both ends alike: "0–24", not "−0.5 to 24"
    lo, hi = _fixed(low, digits), _fixed(high, digits)
    if lo.startswith(MINUS) or hi.startswith(MINUS):
        return f"{lo} to {hi}"
    return f"{lo}{DASH}{hi}"


def fmt_date(day: date | None) -> str:
    """``fmt_date(date(2026, 11, 23)) -> "23 Nov 2026"``."""
    if day is None:
        return MISSING
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def date_range(start: date | None, end: date | None) -> str:
    """``"2–15 Nov 2026"``, ``"28 Oct – 3 Nov 2026"``, across years in full."""
    if start is None or end is None:
        return MISSING
    if start.year != end.year:
        return f"{fmt_date(start)} {DASH} {fmt_date(end)}"
    if start.month != end.month:
        return f"{start.day} {MONTHS[start.month - 1]} {DASH} {fmt_date(end)}"
    if start.day == end.day:
        return fmt_date(start)
    return f"{start.day}{DASH}{fmt_date(end)}"


QUOTE_LIMIT = 60


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value quoted in a message: at most ``limit`` characters, then how long it was.

    Messages quote what people typed or what a file held; a 20,000,000-digit cell must not become a
    20-million-character error on the terminal or in the browser.
    """
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return f"'{text}'"
    return f"'{text[:limit]}…' ({len(text):,} characters)"
