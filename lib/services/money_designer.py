"""The designer's plan for a money criterion, in words: how much spend and how many days tell €40 from €60.

The maths is :func:`lib.stats.money_planning.plan_money`; this says what its plan costs and does,
in the workspace's currency, for the Pilots page (and any caller that wants the same sentences).
"""

from __future__ import annotations

from dataclasses import dataclass

from lib import formatting as fmt
from lib.services.spend_outcome import outcome_words
from lib.stats.planning import PlanInputs

#: the designer's words for each money criterion, with the outcome and the price named
PRICE_WORDS = {"cost_per_extra": "per extra {one}", "return_on_spend": "return on spend"}


@dataclass(frozen=True)
class MoneyPlanSummary:
    """A money criterion's plan and the sentences the designer shows for it."""

    units_per_arm: int
    extra_spend: float
    total_spend: float
    extra_outcome: float
    days: int | None
    headline: str
    characteristics: str


def _price(threshold_type: str, value: float, symbol: str, one: str) -> str:
    if threshold_type == "return_on_spend":
        return fmt.multiple(value)
    return f"{fmt.money(value, symbol, None)} {PRICE_WORDS['cost_per_extra'].format(one=one)}"


def money_plan(
    *,
    threshold_type: str,
    kind: str,
    metric: str,
    threshold: float,
    expected: float,
    baseline: float | None,
    sd: float | None,
    spend_per_unit: float,
    control_spend_per_unit: float = 0.0,
    spend_sd: float = 0.0,
    confidence: float = 0.95,
    power: float = 0.8,
    days: int = 28,
    units_per_day: float | None = None,
    units: str = "people",
    symbol: str = "€",
    numerator: str | None = None,
) -> MoneyPlanSummary:
    """Plan ``threshold_type`` ("cost_per_extra" or "return_on_spend") and say what the plan spends and does.

    ``baseline`` is today's rate (a fraction) or average; prices are in the workspace's currency.
    ``numerator``: what the metric counts, as the team named it ("Replies"), which names the outcome.
    Raises ``ValueError`` with a sentence when the inputs cannot be planned.
    """
    from lib.stats.money_planning import plan_money

    inputs = PlanInputs(
        kind=kind,
        comparison="vs_control",
        threshold=threshold,
        expected=expected,
        baseline=baseline,
        sd=sd,
        threshold_type=threshold_type,
        confidence=confidence,
        power=power,
        looks=int(days),
        spend_per_unit=spend_per_unit,
        control_spend_per_unit=control_spend_per_unit,
        spend_sd=spend_sd,
    )
    planned = plan_money(inputs, units_per_day=units_per_day)
    plan = planned.plan
    # the noun the pilot's verdict and money sentence will use (lib.vocabulary.outcome_nouns)
    words = outcome_words(
        metric or "outcome", money=threshold_type == "return_on_spend", kind=kind, numerator=numerator
    )
    tell = f"To tell {_price(threshold_type, expected, symbol, words.one)} from {_price(threshold_type, threshold, symbol, words.one)}"
    took = (
        f" — about {fmt.number(planned.days)} days at {fmt.number(units_per_day)} {units} per arm a day"
        if planned.days and units_per_day
        else ""
    )
    extra = (
        f"{fmt.money(planned.extra_outcome, symbol)} of extra revenue"
        if words.money
        else f"about {fmt.about(planned.extra_outcome)} extra {words.many}"
    )
    both = plan.n * (spend_per_unit + 2 * control_spend_per_unit)  # the pilot's extra, and control's spend twice
    headline = (
        f"{tell}: {fmt.number(plan.n)} {units} per arm, {fmt.money(planned.extra_spend, symbol)} of extra spend in "
        f"the pilot arm{f' ({fmt.money(both, symbol)} spent by both arms)' if control_spend_per_unit else ''}, "
        f"and {extra} expected{took}."
    )
    at_price = (
        f"each extra {words.one} really costs {fmt.money(threshold, symbol, None)}"
        if threshold_type == "cost_per_extra"
        else f"the return is really {fmt.multiple(threshold)}"
    )
    characteristics = (
        f"Looking every day: about {fmt.pct(plan.at_threshold.scale, 0)} chance of calling it paid when {at_price}, "
        f"{fmt.pct(plan.at_expected.scale, 0)} chance of catching {_price(threshold_type, expected, symbol, words.one)}."
    )
    return MoneyPlanSummary(
        plan.n, planned.extra_spend, both, planned.extra_outcome, planned.days, headline, characteristics
    )
