"""The demo workspace is data (lib/demo/pilots.py) drawn with a fixed seed: the same day gives the same workspace.

The digest was taken from the demo as it was written pilot by pilot, before its pilots became one table
and one function: a change to what the demo logs or decides shows here first.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlmodel import Session, col, select

from lib.demo.loader import load_demo
from lib.demo.pilots import PILOTS
from lib.infra.db import transaction
from lib.infra.models import Criterion, Decision, Pilot, ResultEntry

AS_OF = date(2026, 12, 1)
STORES = "Weekend promotion in stores"  # added after the digest: its own test checks it
MARKETS = "Radio and billboards in two cities"  # added after the digest too: checked below
DIGEST = "f334bcb3a18ee3e4b69801f7333a0527346072dc3fae65ae5ad6bb3313b164f6"


def _content(session: Session) -> list[list]:
    names = {p.id: p.name for p in session.exec(select(Pilot)) if p.name not in (STORES, MARKETS)}
    out: list[list] = []
    for p in session.exec(select(Pilot).where(col(Pilot.name).not_in((STORES, MARKETS))).order_by(col(Pilot.id))):
        out.append([p.name, p.design, p.channel, p.status, p.priority, p.owner, p.team, p.arms])
        out.append([str(d) for d in (p.start_date, p.end_date, p.baseline_start, p.baseline_end)])
        out.append([p.planned_n_per_arm, p.scale_volume, p.hypothesis, p.expected_outcome, str(p.criteria_locked_at)])
    for c in session.exec(select(Criterion).where(col(Criterion.pilot_id).in_(names)).order_by(col(Criterion.id))):
        out.append([names[c.pilot_id], c.metric, c.kind, c.role, c.threshold, c.threshold_type, c.expected, c.unit])
    for r in session.exec(
        select(ResultEntry).where(col(ResultEntry.pilot_id).in_(names)).order_by(col(ResultEntry.id))
    ):
        out.append([names[r.pilot_id], r.metric, r.arm, str(r.day), r.n, r.total, r.total_sq, r.total_cu])
    for d in session.exec(select(Decision).order_by(col(Decision.id))):
        out.append([names[d.pilot_id], d.outcome, d.recommendation, str(d.decided_at), str(d.next_check_in)])
        out.append([d.override_reason, json.loads(d.snapshot_json)["evaluation"]["recommendation"]])
    return out


def test_the_demo_for_a_given_day_is_the_same_workspace(sqlite_engine):
    with transaction(sqlite_engine) as s:
        summary = load_demo(s, as_of=AS_OF)
    with Session(sqlite_engine) as s:
        content = _content(s)
    assert summary.pilots == len(PILOTS) + 2 + 6 and summary.decisions == 3 + 6
    digest = hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()
    assert digest == DIGEST, digest


def test_the_demo_market_test_reads_its_two_cities_against_a_synthetic_control(sqlite_engine):
    from lib.services.evaluation import evaluate

    with transaction(sqlite_engine) as s:
        load_demo(s, as_of=AS_OF)
    with Session(sqlite_engine) as s:
        pilot = s.exec(select(Pilot).where(Pilot.name == MARKETS)).one()
        assert (pilot.design, pilot.test_markets, pilot.excluded_markets) == ("market", "Chicago,Portland", "Milwaukee")
        ev = evaluate(s, pilot.id or 0, as_of=AS_OF)
    [v] = ev.verdicts
    market = v.market
    assert market is not None and market["fit"]["fit_ok"] and (market["pre_days"], market["test_days"]) == (90, 15)
    assert len(market["controls"]) == 37  # forty cities less the two tested and Milwaukee
    lift = market["relative_lift"]
    assert lift["low"] < 0.05 < lift["high"] and lift["estimate"] > 0.03  # the gap shows, not yet clear of noise
    assert ev.recommendation == "keep_running" and "not clear yet" in v.sentence, ev.reasons
