"""The money sentences in words people read (issue 28, polish): whole outcomes, open intervals said in words,
projections rounded, one noun per pilot, and savings said as savings."""

from __future__ import annotations

from datetime import date, timedelta

from lib import formatting as fmt
from lib.criteria import describe
from lib.decide import evaluate_pilot, wording
from lib.decide.money import reading_sentence, scaling_sentence
from lib.services.money_designer import money_plan
from lib.specs import CriterionSpec, Observation, PilotSpec
from lib.stats.spend import MoneySpan, ScalingProjection, SpendReading
from lib.vocabulary import SPEND_METRIC, outcome_nouns

START = date(2026, 10, 5)


def _reading(extra: MoneySpan, spend: float, cost: MoneySpan) -> SpendReading:
    total = MoneySpan(25_431.0, 25_431.0, 25_431.0)
    return SpendReading(total, extra, MoneySpan(spend, spend, spend), cost, None, "lead_rate", False, 14)


def test_counts_of_extra_outcomes_are_whole_and_one_decimal_only_below_one():
    assert fmt.outcomes(5.07) == "5" and fmt.outcomes(312.4) == "312" and fmt.outcomes(0.4) == "0.4"
    assert fmt.outcomes_range(-24.3, 35.2) == "−24 to 35" and fmt.outcomes_range(-0.47, 24.1) == "0–24"
    text = reading_sentence(
        _reading(MoneySpan(5.07, 1.2, 9.3), 18.0, MoneySpan(3.55, 1.9, 15.0)), currency="€", outcome="lead"
    )
    assert "5 extra leads (95%: 1–9) for €18 of extra spend" in text and "5.07" not in text


def test_an_interval_open_at_both_ends_is_said_in_words():
    text = reading_sentence(
        _reading(MoneySpan(5.07, -24.0, 35.0), 18.0, MoneySpan(3.55, None, None)), currency="€", outcome="lead"
    )
    assert text.startswith(
        "€3.55 per extra lead (the data cannot bound it yet: the extra leads could be zero or negative): 5 extra leads"
    )
    assert "no bounds" not in text
    assert fmt.money_range(None, None, "€") == fmt.UNBOUNDED == "not bounded yet"


def test_projected_spend_is_rounded_to_two_significant_figures_and_measured_figures_are_not():
    assert fmt.projected_money(17_214, "€") == "€17,000" and fmt.projected_money(72_450, "€") == "€72,000"
    assert fmt.projected_money(4_365, "€") == "€4,400" and fmt.projected_money(5.46, "€") == "€5.50"
    assert fmt.projected(-186) == "−190" and fmt.projected_range(1_137, 2_688) == "1,100–2,700"
    month = ScalingProjection(
        40_000, MoneySpan(1_912.0, 1_137.0, 2_688.0), MoneySpan(17_214.0, 17_214.0, 17_214.0), MoneySpan(9.0, 6, 14)
    )
    text = scaling_sentence(month, audience="all paid", units="clicks", currency="€", outcome="lead")
    assert "about 1,900 extra leads a month (1,100–2,700) for €17,000 (€9.00 per lead)" in text
    reading = _reading(MoneySpan(312.0, 180.0, 440.0), 11_912.0, MoneySpan(38.18, 25.0, 60.0))
    assert "for €11,912 of extra spend; €25,431 spent so far" in reading_sentence(reading, currency="€")  # measured


def test_a_pilot_that_costs_less_and_brings_more_says_what_it_saves():
    reading = _reading(MoneySpan(12.0, 3.0, 21.0), -60.0, MoneySpan(-5.0, -20.0, -1.5))
    text = reading_sentence(reading, currency="€", outcome="conversion")
    assert text.startswith(
        "Costs less and brings more: saves €5.00 per extra conversion (95%: saving €1.50–€20.00 each)"
    )
    assert "12 extra conversions (95%: 3–21) while spending €60 less" in text
    assert "−€" not in text
    either = _reading(MoneySpan(12.0, 3.0, 21.0), -60.0, MoneySpan(-5.0, -20.0, 4.0))
    assert "(95%: from saving €20.00 to costing €4.00 each)" in reading_sentence(either, currency="€")
    month = ScalingProjection(
        40_000, MoneySpan(400.0, 100.0, 700.0), MoneySpan(-2_012.0, -2_012.0, -2_012.0), MoneySpan(-5.0, -20, -1.5)
    )
    scaled = scaling_sentence(month, audience="all paid", units="clicks", currency="€", outcome="conversion")
    assert "while spending €2,000 less (saves €5.00 per conversion)" in scaled


