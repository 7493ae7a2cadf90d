"""Greenlight's server: ``app.py`` behind a Host check, with one plain sentence instead of any traceback.

Start it with ``streamlit run serve.py`` (``scripts/run.sh`` and the Docker
image do). Streamlit sees the ``st.App`` below and serves ``app.py`` through it,
exactly as ``streamlit run app.py`` would, except that:

- in local mode (no ``[auth]`` in secrets) every request, plain HTTP and the
  ``/_stcore/stream`` websocket alike, must be addressed to localhost,
  127.0.0.1 or the configured address, else it gets 403 (``lib/host_guard.py``
  says why: DNS rebinding);
- an uncaught error shows one sentence; its traceback goes to the server log
  only (Streamlit logs it before calling ``_one_sentence``);
- a deep link (``/review``) runs through ``app.py`` from the very first request:
  Streamlit's legacy mode that runs ``pages/*.py`` on their own is off before
  any session starts (``lib.adapter.session`` does the same lazily, for
  ``streamlit run app.py`` and AppTest).
"""

from __future__ import annotations

import os
import socket
import threading

import streamlit as st
from starlette.middleware import Middleware
from streamlit import config

from lib.infra.host_guard import HostGuard, HostPolicy, local_policy

ERROR_SENTENCE = (
    "Something went wrong on the server and this page could not finish; "
    "the details are in the server's log for whoever runs Greenlight."
)


def _sign_in_configured() -> bool:
    """Whether secrets hold an ``[auth]`` section, as ``lib.adapter.session.sign_in_configured`` reads it.

    That module belongs to page runs (importing it may rerun the script), so it is
    not imported here. Unlike it, an unreadable secrets file counts as local mode:
    the Host list stays on.
    """
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - FileNotFoundError (no secrets: local mode) or a broken file
        return False


def served_address() -> str:
    """The address people type: the proxy's when ``scripts/serve_team.sh`` runs this replica behind one.

    A replica listens on 127.0.0.1 and HAProxy passes each request's ``Host``
    through unchanged, so the names to answer to are those of the proxy's bind
    (``GREENLIGHT_PROXY_ADDRESS``), not the replica's own.
    """
    return os.environ.get("GREENLIGHT_PROXY_ADDRESS") or str(config.get_option("server.address") or "")


def host_policy() -> HostPolicy | None:
    """None (no Host list) with sign-in; otherwise the names a local-mode server answers to."""
    extra = list(config.get_option("server.allowedHosts") or [])
    if _sign_in_configured() and (not extra or "*" in extra):
        return None
    return local_policy(served_address(), extra, [socket.gethostname()])


def _host_guard(asgi_app):
    """Built when the server starts (config and secrets loaded by then), wrapping every route."""
    return HostGuard(asgi_app, host_policy())


def _one_sentence(_exc: Exception) -> bool:
    st.error(ERROR_SENTENCE, icon=":material/error:")
    return True  # no Streamlit error box: not even the exception's type reaches the browser


def _pages_only_through_app_py() -> None:
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the legacy mode
        return
    PagesManager.uses_pages_directory = False


def _preload() -> None:
    """Import what every first page needs before the server says it is up, not after a person asks.

    A cold server's first Home paid about 1.5 s of imports (scipy, pandas, SQLAlchemy, Alembic)
    after the browser asked for it. Importing them in a background thread did not help: the
    thread held the interpreter while the same process served the frontend's files. So the
    server starts about 1.5 s later and its first visitor waits that much less.
    """
    import importlib

    for name in (
        "pandas",
        "sqlmodel",
        "lib.infra.db",
        "lib.services.portfolio",
        "lib.services.rollup",
        "lib.services.goals",
        "lib.services.workspace",
    ):
        importlib.import_module(name)


def _without_nagle() -> None:
    """Every connection with TCP_NODELAY, as asyncio means to give it: a page run arrives in one piece.

    asyncio sets TCP_NODELAY on each TCP transport, but only when the socket's protocol field says
    TCP, and Streamlit binds its listening socket with protocol 0: every websocket ran with Nagle's
    algorithm, so after a run's first small message the rest waited for the browser's delayed ACK
    (40 ms on Linux), half of a warm Review run here (bench/bench_page_runs.py). The check is
    widened to any TCP stream socket; the listening socket is bound before this module loads.
    """
    import asyncio.base_events as base_events

    def set_nodelay(sock: socket.socket) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    if hasattr(socket, "TCP_NODELAY") and hasattr(base_events, "_set_nodelay"):
        base_events._set_nodelay = set_nodelay


def _steady_collector() -> None:
    """Keep the cyclic garbage collector off what is loaded once and lives as long as the process.

    Under bench_load the collector took 0.8 ms of each page run's CPU (6 %): every full collection
    walked the 270,000 objects the imports made (Streamlit, pandas, SQLAlchemy, scipy), and a young
    collection every 700 allocations promoted a run's short-lived objects into the generations that
    are walked again. Freezing after the imports leaves those out of every collection (objects still
    die by reference counting), and collecting the young generation every 10,000 allocations lets a
    run's objects die young: 0.15 ms a run.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _theme_read_once() -> None:
    """Read the theme's options once per parsed config, not six times on every page run.

    Every run starts with a message that carries the theme, and Streamlit builds it by walking all of
    its ~250 config options once per theme section (six: light, dark, their sidebars...): 6.7 % of the
    server's CPU under bench_load (bench/profile_server.py). Theme options are not settable from a
    script; Streamlit does reparse the config when its file changes, and each reparse empties the copy.
    A read that a reparse overtakes is used once and not kept (the parse counter below), so an edited
    theme is never hidden behind the old one.
    """
    get_options = getattr(config, "get_options_for_section", None)
    on_parsed = getattr(config, "on_config_parsed", None)
    if get_options is None or on_parsed is None:  # a future Streamlit: leave it as it is
        return
    read: dict[str, dict[str, object]] = {}
    parses = [0]
    lock = threading.Lock()

    def forget() -> None:
        with lock:
            read.clear()
            parses[0] += 1

    def options_for_section(section: str) -> dict[str, object]:
        with lock:
            options, seen = read.get(section), parses[0]
        if options is None:
            options = get_options(section)
            with lock:
                if parses[0] == seen:  # no reparse since before the read: these are the current options
                    read[section] = options
        return dict(options)  # the caller's own copy, as before

    on_parsed(forget, force_connect=True)
    config.get_options_for_section = options_for_section


_pages_only_through_app_py()
_without_nagle()
_theme_read_once()
_preload()
_steady_collector()
app = st.App("app.py", middleware=[Middleware(_host_guard)], on_script_error=_one_sentence)
