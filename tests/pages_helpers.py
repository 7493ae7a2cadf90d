"""AppTest plumbing: each page runs headless against a fresh SQLite file."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from sqlmodel import Session, func, select
from streamlit.testing.v1 import AppTest

from lib.adapter.keys import Keys

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "pages/home.py",
    "pages/goals.py",
    "pages/backlog.py",
    "pages/pilots.py",
    "pages/pilot.py",
    "pages/log_results.py",
    "pages/review.py",
    "pages/learnings.py",
    "pages/settings.py",
]


def page(path: str) -> AppTest:
    """The app through its entry point (navigation and all), switched to ``path``."""
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    if path != "app.py":
        at.switch_page(path)
    return at


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def open_expander(at: AppTest, key: str) -> AppTest:
    """Open an expander (or a popover) drawn only while open (``on_change="rerun"``), as a click does: its state,
    a rerun."""
    at.session_state[key] = True
    return at.run()


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open a tab that is drawn from its first opening (``on_change="rerun"``), as a click does: its state, a rerun."""
    at.session_state[key] = label
    return at.run()


def pilots_page(*tabs: str) -> AppTest:
    """The Pilots page, run, with ``tabs`` ("New pilot", "Edit a pilot") opened as clicks would open them: a tab
    is drawn from its first opening, and the list ("All pilots") is open from the start."""
    at = page("pages/pilots.py").run()
    for label in tabs:
        open_tab(at, Keys.tab("pilots"), label)
    return at
