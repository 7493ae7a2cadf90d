"""Pilots and their success criteria.

Criteria lock when a pilot starts running: changing them afterwards needs a
reason, and the change is kept in the audit trail and shown on the pilot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lib.infra.inputs import CriterionIn, FieldError, InvalidInput, PilotIn, checked_reason, validated
from lib.infra.models import Criterion, Goal, Pilot, utcnow
from lib.services import access, audit, settings
from lib.services.conflicts import Overwrite
from lib.services.form_merge import merge_form, plain_value
from lib.services.spend_outcome import takes_spend
from lib.specs import CriterionSpec, PilotSpec, arm_roles
from lib.vocabulary import (
    DESIGN_COMPARISON,
    SPEND_METRIC,
    STARTED_STATUSES,
    Comparison,
    Design,
    Direction,
    MetricKind,
    Role,
    ThresholdType,
)

CRITERION_FIELDS = (
    "metric",
    "unit",
    "kind",
    "role",
    "direction",
    "comparison",
    "threshold",
    "threshold_type",
    "confidence",
    "denominator_label",
    "numerator_label",
)


@dataclass(frozen=True)
class PilotRow:
    """A pilot with what the lists show next to it."""

    pilot: Pilot
    goal_name: str | None
    criteria_count: int


@dataclass(frozen=True)
class Catalogue:
    """Every pilot with its goal's name and its criteria, in three queries: what the Pilots page lists."""

    rows: list[PilotRow]
    criteria: dict[int, list[Criterion]]

    @property
    def by_id(self) -> dict[int, Pilot]:
        return {r.pilot.id or 0: r.pilot for r in self.rows}


def catalogue(session: Session) -> Catalogue:
    return Catalogue(list_pilots(session), criteria_by_pilot(session))


def choices(session: Session, statuses: Sequence[str] = ()) -> list[tuple[int, str, str]]:
    """(id, name, status) of every pilot, or of those in ``statuses``, by name: for pickers, without loading rows."""
    stmt = select(col(Pilot.id), col(Pilot.name), col(Pilot.status)).order_by(col(Pilot.name))
    if statuses:
        stmt = stmt.where(col(Pilot.status).in_(statuses))
    return [(int(i or 0), n, s) for i, n, s in session.exec(stmt)]


def get_pilot(session: Session, pilot_id: int) -> Pilot:
    pilot = session.get(Pilot, pilot_id)
    if pilot is None:
        raise InvalidInput.one("pilot", f"pilot #{pilot_id} does not exist.")
    return pilot


def find_pilot(session: Session, id_or_name: str | int) -> Pilot:
    """By id or exact name, for the CLI and links."""
    text = str(id_or_name).strip()
    if text.isdigit():
        return get_pilot(session, int(text))
    pilot = session.exec(select(Pilot).where(Pilot.name == text)).first()
    if pilot is None:
        raise InvalidInput.one("pilot", f"no pilot is named '{text}'.")
    return pilot


def list_pilots(session: Session) -> list[PilotRow]:
    goals = {g.id: g.name for g in session.exec(select(Goal))}
    counts: dict[int, int] = {}
    for pid in session.exec(select(Criterion.pilot_id)):
        counts[pid] = counts.get(pid, 0) + 1
    pilots = session.exec(select(Pilot).order_by(col(Pilot.id)))
    return [PilotRow(p, goals.get(p.goal_id), counts.get(p.id or 0, 0)) for p in pilots]


@dataclass(frozen=True)
class Loggable:
    """A pilot results can be logged against (it has criteria): what the Log results picker lists."""

    id: int
    name: str
    status: str


def loggable(session: Session) -> list[Loggable]:
    """Pilots with at least one criterion, in id order: three columns, not every pilot's row and its goal."""
    with_criteria = select(Criterion.pilot_id).where(Criterion.pilot_id == Pilot.id).exists()
    rows = session.exec(
        select(col(Pilot.id), col(Pilot.name), col(Pilot.status)).where(with_criteria).order_by(col(Pilot.id))
    )
    return [Loggable(pid or 0, name, status) for pid, name, status in rows]


def pilot_names(session: Session) -> dict[int, str]:
    """Every pilot's name by id, in id order: what a picker lists (two columns, not the pilots' rows)."""
    rows = session.exec(select(col(Pilot.id), col(Pilot.name)).order_by(col(Pilot.id)))
    return {pid or 0: name for pid, name in rows}  # stored pilots always have an id


