"""Optimistic concurrency: every save says what it was based on, and a stale one writes nothing.

Several people log results and decide at once, so a page can be stale when it
is saved. Each write path takes the basis its page showed — the values of the
rows or fields the person edited, or the id of the latest decision — and, in
the write's own transaction, compares it with what is current. When a
colleague changed that since, nothing is written and :class:`StaleWrite` says
who changed what and when, theirs beside yours::

    Ana changed sent for 4 Oct · control to 39 at 10:02, after you opened this grid; you typed 132.

The person then reloads, keeps theirs, or saves theirs over it on purpose with
a reason (the write is called again with the basis moved to what is current
now, which :meth:`StaleWrite.rebased` gives, and the reason is kept in the
audit trail beside the colleague's change).

Edit forms merge field by field: only the fields the person changed are
compared with what they were shown, and only those are written. Two people
changing different fields of one pilot (one the owner, one the end date) both
succeed; the same field changed to two different values is refused. A
colleague who already typed what you typed is no clash. This keeps the rule
"nobody's change is silently replaced" without ever refusing a lone editor,
whose basis is always what is current.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlmodel import Session, col, select

from lib.formatting import MONTHS
from lib.infra.fields import TEXT_MAX
from lib.infra.inputs import FieldError, InvalidInput, checked_reason
from lib.infra.models import AuditEvent

#: how much of the audit reason is left for the person's own words once "over Ana's change of …" is added
OVER_REASON_MAX = TEXT_MAX - 200


@dataclass(frozen=True)
class Clash:
    """One thing a colleague changed after the page was opened, with what the person wanted instead.

    ``key`` names the row or field; ``shown``, ``current`` and ``mine`` are the basis as the page
    showed it, as it is now, and as the person typed it (in the write path's own terms), so a page
    can keep theirs or save over it without reading anything again.
    """

    key: Hashable
    who: str
    at: datetime | None
    did: str  # "changed", "logged", "cleared", "recorded", "revoked", "reordered"
    what: str  # "sent for 4 Oct · control"
    theirs: str  # " to 39" (empty when the verb says it all)
    yours: str  # "you typed 132"
    opened: str = "this page"
    shown: Any = None
    current: Any = None
    mine: Any = None

    def sentence(self, tz: tzinfo | None = None, now: datetime | None = None) -> str:
        """The refusal in words; ``tz`` is the reader's time zone (times are in UTC, and say so, without one)."""
        return f"{self.who} {self.did} {self.what}{self.theirs}{when(self.at, tz, now)}, after you opened {self.opened}; {self.yours}."


class StaleWrite(InvalidInput):
    """A save based on what a page showed before a colleague changed it: nothing (of it) was written.

    A ``ValueError`` like every refusal, so the CLI prints it as one line; pages offer the choices.
    """

    def __init__(self, clashes: Sequence[Clash]):
        self.clashes = tuple(clashes)
        super().__init__([FieldError("conflict", c.sentence()) for c in self.clashes])

    def __str__(self) -> str:
        return " ".join(c.sentence() for c in self.clashes)

    def sentences(self, tz: tzinfo | None = None) -> list[str]:
        return [c.sentence(tz) for c in self.clashes]

    @property
    def keys(self) -> list[Hashable]:
        return [c.key for c in self.clashes]

    def overwrite(self, reason: str) -> Overwrite:
        """Save mine over theirs, with ``reason``: pass it to the same write path as ``over``."""
        return Overwrite(reason, self.clashes)

    def rebased(self, shown: Mapping[Any, Any]) -> dict[Any, Any]:
        """``shown`` with each clashing key moved to what is current: what the person has now seen."""
        return {**shown, **{c.key: c.current for c in self.clashes}}

    def theirs_kept(self, typed: Mapping[Any, Any]) -> dict[Any, Any]:
        """``typed`` with each clashing key set to what is current: "keep theirs", the rest as typed."""
        return {**typed, **{c.key: c.current for c in self.clashes}}


def when(at: datetime | None, tz: tzinfo | None = None, now: datetime | None = None) -> str:
    """ " at 10:02" today, " on 3 Oct at 10:02" before; in ``tz``, else in UTC with the zone named."""
    if at is None:
        return ""
    moment = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz or UTC)
    today = (now or datetime.now(UTC)).astimezone(tz or UTC).date()
    clock = f"{moment:%H:%M}{'' if tz else ' UTC'}"
    return f" at {clock}" if moment.date() == today else f" on {day_month(moment.date())} at {clock}"


def day_month(day: date) -> str:
    """``4 Oct``: how a person names a day of this pilot."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def same(a: Any, b: Any) -> bool:
    """Equal as a person reads it: numbers within rounding (a value typed back through a form is no change)."""
    if (
        isinstance(a, float | int)
        and isinstance(b, float | int)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@dataclass(frozen=True)
class FieldMerge:
    """An edit form's save, field by field: what the person changed, and which of those a colleague changed too."""

    mine: dict[str, Any]
    clashing: list[str]


def merge_fields(shown: Mapping[str, Any], typed: Mapping[str, Any], now: Mapping[str, Any]) -> FieldMerge:
    """Compare only the fields the person changed (``typed`` against ``shown``) with what is ``now``.

    A field clashes when a colleague changed it since (``now`` differs from ``shown``) to something
    other than what the person typed. Fields the person left alone are not compared: theirs stay.
    """
    mine = {k: v for k, v in typed.items() if k in shown and not same(v, shown[k])}
    clashing = [k for k, v in mine.items() if not same(now.get(k), shown[k]) and not same(now.get(k), v)]
    return FieldMerge(mine, clashing)


@dataclass(frozen=True)
class Overwrite:
    """Save mine over theirs on purpose: the clashes the person was shown, and why they overwrite them.

    The write path moves its basis to what each clash found current (:meth:`basis`), so a change made
    after the refusal is refused again rather than overwritten unseen, and keeps the reason with
    whose change it replaced (:meth:`audit_reason`).
    """

    reason: str
    clashes: tuple[Clash, ...]

    def basis(self, shown: Mapping[Any, Any]) -> dict[Any, Any]:
        return {**shown, **{c.key: c.current for c in self.clashes}}

    @property
    def keys(self) -> set[Hashable]:
        return {c.key for c in self.clashes}

    def audit_reason(self) -> str:
        """The reason as the audit trail keeps it: whose change was overwritten, then the person's words."""
        text = (self.reason or "").strip()
        if not text:
            raise InvalidInput.one(
                "reason", "say why you save over your colleague's change: it is kept in the history beside theirs."
            )
        if len(text) > OVER_REASON_MAX:
            raise InvalidInput.one("reason", f"is too long (at most {OVER_REASON_MAX:,} characters).")
        whose = " and ".join(sorted({f"{c.who}'s" for c in self.clashes})) or "a colleague's"
        return checked_reason(f"saved over {whose} change on purpose: {text}")


def last_change(
    session: Session, entity: str, entity_id: int | None, field: str | None = None
) -> tuple[str, datetime | None]:
    """Who last changed ``field`` of an entity (any change when ``None``), and when, from the audit trail."""
    stmt = select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.action != "open")
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    stmt = stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(200)
    for event in session.exec(stmt):
        if field is None:
            return event.actor, event.at
        before = json.loads(event.before_json) if event.before_json else {}
        after = json.loads(event.after_json) if event.after_json else {}
        if before.get(field) != after.get(field):
            return event.actor, event.at
    return "someone", None
