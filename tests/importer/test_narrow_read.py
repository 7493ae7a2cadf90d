"""The narrow read (only the mapped columns) gives exactly what reading every column gives, or reads again.

Each file below is analysed twice: as the importer does it, and with the narrow
read turned off (every column parsed, as before). Previews and errors must be
equal, and the plain files must really have been read narrow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.importer import ImportFileError, ImportMapping, MetricMapping, analyze
from lib.importer import narrow as narrow_module
from lib.importer.narrow import PlainCheck, ReadAgain
from lib.importer.reading import open_table

ARMS = ["control", "pilot"]
ROWS, CHUNK = 12_000, 1_500  # eight chunks; the defects sit in the sixth, beyond the sample


def events_text(newline: str = "\n") -> list[str]:
    rng = np.random.default_rng(3)
    days = pd.date_range(date(2024, 3, 1), periods=14).strftime("%Y-%m-%d").to_numpy()
    frame = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in rng.permutation(ROWS)],
            "date": days[rng.integers(0, len(days), ROWS)],
            "arm": np.array(ARMS)[rng.integers(0, 2, ROWS)],
            "channel": np.array(["email", "sms", "web"])[rng.integers(0, 3, ROWS)],
            "converted": (rng.random(ROWS) < 0.2).astype(int),
            "spend": np.round(rng.gamma(2.0, 20.0, ROWS), 2),
            "seconds": rng.integers(1, 900, ROWS),  # never empty: the last column the narrow read checks
        }
    )
    return frame.to_csv(index=False, lineterminator=newline).splitlines(keepends=True)


def mapping() -> ImportMapping:
    return ImportMapping(
        layout="events",
        arm_column="arm",
        control_value="control",
        date_column="date",
        metrics=[
            MetricMapping("conversion_rate", "proportion", column="converted"),
            MetricMapping("spend", "mean", column="spend"),
        ],
    )


def with_line(replace: Callable[[str], str], at: int = 9_000) -> bytes:
    lines = events_text()
    lines[at] = replace(lines[at])
    return "".join(lines).encode()


def run(data: bytes) -> object:
    """The preview, or the error's message."""
    try:
        return analyze(data, mapping(), name="events.csv", allowed_arms=ARMS, chunk_rows=CHUNK)
    except ImportFileError as exc:
        return f"refused: {exc}"


def wide(monkeypatch: pytest.MonkeyPatch, data: bytes) -> object:
    """What reading every column gives: the narrow read never applies."""
    with monkeypatch.context() as patch:
        patch.setattr(PlainCheck, "of", classmethod(lambda cls, *args: None))
        return run(data)


@pytest.fixture()
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How each narrow read ended: "vouched", "read again" or the exception's name."""
    seen: list[str] = []
    original = narrow_module.PlainCheck.vouched

    def spied(self: PlainCheck, chunks):  # type: ignore[no-untyped-def]
        try:
            yield from original(self, chunks)
        except ReadAgain:
            seen.append("read again")
            raise
        except BaseException as exc:
            seen.append(type(exc).__name__)
            raise
        seen.append("vouched")

    monkeypatch.setattr(narrow_module.PlainCheck, "vouched", spied)
    return seen


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_plain_file_is_read_narrow_and_gives_what_every_column_gives(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str], newline: str
) -> None:
    data = "".join(events_text(newline)).encode()
    narrow = run(data)
    assert outcomes == ["vouched"]
    assert narrow == wide(monkeypatch, data)
    assert narrow.ok and narrow.row_count == ROWS  # type: ignore[attr-defined]


def test_the_narrow_frames_hold_the_mapped_columns_and_the_last_one() -> None:
    with open_table("".join(events_text()).encode(), "events.csv") as table:
        table.narrow = True
        frames = [frame for _, frame, _ in table.frames([1, 2, 4], CHUNK)]
        assert table.narrow  # nothing made it read again
        assert [list(f.columns) for f in frames] == [[1, 2, 4, 6]] * (ROWS // CHUNK)
        table.narrow = False
        every = pd.concat([frame for _, frame, _ in table.frames([1, 2, 4], CHUNK)], ignore_index=True)
    pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), every[[1, 2, 4, 6]])


def channel(line: str, value: str) -> str:
    """The line with its channel (an unmapped column) written as ``value``."""
    cells = line.split(",")
    cells[3] = value
    return ",".join(cells)


DEFECTS = {
    "one value too many": lambda line: line.rstrip("\n") + ",7\n",
    "an empty value too many": lambda line: line.rstrip("\n") + ",\n",
    "two values too many, the first empty": lambda line: line.rstrip("\n") + ",,5\n",
    "one value short": lambda line: line.rsplit(",", 1)[0] + "\n",
    "the last value empty": lambda line: line.rsplit(",", 1)[0] + ",\n",
    "a blank line": lambda line: "\n" + line,
    "a quoted value holding the delimiter": lambda line: channel(line, '"email, then web"'),
    "a quoted line end": lambda line: channel(line, '"web\nlater"'),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_a_row_the_narrow_read_cannot_vouch_for_reads_every_column_again(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str], defect: str
) -> None:
    data = with_line(DEFECTS[defect])
    narrow = run(data)
    assert outcomes == ["read again"]
    assert narrow == wide(monkeypatch, data)


def test_a_long_row_and_a_short_row_that_balance_out_are_still_caught(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str]
) -> None:
    lines = events_text()
    lines[8_000] = lines[8_000].rstrip("\n") + ",7\n"
    lines[8_001] = lines[8_001].rsplit(",", 1)[0] + "\n"
    data = "".join(lines).encode()
    narrow = run(data)
    assert outcomes == ["read again"]
    assert narrow == wide(monkeypatch, data)
    assert str(narrow).startswith("refused:") and "8001" in str(narrow)  # the header is line 1


def test_a_byte_that_is_not_utf8_in_a_column_not_read_still_switches_the_encoding(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str]
) -> None:
    data = with_line(lambda line: channel(line, "caf\xe9")).replace("caf\xe9".encode(), b"caf\xe9")
    narrow = run(data)
    assert outcomes == ["UnicodeDecodeError"]
    assert narrow == wide(monkeypatch, data)
    assert any("cp1252" in note or "Windows" in note for note in narrow.notes)  # type: ignore[attr-defined]


def test_a_trailing_blank_line_reads_again_and_counts_as_before(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str]
) -> None:
    data = "".join(events_text()).encode() + b"\n"
    narrow = run(data)
    assert outcomes == ["read again"]
    assert narrow == wide(monkeypatch, data)


def test_a_file_quoted_near_its_top_is_read_with_every_column_from_the_start(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str]
) -> None:
    data = with_line(lambda line: channel(line, '"email, then web"'), at=20)
    narrow = run(data)
    assert outcomes == []  # no narrow read begun, none thrown away
    assert narrow == wide(monkeypatch, data)
