"""Which of a pilot's metrics spend is set against: its outcome. Spend only means something beside one.

"Cost per extra lead" needs the leads: a pilot takes spend once it has a criterion whose metric
is the outcome the money buys. A money criterion ("cost per extra lead at most €40") names it;
otherwise the first primary criterion's metric is the outcome. A pilot with neither has no
outcome, and spend logged for it is refused, naming the cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from lib.currencies import CURRENCIES
from lib.vocabulary import MONEY_THRESHOLD_TYPES, SPEND_METRIC, outcome_nouns

#: words in a metric's name that say it counts money (revenue), so return on spend applies
_MONEY_WORDS = frozenset({"revenue", "sales", "gmv", "value", "profit", "income", "turnover", "bookings", "amount"})


class CriterionLike(Protocol):
    metric: str
    kind: str
    role: str
    threshold_type: str
    unit: str
    confidence: float
    direction: str


def outcome_criterion(criteria: Sequence[CriterionLike]) -> CriterionLike | None:
    """The criterion whose metric spend buys: a money criterion's, else the first primary; None without either."""
    for c in criteria:
        if c.threshold_type in MONEY_THRESHOLD_TYPES and c.metric != SPEND_METRIC:
            return c
    for c in criteria:
        if c.role == "primary" and c.metric != SPEND_METRIC:
            return c
    return None


def takes_spend(criteria: Sequence[CriterionLike]) -> bool:
    """Whether spend may be logged: the pilot has an outcome, and no criterion of its own is named "spend"."""
    return outcome_criterion(criteria) is not None and all(c.metric != SPEND_METRIC for c in criteria)


def outcome_is_money(criterion: CriterionLike) -> bool:
    """Whether the outcome counts money (revenue, order value): only then does return on spend mean anything.

    Its unit says so ("EUR", "€"), or its name does ("revenue", "order_value").
    """
    unit = (criterion.unit or "").strip().upper()
    symbols = {s.strip().upper() for s in CURRENCIES.values()}
    if unit in CURRENCIES or unit in symbols:
        return True
    return bool(_MONEY_WORDS & set(criterion.metric.casefold().replace("-", "_").split("_")))


def no_outcome_message(metrics: Iterable[str]) -> str:
    """Why spend cannot be logged on a pilot without an outcome, and what to do."""
    known = ", ".join(metrics)
    return (
        "this pilot has no outcome for spend to buy"
        + (f" (its metrics: {known}, none of them primary)" if known else " (it has no criteria yet)")
        + ": add a primary criterion on the leads, sign-ups or revenue the money is for, then log spend."
    )


@dataclass(frozen=True)
class Outcome:
    """What the money buys, as a noun: "reply"/"replies", "lead"/"leads"; a money outcome reads as revenue."""

    one: str
    many: str
    money: bool = False


def outcome_words(
    metric: str, *, money: bool = False, kind: str = "proportion", numerator: str | None = None
) -> Outcome:
    """ "reply_rate" → reply/replies, "lead_rate" → lead/leads, a named numerator ("Sign-ups") as named; revenue
    → revenue. The verdict's noun too (:func:`lib.vocabulary.outcome_nouns`): one noun per pilot."""
    one, many = outcome_nouns(metric, kind, numerator, money=money)
    return Outcome(one, many, money=money)
