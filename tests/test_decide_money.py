"""Money criteria in the decision engine: "cost per extra <outcome> at most X", "return on spend at least R".

The data are written out (no randomness): control 500 contacts a day with 23 or 27 leads, the pilot
the same contacts with 33 or 37, spending 150 a day: 10 extra leads a day for 150, 15 per extra lead.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lib.decide import evaluate_pilot
from lib.specs import CriterionSpec, Observation, PilotSpec
from lib.stats.spend import SPEND_METRIC, read_spend

START = date(2026, 10, 5)
DAYS = 28
SPEC = PilotSpec("Paid", "ab", start=START, end=START + timedelta(days=DAYS - 1), planned_n_per_arm=500 * DAYS)


def _leads(days: int = DAYS, control_spend: float = 0.0, pilot_spend: float = 150.0) -> list[Observation]:
    rows = []
    for i in range(days):
        day = START + timedelta(days=i)
        wobble = 2 if i % 2 else -2
        rows.append(Observation(day, "control", "leads", 500, 25 + wobble))
        rows.append(Observation(day, "pilot", "leads", 500, 35 - wobble))
        rows.append(Observation(day, "pilot", SPEND_METRIC, 1, pilot_spend + 3 * wobble))
        if control_spend:
            rows.append(Observation(day, "control", SPEND_METRIC, 1, control_spend))
    return rows


def cost(threshold: float, role: str = "primary", expected: float | None = None) -> CriterionSpec:
    return CriterionSpec(
        "leads", "proportion", role, "vs_control", threshold, threshold_type="cost_per_extra", expected=expected
    )


def test_leads_bought_below_the_agreed_price_scale():
    ev = evaluate_pilot(SPEC, [cost(40, expected=20)], _leads(), currency="€")
    v = ev.verdicts[0]
    assert ev.recommendation == "scale" and v.status == "met"
    assert v.difference == pytest.approx(15.0)  # 150 a day for 10 extra leads a day
    assert v.extra_outcome == pytest.approx(280) and v.extra_spend == pytest.approx(4200)
    assert v.interval_scale == "cost" and v.ci_high is not None and v.ci_high <= 40  # the interval agrees
    assert v.sentence.startswith("Leads: €15 per extra conversion (95% bounds €")
    assert "280 extra conversions for €4,200 of extra spend" in v.sentence
    assert "each extra conversion costs at most €40" in v.sentence and v.sentence.endswith("criterion met.")


def test_leads_dearer_than_the_agreed_price_abort_and_the_interval_says_why():
    ev = evaluate_pilot(SPEC, [cost(10, expected=5)], _leads())
    v = ev.verdicts[0]
    assert ev.recommendation == "abort" and v.status in ("missed", "futile")
    assert v.ci_low is not None and v.ci_low > 5
    assert "€" not in v.sentence  # the currency is the caller's: none given, none written


def test_a_money_guardrail_stops_a_pilot_whose_extra_leads_cost_too_much():
    primary = CriterionSpec("leads", "proportion", "primary", "vs_control", 0.0, expected=0.01)
    ev = evaluate_pilot(SPEC, [primary, cost(8, role="guardrail")], _leads(), currency="$")
    assert ev.verdicts[0].status == "met"
    assert ev.verdicts[1].status == "harmed" and ev.recommendation == "abort"
    within = evaluate_pilot(SPEC, [primary, cost(60, role="guardrail")], _leads())
    assert within.verdicts[1].status == "safe" and within.recommendation == "scale"


def test_spend_in_both_arms_is_estimated_and_only_the_difference_is_paid_for():
    ev = evaluate_pilot(SPEC, [cost(40, expected=20)], _leads(control_spend=100.0, pilot_spend=250.0))
    v = ev.verdicts[0]
    assert v.difference == pytest.approx(15.0) and v.extra_spend == pytest.approx(4200)
    assert v.status == "met"


def test_early_on_the_cost_is_open_ended_and_no_call_is_made():
    ev = evaluate_pilot(SPEC, [cost(40, expected=20)], _leads(days=3))
    v = ev.verdicts[0]
    assert v.status == "too_early" and ev.recommendation == "keep_running"
    assert v.ci_high is None and "to no upper bound" in v.sentence


def test_without_spend_a_money_criterion_waits_and_says_so():
    rows = [o for o in _leads() if o.metric != SPEND_METRIC]
    v = evaluate_pilot(SPEC, [cost(40)], rows).verdicts[0]
    assert (
        v.status in ("too_early", "inconclusive") and v.sentence == "Leads: no spend logged yet, so nothing to weigh."
    )
    assert any("No spend logged yet" in w for w in v.warnings)


def test_return_on_spend_on_revenue_and_refused_on_a_rate():
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        wobble = 40 if i % 2 else -40
        rows.append(Observation(day, "control", "revenue", 500, 1000 + wobble, None))
        rows.append(Observation(day, "pilot", "revenue", 500, 1400 - wobble, None))
        rows.append(Observation(day, "pilot", SPEND_METRIC, 1, 200 + wobble / 4))
    crit = CriterionSpec("revenue", "mean", "primary", "vs_control", 1.5, threshold_type="return_on_spend", expected=2)
    v = evaluate_pilot(SPEC, [crit], rows, currency="€").verdicts[0]
    assert v.status == "met" and v.difference == pytest.approx(2.0)  # 400 extra a day for 200
    assert v.interval_scale == "return" and v.ci_low is not None and v.ci_low >= 1.5
    assert v.sentence.startswith("Revenue: return on spend 2.00× (95% bounds ")
    assert "€11,200 extra for €5,600 of extra spend" in v.sentence
    on_rate = evaluate_pilot(
        SPEC,
        [CriterionSpec("leads", "proportion", "primary", "vs_control", 1.5, threshold_type="return_on_spend")],
        _leads(),
    )
    assert on_rate.verdicts[0].method == "error" and "needs an outcome in money" in on_rate.verdicts[0].sentence


def test_one_look_at_the_end_is_read_spend_at_the_matching_level():
    """sequential=False judges one look at one-sided 5 %: the interval is read_spend's two-sided 90 %."""
    rows = _leads()
    v = evaluate_pilot(SPEC, [cost(40)], rows, sequential=False).verdicts[0]
    reading = read_spend(rows, SPEC, "leads", "proportion", False, confidence=0.90)
    assert reading is not None
    assert (v.difference, v.ci_low, v.ci_high) == pytest.approx(
        (reading.cost_per_extra.estimate, reading.cost_per_extra.low, reading.cost_per_extra.high)
    )
    assert v.extra_outcome == pytest.approx(reading.extra_outcome.estimate)


