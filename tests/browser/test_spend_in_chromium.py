"""Spend typed into the Log results grid in Chromium, then read on Review as "Does it pay?" (issue 28).

A person picks Spend in the grid, types the pilot arm's spend for the first day as a German export
would write it ("€1.250,00"), saves, and Review leads with the money sentence: what each extra
reply cost, and €1,250 spent so far.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from lib.infra.db import make_engine, transaction, upgrade
from lib.services import results
from lib.vocabulary import SPEND_METRIC
from tests.browser.pages import settled
from tests.factories import ab_pilot, day_rows
from tests.servers import running_server

pytestmark = pytest.mark.browser

FIRST = date.today() - timedelta(days=4)
DAYS = [FIRST + timedelta(days=i) for i in range(3)]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """One A/B pilot with three days of replies logged, and no spend yet."""
    tmp = tmp_path_factory.mktemp("spend")
    db = tmp / "greenlight.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with transaction(engine) as s:
        p = ab_pilot(s, start_date=DAYS[0], end_date=DAYS[-1])
        rows = [r for i, d in enumerate(DAYS) for r in day_rows(d, (400 + i, 20 + i), (410 + 2 * i, 36 + i))]
        results.log_results(s, p.id, rows, "Mia", today=date.today())
    engine.dispose()
    with running_server(tmp, entry="app.py", database_url=f"sqlite:///{db}", user="Ana") as running:
        yield running.url, db


def _spend(db: Path) -> dict[tuple[date, str], float]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            return {(e.day, e.arm): e.total for e in results.current_entries(s, 1) if e.metric == SPEND_METRIC}
    finally:
        engine.dispose()


def _type_cell(page: Page, row: int, value: str) -> None:
    """Type into the Value cell of grid row ``row`` (0 first) as a person does: select, Enter, type, Enter."""
    settled(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    editor = page.locator(".gdg-input")
    for attempt in range(3):  # under load a click can land while the grid is still being drawn: try again
        grid.click(position={"x": 20, "y": 35 + 17})  # the first row's Day cell, below the header
        for _ in range(row):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowRight")  # Arm
        page.keyboard.press("ArrowRight")  # Value
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
    expect(page.get_by_text("1 row(s) changed, not saved yet")).to_be_visible(timeout=30_000)


def test_spend_logged_in_the_grid_leads_review_with_the_money_sentence(page: Page, server):
    url, db = server
    page.goto(f"{url}/log_results")
    settled(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Metric").click()
    page.get_by_role("option", name="Spend").click()
    settled(page)
    expect(page.get_by_text("Money spent per day and arm, in euros")).to_be_visible(timeout=30_000)
    _type_cell(page, 1, "€1.250,00")  # row 1: the first day's pilot arm
    page.get_by_role("button", name="Save grid").click()
    expect(page.get_by_text("1 added")).to_be_visible(timeout=30_000)
    assert _spend(db) == {(DAYS[0], "pilot"): 1250.0}

    settled(page)
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Review", exact=True).click()
    settled(page)
    money = page.get_by_text("Does it pay?").first
    expect(money).to_be_visible(timeout=30_000)
    text = money.locator("xpath=ancestor::*[@data-testid='stMarkdownContainer'][1]").inner_text()
    assert " per extra reply (95%: " in text and "€1,250 of extra spend; €1,250 spent so far" in text, text
    assert page.locator('[data-testid="stException"]').count() == 0
