"""Review and the stakeholder report read one story, in Chromium (issue 25, items 1 and 2).

- Review: the "Needs a decision today" card's pilot is the pilot whose verdict and form follow; "Review and
  decide" switches to its pilot and takes the person to it; the form and its button name the pilot.
- The report of a pilot decided against its recommendation, opened from a share link in a fresh browser,
  leads with the decision and the reason it overrode the numbers; p-values come last, for analysts.

One demo server of its own (on a copy of the demo workspace; the CLI creates the link against the same file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import settled
from tests.servers import ROOT, running_server

pytestmark = pytest.mark.browser

QUEUED = "Pricing page FAQ"  # the demo's one pilot waiting for a decision (its check-in is due)
OTHER = "Cold outreach sequence v2"  # first in the picker: the pilot shown under the card before the fix
OVERRIDE = "Sales asked for the FAQ on every pricing page before the quarter closes."


@pytest.fixture(scope="module")
def demo(tmp_path_factory, _demo_sqlite) -> Iterator[tuple[str, dict[str, str]]]:
    db = tmp_path_factory.mktemp("review_story") / "greenlight.db"
    shutil.copyfile(_demo_sqlite, db)
    env = {**os.environ, "GREENLIGHT_DATABASE_URL": f"sqlite:///{db}", "GREENLIGHT_USER": "story-test"}
    with running_server(db.parent, entry="app.py", database_url=env["GREENLIGHT_DATABASE_URL"], user="story-test") as s:
        yield s.url, env


def _deciding(page: Page):
    return page.locator("#deciding")


def _card_button(page: Page, name: str):
    """The queue card's button (one card: the demo queues one pilot), by what it says."""
    return page.locator('[class*="st-key-queue_pick_"]').get_by_role("button", name=name)


def test_the_card_is_the_pilot_decided_and_the_report_leads_with_the_decision(browser: Browser, demo):
    url, env = demo
    page = browser.new_context(viewport={"width": 1400, "height": 700}).new_page()
    page.goto(url + "/review")
    expect(page.get_by_role("heading", name="Needs a decision today (1)")).to_be_visible(timeout=60_000)
    settled(page)
    who = page.get_by_role("textbox", name="Your name")  # the one name every write is signed with
    who.fill("Lea Novak")
    who.press("Enter")
    settled(page)

    # on arrival: the card's pilot is the pilot being decided, named in the form's title and its button
    card = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=f"{QUEUED} — ")
    expect(card.first).to_be_visible()
    expect(_card_button(page, "Being decided below")).to_be_visible()
    expect(_deciding(page)).to_contain_text(f"Deciding: {QUEUED}")
    expect(page.get_by_role("button", name=f"Record decision for {QUEUED}")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name=f"Record the decision for {QUEUED}")).to_be_attached()
    assert page.get_by_role("button", name=f"Record decision for {OTHER}").count() == 0

    # another pilot picked: the card no longer says it is the one below, and offers to switch back
    page.get_by_test_id("stSelectbox").filter(has_text="Pilot being decided").click()
    page.keyboard.type(OTHER)  # the list is long enough to scroll: filter it to the one pilot
    page.get_by_role("option", name=f"{OTHER} (running)").click()
    settled(page)
    expect(_deciding(page)).to_contain_text(f"Deciding: {OTHER}")
    expect(page.get_by_role("button", name=f"Record decision for {OTHER}")).to_be_attached()
    pick = _card_button(page, "Review and decide")
    expect(pick).to_be_visible()

    # "Review and decide": that pilot is decided below, and the page has taken the person to it
    page.get_by_text("Decisions so far").scroll_into_view_if_needed()
    pick.scroll_into_view_if_needed()
    pick.click()
    settled(page)
    expect(_deciding(page)).to_contain_text(f"Deciding: {QUEUED}")
    expect(_deciding(page)).to_be_in_viewport(timeout=10_000)
    expect(_card_button(page, "Being decided below")).to_be_attached()
    expect(_card_button(page, "Being decided below")).not_to_be_in_viewport()

    # a decision against the numbers ("keep running"), with the reason it overrides them
    form = page.get_by_test_id("stForm")
    form.get_by_text("Scale it", exact=True).click()
    form.get_by_label("Rationale").fill("Good enough for the pricing pages.")
    form.get_by_label("If you decide against the recommendation: why").fill(OVERRIDE)
    page.get_by_role("button", name=f"Record decision for {QUEUED}").click()
    expect(page.get_by_text(f"Decision recorded for “{QUEUED}”")).to_be_visible(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.context.close()

    # the stakeholder's link, in a fresh browser: the decision and its reason lead, the statistics come last
    done = subprocess.run(
        [sys.executable, "-m", "lib.cli", "share", "create", "--pilot", QUEUED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    path = done.stdout.strip().splitlines()[-1]
    report = browser.new_context().new_page()
    report.goto(url + path)
    expect(report.get_by_role("heading", name=QUEUED)).to_be_visible(timeout=60_000)
    settled(report)
    headings = [h.strip() for h in report.locator("h4").all_inner_texts()]
    assert headings[:3] == ["Decided: scale it", "Decision", "What the numbers say"], headings
    assert headings[-1] == "For analysts", headings
    text = report.locator('[data-testid="stMain"]').inner_text()
    assert text.index(OVERRIDE) < text.index("What the numbers say") < text.index("p-value")
    assert "Against the recommendation to keep running" in text and "Lea Novak" in text
    assert "Recommendation: Keep running" not in text and "Log results" not in text
    report.context.close()
