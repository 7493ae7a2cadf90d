"""Chromium for the report's browser test: the same launch arguments as the app's browser tests."""

from tests.browser.conftest import browser_type_launch_args  # noqa: F401  (a fixture, used by pytest-playwright)
