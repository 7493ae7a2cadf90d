"""Two people, one value, in a real browser: two Chromium contexts on one server (issue 23).

Ana and Ben both open Log results on the same day's grid. Ana corrects the
control's Sent 32 → 39 and saves; Ben's grid, opened before, still shows 32:
his 132 is refused with the sentence naming Ana's change, theirs beside his, in
his own time zone, and nothing is written. Keeping theirs shows her 39; saving his
over hers with a reason writes his value as a correction, history showing both.
A typo typed into the same cell ("3O0") is named by day · arm · column and nothing is saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from lib.infra.db import make_engine, transaction, upgrade
from lib.services import results
from lib.services.conflicts import day_month
from tests.browser.pages import settled
from tests.factories import ab_pilot, day_rows
from tests.servers import running_server

pytestmark = pytest.mark.browser

DAY = date.today() - timedelta(days=3)  # the pilot's one day: the grid shows it alone, control first
ZONE = "Europe/Madrid"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A server of its own on a SQLite file holding one A/B pilot whose control shows 32 sent."""
    tmp = tmp_path_factory.mktemp("stale")
    db = tmp / "greenlight.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with transaction(engine) as s:
        p = ab_pilot(s, start_date=DAY, end_date=DAY)
        results.log_results(s, p.id, day_rows(DAY, control=(32, 3), pilot=(35, 4)), "Mia", today=DAY)
    engine.dispose()
    with running_server(tmp, entry="app.py", database_url=f"sqlite:///{db}", user="nobody") as running:
        yield running.url, db


def _control(db: Path) -> tuple[float, str]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            entry = next(e for e in results.current_entries(s, 1) if e.arm == "control")
            return entry.n, entry.created_at.astimezone(ZoneInfo(ZONE)).strftime("%H:%M")
    finally:
        engine.dispose()


def _person(browser: Browser, url: str, name: str) -> Page:
    """A tab of its own (its own session and time zone) on Log results, signed with ``name``."""
    page = browser.new_context(timezone_id=ZONE).new_page()
    page.goto(f"{url}/log_results")
    settled(page)
    who = page.get_by_role("textbox", name="Your name")
    who.fill(name)
    who.press("Enter")
    settled(page)
    expect(page.get_by_role("button", name="Save grid")).to_be_visible(timeout=30_000)
    return page


def _type_exposures(page: Page, value: int | str) -> None:
    """Type into the control row's Sent cell as a person does: select it, Enter, replace the figure, Enter."""
    page.bring_to_front()  # two people, two windows: the one typing is in front (the grid draws only there)
    settled(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    editor = page.locator(".gdg-input")  # a text cell edits in a textarea, a number cell in an input
    for attempt in range(3):  # under load a click can land while the grid is still being drawn: try again
        grid.click(position={"x": 20, "y": 35 + 17})  # the first row's Day cell, below the header
        page.keyboard.press("ArrowRight")  # Arm
        page.keyboard.press("ArrowRight")  # Sent (an email pilot's rates are per email sent)
        page.keyboard.press("Enter")  # opens the cell's editor
        try:
            expect(editor).to_be_focused(timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            settled(page)
    editor.fill(str(value))
    editor.press("Enter")  # commits: the page runs again and says an edit waits
    expect(page.get_by_text("1 row(s) changed, not saved yet")).to_be_visible(timeout=30_000)


def _shown(sentence: str) -> re.Pattern:
    """The sentence as the page draws it: what people type is shown inert, a word joiner after each colon."""
    return re.compile(re.escape(sentence).replace(":", ":\u2060?"))


def _save(page: Page) -> None:
    page.bring_to_front()
    settled(page)  # under load the run that drew the edit may still hold the previous run's grid beside the new one
    page.get_by_role("button", name="Save grid").click()


def test_a_stale_grid_save_is_refused_with_the_sentence_then_keep_theirs_or_save_over_with_a_reason(
    browser: Browser, server
):
    url, db = server
    ben = _person(browser, url, "Ben")  # Ben's grid opens first: it shows 32
    ana = _person(browser, url, "Ana")
    _type_exposures(ana, 39)
    _save(ana)
    expect(ana.get_by_text("1 corrected")).to_be_visible(timeout=30_000)
    n, at = _control(db)
    assert n == 39
    _type_exposures(ben, 132)  # his grid still shows 32: that is what he typed over
    _save(ben)
    sentence = (
        f"Ana changed sent for {day_month(DAY)} · control to 39 at {at}, after you opened this grid; you typed 132."
    )
    expect(ben.get_by_text(_shown(sentence))).to_be_visible(timeout=30_000)
    assert _control(db)[0] == 39  # nothing of Ben's was written

    ben.get_by_role("button", name="Keep theirs").click()  # the grid opens again on her value
    expect(ben.get_by_text("Kept theirs.")).to_be_visible(timeout=30_000)
    expect(ben.get_by_text(_shown(sentence))).to_have_count(0)
    assert _control(db)[0] == 39

    _type_exposures(ana, 41)  # again, and this time Ben saves his over hers on purpose
    _save(ana)
    expect(ana.get_by_text("1 corrected")).to_be_visible(timeout=30_000)
    _type_exposures(ben, 140)
    _save(ben)
    n, at = _control(db)
    expect(ben.get_by_text(_shown(f"Ana changed sent for {day_month(DAY)} · control to 41 at {at}"))).to_be_visible(
        timeout=30_000
    )
    ben.get_by_role("textbox", name="Why you save yours over theirs").fill("the export was re-run with late visits")
    ben.get_by_role("button", name="Save mine over theirs").click()
    expect(ben.get_by_text("Saved over their change")).to_be_visible(timeout=30_000)
    assert _control(db)[0] == 140
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        lines = [(h.actor, h.before, h.after, h.reason) for h in results.history(s, 1)][:2]
    engine.dispose()
    assert lines == [
        (
            "Ben",
            "n=41, total=3",
            "n=140, total=3",
            "saved over Ana's change on purpose: the export was re-run with late visits",
        ),
        ("Ana", "n=39, total=3", "n=41, total=3", "corrected in the grid"),
    ]
    assert ben.locator('[data-testid="stException"]').count() == 0


def test_a_typo_in_a_grid_cell_is_refused_naming_the_cell_and_nothing_is_saved(browser: Browser, server):
    url, db = server
    before = _control(db)
    cleo = _person(browser, url, "Cleo")
    _type_exposures(cleo, "3O0")  # a letter O for a zero: the number editor used to save 30
    problem = _shown(f"{day_month(DAY)} · control · Sent: '3O0' is not a number")
    expect(cleo.get_by_text("1 cell(s) are not numbers")).to_be_visible(timeout=30_000)  # as soon as typed
    expect(cleo.get_by_text(problem)).to_be_visible(timeout=30_000)
    _save(cleo)
    expect(cleo.get_by_text("Nothing was saved: correct the cells marked above")).to_be_visible(timeout=30_000)
    expect(cleo.get_by_text(problem)).to_be_visible()  # still listed: the typed text stays in the grid to fix
    assert _control(db) == before  # nothing written: same value, same entry time
    assert cleo.locator('[data-testid="stException"]').count() == 0