def criteria_for(session: Session, pilot_id: int) -> list[Criterion]:
    stmt = select(Criterion).where(Criterion.pilot_id == pilot_id).order_by(col(Criterion.id))
    return list(session.exec(stmt))


def _validate_criteria(design: str, criteria: Sequence[dict[str, Any]]) -> list[CriterionIn]:
    out: list[CriterionIn] = []
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(criteria, start=1):
        raw = {"comparison": DESIGN_COMPARISON[design], **raw}
        try:
            c = validated(CriterionIn, **raw)
        except InvalidInput as exc:
            raise InvalidInput([type(e)(f"criterion_{i}_{e.field}", e.message) for e in exc.errors]) from None
        if c.comparison != DESIGN_COMPARISON[design]:
            raise InvalidInput.one(
                f"criterion_{i}_comparison",
                f"a {design} pilot compares {DESIGN_COMPARISON[design]}, not {c.comparison}.",
            )
        if (c.metric, c.role) in seen:
            raise InvalidInput.one(f"criterion_{i}_metric", f"'{c.metric}' is already a {c.role} criterion.")
        seen.add((c.metric, c.role))
        out.append(c)
    if criteria and not any(c.role == "primary" for c in out):
        raise InvalidInput.one("criteria", "at least one criterion must be primary.")
    return out


def _check_goal(session: Session, goal_id: int | None) -> None:
    if goal_id is not None and session.get(Goal, goal_id) is None:
        raise InvalidInput.one("goal_id", f"goal #{goal_id} does not exist.")


def _check_name(session: Session, name: str, pilot_id: int | None = None) -> None:
    other = session.exec(select(Pilot).where(Pilot.name == name)).first()
    if other is not None and other.id != pilot_id:
        raise InvalidInput.one("name", f"a pilot named '{name}' already exists.")


def _validate_all(
    values: dict[str, Any], criteria: Sequence[dict[str, Any]] | None
) -> tuple[PilotIn, list[CriterionIn] | None]:
    """Check the pilot and its criteria together, so one save reports every problem."""
    errors: list[FieldError] = []
    data: PilotIn | None = None
    specs: list[CriterionIn] | None = None
    try:
        data = validated(PilotIn, **values)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    if criteria is not None:
        given = values.get("design")
        design = data.design if data else given if isinstance(given, str) and given in DESIGN_COMPARISON else "ab"
        try:
            specs = _validate_criteria(design, criteria)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidInput(errors)
    assert data is not None
    return data, specs


def create_pilot(session: Session, actor: str, criteria: Sequence[dict[str, Any]] = (), **values: Any) -> Pilot:
    access.require_editor(actor, "create pilots")
    data, specs = _validate_all(values, criteria)
    assert specs is not None
    _check_goal(session, data.goal_id)
    _check_name(session, data.name)
    pilot = Pilot(**data.model_dump())
    if pilot.status in STARTED_STATUSES:
        pilot.criteria_locked_at = utcnow()
    session.add(pilot)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInput.one("name", f"a pilot named '{data.name}' already exists.") from None
    for c in specs:
        session.add(Criterion(pilot_id=_id(pilot), **c.model_dump()))
    audit.record(
        session,
        entity="pilot",
        entity_id=pilot.id,
        pilot_id=pilot.id,
        action="create",
        actor=actor,
        after={**(audit.snapshot(pilot) or {}), "criteria": [c.model_dump() for c in specs]},
    )
    return pilot


def locked_pilot(session: Session, pilot_id: int) -> Pilot:
    """The pilot, its row locked until the transaction ends (PostgreSQL; SQLite's writers queue anyway):
    a second write that compares against it waits, then sees the first one's change."""
    pilot = session.exec(select(Pilot).where(Pilot.id == pilot_id).with_for_update()).first()
    if pilot is None:
        raise InvalidInput.one("pilot", f"pilot #{pilot_id} does not exist.")
    return pilot


