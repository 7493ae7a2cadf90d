"""Read-only share links for stakeholders: one pilot's report or one goal's portfolio.

A link carries a random token (256 bits from :mod:`secrets`) in ``/?share=TOKEN``;
only the token's SHA-256 is stored, so a copy of the database opens nothing.
A token resolves to its target only while the link is neither revoked nor
expired; anything else — unknown, truncated, forged, any length or alphabet —
resolves to ``None`` and the page shows :data:`INVALID_LINK` and nothing else::

    link, token = create_link(session, actor=me, pilot_id=3, expires_days=30, label="Sales team")
    share_path(token)                   # "/?share=…" (shown once: the token is not stored)
    target = resolve(session, token)    # ShareTarget, or None
    record_open(session, target)        # when and which link; nothing about who

Creating and revoking are editor writes (checked by :mod:`lib.services.access`) and
audited (entity ``share_link``); every open is an audit event too (action
``open``, actor ``shared link``, no IP address, no user agent).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from lib.formatting import fmt_date
from lib.infra.fields import NAME_MAX, text_problem
from lib.infra.inputs import FieldError, InvalidInput
from lib.infra.models import AuditEvent, Decision, Goal, Pilot, ShareLink, utcnow
from lib.plain_text import plain_markdown  # noqa: F401 - re-exported
from lib.services import access, audit
from lib.services.conflicts import Clash, StaleWrite, last_change
from lib.vocabulary import SHARE_LINK_STATUS_LABELS

if TYPE_CHECKING:  # the report and its charts load only when a report is shown
    from lib.report import PilotReport, SummaryRow

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 256 random bits, 43 URL-safe characters
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
MAX_EXPIRY_DAYS = 3650
LABEL_MAX = NAME_MAX  # the column's length
QUERY_KEY = "share"
OPEN_ACTOR = "shared link"
INVALID_LINK = "This link is not valid. Ask the person who sent it for a new one."
STATUS_LABELS = SHARE_LINK_STATUS_LABELS  # the words live in lib.vocabulary; the adapter reads them here
_AUDITED = ("scope", "pilot_id", "goal_id", "decision_id", "label", "expires_at", "revoked_at")


@dataclass(frozen=True)
class ShareTarget:
    """What a valid token opens: one pilot (live, or pinned to a decision) or one goal."""

    link_id: int
    scope: str
    pilot_id: int | None = None
    goal_id: int | None = None
    decision_id: int | None = None


@dataclass(frozen=True)
class LinkRow:
    """One link as the lists show it: its target in words, its state, how often it was opened."""

    link: ShareLink
    target: str
    status: str
    opens: int
    last_opened: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class SharedPilot:
    """One pilot's report for the share page; ``pinned`` is the decision whose frozen numbers it shows."""

    report: PilotReport
    pinned: Decision | None = None
    frozen_at: datetime | None = None


@dataclass(frozen=True)
class SharedGoal:
    """A goal's portfolio for the share page: its KPI, the goal chart, a line and a report per pilot."""

    title: str
    kpi: str
    chart: Any
    summary: list[SummaryRow]
    sections: list[PilotReport]


# what people typed is shown with lib.plain_text.plain_markdown (re-exported here for older callers)


# ------------------------------------------------------------------ tokens and URLs


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def share_path(token: str) -> str:
    """The path a link opens, relative to where the app is served."""
    return f"/?{QUERY_KEY}={quote(token, safe='')}"


def share_url(page_url: str | None, token: str, base_path: str = "") -> str:
    """The full link from the URL of the page the editor is on (``st.context.url``) and the app's
    ``server.baseUrlPath``; just :func:`share_path` when the address is unknown."""
    parts = urlsplit(page_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return share_path(token)
    base = "/" + base_path.strip("/") if base_path.strip("/") else ""
    return f"{parts.scheme}://{parts.netloc}{base}{share_path(token)}"


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def link_status(link: ShareLink, now: datetime | None = None) -> str:
    """``revoked``, ``expired`` or ``active``."""
    if link.revoked_at is not None:
        return "revoked"
    expires = _aware(link.expires_at)
    if expires is not None and expires <= (now or utcnow()):
        return "expired"
    return "active"


# ------------------------------------------------------------------ writes


def _whole_number(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, float):
        if not value.is_integer():
            raise TypeError
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]+", text):
        raise TypeError
    return int(text)


def _checked_id(errors: list[FieldError], field: str, value: Any, what: str) -> int | None:
    try:
        return _whole_number(value)
    except TypeError:
        errors.append(FieldError(field, f"'{value}' is not a {what} id (a whole number)."))
        return None


