"""Where the database is and who is writing, read from the environment in one place.

The database URL comes from ``GREENLIGHT_DATABASE_URL``, else from
``.streamlit/secrets.toml`` (key ``database_url``), else the SQLite file in
``data/``. Secrets are read as plain TOML so ``lib`` never imports streamlit.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "greenlight.db"
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"


def _secret(key: str) -> str | None:
    if not SECRETS_PATH.exists():
        return None
    try:
        with SECRETS_PATH.open("rb") as fh:
            value = tomllib.load(fh).get(key)
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return str(value) if value else None


def database_url() -> str:
    url = os.environ.get("GREENLIGHT_DATABASE_URL") or _secret("database_url")
    if url:
        return url
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def current_actor() -> str:
    """Who is writing: recorded on every entry, decision and audit event."""
    return os.environ.get("GREENLIGHT_USER") or os.environ.get("USER") or ""
