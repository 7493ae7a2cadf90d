"""The app as a person sees it: served by Streamlit, clicked in Chromium."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import open_expander, settled

pytestmark = pytest.mark.browser

# Whether this file's server holds the demo yet: the first test loads it with its one click.
_DEMO = {"loaded": False}


def test_health_endpoint_answers_ok(app_url):
    assert urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=5).read() == b"ok"


def test_demo_loads_with_one_click_and_review_shows_a_verdict(page: Page, app_url):
    page.goto(app_url)
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=30_000)
    expect(page.get_by_text("your workspace is empty")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Load demo workspace").click()
    expect(page.get_by_text("Demo loaded")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Pilots running")).to_be_visible(timeout=30_000)
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Review", exact=True).click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Recommendation:").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Decisions so far")).to_be_visible(timeout=30_000)  # below the charts: drawn last
    _DEMO["loaded"] = True


def _open(page: Page, app_url: str, path: str) -> None:
    """``path`` on the demo workspace, opened by its address. The demo is loaded from Home first when no
    earlier test of this file has loaded it (any test may run alone or first); once it is there, Home is not
    drawn again on the way."""
    if not _DEMO["loaded"]:
        page.goto(app_url)
        expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=30_000)
        settled(page)
        load = page.get_by_role("button", name="Load demo workspace")
        # asked before Home had drawn, "is Load demo visible?" said no and the demo never came: wait for
        # Home to show one or the other (the empty workspace's button, or the loaded portfolio's counts)
        expect(load.or_(page.get_by_text("Pilots running"))).to_be_visible(timeout=30_000)
        if load.is_visible():
            load.click()
            expect(page.get_by_text("Demo loaded")).to_be_visible(timeout=60_000)
        _DEMO["loaded"] = True
    page.goto(app_url + path)
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=30_000)


def _open_review(page: Page, app_url: str) -> None:
    """Review on the demo workspace."""
    _open(page, app_url, "/review")
    expect(page.get_by_role("heading", name="Review")).to_be_visible(timeout=30_000)


def test_review_draws_the_pilots_main_chart(page: Page, app_url):
    _open_review(page, app_url)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible(timeout=30_000)
    expect(chart.locator("svg, canvas").first).to_be_attached(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stVegaLiteChart"] [class*="error"]').count() == 0


def test_review_draws_every_criterion_and_the_numbers_once_their_expanders_open(page: Page, app_url):
    """Closed, Review's two expanders hold nothing (a run does not draw them); a click opens each, reruns and draws."""
    _open_review(page, app_url)
    settled(page)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    before = charts.count()
    open_expander(page, "Every criterion at a glance, and progress toward the plan")
    expect(charts).to_have_count(before + 2, timeout=30_000)
    expect(charts.nth(before + 1).locator("svg, canvas").first).to_be_attached(timeout=30_000)
    open_expander(page, "The numbers behind it")
    numbers = page.locator("details[open]").filter(has_text="The numbers behind it")
    expect(numbers.get_by_test_id("stDataFrame")).to_be_visible(timeout=30_000)
    expect(charts).to_have_count(before + 2)  # the first stays open, with its charts
    assert page.locator('[data-testid="stException"]').count() == 0


def test_review_draws_which_past_pilots_count_when_opened_and_keeps_the_choice(page: Page, app_url):
    """The popover's toggles are drawn once it opens (a rerun); closed again, the reading keeps their choice."""
    _open_review(page, app_url)
    settled(page)
    page.get_by_role("button", name="Which past pilots count").click()
    channel = page.get_by_text("Same channel only", exact=True)
    expect(channel).to_be_visible(timeout=30_000)
    settled(page)
    rule = page.get_by_text("Counted: decided pilots")  # the rule beside the toggles, as the server last read them
    expect(rule).to_contain_text(", channel ")
    channel.click()
    settled(page)
    switch = page.get_by_role("switch", name="Same channel only")
    expect(switch, "the click on the toggle turned it off").not_to_be_checked(timeout=30_000)
    expect(rule).not_to_contain_text(", channel ", timeout=30_000)  # the run after the click has read it
    page.keyboard.press("Escape")
    settled(page)
    page.get_by_role("button", name="Which past pilots count").click()
    expect(switch, "reopened, the popover kept the choice").not_to_be_checked(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_pilots_draws_the_new_pilot_tab_when_it_is_opened_and_keeps_it(page: Page, app_url):
    """The designers and the form are drawn from the tab's first opening (a rerun), and stay for a look back."""
    _open(page, app_url, "/pilots")
    expect(page.get_by_role("heading", name="Pilots")).to_be_visible(timeout=30_000)
    settled(page)
    page.get_by_role("tab", name="New pilot").click()
    expect(page.get_by_text("Planned sample (people per arm)")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Create pilot")).to_be_attached(timeout=30_000)
    settled(page)
    name = page.get_by_role("textbox", name="Name", exact=True)
    name.fill("Typed before a look at the list")
    page.get_by_role("tab", name="All pilots").click()
    settled(page)
    page.get_by_role("tab", name="New pilot").click()
    expect(name).to_have_value("Typed before a look at the list")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_downloaded_report_renders_its_charts_offline(page: Page, app_url, tmp_path):
    _open_review(page, app_url)
    page.get_by_role("button", name="Download the report, the chart or the data").first.click()  # a menu of files
    button = page.get_by_role("button", name="Report (HTML)").first
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    path = tmp_path / "report.html"
    info.value.save_as(path)
    assert path.stat().st_size > 100_000  # the chart library is inside the file
    report = page.context.new_page()
    requested: list[str] = []

    def only_the_file(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    report.route("**/*", only_the_file)
    report.goto(path.as_uri())
    expect(report.locator(".chart svg").first).to_be_attached(timeout=30_000)
    assert report.locator("svg").count() >= 3  # main chart, criteria, progress
    assert requested == []  # nothing was fetched from the network
    report.close()


def test_pilot_page_opened_by_its_link_shows_its_verdict_and_chart(page: Page, app_url):
    _open(page, app_url, "/pilot?pilot=5")
    expect(page.get_by_role("heading", name="Retargeting budget shift")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Recommendation:").first).to_be_visible(timeout=30_000)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.locator("svg, canvas").first).to_be_attached(timeout=30_000)
    page.reload()  # the link survives a reload
    expect(page.get_by_role("heading", name="Retargeting budget shift")).to_be_visible(timeout=30_000)
    assert "pilot=5" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
