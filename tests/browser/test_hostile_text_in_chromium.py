"""Hostile text in a real browser: every page and both share links of a workspace where every typed
field holds a Markdown image pointing at a local server, a javascript: link and an <img> tag.

A tiny HTTP server counts requests to /pixel.png: a viewer's browser must make none, and the DOM
must hold no image and no link made from the text. Tables: Streamlit's own CSV export is not
offered, and the app's CSV neutralises formula cells.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page, expect

from lib.infra.db import make_engine, upgrade
from lib.report.export import FORMULA_TRIGGERS
from tests.browser.pages import settled
from tests.servers import running_server
from tests.test_plain_text import FORMULA_NAME, IMG_TAG, LINK, Workspace, build_hostile_workspace, pixel_markdown

pytestmark = pytest.mark.browser

PAGES = ("/", "/goals", "/pilots", "/log_results", "/review", "/settings")


class _Pixel(BaseHTTPRequestHandler):
    """Answers every request with a 1×1 GIF and writes the path down."""

    GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(self.GIF)))
        self.end_headers()
        self.wfile.write(self.GIF)

    def log_message(self, *args) -> None:
        pass


@dataclass
class HostileServer:
    url: str
    pixel_base: str
    hits: list[str]
    ws: Workspace


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory) -> Iterator[HostileServer]:
    pixel = ThreadingHTTPServer(("127.0.0.1", 0), _Pixel)
    pixel.hits = []  # type: ignore[attr-defined]
    threading.Thread(target=pixel.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{pixel.server_address[1]}"
    folder = tmp_path_factory.mktemp("hostile")
    engine = make_engine(f"sqlite:///{folder / 'greenlight.db'}")
    upgrade(engine)
    ws = build_hostile_workspace(engine, base)
    engine.dispose()
    url = f"sqlite:///{folder / 'greenlight.db'}"
    with running_server(folder, entry="app.py", database_url=url, user=ws.actor) as server:
        yield HostileServer(server.url, base, pixel.hits, ws)  # type: ignore[attr-defined]
    pixel.shutdown()
    pixel.server_close()


def _settled(page: Page) -> None:
    settled(page)
    page.wait_for_timeout(500)  # images in freshly drawn Markdown get the chance to load


def _assert_no_image_or_link_from_text(page: Page, where: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, where
    made = page.evaluate(
        """() => [
            ...[...document.querySelectorAll('img')].map(e => e.getAttribute('src') || '')
                .filter(src => src === 'x' || src.includes('pixel') || src.includes('127.0.0.1')),
            ...[...document.querySelectorAll('a[href]')].map(e => e.getAttribute('href'))
                .filter(href => !href.startsWith('#'))  // a heading's own anchor
                .filter(href => /^\\s*javascript:/i.test(href) || href.includes('pixel')),
            ...[...document.querySelectorAll('[onerror]')].map(e => e.outerHTML.slice(0, 80)),
        ]"""
    )
    assert made == [], (where, made)


def _open(page: Page, url: str) -> Page:
    page.goto(url)
    _settled(page)
    return page


def test_no_page_loads_an_image_or_shows_a_link_from_typed_text(browser: Browser, hostile_server: HostileServer):
    context = browser.new_context(viewport={"width": 1400, "height": 5000})
    page = context.new_page()  # one tab taken from address to address: each load is a new page and session
    shown_on = []
    for path in (*PAGES, f"/?share={hostile_server.ws.pilot_token}", f"/?share={hostile_server.ws.goal_token}"):
        _open(page, hostile_server.url + path)
        _assert_no_image_or_link_from_text(page, path)
        if "pixel.png" in page.locator("body").inner_text():
            shown_on.append(path)
    # the typed text is on the pages, as text (elsewhere it is in tables, closed tabs and expanders)
    assert {"/pilots", "/review", "/settings"} <= set(shown_on) and len(shown_on) >= 5, shown_on

    _open(page, hostile_server.url + "/log_results")  # a file with hostile columns and cells
    page.get_by_role("tab", name="Import a file").click()
    pixel = pixel_markdown(hostile_server.pixel_base)
    csv_text = f"date,variant,sent,{pixel}\n{date.today()},control,300,{LINK}\n{date.today()},{IMG_TAG},1,1\n"
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": f"![x](pixel.png) {LINK}.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    _settled(page)
    expect(page.get_by_text("columns: date, variant, sent").first).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Preview import").click()
    _settled(page)
    expect(page.get_by_text("Preview").first).to_be_visible(timeout=30_000)
    _assert_no_image_or_link_from_text(page, "import preview")
    page.close()
    context.close()
    time.sleep(1)
    assert hostile_server.hits == [], hostile_server.hits


def test_tables_offer_no_builtin_export_and_our_csv_neutralises_formulas(
    browser: Browser, hostile_server: HostileServer, tmp_path
):
    context = browser.new_context(viewport={"width": 1400, "height": 2000}, accept_downloads=True)
    page = _open(context.new_page(), hostile_server.url + "/")
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible(timeout=30_000)
    grid.hover()
    toolbar = page.locator('[data-testid="stElementToolbar"]').first
    expect(toolbar).to_be_visible(timeout=10_000)
    labels = [b.get_attribute("aria-label") or "" for b in toolbar.get_by_role("button").all()]
    assert labels, "the table's toolbar shows (search, full screen)"
    assert not [label for label in labels if "download" in label.lower()], labels

    with page.expect_download(timeout=30_000) as info:
        page.get_by_test_id("stDownloadButton").filter(has_text="CSV").first.click()
    assert info.value.suggested_filename == "portfolio.csv"
    path = tmp_path / "portfolio.csv"
    info.value.save_as(path)
    cells = [c for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))) for c in row]
    assert "'" + FORMULA_NAME in cells
    assert not [c for c in cells if c.lstrip(" ").startswith(FORMULA_TRIGGERS)]
    context.close()
