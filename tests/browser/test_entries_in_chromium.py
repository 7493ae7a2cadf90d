"""Entries as a person makes them in Chromium: signed with the one name they gave, typos refused in place."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from lib.formatting import fmt_date
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
        page.get_by_label(f"Sent · {arm} · reply_rate + unsubscribe_rate", exact=True).fill(str(sent))
        page.get_by_label(f"Replies · {arm} · reply_rate", exact=True).fill(str(replies))
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
    expect(page.get_by_label("Sent · pilot · reply_rate + unsubscribe_rate", exact=True)).to_have_value(
        "410"
    )  # typed, kept
    page.get_by_role("button", name="Save day").click()
    expect(page.get_by_text("Saved 2 value(s)")).to_be_visible(timeout=30_000)
    assert sorted(e.created_by for e in _entries(url)) == ["Nia New", "Nia New"]


def _type_in_cell(page: Page, column: int, value: str, changed: str) -> None:
    """Type into the first row's cell of grid column ``column`` (0 is Day) as a person does: select it,
    Enter, replace the text, Enter; ``changed`` is the note the page shows once the edit is in."""
    settled(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    editor = page.locator(".gdg-input")  # a text cell edits in a textarea
    for attempt in range(3):  # under load a click can land while the grid is still being drawn: try again
        grid.click(position={"x": 20, "y": 35 + 17})  # the first row's Day cell, below the header
        for _ in range(column):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            expect(editor).to_be_focused(timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            settled(page)
    editor.fill(value)
    editor.press("Enter")
    expect(page.get_by_text(changed)).to_be_visible(timeout=30_000)


def test_typos_in_the_email_grid_are_named_marked_in_place_and_nothing_is_saved(page: Page, nameless):
    base, url = nameless
    before = sorted((e.metric, e.arm, e.day, e.n, e.total) for e in _entries(url))
    _open_log_results(page, base)
    ask = page.get_by_test_id("stVerticalBlock").filter(has_text="Who is working?").last
    ask.get_by_label("Your name", exact=True).fill("Tom Typo")
    ask.get_by_role("button", name="Continue").click()
    settled(page)
    # the email pilot's grid: Sent typed once for both rates, then Replies and Unsubscribes
    metric = page.get_by_role("combobox", name="Metric")
    expect(metric).to_have_value("Reply rate and unsubscribe rate (one Sent column)")
    first = date.today() - timedelta(days=5)  # the pilot's first day: the grid's first row, control
    _type_in_cell(page, 2, "3O0", "1 row(s) changed, not saved yet")  # Sent: a letter O for a zero
    _type_in_cell(page, 3, "twelve", "1 row(s) changed, not saved yet")  # Replies: a word
    where = f"{first.day} {first:%b} · control"
    expect(page.get_by_text("2 cell(s) are not numbers")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"{where} · Sent: '3O0' is not a number")).to_be_visible()
    expect(page.get_by_text(f"{where} · Replies: 'twelve' is not a number")).to_be_visible()
    marked = page.get_by_role("table").filter(has_text="Unsubscribes")  # the row as typed, each bad cell marked
    expect(marked.get_by_role("columnheader")).to_have_text(["Day", "Arm", "Sent", "Replies", "Unsubscribes"])
    expect(marked.get_by_role("cell")).to_have_text([fmt_date(first), "control", "⚠ 3O0", "⚠ twelve", ""])
    settled(page)
    page.get_by_role("button", name="Save grid").click()
    expect(page.get_by_text("Nothing was saved: correct the cells marked above")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"{where} · Sent: '3O0' is not a number")).to_be_visible()  # still there to fix
    assert sorted((e.metric, e.arm, e.day, e.n, e.total) for e in _entries(url)) == before  # nothing written
    assert page.locator('[data-testid="stException"]').count() == 0
