"""Criteria as people read and type them: rates in percent, one line per criterion."""

from __future__ import annotations

from collections.abc import Callable

from lib import formatting as fmt
from lib.specs import CriterionSpec
from lib.vocabulary import GUARDRAIL_RULE_SHORT, is_money_threshold, metric_label, outcome_nouns


def in_percent(kind: str, threshold_type: str) -> bool:
    """Rates and lifts are typed as percentages; means and counts in their own unit."""
    return threshold_type == "relative" or kind == "proportion"


def threshold_from_display(kind: str, threshold_type: str, value: float) -> float:
    return value / 100 if in_percent(kind, threshold_type) else value


def threshold_to_display(kind: str, threshold_type: str, value: float) -> float:
    return round(value * 100, 6) if in_percent(kind, threshold_type) else value


def describe(c: CriterionSpec, unit: str = "", *, markup: Callable[[str], str] = str, currency: str = "") -> str:
    """E.g. "Reply rate ≥ 8% (target; expected 11%)" or "Lead rate up by 10% or more vs control".

    ``markup`` wraps the parts a person typed (metric name, unit), e.g. an escape for Markdown.
    ``currency``: the symbol money criteria's prices are written with ("Leads: each extra conversion
    costs at most €60 vs control — expected €40").
    """
    if is_money_threshold(c.threshold_type):
        return _describe_money(c, markup(metric_label(c.metric)), currency)
    unit = markup(unit) if unit else ""
    text = _describe(c, unit, markup(metric_label(c.metric)))
    if c.expected is None or c.role == "guardrail":
        return text
    return f"{text} — expected {_figure(c, c.expected, unit)}"


def _figure(c: CriterionSpec, value: float, unit: str) -> str:
    """A threshold or expected effect in the verdict's own words (:func:`lib.formatting.threshold`):
    a difference of rates in points ("0.2 pts"), lifts and rate targets in percent, else with its unit."""
    level = c.comparison == "vs_target"
    text = fmt.threshold(c.kind, c.threshold_type == "relative" and not level, value, level=level)
    return f"{text} {unit}" if unit and not in_percent(c.kind, c.threshold_type) else text


def _describe(c: CriterionSpec, unit: str, name: str) -> str:
    value = _figure(c, c.threshold, unit)
    if c.comparison == "vs_target":
        op = "≥" if c.direction == "increase" else "≤"
        return f"{name} {op} {value} (target)"
    against = "control" if c.comparison == "vs_control" else "baseline"
    if c.role == "guardrail":
        worse = "rises" if c.direction == "decrease" else "falls"
        return f"{name} must not get worse: {worse} by no more than {value} vs {against} ({GUARDRAIL_RULE_SHORT})"
    change = "up" if c.direction == "increase" else "down"
    if c.threshold == 0:
        return f"{name} {change} vs {against}"
    return f"{name} {change} by {value} or more vs {against}"


def money_price(c: CriterionSpec, value: float | None, currency: str = "") -> str:
    """A money criterion's price as people read it: "€60" (a cost per extra outcome), "1.50×" (a return)."""
    if c.threshold_type == "return_on_spend":
        return fmt.multiple(value)
    return fmt.money(value, currency, None)


def _describe_money(c: CriterionSpec, name: str, currency: str) -> str:
    price = money_price(c, c.threshold, currency)
    if c.threshold_type == "return_on_spend":
        text = f"{name}: return on spend at least {price} vs control"
    else:
        noun = outcome_nouns(c.metric, c.kind, c.numerator_label)[0]  # the verdict's noun (lib.decide.money)
        text = f"{name}: each extra {noun} costs at most {price} vs control"
    if c.role == "guardrail":
        return f"{text} ({GUARDRAIL_RULE_SHORT})"
    if c.expected is None:
        return text
    return f"{text} — expected {money_price(c, c.expected, currency)}"


def money_problems(
    threshold_type: str, kind: str, comparison: str, role: str, threshold: float, expected: float | None
) -> list[tuple[str, str]]:
    """What is wrong with a money criterion, as (field, message) pairs; [] when it can be judged and planned.

    A cost per extra outcome is a price above zero, and the cost expected is below it (cheaper is
    better); a return on spend needs an outcome in money and the return expected above it.
    """
    problems: list[tuple[str, str]] = []
    if comparison != "vs_control":
        problems.append(("comparison", "a money criterion compares the pilot arm with control (A/B)."))
    if threshold_type == "return_on_spend":
        if kind == "proportion":
            problems.append(
                ("kind", "a return on spend needs an outcome in money (an average or a daily amount, e.g. revenue).")
            )
        if threshold < 0:
            problems.append(("threshold", "the least return on spend must be zero or more (1 = money back)."))
        elif expected is not None and role != "guardrail" and expected <= threshold:
            problems.append(
                ("expected", "must be above the least return (the threshold): the plan sizes the test for it.")
            )
        return problems
    if threshold <= 0:
        problems.append(("threshold", "the most an extra outcome may cost must be above zero."))
    elif expected is not None and role != "guardrail" and not 0 < expected < threshold:
        problems.append(
            (
                "expected",
                "must be below the most an extra outcome may cost (the threshold), and above zero: "
                "the plan sizes the test of “cheaper than the threshold” for the cost you expect.",
            )
        )
    return problems
