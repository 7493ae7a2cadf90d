"""Shared fixtures: real databases (a SQLite file and a PostgreSQL schema) per test.

PostgreSQL comes from GREENLIGHT_TEST_DATABASE_URL; each test session works in a
schema of its own, so parallel runs and the developer's data never meet.
Under CI=true a missing server fails the run, and so does any skipped test.
"""

from __future__ import annotations

import functools
import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from lib.infra.db import make_engine, upgrade
from tests import warm_start

# Test servers fork from one process per worker that has imported Streamlit, pandas, scipy… once
# (tests/warm_start.py): about 2.5 s of CPU saved per server started.
warm_start.ENABLED = True

IN_CI = os.environ.get("CI", "").lower() == "true"


def _scan_installed_components_once() -> None:
    """Every AppTest run rescans the metadata of every installed package for Streamlit components: 0.32 s of a
    0.39 s page run here, most of the AppTest files' time. The installed packages do not change while the
    tests run, so each process scans once and gets the same answer after (a real server scans once too)."""
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # a Streamlit without v2 components: nothing is scanned
        return
    scan = functools.cache(manifest_scanner.scan_component_manifests)
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(scan(max_workers))


_scan_installed_components_once()


def _compile_each_script_once() -> None:
    """Every AppTest run makes a new script cache, so every run parsed, rewrote (Streamlit's "magic") and
    compiled app.py and its page again: 15-70 ms a run, over a hundred runs in a page file. A real server
    compiles a script once and reruns the code. Here each process compiles each script text once; a changed
    file (or a test's own script at a reused path) is compiled anew, as its text is part of the key."""
    from streamlit import config
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    compiled: dict[tuple[str, bytes, bool], Any] = {}
    compile_once = ScriptCache.get_bytecode

    def get_bytecode(self: ScriptCache, script_path: str) -> Any:
        path = os.path.abspath(script_path)
        with open(path, "rb") as fh:
            key = (path, fh.read(), bool(config.get_option("runner.magicEnabled")))
        code = compiled.get(key)
        if code is None:
            code = compiled[key] = compile_once(self, script_path)
        return code

    ScriptCache.get_bytecode = get_bytecode


_compile_each_script_once()


@pytest.fixture(scope="session", autouse=True)
def _import_adapters_first() -> None:
    """The adapter modules take ``session.actor`` and ``can_write`` by name when first imported. A test that
    patches those for itself (a stale page now seen by a viewer) must not be the one that imports them first,
    or its patch outlives it: every later page in that worker wrote as the viewer. Imported before any test
    (a session fixture: in the processes that run tests, not in the parallel run's coordinator)."""
    import importlib
    import pkgutil

    import lib.adapter

    for module in pkgutil.iter_modules(lib.adapter.__path__):
        importlib.import_module(f"lib.adapter.{module.name}")


@pytest.fixture(autouse=True)
def _signed_name(monkeypatch):
    """Every write is signed, and an empty name is refused: tests run as a named person unless one says
    otherwise (a machine without ``USER``, like some CI containers, would sign with nothing)."""
    if not (os.environ.get("GREENLIGHT_USER") or os.environ.get("USER")):
        monkeypatch.setenv("GREENLIGHT_USER", "tester")


PG_URL = os.environ.get("GREENLIGHT_TEST_DATABASE_URL", "")


def need_postgres() -> str:
    if PG_URL:
        return PG_URL
    if IN_CI:
        pytest.fail("GREENLIGHT_TEST_DATABASE_URL is not set: under CI the PostgreSQL tests must run.")
    pytest.skip("PostgreSQL tests need GREENLIGHT_TEST_DATABASE_URL (the README's test command sets it).")


def pg_schema_url(base_url: str, schema: str) -> str:
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options={quote(f'-csearch_path={schema}')}"


