"""Rules for one field at a time, shared by the tables and the input models.

A text limit here is also the column's length (the shared bases in
``lib/models.py`` declare both at once), so whatever passes validation fits
the column on PostgreSQL, where VARCHAR(n) refuses longer text, and SQLite
keeps nothing PostgreSQL would refuse: a backup restores on either back end.
Control characters are refused because they break both: PostgreSQL cannot
store NUL, and escape codes rewrite a terminal that prints a name.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, field_validator

# ------------------------------------------------------------------ lengths (characters)

NAME_MAX = 120  # goal, pilot and KPI names; share-link labels
PERSON_MAX = 80  # who: the actor, owners, teams, "decided by"
METRIC_MAX = 80
ARM_MAX = 40
UNIT_MAX = 40  # a metric's or KPI's unit, a goal's period
NOTE_MAX = 500
TEXT_MAX = 2000  # descriptions, hypotheses, reasons (the audit trail's reason column)
ARMS_MAX = 200  # a pilot's arms, comma-separated
MARKETS_MAX = 2000  # a market test's test (or excluded) markets, comma-separated
CHOICE_MAX = 20  # a value from lib.vocabulary
SHOWN_MAX = 40  # how much of a refused value a message repeats

# C0 and C1 controls, DEL, and unpaired surrogates (which no UTF-8 database stores)
_NOT_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # tab and newline allowed
_NAMES = {"\x00": "NUL", "\t": "tab", "\x1b": "escape"}


def control_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be stored as typed, or ``None``; line breaks only in multi-line text."""
    found = (_NOT_IN_TEXT if multiline else _NOT_IN_LINE).search(value)
    if found is None:
        return None
    char, where = found.group(), found.start() + 1
    if char in "\n\r":
        return "must be a single line (no line breaks)."
    if "\ud800" <= char <= "\udfff":
        return f"is not valid text (an unpaired surrogate U+{ord(char):04X} at character {where})."
    name = f" ({_NAMES[char]})" if char in _NAMES else ""
    return f"must not contain control characters (found U+{ord(char):04X}{name} at character {where})."


def text_problem(value: str, limit: int, *, multiline: bool = False) -> str | None:
    """The same rule as the models' text fields, for text that reaches the database another way."""
    if len(value) > limit:
        return f"is too long (at most {limit} characters)."
    return control_problem(value, multiline=multiline)


def _line(value: str) -> str:
    problem = control_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    problem = control_problem(value, multiline=True)
    if problem:
        raise ValueError(problem)
    return value


#: one line of text: no control characters at all
Line = Annotated[str, AfterValidator(_line)]
#: free text: line breaks and tabs allowed (``\r\n`` becomes ``\n``), other control characters not
Text = Annotated[str, AfterValidator(_text)]


def shown(value: object) -> str:
    """A refused value as a message repeats it: short, with control characters spelled out."""
    text = str(value)
    if len(text) > SHOWN_MAX:
        text = text[: SHOWN_MAX - 1] + "…"
    return _NOT_IN_LINE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def required_text(value: Any) -> Any:
    """Before validation: blank is missing; anything else goes on to the type and length checks."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("is required.")
    return value.strip() if isinstance(value, str) else value


def one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"'{shown(value)}' is not a known {what}; use one of: {', '.join(allowed)}.")
    return value


def choice(field: str, allowed: tuple[str, ...], what: str) -> Any:
    """A validator that accepts only the known values of a vocabulary."""
    return field_validator(field)(lambda value: one_of(value, allowed, what))


def finite(value: float | None, *, minimum: float | None = None) -> float | None:
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        raise ValueError("must be a finite number.")
    if minimum is not None and value < minimum:
        raise ValueError(f"must not be negative (got {value:g}).")
    return value
