"""Entries as a person makes them in Chromium: signed with the one name they gave, typos refused in place."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from lib.infra.db import make_engine, transaction, upgrade
from lib.infra.models import ResultEntry
from tests import factories
from tests.browser.pages import settled
from tests.servers import running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def nameless(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """A running A/B pilot, served with no default name (no ``GREENLIGHT_USER``): "Your name" starts empty."""
    tmp = tmp_path_factory.mktemp("entries")
    url = f"sqlite:///{tmp / 'entries.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        factories.ab_pilot(s, start_date=date.today() - timedelta(days=5), end_date=date.today() + timedelta(days=20))
    engine.dispose()
    with running_server(tmp / "server", entry="app.py", database_url=url, user="") as server:
        yield server.url, url


def _entries(url: str) -> list[ResultEntry]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return list(s.exec(select(ResultEntry)).all())
    finally:
        engine.dispose()


def _open_log_results(page: Page, base: str) -> None:
    page.goto(f"{base}/log_results")
    expect(page.get_by_role("heading", name="Log results")).to_be_visible(timeout=30_000)
    settled(page)


def test_an_entry_made_with_no_name_asks_for_one_first(page: Page, nameless):
    base, url = nameless
    _open_log_results(page, base)
    ask = page.get_by_test_id("stVerticalBlock").filter(has_text="Who is working?").last
    expect(ask).to_be_visible()  # asked above the page before anything is written
    page.get_by_role("tab", name="Enter one day").click()
    for arm, (sent, replies) in {"control": (400, 24), "pilot": (410, 33)}.items():
        page.get_by_label(f"Exposures · {arm} · reply_rate", exact=True).fill(str(sent))
        page.get_by_label(f"Conversions · {arm} · reply_rate", exact=True).fill(str(replies))
    page.get_by_role("button", name="Save day").click()
    settled(page)
    expect(page.get_by_text("Your name: is required").first).to_be_visible()
    assert _entries(url) == []  # refused: nothing recorded without a name

    ask.get_by_label("Your name", exact=True).fill("Nia New")
    ask.get_by_role("button", name="Continue").click()
    settled(page)
    expect(page.get_by_text("Who is working?")).to_have_count(0)  # asked once
    expect(page.get_by_test_id("stSidebar").get_by_label("Your name", exact=True)).to_have_value("Nia New")
    page.get_by_role("tab", name="Enter one day").click()
    expect(page.get_by_label("Exposures · pilot · reply_rate", exact=True)).to_have_value("410")  # typed, kept
    page.get_by_role("button", name="Save day").click()
    expect(page.get_by_text("Saved 2 value(s)")).to_be_visible(timeout=30_000)
    assert sorted(e.created_by for e in _entries(url)) == ["Nia New", "Nia New"]
