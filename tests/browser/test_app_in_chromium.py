"""The app as a person sees it: served by Streamlit, clicked in Chromium."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_health_endpoint_answers_ok(app_url):
    assert urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=5).read() == b"ok"


def test_demo_loads_with_one_click_and_review_shows_a_verdict(page: Page, app_url):
    page.goto(app_url)
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=30_000)
    expect(page.get_by_text("your workspace is empty")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Load demo workspace").click()
    expect(page.get_by_text("Demo loaded")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Pilots running")).to_be_visible()
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Review", exact=True).click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Recommendation:").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Decisions so far")).to_be_visible()
