"""A real Streamlit server on a free port, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import IN_CI
from tests.servers import running_server

# Debian's chromium-headless-shell is the same Chromium build (Blink, V8) without the desktop shell: what
# Playwright itself runs headless. It draws a page for about a third less CPU than the full browser (a suite
# of 23 browser tests: 170 s → 120 s on two cores); the full browser stays the fallback.
HEADLESS_SHELL, FULL_BROWSER = "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"
CHROMIUM = os.environ.get("GREENLIGHT_CHROMIUM") or (
    HEADLESS_SHELL if Path(HEADLESS_SHELL).exists() or not Path(FULL_BROWSER).exists() else FULL_BROWSER
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}: under CI the browser tests must run.")
        pytest.skip(f"Browser tests need Chromium at {CHROMIUM} (the README's test command installs it).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            # V8 compiles and collects on the page's own thread instead of helper threads: the same pages for
            # about a tenth less of Chromium's CPU (three browser files: 51 → 46 s and 46 → 41 s, paired runs)
            "--js-flags=--single-threaded",
        ],
    }


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """One tab for a whole file, each test opening its page by its address (a new session on the server, as a
    reload is). Chromium drew a page in a fresh browser context for twice the CPU of a load in the same tab.
    Tests about a fresh visitor (share links, sign-in, cookies) open contexts of their own."""
    context = browser.new_context()
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(autouse=True)
def _contexts_closed_after_each_test(request) -> Iterator[None]:
    """What a test opened in the browser is closed when it ends. The browser lives as long as the worker, and
    a tab left open outlives its server: it then keeps drawing "Connecting" in the background for the rest
    of the run. A file's one tab (``page``) is opened before its first test starts, so it stays."""
    if not {"browser", "page"} & set(request.fixturenames):
        yield
        return
    browser = request.getfixturevalue("browser")
    before = list(browser.contexts)
    yield
    for context in browser.contexts:
        if context not in before:
            context.close()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> Iterator[str]:
    """Serve app.py on an empty SQLite file; wait until /_stcore/health says ok."""
    with running_server(tmp_path_factory.mktemp("browser"), entry="app.py", user="browser-test") as server:
        yield server.url
