"""The stakeholder report's content: what one pilot's section says, before any HTML.

:func:`build_pilot_report` turns the engine's :class:`~lib.decide.PilotEvaluation`
into a :class:`PilotReport` (headline, criteria table, caveats as data); the charts
come in ready-made (altair charts or Vega-Lite dicts, built in ``lib/charts``)
so this module never computes a statistic nor draws anything itself.
:mod:`lib.report.documents` writes the sections into self-contained HTML files,
and the share page lays the same sections out in Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lib import formatting as fmt
from lib.decide import CriterionVerdict, PilotEvaluation, money, wording
from lib.report.caveats import Caveat, CriteriaChanged, Observational, caveats_for, title
from lib.vocabulary import (
    OUTCOME_LABELS,
    ROLE_LABELS,
    metric_label,
    outcome_follows,
    recommendation_label,
    verdict_status_label,
)

CRITERIA_HEADERS = ("Criterion", "Role", "Estimate", "Bounds (as judged)", "Status")
#: the statistics a stakeholder does not need to read the verdict: the report's "For analysts" section
ANALYST_HEADERS = ("Criterion", "p-value", "What it tests")
SUMMARY_HEADERS = ("Pilot", "Recommendation", "Result", "Caveats", "Decision")
#: reasons that speak of the method, not the pilot: read by analysts, not by the room
ANALYST_REASONS = frozenset({"sequential", "corrected"})


@dataclass(frozen=True)
class CriterionRow:
    """One line of the criteria table, formatted for people."""

    metric: str
    role: str
    estimate: str
    bounds: str
    status: str
    status_code: str = ""
    p_value: str = ""  # for analysts
    p_value_tests: str = ""  # for analysts: what the p-value is the probability of


@dataclass(frozen=True)
class ReportLead:
    """What a report opens with: the headline the pilot page and the CLI show (``lib.services.headline``).

    ``title`` "Decided: scale it", "Scale", "Awaiting a decision"; ``is_recommendation`` when it is the
    engine's recommendation ("Recommendation: Scale"); ``lines`` its reasons (for a decision: who, when, why).
    """

    title: str
    code: str
    lines: tuple[str, ...] = ()
    is_recommendation: bool = True

    @property
    def text(self) -> str:
        return f"Recommendation: {self.title}" if self.is_recommendation else self.title


@dataclass(frozen=True)
class ReportDecision:
    """What the review meeting decided (``outcome`` one of lib.infra.models.OUTCOMES)."""

    outcome: str
    rationale: str
    decided_by: str
    decided_on: date | None = None
    recommendation: str = ""  # what the numbers recommended when it was made
    override_reason: str = ""  # why the meeting decided otherwise

    @property
    def overrode(self) -> bool:
        """The meeting decided against what the numbers recommended then."""
        return bool(self.recommendation) and not outcome_follows(self.outcome, self.recommendation)


@dataclass
class PilotReport:
    """One pilot's section of a report. ``charts`` are (caption, altair chart or Vega-Lite dict)."""

    title: str
    headline: str
    recommendation: str
    charts: list[tuple[str, Any]] = field(default_factory=list)
    criteria: list[CriterionRow] = field(default_factory=list)
    decision: ReportDecision | None = None
    caveats: list[Caveat] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    hypothesis: str = ""
    notes: list[str] = field(default_factory=list)
    recommendation_code: str = ""
    as_of: date | None = None
    method_version: str = ""
    why_due: str = ""  # in a review pack: why the pilot is in Review's queue
    lead: ReportLead | None = None  # the headline the report opens with (None: the recommendation and reasons)
    sentences: list[str] = field(default_factory=list)  # every criterion's verdict, in words
    analyst_notes: list[str] = field(default_factory=list)  # how the verdicts are computed, for analysts
    #: does it pay: the money sentence the section leads with when spend is logged, then the projection (if any)
    money: list[str] = field(default_factory=list)
    #: a market test: the primary's reading against the synthetic control (weights, fit, markets left out)
    market: dict[str, Any] | None = None

    @property
    def opening(self) -> ReportLead:
        """The headline the report opens with; without one set, the engine's recommendation and its reasons."""
        if self.lead is not None:
            return self.lead
        return ReportLead(self.recommendation, self.recommendation_code, tuple(self.reasons))


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary table on top of a pack or a goal report."""

    pilot: str
    recommendation: str
    result: str
    caveats: str = ""
    decision: str = ""
    recommendation_code: str = ""
    why_due: str = ""


def _value(kind: str, x: float | None) -> str:
    return fmt.effect(kind, "value", x)


def _effect(v: CriterionVerdict) -> str:
    scale = v.interval_scale
    return fmt.effect(v.kind, scale, {"lift": v.relative_lift, "value": v.pilot_value}.get(scale, v.difference))


def _price_digits(v: CriterionVerdict) -> int:
    """A money criterion's price and its bounds share their decimals, as its sentence writes them."""
    return fmt.money_digits(v.difference, v.ci_low, v.ci_high)


