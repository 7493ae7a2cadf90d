"""Whatever is uploaded, the importer answers with a preview or an ImportFileError, never a crash."""

from __future__ import annotations

import os
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.importer import ImportFileError, ImportMapping, MetricMapping, analyze, read_sample, suggest_mapping

from .helpers import pair_mapping, xlsx_bytes

# ~200 examples in a normal run; FUZZ_N=20000 for a long hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_N", 55)), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
EVENTS = ImportMapping(
    "events",
    "arm",
    "control",
    "date",
    [MetricMapping("c", "proportion", column="conversions"), MetricMapping("v", "mean", column="visitors")],
)


def import_anything(data: bytes, name: str = "fuzz.csv") -> None:
    """Every step a page would take; only ImportFileError may come out."""
    try:
        sample = read_sample(data, name)
        mapping = suggest_mapping(sample.columns, sample.rows, ["rate"], decimal=sample.format.decimal)
        ImportMapping.from_dict(mapping.to_dict())
        for candidate in (mapping, pair_mapping(), EVENTS):
            try:
                result = analyze(
                    data,
                    candidate,
                    name=name,
                    allowed_arms=["control", "pilot"],
                    date_range=(date(2024, 3, 1), date(2024, 3, 31)),
                    existing_keys={(date(2024, 3, 1), "pilot", "rate")},
                    chunk_rows=3,
                )
            except ImportFileError:
                continue
            assert result.ok == (result.problem_count == 0)
            assert all(p.row is None or p.row >= 2 for p in result.problems)
            assert len(result.problems) <= 200
    except ImportFileError as exc:
        assert str(exc)


cells = st.one_of(
    st.text(max_size=8),
    st.sampled_from(
        [
            "2024-03-01",
            "01/03/2024",
            "13/03/2024",
            "control",
            "pilot",
            "1,5",
            "1.234,5",
            "12%",
            "$3",
            "yes",
            "",
            '"',
            '"a,b"',
            "Total",
            "-1",
            "1e309",
            "NaN",
            "\x00",
        ]
    ),
    st.integers(-10, 10_000).map(str),
)


@st.composite
def csv_texts(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    header = draw(st.sampled_from([["date", "arm", "visitors", "conversions"], [], ["date", "", "arm"]]))
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 1), max_size=12))
    lines = [delimiter.join(header)] if header else []
    lines += [delimiter.join(row) for row in rows]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(csv_texts())
def test_malformed_csv_never_crashes(data: bytes) -> None:
    import_anything(data)


@FUZZ
@given(st.text(max_size=300))
def test_random_text_never_crashes(text: str) -> None:
    import_anything(text.encode("utf-8", errors="surrogatepass"))


@settings(max_examples=int(os.environ.get("FUZZ_N", 50)), deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["fuzz.csv", "fuzz.xlsx", "fuzz.bin"]))
def test_random_bytes_never_crash(data: bytes, name: str) -> None:
    import_anything(data, name)


xlsx_cells = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=6).filter(lambda s: not s.startswith("=")),
    st.integers(-5, 50_000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)),
    st.sampled_from(["control", "pilot", "2024-03-01", "yes"]),
)


@settings(
    max_examples=int(os.environ.get("FUZZ_XLSX_N", 20)), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(st.lists(xlsx_cells, max_size=5), max_size=8), st.booleans())
def test_random_workbooks_never_crash(rows: list[list[object]], with_header: bool) -> None:
    header = [["date", "arm", "visitors", "conversions"]] if with_header else []
    import_anything(xlsx_bytes(header + rows), "fuzz.xlsx")


GOOD_WORKBOOK = xlsx_bytes([["date", "arm", "visitors", "conversions"], ["2024-03-01", "control", 10, 1]])


@settings(max_examples=int(os.environ.get("FUZZ_XLSX_N", 20)), deadline=None)
@given(st.data())
def test_damaged_workbooks_never_crash(data: st.DataObject) -> None:
    good = bytearray(GOOD_WORKBOOK)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(good) - 1))
        good[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(good) // 2, len(good)))
    import_anything(bytes(good[:cut]), "damaged.xlsx")
