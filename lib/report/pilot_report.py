"""The stakeholder report: what one pilot's section says, and the documents made of sections.

:func:`build_pilot_report` turns the engine's :class:`~lib.decide.PilotEvaluation`
into a :class:`PilotReport` (headline, criteria table, caveats); the charts
come in ready-made (altair charts or Vega-Lite dicts, built in ``lib/charts``)
so this module never computes a statistic nor draws anything itself.
:func:`render_pilot`, :func:`render_goal` and :func:`render_pack` write full,
self-contained HTML documents (see :mod:`lib.report.html`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lib import formatting as fmt
from lib.decide import CriterionVerdict, PilotEvaluation, wording
from lib.report.html import HtmlDocument, Markup, esc, table

RECOMMENDATION_LABELS = {"scale": "Scale", "iterate": "Iterate", "keep_running": "Keep running", "abort": "Abort"}
OUTCOME_LABELS = {
    "scale": "Scale it",
    "iterate": "Iterate (change and re-test)",
    "abort": "Abort",
    "extend": "Extend (keep running)",
}
STATUS_LABELS = {
    "met": "Met",
    "missed": "Missed",
    "harmed": "Guardrail breached",
    "safe": "Guardrail holds",
    "too_early": "Too early",
    "inconclusive": "Inconclusive",
    "futile": "Cannot reach it",
}
ROLE_LABELS = {"primary": "Primary", "secondary": "Secondary", "guardrail": "Guardrail"}

#: below this share of the planned sample a result is flagged as a small sample
SMALL_SAMPLE_PROGRESS = 0.5

CAVEAT_OBSERVATIONAL = "Observational design: " + wording.OBSERVATIONAL
CAVEAT_SMALL_SAMPLE = "Small sample: {details}. Estimates can still move a lot as data comes in."
CAVEAT_CRITERIA_CHANGED = (
    "Criteria changed after the start: the success criteria were edited after the pilot "
    "started, so the bar it is judged against is not the one agreed up front."
)
CAVEAT_SPLIT = (
    "Split mismatch: the arms are not the sizes the assignment should give ({p}). Check how people "
    "were assigned before trusting the comparison."
)

CRITERIA_HEADERS = ("Criterion", "Role", "Estimate", "Bounds (as judged)", "p-value (what it tests)", "Status")
SUMMARY_HEADERS = ("Pilot", "Recommendation", "Result", "Caveats", "Decision")


@dataclass(frozen=True)
class CriterionRow:
    """One line of the criteria table, formatted for people."""

    metric: str
    role: str
    estimate: str
    bounds: str
    p_value: str
    status: str
    status_code: str = ""


@dataclass(frozen=True)
class ReportDecision:
    """What the review meeting decided (``outcome`` one of lib.infra.models.OUTCOMES)."""

    outcome: str
    rationale: str
    decided_by: str
    decided_on: date | None = None


@dataclass
class PilotReport:
    """One pilot's section of a report. ``charts`` are (caption, altair chart or Vega-Lite dict)."""

    title: str
    headline: str
    recommendation: str
    charts: list[tuple[str, Any]] = field(default_factory=list)
    criteria: list[CriterionRow] = field(default_factory=list)
    decision: ReportDecision | None = None
    caveats: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    hypothesis: str = ""
    notes: list[str] = field(default_factory=list)
    recommendation_code: str = ""
    as_of: date | None = None
    method_version: str = ""
    why_due: str = ""  # in a review pack: why the pilot is in Review's queue


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


# ------------------------------------------------------------------ building


def _value(kind: str, x: float | None) -> str:
    return fmt.pct(x) if kind == "proportion" else fmt.quantity(x)


def _effect(v: CriterionVerdict) -> str:
    rate = v.kind == "proportion"
    if v.interval_scale == "lift":
        return fmt.signed_pct(v.relative_lift)
    if v.interval_scale == "value":
        return _value(v.kind, v.pilot_value)
    return fmt.signed_pct_points(v.difference) if rate else fmt.signed_quantity(v.difference)


def estimate_text(v: CriterionVerdict) -> str:
    """The estimate on the scale of its bounds, with the two values it compares."""
    effect = _effect(v)
    if v.interval_scale == "value" or v.comparison == "vs_target":
        return f"{effect} (target {_value(v.kind, v.threshold)})" if v.comparison == "vs_target" else effect
    if v.pilot_value is None and v.control_value is None:
        return effect
    other = "baseline" if v.comparison == "vs_baseline" else "control"
    return f"{effect} (pilot {_value(v.kind, v.pilot_value)} vs {other} {_value(v.kind, v.control_value)})"


