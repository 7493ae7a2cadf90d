"""Greenlight: run small marketing pilots against criteria agreed up front."""

import streamlit as st

from lib.config import current_actor
from lib.st_adapter import engine

st.set_page_config(page_title="Greenlight", page_icon="🟢", layout="wide")

engine()  # open and upgrade the database before any page runs

with st.sidebar:
    if "actor" not in st.session_state:
        st.session_state["actor"] = current_actor()
    st.text_input("Your name", key="actor", placeholder="Who is working?",
                  help="Signed on every result, correction and decision you record in this session.")

pages = {
    "Greenlight": [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/goals.py", title="Goals", icon="🎯"),
        st.Page("pages/pilots.py", title="Pilots", icon="🧪"),
        st.Page("pages/log_results.py", title="Log results", icon="📝"),
        st.Page("pages/review.py", title="Review", icon="⚖️"),
        st.Page("pages/settings.py", title="Settings", icon="⚙️"),
    ]
}
st.navigation(pages).run()
