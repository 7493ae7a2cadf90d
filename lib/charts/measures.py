"""What a number on a chart means and how it reads: axis titles, axis formats, tooltip text.

A criterion's effect lives on the scale its verdict used ("difference",
"lift" or "value"); a rate difference reads in points, a lift in percent, a
rate in percent, anything else as a plain number. Tooltip text comes from
:mod:`lib.formatting`, so a chart says a figure exactly as the sentences do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lib import formatting as fmt
from lib.decide import CriterionVerdict


@dataclass(frozen=True)
class Measure:
    """How one kind of number is titled, put on an axis and written out."""

    title: str
    kind: str
    scale: str  # "difference" | "lift" | "value" | "level" (a rate or mean itself)

    def axis(self, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for ``alt.Axis``: a format, or a label expression for points."""
        if self.scale == "lift":
            return {"format": "+.1~%", "title": self.title, **extra}
        # a money criterion's price is money (or a multiple), whatever the outcome's kind: a reply rate's
        # cost per extra reply read "3000%" when the proportion formats below came first
        if self.scale == "cost":
            return {"format": ",.2~f", "title": f"{self.title} (workspace currency)", **extra}
        if self.scale == "return":
            return {"labelExpr": "format(datum.value, ',.2~f') + '×'", "title": self.title, **extra}
        if self.kind == "proportion" and self.scale == "difference":
            expr = "format(datum.value * 100, '+.2~f') + ' pts'"
            return {"labelExpr": expr, "title": self.title, **extra}
        if self.kind == "proportion":
            return {"format": ".1~%", "title": self.title, **extra}
        if self.scale == "difference":
            return {"format": "+,.2~f", "title": self.title, **extra}
        return {"format": ",.2~f", "title": self.title, **extra}

    def text(self, value: float | None) -> str:
        return fmt.effect(self.kind, self.scale, value)

    def short(self, value: float | None) -> str:
        """A round figure without its idle decimal, for labels: "8%", "+10%", "0 pts"."""
        return re.sub(r"\.0(?=\D|$)", "", self.text(value))

    def range_text(self, low: float | None, high: float | None) -> str:
        return fmt.effect_range(self.kind, self.scale, low, high)


def level_measure(kind: str, label: str) -> Measure:
    """The metric itself in one arm (a rate, an average, a daily count)."""
    return Measure(title=label, kind=kind, scale="level")


def effect_measure(kind: str, scale: str, comparison: str) -> Measure:
    """The effect a verdict measures, titled in plain words."""
    if scale == "value":
        return Measure("Value in the pilot", kind, scale)
    if scale == "lift" and comparison == "vs_synthetic":  # a market test has no control arm (lib.decide.market)
        return Measure("Lift, test markets vs synthetic control", kind, scale)
    if scale == "lift":
        return Measure("Lift, pilot vs control", kind, scale)
    if scale == "cost":  # a money criterion (lib.decide.money): spend per extra outcome
        return Measure("Cost per extra outcome", kind, scale)
    if scale == "return":
        return Measure("Return on spend", kind, scale)
    if comparison == "vs_baseline":
        return Measure("Step at the pilot start", kind, scale)
    return Measure("Difference, pilot − control", kind, scale)


def verdict_measure(verdict: CriterionVerdict) -> Measure:
    return effect_measure(verdict.kind, verdict.interval_scale, verdict.comparison)


def estimate(verdict: CriterionVerdict) -> float | None:
    """The point estimate on the verdict's own interval scale."""
    if verdict.interval_scale == "lift":
        return verdict.relative_lift
    if verdict.interval_scale == "value":
        return verdict.pilot_value
    return verdict.difference


def threshold_point(verdict: CriterionVerdict) -> float:
    """Where the criterion flips, on the verdict's interval scale (what the rule is drawn at).

    Mirrors the engine's rule: a relative threshold of a before/after step is a
    share of the baseline level; a guardrail's tolerance lies on the harmful side.
    """
    if verdict.comparison == "vs_target" or verdict.interval_scale in ("cost", "return"):
        return verdict.threshold  # a target, or a money criterion's price whatever its role
    margin = verdict.threshold
    relative_step = verdict.threshold_type == "relative" and verdict.interval_scale == "difference"
    if relative_step and verdict.control_value:
        margin *= verdict.control_value
    good = 1.0 if verdict.direction == "increase" else -1.0
    return -good * margin if verdict.role == "guardrail" else good * margin


def threshold_text(verdict: CriterionVerdict) -> str:
    """``"target 8%"``, ``"at least +10%"``, ``"no worse than +0.3 pts"``."""
    measure = verdict_measure(verdict)
    point = threshold_point(verdict)
    if verdict.comparison == "vs_target":
        return f"target {measure.text(point)}"
    if verdict.interval_scale == "cost":
        return f"{'tolerated up to' if verdict.role == 'guardrail' else 'at most'} {measure.text(point)}"
    if verdict.interval_scale == "return":
        return f"at least {measure.text(point)}"
    if verdict.role == "guardrail":
        return f"tolerated up to {measure.text(point)}"
    if verdict.threshold == 0:
        return "better at all"
    return f"at least {measure.text(point)}"
