"""Currencies written into money cells: which one a cell names, and whether it is the workspace's.

An export writes spend as "€1.200,50", "$1,200.50" or "1200.50 EUR". The number is read by the
file's own number format (:mod:`lib.importer.values`); the currency it names must be the
workspace's, since spend in two currencies cannot be added up. A cell naming another currency
is named back, never converted or read as if it were the workspace's.
"""

from __future__ import annotations

import re

from lib.formatting import quoted

#: the currencies a workspace can count in: code -> the symbol its figures are shown with
CURRENCIES: dict[str, str] = {
    "EUR": "€",
    "USD": "$",
    "GBP": "£",
    "CHF": "CHF ",
    "SEK": "SEK ",
    "NOK": "NOK ",
    "DKK": "DKK ",
    "PLN": "PLN ",
    "CAD": "CA$",
    "AUD": "A$",
    "JPY": "¥",
    "INR": "₹",
}
CURRENCY_NAMES: dict[str, str] = {
    "EUR": "euros",
    "USD": "US dollars",
    "GBP": "pounds",
    "CHF": "Swiss francs",
    "SEK": "Swedish kronor",
    "NOK": "Norwegian kroner",
    "DKK": "Danish kroner",
    "PLN": "złoty",
    "CAD": "Canadian dollars",
    "AUD": "Australian dollars",
    "JPY": "yen",
    "INR": "rupees",
}
#: what a symbol alone may stand for ("$" is any dollar)
_SYMBOL_CODES: dict[str, frozenset[str]] = {
    "€": frozenset({"EUR"}),
    "$": frozenset({"USD", "CAD", "AUD"}),
    "£": frozenset({"GBP"}),
    "¥": frozenset({"JPY"}),
    "₹": frozenset({"INR"}),
}
_CODE = re.compile(r"(?<![A-Za-z])(" + "|".join(CURRENCIES) + r")(?![A-Za-z])", re.IGNORECASE)


def named_currencies(text: str) -> list[str]:
    """The currency markers a cell carries, as written: ["€"], ["$", "USD"], [] for a plain number."""
    marks = [ch for ch in text if ch in _SYMBOL_CODES]
    marks.extend(m.group(1) for m in _CODE.finditer(text))
    return marks


def foreign_currency(value: object, currency: str) -> str | None:
    """The first marker in ``value`` that cannot be ``currency`` ("$" in a euro workspace); None when none.

    Numbers (not text) and plain figures carry no currency, so they are the workspace's.
    """
    if not isinstance(value, str):
        return None
    for mark in named_currencies(value):
        codes = _SYMBOL_CODES.get(mark, frozenset({mark.upper()}))
        if currency not in codes:
            return mark
    return None


def other_currency_message(where: str, value: object, mark: str, currency: str) -> str:
    """ "'Spend' holds '$1,200.50', in $, but this workspace counts money in euros (€): convert it to euros first." """
    name = CURRENCY_NAMES.get(currency, currency)
    return (
        f"{where} holds {quoted(value)}, in {mark}, but this workspace counts money in {name} "
        f"({CURRENCIES.get(currency, currency).strip()}): convert it to {name} first."
    )
