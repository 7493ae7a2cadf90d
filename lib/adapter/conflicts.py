"""Stale saves on the pages: what a page showed goes with its save, and a refusal offers the choices.

Two ways to know what a page showed (the basis ``lib.services`` compares with what is current):

- :func:`opened` — an edit form or the grid holds the values it was opened with, draws them, and
  keeps them while it stays on screen (its ``marker`` widget was drawn on the previous run): a
  colleague's save does not move the fields under the person's typing. A successful save, Reload or
  Keep theirs resets the form, which opens it again on what is current.
- :func:`seen` — a page of buttons (Review's decision, the backlog's arrows) compares with what its
  previous run drew: what the person saw when they clicked.

:func:`save` is the adapter's ``save`` with one more outcome: a :class:`StaleWrite` is held for the
form (nothing was written) and :func:`choices` draws it in words, theirs beside yours, with the
choices: reload, keep theirs (the person's other changes still saved), or save theirs over it on
purpose with a reason, which the audit trail keeps beside the colleague's change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st
from sqlmodel import Session

from lib.adapter.keys import Keys
from lib.adapter.session import flash, form_key, plain, reset_form, show_invalid, write
from lib.adapter.session import save as session_save
from lib.infra.inputs import InvalidInput
from lib.services.conflicts import Overwrite, StaleWrite

T = TypeVar("T")


@dataclass(frozen=True)
class Pending:
    """A refused save waiting for the person's choice."""

    refusal: StaleWrite
    over: Callable[[Session, Overwrite], Any] | None = None  # save mine over theirs, on purpose
    keep: Callable[[Session, StaleWrite], Any] | None = None  # keep theirs, still saving my other changes
    reset: str | None = None  # the form to open again once the person has chosen
    over_label: str = "Save mine over theirs"
    note: str = ""  # what was saved meanwhile (a grid's untouched rows)


def _pending_key(base: str) -> str:
    return Keys.basis("pending", base)


def opened(key: str, marker: str, read: Callable[[], T], *, editing: bool = True) -> T:
    """What the form or grid under ``key`` was opened with: read when it is first drawn, then held while
    its widget ``marker`` stays on screen, so the form draws — and its save compares — the same basis.
    ``editing=False`` (a grid nobody is typing in) reads it again: it shows what is current."""
    name = Keys.basis("opened", key)
    held = st.session_state.get(name)
    if held is None or marker not in st.session_state or not editing:
        held = (read(),)
        st.session_state[name] = held
    return held[0]


def edited_rows(grid_key: str) -> int:
    """How many rows of the data editor ``grid_key`` the person has changed (the edits wait in its state)."""
    state = st.session_state.get(grid_key)
    if not isinstance(state, dict):
        return 0
    return (
        len(state.get("edited_rows") or {}) + len(state.get("added_rows") or []) + len(state.get("deleted_rows") or [])
    )


def editing(grid_key: str) -> bool:
    """Whether the person has typed in the data editor ``grid_key``."""
    return edited_rows(grid_key) > 0


def seen(key: str, current: T) -> T:
    """What the previous run drew under ``key`` (what the person saw when they clicked), remembering
    ``current`` for the next click; while a refusal waits for a choice, what was seen before it stays."""
    name = Keys.basis("seen", key)
    before = st.session_state.get(name, (current,))
    if _pending_key(key) not in st.session_state:
        st.session_state[name] = (current,)
        st.session_state[Keys.basis("used", key)] = before  # what a save in this run compares with
    return before[0]


def refuse(
    base: str,
    refusal: StaleWrite,
    *,
    over: Callable[[Session, Overwrite], Any] | None = None,
    keep: Callable[[Session, StaleWrite], Any] | None = None,
    reset: str | None = None,
    over_label: str = "Save mine over theirs",
    note: str = "",
) -> None:
    """Hold a refusal for the form ``base``; :func:`choices` draws it. Until the person chooses, a save
    under ``base`` compares with what the refused one did (clicking again is refused again)."""
    st.session_state[_pending_key(base)] = Pending(refusal, over, keep, reset, over_label, note)
    if Keys.basis("used", base) in st.session_state:
        st.session_state[Keys.basis("seen", base)] = st.session_state[Keys.basis("used", base)]


