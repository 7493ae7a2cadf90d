"""Acceptance for issue 27 on the pages: the 40-market export imported on Log results (its market column
suggested, the arm from the plan), then the pilot page and Review show the market chart, the weights and
the fit; a test market the file lacks is named in the preview and nothing is written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lib.infra.db import transaction
from lib.infra.models import ResultEntry, UnitResult
from lib.services.pilots import create_pilot
from tests.markets import PRE_DAYS, TEST_DAYS, market_export
from tests.pages_helpers import count, errors, page, pilots_page

START = date.today() - timedelta(days=TEST_DAYS - 1)


def _market_pilot(engine, test: str = "Chicago,Portland") -> int:
    with transaction(engine) as s:
        pilot = create_pilot(
            s,
            "tester",
            name="Billboards",
            design="market",
            test_markets=test,
            status="running",
            start_date=START,
            end_date=START + timedelta(days=20),
            criteria=[dict(metric="sales", kind="count", role="primary", threshold=0.0, expected=0.08)],
        )
        return pilot.id or 0


def _upload(at) -> None:
    data = market_export(START - timedelta(days=PRE_DAYS)).to_csv(index=False).encode()
    [tab] = [t for t in at.tabs if t.label == "Import a file"]
    tab.file_uploader[0].set_value(("markets.csv", data, "text/csv")).run()
    assert not at.exception, at.exception
    assert next(w for w in at.selectbox if w.label == "Market column").value == "Market"  # suggested from the file
    next(b for b in at.button if b.label == "Preview import").click().run()


def _text(at) -> str:
    return " ".join(m.value for m in [*at.success, *at.markdown, *at.caption, *at.warning, *at.info]).replace("\\", "")


@pytest.fixture
def market_engine(app_engine):
    return app_engine, _market_pilot(app_engine)


def test_the_market_export_imports_on_log_results_and_the_pages_show_chart_and_weights(market_engine):
    engine, pilot_id = market_engine
    at = page("pages/log_results.py").run()
    assert "Market test: one value per market and day. Test markets: Chicago, Portland." in _text(at)
    _upload(at)
    assert not errors(at), errors(at)
    assert "2 test ('Chicago', 'Portland') against a synthetic control from 38 untreated markets" in _text(at)
    days = PRE_DAYS + TEST_DAYS
    next(b for b in at.button if b.label == f"Import {2 * days} values").click().run()
    assert "Imported 210 values" in at.success[0].value
    assert (count(engine, ResultEntry), count(engine, UnitResult)) == (2 * days, 40 * days)

    at = page("pages/pilot.py")
    at.query_params["pilot"] = str(pilot_id)
    at.run()
    assert not at.exception and not errors(at)
    assert "Recommendation: **scale**" in _text(at)
    text = _text(at)
    assert "Sales is up +" in text and "against the synthetic control" in text
    assert "The synthetic control" in text and "Synthetic Chicago + Portland = " in text
    assert "Fit before the start (90 days)" in text
    [weights] = [d.value for d in at.dataframe if "Untreated market" in d.value.columns]
    assert len(weights) >= 2 and not {"Chicago", "Portland"} & set(weights["Untreated market"])
    chart = at.get("vega_lite_chart")[0]  # the main chart; the others sit in an expander
    assert "test_start" in str(chart.proto.spec) and "gap_line" in str(chart.proto.spec)

    at = page("pages/review.py").run()
    assert not at.exception and not errors(at)
    assert "Synthetic Chicago + Portland = " in _text(at)
    assert any("Untreated market" in d.value.columns for d in at.dataframe)


def test_a_test_market_the_file_lacks_is_named_in_the_preview_and_nothing_is_written(app_engine):
    _market_pilot(app_engine, test="Chicago,Gotham")
    at = page("pages/log_results.py").run()
    _upload(at)
    problems = next(d.value for d in at.dataframe if "Problem" in d.value.columns)
    assert "'Gotham' are not in Market" in problems["Problem"][0]
    assert not [b for b in at.button if b.label.startswith("Import ")]
    assert count(app_engine, ResultEntry) == count(app_engine, UnitResult) == 0


def test_a_share_link_to_the_demo_market_test_shows_its_synthetic_control(app_demo_engine):
    from sqlmodel import select

    from lib.infra.models import Pilot
    from lib.services import share

    with transaction(app_demo_engine) as s:
        pid = s.exec(select(Pilot.id).where(Pilot.design == "market")).one()
        _, token = share.create_link(s, actor="Lea", pilot_id=pid)
    at = page("app.py")
    at.query_params["share"] = token
    at.run()
    assert not at.exception and not errors(at)
    text = " ".join(m.value for m in at.markdown).replace("\\", "").replace("\u2060", "")
    assert "#### The synthetic control" in text and "Synthetic Chicago + Portland = " in text
    weights = next(t.value for t in at.table if "Weight" in t.value.columns)
    assert len(weights) >= 2 and not {"Chicago", "Portland", "Milwaukee"} & set(weights.iloc[:, 0])
    assert len(at.get("vega_lite_chart")) >= 1


def test_a_new_market_test_names_its_test_and_excluded_markets_on_the_pilots_page(app_engine):
    from sqlmodel import Session, select

    from lib.infra.models import Pilot

    at = pilots_page("New pilot")
    tab = at.tabs[1]
    next(w for w in tab.text_input if w.label == "Name").set_value("Radio in two cities")
    next(w for w in tab.selectbox if w.label == "Design").set_value("market")
    next(w for w in tab.text_input if w.label == "Test markets (market test)").set_value(" Chicago, Portland ,Chicago")
    next(w for w in tab.text_input if w.label == "Excluded markets (market test)").set_value("Milwaukee")
    next(w for w in tab.text_input if w.label.startswith("Metric")).set_value("orders")
    next(b for b in tab.button if b.label == "Create pilot").click().run()
    assert not errors(at), errors(at)
    with Session(app_engine) as s:
        made = s.exec(select(Pilot).where(Pilot.name == "Radio in two cities")).one()
    assert (made.design, made.test_markets, made.excluded_markets) == ("market", "Chicago,Portland", "Milwaukee")
    assert (made.arms, made.unit) == ("control,pilot", "markets")