def create_pg_schema(base_url: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    return schema, pg_schema_url(base_url, schema)


def drop_pg_schema(base_url: str, schema: str) -> None:
    engine = sa.create_engine(base_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture
def fresh_url(request, tmp_path) -> Iterator[str]:
    """An empty database URL (nothing migrated) on the back end named by the param."""
    if getattr(request, "param", "sqlite") == "postgres":
        base = need_postgres()
        schema, url = create_pg_schema(base)
        yield url
        drop_pg_schema(base, schema)
    else:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"


@pytest.fixture(scope="session")
def _migrated_engines(tmp_path_factory) -> Iterator[dict]:
    engines: dict[str, sa.Engine] = {}
    schemas: list[str] = []

    def get(backend: str) -> sa.Engine:
        if backend not in engines:
            if backend == "postgres":
                base = need_postgres()
                schema, url = create_pg_schema(base)
                schemas.append(schema)
            else:
                url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'greenlight.db'}"
            engine = make_engine(url)
            upgrade(engine)
            engines[backend] = engine
        return engines[backend]

    yield {"get": get}
    for engine in engines.values():
        engine.dispose()
    for schema in schemas:
        drop_pg_schema(PG_URL, schema)


def _wipe(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, _migrated_engines) -> Iterator[sa.Engine]:
    """A migrated database on both back ends, emptied after each test."""
    eng = _migrated_engines["get"](request.param)
    _wipe(eng)
    yield eng
    _wipe(eng)


@pytest.fixture
def sqlite_engine(_migrated_engines) -> Iterator[sa.Engine]:
    eng = _migrated_engines["get"]("sqlite")
    _wipe(eng)
    yield eng
    _wipe(eng)


def _sqlite_file(path: Path, fill=None) -> Path:
    """A migrated SQLite file (and what ``fill`` writes into it), closed so the file alone holds it all."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    if fill is not None:
        from lib.infra.db import transaction

        with transaction(engine) as s:
            fill(s)
    engine.dispose()
    assert not path.with_name(path.name + "-wal").exists(), "the WAL must be checkpointed into the file"
    return path


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> Path:
    """Migrated once per worker and copied per test: alembic's upgrade took 0.1 s a test, the copy 1 ms."""
    return _sqlite_file(tmp_path_factory.mktemp("template") / "migrated.db")


@pytest.fixture(scope="session")
def _demo_sqlite(tmp_path_factory) -> Path:
    """The demo workspace, loaded once per worker (0.37 s) and copied per test."""
    from lib.demo.loader import load_demo

    return _sqlite_file(tmp_path_factory.mktemp("template") / "demo.db", load_demo)


def _app_engine(template: Path, tmp_path: Path, monkeypatch) -> Iterator[sa.Engine]:
    path = tmp_path / "app.db"
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def app_engine(_migrated_sqlite, tmp_path, monkeypatch) -> Iterator[sa.Engine]:
    """An empty, migrated SQLite file that the app (AppTest) and the CLI also use."""
    yield from _app_engine(_migrated_sqlite, tmp_path, monkeypatch)


@pytest.fixture
def app_demo_engine(_demo_sqlite, tmp_path, monkeypatch) -> Iterator[sa.Engine]:
    """The demo workspace in that file."""
    yield from _app_engine(_demo_sqlite, tmp_path, monkeypatch)


# The files that take longest (a server and a browser each, or the type check), started first: workers take
# whole files in the order collected (--dist loadfile), so a long file collected last was a run's whole tail.
_LONG_FIRST = (
    "tests/test_code_quality.py",
    "tests/browser/",
    "tests/test_people_at_once.py",
    "tests/test_serve",
    "tests/test_backup_restore.py",  # ~120 whole-workspace refusal cases on both back ends
    "tests/test_cli_and_backup.py",  # the CLI as a subprocess, many times
)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Longest files first (each file keeps its own order): the parallel run ends when its last file does."""

    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next((i for i, prefix in enumerate(_LONG_FIRST) if path.startswith(prefix)), len(_LONG_FIRST))

    items.sort(key=rank)  # stable: within a rank, collection order


def pytest_collection_finish(session) -> None:
    """Collected, every module the tests import is loaded: those objects live until the end, so the collector
    stops walking them (``freeze``), and it runs after 50,000 new objects, not 700. Chart building and page
    runs make objects by the hundred thousand, and the default thresholds spent about 8 % of a page test
    file's CPU collecting; now about half that. Nothing a test checks depends on when garbage is collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Under CI nothing may be skipped silently: a skip fails the run."""
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"CI=true: {skipped} test(s) were skipped; failing the run.", red=True)
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say which database back ends the persistence tests ran on, so a run shows both."""
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("passed", []):
        for backend in ("sqlite", "postgres"):
            if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid or f"-{backend}-" in report.nodeid:
                counts[backend] = counts.get(backend, 0) + 1
    if counts:
        parts = ", ".join(f"{name}: {n} passed" for name, n in sorted(counts.items()))
        terminalreporter.write_line(f"database back ends tested — {parts}")
