"""Waiting on a Streamlit page the way a person does: until it has stopped moving before clicking or reading.

Under CI load two kinds of click were lost: one sent while a rerun was still drawing (the element it hit was
replaced), and one on a button inside an expander that was still sliding open (the press and the release
landed on different elements, so no click). Every browser test waits here instead.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

# Finite animations (an expander sliding open, a toast) still running; endless ones (a spinner) are not waited on.
_MOVING = """() => document.getAnimations().filter(a => a.playState === 'running'
    && a.effect && a.effect.getComputedTiming().iterations !== Infinity).length === 0"""


def settled(page: Page, *, timeout: float = 30_000) -> None:
    """The script has run to its end and nothing is still drawing or moving: what is not shown now will not be."""
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=timeout)
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_attached(timeout=timeout)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=timeout)
    page.wait_for_function(_MOVING, timeout=timeout)


def open_expander(page: Page, label: str) -> None:
    """Click an expander's title and wait until it has finished sliding open."""
    settled(page)
    page.get_by_text(label, exact=True).click()
    expect(page.locator("details[open]").filter(has_text=label).first).to_be_attached()
    settled(page)


def pilot_being_decided(page: Page) -> str:
    """The pilot Review decides below its queue, from the "Deciding: …" heading."""
    settled(page)
    return page.locator("#deciding").inner_text().split("Deciding:", 1)[1].strip()


def decide_on(page: Page, name: str) -> None:
    """Review: pick ``name`` as the pilot being decided (the picker is filtered by typing: the list scrolls)."""
    settled(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Pilot being decided").click()
    page.keyboard.type(name)
    page.get_by_role("option", name=name).first.click()
    settled(page)
    expect(page.locator("#deciding")).to_contain_text(f"Deciding: {name}")
