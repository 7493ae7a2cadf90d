"""What the Settings page says about the workspace: its size, where it lives, its schema version.

The database location is shown in full only to editors: a viewer (or a page
reached through a foreign host) learns the kind of database and the file name,
never a path, a host's credentials or a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from lib.infra.db import current_revision, head_revision
from lib.infra.models import Decision, Goal, Pilot, ResultEntry, utcnow


@dataclass(frozen=True)
class WorkspaceCounts:
    goals: int
    pilots: int
    result_rows: int  # history included: every correction keeps the earlier row
    decisions: int


@dataclass(frozen=True)
class DatabaseInfo:
    kind: str  # "SQLite file" or "postgresql"
    location: str  # masked unless the reader may see it
    revision: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head


def counts(session: Session) -> WorkspaceCounts:
    def n(model: type) -> int:
        return int(session.exec(select(func.count()).select_from(model)).one())

    return WorkspaceCounts(goals=n(Goal), pilots=n(Pilot), result_rows=n(ResultEntry), decisions=n(Decision))


def masked_location(engine: Engine, *, reveal: bool) -> str:
    """The URL without its password; for non-editors only the file name or host."""
    url = engine.url
    if reveal:
        return url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        return PurePath(url.database or "").name or "(in memory)"
    return f"{url.get_backend_name()} database on {url.host or 'a local socket'}"


def database_info(engine: Engine, *, reveal: bool) -> DatabaseInfo:
    kind = "SQLite file" if engine.dialect.name == "sqlite" else engine.dialect.name
    return DatabaseInfo(
        kind=kind,
        location=masked_location(engine, reveal=reveal),
        revision=current_revision(engine),
        head=head_revision(),
    )


def export_text(engine: Engine) -> str:
    """The whole workspace as the CLI's backup file (``lib.cli export``)."""
    from lib.services import backup

    return backup.dumps(backup.export_workspace(engine))


@dataclass(frozen=True)
class Restored:
    rows: int
    tables: int
    previous_saved_to: Path | None


def restore_text(
    engine: Engine, text: str, actor: str, *, replace: bool = False, keep_dir: Path | None = None
) -> Restored:
    """Restore a backup file's text, as ``lib.cli restore`` does; editors only.

    With ``replace`` the current workspace is first saved next to the database
    (``keep_dir``, by default ``data/``) so the swap can be undone.
    """
    from lib.infra.config import DATA_DIR
    from lib.services import access, backup

    access.require_editor(actor, "restore a backup")
    previous = None
    if replace:
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        previous = (keep_dir or DATA_DIR) / f"greenlight-before-restore-{stamp}.json"
        previous.parent.mkdir(parents=True, exist_ok=True)
    done = backup.restore_workspace(engine, backup.loads(text), replace=replace, previous_to=previous)
    return Restored(sum(done.values()), len(done), previous)
