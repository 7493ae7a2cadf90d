"""What is true of the whole file is said once: dates that all miss the pilot, person ids that repeat."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from lib.importer import ImportMapping, MetricMapping, Problem, analyze
from lib.importer.repeats import RepeatedIds

from .helpers import csv_bytes, pair_mapping, xlsx_bytes

PILOT = (date(2024, 3, 1), date(2024, 3, 31))
HEADER = ["date", "arm", "visitors", "conversions"]
CHECK = "Check that this is the export for this pilot and that the right column is mapped as the date."


def daily_rows(first: date, days: int) -> list[list[object]]:
    rows: list[list[object]] = [HEADER]
    for i in range(days):
        day = (first + timedelta(days=i)).isoformat()
        rows += [[day, "control", 100, 5], [day, "pilot", 100, 7]]
    return rows


def test_a_file_from_another_year_is_one_problem_not_one_per_row() -> None:
    result = analyze(csv_bytes(daily_rows(date(2017, 1, 1), 300)), pair_mapping(), date_range=PILOT)
    assert result.problems == [
        Problem(
            None, "date", f"All 600 rows are from 2017, before the pilot's start on 2024-03-01. {CHECK}", "date_outside"
        )
    ]
    assert result.problem_count == 1 and result.observations == [] and not result.ok


@pytest.mark.parametrize(
    ("first", "days", "sentence"),
    [
        (date(2024, 4, 2), 10, "All 20 rows are from April 2024, after the pilot's end on 2024-03-31."),
        (
            date(2023, 11, 20),
            200,
            "All 338 rows are from 2023-11-20 to 2024-06-06, outside the pilot (2024-03-01 to 2024-03-31).",
        ),
        (date(2024, 2, 20), 1, "All 2 rows are from 2024-02-20, before the pilot's start on 2024-03-01."),
    ],
)
def test_the_summary_names_the_span_and_the_side(first: date, days: int, sentence: str) -> None:
    if first == date(2023, 11, 20):  # a file around the pilot, with its month cut out: nothing inside it
        rows = [r for r in daily_rows(first, days) if r is HEADER or not str(r[0]).startswith("2024-03")]
    else:
        rows = daily_rows(first, days)
    result = analyze(csv_bytes(rows), pair_mapping(), date_range=PILOT)
    assert [p.message for p in result.problems] == [f"{sentence} {CHECK}"]


def test_one_row_is_the_only_row() -> None:
    result = analyze(csv_bytes([HEADER, ["2024-05-01", "control", 100, 5]]), pair_mapping(), date_range=PILOT)
    assert result.problems[0].message.startswith(
        "The only row is from 2024-05-01, after the pilot's end on 2024-03-31."
    )


def test_rows_inside_the_pilot_keep_the_row_by_row_problems() -> None:
    rows = daily_rows(date(2024, 2, 28), 3)  # Feb 28, Feb 29, Mar 1
    result = analyze(csv_bytes(rows), pair_mapping(), date_range=PILOT)
    assert [(p.row, p.code) for p in result.problems] == [(r, "date_outside") for r in (2, 3, 4, 5)]
    assert {o.day for o in result.observations} == {date(2024, 3, 1)}


# --- person ids ----------------------------------------------------------------------------


def events_mapping() -> ImportMapping:
    metric = MetricMapping("conversion_rate", "proportion", column="converted")
    return ImportMapping(
        layout="events", arm_column="arm", control_value="control", date_column="date", metrics=[metric]
    )


def event_rows(users: list[object], arms: list[str] | None = None, id_name: str = "user_id") -> list[list[object]]:
    arms = arms or ["control", "pilot"] * (len(users) // 2 + 1)
    return [[id_name, "date", "arm", "converted"]] + [
        [user, "2024-03-05", arm, i % 2] for i, (user, arm) in enumerate(zip(users, arms, strict=False))
    ]


def repeat_notes(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [n for n in result.notes if "more than one row" in n]


def test_repeated_user_ids_are_reported_with_an_example_and_the_arms() -> None:
    users = [f"u{i}" for i in range(40)]
    users[8], users[20], users[31] = "u2", "u3", "u3"  # u2 twice (both control), u3 three times (both arms)
    result = analyze(csv_bytes(event_rows(users)), events_mapping())
    assert result.ok and result.rows_used == 40  # a note, not a problem: order exports repeat customers
    assert repeat_notes(result) == [
        "In 'user_id', 2 ids appear on more than one row (5 rows; e.g. rows 4 and 10 have the same id). "
        "Each row counts as one unit, so those people are counted more than once. 1 of them is in more than one arm."
    ]


def test_repeats_are_found_across_chunks_and_number_ids_match_text_ids() -> None:
    users: list[object] = list(range(1000, 1300))
    users[250] = 1010  # the same customer number, 240 rows later
    users[299] = "x-77"  # one text id makes the last chunk text: 1010 must still equal "1010"
    result = analyze(csv_bytes(event_rows(users, id_name="Customer No")), events_mapping(), chunk_rows=40)
    assert repeat_notes(result) == [
        "In 'Customer No', an id appears on more than one row (2 rows; e.g. rows 12 and 252 have the same id). "
        "Each row counts as one unit, so those people are counted more than once."
    ]


def test_unique_ids_blank_ids_and_segments_give_no_note() -> None:
    unique = [f"u{i}" for i in range(40)]
    anonymous = [f"u{i}" if i % 3 else "null" for i in range(40)]  # "null" is nobody, however often
    assert repeat_notes(analyze(csv_bytes(event_rows(unique)), events_mapping())) == []
    assert repeat_notes(analyze(csv_bytes(event_rows(anonymous)), events_mapping())) == []
    segments = event_rows(["new", "returning"] * 20, id_name="customer")  # a segment, not an id
    assert repeat_notes(analyze(csv_bytes(segments), events_mapping())) == []
    agents = event_rows(["Mozilla/5.0"] * 40, id_name="user_agent")  # 'agent' is not an id word
    assert repeat_notes(analyze(csv_bytes(agents), events_mapping())) == []


def test_repeated_ids_in_a_workbook() -> None:
    users = [101, 102, 103, 101] + list(range(200, 220))
    result = analyze(xlsx_bytes(event_rows(users, id_name="email")), events_mapping())
    assert repeat_notes(result)[0].startswith(
        "In 'email', an id appears on more than one row (2 rows; e.g. rows 2 and 5 have the same id)."
    )


def test_ids_are_compared_by_their_text_whatever_pandas_made_of_them() -> None:
    from lib.importer.repeats import hash_texts

    def hashes(values: list[object], dtype: object = None) -> list[int]:
        return hash_texts(pd.Series(values, dtype=dtype)).tolist()  # type: ignore[arg-type]

    assert hashes([1010, 7]) == hashes(["1010", "7"], str) == hashes([1010, "7"], object) == hashes([1010.0, 7.0])
    texts = ["u1", "u1 ", "abcdefgh", "abcdefghi", "abcdefghj", "x" * 40, "x" * 39 + "y", "é", "e"]
    assert len(set(hashes(texts, str))) == len(texts)
    assert hashes(["", None], str) == [0, 0]  # nobody


def reference_hash(text: str | None) -> int:
    """The id hash written out byte by byte: what hash_texts computes for a whole chunk at once."""
    if not text:
        return 0
    data = text.encode()
    mask = (1 << 64) - 1
    value = len(data) * 0xBF58476D1CE4E5B9 & mask
    for start in range(0, min(len(data), 1024), 8):
        word = int.from_bytes(data[start : min(start + 8, 1024)], "little")
        mixed = (value ^ word) * 0x9E3779B97F4A7C15 & mask
        value = mixed ^ (mixed >> 29)
    return value


def test_id_hashes_match_the_byte_by_byte_reference_at_every_length_and_offset() -> None:
    from lib.importer.repeats import hash_texts

    ids: list[str | None] = ["x" * n + "é" * (n % 3) for n in range(26)] + ["u1", None, "", "a" * 1030, "b" * 1031]
    for start in range(4):  # a chunk that starts inside the text buffer
        column = pd.Series(["pad" * start, *ids], dtype=str).iloc[1:]
        assert hash_texts(column).tolist() == [reference_hash(i) for i in ids]
    assert hash_texts(pd.Series(["u12345", "u7"], dtype=str)).tolist() == [
        reference_hash("u12345"),
        reference_hash("u7"),
    ]


def test_the_ids_filed_by_their_top_byte_find_exactly_the_repeats_one_sort_finds() -> None:
    """Chunks of random hashes, some repeated within a chunk, across chunks and at both ends of the range."""
    rng = np.random.default_rng(29)
    for _ in range(20):
        hashes = rng.integers(1, 2**64 - 1, size=int(rng.integers(1, 3000)), dtype=np.uint64)
        extremes = np.array([1, 2**64 - 1, 2**56, 2**56 - 1], dtype=np.uint64)
        picks = rng.choice(np.concatenate((hashes, extremes)), size=int(rng.integers(0, 40)))
        hashes = rng.permutation(np.concatenate((hashes, picks, np.zeros(5, dtype=np.uint64))))
        seen = RepeatedIds("id")
        for chunk in np.array_split(hashes, int(rng.integers(1, 12))):
            seen._file(chunk)
        values, counts = np.unique(hashes, return_counts=True)
        expected = np.setdiff1d(values[counts > 1], [0])
        found = seen._repeated()
        assert np.array_equal(np.setdiff1d(found, [0]), expected) and 0 not in found
