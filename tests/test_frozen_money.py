"""A decision freezes "Does it pay?" with its evaluation (issue 28, polish): the pinned share link, the decision's
report and Review's decision log lead with the money as read when decided; older snapshots without it still read."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlmodel import Session

from lib.decide.frozen import frozen_money
from lib.infra.db import transaction
from lib.infra.models import Decision
from lib.report.documents import render_pilot
from lib.services import decisions, meeting, reporting, results, share, share_report
from lib.vocabulary import SPEND_METRIC
from tests import factories

FIRST = date.today() - timedelta(days=14)


def _rows(first_day: int, days: int, pilot_spend: float) -> list[dict]:
    rows = []
    for i in range(first_day, first_day + days):
        d = FIRST + timedelta(days=i)
        rows += factories.day_rows(d, control=(400 + i, 20 + i % 3), pilot=(410 + i, 34 + i % 4))
        rows.append(dict(metric=SPEND_METRIC, arm="pilot", day=d, n=1, total=pilot_spend))
    return rows


def _decided(engine) -> tuple[int, int, str]:
    """A pilot with 10 days of replies and spend, decided; then more spend logged after the decision."""
    with transaction(engine) as s:
        p = factories.ab_pilot(s, start_date=FIRST, end_date=FIRST + timedelta(days=27))
        results.log_results(s, p.id, _rows(0, 10, 100.0), "Ana", today=date.today())
        recorded = decisions.decide(
            s, p.id, outcome="extend", rationale="More weeks to see it pay", decided_by="Ana", override_reason="x"
        )
        said = recorded.snapshot["spend"]["sentence"]
        results.log_results(s, p.id, _rows(10, 3, 900.0), "Ana", today=date.today())
        return p.id, recorded.decision.id or 0, said


def test_the_decision_freezes_the_money_and_the_pinned_link_and_report_lead_with_it(engine):
    pid, did, said = _decided(engine)
    assert said.startswith("€") and "per extra reply" in said and "€1,000 spent so far." in said
    with transaction(engine) as s:
        _, token = share.create_link(s, actor="Ana", pilot_id=pid, decision_id=did)
    with Session(engine) as s:
        target = share.resolve(s, token)
        assert target is not None
        pinned = share_report.load_report(s, target)
        live = reporting.pilot_report(reporting.pilot_bundle(s, pid))
        log = meeting.frozen_numbers(decisions.list_decisions(s, pid)[0])
    assert pinned.report.money == [said]  # the money as decided, not today's €3,700
    assert "€3,700 spent so far." in live.money[0]
    assert log.money == (said,)
    html = render_pilot(pinned.report)
    assert "Does it pay?" in html and "€1,000 spent so far." in html


def test_a_snapshot_frozen_before_the_money_was_kept_still_reads_without_a_money_block(engine):
    pid, did, _ = _decided(engine)
    with transaction(engine) as s:
        d = s.get(Decision, did)
        older = json.loads(d.snapshot_json)
        del older["spend"]
        d.snapshot_json = json.dumps(older)
        s.add(d)
    with Session(engine) as s:
        report = reporting.pilot_report(reporting.frozen_bundle(s, did))
        log = meeting.frozen_numbers(decisions.list_decisions(s, pid)[0])
    assert report.money == [] and log.money == () and report.sentences  # the verdicts still read
    assert "Does it pay?" not in render_pilot(report)
    assert frozen_money({"spend": None}) == [] and frozen_money({"spend": {"sentence": 3}}) == []
    assert frozen_money({"spend": {"sentence": "€5 per extra reply.", "projection": "Scaled …"}}) == [
        "€5 per extra reply.",
        "Scaled …",
    ]