def bounds_text(v: CriterionVerdict) -> str:
    """The interval the verdict used, on its own scale, with its confidence level."""
    rate = v.kind == "proportion"
    if v.interval_scale == "lift":
        interval = fmt.signed_pct_range
    elif v.interval_scale == "value":
        interval = fmt.pct_range if rate else fmt.number_range
    else:
        interval = fmt.pct_points_range if rate else fmt.signed_number_range
    text = interval(v.ci_low, v.ci_high)
    return text if text == fmt.MISSING else f"{text} ({fmt.level(v.required_confidence)} bounds)"


def p_value_text(v: CriterionVerdict) -> str:
    if v.p_value is None:
        return fmt.MISSING
    return f"{fmt.p_value(v.p_value)} — tests {v.p_value_tests}" if v.p_value_tests else fmt.p_value(v.p_value)


def criterion_row(v: CriterionVerdict) -> CriterionRow:
    return CriterionRow(
        metric=v.label or v.metric.replace("_", " ").capitalize(),
        role=ROLE_LABELS.get(v.role, v.role),
        estimate=estimate_text(v),
        bounds=bounds_text(v),
        p_value=p_value_text(v),
        status=STATUS_LABELS.get(v.status, v.status),
        status_code=v.status,
    )


def headline(evaluation: PilotEvaluation) -> str:
    """The verdict sentence of the (first) primary criterion; else the first criterion's; else the first reason."""
    primary = [v for v in evaluation.verdicts if v.role == "primary"] or list(evaluation.verdicts)
    if primary:
        return primary[0].sentence
    return evaluation.reasons[0] if evaluation.reasons else "No verdict yet."


def caveats_for(evaluation: PilotEvaluation, *, criteria_changed: bool | str = False) -> list[str]:
    """Observational design, small sample, criteria changed after the start, split mismatch — as they apply.

    ``criteria_changed`` is the audit trail's answer: ``True``, or the reason given for the change.
    """
    out = []
    if evaluation.design == "before_after" or any(v.comparison == "vs_baseline" for v in evaluation.verdicts):
        out.append(CAVEAT_OBSERVATIONAL)
    small = []
    for v in evaluation.verdicts:
        early = v.status == "too_early"
        if v.progress is not None and v.progress < SMALL_SAMPLE_PROGRESS:
            small.append(f"{v.label} has {fmt.pct(v.progress, 0)} of the planned sample")
        elif early:
            small.append(f"{v.label} has too little data to call yet")
    if small:
        out.append(CAVEAT_SMALL_SAMPLE.format(details="; ".join(small)))
    if criteria_changed:
        text = CAVEAT_CRITERIA_CHANGED
        if isinstance(criteria_changed, str) and criteria_changed.strip():
            text += f" Reason given: “{criteria_changed.strip()}”."
        out.append(text)
    if evaluation.srm_flag:
        out.append(CAVEAT_SPLIT.format(p=f"sample-ratio mismatch, {fmt.p_phrase(evaluation.srm_p_value)}"))
    return out


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
    )


def build_pilot_report(
    evaluation: PilotEvaluation,
    *,
    pilot_name: str,
    hypothesis: str,
    decision: Any = None,
    criteria_changed: bool | str = False,
    charts: Iterable[tuple[str, Any]] = (),
) -> PilotReport:
    """One pilot's section from the engine's evaluation; nothing is recomputed.

    ``decision`` is a :class:`ReportDecision`, a ``lib.infra.models.Decision`` or a
    mapping (outcome, rationale, decided_by, decided_at); ``criteria_changed``
    ``True`` or the reason, when the audit trail shows a change after the
    start; ``charts`` (caption, chart) pairs in the order to show.
    """
    caveats = caveats_for(evaluation, criteria_changed=criteria_changed)
    shown = {wording.OBSERVATIONAL} if CAVEAT_OBSERVATIONAL in caveats else set()
    reasons = [r for r in evaluation.reasons if r not in shown]
    notes = list(dict.fromkeys(w for v in evaluation.verdicts for w in v.warnings if w not in shown))
    return PilotReport(
        title=pilot_name,
        headline=headline(evaluation),
        recommendation=RECOMMENDATION_LABELS.get(evaluation.recommendation, evaluation.recommendation),
        charts=list(charts),
        criteria=[criterion_row(v) for v in evaluation.verdicts],
        decision=as_decision(decision),
        caveats=caveats,
        reasons=reasons,
        hypothesis=hypothesis,
        notes=notes,
        recommendation_code=evaluation.recommendation,
        as_of=evaluation.as_of,
        method_version=evaluation.method_version,
    )


