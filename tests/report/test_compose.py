"""The review pack holds exactly Review's queue: the same pilots, in its order, each with its reason.

On the demo the queue and the pack's old rule differed: Review listed Pricing page FAQ
(check-in due) while ``report --pending`` wrote "No pilots". Later days add pilots the
numbers call and pilots whose end has passed, so every reason and the order are compared.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from lib.cli.main import main
from lib.demo.loader import load_demo
from lib.infra.db import reading, transaction
from lib.services import meeting, reporting
from lib.services.results import log_results
from tests import factories


def _clear_win(session, today: date) -> None:
    """A running A/B pilot its numbers already call (the demo's running pilots are all undecided)."""
    start = today - timedelta(days=20)
    pilot = factories.ab_pilot(
        session,
        "Reply-first subject lines",
        start_date=start,
        end_date=today + timedelta(days=40),
        priority="should",
        criteria=[dict(metric="reply_rate", kind="proportion", role="primary", threshold=0.0)],
    )
    rows = [r for d in range(20) for r in factories.day_rows(start + timedelta(days=d), (400, 24), (410, 60))]
    log_results(session, pilot.id or 0, rows, "tester")


def _pack_rows(html: str) -> list[tuple[str, str]]:
    """(pilot, reason) per line of the pack's summary table, in the order shown."""
    table = html.split('class="summary-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr><td><a href="#pilot-\d+">([^<]+)</a></td><td>([^<]+)</td>', table)


@pytest.mark.parametrize("days_later", [0, 20])
def test_the_pack_holds_reviews_queue_in_its_order_with_each_reason(engine, days_later):
    with transaction(engine) as s:
        load_demo(s)
        _clear_win(s, date.today())
    today = date.today() + timedelta(days=days_later)
    with reading(engine) as s:
        queue = [(item.row.pilot.name, item.why) for item in meeting.queue(s, today)]
        pending = [(item.row.pilot.name, item.why) for item in reporting.pending(s, today)]
        html = reporting.pack_html(s, today)
    assert queue, "the demo always has a pilot awaiting a decision"
    assert pending == queue
    assert _pack_rows(html) == queue
    assert f"{len(queue)} pilot{'s' if len(queue) != 1 else ''} for the review" in html
    for _, why in queue:
        assert f"<strong>Needs a decision:</strong> {why}</p>" in html
    if days_later == 0:  # the case the two rules disagreed on
        assert ("Pricing page FAQ", "check-in due today") in queue
    if days_later == 20:  # every reason the queue knows, so order and wording are compared across them
        reasons = {why.split(":")[0].split(" on ")[0] for _, why in queue}
        assert reasons == {"the numbers call it", "ended"} and len(queue) >= 3


def test_report_pending_names_reviews_queue_and_writes_it(app_demo_engine, tmp_path, capsys):
    out_file = tmp_path / "pack.html"
    assert main(["report", "--pending", "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    with reading(app_demo_engine) as s:
        queue = [(item.row.pilot.name, item.why) for item in meeting.queue(s)]
    assert f"Review's queue: {len(queue)} pilot(s) awaiting a decision." in out
    assert [tuple(line.strip().split(": ", 1)) for line in out.splitlines() if line.startswith("  ")] == queue
    assert _pack_rows(out_file.read_text(encoding="utf-8")) == queue
