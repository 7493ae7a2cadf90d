"""Two app replicas on one PostgreSQL database stay coherent: a write on one shows on the other's next run.

Nothing is cached across runs but the engine, so there is no per-process state to go stale: a decision,
a share link and its revocation made through one server are seen through the other.
"""

from __future__ import annotations

import os
import re
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from lib.demo.loader import load_demo
from lib.infra.db import make_engine, transaction, upgrade
from lib.services.share import INVALID_LINK
from tests.browser.pages import decide_on, open_expander, pilot_being_decided, settled
from tests.conftest import create_pg_schema, drop_pg_schema, need_postgres
from tests.servers import free_port as _free_port
from tests.servers import start_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture(scope="module")
def replicas(tmp_path_factory) -> Iterator[tuple[str, str]]:
    base = need_postgres()
    schema, url = create_pg_schema(base)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        load_demo(s)
    engine.dispose()
    logs = tmp_path_factory.mktemp("replicas")
    procs, urls = [], []
    for name in ("a", "b"):
        port = _free_port()
        env = {**os.environ, "GREENLIGHT_DATABASE_URL": url, "GREENLIGHT_USER": f"replica-{name}"}
        args = ["run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1"]
        args += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
        procs.append(start_streamlit(args, env=env, log=logs / f"{name}.log"))
        urls.append(f"http://127.0.0.1:{port}")
    for proc, app in zip(procs, urls, strict=True):
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{app}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"replica {app} did not start")
            time.sleep(0.3)
    yield urls[0], urls[1]
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
    drop_pg_schema(base, schema)


def _open(page: Page, url: str) -> Page:
    page.goto(url)
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=30_000)
    return page


def _fresh(browser: Browser, url: str) -> Page:
    """A fresh browser context: no cookies, no session, as a stakeholder opening an e-mailed link."""
    return _open(browser.new_context().new_page(), url)


def test_a_decision_recorded_on_one_replica_shows_on_the_other(page: Page, replicas):
    a, b = replicas
    page_a = _open(page, f"{a}/review")
    expect(page_a.get_by_role("button", name="Record decision")).to_be_visible(timeout=30_000)
    settled(page_a)
    decided = pilot_being_decided(page_a)
    page_a.get_by_label("Rationale").fill("Recorded on replica A for the coherence test.")
    page_a.get_by_role("button", name="Record decision").click()
    expect(page_a.get_by_text("Decision recorded")).to_be_visible(timeout=30_000)
    page_b = _open(page.context.new_page(), f"{b}/review")  # a second tab, on the other replica
    # A's pilot has left the queue, so B opens on another: picked, B shows A's decision on its first run
    decide_on(page_b, decided)
    expect(page_b.get_by_text("Recorded on replica A for the coherence test.").first).to_be_visible(timeout=30_000)
    expect(page_b.get_by_text("by replica-a").first).to_be_visible()
    page_b.close()


def test_a_share_link_made_on_one_replica_works_on_the_other_until_revoked(browser: Browser, page: Page, replicas):
    a, b = replicas
    page_a = _open(page, f"{a}/pilots")
    expect(page_a.get_by_text("Details for")).to_be_visible(timeout=30_000)
    open_expander(page_a, "Share a read-only link")
    page_a.get_by_role("button", name="Create link").click()
    code = page_a.locator('[data-testid="stCode"]').first
    expect(code).to_be_visible(timeout=30_000)
    token = re.search(r"share=([A-Za-z0-9_\-]+)", code.inner_text()).group(1)
    shared = _fresh(browser, f"{b}/?share={token}")
    expect(shared.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible(timeout=30_000)
    assert INVALID_LINK not in shared.inner_text("body")
    shared.context.close()
    page_a.reload()
    expect(page_a.get_by_text("Details for")).to_be_visible(timeout=30_000)
    open_expander(page_a, "Share a read-only link")  # clicks sent while it still ran or slid open were lost
    page_a.get_by_role("button", name="Revoke").first.click()
    expect(page_a.get_by_text("it no longer opens anything")).to_be_visible(timeout=30_000)
    again = _fresh(browser, f"{b}/?share={token}")
    expect(again.get_by_text(INVALID_LINK)).to_be_visible(timeout=30_000)
    again.context.close()
