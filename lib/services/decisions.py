"""Decisions from the review meeting, each with the numbers frozen at that moment.

A decision is recorded against the latest decision the page showed (``shown_decision``): one made
on a page that did not show the latest is refused, naming the decision it would contradict.
Changing a decision on purpose stays possible — decide again from a page that shows it, or save
over it with a reason — as a new decision that names the one it replaces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from lib.decide.frozen import frozen_primary
from lib.infra.fields import shown
from lib.infra.inputs import DecisionIn, FieldError, InvalidInput, validated
from lib.infra.models import Decision, Pilot, utcnow
from lib.services import access, audit
from lib.services.conflicts import Clash, Overwrite, StaleWrite
from lib.services.pilots import get_pilot, locked_pilot
from lib.vocabulary import OUTCOME_LABELS, RECOMMENDATIONS, outcome_follows, recommendation_label

#: ``decide(shown_decision=UNCHECKED)``: trusted code (the demo, scripts) that decides on what is current
UNCHECKED = -1


@dataclass(frozen=True)
class DecisionRow:
    decision: Decision
    pilot_name: str

    @property
    def snapshot(self) -> dict[str, Any]:
        return json.loads(self.decision.snapshot_json or "{}")


def record_decision(
    session: Session,
    pilot_id: int,
    *,
    outcome: str,
    rationale: str,
    decided_by: str,
    snapshot: dict[str, Any],
    recommendation: str = "",
    next_check_in: date | None = None,
    override_reason: str = "",
    replaces: Decision | None = None,
    replace_reason: str = "",
) -> Decision:
    """Store the decision; "extend" keeps the pilot running, anything else closes it.

    ``decided_by`` is who is asking (a :class:`lib.services.access.Principal` from the app): viewers and
    shared links are refused before anything is written. ``replaces`` is the decision the pilot stood
    at (the audit event names it, with ``replace_reason`` when it was saved over on purpose).
    """
    access.require_editor(decided_by, "record decisions")
    pilot = get_pilot(session, pilot_id)
    data = validated(
        DecisionIn,
        outcome=outcome,
        rationale=rationale,
        decided_by=decided_by,
        next_check_in=next_check_in,
        override_reason=override_reason,
    )
    if recommendation not in ("", *RECOMMENDATIONS):  # the engine's, frozen beside the decision
        raise InvalidInput.one(
            "recommendation", f"'{shown(recommendation)}' is not a recommendation: {', '.join(RECOMMENDATIONS)}."
        )
    decision = Decision(
        pilot_id=pilot_id,
        recommendation=recommendation,
        snapshot_json=json.dumps(snapshot, default=str, allow_nan=False),
        **data.model_dump(),
    )
    session.add(decision)
    before = pilot.status
    pilot.status = "running" if data.outcome == "extend" else "decided"
    if pilot.criteria_locked_at is None:
        pilot.criteria_locked_at = utcnow()
    pilot.updated_at = utcnow()
    session.add(pilot)
    session.flush()
    audit.record(
        session,
        entity="decision",
        entity_id=decision.id,
        pilot_id=pilot_id,
        action=data.outcome,
        actor=data.decided_by,
        before={"status": before, **({"decision": _brief(replaces)} if replaces is not None else {})},
        after={"status": pilot.status, **({"replaced_because": replace_reason} if replace_reason else {})},
        reason=data.rationale,
    )
    return decision


def latest_primaries(rows: Iterable[tuple[Decision, Pilot]]) -> Iterator[tuple[Decision, Pilot, dict[str, Any]]]:
    """Each pilot's first row (its latest decision, when ``rows`` run newest first) with the primary
    verdict that decision froze (:func:`lib.decide.frozen.frozen_primary`; {} when it cannot be read)."""
    seen: set[int] = set()
    for decision, pilot in rows:
        if (pilot.id or 0) in seen:
            continue
        seen.add(pilot.id or 0)
        try:
            verdicts = json.loads(decision.snapshot_json or "{}").get("evaluation", {}).get("verdicts") or []
            primary = frozen_primary(list(verdicts))
        except (ValueError, AttributeError):
            primary = {}
        yield decision, pilot, primary


def _brief(d: Decision) -> dict[str, Any]:
    return {"id": d.id, "outcome": d.outcome, "decided_by": d.decided_by, "decided_at": d.decided_at}


def latest_decision(session: Session, pilot_id: int) -> Decision | None:
    """The decision a pilot stands at: its newest."""
    stmt = (
        select(Decision)
        .where(Decision.pilot_id == pilot_id)
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    )
    return session.exec(stmt).first()


def replaced(rows: list[DecisionRow]) -> dict[int, Decision]:
    """Each decision's id -> the one it replaced (the same pilot's decision before it), from rows newest first."""
    out: dict[int, Decision] = {}
    newest_first: dict[int, list[Decision]] = {}
    for r in rows:
        newest_first.setdefault(r.decision.pilot_id, []).append(r.decision)
    for chain in newest_first.values():
        for newer, older in zip(chain, chain[1:], strict=False):
            out[newer.id or 0] = older
    return out


def _stale(pilot: Pilot, latest: Decision, outcome: str, shown: int | None) -> StaleWrite:
    label = OUTCOME_LABELS.get
    return StaleWrite(
        [
            Clash(
                key="decision",
                who=latest.decided_by,
                at=latest.decided_at,
                did="recorded",
                what=f"“{label(latest.outcome, latest.outcome)}” for {pilot.name}",
                theirs="",
                yours=f"you chose “{label(outcome, outcome)}”",
                opened="this page",
                shown=shown,
                current=latest.id,
                mine=outcome,
            )
        ]
    )


def list_decisions(session: Session, pilot_id: int | None = None) -> list[DecisionRow]:
    stmt = select(Decision, Pilot.name).join(Pilot, col(Pilot.id) == Decision.pilot_id)
    if pilot_id is not None:
        stmt = stmt.where(Decision.pilot_id == pilot_id)
    stmt = stmt.order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    return [DecisionRow(d, name) for d, name in session.exec(stmt)]


@dataclass(frozen=True)
class RecordedDecision:
    """What ``decide`` stored: the decision and the one evaluation frozen into it."""

    decision: Decision
    snapshot: dict[str, Any]

    @property
    def recommendation(self) -> str:
        return str(self.snapshot["evaluation"]["recommendation"])


def said(recommendation: str) -> str:
    """A recommendation inside a sentence: "keep running"."""
    return recommendation_label(recommendation).lower()


def follows(outcome: str, recommendation: str) -> bool:
    """Whether a decision follows the numbers (:func:`lib.vocabulary.outcome_follows`)."""
    return outcome_follows(outcome, recommendation)


def decide(
    session: Session,
    pilot_id: int,
    *,
    outcome: str,
    rationale: str,
    decided_by: str,
    shown_recommendation: str | None = None,
    next_check_in: date | None = None,
    override_reason: str = "",
    today: date | None = None,
    shown_decision: int | None = UNCHECKED,
    over: Overwrite | None = None,
) -> RecordedDecision:
    """Record a decision with the numbers evaluated once, inside the caller's transaction.

    The stored recommendation and the frozen numbers come from the same
    evaluation. When the person decided on a page whose recommendation no longer
    holds (results logged meanwhile), nothing is stored and they are asked to look again.
    ``shown_decision`` is the id of the latest decision the page showed (None: none): when a
    colleague decided since, :class:`StaleWrite` names that decision and nothing is stored;
    ``over`` records this one over it on purpose, with the reason.
    Deciding against the recommendation needs a written reason; a check-in date, when
    given, must lie ahead (the review queue shows the pilot again from that day).
    """
    from lib.services.evaluation import decision_snapshot

    access.require_editor(decided_by, "record decisions")
    today = today or date.today()
    pilot = locked_pilot(session, pilot_id)  # a second decision on this pilot waits here until this one is stored
    latest = latest_decision(session, pilot_id)
    replace_reason = ""
    if over is not None:
        shown_decision = over.basis({"decision": shown_decision})["decision"]
        replace_reason = over.audit_reason()
    if shown_decision != UNCHECKED and latest is not None and latest.id != shown_decision:
        raise _stale(pilot, latest, outcome, shown_decision)
    snapshot = decision_snapshot(session, pilot_id)
    now = str(snapshot["evaluation"]["recommendation"])
    if shown_recommendation is not None and shown_recommendation != now:
        raise InvalidInput.one(
            "recommendation",
            f"the numbers changed while you were deciding: they now recommend "
            f"“{said(now)}”, not “{said(shown_recommendation)}”. Look again, then decide.",
        )
    problems = []
    if not follows(outcome, now) and not override_reason.strip():
        problems.append(
            FieldError(
                "override_reason",
                f"the numbers recommend “{said(now)}”: say why the meeting decides otherwise.",
            )
        )
    if next_check_in is not None and next_check_in <= today:
        problems.append(FieldError("next_check_in", "must be after today."))
    if problems:
        raise InvalidInput(problems)
    decision = record_decision(
        session,
        pilot_id,
        outcome=outcome,
        rationale=rationale,
        decided_by=decided_by,
        snapshot=snapshot,
        recommendation=now,
        next_check_in=next_check_in,
        override_reason=override_reason if not follows(outcome, now) else "",
        replaces=latest,
        replace_reason=replace_reason,
    )
    return RecordedDecision(decision, snapshot)