def _caveat_flag(caveat: str) -> str:
    lead, sep, _ = caveat.partition(":")
    return lead.strip() if sep and len(lead) <= 40 else "see caveats"


def summary_row(report: PilotReport) -> SummaryRow:
    """The report's one line for a summary table."""
    decision = ""
    if report.decision is not None:
        d = report.decision
        decision = OUTCOME_LABELS.get(d.outcome, d.outcome)
        if d.decided_on is not None:
            decision += f" ({fmt.fmt_date(d.decided_on)})"
    flags = list(dict.fromkeys(_caveat_flag(c) for c in report.caveats))
    return SummaryRow(
        pilot=report.title,
        recommendation=report.recommendation,
        result=report.headline,
        caveats="; ".join(flags),
        decision=decision or "Not decided yet",
        recommendation_code=report.recommendation_code,
        why_due=report.why_due,
    )


# ------------------------------------------------------------------ rendering


def _heading(level: int, text: str, **attrs: str) -> str:
    extra = "".join(f' {k}="{esc(v)}"' for k, v in attrs.items())
    return f"<h{level}{extra}>{esc(text)}</h{level}>"


def _status(code: str, label: str) -> Markup:
    return Markup(f'<span class="status status-{esc(code)}">{esc(label)}</span>')


def _caveat_item(caveat: str) -> str:
    lead, sep, rest = caveat.partition(":")
    if sep and len(lead) <= 40:
        return f"<li><strong>{esc(lead)}:</strong>{esc(rest)}</li>"
    return f"<li>{esc(caveat)}</li>"


def _section(doc: HtmlDocument, report: PilotReport, *, level: int, anchor: str) -> str:
    sub = min(level + 1, 6)
    as_of = f"numbers as of {fmt.fmt_date(report.as_of)}" if report.as_of else "numbers as of the latest results"
    rules = f" · decision rules {report.method_version}" if report.method_version else ""
    parts = [
        f'<section class="pilot" id="{esc(anchor)}">',
        f'<p class="eyebrow">Pilot report · {esc(as_of)}{esc(rules)}</p>',
        _heading(level, report.title, **{"class": "user-text"}),
    ]
    if report.why_due:
        parts.append(f'<p class="why-due"><strong>Needs a decision:</strong> {esc(report.why_due)}</p>')
    if report.hypothesis:
        parts.append(
            f'<p class="hypothesis"><strong>Hypothesis:</strong> '
            f'<span class="user-text">{esc(report.hypothesis)}</span></p>'
        )
    reasons = ""
    if report.reasons:
        reasons = '<ul class="reasons">' + "".join(f"<li>{esc(r)}</li>" for r in report.reasons) + "</ul>"
    parts.append(
        f'<div class="verdict rec-{esc(report.recommendation_code)}">'
        f'<p class="recommendation">Recommendation: <strong>{esc(report.recommendation)}</strong></p>'
        f'<p class="headline">{esc(report.headline)}</p>{reasons}</div>'
    )
    if report.caveats:
        parts += [
            _heading(sub, "Caveats", **{"class": "sub"}),
            '<ul class="caveats">' + "".join(_caveat_item(c) for c in report.caveats) + "</ul>",
        ]
    parts += [doc.chart(chart, caption) for caption, chart in report.charts]
    parts.append(_heading(sub, "Criteria", **{"class": "sub"}))
    if report.criteria:
        rows = [
            (r.metric, r.role, r.estimate, r.bounds, r.p_value, _status(r.status_code, r.status))
            for r in report.criteria
        ]
        parts.append(table(CRITERIA_HEADERS, rows, classes=("", "", "num", "num", "", ""), css_class="criteria"))
    else:
        parts.append("<p>No success criteria are set.</p>")
    if report.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{esc(n)}</li>" for n in report.notes) + "</ul>")
    parts.append(_heading(sub, "Decision", **{"class": "sub"}))
    d = report.decision
    if d is None:
        parts.append("<p>No decision recorded yet.</p>")
    else:
        parts.append(
            '<dl class="decision">'
            f"<dt>Decision</dt><dd>{esc(OUTCOME_LABELS.get(d.outcome, d.outcome))}</dd>"
            f'<dt>Decided by</dt><dd class="user-text">{esc(d.decided_by or fmt.MISSING)}</dd>'
            f"<dt>Date</dt><dd>{esc(fmt.fmt_date(d.decided_on))}</dd>"
            f'<dt>Rationale</dt><dd class="user-text">{esc(d.rationale or fmt.MISSING)}</dd></dl>'
        )
    parts.append("</section>")
    return "\n".join(parts)


