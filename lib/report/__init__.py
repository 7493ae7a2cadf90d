"""The stakeholder report and the downloads: self-contained HTML, PNG charts, safe CSV.

Charts come in as altair charts (or their Vega-Lite dicts) built elsewhere;
nothing here imports streamlit or computes a statistic::

    from lib.report import build_pilot_report, render_pilot, render_pack, chart_png, safe_csv

    report = build_pilot_report(evaluation, pilot_name=pilot.name, hypothesis=pilot.hypothesis,
                                decision=last_decision, charts=[("Signups per day", chart)])
    html_text = render_pilot(report)
"""

from lib.report.documents import render_goal, render_pack, render_pilot
from lib.report.export import chart_png, neutralise, results_frame, safe_csv
from lib.report.html import HtmlDocument, esc, js_bundle
from lib.report.pilot_report import (
    CriterionRow,
    PilotReport,
    ReportDecision,
    SummaryRow,
    build_pilot_report,
    summary_row,
)

__all__ = [
    "CriterionRow",
    "HtmlDocument",
    "PilotReport",
    "ReportDecision",
    "SummaryRow",
    "build_pilot_report",
    "chart_png",
    "esc",
    "js_bundle",
    "neutralise",
    "render_goal",
    "render_pack",
    "render_pilot",
    "results_frame",
    "safe_csv",
    "summary_row",
]
