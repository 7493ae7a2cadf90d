"""run.sh refuses to serve an open app beyond this machine in local mode, and what it serves checks Host."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import project_copy
from tests.test_server_security import Server, free_port, http_status, websocket_status

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif((ROOT / ".streamlit" / "secrets.toml").exists(), reason="sign-in configured in this checkout")
def test_local_mode_refuses_to_bind_beyond_localhost(tmp_path):
    done = subprocess.run(
        ["bash", "scripts/run.sh", "--address", "0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 3
    assert "Refusing to serve on 0.0.0.0 in local mode" in done.stderr
    assert "--i-accept-an-open-app" in done.stderr


def test_unknown_options_are_refused(tmp_path):
    done = subprocess.run(
        ["bash", "scripts/run.sh", "--adress", "0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2 and "unknown option: --adress" in done.stderr


def test_run_sh_serves_only_requests_addressed_to_this_machine(tmp_path):
    """What run.sh starts refuses a DNS-rebinding page's Host (HTTP and websocket) and serves localhost."""
    root = project_copy(tmp_path)
    port = free_port()
    log = tmp_path / "run.log"
    env = {
        "HOME": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHON": sys.executable,
        "PORT": str(port),
        "GREENLIGHT_DATABASE_URL": f"sqlite:///{tmp_path / 'greenlight.db'}",
    }
    with open(log, "w") as out:
        proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server("127.0.0.1", port, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, server.log_text()[-3000:]
            try:
                if urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        assert "Installing" not in server.log_text()
        assert http_status(server, "/", f"evil.example:{port}") == 403
        assert websocket_status(server, f"evil.example:{port}") == 403
        assert http_status(server, "/", f"localhost:{port}") == 200
        assert websocket_status(server, f"localhost:{port}") == 101
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
