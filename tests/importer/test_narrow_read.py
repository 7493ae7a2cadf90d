"""The narrow read (only the mapped columns) gives exactly what reading every column gives, or reads again.

Each file below is analysed twice: as the importer does it, and with the narrow
read turned off (every column parsed, as before). Previews and errors must be
equal, and the plain files must really have been read narrow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.importer import ImportFileError, ImportMapping, MetricMapping, analyze
from lib.importer import narrow as narrow_module
from lib.importer.narrow import HEAD_BYTES, PlainCheck, ReadAgain
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


@contextmanager
def wide_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Reading every column, as before the narrow read: it never applies inside."""
    with monkeypatch.context() as patch:
        patch.setattr(PlainCheck, "of", classmethod(lambda cls, *args: None))
        yield


def wide(monkeypatch: pytest.MonkeyPatch, data: bytes) -> object:
    """What reading every column gives."""
    with wide_only(monkeypatch):
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


@pytest.mark.parametrize(
    "where",
    [
        "a blank last line",
        "a quote near the top",
        "a row near the top with a value too many",
        "a lone CR line end",
        "an empty last value near the top",
    ],
)
def test_a_file_whose_head_or_end_shows_it_is_not_plain_is_read_with_every_column_from_the_start(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str], where: str
) -> None:
    """Read once, not twice: what the head or the last bytes show decides before anything is parsed."""
    data = {
        "a blank last line": "".join(events_text()).encode() + b"\n",
        "a quote near the top": with_line(lambda line: channel(line, '"email, then web"'), at=20),
        "a row near the top with a value too many": with_line(DEFECTS["an empty value too many"], at=1),
        "a lone CR line end": with_line(lambda line: line.replace("\n", "\r"), at=30),
        "an empty last value near the top": with_line(DEFECTS["the last value empty"], at=40),
    }[where]
    narrow = run(data)
    assert outcomes == []  # no narrow read begun, none thrown away
    assert narrow == wide(monkeypatch, data)


def test_an_error_a_shifted_row_causes_first_is_not_the_answer(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str]
) -> None:
    """Sixty unquoted "Smith, John" names shift into the arm column and make 60 arms before the delimiters
    are counted: the file is read again, and refused for the row with a value too many, as before."""
    lines = ["name,arm,value,seconds\n"] + [f"P{i},{ARMS[i % 2]},{i % 97},{i % 13 + 1}\n" for i in range(24_000)]
    for k in range(60):  # beyond the head the narrow read looks at first
        lines[16_000 + 50 * k] = f"Smith, John{k},control,{k},5\n"
    data = "".join(lines).encode()
    one = people_mapping()
    narrow, every = refusals(monkeypatch, data, one)
    assert outcomes  # a narrow read was begun
    assert narrow == every and "16001" in narrow and "values" in narrow


def people_mapping(control: str = "control") -> ImportMapping:
    """A file of name, arm, value and seconds: the arm and one mean, no date."""
    return ImportMapping(
        layout="events",
        arm_column="arm",
        control_value=control,
        metrics=[MetricMapping("spend", "mean", column="value")],
    )


def refusals(
    monkeypatch: pytest.MonkeyPatch, data: bytes, one: ImportMapping, chunk_rows: int | None = CHUNK
) -> tuple[str, str]:
    """How the importer refuses the file, and how reading every column refuses it."""

    def refused() -> str:
        with pytest.raises(ImportFileError) as error:
            analyze(data, one, name="people.csv", allowed_arms=ARMS, chunk_rows=chunk_rows)
        return str(error.value)

    narrow = refused()
    with wide_only(monkeypatch):
        return narrow, refused()


def test_a_late_unclosed_quote_does_not_hide_an_earlier_long_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """pandas meets the quote in the same read that brings its bytes, before they are checked; the file is
    read again and refused for the long row that comes first, as before."""
    lines = ["name,arm,value,seconds\n"] + [f"Person{i},{ARMS[i % 2]},{i % 97},{i % 13 + 1}\n" for i in range(30_000)]
    lines[20_000] = "Smith, John,control,3,5\n"
    lines[25_000] = '"Person x,control,3,5\n'
    data = "".join(lines).encode()
    one = people_mapping()
    narrow, every = refusals(monkeypatch, data, one, None)
    assert narrow == every and "20001" in narrow


def test_a_bad_byte_read_ahead_does_not_change_the_encoding_of_an_earlier_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The wide read refuses the first chunk's 60 arms in UTF-8 before it reaches a cp1252 byte in the
    second chunk, which the narrow read has already read: the refusal names the arms as UTF-8 spells them."""
    lines = ["name,arm,value,seconds\n"] + [
        f"P{i:07d},Caf\u00e9{i % 60},{i % 97},{i % 13 + 1}\n" for i in range(100_000)
    ]
    data = "".join(lines).encode()
    with open_table(data, "people.csv") as table:
        second = table.default_chunk_rows() + 1  # the first row of the second chunk
    data = data.replace(f"P{second - 1:07d},".encode(), b"P\xff,")
    one = people_mapping("Caf\u00e90")
    narrow, every = refusals(monkeypatch, data, one, None)
    assert narrow == every and "Caf\u00e90" in narrow


def test_a_bad_byte_above_the_header_is_not_decoded_as_pandas_never_decodes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "".join(f"P{i},{ARMS[i % 2]},{i % 97},{i % 13 + 1}\n" for i in range(6_000)).encode()
    data = b"\xef\xbb\xbf" + b"Report \xff caf\xe9\n" + b"name,arm,value,seconds\n" + rows
    one = people_mapping()
    narrow = analyze(data, one, name="report.csv", allowed_arms=ARMS, chunk_rows=CHUNK)
    assert narrow == wide_preview(monkeypatch, data, one)
    assert narrow.format.encoding == "utf-8" and narrow.format.header_row == 2


def wide_preview(monkeypatch: pytest.MonkeyPatch, data: bytes, one: ImportMapping):  # type: ignore[no-untyped-def]
    with wide_only(monkeypatch):
        return analyze(data, one, name="report.csv", allowed_arms=ARMS, chunk_rows=CHUNK)


def test_progress_never_goes_back_when_a_file_is_read_again(outcomes: list[str]) -> None:
    seen: list[float] = []
    data = with_line(DEFECTS["one value short"])
    analyze(data, mapping(), name="events.csv", allowed_arms=ARMS, chunk_rows=CHUNK, on_progress=seen.append)
    assert outcomes == ["read again"]
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_a_crlf_file_whose_head_ends_between_cr_and_lf_is_still_read_narrow(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str]
) -> None:
    lines = events_text("\r\n")
    ends = np.cumsum([len(line) for line in lines])  # ASCII: characters are bytes
    cr = int(ends[np.searchsorted(ends, HEAD_BYTES) - 1]) - 2  # the last CR before the head's end
    lines[1] = channel(lines[1], lines[1].split(",")[3] + "x" * (HEAD_BYTES - 1 - cr))  # that CR: the head's last byte
    data = "".join(lines).encode()
    assert data[HEAD_BYTES - 1 : HEAD_BYTES + 1] == b"\r\n"
    narrow = run(data)
    assert outcomes == ["vouched"]
    assert narrow == wide(monkeypatch, data)
