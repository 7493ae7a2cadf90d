"""Persistence plumbing: migrations, SQLite settings, both back ends."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import select

from lib.infra.db import current_revision, head_revision, make_engine, transaction, upgrade
from lib.infra.models import Goal, Pilot, ResultEntry
from tests import factories


@pytest.mark.parametrize("fresh_url", ["sqlite", "postgres"], indirect=True)
def test_first_migration_upgrades_to_head_with_rows_intact(fresh_url):
    engine = make_engine(fresh_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO goal (name, level, kpi_name, kpi_unit, period, description, created_at, updated_at) "
                "VALUES ('Revenue', 'company', 'Revenue', 'EUR', '2026', '', :t, :t)"
            ),
            {"t": "2026-01-01 00:00:00"},
        )
        gid = conn.execute(sa.text("SELECT id FROM goal")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO pilot (name, hypothesis, owner, team, channel, goal_id, design, status, priority, arms, "
                "created_at, updated_at) VALUES ('Old pilot', '', 'Bo', 'Web', 'web', :g, 'target', 'running', "
                "'must', 'pilot', :t, :t)"
            ),
            {"g": gid, "t": "2026-01-01 00:00:00"},
        )
        pid = conn.execute(sa.text("SELECT id FROM pilot")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO result_entry (pilot_id, metric, arm, day, n, total, source, note, created_by, created_at) "
                "VALUES (:p, 'signup_rate', 'pilot', '2026-01-02', 500, 41, 'manual', '', 'Bo', :t)"
            ),
            {"p": pid, "t": "2026-01-02 09:00:00"},
        )
    upgrade(engine)
    assert current_revision(engine) == head_revision() == "0010"
    with transaction(engine) as s:
        pilot = s.exec(select(Pilot)).one()
        entry = s.exec(select(ResultEntry)).one()
        assert (pilot.name, s.get(Goal, pilot.goal_id).name) == ("Old pilot", "Revenue")
        assert (entry.day, entry.n, entry.total) == (date(2026, 1, 2), 500, 41)
        assert pilot.created_at.tzinfo is not None
    upgrade(engine)  # idempotent on every app start
    engine.dispose()


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_database_refuses_conversions_in_an_unknown_pilot(engine):
    """Foreign keys are enforced on both back ends: no orphan results."""
    with pytest.raises(sa.exc.IntegrityError), transaction(engine) as s:
        s.add(ResultEntry(pilot_id=999, metric="m", arm="pilot", day=date(2026, 1, 1), n=1, total=0))


def test_a_failed_transaction_writes_nothing(engine):
    with pytest.raises(RuntimeError), transaction(engine) as s:
        factories.goal(s)
        raise RuntimeError("boom")
    with transaction(engine) as s:
        assert s.exec(select(sa.func.count()).select_from(Goal)).one() == 0
