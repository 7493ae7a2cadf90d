"""Waiting on a Streamlit page the way a person does: until it has stopped running before clicking or reading.

A click sent while a rerun is still drawing can land on an element that the rerun then replaces, and the click
is lost (seen under CI load: "Revoke" clicked, nothing revoked). Every browser test waits here instead.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect


def settled(page: Page, *, timeout: float = 30_000) -> None:
    """The script has run to its end and nothing is still drawing: what is not shown now will not be."""
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=timeout)
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_attached(timeout=timeout)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=timeout)
