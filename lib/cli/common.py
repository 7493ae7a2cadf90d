"""What every command shares: one-line errors with an exit code, output a terminal can show safely, the engine."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

from lib.infra.config import current_actor
from lib.infra.db import open_database

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

EXIT_USAGE, EXIT_INVALID, EXIT_ERROR = 2, 3, 1
# Terminal escape sequences (colours, cursor moves, window titles, hyperlinks), 7- and 8-bit forms
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, ended by BEL or ST
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit OSC and strings
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # every control character but tab and newline


def cli_actor() -> str:
    """Who signs what the CLI writes: ``GREENLIGHT_USER`` or ``USER``, else the account running it (never empty)."""
    import getpass

    try:
        account = getpass.getuser()
    except (OSError, KeyError):  # no user name and no password entry (some containers)
        account = ""
    return current_actor() or account or "command line"


def terminal_safe(text: str) -> str:
    """What a terminal may show: stored names can hold escape codes that recolour, retitle or hide text."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def say(*values: object, file: TextIO | None = None) -> None:
    """Print, without terminal escape codes: everything the CLI prints passes here."""
    print(terminal_safe(" ".join(str(v) for v in values)), file=file)


class CliError(Exception):
    """A problem to report in one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_INVALID):
        super().__init__(message)
        self.code = code


def open_engine() -> Engine:
    return open_database()  # DatabaseUnavailable: one sentence, printed by main
