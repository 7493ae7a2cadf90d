"""Criteria as people read and type them: rates in percent, one line per criterion."""

from __future__ import annotations

from collections.abc import Callable

from lib import formatting as fmt
from lib.specs import CriterionSpec
from lib.vocabulary import GUARDRAIL_RULE_SHORT, metric_label


def in_percent(kind: str, threshold_type: str) -> bool:
    """Rates and lifts are typed as percentages; means and counts in their own unit."""
    return threshold_type == "relative" or kind == "proportion"


def threshold_from_display(kind: str, threshold_type: str, value: float) -> float:
    return value / 100 if in_percent(kind, threshold_type) else value


def threshold_to_display(kind: str, threshold_type: str, value: float) -> float:
    return round(value * 100, 6) if in_percent(kind, threshold_type) else value


def describe(c: CriterionSpec, unit: str = "", *, markup: Callable[[str], str] = str) -> str:
    """E.g. "Reply rate ≥ 8% (target; expected 11%)" or "Lead rate up by 10% or more vs control".

    ``markup`` wraps the parts a person typed (metric name, unit), e.g. an escape for Markdown.
    """
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
