"""Criteria as people read and type them: rates in percent, one line per criterion."""

from __future__ import annotations

from collections.abc import Callable

from lib.specs import CriterionSpec
from lib.vocabulary import metric_label


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
    shown = threshold_to_display(c.kind, c.threshold_type, c.expected)
    suffix = "%" if in_percent(c.kind, c.threshold_type) else (f" {unit}" if unit else "")
    if c.comparison != "vs_target" and c.kind == "proportion" and c.threshold_type == "absolute":
        suffix = " points"
    return f"{text} — expected {shown:g}{suffix}"


def _describe(c: CriterionSpec, unit: str, name: str) -> str:
    shown = threshold_to_display(c.kind, c.threshold_type, c.threshold)
    suffix = "%" if in_percent(c.kind, c.threshold_type) else (f" {unit}" if unit else "")
    value = f"{shown:g}{suffix}"
    if c.comparison == "vs_target":
        op = "≥" if c.direction == "increase" else "≤"
        return f"{name} {op} {value} (target)"
    against = "control" if c.comparison == "vs_control" else "baseline"
    if c.role == "guardrail":
        worse = "rises" if c.direction == "decrease" else "falls"
        return f"{name} must not get worse: {worse} by no more than {value} vs {against}"
    change = "up" if c.direction == "increase" else "down"
    if c.threshold == 0:
        return f"{name} {change} vs {against}"
    kind = "points" if c.threshold_type == "absolute" and c.kind == "proportion" else ""
    value = f"{shown:g} {kind}".strip() if kind else value
    return f"{name} {change} by {value} or more vs {against}"
