"""Input checks shared by the stats functions.

Impossible input (negative counts, conversions above visitors, NaN) is a bug
upstream, so it raises a ``ValueError`` that names the argument; degenerate but
possible data (zero counts, an empty arm) is handled by the callers instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from lib.stats import stats_messages

ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less")


def finite(name: str, value: object) -> float:
    """Return ``value`` as a float, refusing NaN, infinity and non-numbers."""
    if isinstance(value, bool):
        raise ValueError(stats_messages.NOT_A_NUMBER.format(name=name, value=value))
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(stats_messages.NOT_A_NUMBER.format(name=name, value=value)) from None
    if not math.isfinite(number):
        raise ValueError(stats_messages.NOT_FINITE.format(name=name, value=value))
    return number


def count(name: str, value: object) -> int:
    """A whole, non-negative count (``12.0`` is accepted as 12)."""
    number = finite(name, value)
    if number < 0:
        raise ValueError(stats_messages.NEGATIVE.format(name=name, value=value))
    rounded = round(number)
    if abs(number - rounded) > 1e-9 * max(1.0, abs(number)):
        raise ValueError(stats_messages.NOT_WHOLE.format(name=name, value=value))
    return int(rounded)


def non_negative(name: str, value: object) -> float:
    number = finite(name, value)
    if number < 0:
        raise ValueError(stats_messages.NEGATIVE.format(name=name, value=value))
    return number


def positive(name: str, value: object) -> float:
    number = finite(name, value)
    if number <= 0:
        raise ValueError(stats_messages.NOT_POSITIVE.format(name=name, value=value))
    return number


def conversions_within(conv_name: str, conversions: int, visitors_name: str, visitors: int) -> None:
    if conversions > visitors:
        raise ValueError(
            stats_messages.MORE_CONVERSIONS_THAN_VISITORS.format(
                name=conv_name, conversions=conversions, visitors_name=visitors_name, visitors=visitors
            )
        )


def two_arm_counts(
    control_conversions: object, control_visitors: object, pilot_conversions: object, pilot_visitors: object
) -> tuple[int, int, int, int]:
    """Conversions and visitors of control and pilot as whole counts, conversions within visitors."""
    xc = count("control_conversions", control_conversions)
    nc = count("control_visitors", control_visitors)
    xp = count("pilot_conversions", pilot_conversions)
    np_ = count("pilot_visitors", pilot_visitors)
    conversions_within("control_conversions", xc, "control_visitors", nc)
    conversions_within("pilot_conversions", xp, "pilot_visitors", np_)
    return xc, nc, xp, np_


def probability(name: str, value: object, *, open_low: bool = False, open_high: bool = False) -> float:
    """A number in [0, 1] (or an open end when asked)."""
    number = finite(name, value)
    too_low = number <= 0 if open_low else number < 0
    too_high = number >= 1 if open_high else number > 1
    if too_low or too_high:
        low = "(0" if open_low else "[0"
        high = "1)" if open_high else "1]"
        raise ValueError(stats_messages.OUT_OF_RANGE.format(name=name, value=value, range=f"{low}, {high}"))
    return number


def alpha_value(alpha: object) -> float:
    return probability("alpha", alpha, open_low=True, open_high=True)


def alternative_value(alternative: object) -> str:
    if alternative not in ALTERNATIVES:
        raise ValueError(
            stats_messages.BAD_CHOICE.format(name="alternative", value=alternative, choices=", ".join(ALTERNATIVES))
        )
    return str(alternative)


def choice(name: str, value: object, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(stats_messages.BAD_CHOICE.format(name=name, value=value, choices=", ".join(choices)))
    return str(value)


def finite_values(name: str, values: Iterable[object]) -> list[float]:
    """Every value finite; the message says which position is wrong."""
    if isinstance(values, (str, bytes)):
        raise ValueError(stats_messages.NOT_A_SEQUENCE.format(name=name))
    values = list(values)
    try:  # fast path: a finite exact sum means every value is finite
        fast = [float(v) for v in values]  # type: ignore[arg-type]  # anything else falls to the checks below
        if not any(isinstance(v, bool) for v in values) and math.isfinite(math.fsum(fast)):
            return fast
    except (TypeError, ValueError, OverflowError):
        pass
    out: list[float] = []
    for i, value in enumerate(values):
        out.append(finite(f"{name}[{i}]", value))
    return out
