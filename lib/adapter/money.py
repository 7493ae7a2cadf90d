"""Money on screen: the "Does it pay?" box the pilot page and Review lead with, and money columns in tables."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib import formatting as fmt
from lib.adapter.cached import per_workspace
from lib.decide import PilotEvaluation
from lib.plain_text import plain_markdown as plain  # what a person typed, shown as typed
from lib.services import settings
from lib.services.spend_view import PilotSpend, spend_many


def show_money(spend: PilotSpend | None, *, projection: bool = True, beside: PilotEvaluation | None = None) -> None:
    """The money sentence in a box, and the projection under it labelled as one; nothing without spend logged.

    ``beside``: the evaluation shown with it, whose money verdict may bound the same price otherwise (the
    sentence then says which interval is which: :meth:`PilotSpend.beside`).
    """
    if spend is None:
        return
    spend = spend.beside(beside)
    with st.container(border=True):
        st.markdown(f":material/payments: **Does it pay?** {plain(spend.sentence)}")
        if projection and spend.scaling:
            st.caption(f":material/trending_up: {plain(spend.scaling)}")


def money_format(symbol: str, digits: int = 0) -> str:
    """A money column's printf format: ``money_format("€") -> "€%,.0f"`` shows 19328.4 as "€19,328".

    Whole units by default, as :func:`lib.formatting.money` writes spend; Streamlit's "euro" and "dollar"
    formats always showed cents ("€19,328.40"), and only for three currencies.
    """
    return f"{symbol.replace('%', '%%')}%,.{digits}f"


def money_column(label: str, currency: settings.Currency, digits: int = 0, **kw) -> Any:
    """A sortable money column: numbers underneath (the CSV keeps them), the currency shown with separators."""
    return st.column_config.NumberColumn(label, format=money_format(currency.symbol, digits), **kw)


def spend_by_pilot() -> dict[int, PilotSpend]:
    """Every pilot's spend reading, built once per workspace version and shared (Home, Review's queue, the
    goals' roll-up)."""
    from lib.adapter.cached import portfolio_overview

    return per_workspace(
        "spend by pilot", lambda session: spend_many(session, [r.pilot for r in portfolio_overview().rows])
    )


def workspace_currency() -> settings.Currency:
    """The workspace's currency, read once per workspace version (choosing one is a write that changes it):
    the Pilots form labels a dozen options with its symbol, each of which was a query."""
    return per_workspace("currency", settings.currency)


#: the portfolio's money columns, as the CSV names them
SPEND, EXTRA, COST = "Spend", "Extra outcomes", "Cost per extra"


def spend_columns(spend: PilotSpend | None, currency: settings.Currency) -> dict[str, float | None]:
    """A pilot's spend, extra outcomes and cost per extra outcome as numbers (None: nothing logged or undefined)."""
    if spend is None:
        return {_label(SPEND, currency): None, EXTRA: None, _label(COST, currency): None}
    r = spend.reading
    cost = r.cost_per_extra.estimate
    return {
        _label(SPEND, currency): r.total.estimate,
        # whole outcomes, as the sentences count them; revenue in money, to the cent
        EXTRA: round(r.extra_outcome.estimate, 2)
        if r.outcome_is_money and r.extra_outcome.estimate is not None
        else fmt.outcomes_figure(r.extra_outcome.estimate),
        # no extra outcome, no cost per extra one: blank, never a negative price
        _label(COST, currency): cost if cost is not None and (r.extra_outcome.estimate or 0) > 0 else None,
    }


def spend_column_config(currency: settings.Currency, cost_digits: int = 0) -> dict[str, object]:
    """The money columns' configs: spend in whole units; costs per extra outcome with ``cost_digits`` decimals
    (:func:`lib.formatting.money_digits` of the column, so "€38" and "€4.20" are not cut to "€4")."""
    return {
        _label(SPEND, currency): money_column(
            _label(SPEND, currency), currency, help="Spend logged so far, both arms."
        ),
        EXTRA: st.column_config.NumberColumn(
            EXTRA, format="localized", help="Extra conversions, sign-ups or revenue in the pilot arm against control."
        ),
        _label(COST, currency): money_column(
            _label(COST, currency),
            currency,
            cost_digits,
            help="Extra spend ÷ extra outcomes: what each extra one cost (below zero: each one saved money).",
        ),
    }


def _label(name: str, currency: settings.Currency) -> str:
    """ "Spend (€)": the currency in the header, so the CSV says what its numbers are in."""
    return f"{name} ({currency.symbol.strip()})"


def spend_note(metric: str) -> None:
    """Under the grid's metric picker, when it is spend: what to type, and in which currency."""
    from lib.vocabulary import SPEND_METRIC

    if metric != SPEND_METRIC:
        return
    money = workspace_currency()
    st.caption(
        f":material/payments: Money spent per day and arm, in {plain(money.name)} ({plain(money.symbol.strip())}): "
        f"“1,200.50”, “1.200,50” and “{plain(money.symbol.strip())}1,200” all read as 1,200.50. Another currency "
        "is refused, naming the cell."
    )
