"""A scheduled ``share list`` or a ``--help`` starts in a fraction of a second: the CLI loads the statistics,
the charts and pandas only in the commands that use them (a light command took 2 s of CPU, now 0.6 s)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "scipy", "altair", "numpy", "lib.decide", "lib.report.documents", "lib.charts")


def test_the_parser_and_the_light_commands_load_nothing_heavy():
    probe = (
        "import sys\n"
        "from lib.cli.main import main\n"
        "from lib.cli.parser import build_parser\n"
        "from lib.cli import commands\n"
        "from lib.services import audit, pilots, share\n"
        "build_parser().format_help()\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"loaded at start: {done.stdout.strip()}"


def test_a_criteria_change_still_words_its_caveat():
    from datetime import datetime

    from lib.report.caveats import CriteriaChanged
    from lib.services.audit import CriteriaChange

    change = CriteriaChange(datetime(2026, 11, 2, 9, 0), "ana", "typo", ["a"], ["b"])
    assert change.caveat == CriteriaChanged(datetime(2026, 11, 2).date(), "ana", "typo", ("a",), ("b",))