def _summary_table(rows: Sequence[SummaryRow], anchors: Sequence[str] | None) -> str:
    """A pack's table adds why each pilot needs a decision; a goal's has no such column."""
    why = any(row.why_due for row in rows)
    cells = []
    for i, row in enumerate(rows):
        name: Any = row.pilot
        if anchors is not None:
            name = Markup(f'<a href="#{esc(anchors[i])}">{esc(row.pilot)}</a>')
        status = _status(row.recommendation_code, row.recommendation)
        cells.append(
            (name, *([row.why_due] if why else []), status, row.result, row.caveats or fmt.MISSING, row.decision)
        )
    headers = (SUMMARY_HEADERS[0], "Needs a decision", *SUMMARY_HEADERS[1:]) if why else SUMMARY_HEADERS
    return table(headers, cells, css_class="summary-table")


def _footer(generated_on: date | None) -> str:
    when = fmt.fmt_date(generated_on or date.today())
    return (
        f"<footer>Made with Greenlight on {esc(when)}. This file opens offline: its charts and numbers are "
        "inside it. Text typed by people is shown exactly as typed.</footer>"
    )


def _pilots_document(
    title: str,
    intro: list[str],
    sections: Sequence[PilotReport],
    summary_rows: Sequence[SummaryRow] | None,
    charts: Iterable[tuple[str, Any]],
    generated_on: date | None,
    summary_heading: str,
) -> str:
    doc = HtmlDocument(title)
    anchors = [f"pilot-{i}" for i in range(1, len(sections) + 1)]
    rows = list(summary_rows) if summary_rows is not None else [summary_row(s) for s in sections]
    linked = anchors if len(rows) == len(sections) else None
    summary = [
        '<section class="summary">',
        _heading(1, title, **{"class": "user-text"}),
        *intro,
        _heading(2, summary_heading),
    ]
    summary.append(_summary_table(rows, linked) if rows else "<p>No pilots.</p>")
    summary += [doc.chart(chart, caption) for caption, chart in charts]
    summary.append("</section>")
    body = ["\n".join(summary)]
    body += [_section(doc, s, level=2, anchor=a) for s, a in zip(sections, anchors, strict=True)]
    body.append(_footer(generated_on))
    return doc.render("\n".join(body))


def render_pilot(report: PilotReport, *, generated_on: date | None = None) -> str:
    """A full HTML document for one pilot."""
    doc = HtmlDocument(f"{report.title} — pilot report")
    body = _section(doc, report, level=1, anchor="pilot-1") + "\n" + _footer(generated_on)
    return doc.render(body)


def render_goal(
    goal_title: str,
    kpi: str,
    sections: Sequence[PilotReport],
    summary_rows: Sequence[SummaryRow] | None = None,
    *,
    charts: Iterable[tuple[str, Any]] = (),
    generated_on: date | None = None,
) -> str:
    """A goal's report: its KPI, a summary line per pilot (derived from ``sections`` when not
    given), the goal-level ``charts``, then every pilot's section in the given order."""
    intro = [f'<p class="kpi user-text">{esc(kpi)}</p>'] if kpi else []
    return _pilots_document(goal_title, intro, sections, summary_rows, charts, generated_on, "Pilots under this goal")


def render_pack(
    title: str,
    sections: Sequence[PilotReport],
    summary_rows: Sequence[SummaryRow] | None = None,
    *,
    generated_on: date | None = None,
) -> str:
    """The review-meeting pack: the one-line summary table on top, then every pilot's section,
    in the given (backlog) order. ``summary_rows`` default to :func:`summary_row` of each section."""
    intro = [f'<p class="meta">{len(sections)} pilot{"s" if len(sections) != 1 else ""} for the review.</p>']
    return _pilots_document(title, intro, sections, summary_rows, (), generated_on, "At a glance")
