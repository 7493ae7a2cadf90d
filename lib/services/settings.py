"""Workspace defaults a team sets once: the confidence new criteria start with, how often it looks, its currency.

Stored as key/value rows (``workspace_setting``) and read with their defaults, so a
workspace that never opened Settings behaves exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lib.currencies import CURRENCIES as CURRENCIES  # re-exported: the Settings page lists them
from lib.currencies import CURRENCY_NAMES
from lib.infra.inputs import FieldError, InvalidInput
from lib.infra.models import WorkspaceSetting, utcnow
from lib.services import access, audit
from lib.services.conflicts import Overwrite
from lib.services.form_merge import merge_form

CONFIDENCES: tuple[float, ...] = (0.8, 0.9, 0.95, 0.99)
#: how often the team looks at a running pilot; the plan's operating characteristics assume it
LOOK_SCHEDULES: dict[str, str] = {"daily": "Every day", "weekly": "Once a week", "end": "Once, at the end"}
#: spend and revenue are counted in one currency per workspace
DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class WorkspaceDefaults:
    confidence: float = 0.95
    looks: str = "daily"

    def looks_over(self, days: int) -> int:
        """How many looks a pilot of ``days`` days gets under this schedule."""
        return {"daily": max(days, 1), "weekly": max(days // 7, 1), "end": 1}[self.looks]


def defaults(session: Session) -> WorkspaceDefaults:
    stored = {s.key: s.value for s in session.exec(select(WorkspaceSetting))}
    base = WorkspaceDefaults()
    try:
        confidence = float(stored.get("confidence", base.confidence))
    except ValueError:
        confidence = base.confidence
    looks = stored.get("looks", base.looks)
    return WorkspaceDefaults(
        confidence=confidence if confidence in CONFIDENCES else base.confidence,
        looks=looks if looks in LOOK_SCHEDULES else base.looks,
    )


def save_defaults(
    session: Session,
    actor: str,
    *,
    confidence: float,
    looks: str,
    shown: WorkspaceDefaults | None = None,
    over: Overwrite | None = None,
) -> WorkspaceDefaults:
    """Store the defaults. With ``shown`` (what the form showed when opened) only the fields the person
    changed are written, and one a colleague changed since to something else is refused, named."""
    access.require_editor(actor, "change the workspace's defaults")
    problems = []
    if confidence not in CONFIDENCES:
        problems.append(FieldError("confidence", f"must be one of {', '.join(f'{c:.0%}' for c in CONFIDENCES)}."))
    if looks not in LOOK_SCHEDULES:
        problems.append(FieldError("looks", f"must be one of: {', '.join(LOOK_SCHEDULES)}."))
    if problems:
        raise InvalidInput(problems)
    list(session.exec(select(WorkspaceSetting).with_for_update()))  # a second save waits, then compares with this one
    before = defaults(session)
    now = {"confidence": before.confidence, "looks": before.looks}
    typed: dict[str, Any] = {"confidence": confidence, "looks": looks}
    reason = ""
    if shown is not None:
        merge = merge_form(
            session,
            entity="settings",
            entity_id=None,
            subject="",
            now=now,
            typed=typed,
            shown={"confidence": shown.confidence, "looks": shown.looks},
            over=over,
            show=_words,
            you="you chose",
        )
        typed, reason = merge.values, merge.over_reason
    for key, value in (("confidence", str(typed["confidence"])), ("looks", typed["looks"])):
        row = session.get(WorkspaceSetting, key) or WorkspaceSetting(key=key, value=value)
        row.value, row.updated_at = value, utcnow()
        session.add(row)
    try:
        session.flush()
    except IntegrityError:  # two first-ever saves at one moment: the second is told, not shown a traceback
        raise InvalidInput.one(
            "defaults", "someone else saved the defaults at the same moment; reload and look again."
        ) from None
    audit.record(
        session,
        entity="settings",
        entity_id=None,
        action="update",
        actor=actor,
        before=now,
        after=typed,
        reason=reason,
    )
    return WorkspaceDefaults(typed["confidence"], typed["looks"])


def _words(field: str, value: Any) -> str:
    if field == "confidence":
        return f"{value:.0%}"
    return LOOK_SCHEDULES.get(value, str(value)).lower()


# ------------------------------------------------------------------ money


@dataclass(frozen=True)
class Currency:
    """The one currency a workspace counts spend and revenue in: every money figure shows its symbol."""

    code: str = DEFAULT_CURRENCY

    @property
    def symbol(self) -> str:
        return CURRENCIES.get(self.code, self.code + " ")

    @property
    def name(self) -> str:
        return CURRENCY_NAMES.get(self.code, self.code)

    @property
    def label(self) -> str:
        """ "EUR (€)", as the Settings picker lists it."""
        return f"{self.code} ({self.symbol.strip()})"


def currency(session: Session) -> Currency:
    """The workspace's currency; euros until someone chooses another."""
    row = session.get(WorkspaceSetting, "currency")
    code = row.value if row is not None else DEFAULT_CURRENCY
    return Currency(code if code in CURRENCIES else DEFAULT_CURRENCY)


def save_currency(session: Session, actor: str, code: str) -> Currency:
    """Set the workspace's currency. It relabels figures, never converts them: logged spend stays as typed."""
    access.require_editor(actor, "change the workspace's currency")
    code = str(code).strip().upper()
    if code not in CURRENCIES:
        raise InvalidInput.one(
            "currency", f"'{code}' is not a currency Greenlight knows; use one of: {', '.join(CURRENCIES)}."
        )
    before = currency(session)
    row = session.get(WorkspaceSetting, "currency") or WorkspaceSetting(key="currency", value=code)
    row.value, row.updated_at = code, utcnow()
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInput.one(
            "currency", "someone else set the currency at the same moment; reload and look again."
        ) from None
    audit.record(
        session,
        entity="settings",
        entity_id=None,
        action="update",
        actor=actor,
        before={"currency": before.code},
        after={"currency": code},
    )
    if code != before.code:  # money criteria's stored verdicts say the old symbol: each is read again
        from lib.infra.models import Criterion
        from lib.services.data_versions import bump
        from lib.vocabulary import MONEY_THRESHOLD_TYPES

        stmt = select(Criterion.pilot_id).where(col(Criterion.threshold_type).in_(MONEY_THRESHOLD_TYPES)).distinct()
        for pilot_id in session.exec(stmt):
            bump(session, pilot_id)
    return Currency(code)