def update_pilot(
    session: Session,
    pilot_id: int,
    actor: str,
    criteria: Sequence[dict[str, Any]] | None = None,
    reason: str = "",
    *,
    shown: dict[str, Any] | None = None,
    over: Overwrite | None = None,
    **values: Any,
) -> Pilot:
    """Change a pilot; ``criteria`` (when given) replaces the set, which needs a reason once locked.

    ``shown`` is what the form showed when it was opened (its fields, and ``"criteria"``): the save is
    then merged field by field (:mod:`lib.services.form_merge`) — only the fields the person changed are
    written, and one a colleague changed since to something else is refused. Without it (scripts, the
    CLI, a status change) every field is set from ``values``. ``over`` saves over the clashes shown.
    """
    access.require_editor(actor, "edit pilots or their criteria")
    pilot = locked_pilot(session, pilot_id)
    if shown is not None:
        values, criteria, reason = _merged(session, pilot, values, criteria, reason, shown, over)
    data, _ = _validate_all(values, criteria)
    reason = checked_reason(reason)
    _check_goal(session, data.goal_id)
    _check_name(session, data.name, pilot_id)
    before = audit.snapshot(pilot)
    old_criteria = _criteria_snapshot(session, pilot_id)
    if data.design != pilot.design and old_criteria and criteria is None:
        raise InvalidInput.one("design", "changing the design needs the criteria re-entered for it.")
    for key, value in data.model_dump().items():
        setattr(pilot, key, value)
    if pilot.status in STARTED_STATUSES and pilot.criteria_locked_at is None:
        pilot.criteria_locked_at = utcnow()
    pilot.updated_at = utcnow()
    session.add(pilot)
    audit.record(
        session,
        entity="pilot",
        entity_id=pilot.id,
        pilot_id=pilot.id,
        action="update",
        actor=actor,
        before=before,
        after=audit.snapshot(pilot),
        reason=reason,
    )
    if criteria is not None:
        replace_criteria(session, pilot, criteria, actor, reason, old_criteria)
    return pilot


def form_basis(pilot: Pilot, criteria: Sequence[Criterion]) -> dict[str, Any]:
    """What an edit form shows of a pilot, as ``update_pilot(shown=…)`` compares it: its fields and criteria."""
    return {
        **{k: getattr(pilot, k) for k in PilotIn.model_fields},
        "criteria": [{k: getattr(c, k) for k in CRITERION_FIELDS} for c in criteria],
    }


def _normal(values: dict[str, Any]) -> dict[str, Any]:
    """A form's pilot fields as stored (stripped, arms as the design has them); as given when they do not validate."""
    try:
        return validated(PilotIn, **values).model_dump()
    except InvalidInput:
        return dict(values)


def _merged(
    session: Session,
    pilot: Pilot,
    values: dict[str, Any],
    criteria: Sequence[dict[str, Any]] | None,
    reason: str,
    shown: dict[str, Any],
    over: Overwrite | None,
) -> tuple[dict[str, Any], Sequence[dict[str, Any]] | None, str]:
    """The edit merged into the pilot as it is now: (values, criteria or None when unchanged, reason)."""
    typed, _ = _validate_all(values, criteria)  # bad input is named before anything is compared
    mine = typed.model_dump()
    now = {k: getattr(pilot, k) for k in mine}
    basis = _normal({k: v for k, v in shown.items() if k != "criteria"})
    fields = {k: basis[k] for k in mine if k in basis}
    shown_criteria = shown.get("criteria")
    if criteria is not None and shown_criteria is not None:
        current = _criteria_snapshot(session, _id(pilot))
        design = mine["design"]
        new = [{k: c.model_dump()[k] for k in CRITERION_FIELDS} for c in _validate_criteria(design, criteria)]
        fields["criteria"], mine["criteria"], now["criteria"] = (
            _comparable(list(shown_criteria)),
            _comparable(new),
            _comparable(current),
        )
    merge = merge_form(
        session,
        entity="pilot",
        entity_id=pilot.id,
        subject=f" of “{pilot.name}”",
        now=now,
        typed=mine,
        shown=fields,
        over=over,
        show=lambda field, value: _pilot_words(session, field, value),
        audited_as={"criteria": "criteria"},
    )
    if "criteria" in merge.values:
        criteria = criteria if "criteria" in merge.changed else None
        del merge.values["criteria"]
    if merge.over_reason:
        reason = merge.over_reason + (f" — {reason.strip()}" if reason.strip() else "")
    return merge.values, criteria, reason


def _pilot_words(session: Session, field: str, value: Any) -> str:
    """A pilot field's value as a refusal quotes it: a goal by its name, criteria in words."""
    if field == "goal_id" and value is not None:
        goal = session.get(Goal, value)
        return f"“{goal.name}”" if goal else f"goal #{value}"
    if field == "criteria":
        saved = [dict(zip(CRITERION_FIELDS, c, strict=True)) for c in value]
        return "“" + "; ".join(audit.described(saved, settings.currency(session).symbol)) + "”"
    return plain_value(field, value)


