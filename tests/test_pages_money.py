"""Money on the pages (issue 28): the pilot page and Review lead with "Does it pay?" once spend is logged,
Home's portfolio carries spend, extra outcomes and cost per extra outcome, and Settings sets the currency."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lib.infra.db import transaction
from lib.services import results, settings
from lib.vocabulary import SPEND_METRIC
from tests import factories
from tests.pages_helpers import errors, page, pilots_page

START = date.today() - timedelta(days=14)


def _rows(days: int, spend: bool) -> list[dict]:
    rows = []
    for i in range(days):
        d = START + timedelta(days=i)
        rows += factories.day_rows(d, control=(400 + i, 20 + i % 3), pilot=(410 + i, 30 + i % 4))
        if spend:
            rows += [
                dict(metric=SPEND_METRIC, arm="control", day=d, n=1, total=120.0 + i),
                dict(metric=SPEND_METRIC, arm="pilot", day=d, n=1, total=480.0 + 2 * i),
            ]
    return rows


@pytest.fixture
def spend_engine(app_engine):
    with transaction(app_engine) as s:
        p = factories.ab_pilot(
            s, name="Paid subject lines", start_date=START, end_date=START + timedelta(days=27), scale_volume=120_000
        )
        results.log_results(s, p.id, _rows(12, spend=True), "Ana", today=date.today())
        q = factories.ab_pilot(s, name="No money logged", start_date=START, end_date=START + timedelta(days=27))
        results.log_results(s, q.id, _rows(12, spend=False), "Ana", today=date.today())
    return app_engine


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown).replace("\\", "").replace("\u2060", "").replace("**", "")


def test_the_pilot_page_leads_with_the_money_sentence_when_spend_is_logged(spend_engine):
    at = page("pages/pilot.py")
    at.query_params["pilot"] = "1"
    at.run()
    assert not at.exception and not errors(at)
    text = _text(at)
    assert "Does it pay? €" in text and " per extra reply (95%: " in text and "spent so far." in text
    scaling = " ".join(c.value for c in at.caption)
    assert "Scaled to all email (120,000 contacts a month): about" in scaling
    assert "A projection from the pilot, not a measurement." in scaling

    at = page("pages/pilot.py")
    at.query_params["pilot"] = "2"
    at.run()
    assert "Does it pay?" not in _text(at)  # no spend logged: nothing said about money


def test_review_and_home_show_the_money_and_the_currency_setting_relabels_it(spend_engine):
    at = page("pages/review.py").run()
    assert not at.exception and not errors(at)
    assert "Does it pay? €" in _text(at)
    at = page("pages/home.py").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert {"Spend (€)", "Extra outcomes", "Cost per extra (€)"} <= set(frame.columns)
    row = frame.set_index("Pilot").loc["Paid subject lines"]
    assert row["Spend (€)"] == pytest.approx(sum(120.0 + i + 480.0 + 2 * i for i in range(12)))
    assert row["Extra outcomes"] > 0 and row["Cost per extra (€)"] > 0
    assert row["Extra outcomes"] == round(row["Extra outcomes"])  # whole outcomes, as the sentences count them
    assert f"{row['Extra outcomes']:,.0f} extra replies (95%: " in _text(page("pages/review.py").run())
    assert frame.set_index("Pilot").loc["No money logged"].isna()["Spend (€)"]

    at = page("pages/settings.py").run()
    currency = next(s for s in at.selectbox if s.label == "Currency")
    currency.set_value("GBP")
    next(b for b in at.button if b.label == "Save currency").click().run()
    assert not at.exception and not errors(at)
    with transaction(spend_engine) as s:
        assert settings.currency(s).code == "GBP"
    at = page("pages/pilot.py")
    at.query_params["pilot"] = "1"
    at.run()
    assert "Does it pay? £" in _text(at)


def test_the_pilot_form_takes_a_money_criterion_priced_as_typed(app_engine):
    from lib.infra.models import Pilot
    from lib.services.pilots import criteria_for
    from tests.pages_helpers import count

    at = pilots_page("New pilot")
    tab = at.tabs[1]
    labels = [w.label for w in tab.text_input]
    tab.text_input[labels.index("Name")].set_value("Paid leads")
    tab.text_input[labels.index("Metric")].set_value("lead_rate")
    next(w for w in tab.selectbox if w.label == "Design").set_value("ab")
    dates = {w.label: w for w in tab.date_input}
    dates["Start"].set_value(date(2026, 10, 1))
    dates["End"].set_value(date(2026, 10, 28))
    ttype = [w for w in tab.selectbox if w.label == "Threshold is"][1]  # the primary criterion's (the plan's first)
    assert ttype.options[2:] == ["Cost per extra outcome at most (€)", "Return on spend at least (×)"]
    ttype.set_value("cost_per_extra")
    next(w for w in tab.number_input if w.label == "Threshold").set_value(40)
    next(w for w in tab.number_input if w.label == "Expected").set_value(25)  # a cost: expected below the price
    next(b for b in at.button if b.label == "Create pilot").click().run()
    assert not errors(at), errors(at)
    assert count(app_engine, Pilot) == 1
    with transaction(app_engine) as s:
        [c] = criteria_for(s, 1)
    assert (c.metric, c.threshold_type, c.threshold, c.expected) == ("lead_rate", "cost_per_extra", 40.0, 25.0)


def test_the_designer_plans_a_money_criterion_in_spend_and_days(app_engine):
    at = pilots_page("New pilot")
    assert not at.exception and not errors(at)
    said = next(
        m.value for m in at.markdown if m.value.startswith("To tell €40 per extra lead from €60 per extra lead:")
    )
    n = int(next(m.value for m in at.metric if m.label == "Planned sample (contacts per arm)").replace(",", ""))
    assert f"{n:,} contacts per arm" in said and "of extra spend in the pilot arm" in said
    assert f"about {-(-n // 500):,} days at 500 contacts per arm a day" in said  # the days the budget takes
    at.number_input(key="mplan_exp").set_value(70.0).run()  # expecting a cost above the price: nothing to plan
    assert any("Cannot plan this yet" in e for e in errors(at))


def test_homes_money_reads_in_whole_units_and_an_empty_cell_as_a_dash(spend_engine):
    """The spend columns showed cents ("€19,328.40") and a pilot without spend a grey "None"."""
    import json

    at = page("pages/home.py").run()
    assert not at.exception
    shown = at.dataframe[0].proto
    assert shown.placeholder == "—"  # as "Primary result" and "Ends" write an empty cell
    columns = json.loads(shown.columns)
    formats = {name: columns[name]["type_config"]["format"] for name in ("Spend (€)", "Cost per extra (€)")}
    # whole euros with thousands separators; the costs per extra reply (about €36) share whole units too
    assert formats == {"Spend (€)": "€%,.0f", "Cost per extra (€)": "€%,.0f"}
    assert columns["Extra outcomes"]["type_config"]["format"] == "%,.0f"
    frame = at.dataframe[0].value.set_index("Pilot")
    assert frame.loc["No money logged"].isna()["Spend (€)"]  # still a number underneath: the column sorts
