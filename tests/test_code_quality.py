"""The habits that keep the code in one shape, run by the README's test command.

One format (ruff format), lint clean (ruff check), and the type checker on lib/
(mypy, configured in mypy.ini). Each is a real run of the tool over the tree.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_one_code_style():
    done = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert done.returncode == 0, "run `ruff format .`:\n" + done.stdout + done.stderr


def test_lint_is_clean():
    done = _run(str(BIN / "ruff"), "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def _mypy_cache() -> Path:
    """mypy's cache beside uv's, one per checkout path: a fresh clone where one was before re-checks only what
    changed (mypy compares each file's hash) instead of re-reading SQLAlchemy and Streamlit, about 25 s of CPU."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = home / "greenlight" / "mypy" / hashlib.sha256(str(ROOT).encode()).hexdigest()[:16]
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return ROOT / ".mypy_cache"
    return cache


def test_lib_type_checks():
    done = _run(str(BIN / "mypy"), "--cache-dir", str(_mypy_cache()))
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr


def test_lib_modules_stay_small():
    """A module holds one job: about 600 lines is the guideline, and a split by job comes well before this
    backstop (never a rename to one letter or lines packed to fit)."""
    big = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "lib").rglob("*.py")
        if "migrations" not in p.parts and (n := len(p.read_text().splitlines())) > 800
    }
    assert not big, f"split these modules by job: {big}"
