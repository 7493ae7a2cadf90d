"""The designer's money criteria on the Pilots page: the two money threshold types, and their plan."""

from __future__ import annotations

import streamlit as st

from lib.adapter.money import workspace_currency
from lib.criteria import threshold_from_display, threshold_to_display
from lib.vocabulary import CHANNEL_LABELS, CHANNEL_UNITS, CHANNELS, MONEY_THRESHOLD_TYPES, is_money_threshold

#: what "Threshold is" offers: the two money criteria after the effect ones
THRESHOLD_CHOICES: list[str] = ["absolute", "relative", *MONEY_THRESHOLD_TYPES]


def threshold_choice_label(ttype: str) -> str:
    symbol = workspace_currency().symbol.strip()
    return {
        "absolute": "A value or difference",
        "relative": "A lift in %",
        "cost_per_extra": f"Cost per extra outcome at most ({symbol})",
        "return_on_spend": "Return on spend at least (×)",
    }.get(ttype, ttype)


def shown_threshold(kind: str, ttype: str, value: float) -> float:
    """A threshold as the form shows it: a price as typed (€40, 1.5×), rates and lifts in percent."""
    return value if is_money_threshold(ttype) else threshold_to_display(kind, ttype, value)


def typed_threshold(kind: str, ttype: str, value: float) -> float:
    """What the form stores for what was typed: a price as it is, rates and lifts from percent."""
    return value if is_money_threshold(ttype) else threshold_from_display(kind, ttype, value)


def money_plan_designer() -> None:
    """How much spend and how many days tell the price agreed from the one expected; writes nothing."""
    from lib.services.money_designer import money_plan

    money = workspace_currency()
    sym = money.symbol.strip()
    a1, a2, a3 = st.columns(3)
    ttype: str = a1.selectbox(
        "Criterion", list(MONEY_THRESHOLD_TYPES), format_func=threshold_choice_label, key="mplan_type"
    )
    cost = ttype == "cost_per_extra"
    outcomes = {"proportion": "A rate (leads, replies)", "mean": "An average in money (revenue per visitor)"}
    kind: str = a2.selectbox(
        "Outcome", ["proportion", "mean"] if cost else ["mean"], format_func=lambda k: outcomes[k], key="mplan_kind"
    )
    channel: str = a3.selectbox("Channel", list(CHANNELS), format_func=lambda c: CHANNEL_LABELS[c], key="mplan_channel")
    units = CHANNEL_UNITS.get(channel, "people")
    rate = kind == "proportion"
    b1, b2, b3, b4 = st.columns(4)
    baseline = b1.number_input(
        "Control's rate (%)" if rate else "Control's average", value=4.0 if rate else 2.0, key="mplan_base"
    )
    sd = None if rate else b2.number_input("Spread of one unit", min_value=0.01, value=10.0, key="mplan_sd")
    threshold = b3.number_input(
        f"At most ({sym} per extra one)" if cost else "At least (× back)", value=60.0 if cost else 1.5, key="mplan_thr"
    )
    expected = b4.number_input(
        f"Expected ({sym} per extra one)" if cost else "Expected (× back)", value=40.0 if cost else 2.0, key="mplan_exp"
    )
    c1, c2, c3, c4 = st.columns(4)
    spend = c1.number_input(
        f"Extra spend per {units[:-1] if units.endswith('s') else units} ({sym})",
        min_value=0.0,
        value=0.5,
        key="mplan_spend",
    )
    control = c2.number_input(
        f"Control's spend per one ({sym}, 0: none)", min_value=0.0, value=0.0, key="mplan_control"
    )
    days = c3.number_input("Pilot length (days, one look a day)", 2, 365, 28, key="mplan_days")
    volume = c4.number_input(f"{units.capitalize()} per arm per day", min_value=0.0, value=500.0, key="mplan_volume")
    try:
        summary = money_plan(
            threshold_type=ttype,
            kind=kind,
            metric="lead_rate" if rate else "revenue",
            threshold=threshold,
            expected=expected,
            baseline=baseline / 100 if rate else baseline,
            sd=sd,
            spend_per_unit=spend,
            control_spend_per_unit=control,
            spend_sd=control * 0.3,
            days=int(days),
            units_per_day=volume or None,
            units=units,
            symbol=money.symbol,
        )
    except ValueError as exc:
        st.error(f"Cannot plan this yet: {exc}", icon=":material/error:")
        return
    st.metric(f"Planned sample ({units} per arm)", f"{summary.units_per_arm:,}")
    st.markdown(summary.headline)
    st.caption(summary.characteristics)
