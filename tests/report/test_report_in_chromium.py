"""The downloaded report in Chromium with the network blocked: charts draw, typed text runs nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from lib.report import build_pilot_report, render_pack
from lib.report.caveats import CriteriaChanged
from tests.report.helpers import HOSTILE_HTML, HOSTILE_MARKDOWN, ab_evaluation, bar_chart

pytestmark = pytest.mark.browser


def test_pack_renders_its_charts_offline_and_typed_text_stays_text(page: Page, tmp_path):
    sections = [
        build_pilot_report(
            ab_evaluation(days=days),
            pilot_name=f"Pilot {days} {HOSTILE_HTML}",
            hypothesis=HOSTILE_MARKDOWN,
            changes=[CriteriaChanged(by=HOSTILE_HTML, reason=HOSTILE_HTML, before=(HOSTILE_HTML,))],
            charts=[(f"Chart {HOSTILE_HTML}", bar_chart(f"pilot {HOSTILE_HTML}")), ("Second chart", bar_chart())],
        )
        for days in (5, 28)
    ]
    path = tmp_path / "pack.html"
    path.write_text(render_pack("Review pack", sections), encoding="utf-8")
    url = path.as_uri()
    requested: list[str] = []

    def only_the_file(route):
        requested.append(route.request.url)
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", only_the_file)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.goto(url)
    for i in range(1, 5):
        expect(page.locator(f"#chart-{i} svg").first).to_be_visible(timeout=15_000)
    assert page.locator("#chart-1 svg .mark-rect path").count() == 2
    assert page.locator(".chart-error").count() == 0
    assert page.locator("img").count() == 0 and problems == []
    assert requested == [url]
    expect(page.get_by_role("heading", name=f"Pilot 5 {HOSTILE_HTML}")).to_be_visible()
    expect(page.get_by_text(HOSTILE_MARKDOWN).first).to_be_visible()
