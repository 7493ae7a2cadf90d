"""A money criterion's figure in the tables: a price in the workspace's currency, as its sentence says it.

The report's criteria table and the pilot page's cards wrote a cost per extra reply as "38" and its bounds as
"23–121", beside sentences that say "€38 per extra reply (95% bounds €23–€121)".
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from lib import formatting as fmt
from lib.decide import evaluate_pilot
from lib.infra.db import transaction
from lib.report import build_pilot_report
from lib.services import evaluation, pilot_view, reporting, results, settings, spend_view
from lib.services.pilots import get_pilot
from lib.specs import CriterionSpec, Observation, PilotSpec
from lib.vocabulary import SPEND_METRIC
from tests import factories

START = date(2026, 10, 5)
DAYS = 28


def _leads() -> list[Observation]:
    """500 contacts a day per arm; the pilot brings 10 extra leads a day for 150 a day: 15 per extra lead."""
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        wobble = 2 if i % 2 else -2
        rows += [
            Observation(day, "control", "leads", 500, 25 + wobble),
            Observation(day, "pilot", "leads", 500, 35 - wobble),
            Observation(day, "pilot", SPEND_METRIC, 1, 150 + 3 * wobble),
        ]
    return rows


def _bounds_in(sentence: str) -> str:
    """The interval a money sentence writes: "… (95% bounds €13–€18), …" -> "€13–€18"."""
    found = re.search(r"\(95% bounds ([^)]*)\)", sentence)
    assert found, sentence
    return found.group(1)


def test_the_report_writes_a_price_in_the_workspace_currency_as_its_sentence_does():
    spec = PilotSpec("Paid", "ab", start=START, end=START + timedelta(days=DAYS - 1), planned_n_per_arm=500 * DAYS)
    crit = CriterionSpec("leads", "proportion", "primary", "vs_control", 40.0, threshold_type="cost_per_extra")
    evaluation = evaluate_pilot(spec, [crit], _leads(), currency="€")
    [v] = evaluation.verdicts
    [row] = build_pilot_report(evaluation, pilot_name="Paid", hypothesis="", currency="€").criteria
    assert row.estimate == "€15 per extra conversion"  # was "15"
    assert v.sentence.startswith(f"Leads: {row.estimate} (95% bounds ")
    assert row.bounds == f"{_bounds_in(v.sentence)} (95% bounds)"  # was "13–18 (95% bounds)"
    assert row.bounds.startswith("€") and f"{fmt.DASH}€" in row.bounds


def _money_pilot(engine, planned: int = 2000) -> int:
    with transaction(engine) as s:
        settings.save_currency(s, "lead", "GBP")
        p = factories.ab_pilot(
            s,
            planned_n_per_arm=planned,
            start_date=START,
            end_date=START + timedelta(days=DAYS - 1),
            criteria=[
                dict(metric="reply_rate", kind="proportion", role="primary", threshold=0.0),
                dict(
                    metric="reply_rate",
                    kind="proportion",
                    role="secondary",
                    threshold=20.0,
                    threshold_type="cost_per_extra",
                ),
            ],
        )
        rows = []
        for i in range(14):
            day = START + timedelta(days=i)
            rows += factories.day_rows(day, control=(400 + i, 20 + i % 3), pilot=(410 + i, 30 + i % 4))
            rows += [
                dict(metric=SPEND_METRIC, arm="control", day=day, n=1, total=120.0 + i),
                dict(metric=SPEND_METRIC, arm="pilot", day=day, n=1, total=480.0 + 2 * i),
            ]
        results.log_results(s, p.id, rows, "Ana", today=START + timedelta(days=14))
        return p.id or 0


def test_the_report_and_the_pilot_page_write_a_money_criterion_in_the_workspace_currency(engine):
    pid = _money_pilot(engine)
    with Session(engine) as s:
        bundle = reporting.pilot_bundle(s, pid)
        page = pilot_view.pilot_page(s, pid, today=START + timedelta(days=14))
    v = bundle.evaluation.verdicts[1]
    assert v.interval_scale == "cost" and "£" in v.sentence
    row = reporting.pilot_report(bundle).criteria[1]
    assert re.fullmatch(r"£\d+ per extra reply", row.estimate), row.estimate  # was "38"-style, no currency
    assert row.bounds == f"{_bounds_in(v.sentence)} (95% bounds)" and row.bounds.startswith("£")
    card = page.cards[1]
    # the card read "Nothing logged yet" (a money criterion compares no two values) and "23–121 (95% bounds)"
    assert card.logged and (card.estimate, card.interval) == (row.estimate, row.bounds)


@pytest.mark.parametrize(
    ("figures", "digits"),
    [((38.0, 23.0, 121.0), 0), ((8.5, 6.13, None), 2), ((None, None), 0), ((12.0, None, 9.99), 2)],
)
def test_a_price_and_its_bounds_share_their_decimals(figures, digits):
    assert fmt.money_digits(*figures) == digits


def test_a_money_criterion_in_a_table_cell_reads_as_a_price(engine):
    """Home's "Primary result" wrote a cost per extra reply as "Reply rate 37"."""
    pid = _money_pilot(engine)
    with Session(engine) as s:
        bundle = reporting.pilot_bundle(s, pid)
    v = bundle.evaluation.verdicts[1]
    assert pilot_view.short_result(v, "£") == f"Reply rate {reporting.pilot_report(bundle).criteria[1].estimate}"
    assert pilot_view.short_result(v, "£").startswith("Reply rate £")


