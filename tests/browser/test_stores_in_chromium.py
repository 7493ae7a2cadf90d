"""Acceptance for issue 26 on the page: the store-promotion file imported on Log results with its store and
market columns, and the pilot page counting stores, adjusted for market as statsmodels says."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session

from lib.importer import ImportMapping, MetricMapping
from lib.infra.db import make_engine, transaction, upgrade
from lib.services import import_batches
from lib.services.evaluation import evaluate
from lib.services.pilots import create_pilot
from tests.browser.pages import open_expander, settled
from tests.servers import running_server
from tests.stores import csv_of, store_promotion
from tests.test_units_cli import _statsmodels

pytestmark = pytest.mark.browser
START = date.today() - timedelta(days=21)


def test_the_store_file_on_the_log_results_page_is_judged_per_store(browser: Browser, tmp_path):
    url = f"sqlite:///{tmp_path / 'stores.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        pilot = create_pilot(
            s,
            "tester",
            name="Promotions",
            design="ab",
            arms="2,1,3",
            unit="stores",
            status="running",
            start_date=START,
            end_date=START + timedelta(days=41),
            planned_n_per_arm=40,
            criteria=[dict(metric="sales", kind="mean", role="primary", threshold=0.0, expected=5.0)],
        )
        # last week's mapping, remembered: the page offers it again for this week's file
        import_batches.remember_mapping(
            s,
            pilot.id or 0,
            ImportMapping(
                layout="events",
                arm_column="Promotion",
                control_value="2",
                metrics=[MetricMapping("sales", "mean", column="sales")],
                unit_column="LocationID",
                strata_column="MarketID",
            ),
        )
    frame = store_promotion()
    context = browser.new_context(viewport={"width": 1400, "height": 4000})
    with running_server(tmp_path / "server", entry="app.py", database_url=url, user="browser-test") as server:
        page = context.new_page()
        page.goto(f"{server.url}/log_results")
        settled(page)
        page.get_by_role("tab", name="Import a file").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": "WA_Marketing-Campaign.csv", "mimeType": "text/csv", "buffer": csv_of(frame)}
        )
        settled(page)
        for label, column in (
            ("Unit column (stores, markets)", "LocationID"),
            ("Strata column (market, region)", "MarketID"),
        ):
            expect(page.get_by_role("combobox", name=label)).to_have_value(column, timeout=30_000)
        page.get_by_role("button", name="Preview import").click()
        settled(page)
        counts = frame.groupby("Promotion").LocationID.nunique()
        expect(page.get_by_text(f"Units by LocationID: {counts[2]} in '2'").first).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Import 3 values").click()
        settled(page)
        expect(page.get_by_text("Imported 3 values").first).to_be_visible(timeout=30_000)

        with Session(engine) as s:
            v = evaluate(s, pilot.id or 0).verdicts[0]
        estimate, _, plain, _ = _statsmodels(frame, 2, 1)
        assert v.difference == pytest.approx(estimate, rel=1e-6)
        assert v.unadjusted_difference == pytest.approx(plain, rel=1e-6)
        page.goto(f"{server.url}/pilot?pilot={pilot.id}")
        settled(page)
        expect(page.get_by_text(f"on {counts[2]} (2, control) and {counts[1]} (1, pilot) stores").first).to_be_visible(
            timeout=30_000
        )
        expect(page.get_by_text(v.adjustment_note or "missing").first).to_be_visible()
        open_expander(page, "Unadjusted reading: Sales")
        expect(page.get_by_text("Unadjusted: ").first).to_be_visible()
        page.close()
    context.close()
    engine.dispose()