def test_money_criteria_read_as_prices_in_the_criteria_list_and_before_scaling():
    from lib.criteria import describe
    from lib.decide import wording

    assert describe(cost(60, expected=40), currency="€") == (
        "Leads: each extra conversion costs at most €60 vs control — expected €40"
    )
    guard = cost(8, role="guardrail")
    assert describe(guard, currency="$").startswith("Leads: each extra conversion costs at most $8.00 vs control (")
    ret = CriterionSpec("revenue", "mean", "primary", "vs_control", 1.5, threshold_type="return_on_spend")
    assert describe(ret) == "Revenue: return on spend at least 1.50× vs control"
    primary = CriterionSpec("leads", "proportion", "primary", "vs_control", 0.0, expected=0.01)
    ev = evaluate_pilot(SPEC, [primary, cost(14, role="guardrail")], _leads(days=10))
    warning = wording.scale_warning(ev.verdicts, currency="€")
    assert warning is not None and "within the €14 per extra conversion tolerated" in warning


@pytest.mark.parametrize(
    "values, field, words",
    [
        ({"expected": 70.0}, "expected", "must be below the most an extra outcome may cost"),
        ({"threshold": 0.0, "expected": None}, "threshold", "must be above zero"),
        ({"comparison": "vs_target"}, "comparison", "compares the pilot arm with control"),
        ({"threshold_type": "return_on_spend", "threshold": 1.5, "expected": 2.0}, "kind", "needs an outcome in money"),
        ({"threshold_type": "return_on_spend", "kind": "mean", "threshold": 2.0, "expected": 1.5}, "expected", "above"),
    ],
)
def test_a_money_criterion_that_cannot_be_judged_is_refused_naming_the_field(values, field, words):
    from lib.infra.inputs import CriterionIn, InvalidInput, validated

    good = {
        "metric": "leads",
        "kind": "proportion",
        "role": "primary",
        "comparison": "vs_control",
        "threshold": 60.0,
        "threshold_type": "cost_per_extra",
        "expected": 40.0,
    }
    assert validated(CriterionIn, **good).threshold_type == "cost_per_extra"  # cheaper than the price: fine
    with pytest.raises(InvalidInput) as refused:
        validated(CriterionIn, **{**good, **values})
    assert any(e.field == field and words in e.message for e in refused.value.errors)


