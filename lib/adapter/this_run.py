"""What one page run asks the database once: the workspace version every shared cache is keyed by.

A warm Review asked it five times (the portfolio, the spend, the currency, the decision log…), each
in its own read session: on SQLite that was a fifth of the run's database time. A run reads it on
its first ask and keeps it until the run ends; a write in the run forgets it (``session.write``),
so whatever the same run shows after a write is read again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

T = TypeVar("T")
_MEMOS: dict[str, tuple[object, dict[str, Any]]] = {}  # session id → (the run's marker, what it asked)
_MAX_SESSIONS = 1024
_LOCK = threading.Lock()


def _memo() -> dict[str, Any] | None:
    """This run's answers, or None outside a page run (a download built later, a test calling in)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    marker = ctx.cursors  # Streamlit gives every run (and every fragment run) a new dict here
    with _LOCK:
        held = _MEMOS.get(ctx.session_id)
        if held is not None and held[0] is marker:
            return held[1]
        if len(_MEMOS) >= _MAX_SESSIONS:  # sessions that have gone: forget them all, the live ones ask again
            _MEMOS.clear()
        memo: dict[str, Any] = {}
        _MEMOS[ctx.session_id] = (marker, memo)
        return memo


def once(name: str, ask: Callable[[], T]) -> T:
    """``ask()`` the first time this run needs ``name``; the same answer for the rest of the run."""
    memo = _memo()
    if memo is None:
        return ask()
    if name not in memo:
        memo[name] = ask()
    return memo[name]


def forget() -> None:
    """After a write: the rest of this run reads the database again."""
    memo = _memo()
    if memo is not None:
        memo.clear()
