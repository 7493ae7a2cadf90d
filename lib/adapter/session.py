"""Session plumbing: the cached engine, read()/write(), who is asking (sign-in, share mode), the one save block."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from lib.adapter import this_run, wire
from lib.adapter.keys import Keys
from lib.infra.config import current_actor
from lib.infra.db import DatabaseUnavailable, open_database, reading, transaction
from lib.infra.inputs import InvalidInput
from lib.plain_text import plain_markdown as plain  # what a person typed, shown as typed: never Markdown or links
from lib.services import access
from lib.services.access import Principal, role_for
from lib.services.conflicts import StaleWrite

T = TypeVar("T")


def _through_entry_point() -> None:
    """Run every page behind ``app.py`` (its sign-in and share-mode gates), even on a fresh server.

    Until some visitor has loaded a URL that runs ``app.py``, Streamlit serves a
    deep link like ``/review`` straight from the ``pages/`` folder; turning that
    legacy mode off here (pages import this module first) reruns through the entry.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the legacy mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


_through_entry_point()


@st.cache_resource(show_spinner="Opening the database…")
def engine() -> Engine:
    """One engine per process, schema upgraded once when the app starts.

    A database that cannot be opened (wrong password, no server, unreadable file) is one
    sentence on the page — which database, what failed, what to check — never a traceback
    or the password; the details go to the server log.
    """
    wire.forget()  # a new engine (a new process, or Streamlit's caches cleared): nothing kept from before
    try:
        return open_database()
    except DatabaseUnavailable as exc:
        st.error(str(exc), icon=":material/database:")
        st.stop()
        raise  # st.stop() ends the run; this keeps type checkers sure nothing is returned


@contextmanager
def read() -> Iterator[Session]:
    with reading(engine()) as session:
        yield session


@contextmanager
def write() -> Iterator[Session]:
    """A transaction. Caches stay: each is keyed by a version the write changes (a pilot's data version,
    the workspace version), so a write to one pilot redraws that pilot only, on every replica. The rest
    of the run reads the workspace version again."""
    try:
        with transaction(engine()) as session:
            yield session
    finally:
        this_run.forget()


def sign_in_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` configures OpenID Connect (``[auth]``). Read once per page run:
    without a secrets file Streamlit looks for one on the disk at every ask, and a run asks at every ``actor()``."""
    return this_run.once("sign in configured", _secrets_configure_sign_in)


def _secrets_configure_sign_in() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all: local mode
        return False
    except Exception:  # noqa: BLE001 - an unreadable secrets file must not open the app to writes
        return True


def editors() -> list[str]:
    """E-mail addresses (or ``@domain``) allowed to write, from ``[greenlight] editors`` in secrets."""
    try:
        value = st.secrets.get("greenlight", {}).get("editors", [])
    except Exception:  # noqa: BLE001
        return []
    return [value] if isinstance(value, str) else list(value)


def in_share_mode() -> bool:
    return "share" in st.query_params


def actor() -> Principal:
    """Who is asking, as the name written on their work and the role ``lib`` checks on every write.

    Shared link: read only. Sign-in configured: the signed-in identity (editor
    when on the editors list, else viewer; nobody signed in is a viewer).
    Local mode: the name given in the sidebar (or GREENLIGHT_USER).
    """
    if in_share_mode():
        return Principal("shared link", "share")
    if sign_in_configured():
        user = st.user
        if not getattr(user, "is_logged_in", False):
            return Principal("not signed in", "viewer")
        email = str(user.get("email") or "")
        name = str(user.get("name") or email or "signed-in user")
        return Principal(name, role_for(email, editors()), email=email)
    return Principal((st.session_state.get(Keys.actor) or current_actor()).strip(), "local")


def can_write() -> bool:
    """Whether to offer widgets that write (``lib`` refuses the write anyway when not)."""
    return access.can_write(actor())


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    """A success message that survives the rerun after a write."""
    st.session_state[Keys.flash] = (message, icon)


def show_flash() -> None:
    item = st.session_state.pop(Keys.flash, None)
    if item:
        st.success(item[0], icon=item[1])  # stays on the page until the next action
        st.toast("Done.", icon=":material/check_circle:")  # seen even when the page scrolled elsewhere


def show_invalid(exc: InvalidInput, title: str = "Nothing was saved.") -> None:
    lines = "\n".join(f"- {plain(e)}" for e in exc.errors)  # messages quote what was typed
    st.error(f"**{title}** Please fix:\n{lines}", icon=":material/warning:")


def save(
    action: Callable[[Session], T],
    done: str | Callable[[T], str | None] | None,
    *,
    reset: str | None = None,
    title: str = "Nothing was saved.",
    stale: Callable[[StaleWrite], None] | None = None,
    reset_with: Callable[[str], None] | None = None,
) -> None:
    """The save block every page shares: one transaction, a refusal shown in words, success flashed, rerun.

    ``done`` is the success message, or a function of what ``action`` returned (it may also stash
    that result in session state for the next run and return None for no message). ``stale`` holds a
    refusal from a stale page with its choices (``conflicts.save``); ``reset_with`` opens the form again.
    """
    try:
        with write() as session:
            result = action(session)
    except StaleWrite as exc:
        if stale is None:
            raise
        stale(exc)
        st.rerun()
    except InvalidInput as exc:
        show_invalid(exc, title)
        return
    message = done(result) if callable(done) else done
    if message:
        flash(message)
    if reset:
        (reset_with or reset_form)(reset)
    st.rerun()


def remember(key: str, value) -> None:
    st.session_state[key] = value


def form_key(base: str) -> str:
    """A form key that changes after a successful save, so the form starts empty again
    while a refused save keeps what the person typed."""
    return f"{base}_{st.session_state.get(Keys.nonce(base), 0)}"


def reset_form(base: str) -> None:
    st.session_state[Keys.nonce(base)] = st.session_state.get(Keys.nonce(base), 0) + 1


def deferred(fn, *args):
    """A download's data built only when clicked, in its own read session (no Streamlit context there)."""
    eng = engine()

    def build():
        with reading(eng) as session:
            return fn(session, *args)

    return build