def create_link(
    session: Session,
    *,
    actor: str,
    pilot_id: int | None = None,
    goal_id: int | None = None,
    expires_days: int | None = None,
    label: str = "",
    decision_id: int | None = None,
) -> tuple[ShareLink, str]:
    """A new link to one pilot's report (optionally pinned to one of its decisions) or one goal's portfolio.

    Returns the stored row and the raw token: show the token once, it is not stored
    (only its SHA-256). ``expires_days`` ``None`` means the link works until revoked.
    Refused with a message per field: no or two targets, an unknown pilot, goal or
    decision, a decision of another pilot, an expiry outside 1..3650 days, a long label.
    """
    access.require_editor(actor, "create share links")
    errors: list[FieldError] = []
    pid = _checked_id(errors, "pilot", pilot_id, "pilot")
    gid = _checked_id(errors, "goal", goal_id, "goal")
    did = _checked_id(errors, "decision", decision_id, "decision")
    try:
        days = _whole_number(expires_days)
    except TypeError:
        errors.append(FieldError("expires", f"'{expires_days}' is not a whole number of days."))
        days = None
    if days is not None and not 1 <= days <= MAX_EXPIRY_DAYS:
        errors.append(
            FieldError(
                "expires",
                f"must be between 1 and {MAX_EXPIRY_DAYS} days (got {days}); "
                "leave it empty for a link that works until revoked.",
            )
        )
    text = str(label or "").strip()
    problem = text_problem(text, LABEL_MAX)
    if problem:
        errors.append(FieldError("label", problem))
    if errors:
        raise InvalidInput(errors)
    if (pid is None) == (gid is None):
        raise InvalidInput.one(
            "target",
            f"a link opens exactly one report: give a pilot or a goal, not {'both' if pid is not None else 'neither'}.",
        )
    if pid is not None and session.get(Pilot, pid) is None:
        raise InvalidInput.one("pilot", f"pilot #{pid} does not exist.")
    if gid is not None and session.get(Goal, gid) is None:
        raise InvalidInput.one("goal", f"goal #{gid} does not exist.")
    if did is not None:
        decision = session.get(Decision, did)
        if pid is None:
            raise InvalidInput.one("decision", "only a pilot's link can be pinned to a decision.")
        if decision is None:
            raise InvalidInput.one("decision", f"decision #{did} does not exist.")
        if decision.pilot_id != pid:
            raise InvalidInput.one("decision", f"decision #{did} was recorded for another pilot.")
    token = new_token()
    now = utcnow()
    link = ShareLink(
        token_hash=token_hash(token),
        scope="pilot" if pid is not None else "goal",
        pilot_id=pid,
        goal_id=gid,
        decision_id=did,
        label=text,
        created_by=str(actor)[:80],
        created_at=now,
        expires_at=now + timedelta(days=days) if days is not None else None,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        entity="share_link",
        entity_id=link.id,
        action="create",
        actor=actor,
        pilot_id=pid,
        after=audit.snapshot(link, _AUDITED),
    )
    return link, token


def revoke(session: Session, link_id: int, actor: str, *, shown_active: bool = False) -> ShareLink:
    """Stop a link from opening anything, from now on; refused for an unknown or already revoked link.

    ``shown_active``: the page showed the link active (its Revoke button); a colleague who revoked it
    since is named in the refusal (:class:`StaleWrite`), and nothing is written.
    """
    access.require_editor(actor, "revoke share links")
    errors: list[FieldError] = []
    lid = _checked_id(errors, "link", link_id, "share link")
    if errors:
        raise InvalidInput(errors)
    link = session.exec(select(ShareLink).where(ShareLink.id == lid).with_for_update()).first()
    if link is None:
        raise InvalidInput.one("link", f"share link #{link_id} does not exist.")
    if link.revoked_at is not None:
        who, at = last_change(session, "share_link", link.id, "revoked_at")
        if shown_active:
            named = f"share link #{link.id}" + (f" “{link.label}”" if link.label else "")
            raise StaleWrite(
                [
                    Clash(
                        key=link.id,
                        who=who,
                        at=at or link.revoked_at,
                        did="revoked",
                        what=named,
                        theirs="",
                        yours="it was already revoked, so nothing changed",
                        opened="this page",
                        shown="active",
                        current="revoked",
                        mine="revoked",
                    )
                ]
            )
        raise InvalidInput.one(
            "link", f"share link #{link_id} was already revoked on {fmt_date(link.revoked_at.date())} by {who}."
        )
    before = audit.snapshot(link, _AUDITED)
    link.revoked_at = utcnow()
    session.add(link)
    session.flush()
    audit.record(
        session,
        entity="share_link",
        entity_id=link.id,
        action="revoke",
        actor=actor,
        pilot_id=link.pilot_id,
        before=before,
        after=audit.snapshot(link, _AUDITED),
    )
    return link


