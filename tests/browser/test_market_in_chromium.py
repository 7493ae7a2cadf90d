"""Acceptance for issue 27 in Chromium: a market test's pilot page draws the test markets against their synthetic
control (the chart) and lists what the synthetic control is made of (the weights table)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect

from lib.importer import ImportMapping, MetricMapping, file_checksum
from lib.infra.db import make_engine, transaction, upgrade
from lib.services import import_batches
from lib.services.pilots import create_pilot
from tests.browser.pages import settled
from tests.markets import PRE_DAYS, TEST_DAYS, market_export
from tests.servers import running_server

pytestmark = pytest.mark.browser
START = date.today() - timedelta(days=TEST_DAYS - 1)


def test_the_market_test_page_shows_the_chart_and_the_weights_table(browser: Browser, tmp_path):
    url = f"sqlite:///{tmp_path / 'markets.db'}"
    engine = make_engine(url)
    upgrade(engine)
    data = market_export(START - timedelta(days=PRE_DAYS)).to_csv(index=False).encode()
    with transaction(engine) as s:
        pilot = create_pilot(
            s,
            "tester",
            name="Billboards",
            design="market",
            test_markets="Chicago,Portland",
            status="running",
            start_date=START,
            end_date=START + timedelta(days=20),
            criteria=[dict(metric="sales", kind="count", role="primary", threshold=0.0, expected=0.08)],
        )
        mapping = ImportMapping(
            layout="aggregated",
            arm_column=None,
            date_column="Date",
            metrics=[MetricMapping("sales", "count", column="Sales")],
            unit_column="Market",
        )
        preview = import_batches.preview_for_pilot(s, pilot.id or 0, io.BytesIO(data), mapping, name="m.csv")
        import_batches.commit_import(
            s, pilot.id or 0, preview, checksum=file_checksum(io.BytesIO(data)), actor="tester", source="cli"
        )
    engine.dispose()
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    with running_server(tmp_path / "server", entry="app.py", database_url=url, user="browser-test") as server:
        page = context.new_page()
        page.goto(f"{server.url}/pilot?pilot={pilot.id}")
        settled(page)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        expect(chart).to_be_visible(timeout=30_000)
        expect(chart.locator("canvas, svg").first).to_be_visible(timeout=30_000)  # drawn, not only placed
        weights = page.locator(f".st-key-market_weights_{pilot.id}")
        expect(weights.get_by_text("Synthetic Chicago + Portland = ").first).to_be_visible(timeout=30_000)
        grid = weights.locator('[data-testid="stDataFrame"]')
        expect(grid).to_be_visible()
        expect(grid.get_by_text("Untreated market").first).to_be_attached()
        page.close()
    context.close()