def test_does_it_pay_says_which_interval_is_which_beside_a_money_verdict(engine):
    """ "€38 per extra reply (95%: €23–€112)" sat beside the verdict's "(95% bounds €23–€121)" unexplained."""
    pid = _money_pilot(engine, planned=20_000)  # a fifth of the plan in: the daily-look bounds are wider
    with Session(engine) as s:
        bundle = reporting.pilot_bundle(s, pid)
        page = pilot_view.pilot_page(s, pid)
        frozen = evaluation.decision_snapshot(s, pid)["spend"]["sentence"]
        alone = spend_view.spend_for(s, get_pilot(s, pid))  # the reading by itself, as Home's table reads it
    assert bundle.spend is not None
    cost, v = bundle.spend.reading.cost_per_extra, bundle.evaluation.verdicts[1]
    assert v.ci_high > cost.high  # two readings of one price, both kept as they are
    said = _bounds_in(v.sentence)
    assert bundle.spend.sentence.endswith(
        "These intervals read today's figures as one look; the verdict on the cost per extra reply allows for "
        f"a look every day (95% bounds {said})."
    )
    assert alone is not None and bundle.spend.sentence.startswith(f"{alone.sentence} These intervals")
    assert reporting.pilot_report(bundle).money[0] == bundle.spend.sentence == frozen  # the report and a decision
    assert page.bundle is not None and page.bundle.spend == bundle.spend  # the pilot page


def test_does_it_pay_says_nothing_more_when_the_intervals_agree_or_no_verdict_prices_it(engine):
    pid = _money_pilot(engine)  # the plan is in: the verdict's bounds are today's one-look interval
    with transaction(engine) as s:
        plain = factories.ab_pilot(s, name="No money criterion", start_date=START, end_date=START + timedelta(days=27))
        rows = []
        for i in range(14):
            day = START + timedelta(days=i)
            rows += factories.day_rows(day, control=(400 + i, 20 + i % 3), pilot=(410 + i, 30 + i % 4))
            rows.append(dict(metric=SPEND_METRIC, arm="pilot", day=day, n=1, total=480.0))
        results.log_results(s, plain.id, rows, "Ana", today=START + timedelta(days=14))
    with Session(engine) as s:
        agreeing, without = reporting.pilot_bundle(s, pid), reporting.pilot_bundle(s, plain.id or 0)
    assert agreeing.spend is not None and without.spend is not None
    cost, v = agreeing.spend.reading.cost_per_extra, agreeing.evaluation.verdicts[1]
    assert (cost.low, cost.high) == pytest.approx((v.ci_low, v.ci_high))
    assert "one look" not in agreeing.spend.sentence and "one look" not in without.spend.sentence


def test_review_says_which_interval_is_which(app_engine):
    from tests.pages_helpers import errors, page

    _money_pilot(app_engine, planned=20_000)
    at = page("pages/review.py").run()
    assert not at.exception and not errors(at)
    boxes = [m.value.replace("\\", "") for m in at.markdown if "Does it pay?" in m.value]
    assert len(boxes) == 2  # the queue's card and the pilot being decided: the same words in both
    note = "These intervals read today's figures as one look; the verdict on the cost per extra reply allows"
    assert all(note in box for box in boxes), boxes


def test_reviews_numbers_table_writes_a_money_criterion_as_a_price(app_engine):
    """ "The numbers behind it" wrote the cost per extra reply as "38" and its bounds as "23–121"."""
    from lib.adapter.session import Keys
    from tests.pages_helpers import errors, open_expander, page

    pid = _money_pilot(app_engine)
    at = page("pages/review.py").run()
    open_expander(at, Keys.opened("review_numbers"))
    assert not at.exception and not errors(at)
    [numbers] = [d.value for d in at.dataframe if "Interval" in d.value.columns]
    money_row = numbers.iloc[1]
    with Session(app_engine) as s:
        row = reporting.pilot_report(reporting.pilot_bundle(s, pid)).criteria[1]
    assert money_row["Difference"] == row.estimate and row.estimate.startswith("£")
    assert money_row["Interval"] == row.bounds.replace("(95% bounds)", "(95% bounds, as judged)")
    assert numbers.iloc[0]["Difference"].endswith("pts")  # a rate's difference stays in points
