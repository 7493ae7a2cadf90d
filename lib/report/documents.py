"""The stakeholder report as files: one pilot, a goal's pilots, or the review-meeting pack, as HTML.

Each document is made of the sections :mod:`lib.report.pilot_report` builds, written
into a full, self-contained HTML file (see :mod:`lib.report.html`): it opens offline,
with its charts and numbers inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from lib import formatting as fmt
from lib.charts.market import WEIGHT_HEADERS, fit_text, left_out_text, weights_rows, weights_sentence
from lib.report.caveats import Caveat, title, words
from lib.report.html import HtmlDocument, Markup, esc, table
from lib.report.pilot_report import (
    ANALYST_HEADERS,
    CRITERIA_HEADERS,
    SUMMARY_HEADERS,
    PilotReport,
    SummaryRow,
    summary_row,
)
from lib.vocabulary import OUTCOME_LABELS, recommendation_label


def _heading(level: int, text: str, **attrs: str) -> str:
    extra = "".join(f' {k}="{esc(v)}"' for k, v in attrs.items())
    return f"<h{level}{extra}>{esc(text)}</h{level}>"


def _status(code: str, label: str) -> Markup:
    return Markup(f'<span class="status status-{esc(code)}">{esc(label)}</span>')


def _caveat_item(caveat: Caveat) -> str:
    return f"<li><strong>{esc(title(caveat))}:</strong> {esc(words(caveat))}</li>"


def _decision(report: PilotReport) -> str:
    """Who decided what, when and why; when it went against the numbers, what they said and why not."""
    d = report.decision
    if d is None:
        return "<p>No decision recorded yet.</p>"
    rows = [
        ("Decision", esc(OUTCOME_LABELS.get(d.outcome, d.outcome)), ""),
        ("Decided by", esc(d.decided_by or fmt.MISSING), "user-text"),
        ("Date", esc(fmt.fmt_date(d.decided_on)), ""),
        ("Why", esc(d.rationale or fmt.MISSING), "user-text"),
    ]
    if d.overrode:
        rows.append(("The numbers recommended", esc(recommendation_label(d.recommendation)), ""))
        rows.append(("Why decided otherwise", esc(d.override_reason or "no reason was recorded"), "user-text"))
    cells = "".join(
        f'<dt>{esc(name)}</dt><dd class="{cls}">{value}</dd>' if cls else f"<dt>{esc(name)}</dt><dd>{value}</dd>"
        for name, value, cls in rows
    )
    return f'<dl class="decision">{cells}</dl>'


def _for_analysts(report: PilotReport, level: int) -> list[str]:
    """The statistics behind the verdicts: p-values, the sequential method, the engine's notes."""
    notes = [*report.analyst_notes, *report.notes]
    if not report.criteria and not notes:
        return []
    out = ['<section class="analysts">', _heading(level, "For analysts", **{"class": "sub"})]
    if report.criteria:
        rows = [(r.metric, r.p_value, r.p_value_tests) for r in report.criteria]
        out.append(table(ANALYST_HEADERS, rows, classes=("", "num", ""), css_class="p-values"))
    if notes:
        out.append('<ul class="notes">' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    if report.method_version:
        out.append(f'<p class="meta">Decision rules {esc(report.method_version)}.</p>')
    out.append("</section>")
    return out


def _synthetic_control(market: dict, level: int) -> list[str]:
    """A market test's synthetic control: the weights as a sentence and a table, its fit, the markets left out."""
    out = [
        _heading(level, "The synthetic control", **{"class": "sub"}),
        f'<p class="weights">{esc(weights_sentence(market))}.</p>',
        f"<p>{esc(fit_text(market))}</p>",
    ]
    left = left_out_text(market)
    if left:
        out.append(f"<p>{esc(left)}</p>")
    rows = weights_rows(market)
    if rows:
        out.append(table(WEIGHT_HEADERS, rows, classes=("", "num"), css_class="weights"))
    return out


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
    lead = report.opening
    colour = report.decision.outcome if lead.code == "decided" and report.decision else lead.code
    title_html = (
        f"Recommendation: <strong>{esc(lead.title)}</strong>"
        if lead.is_recommendation
        else f"<strong>{esc(lead.title)}</strong>"
    )
    lines = "".join(f"<li>{esc(r)}</li>" for r in lead.lines)
    parts.append(
        f'<div class="verdict rec-{esc(colour)}"><p class="recommendation lead">{title_html}</p>'
        + (f'<ul class="reasons">{lines}</ul>' if lines else "")
        + "</div>"
    )
    parts.append(_heading(sub, "Decision", **{"class": "sub"}))
    parts.append(_decision(report))
    parts.append(_heading(sub, "What the numbers say", **{"class": "sub"}))
    sentences = report.sentences or [report.headline]
    parts.append('<ul class="sentences">' + "".join(f"<li>{esc(x)}</li>" for x in sentences) + "</ul>")
    if report.criteria:
        rows = [(r.metric, r.role, r.estimate, r.bounds, _status(r.status_code, r.status)) for r in report.criteria]
        parts.append(table(CRITERIA_HEADERS, rows, classes=("", "", "num", "num", ""), css_class="criteria"))
    else:
        parts.append("<p>No success criteria are set.</p>")
    if report.caveats:
        parts += [
            _heading(sub, "Caveats", **{"class": "sub"}),
            '<ul class="caveats">' + "".join(_caveat_item(c) for c in report.caveats) + "</ul>",
        ]
    parts += [doc.chart(chart, caption) for caption, chart in report.charts]
    if report.market is not None:
        parts += _synthetic_control(report.market, sub)
    parts += _for_analysts(report, sub)
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
