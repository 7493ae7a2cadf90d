"""serve_team.sh refuses what cannot work or would open the app to everyone, before it starts anything.

The servers it starts are tested in tests/browser/test_team_in_chromium.py (replicas behind HAProxy,
a replica killed while a page is open).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.servers import running_server
from tests.test_server_security import http_status, websocket_status

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


def _haproxy() -> str:
    found = shutil.which("haproxy", path="/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin")
    if not found:
        if IN_CI:
            pytest.fail("HAProxy not found: under CI the proxy tests must run (scripts/test.sh installs it).")
        pytest.skip("needs Debian's haproxy (scripts/test.sh installs it as root)")
    return found


def _compose_services() -> dict[str, str]:
    """compose.yaml's services, each as its block of text (no YAML library in the requirements)."""
    text = (ROOT / "compose.yaml").read_text()
    body = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    blocks = re.split(r"^  (\w+):\n", body, flags=re.M)[1:]
    return dict(zip(blocks[::2], blocks[1::2], strict=True))


def test_compose_scales_the_app_behind_one_proxy():
    """`--scale app=3` must not bind 8501 three times: only the proxy publishes a port."""
    services = _compose_services()
    assert set(services) == {"db", "app", "proxy"}
    assert "ports:" not in services["app"] and "8501" in services["app"]
    assert '- "${GREENLIGHT_BIND:-127.0.0.1}:8501:8501"' in services["proxy"]
    assert "- ./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in services["proxy"]
    config = (ROOT / "deploy" / "haproxy.cfg").read_text()
    assert "server-template app 10 app:8501" in config  # the compose service's name, through Docker's DNS


def test_compose_s_haproxy_config_is_valid_and_checks_health_with_an_accepted_host():
    done = subprocess.run(
        [_haproxy(), "-c", "-f", str(ROOT / "deploy" / "haproxy.cfg")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    config = (ROOT / "deploy" / "haproxy.cfg").read_text()
    assert "uri /_stcore/health" in config and "hdr Host localhost" in config  # serve.py refuses other names
    assert "inter 1s" in config and "fall 2" in config  # a dead replica is out within about 2 s


def test_a_replica_behind_an_open_lan_proxy_answers_to_this_machine_s_names_only(tmp_path, monkeypatch):
    """A replica listens on 127.0.0.1, but people type the proxy's address: its Host list follows that."""
    monkeypatch.setenv("GREENLIGHT_PROXY_ADDRESS", "0.0.0.0")  # serve_team.sh --address 0.0.0.0 --i-accept-…
    with running_server(tmp_path) as replica:
        port = replica.port
        assert http_status(replica, "/", f"{socket.gethostname()}:{port}") == 200
        assert http_status(replica, "/", f"192.0.2.7:{port}") == 200  # an address of this machine, as typed
        assert http_status(replica, "/", f"evil.example:{port}") == 403
        assert websocket_status(replica, f"evil.example:{port}") == 403
    monkeypatch.delenv("GREENLIGHT_PROXY_ADDRESS")
    with running_server(tmp_path / "local") as alone:  # without it: only the replica's own 127.0.0.1
        assert http_status(alone, "/", f"192.0.2.7:{alone.port}") == 403
