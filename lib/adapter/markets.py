"""A market test's synthetic control beside its verdict: the weights as a sentence and a table, the fit, the
markets left out of the controls (on the pilot page and in Review)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from lib.adapter.widgets import table
from lib.charts.market import WEIGHT_HEADERS, fit_text, left_out_text, weights_rows, weights_sentence
from lib.decide.verdicts import CriterionVerdict
from lib.plain_text import plain_markdown as plain
from lib.vocabulary import MARKET_TEST_WORDS


def market_readings(verdicts: Sequence[CriterionVerdict], *, key: str) -> None:
    """For the primary market reading: what the synthetic control is made of, and how well it tracked."""
    market = next((v.market for v in verdicts if v.market is not None and v.role == "primary"), None)
    market = market or next((v.market for v in verdicts if v.market is not None), None)
    if market is None:
        return
    with st.container(border=True, key=key):
        st.markdown(f":material/join_inner: **The synthetic control** · read as {MARKET_TEST_WORDS}")
        st.markdown(plain(weights_sentence(market) + "."))
        st.caption(plain(fit_text(market)))
        left = left_out_text(market)
        if left:
            st.caption(f":material/filter_alt_off: {plain(left)}")
        rows = weights_rows(market)
        if rows:
            table(pd.DataFrame(rows, columns=list(WEIGHT_HEADERS)), hide_index=True, width="content")