def estimate_text(v: CriterionVerdict, currency: str = "") -> str:
    """The estimate on the scale of its bounds, with the two values it compares.

    A cost per extra outcome is a price in the workspace's ``currency`` ("€38 per extra lead"), as the
    verdict's sentence and "Does it pay?" write it; a bare "38" read as a count.
    """
    if v.interval_scale == "cost":
        if v.difference is None:
            return fmt.MISSING
        return money.price(v.difference, v.outcome_noun or "outcome", currency, _price_digits(v))
    effect = _effect(v)
    if v.interval_scale == "value" or v.comparison == "vs_target":
        return f"{effect} (target {_value(v.kind, v.threshold)})" if v.comparison == "vs_target" else effect
    if v.pilot_value is None and v.control_value is None:
        return effect
    other = "baseline" if v.comparison == "vs_baseline" else "control"
    return f"{effect} (pilot {_value(v.kind, v.pilot_value)} vs {other} {_value(v.kind, v.control_value)})"


def bounds_text(v: CriterionVerdict, currency: str = "") -> str:
    """The interval the verdict used, on its own scale, with its confidence level (a price in ``currency``)."""
    if v.interval_scale == "cost":
        text = money.price_range(v.ci_low, v.ci_high, currency, _price_digits(v))
    else:
        text = fmt.effect_range(v.kind, v.interval_scale, v.ci_low, v.ci_high)
    return text if text in (fmt.MISSING, fmt.UNBOUNDED) else f"{text} ({fmt.level(v.required_confidence)} bounds)"


def criterion_row(v: CriterionVerdict, currency: str = "") -> CriterionRow:
    """``currency``: the workspace's symbol, which a money criterion's price is written with."""
    return CriterionRow(
        metric=v.label or metric_label(v.metric),
        role=ROLE_LABELS.get(v.role, v.role),
        estimate=estimate_text(v, currency),
        bounds=bounds_text(v, currency),
        status=verdict_status_label(v.status),
        status_code=v.status,
        p_value=fmt.p_value(v.p_value),
        p_value_tests=v.p_value_tests or fmt.MISSING,
    )


def numbers_row(v: CriterionVerdict, currency: str = "") -> dict[str, str]:
    """One verdict's figures for Review's "numbers behind it": rates in %, differences in points, the verdict's
    own bounds; a cost per extra outcome as a price in ``currency``, as its sentence and the report write it."""
    if v.interval_scale == "cost":
        difference = estimate_text(v, currency)
        interval = money.price_range(v.ci_low, v.ci_high, currency, _price_digits(v))
    else:
        difference = fmt.effect(v.kind, "difference", v.difference)
        interval = fmt.effect_range(v.kind, v.interval_scale, v.ci_low, v.ci_high)
    return {
        "Metric": metric_label(v.metric),
        "Role": v.role,
        "Control / before": fmt.effect(v.kind, "value", v.control_value),
        "Pilot": fmt.effect(v.kind, "value", v.pilot_value),
        "Difference": difference,
        "Interval": f"{interval} ({fmt.level(v.required_confidence)} bounds, as judged)",
        "Lift": fmt.signed_pct(v.relative_lift),
        "Confidence it is met (safe, for a guardrail)": f"{fmt.confidence(v.confidence)} "
        f"(needs {fmt.level(v.required_confidence)})"
        if v.confidence is not None
        else fmt.MISSING,
        "p-value": f"{fmt.p_value(v.p_value)} — {v.p_value_tests}" if v.p_value is not None else fmt.MISSING,
        "Met": {True: "yes", False: "no", None: "not yet"}[v.met],
        "Per arm": fmt.number(v.sample_n),
    }


