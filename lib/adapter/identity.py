"""Who is working, in local mode: the sidebar's name, asked once above the page before the first write.

Every result, import, share link and decision is signed with this one name (``session.actor()``); ``lib``
refuses a write with an empty name, and this asks for it before anyone gets that far.
"""

from __future__ import annotations

import streamlit as st

from lib.adapter.keys import Keys
from lib.adapter.session import actor
from lib.infra.config import current_actor


def name_in_sidebar() -> None:
    """The name field in the sidebar (local mode), prefilled from ``GREENLIGHT_USER`` when set."""
    if Keys.actor not in st.session_state:
        st.session_state[Keys.actor] = current_actor()
    st.text_input(
        "Your name",
        key=Keys.actor,
        placeholder="Who is working?",
        help="Signed on every result, import, share link and decision you record in this session.",
    )


def _take_name() -> None:
    st.session_state[Keys.actor] = st.session_state.get(Keys.actor_first, "").strip()


def ask_name_first() -> None:
    """Local mode without a name: ask for it above the page, once, before anything is written.

    The page still shows below (reading needs no name); a write tried anyway is refused by ``lib``
    with the same request. Once given, the name is the sidebar's and signs everything after.
    """
    who = actor()
    if who.role != "local" or str(who):
        return
    with st.container(border=True, key="ask_name_first"):
        st.markdown(
            ":material/badge: **Who is working?** Your name signs every result, import, share link and "
            "decision you record. Give it once here; it is used everywhere in this session."
        )
        with st.form("ask_name_form", border=False):
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            c1.text_input("Your name", key=Keys.actor_first, placeholder="e.g. Ana Ruiz")
            c2.form_submit_button("Continue", type="primary", on_click=_take_name)