def replace_criteria(
    session: Session,
    pilot: Pilot,
    criteria: Sequence[dict[str, Any]],
    actor: str,
    reason: str = "",
    old: list[dict[str, Any]] | None = None,
) -> None:
    access.require_editor(actor, "change criteria")
    specs = _validate_criteria(pilot.design, criteria)
    reason = checked_reason(reason)
    new = [{k: c.model_dump()[k] for k in CRITERION_FIELDS} for c in specs]
    if old is None:
        old = _criteria_snapshot(session, _id(pilot))
    if _comparable(new) == _comparable(old):
        return
    locked = pilot.criteria_locked_at is not None
    if locked and not reason.strip():
        raise InvalidInput.one(
            "reason", "the criteria are locked since the pilot started: say why they change (it is shown on the pilot)."
        )
    for row in criteria_for(session, _id(pilot)):
        session.delete(row)
    session.flush()
    for c in specs:
        session.add(Criterion(pilot_id=_id(pilot), **c.model_dump()))
    audit.record(
        session,
        entity="criteria",
        entity_id=pilot.id,
        pilot_id=pilot.id,
        action="change_after_lock" if locked else "update",
        actor=actor,
        before={"criteria": old},
        after={"criteria": new},
        reason=reason,
    )


def _id(pilot: Pilot) -> int:
    """A stored pilot's id (flushed rows always have one)."""
    assert pilot.id is not None
    return pilot.id


def _criteria_snapshot(session: Session, pilot_id: int) -> list[dict[str, Any]]:
    return [audit.snapshot(c, CRITERION_FIELDS) or {} for c in criteria_for(session, pilot_id)]


def _comparable(criteria: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Criteria as a sorted list with thresholds rounded: a percent typed back in is no change."""
    return sorted(
        tuple(round(v, 9) if isinstance(v, float) else v for v in (c[k] for k in CRITERION_FIELDS)) for c in criteria
    )


def set_status(session: Session, pilot_id: int, status: str, actor: str) -> Pilot:
    access.require_editor(actor, "change a pilot")
    pilot = get_pilot(session, pilot_id)
    values = audit.snapshot(pilot, tuple(PilotIn.model_fields)) or {}
    values["status"] = status
    return update_pilot(session, pilot_id, actor, **values)


def pilot_spec(pilot: Pilot) -> PilotSpec:
    """The decision engine's view of a pilot."""
    control_arm, pilot_arm = arm_roles(pilot.arm_list, pilot.design)
    return PilotSpec(
        name=pilot.name,
        design=cast(Design, pilot.design),
        start=pilot.start_date,
        end=pilot.end_date,
        baseline_start=pilot.baseline_start,
        baseline_end=pilot.baseline_end,
        planned_n_per_arm=pilot.planned_n_per_arm,
        control_arm=control_arm,
        pilot_arm=pilot_arm,
        unit=pilot.unit,
        unit_summary=pilot.unit_summary or "mean",
        test_markets=tuple(pilot.test_market_list),
        excluded_markets=tuple(pilot.excluded_market_list),
    )


def criterion_spec(c: Criterion) -> CriterionSpec:
    return CriterionSpec(
        metric=c.metric,
        kind=cast(MetricKind, c.kind),  # stored values are vocabulary values: checked on every write
        role=cast(Role, c.role),
        comparison=cast(Comparison, c.comparison),
        threshold=c.threshold,
        direction=cast(Direction, c.direction),
        threshold_type=cast(ThresholdType, c.threshold_type),
        confidence=c.confidence,
        expected=c.expected,
        numerator_label=c.numerator_label,
    )


def metric_kinds(session: Session, pilot_id: int) -> dict[str, str]:
    """Metric name -> kind of every metric the pilot takes values for: its criteria's (one metric has one
    kind), and spend (a daily amount) once it has an outcome for the money to buy (``spend_outcome``)."""
    criteria = criteria_for(session, pilot_id)
    kinds = {c.metric: c.kind for c in criteria}
    if takes_spend(criteria):
        kinds[SPEND_METRIC] = "count"
    return kinds


def criteria_by_pilot(session: Session) -> dict[int, list[Criterion]]:
    """Every pilot's criteria in one query (a page listing pilots must not query once per pilot)."""
    out: dict[int, list[Criterion]] = {}
    for c in session.exec(select(Criterion).order_by(col(Criterion.id))):
        out.setdefault(c.pilot_id, []).append(c)
    return out
