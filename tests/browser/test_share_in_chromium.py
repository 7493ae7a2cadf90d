"""A stakeholder's share link in a real browser: the report and nothing else; bad links show one sentence.

The server here has its own demo database (a copy of the demo workspace; the CLI
creates and revokes the links against the same file), so these tests do not
depend on the order of the other browser tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from lib.infra.models import utcnow
from lib.services.share import INVALID_LINK
from tests.browser.pages import settled
from tests.servers import ROOT, running_server

pytestmark = pytest.mark.browser

SCALED = "Question-style subject lines"
OTHER_PILOTS = [
    "LinkedIn carousel ads",
    "Pricing page FAQ",
    "Cold outreach sequence v2",
    "Retargeting budget shift",
    "Instagram reels twice a week",
    "Webinar invite from the CEO",
    "Homepage hero video",
]
INPUTS = (
    'input, textarea, select, [contenteditable="true"], [data-testid="stButton"], '
    '[data-testid="stFormSubmitButton"], [data-testid="stTextInput"], [data-testid="stNumberInput"], '
    '[data-testid="stSelectbox"], [data-testid="stDownloadButton"], [data-testid="stPageLink"]'
)


class DemoServer:
    def __init__(self, url: str, env: dict[str, str], db: Path):
        self.url, self.env, self.db = url, env, db

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "lib.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def new_link(self, *args: str) -> tuple[int, str]:
        path = self.cli("share", "create", *args).strip().splitlines()[-1]
        assert path.startswith("/?share=")
        engine = sa.create_engine(f"sqlite:///{self.db}")  # the newest link's id, read where the CLI wrote it
        with engine.connect() as conn:
            link_id = conn.execute(sa.text("SELECT max(id) FROM share_link")).scalar_one()
        engine.dispose()
        return link_id, path


@contextmanager
def _serve(db: Path, demo: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """app.py served on ``db``, a copy of the ``demo`` workspace; its URL and the CLI's environment."""
    shutil.copyfile(demo, db)
    env = {**os.environ, "GREENLIGHT_DATABASE_URL": f"sqlite:///{db}", "GREENLIGHT_USER": "share-test"}
    with running_server(
        db.parent, entry="app.py", database_url=env["GREENLIGHT_DATABASE_URL"], user="share-test"
    ) as server:
        yield server.url, env


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, _demo_sqlite) -> Iterator[DemoServer]:
    """app.py served on its own demo database; the CLI works on the same file."""
    db = tmp_path_factory.mktemp("share") / "greenlight.db"
    with _serve(db, _demo_sqlite) as (url, env):
        yield DemoServer(url, env, db)


def _open(browser: Browser, url: str) -> Page:
    """A fresh browser context: no cookies, no session, as a stakeholder opening an e-mailed link."""
    page = browser.new_context().new_page()
    page.goto(url)
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=30_000)
    return page


def _assert_neutral_only(page: Page) -> None:
    expect(page.get_by_text(INVALID_LINK)).to_be_visible(timeout=30_000)
    settled(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.inner_text().strip() == INVALID_LINK
    html = page.content()
    for name in [SCALED, *OTHER_PILOTS]:
        assert name not in html, name
    assert page.locator('[data-testid="stVegaLiteChart"], [data-testid="stTable"]').count() == 0
    assert page.locator('[data-testid="stSidebar"], [data-testid="stSidebarNav"]').count() == 0
    assert page.locator(INPUTS).count() == 0


def test_a_share_link_shows_the_report_alone_until_revoked(browser: Browser, demo_server: DemoServer):
    link_id, path = demo_server.new_link("--pilot", SCALED, "--label", "Sales leadership")
    page = _open(browser, demo_server.url + path)
    expect(page.get_by_role("heading", name=SCALED)).to_be_visible(timeout=30_000)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible(timeout=30_000)
    expect(chart.locator("svg, canvas").first).to_be_attached(timeout=30_000)
    # the demo's scaled pilot is decided: its report leads with the decision (the pilot page's headline)
    expect(page.get_by_role("heading", name="Decided: scale it")).to_be_visible()
    expect(page.locator('[data-testid="stTable"]').first).to_be_visible()
    expect(page.get_by_text("that the pilot is higher").first).to_be_visible()  # in "For analysts"
    settled(page)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert page.locator('[data-testid="stSidebar"]').count() == 0
    assert page.locator(INPUTS).count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    text, html = page.locator("body").inner_text(), page.content()
    for name in OTHER_PILOTS:
        assert name not in text and name not in html, name
    assert "sqlite" not in html.lower() and str(demo_server.db) not in html
    opens = {r["id"]: r["opens"] for r in json.loads(demo_server.cli("share", "list", "--format", "json"))}
    assert opens[link_id] == 1
    page.context.close()

    demo_server.cli("share", "revoke", str(link_id))
    again = _open(browser, demo_server.url + path)
    _assert_neutral_only(again)
    again.context.close()


def test_forged_truncated_expired_and_deep_linked_tokens_show_only_the_neutral_message(
    browser: Browser, demo_server: DemoServer
):
    _, path = demo_server.new_link("--pilot", SCALED)
    token = path.removeprefix("/?share=")
    expired_id, expired_path = demo_server.new_link("--pilot", SCALED, "--expires", "1")
    engine = sa.create_engine(f"sqlite:///{demo_server.db}")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE share_link SET expires_at = :t WHERE id = :i"),
            {"t": utcnow() - timedelta(minutes=1), "i": expired_id},
        )
    engine.dispose()
    forged = token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
    for url in (
        f"/?share={forged}",
        f"/?share={token[:24]}",
        expired_path,
        "/review?share=x&readonly=1",
        "/?share=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ):
        page = _open(browser, demo_server.url + url)
        _assert_neutral_only(page)
        page.context.close()


def test_a_crafted_deep_link_as_the_first_request_of_a_fresh_server_is_still_share_mode(
    browser: Browser, tmp_path, _demo_sqlite
):
    with _serve(tmp_path / "fresh.db", _demo_sqlite) as (url, _):
        page = _open(browser, url + "/review?share=x&readonly=1")
        _assert_neutral_only(page)
        page.context.close()
