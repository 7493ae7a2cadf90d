"""A deep link as the very first request of a fresh server still runs behind app.py.

Streamlit finds the ``pages/`` folder by itself and, until some visitor has run
``app.py``, would serve ``/review`` straight from ``pages/review.py``: no
sidebar, no sign-in gate. Each test starts its own server so nothing has run
before the link is opened, both the way run.sh serves (``serve.py``) and the
bare ``streamlit run app.py``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.servers import running_server

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("entry", ["serve.py", "app.py"])
@pytest.mark.parametrize(("path", "heading"), [("review", "Review"), ("settings", "Settings")])
def test_a_deep_link_opened_first_shows_app_py_s_sidebar_and_navigation(
    browser: Browser, tmp_path, entry, path, heading
):
    with running_server(tmp_path, entry=entry) as server:
        page = browser.new_context().new_page()
        page.goto(f"{server.url}/{path}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=30_000)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Local mode")).to_be_visible(timeout=30_000)  # drawn by app.py only
        expect(sidebar.get_by_role("textbox", name="Your name")).to_have_value("server-test")
        nav = page.get_by_test_id("stSidebarNavItems")
        for title in ("Home", "Goals", "Pilots", "Log results", "Review", "Settings"):  # app.py's st.navigation
            expect(nav.get_by_role("link", name=title, exact=True)).to_be_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "Uncaught" not in server.log_text()
        page.context.close()
