"""The CLI as analysts and cron jobs use it, and the backup round trip on both back ends."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from lib.cli.main import main
from lib.demo.loader import load_demo
from lib.infra.db import make_engine, transaction, upgrade
from lib.services import backup
from tests.pages_helpers import ROOT


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    return url


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_then_pilots_lists_fourteen(cli_db, capsys):
    assert run(capsys, "demo")[0] == 0
    code, out, _ = run(capsys, "pilots", "--format", "json")
    rows = json.loads(out)
    assert (
        code == 0 and len(rows) == 16
    )  # eight, six earlier outreach sequences decided, the store pilot, the market test
    assert {r["design"] for r in rows} == {"ab", "before_after", "target", "market"}
    code, _, err = run(capsys, "demo")
    assert code != 0 and err.startswith("error: ") and err.count("\n") == 1


def test_create_pilot_and_evaluate_json_has_the_documented_fields(cli_db, capsys):
    code, out, err = run(
        capsys,
        "create-pilot",
        "--name",
        "Outreach v3",
        "--design",
        "target",
        "--status",
        "running",
        "--start",
        "2026-10-01",
        "--planned-n",
        "780",
        "--criterion",
        "reply_rate:proportion:primary:vs_target:8%:11%",
    )
    assert code == 0, err
    assert "Created pilot 1" in out
    code, out, _ = run(capsys, "evaluate", "--pilot", "Outreach v3", "--format", "json")
    [item] = json.loads(out)
    assert item["pilot"] == "Outreach v3" and item["recommendation"] == "keep_running"
    [crit] = item["criteria"]
    assert set(crit) == {
        "metric",
        "role",
        "control_value",
        "pilot_value",
        "difference",
        "ci_low",
        "ci_high",
        "relative_lift",
        "p_value",
        "p_value_tests",
        "met",
        "sentence",
        # issue 26: pilots that split stores; empty for a pilot of people
        "unit",
        "n_units",
        "adjusted_for",
        "standard_error",
        "adjustment_note",
        "unadjusted_difference",
        "unadjusted_ci_low",
        "unadjusted_ci_high",
    }
    assert crit["unit"] is None and crit["n_units"] is None and crit["adjusted_for"] == []
    assert crit["metric"] == "reply_rate" and crit["met"] is None
    assert crit["p_value_tests"].startswith("that the metric is above the target")


def test_running_pilot_needs_a_plan(cli_db, capsys):
    code, _, err = run(
        capsys,
        "create-pilot",
        "--name",
        "No plan",
        "--design",
        "target",
        "--status",
        "running",
        "--start",
        "2026-10-01",
        "--criterion",
        "reply_rate:proportion:primary:vs_target:8%",
    )
    assert code != 0 and "Planned people per arm" in err and "Plan the sample" in err


def test_plan_command_prints_the_plan_and_its_error_rates(cli_db, capsys):
    code, out, err = run(
        capsys,
        "plan",
        "--threshold",
        "0",
        "--expected",
        "1%",
        "--baseline",
        "5%",
        "--per-day",
        "250",
        "--units",
        "visitors",
    )
    assert code == 0, err
    assert "Planned sample: 7,431 visitors per arm" in out
    assert "about 4% chance of scaling a pilot that changes nothing, 80% chance of catching +1.0 pts" in out
    code, out, _ = run(
        capsys, "plan", "--comparison", "vs_target", "--threshold", "8%", "--expected", "11%", "--format", "json"
    )
    data = json.loads(out)
    assert 700 < data["n"] < 900 and data["fixed_n"] < data["n"] and abs(data["power"] - 0.8) < 0.01
    code, _, err = run(capsys, "plan", "--threshold", "1%", "--expected", "0.5%", "--baseline", "5%")
    assert code != 0 and "expected effect must be beyond the threshold" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["create-pilot", "--name", "", "--design", "ab", "--criterion", "r:proportion:primary::0"],
            "Name: is required",
        ),
        (
            ["create-pilot", "--name", "x", "--design", "target", "--criterion", "r:proportion:primary::150%"],
            "between 0% and 100%",
        ),
        (["create-pilot", "--name", "x", "--design", "ab", "--criterion", "r:proportion"], "expected METRIC:KIND"),
        (["evaluate", "--pilot", "nope"], "no pilot is named 'nope'"),
        (["restore", "/nonexistent.json"], "no such file"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_non_zero(cli_db, capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code != 0 and message in err and err.count("\n") == 1 and out == ""


def test_cli_runs_as_a_module_with_help_and_exit_codes(cli_db):
    def env_run(*a):
        return subprocess.run(
            [sys.executable, "-m", "lib.cli", *a], cwd=ROOT, capture_output=True, text=True, timeout=60
        )

    helped = env_run("evaluate", "--help")
    assert helped.returncode == 0 and "--format" in helped.stdout
    bad = env_run("evaluate", "--pilot", "missing")
    assert bad.returncode != 0 and bad.stderr.strip().startswith("error:") and "Traceback" not in bad.stderr


@pytest.mark.parametrize("fresh_url", ["sqlite", "postgres"], indirect=True)
def test_export_restore_round_trip_reproduces_every_row(engine, fresh_url):
    with transaction(engine) as s:
        load_demo(s, as_of=date(2026, 11, 23))
    original = backup.export_workspace(engine)
    target = make_engine(fresh_url)
    upgrade(target)
    restored = backup.restore_workspace(target, json.loads(backup.dumps(original)))
    again = backup.export_workspace(target)
    assert again == original
    assert restored["result_entry"] == len(original["tables"]["result_entry"]) > 400
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore_workspace(target, original)
    # ids keep counting after a restore on PostgreSQL too
    with transaction(target) as s:
        from tests import factories

        assert factories.goal(s, "After restore").id == max(g["id"] for g in original["tables"]["goal"]) + 1
    target.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(engine):
    with pytest.raises(backup.BackupError, match="not a Greenlight backup"):
        backup.restore_workspace(engine, {"hello": 1})
    with pytest.raises(backup.BackupError, match="not valid JSON"):
        backup.loads("{nope")


def test_report_command_writes_offline_reports(cli_db, capsys, tmp_path):
    assert run(capsys, "demo")[0] == 0
    out_file = tmp_path / "pilot.html"
    code, out, err = run(capsys, "report", "--pilot", "Question-style subject lines", "--out", str(out_file))
    assert code == 0, err
    html = out_file.read_text(encoding="utf-8")
    assert "Question-style subject lines" in html and html.count("vegaEmbed(") >= 3
    assert "LinkedIn carousel ads" not in html  # one pilot's report, nothing else
    goal_file = tmp_path / "goal.html"
    assert run(capsys, "report", "--goal", "2", "--out", str(goal_file))[0] == 0
    assert "Pilots under this goal" in goal_file.read_text(encoding="utf-8")
    pack_file = tmp_path / "pack.html"
    assert run(capsys, "report", "--pending", "--out", str(pack_file))[0] == 0
    assert "awaiting a decision" in pack_file.read_text(encoding="utf-8")
    code, _, err = run(capsys, "report", "--goal", "99", "--out", str(tmp_path / "x.html"))
    assert code != 0 and "Goal 99 does not exist" in err


def test_cli_strips_terminal_escape_codes_from_stored_text(cli_db, capsys):
    """Names stored before the input rules (or by a script) cannot recolour, retitle or link the terminal."""
    from lib.infra.models import Criterion, Pilot, ShareLink

    red = "\x1b[31mRed\x1b[0m pilot \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x9b2Jend"
    engine = make_engine(cli_db)
    upgrade(engine)
    with transaction(engine) as s:  # table models skip validation: this is how old or scripted rows look
        pilot = Pilot(name=red, design="target", status="running", arms="pilot", start_date=date(2026, 10, 1))
        s.add(pilot)
        s.flush()
        metric = "reply\x1b[2J_rate"
        s.add(Criterion(pilot_id=pilot.id, metric=metric, kind="proportion", role="primary", comparison="vs_target"))
        s.add(ShareLink(token_hash="0" * 64, pilot_id=pilot.id, label="\x1b]0;pwned\x07Sales\r team", created_by="x"))
    engine.dispose()

    def cli(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "lib.cli", *argv], cwd=ROOT, capture_output=True, text=True, timeout=60
        )

    evaluated, links = cli("evaluate"), cli("share", "list")
    missing = cli("evaluate", "--pilot", "\x1b[31mnope\x1b]0;title\x07")
    code, listed, _ = run(capsys, "pilots")
    assert evaluated.returncode == links.returncode == code == 0, evaluated.stderr + links.stderr
    printed = evaluated.stdout + links.stdout + missing.stderr + listed
    for escape in ("\x1b", "\x9b", "\x07", "\r"):
        assert escape not in printed
    assert "Red pilot click end" in evaluated.stdout and "Red pilot click end" in listed
    assert "Sales team" in links.stdout and "pwned" not in links.stdout
    assert missing.returncode != 0 and "no pilot is named 'nope'" in missing.stderr
    code, as_json, _ = run(capsys, "pilots", "--format", "json")
    assert json.loads(as_json)[0]["name"] == red  # JSON escapes control characters itself: the data stays exact


def test_every_cli_command_the_pages_quote_exists():
    """Settings once told people to run ``lib.cli backup``, a command that never existed: the command is export."""
    import re

    from lib.cli.parser import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    quoted = {
        (path.name, name)
        for path in sorted((ROOT / "pages").glob("*.py"))
        for name in re.findall(r"python -m lib\.cli (\w+)", path.read_text(encoding="utf-8"))
    }
    assert ("settings.py", "export") in quoted
    assert [q for q in quoted if q[1] not in commands] == []