def record_open(session: Session, link: ShareTarget | ShareLink) -> AuditEvent:
    """One open of a valid link: when and which link, nothing about who opened it."""
    link_id = link.link_id if isinstance(link, ShareTarget) else link.id
    return audit.record(session, entity="share_link", entity_id=link_id, action="open", actor=OPEN_ACTOR)


# ------------------------------------------------------------------ reads


def resolve(session: Session, token: object, now: datetime | None = None) -> ShareTarget | None:
    """The target of a valid token; ``None`` for anything else (unknown, expired, revoked, malformed)."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return None
    digest = token_hash(token)
    link = session.exec(select(ShareLink).where(ShareLink.token_hash == digest)).first()
    if link is None or not hmac.compare_digest(link.token_hash.encode(), digest.encode()):
        return None
    if link_status(link, now) != "active" or link.id is None:
        return None
    if link.scope == "pilot" and link.pilot_id is not None:
        return ShareTarget(link.id, "pilot", pilot_id=link.pilot_id, decision_id=link.decision_id)
    if link.scope == "goal" and link.goal_id is not None:
        return ShareTarget(link.id, "goal", goal_id=link.goal_id)
    return None


def _target_names(session: Session, links: list[ShareLink]) -> dict[int | None, str]:
    pilot_ids = {lk.pilot_id for lk in links if lk.pilot_id is not None}
    goal_ids = {lk.goal_id for lk in links if lk.goal_id is not None}
    pilot_names = {i: n for i, n in session.exec(select(Pilot.id, Pilot.name).where(col(Pilot.id).in_(pilot_ids)))}
    goal_names = {i: n for i, n in session.exec(select(Goal.id, Goal.name).where(col(Goal.id).in_(goal_ids)))}
    out: dict[int | None, str] = {}
    for lk in links:
        if lk.pilot_id is not None:
            text = f"pilot {lk.pilot_id} · {pilot_names.get(lk.pilot_id, '?')}"
            if lk.decision_id is not None:
                text += f" (pinned to decision {lk.decision_id})"
        else:
            text = f"goal {lk.goal_id} · {goal_names.get(lk.goal_id, '?')}"
        out[lk.id] = text
    return out


def target_text(session: Session, link: ShareLink) -> str:
    """What a link opens, in words: "pilot 3 · Outreach v3" or "goal 2 · 400 SQLs a quarter"."""
    return _target_names(session, [link])[link.id]


def list_links(
    session: Session, pilot_id: int | None = None, goal_id: int | None = None, now: datetime | None = None
) -> list[LinkRow]:
    """Links, newest first: every link, or a pilot's, or a goal's; with their state and opens."""
    stmt = select(ShareLink)
    if pilot_id is not None:
        stmt = stmt.where(ShareLink.pilot_id == pilot_id)
    if goal_id is not None:
        stmt = stmt.where(ShareLink.goal_id == goal_id)
    links = list(session.exec(stmt.order_by(col(ShareLink.created_at).desc(), col(ShareLink.id).desc())))
    if not links:
        return []
    opened = session.exec(
        select(AuditEvent.entity_id, sa.func.count(), sa.func.max(AuditEvent.at))
        .where(
            AuditEvent.entity == "share_link",
            AuditEvent.action == "open",
            col(AuditEvent.entity_id).in_([lk.id for lk in links]),
        )
        .group_by(col(AuditEvent.entity_id))
    )
    stats = {lid: (int(n), _aware(last)) for lid, n, last in opened}
    names = _target_names(session, links)
    return [LinkRow(lk, names[lk.id], link_status(lk, now), *stats.get(lk.id, (0, None))) for lk in links]


def opens(session: Session, link_id: int) -> int:
    return session.exec(
        select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.entity == "share_link", AuditEvent.action == "open", AuditEvent.entity_id == link_id)
    ).one()


def expiry_text(link: ShareLink) -> str:
    """When the link stops working, for people: a date, or "never"."""
    expires = _aware(link.expires_at)
    return "never" if expires is None else f"{fmt_date(expires.date())}, {expires:%H:%M} UTC"
