"""The one module in lib that imports streamlit: cached engine and session plumbing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from lib.config import current_actor
from lib.db import make_engine, reading, transaction, upgrade
from lib.inputs import InvalidInput


@st.cache_resource(show_spinner="Opening the database…")
def engine() -> Engine:
    """One engine per process, schema upgraded once when the app starts."""
    eng = make_engine()
    upgrade(eng)
    return eng


@contextmanager
def read() -> Iterator[Session]:
    with reading(engine()) as session:
        yield session


@contextmanager
def write() -> Iterator[Session]:
    """A transaction; caches of query results are dropped after it commits."""
    with transaction(engine()) as session:
        yield session
    st.cache_data.clear()


def actor() -> str:
    """The name the person gave in the sidebar (or GREENLIGHT_USER); "" when nobody said."""
    return (st.session_state.get("actor") or current_actor()).strip()


def flash(message: str, icon: str = "✅") -> None:
    """A success message that survives the rerun after a write."""
    st.session_state["_flash"] = (message, icon)


def show_flash() -> None:
    item = st.session_state.pop("_flash", None)
    if item:
        st.success(item[0], icon=item[1])


def show_invalid(exc: InvalidInput, title: str = "Nothing was saved.") -> None:
    lines = "\n".join(f"- {e}" for e in exc.errors)
    st.error(f"**{title}** Please fix:\n{lines}", icon="⚠️")


def remember(key: str, value) -> None:
    st.session_state[key] = value


def form_key(base: str) -> str:
    """A form key that changes after a successful save, so the form starts empty again
    while a refused save keeps what the person typed."""
    return f"{base}_{st.session_state.get(f'_nonce_{base}', 0)}"


def reset_form(base: str) -> None:
    st.session_state[f"_nonce_{base}"] = st.session_state.get(f"_nonce_{base}", 0) + 1
