"""Greenlight: run small marketing pilots against criteria agreed up front."""

import streamlit as st

from lib.st_adapter import engine

st.set_page_config(page_title="Greenlight", page_icon="🟢", layout="wide")

engine()  # open and upgrade the database before any page runs

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