def save(
    base: str,
    action: Callable[[Session], T],
    done: str | Callable[[T], str | None] | None,
    *,
    reset: str | None = None,
    over: Callable[[Session, Overwrite], Any] | None = None,
    keep: Callable[[Session, StaleWrite], Any] | None = None,
    over_label: str = "Save mine over theirs",
    title: str = "Nothing was saved.",
) -> None:
    """The adapter's save (one transaction, a refusal in words, success flashed, rerun), where a save
    from a stale page is held with its choices instead (drawn by :func:`choices` under ``base``)."""
    session_save(
        action,
        done,
        reset=reset,
        title=title,
        stale=lambda exc: refuse(base, exc, over=over, keep=keep, reset=reset, over_label=over_label),
        reset_with=reopen,
    )


def reader_zone() -> tzinfo | None:
    """The reader's time zone (their browser's), so "at 10:02" is their clock; None: say UTC."""
    try:
        name = st.context.timezone
    except Exception:  # noqa: BLE001 - no browser behind this run (a test, a script)
        return None
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def reopen(base: str) -> None:
    """Open the form ``base`` again on what is current: a new form key, the held basis dropped."""
    st.session_state.pop(Keys.basis("opened", form_key(base)), None)
    reset_form(base)


def _close(base: str, pending: Pending) -> None:
    st.session_state.pop(_pending_key(base), None)
    st.session_state.pop(Keys.basis("seen", base), None)
    st.session_state.pop(Keys.basis("used", base), None)
    if pending.reset:
        reopen(pending.reset)


def _run(base: str, pending: Pending, fn: Callable[[Session], Any], message: str) -> None:
    try:
        with write() as session:
            fn(session)
    except StaleWrite as exc:  # changed again since the refusal: say so, with the new names and values
        st.session_state[_pending_key(base)] = replace(pending, refusal=exc, note="")
        st.rerun()
    except InvalidInput as exc:
        show_invalid(exc)
        return
    _close(base, pending)
    flash(message)
    st.rerun()


def choices(base: str) -> None:
    """The refusal held for ``base``, in words, with the person's choices; nothing when none is held."""
    pending: Pending | None = st.session_state.get(_pending_key(base))
    if pending is None:
        return
    zone = reader_zone()
    lines = "\n".join(f"- {plain(s)}" for s in pending.refusal.sentences(zone))
    note = f"{plain(pending.note)} " if pending.note else ""
    with st.container(border=True, key=f"stale_{base}"):
        st.warning(
            f"{note}**Not saved: someone changed this after you opened it.**\n\n{lines}",
            icon=":material/group:",
        )
        c1, c2 = st.columns(2)
        if pending.over is None:
            if c1.button("Reload", key=Keys.stale(base, "reload"), icon=":material/refresh:", type="primary"):
                _close(base, pending)
                st.rerun()
            return
        kept = "Kept theirs." + (" Your other changes are saved." if pending.keep else "")
        if c1.button("Keep theirs", key=Keys.stale(base, "keep"), icon=":material/undo:"):
            if pending.keep is not None:
                keep = pending.keep
                _run(base, pending, lambda s: keep(s, pending.refusal), kept)
            else:
                _close(base, pending)
                flash(kept)
                st.rerun()
        if c2.button("Reload", key=Keys.stale(base, "reload"), icon=":material/refresh:"):
            _close(base, pending)
            st.rerun()
        reason = st.text_input(
            "Why you save yours over theirs",
            key=Keys.stale(base, "reason"),
            max_chars=500,
            placeholder="e.g. the export was re-run with late conversions",
            help="Kept in the history beside their change.",
        )
        if st.button(pending.over_label, key=Keys.stale(base, "over"), type="primary", icon=":material/save_as:"):
            over = pending.over
            _run(
                base,
                pending,
                lambda s: over(s, pending.refusal.overwrite(reason)),
                "Saved over their change; the history shows both, with your reason.",
            )