def _days(days: int = 28, pilot_spend: float = 150.0, control_spend: float = 0.0) -> list[Observation]:
    rows = []
    for i in range(days):
        day = START + timedelta(days=i)
        wobble = 2 if i % 2 else -2
        rows.append(Observation(day, "control", "reply_rate", 500, 25 + wobble))
        rows.append(Observation(day, "pilot", "reply_rate", 500, 35 - wobble))
        rows.append(Observation(day, "pilot", SPEND_METRIC, 1, pilot_spend + 3 * wobble))
        if control_spend:
            rows.append(Observation(day, "control", SPEND_METRIC, 1, control_spend))
    return rows


SPEC = PilotSpec("Email", "ab", start=START, end=START + timedelta(days=27), planned_n_per_arm=500 * 28)


def _cost(threshold: float = 40.0, numerator: str | None = None, role: str = "primary") -> CriterionSpec:
    return CriterionSpec(
        "reply_rate",
        "proportion",
        role,
        "vs_control",
        threshold,
        threshold_type="cost_per_extra",
        expected=20.0 if role == "primary" else None,
        numerator_label=numerator,
    )


def test_one_noun_per_pilot_in_the_verdict_the_criteria_the_designer_and_the_money_sentence():
    assert outcome_nouns("reply_rate", "proportion") == ("reply", "replies")
    assert outcome_nouns("reply_rate", "proportion", "Sign-ups") == ("sign-up", "sign-ups")
    assert outcome_nouns("ctr", "proportion") == ("conversion", "conversions")  # a rate that names nothing
    v = evaluate_pilot(SPEC, [_cost()], _days(), currency="€").verdicts[0]
    assert (
        "€15 per extra reply (95% bounds" in v.sentence and "280 extra replies for €4,200 of extra spend" in v.sentence
    )
    assert "each extra reply costs at most €40" in v.sentence and "conversion" not in v.sentence
    assert "each extra reply costs at most €40" in describe(_cost(), currency="€")
    named = evaluate_pilot(SPEC, [_cost(numerator="Sign-ups")], _days(), currency="€").verdicts[0]
    assert "per extra sign-up" in named.sentence and "280 extra sign-ups" in named.sentence
    plan = money_plan(
        threshold_type="cost_per_extra", kind="proportion", metric="reply_rate", threshold=60, expected=40,
        baseline=0.04, sd=None, spend_per_unit=0.5, units_per_day=500, units="contacts", symbol="€",
    )  # fmt: skip
    assert "€40 per extra reply" in plan.headline and "extra replies expected" in plan.headline
    guard = evaluate_pilot(SPEC, [_cost(10.0, role="guardrail")], _days(), currency="€").verdicts
    warning = wording.scale_warning(guard, "€")
    assert warning is not None and "€10 per extra reply" in warning


def test_a_money_verdict_that_saves_says_so():
    """The pilot spends less than control and gets more replies: no "−€" price."""
    v = evaluate_pilot(SPEC, [_cost()], _days(pilot_spend=50.0, control_spend=120.0), currency="€").verdicts[0]
    assert "saves €" in v.sentence and "per extra reply" in v.sentence and "while spending €" in v.sentence
    assert "−€" not in v.sentence


def test_the_goal_roll_up_says_a_price_the_data_cannot_bound_and_rounds_the_projected_month():
    from lib.services.rollup import money_words
    from lib.services.spend_outcome import Outcome
    from lib.services.spend_view import PilotSpend

    open_ended = _reading(MoneySpan(5.07, -24.0, 35.0), 18.0, MoneySpan(3.63, None, None))
    month = ScalingProjection(
        40_000, MoneySpan(36.0, -170.0, 240.0), MoneySpan(129.4, 129.4, 129.4), MoneySpan(3.63, None, None)
    )
    spend = PilotSpend(open_ended, Outcome("conversion", "conversions"), "€", "EUR", "", month, "")
    assert money_words(spend, scaled=True) == (
        "spent €25,431, €3.63 per extra conversion (not bounded yet); projected to cost €130 a month scaled (a projection)"
    )
    saves = _reading(MoneySpan(12.0, 3.0, 21.0), -60.0, MoneySpan(-5.0, -20.0, -1.5))
    assert "saves €5.00 per extra lead" in money_words(
        PilotSpend(saves, Outcome("lead", "leads"), "€", "EUR", ""), scaled=False
    )


def test_a_pilot_that_surely_brought_fewer_says_fewer_not_minus_extra():
    fewer = _reading(MoneySpan(-54.2, -84.3, -24.1), 1_643.0, MoneySpan(None, None, None))
    text = reading_sentence(fewer, currency="€", outcome="lead")
    assert text == (
        "Fewer leads, not more: 54 fewer (95%: 24–84 fewer) for €1,643 of extra spend, so no cost per extra lead; "
        "€25,431 spent so far."
    )
    unsure = _reading(MoneySpan(-3.0, -10.0, 4.0), 100.0, MoneySpan(None, None, None))
    assert reading_sentence(unsure, currency="€", outcome="lead").startswith(
        "No extra leads so far (−3, 95%: −10 to 4)"
    )
