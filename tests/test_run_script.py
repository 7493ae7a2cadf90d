"""run.sh refuses to serve an open app beyond this machine in local mode."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

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
