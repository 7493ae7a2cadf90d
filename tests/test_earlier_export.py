"""A workspace exported by an earlier Greenlight restores and reads back the same verdicts and sentences.

``fixtures/workspace_2026-12-06.json`` is a backup written by the code of commit a559238 (before the
pace projection and the reasons' codes were kept as data): the demo loaded on 6 Dec 2026, plus an
"extend" decision on the retargeting pilot whose frozen snapshot holds a pace note ("At today's pace it
reaches about 6,800 clicks per arm by 13 Dec 2026, short of the planned 9,000: …").
``fixtures/workspace_2026-12-06_readback.json`` holds what that same code read back from it: every
pilot's verdicts, reasons, headline, report notes and progress summary, fresh and as each decision froze
them, on the export day and on 20 Dec 2026 (after the retargeting pilot's end, when its pace note reads
as what it holds), and the evaluation that code kept for the retargeting pilot (``stored_evaluation``).

Regenerate only to record a deliberate change of wording: ``python -m tests.test_earlier_export``
(writes both files from the current code).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from lib import charts
from lib.decide import CriterionVerdict, PilotEvaluation, wording
from lib.decide.frozen import evaluation_from_snapshot
from lib.decide.progress import past_end
from lib.decide.verdicts import Pace
from lib.infra.db import reading, transaction
from lib.infra.models import Pilot, StoredEvaluation
from lib.report.pilot_report import build_pilot_report
from lib.services import backup
from lib.services.decisions import list_decisions
from lib.services.evaluation import evaluate
from lib.services.headline import Logged, headline, headline_for
from lib.services.pilots import pilot_spec
from lib.services.results import observations
from lib.services.stored_evaluations import STORED_AS, latest
from lib.vocabulary import STARTED_STATUSES

FIXTURES = Path(__file__).parent / "fixtures"
BACKUP = FIXTURES / "workspace_2026-12-06.json"
EXPECTED = FIXTURES / "workspace_2026-12-06_readback.json"
EXPORTED_ON = date(2026, 12, 6)
#: after the retargeting pilot's end (13 Dec 2026): its pace note reads as what the pilot holds
AFTER_ITS_END = date(2026, 12, 20)
DAYS = (EXPORTED_ON, AFTER_ITS_END)
RETARGETING = "Retargeting budget shift"


def _number(x: float | None) -> float | None:
    return None if x is None else round(float(x), 9)


def _verdict(v: CriterionVerdict) -> dict[str, Any]:
    return {
        "metric": v.metric,
        "label": v.label,
        "role": v.role,
        "status": v.status,
        "met": v.met,
        "sentence": v.sentence,
        "warnings": list(v.warnings),
        "sample_n": _number(v.sample_n),
        "progress": _number(v.progress),
        "more_needed": v.more_needed,
        "more_needed_unit": v.more_needed_unit,
        "confidence": _number(v.confidence),
    }


def _evaluation(ev: PilotEvaluation) -> dict[str, Any]:
    return {
        "recommendation": ev.recommendation,
        "reasons": list(ev.reasons),
        "verdicts": [_verdict(v) for v in ev.verdicts],
    }


def _report(ev: PilotEvaluation, pilot: Pilot, decision: Any = None) -> dict[str, Any]:
    report = build_pilot_report(ev, pilot_name=pilot.name, hypothesis=pilot.hypothesis, decision=decision)
    return {"headline": report.headline, "reasons": report.reasons, "notes": report.notes}


def read_back(session: Session, today: date) -> dict[str, Any]:
    """What a reader sees of every pilot on ``today``: fresh, as read that day, and as each decision froze it."""
    out: dict[str, Any] = {}
    for pilot in session.exec(select(Pilot).order_by(col(Pilot.id))):
        pid = pilot.id or 0
        started = pilot.status in STARTED_STATUSES
        fresh = evaluate(session, pid)
        seen = past_end(fresh, pilot.end_date, today)
        said = headline_for(session, pilot, fresh if started else None, today)
        summary = charts.progress(pilot_spec(pilot), observations(session, pid), seen, today=today).summary
        frozen = []
        for row in reversed(list_decisions(session, pid)):
            kept = evaluation_from_snapshot(row.snapshot)
            then = headline(pilot, kept, decision=row.decision, logged=Logged(), today=today)
            frozen.append(
                {
                    "outcome": row.decision.outcome,
                    "evaluation": _evaluation(kept),
                    "read_today": _evaluation(past_end(kept, pilot.end_date, today)),
                    "headline": {"code": then.code, "title": then.title, "reasons": then.reasons},
                    "report": _report(kept, pilot, row.decision),
                }
            )
        out[pilot.name] = {
            "fresh": _evaluation(fresh),
            "read_today": _evaluation(seen),
            "headline": {"state": said.state, "code": said.code, "title": said.title, "reasons": said.reasons},
            "report": _report(seen, pilot),
            "progress": summary,
            "decisions": frozen,
        }
    return out


def _restored(engine: sa.Engine) -> None:
    backup.restore_workspace(engine, backup.loads(BACKUP.read_text(encoding="utf-8")))


def _expected() -> dict[str, Any]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_the_fixture_is_a_backup_of_the_earlier_format_with_a_pace_note_frozen_in_a_decision():
    data = backup.loads(BACKUP.read_text(encoding="utf-8"))
    frozen = [json.loads(d["snapshot_json"]) for d in data["tables"]["decision"]]
    notes = [w for s in frozen for v in s["evaluation"]["verdicts"] for w in v["warnings"] if "today's pace" in w]
    assert notes == [
        "At today's pace it reaches about 6,800 clicks per arm by 13 Dec 2026, short of the planned 9,000: "
        "extend the end date or widen the audience, or accept a less certain answer."
    ]
    assert all("pace" not in v for s in frozen for v in s["evaluation"]["verdicts"])  # words only, no data


def test_an_earlier_snapshot_reads_back_its_pace_reason_by_key_and_the_others_as_unknown():
    data = backup.loads(BACKUP.read_text(encoding="utf-8"))
    pid = next(p["id"] for p in data["tables"]["pilot"] if p["name"] == RETARGETING)
    extend = next(d for d in data["tables"]["decision"] if d["pilot_id"] == pid)
    kept = evaluation_from_snapshot(json.loads(extend["snapshot_json"]))
    keys = [(k.code, k.metric) for k in kept.reason_keys]
    assert keys == [
        ("unknown", None),
        ("unknown", None),
        ("unknown", None),
        ("pace", "conversion_rate"),
        ("unknown", None),
    ]
    assert kept.reasons[3].startswith("Conversion rate: At today's pace it reaches about 6,800 clicks per arm")


def test_a_workspace_exported_earlier_restores_and_reads_back_the_same_verdicts_and_sentences(engine):
    _restored(engine)
    expected = _expected()["read_back"]
    with reading(engine) as s:
        for today in DAYS:
            got = read_back(s, today)
            assert list(got) == list(expected[today.isoformat()])
            for name, seen in got.items():
                assert seen == expected[today.isoformat()][name], (today, name)
    held = expected[AFTER_ITS_END.isoformat()][RETARGETING]
    assert any(r.startswith("Conversion rate: It holds at least") for r in held["headline"]["reasons"])
    assert any(
        r.startswith("Conversion rate: It holds at least") for r in held["decisions"][0]["read_today"]["reasons"]
    )


#: what the earlier code stored as ``StoredEvaluation.method_version`` (rules and wording; its shape had no number)
EARLIER_STORED_AS = "2026.11-gs/wording-2"


@pytest.mark.parametrize("kept_as", [EARLIER_STORED_AS, STORED_AS])
def test_an_evaluation_kept_by_the_earlier_format_reads_back_the_same(engine, kept_as):
    """A stored evaluation written before the change says the same: computed again when kept as the earlier
    code kept it, and read back as it is (format 1 brought up to date on reading) when taken for current."""
    _restored(engine)
    expected = _expected()
    kept_at = datetime(2026, 12, 6, 9, tzinfo=UTC)
    with transaction(engine) as s:
        pilot = s.exec(select(Pilot).where(Pilot.name == RETARGETING)).one()
        kept = expected["stored_evaluation"]
        s.add(
            StoredEvaluation(
                pilot_id=pilot.id or 0,
                data_version=1,
                evaluated_version=1,
                method_version=kept_as,
                recommendation=kept["recommendation"],
                evaluation_json=json.dumps(kept),
                computed_at=kept_at,
            )
        )
    with reading(engine) as s:
        pilot = s.exec(select(Pilot).where(Pilot.name == RETARGETING)).one()
        ev = latest(s, [pilot])[pilot.id or 0]
        for today in DAYS:
            want = expected["read_back"][today.isoformat()][RETARGETING]
            assert _evaluation(ev) == want["fresh"]
            assert _evaluation(past_end(ev, pilot.end_date, today)) == want["read_today"]
            said = headline_for(s, pilot, ev, today)
            assert said.reasons == want["headline"]["reasons"]
    with Session(engine) as s:
        row = s.get(StoredEvaluation, pilot.id)
        assert row is not None and row.method_version == STORED_AS
        assert (row.computed_at.replace(tzinfo=UTC) == kept_at) == (kept_as == STORED_AS)  # computed again, or not
        assert ("pace" in json.loads(row.evaluation_json)["verdicts"][0]) == (kept_as != STORED_AS)


def test_the_earlier_pace_note_reads_back_as_its_numbers():
    data = backup.loads(BACKUP.read_text(encoding="utf-8"))
    pid = next(p["id"] for p in data["tables"]["pilot"] if p["name"] == RETARGETING)
    extend = next(d for d in data["tables"]["decision"] if d["pilot_id"] == pid)
    verdict = evaluation_from_snapshot(json.loads(extend["snapshot_json"])).verdicts[0]
    assert verdict.pace == Pace(5715.0, 9000, "clicks", date(2026, 12, 13), 6800.0)  # when and how fast: unsaid
    assert verdict.pace_note_at == 0 and wording.pace_note(verdict.pace, None) == verdict.warnings[0]


def _write_fixtures() -> None:  # pragma: no cover - run by hand, see the module docstring
    """The demo on 6 Dec 2026 plus an "extend" decision on the retargeting pilot, exported; and its read-back."""
    import tempfile

    from lib.demo.loader import load_demo
    from lib.infra.db import open_database
    from lib.services.decisions import decide
    from lib.services.stored_evaluations import _lean

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{tmp}/written.db")
        with transaction(engine) as s:
            load_demo(s, as_of=EXPORTED_ON)
        with transaction(engine) as s:
            pilot = s.exec(select(Pilot).where(Pilot.name == RETARGETING)).one()
            decide(
                s,
                pilot.id or 0,
                outcome="extend",
                rationale="Short of the planned sample at this pace: run it on and widen the audience.",
                decided_by="Ana",
                shown_recommendation="keep_running",
                today=EXPORTED_ON,
            )
        FIXTURES.mkdir(exist_ok=True)
        BACKUP.write_text(backup.dumps(backup.export_workspace(engine)) + "\n", encoding="utf-8")
        restored = open_database(f"sqlite:///{tmp}/restored.db")
        _restored(restored)
        with reading(restored) as s:
            pilot = s.exec(select(Pilot).where(Pilot.name == RETARGETING)).one()
            stored = _lean(evaluate(s, pilot.id or 0))
            read = {today.isoformat(): read_back(s, today) for today in DAYS}
    text = json.dumps({"stored_evaluation": stored, "read_back": read}, indent=1, ensure_ascii=False)
    EXPECTED.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    _write_fixtures()
    sys.exit(0)
