"""serve_team.sh refuses what cannot work or would open the app to everyone, before it starts anything.

The servers it starts are tested in tests/browser/test_team_in_chromium.py (replicas behind HAProxy,
a replica killed while a page is open).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://someone:secret@db.example:5432/greenlight"


def _run(tmp_path: Path, *args: str, database_url: str | None = PG) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    if database_url is not None:
        env["GREENLIGHT_DATABASE_URL"] = database_url
    return subprocess.run(
        ["bash", "scripts/serve_team.sh", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, env=env
    )


@pytest.mark.parametrize("url", ["sqlite:///data/greenlight.db", "sqlite:////srv/greenlight.db"])
def test_sqlite_is_refused_with_the_reason(tmp_path, url):
    done = _run(tmp_path, "--replicas", "2", database_url=url)
    assert done.returncode == 4
    assert "Refusing to serve replicas on SQLite" in done.stderr
    assert "every write locks the whole file" in done.stderr
    assert "several machines cannot share a file" in done.stderr
    assert "scripts/run.sh" in done.stderr


def test_no_database_url_is_refused_with_the_reason(tmp_path):
    done = _run(tmp_path, "--replicas", "2", database_url=None)
    assert done.returncode == 4
    assert "GREENLIGHT_DATABASE_URL is not set" in done.stderr and "PostgreSQL" in done.stderr


def test_another_kind_of_database_is_refused(tmp_path):
    done = _run(tmp_path, database_url="mysql://u:p@h/db")
    assert done.returncode == 4 and "must name a PostgreSQL database" in done.stderr


@pytest.mark.skipif((ROOT / ".streamlit" / "secrets.toml").exists(), reason="sign-in configured in this checkout")
def test_a_public_bind_without_sign_in_is_refused_unless_the_flag_says_so(tmp_path):
    done = _run(tmp_path, "--replicas", "2", "--address", "0.0.0.0")
    assert done.returncode == 3
    assert "Refusing to serve on 0.0.0.0 in local mode" in done.stderr
    assert "--i-accept-an-open-app" in done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--replicas", "0"), "--replicas must be a whole number from 1 to 32"),
        (("--replicas", "two"), "--replicas must be a whole number from 1 to 32"),
        (("--port", "99999"), "--port must be a port number"),
        (("--replica", "2"), "unknown option: --replica"),
    ],
)
def test_bad_options_are_refused(tmp_path, args, says):
    done = _run(tmp_path, *args)
    assert done.returncode == 2 and says in done.stderr

