"""The engine, transactions and schema upgrades, for SQLite and PostgreSQL alike.

SQLite runs in WAL mode, where readers never wait for a writer nor for each
other: ``reading()`` opens a plain (deferred) transaction, one consistent
snapshot that takes no lock. Only ``transaction()`` (and any other connection,
to be safe) starts with ``BEGIN IMMEDIATE``, so two writers queue instead of
failing half-way; a writer that still finds the lock taken retries with backoff
for ``WRITE_PATIENCE_S`` before saying, in one sentence, that nothing was saved.
Callers keep the work inside a write short: analyse and validate first.
PostgreSQL replicas serialise their schema upgrades with an advisory lock.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine
from sqlmodel import Session

from lib.infra.config import database_url
from lib.infra.inputs import FieldError, InvalidInput

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5_000  # SQLite's own wait for a lock, per attempt
WRITE_PATIENCE_S = 30.0  # a writer's whole wait for the lock, attempts and backoff included
_UPGRADE_LOCK_KEY = 7_314_159  # any constant shared by all replicas
_READ = {"greenlight_read": True}  # execution option: this connection only reads


class DatabaseBusy(InvalidInput):
    """Another write held the lock for longer than a person should wait: nothing was saved."""

    def __init__(self, waited: float):
        super().__init__(
            [
                FieldError(
                    "database",
                    f"another change kept the database busy for {waited:.0f} s, so nothing was saved; "
                    "try again in a moment.",
                )
            ]
        )


class DatabaseUnavailable(Exception):
    """The database cannot be opened or upgraded: one sentence saying where, what and what to check."""


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _is_locked(exc: sa.exc.OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def _begin_immediate(conn: sa.Connection) -> None:
    """Take SQLite's write lock, retrying with jittered backoff while another writer holds it."""
    started = time.monotonic()
    delay = 0.05
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except sa.exc.OperationalError as exc:
            waited = time.monotonic() - started
            if not _is_locked(exc):
                raise
            if waited >= WRITE_PATIENCE_S:
                raise DatabaseBusy(waited) from None
        time.sleep(min(delay * random.uniform(0.5, 1.5), max(WRITE_PATIENCE_S - waited, 0.0)))
        delay = min(delay * 2, 1.0)


def make_engine(url: str | None = None) -> Engine:
    """Build the engine once per process; the app caches it, scripts call it directly."""
    url = url or database_url()
    if not url.startswith("sqlite"):
        # every Streamlit session runs in a thread of its own: room for a busy team without queueing
        return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=30)
    engine = sa.create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        **({} if url in ("sqlite://", "sqlite:///:memory:") else {"pool_size": 10, "max_overflow": 30}),
    )
    in_memory = url in ("sqlite://", "sqlite:///:memory:")

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - trivial plumbing
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        if conn.get_execution_options().get("greenlight_read"):
            conn.exec_driver_sql("BEGIN")  # deferred: a snapshot, no lock; WAL lets it run beside a writer
        else:
            _begin_immediate(conn)

    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: everything inside commits together or not at all.

    On SQLite the write lock is taken at the first statement and held to the
    end, so do the slow work (parsing, validating) before entering.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A session for queries, one snapshot that blocks nobody; objects stay usable after it closes."""
    with Session(engine, expire_on_commit=False, execution_options=_READ) as session:
        yield session


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to call on every start and from many replicas.

    A schema already at head is only read: starting a CLI command or a replica never
    waits for, or blocks, someone else's write.
    """
    if revision == "head" and current_revision(engine) == head_revision():
        return
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_UPGRADE_LOCK_KEY})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_database(url: str | None = None) -> Engine:
    """The engine with its schema upgraded, or DatabaseUnavailable saying in one sentence what is wrong."""
    url = url or database_url()
    try:
        engine = make_engine(url)
        upgrade(engine)
    except Exception as exc:  # noqa: BLE001 - every failure at start becomes one sentence
        problem = database_problem(exc, url)
        log.error("%s", problem, exc_info=exc)  # the details, for whoever runs the server
        raise problem from None
    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect().execution_options(**_READ) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def describe(engine: Engine) -> str:
    """Where the data lives, for the Settings page, without the password."""
    return engine.url.render_as_string(hide_password=True)


def _where(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database or '(in memory)'}"
    name = "PostgreSQL" if url.get_backend_name() == "postgresql" else url.get_backend_name()
    return f"the {name} database “{url.database or ''}” on {url.host or 'localhost'}:{url.port or 5432}"


def _cause(text: str, url: URL) -> str:
    """What failed and what to check, from the driver's message (never repeated whole: it may be long)."""
    low = text.lower()
    user = url.username or ""
    if "password authentication failed" in low or "no password supplied" in low:
        return (
            f"the server refused the password for user “{user}”; check the user and password in "
            "GREENLIGHT_DATABASE_URL (or database_url in .streamlit/secrets.toml)"
        )
    if "role" in low and "does not exist" in low:
        return f"the server has no user “{user}”; check the user name in GREENLIGHT_DATABASE_URL"
    if "database" in low and "does not exist" in low:
        return "the server has no database of that name; create it or fix the name in GREENLIGHT_DATABASE_URL"
    if "connection refused" in low or "timeout" in low or "timed out" in low:
        return "nothing answered there; check that the server is running and the host and port are right"
    if "resolve host" in low or "name or service not known" in low or "nodename nor servname" in low:
        return "that host name is unknown; check the host in GREENLIGHT_DATABASE_URL"
    if "permission denied" in low:
        return f"user “{user}” may not create or change tables there; grant it those rights or use another user"
    if "unable to open database file" in low:
        return "the file cannot be created or opened; check that its folder exists and is writable"
    if "file is not a database" in low or "malformed" in low:
        return "the file is not a Greenlight database or is damaged; restore a backup or point to another file"
    if "database is locked" in low or "database is busy" in low:
        return "another program holds its write lock; close it or try again in a moment"
    if "can't locate revision" in low:
        return (
            "a newer version of Greenlight has upgraded it; run that version, or restore a backup into a new database"
        )
    first = next((line.strip() for line in text.splitlines() if line.strip()), "an unknown error")[:200]
    if url.password:  # a driver may echo its connection string: the password never goes further
        first = first.replace(str(url.password), "***")
    return f"it failed with “{first}”; check the database URL and the server's log"


def database_problem(exc: BaseException, url: str | None = None) -> DatabaseUnavailable:
    """Turn any failure to open or upgrade the database into one sentence without the password."""
    raw = url or database_url()
    try:
        parsed = sa.engine.make_url(raw)
    except sa.exc.ArgumentError:
        return DatabaseUnavailable(
            "Cannot open the database: GREENLIGHT_DATABASE_URL is not a database URL; write it like "
            "postgresql+psycopg://USER:PASSWORD@HOST:5432/NAME or sqlite:///path/to/greenlight.db."
        )
    if isinstance(exc, (sa.exc.NoSuchModuleError, ImportError)):
        cause = f"this installation has no driver “{parsed.drivername}”; use postgresql+psycopg:// or sqlite:///"
    else:
        cause = _cause(str(getattr(exc, "orig", None) or exc), parsed)
    return DatabaseUnavailable(f"Cannot open {_where(parsed)}: {cause}.")