def _hand_reading():
    """The hand-computed example of tests/stats/test_spend.py: 12 extra sign-ups for 150, 12.50 each."""
    day = [START + timedelta(days=i) for i in range(3)]
    rows = [Observation(d, "control", "signups", 100, x) for d, x in zip(day, (5, 7, 6), strict=True)]
    rows += [Observation(d, "pilot", "signups", 100, x) for d, x in zip(day, (10, 8, 12), strict=True)]
    rows += [Observation(d, "pilot", SPEND_METRIC, 1, 50) for d in day]
    reading = read_spend(rows, PilotSpec("Email", "ab"), "signups", "proportion", False)
    assert reading is not None
    return reading


def test_the_money_sentence_says_what_the_spend_bought_and_why_the_interval_is_open():
    from lib.decide.money import reading_sentence

    text = reading_sentence(_hand_reading(), currency="€", outcome="sign-up")
    assert text == (
        "€12.50 per extra sign-up (95%: €6.13 to no upper bound, since the extra sign-ups could be zero): "
        "12 extra sign-ups (95%: 0–24) for €150 of extra spend; €150 spent so far."
    )


def test_what_scaling_would_bring_is_said_as_a_projection():
    from lib.decide.money import scaling_sentence
    from lib.stats.spend import project_scaling

    month = project_scaling(_hand_reading(), per_month_units=120_000)
    text = scaling_sentence(month, audience="all email", units="contacts", currency="€", outcome="sign-up")
    assert text == (
        "Scaled to all email (120,000 contacts a month): about 4,800 extra sign-ups a month (−190 to 9,800) "
        "for €60,000 (€12.50 per sign-up). A projection from the pilot, not a measurement"
    )


def test_a_daily_count_is_weighed_per_day_and_the_plan_runs_by_the_calendar():
    """Leads a day (a count): control 20 or 24, the pilot 30 or 34 for 100 a day: 10 per extra lead."""
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        wobble = 2 if i % 3 else -4
        rows += [
            Observation(day, "control", "leads", 1, 22 + wobble),
            Observation(day, "pilot", "leads", 1, 32 - wobble),
            Observation(day, "pilot", SPEND_METRIC, 1, 100),
        ]
    crit = CriterionSpec("leads", "count", "primary", "vs_control", 25.0, threshold_type="cost_per_extra", expected=12)
    early = evaluate_pilot(SPEC, [crit], rows, as_of=START + timedelta(days=6)).verdicts[0]
    assert early.sample_n == 7 and "7 days per arm" in early.sentence and early.progress == pytest.approx(7 / DAYS)
    v = evaluate_pilot(SPEC, [crit], rows).verdicts[0]
    assert v.difference == pytest.approx(100 / 10.0, rel=0.05) and v.status == "met"
    assert v.extra_spend == pytest.approx(2800)


def test_charts_draw_a_money_criterion_at_its_price():
    from lib.charts.criteria import criteria_chart
    from lib.charts.measures import threshold_point, threshold_text, verdict_measure

    primary = CriterionSpec("leads", "proportion", "primary", "vs_control", 0.0, expected=0.01)
    ev = evaluate_pilot(SPEC, [primary, cost(40, role="guardrail")], _leads())
    guard = ev.verdicts[1]
    assert verdict_measure(guard).title == "Cost per extra outcome"
    assert threshold_point(guard) == 40 and threshold_text(guard) == "tolerated up to 40"
    assert threshold_text(evaluate_pilot(SPEC, [cost(60)], _leads()).verdicts[0]) == "at most 60"
    assert criteria_chart(ev).to_dict()  # draws without error
