"""Greenlight: run small marketing pilots against criteria agreed up front."""

import streamlit as st

from lib.adapter.identity import ask_name_first, name_in_sidebar
from lib.adapter.navigation import reused_pages
from lib.adapter.session import actor, engine, in_share_mode, sign_in_configured
from lib.adapter.widgets import plain
from lib.services.access import ROLE_LABELS

if in_share_mode():  # a stakeholder's link: that one report, no navigation, no sidebar, nothing that writes
    st.set_page_config(
        page_title="Shared report · Greenlight",
        page_icon=":material/rocket_launch:",
        layout="wide",
        initial_sidebar_state="collapsed",
    )
    st.navigation([st.Page("pages/share_view.py", title="Shared report", default=True)], position="hidden").run()
    st.stop()

st.set_page_config(page_title="Greenlight", page_icon=":material/rocket_launch:", layout="wide")

engine()  # open and upgrade the database before any page runs

if sign_in_configured() and not st.user.is_logged_in:  # every page runs behind this entry: sign in first
    st.title("Greenlight")
    st.write("Sign in to see the pilots, their verdicts and the review queue.")
    st.button("Sign in", type="primary", on_click=st.login, icon=":material/login:")
    st.stop()

with st.sidebar:
    who = actor()
    if who.role == "local":
        name_in_sidebar()
        st.caption(
            ":material/lan: **Local mode** — no sign-in: anyone who can open this app can change "
            "everything. Fine for one person or a trusted LAN; configure sign-in to serve a team."
        )
    else:
        st.caption(f":material/account_circle: Signed in as **{plain(who.email or who)}** — {ROLE_LABELS[who.role]}")
        st.button("Log out", on_click=st.logout, icon=":material/logout:")

ask_name_first()  # local mode with no name: asked once, before the first write

pages = reused_pages(  # made once per process, copied for each run (st.Page reads the disk when made)
    lambda: {
        "Greenlight": [
            st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
            st.Page("pages/goals.py", title="Goals", icon=":material/flag:"),
            st.Page("pages/backlog.py", title="Backlog", icon=":material/list_alt:"),
            st.Page("pages/pilots.py", title="Pilots", icon=":material/science:"),
            st.Page("pages/pilot.py", title="Pilot page", icon=":material/article:", url_path="pilot"),
            st.Page("pages/log_results.py", title="Log results", icon=":material/edit_note:"),
            st.Page("pages/review.py", title="Review", icon=":material/gavel:"),
            st.Page("pages/learnings.py", title="Learnings", icon=":material/local_library:"),
            st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
        ]
    }
)
st.navigation(pages).run()
