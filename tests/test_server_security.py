"""The local server for real: a Host check on every request (DNS rebinding), and no error details on the wire.

Servers here are started the way ``scripts/run.sh`` starts them (``streamlit run
serve.py``), on a free port, with secrets pointed at a file that is not there
(local mode) unless a test configures sign-in. The websocket is spoken as a
browser speaks it: a raw upgrade request for the Host check, and Streamlit's own
messages to run a page, whose every byte is then searched.
"""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.infra.host_guard import host_allowed, hostname_of, local_policy
from tests.servers import Server, free_port, run_page, running_server

ROOT = Path(__file__).resolve().parent.parent
ERROR_SENTENCE = (
    "Something went wrong on the server and this page could not finish; "
    "the details are in the server's log for whoever runs Greenlight."
)
STREAMLIT_REDACTED = "This app has encountered an error. The original error message is redacted"
# What the error's message, type and stack would carry (the app's own path is in every session's hello).
DETAILS = (
    "Traceback",
    "file is not a database",
    "DatabaseError",
    "sqlite3",
    "sqlalchemy",
    "site-packages",
    "lib/adapter",
)


def _exchange(server: Server, request: bytes) -> bytes:
    with socket.create_connection((server.address, server.port), timeout=15) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data


def http_status(server: Server, path: str, host: str) -> int:
    """Status of a GET with exactly this Host header (urllib would write its own)."""
    reply = _exchange(server, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    return int(reply.split(b" ", 2)[1])


def websocket_status(server: Server, host: str) -> int:
    """Status of a browser-like upgrade to /_stcore/stream (101 = the websocket opened)."""
    key = base64.b64encode(os.urandom(16)).decode()
    reply = _exchange(
        server,
        (
            f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Protocol: streamlit\r\n\r\n"
        ).encode(),
    )
    return int(reply.split(b" ", 2)[1])


def _configured_address() -> str:
    """A loopback address other than 127.0.0.1 where the system has one (Linux), to tell the two apart."""
    try:
        free_port("127.0.0.2")
    except OSError:
        return "127.0.0.1"
    return "127.0.0.2"


@pytest.fixture(scope="module")
def local_server(tmp_path_factory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("local"), address=_configured_address()) as server:
        yield server


# --- The Host check on a real server (local mode) ----------------------------------------------


FOREIGN = ("evil.example", "evil.example:{port}", "localhost.evil.example:{port}", "127.0.0.1.nip.io:{port}")


@pytest.mark.parametrize("path", ["/", "/review", "/settings", "/_stcore/health", "/_stcore/host-config"])
def test_http_addressed_to_a_foreign_host_is_refused_on_every_route(local_server, path):
    for host in FOREIGN:
        assert http_status(local_server, path, host.format(port=local_server.port)) == 403, host


def test_http_addressed_to_localhost_or_the_configured_address_is_served(local_server):
    for host in ("localhost", "127.0.0.1", local_server.address, "LOCALHOST."):
        assert http_status(local_server, "/review", f"{host}:{local_server.port}") == 200, host


def test_the_websocket_addressed_to_a_foreign_host_is_refused_at_the_upgrade(local_server):
    for host in FOREIGN:
        assert websocket_status(local_server, host.format(port=local_server.port)) == 403, host
    assert "Uncaught" not in local_server.log_text()


def test_the_websocket_addressed_to_localhost_or_the_configured_address_opens(local_server):
    for host in ("localhost", "127.0.0.1", "[::1]", local_server.address):
        assert websocket_status(local_server, f"{host}:{local_server.port}") == 101, host


def test_a_request_naming_no_host_or_two_hosts_is_never_served(local_server):
    port = local_server.port
    no_host = _exchange(local_server, b"GET / HTTP/1.0\r\n\r\n")
    two_hosts = _exchange(
        local_server, f"GET / HTTP/1.1\r\nHost: localhost:{port}\r\nHost: evil.example:{port}\r\n\r\n".encode()
    )
    for reply in (no_host, two_hosts):
        assert int(reply.split(b" ", 2)[1]) in (400, 403), reply[:200]


def test_a_page_served_for_localhost_runs_app_py(local_server):
    """The guard lets the real thing through: a page run over the websocket draws app.py's sidebar."""
    received = run_page(local_server, "review")
    assert "Local mode" in received and "Review" in received


def test_sign_in_mode_leaves_host_names_to_the_team_s_proxy(tmp_path):
    """With [auth] a foreign origin never has the signed-in cookie; the server answers to any name."""
    signin = (
        "[auth]\n"
        'redirect_uri = "http://localhost:8501/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(16).hex()}"\n'
        'client_id = "greenlight-test"\n'
        'client_secret = "not-a-secret"\n'
        'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n'
    )
    with running_server(tmp_path, secrets=signin) as server:
        assert http_status(server, "/", f"greenlight.team.example:{server.port}") == 200
        assert websocket_status(server, f"greenlight.team.example:{server.port}") == 101


# --- No error details on the wire -------------------------------------------------------------


DATABASE_SENTENCE = "the file is not a Greenlight database or is damaged"  # lib.infra.db.database_problem


@pytest.mark.parametrize(("entry", "shown"), [("serve.py", DATABASE_SENTENCE), ("app.py", DATABASE_SENTENCE)])
def test_an_error_shows_one_sentence_and_only_the_log_has_the_details(tmp_path, entry, shown):
    """A database file that is not one: the browser gets a sentence, the server log the traceback.

    A database that cannot be opened is one sentence on the page, through ``serve.py`` or
    ``app.py`` alike (other errors: ``serve.py`` shows ours, ``app.py`` Streamlit's redacted text).
    """
    garbage = tmp_path / "greenlight.db"
    garbage.write_bytes(b"not a database: a text file someone put where the data should be\n" * 20)
    with running_server(tmp_path / "srv", entry=entry, database_url=f"sqlite:///{garbage}") as server:
        received = run_page(server)
        log = server.log_text()
    assert shown in received
    leaked = [d for d in DETAILS if d in received]
    assert not leaked, f"error details reached the browser: {leaked}"
    assert "Traceback (most recent call last)" in log and "file is not a database" in log


# --- The Host policy, case by case -------------------------------------------------------------


def test_hostname_of_reads_only_a_plain_name_and_port():
    assert hostname_of("LocalHost.:8501") == "localhost"
    assert hostname_of("[::1]:8501") == "::1"
    assert hostname_of("127.0.0.1") == "127.0.0.1"
    for smuggled in (
        None,
        "",
        "localhost@evil.example",
        "evil.example#localhost",
        "localhost/evil.example",
        "localhost:99999",
        "localhost:80x",
        "localhost evil.example",
        "local%68ost",
    ):
        assert hostname_of(smuggled) is None, smuggled


def test_local_mode_answers_to_loopback_and_the_configured_address_only():
    policy = local_policy("127.0.0.2")
    for host in ("localhost:8501", "127.0.0.1:8501", "[::1]:8501", "127.0.0.2:8501", "localhost"):
        assert host_allowed(host, policy), host
    for host in ("evil.example", "localhost.evil.example", "127.0.0.3:8501", "10.0.0.5", "mybox", "127.0.0.1.nip.io"):
        assert not host_allowed(host, policy), host


def test_allowed_hosts_from_streamlit_config_extend_the_list():
    policy = local_policy("127.0.0.1", ["greenlight.lan", "*.corp.example", "*"])
    assert host_allowed("greenlight.lan:8501", policy)
    assert host_allowed("app.corp.example", policy)
    assert not host_allowed("corp.example.evil.example", policy)
    assert not host_allowed("evil.example", policy), "'*' must not switch the check off in local mode"


def test_an_open_lan_bind_answers_to_this_machine_s_name_and_addresses_never_to_a_domain():
    policy = local_policy("0.0.0.0", machine_names=["MyBox"])
    for host in ("mybox:8501", "192.168.1.20:8501", "[fe80::1]:8501", "localhost:8501"):
        assert host_allowed(host, policy), host
    for host in ("evil.example:8501", "mybox.evil.example", "192.168.1.20.nip.io"):
        assert not host_allowed(host, policy), host
