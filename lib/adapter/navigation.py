"""The app's page list, made once per process and copied for each run.

``st.Page`` resolves its file on the disk, checks it exists and infers a name every time it is
made, and ``app.py`` made nine on every run of every page: 5 % of the server's CPU under
bench_load. The pages are made on the first run; each later run gets copies, because
``st.navigation`` marks the page it returns (and the default) on the object itself, and two
sessions running at once must not share those marks. An edited page list makes a new set: the
key is the code that makes it (two compilations of the same source compare equal).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

P = TypeVar("P")
_MADE: dict[Hashable, dict[str, list]] = {}
_MAX = 16
_LOCK = threading.Lock()


def reused_pages(make: Callable[[], dict[str, list[P]]]) -> dict[str, list[P]]:
    """``make()``'s sections of ``st.Page`` objects: made once per entry script and page list, copied per run."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return make()
    key = (str(ctx.main_script_parent), make.__code__)
    with _LOCK:
        made = _MADE.get(key)
    if made is None:
        made = make()
        with _LOCK:
            if len(_MADE) >= _MAX:
                _MADE.clear()
            _MADE[key] = made
    return {section: [copy.copy(page) for page in pages] for section, pages in made.items()}
