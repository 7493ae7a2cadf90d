"""What adjusting for what was known before did, beside a verdict, with the unadjusted reading one click away."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lib import formatting as fmt
from lib.adapter.keys import Keys
from lib.adapter.session import read
from lib.decide.verdicts import CriterionVerdict
from lib.plain_text import plain_markdown as plain


def unadjusted_text(v: CriterionVerdict) -> str:
    """The plain per-unit difference with its interval at the verdict's own boundary."""
    counts = " and ".join(f"{fmt.number(n)} ({arm})" for arm, n in (v.n_units or {}).items())
    return (
        f"Unadjusted: {fmt.signed_quantity(v.unadjusted_difference)} "
        f"(bounds {fmt.signed_number_range(v.unadjusted_ci_low, v.unadjusted_ci_high)}) on {counts} {v.unit}; "
        f"adjusted: {fmt.signed_quantity(v.difference)} "
        f"(bounds {fmt.signed_number_range(v.ci_low, v.ci_high)}), the interval the verdict used."
    )


def unit_readings(verdicts: Sequence[CriterionVerdict]) -> None:
    """For each verdict judged per unit: what the adjustment did, and the unadjusted reading behind a click."""
    for v in verdicts:
        if v.n_units is None:
            continue
        note = v.adjustment_note or f"Judged per {v.unit or 'unit'}: nothing known before the pilot to adjust for."
        st.markdown(f":material/tune: **{plain(v.label)}** · {plain(note)}")
        with st.expander(f"Unadjusted reading: {v.label}", icon=":material/compare_arrows:"):
            st.markdown(plain(unadjusted_text(v)))


def before_data_gain(form: dict) -> None:
    """In the designer: how many fewer units a plan needs when adjusting as in an imported pilot's data."""
    from lib.services import before_data  # late: only when the designer is drawn
    from lib.services.designer import adjusted_plan_text, form_inputs

    if form.get("comparison") != "vs_control" or form.get("kind") == "proportion" or not form.get("sd"):
        return
    with read() as session:
        known = {k.pilot_id: k for k in before_data.before_data(session)}
    if not known:
        return
    chosen = st.selectbox(
        "Adjust for what was known before, as in",
        [0, *known],
        format_func=lambda i: (
            "— no adjustment —" if not i else f"{known[i].pilot} ({', '.join(known[i].adjusted_for)})"
        ),
        key=Keys.plan("before_data"),
        help="A pilot whose import gave each store its market or last month's sales: the share of the variance "
        "adjusting took away there sizes this plan.",
    )
    if not chosen:
        return
    k = known[chosen]
    try:
        text = adjusted_plan_text(
            form_inputs(**form), k.variance_left, k.covariate_columns, k.unit, " and ".join(k.adjusted_for)
        )
    except ValueError:
        return
    if text:
        st.info(plain(text), icon=":material/tune:")
