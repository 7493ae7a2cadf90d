"""A public A/B export nobody here wrote, end to end: named arms, True/False flags, no date column.

The shape of the mobile game's gate test (issue 17): ``userid, version, sum_game_rounds,
retention_1, retention_7``, arms ``gate_30`` (control) and ``gate_40``, imported with
``--control gate_30`` through the CLI and through the Log results page, then evaluated.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlmodel import Session

from lib.cli.main import main
from lib.infra.db import make_engine, upgrade
from lib.infra.models import ResultEntry
from lib.services.results import current_entries
from tests.pages_helpers import count, errors, page

TODAY = date.today()
ROWS = 1_000


def gate_export(path, rows: int = ROWS, seed: int = 17) -> pd.DataFrame:
    """Seeded rows like the original's (90,189 rows split 44,700 / 45,489; 7-day retention 19.0 % vs 18.2 %)."""
    rng = np.random.default_rng(seed)
    version = rng.choice(["gate_30", "gate_40"], rows, p=[0.4956, 0.5044])
    control = version == "gate_30"
    frame = pd.DataFrame(
        {
            "userid": rng.choice(np.arange(116, 9_999_862), rows, replace=False),
            "version": version,
            "sum_game_rounds": rng.negative_binomial(1, 0.02, rows),
            "retention_1": rng.random(rows) < np.where(control, 0.448, 0.442),
            "retention_7": rng.random(rows) < np.where(control, 0.190, 0.182),
        }
    )
    frame.to_csv(path, index=False)  # booleans as True/False, as the export writes them
    return frame


@pytest.fixture
def gate(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    frame = gate_export(tmp_path / "cookie_cats.csv")
    code = main(
        [
            "create-pilot",
            "--name",
            "Gate at level 40",
            "--design",
            "ab",
            "--arms",
            "gate_30,gate_40",
            "--status",
            "running",
            "--start",
            (TODAY - timedelta(days=10)).isoformat(),
            "--end",
            (TODAY + timedelta(days=10)).isoformat(),
            "--planned-n",
            "45000",
            "--criterion",
            "retention_7:proportion:primary:vs_control:0",
        ]
    )
    assert code == 0
    yield engine, tmp_path / "cookie_cats.csv", frame
    engine.dispose()


def stored(engine) -> dict[str, tuple[float, float]]:
    with Session(engine) as s:
        return {e.arm: (e.n, e.total) for e in current_entries(s, 1) if e.metric == "retention_7" and e.day == TODAY}


def expected(frame: pd.DataFrame) -> dict[str, tuple[float, float]]:
    g = frame.groupby("version")["retention_7"]
    return {arm: (float(g.size()[arm]), float(g.sum()[arm])) for arm in ("gate_30", "gate_40")}


def import_args(path, control: str) -> list[str]:
    return [
        "import",
        str(path),
        "--pilot",
        "Gate at level 40",
        "--layout",
        "events",
        "--arm-column",
        "version",
        "--control",
        control,
        "--metric",
        "retention_7=retention_7",
    ]


def test_the_gate_export_imports_with_control_gate_30_and_evaluates_through_the_cli(gate, capsys):
    engine, path, frame = gate
    code = main(import_args(path, "gate_30"))
    out, err = capsys.readouterr()
    assert code == 0, err + out
    assert "problem" not in out and f"{ROWS:,} rows read, {ROWS:,} used" in out
    assert stored(engine) == expected(frame)
    assert main(["evaluate", "--pilot", "Gate at level 40"]) == 0
    out = capsys.readouterr().out
    rate, n = frame.groupby("version")["retention_7"].mean(), frame.groupby("version").size()
    assert f"{rate['gate_40']:.1%} in the pilot vs {rate['gate_30']:.1%} in control" in out
    # unequal arms are named with their own counts (issue 17: "on 44,700 people per arm" hid 45,489)
    counts = f"on {n['gate_30']:,} (gate_30, control) and {n['gate_40']:,} (gate_40, pilot) people: "
    assert n["gate_30"] != n["gate_40"] and counts in out and "per arm:" not in out
    assert main(["report", "--pilot", "Gate at level 40", "--out", str(path.with_suffix(".html"))]) == 0
    assert counts in path.with_suffix(".html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("control", "message"),
    [
        ("gate_40", "names the arm gate_40, but this pilot's control arm is gate_30"),
        (
            "gate_3",
            "is neither a value of 'version' (gate_30, gate_40) nor one of this pilot's arms (gate_30, gate_40)",
        ),
    ],
)
def test_a_control_value_that_is_not_the_control_arm_is_a_clear_error_and_writes_nothing(
    gate, capsys, control, message
):
    engine, path, _ = gate
    assert main(import_args(path, control)) != 0
    out, err = capsys.readouterr()
    assert message in out and "nothing was saved" in err + out
    assert count(engine, ResultEntry) == 0


def test_the_gate_export_imports_through_the_log_results_page(gate):
    engine, path, frame = gate
    at = page("pages/log_results.py").run()
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    at.selectbox(key="armcol_1").set_value("version").run()
    at.selectbox(key="control_1").set_value("gate_30").run()
    at.selectbox(key="m_retention_7_col_1").set_value("retention_7").run()
    next(b for b in at.button if b.label == "Preview import").click().run()
    assert not errors(at), errors(at)
    next(b for b in at.button if b.label == "Import 2 values").click().run()
    assert not errors(at), errors(at)
    assert "Imported 2 values" in at.success[0].value
    assert stored(engine) == expected(frame)
