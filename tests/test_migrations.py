"""The migrations build exactly the schema the models declare, on both back ends, and go back down."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from lib.infra.db import alembic_config, make_engine, upgrade


@pytest.mark.parametrize("fresh_url", ["sqlite", "postgres"], indirect=True)
def test_head_matches_the_models(fresh_url):
    engine = make_engine(fresh_url)
    upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, SQLModel.metadata) if not _ignorable(d)]
    engine.dispose()
    assert diff == [], diff


def _ignorable(d) -> bool:
    """Server defaults for added NOT NULL columns and the alembic bookkeeping table are not model drift."""
    kind = d[0][0] if isinstance(d, list) else d[0]
    return kind == "modify_default"


@pytest.mark.parametrize("fresh_url", ["sqlite", "postgres"], indirect=True)
def test_the_newest_migration_goes_down_and_up_again(fresh_url):
    engine = make_engine(fresh_url)
    upgrade(engine)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
        command.upgrade(cfg, "head")
    engine.dispose()