def verdict_sentence(evaluation: PilotEvaluation) -> str:
    """The sentence of the criterion that stands for the pilot (:attr:`PilotEvaluation.primary`); else the first reason."""
    primary = evaluation.primary
    if primary is not None:
        return primary.sentence
    return evaluation.reasons[0] if evaluation.reasons else "No verdict yet."


def as_decision(decision: Any) -> ReportDecision | None:
    """A :class:`ReportDecision` from itself, a ``lib.infra.models.Decision`` or a mapping with the same names."""
    if decision is None or isinstance(decision, ReportDecision):
        return decision
    get: Any = (
        decision.get if isinstance(decision, Mapping) else lambda name, default=None: getattr(decision, name, default)
    )

    when = get("decided_on") or get("decided_at") or get("date")
    if isinstance(when, str):
        when = date.fromisoformat(when[:10])
    elif isinstance(when, datetime):
        when = when.date()
    return ReportDecision(
        outcome=str(get("outcome", "") or ""),
        rationale=str(get("rationale", "") or ""),
        decided_by=str(get("decided_by", "") or ""),
        decided_on=when,
        recommendation=str(get("recommendation", "") or ""),
        override_reason=str(get("override_reason", "") or ""),
    )


def build_pilot_report(
    evaluation: PilotEvaluation,
    *,
    pilot_name: str,
    hypothesis: str,
    decision: Any = None,
    changes: Sequence[CriteriaChanged] = (),
    charts: Iterable[tuple[str, Any]] = (),
    currency: str = "",
) -> PilotReport:
    """One pilot's section from the engine's evaluation; nothing is recomputed.

    ``decision`` is a :class:`ReportDecision`, a ``lib.infra.models.Decision`` or a
    mapping (outcome, rationale, decided_by, decided_at); ``changes`` the audit
    trail's changes to the criteria after the start, newest first; ``charts``
    (caption, chart) pairs in the order to show; ``currency`` the workspace's symbol, for money criteria.
    """
    caveats = caveats_for(evaluation, changes)
    shown = {wording.OBSERVATIONAL} if Observational() in caveats else set()
    keys = evaluation.reason_keys
    for_analysts = [r for r, k in zip(evaluation.reasons, keys, strict=True) if k.code in ANALYST_REASONS]
    reasons = [r for r in evaluation.reasons if r not in shown and r not in for_analysts]
    notes = list(dict.fromkeys(w for v in evaluation.verdicts for w in v.warnings if w not in shown))
    return PilotReport(
        title=pilot_name,
        headline=verdict_sentence(evaluation),
        recommendation=recommendation_label(evaluation.recommendation),
        charts=list(charts),
        criteria=[criterion_row(v, currency) for v in evaluation.verdicts],
        decision=as_decision(decision),
        caveats=caveats,
        reasons=reasons,
        hypothesis=hypothesis,
        notes=notes,
        recommendation_code=evaluation.recommendation,
        as_of=evaluation.as_of,
        method_version=evaluation.method_version,
        sentences=[v.sentence for v in evaluation.verdicts],
        analyst_notes=for_analysts,
        market=next((v.market for v in evaluation.verdicts if v.market is not None), None),
    )


def summary_row(report: PilotReport) -> SummaryRow:
    """The report's one line for a summary table."""
    decision = ""
    if report.decision is not None:
        d = report.decision
        decision = OUTCOME_LABELS.get(d.outcome, d.outcome)
        if d.decided_on is not None:
            decision += f" ({fmt.fmt_date(d.decided_on)})"
    flags = list(dict.fromkeys(title(c) for c in report.caveats))
    return SummaryRow(
        pilot=report.title,
        recommendation=report.recommendation,
        result=report.headline,
        caveats="; ".join(flags),
        decision=decision or "Not decided yet",
        recommendation_code=report.recommendation_code,
        why_due=report.why_due,
    )
