"""Reading what people upload: delimiters, encodings, workbooks, and clear refusals."""

import io
from datetime import date

import pytest

from lib.importer import ImportFileError, analyze, file_checksum, read_sample

from .helpers import csv_bytes, pair_mapping, xlsx_bytes

ROWS = [["date", "arm", "visitors", "conversions"], ["2024-03-01", "control", 100, 5], ["2024-03-01", "pilot", 90, 9]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(delimiter: str) -> None:
    sample = read_sample(csv_bytes(ROWS, delimiter), "r.csv")
    assert sample.format.delimiter == delimiter
    assert sample.columns == ["date", "arm", "visitors", "conversions"]
    assert sample.rows[1] == ["2024-03-01", "pilot", "90", "9"]


def test_utf8_bom_is_not_part_of_the_first_column() -> None:
    data = csv_bytes([["Région", "arm", "visitors", "conversions"], ["Île-de-France", "control", 10, 1]], bom=True)
    sample = read_sample(data, "r.csv")
    assert sample.columns[0] == "Région"
    assert sample.format.encoding == "utf-8"


def test_latin1_file_is_read_with_accents_and_euro_sign() -> None:
    rows = [["Région", "date", "arm", "revenue"], ["Île-de-France", "01/03/2024", "control", "1.234,50 €"]]
    sample = read_sample(csv_bytes(rows, ";", encoding="cp1252"), "r.csv")
    assert sample.format.encoding == "cp1252"
    assert sample.columns[0] == "Région"
    assert sample.rows[0][3] == "1.234,50 €"
    assert sample.format.decimal == ","


def test_title_lines_above_the_header_are_skipped_and_rows_keep_their_numbers() -> None:
    data = b"Campaign report\nExported 2024-03-05\n\ndate,arm,visitors,conversions\n2024-03-01,control,100,5\n2024-03-01,pilot,100,500\n"
    sample = read_sample(data, "r.csv")
    assert sample.format.header_row == 4
    result = analyze(data, pair_mapping(), name="r.csv")
    assert [(p.row, p.code) for p in result.problems] == [(6, "conversions_over_exposures")]


def test_sources_path_bytes_and_file_objects_agree(tmp_path) -> None:
    data = csv_bytes(ROWS)
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    upload = io.BytesIO(data)
    upload.name = "upload.csv"
    upload.read()  # Streamlit may hand it over already read
    results = [analyze(src, pair_mapping()) for src in (str(path), path, data, upload)]
    assert {len(r.observations) for r in results} == {2}
    assert results[0].file_name == "r.csv" and results[3].file_name == "upload.csv"


def test_checksum_is_sha256_of_the_bytes(tmp_path) -> None:
    data = csv_bytes(ROWS) * 1000
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    import hashlib

    expected = hashlib.sha256(data).hexdigest()
    assert file_checksum(data) == file_checksum(path) == file_checksum(io.BytesIO(data)) == expected
    assert file_checksum(path, block_size=7) == expected


def test_xlsx_with_datetime_cells() -> None:
    from datetime import datetime

    data = xlsx_bytes([ROWS[0], [datetime(2024, 3, 1), "control", 100, 5], [datetime(2024, 3, 2), "pilot", 90, 9]])
    sample = read_sample(data, "r.xlsx")
    assert sample.format.kind == "xlsx" and sample.format.sheet == "Results"
    result = analyze(data, pair_mapping(), name="r.xlsx")
    assert result.ok
    assert [(o.day, o.arm, o.n, o.total) for o in result.observations] == [
        (date(2024, 3, 1), "control", 100, 5),
        (date(2024, 3, 2), "pilot", 90, 9),
    ]


def test_xlsx_sheet_can_be_chosen_by_name() -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["just some notes"])
    data_sheet = workbook.create_sheet("Data")
    for row in ROWS:
        data_sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    sample = read_sample(buffer.getvalue(), "r.xlsx", sheet="data")
    assert sample.format.sheet == "Data" and sample.format.sheets == ("Notes", "Data")
    with pytest.raises(ImportFileError, match="no sheet called 'Summary'. Sheets found: Notes, Data"):
        read_sample(buffer.getvalue(), "r.xlsx", sheet="Summary")


# --- refusals ------------------------------------------------------------------------


def test_empty_file() -> None:
    with pytest.raises(ImportFileError, match="'r.csv' is empty"):
        read_sample(b"", "r.csv")
    with pytest.raises(ImportFileError, match="is empty"):
        read_sample(b"\xef\xbb\xbf  \n\n", "r.csv")


def test_header_without_data_rows() -> None:
    with pytest.raises(ImportFileError, match="has a header row but no data rows"):
        read_sample(b"date,arm,visitors\n", "r.csv")


def test_no_header_row() -> None:
    with pytest.raises(ImportFileError, match="first row of 'r.csv' looks like data") as info:
        read_sample(b"2024-03-01,control,100,5\n2024-03-02,control,90,4\n", "r.csv")
    assert "Add a header row" in str(info.value)


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"date,arm\x00\x01\x02\x00\x00binary" * 20, "is not a text (CSV) file or an Excel .xlsx workbook"),
        (b"%PDF-1.7\n...", "looks like a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "looks like an image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old-style Excel .xls workbook"),
        (b"<!DOCTYPE html><html><table></table></html>", "is a web page (HTML)"),
    ],
)
def test_binary_and_non_table_files(data: bytes, phrase: str) -> None:
    with pytest.raises(ImportFileError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        read_sample(data, "upload.bin")


def test_zip_that_is_not_a_workbook() -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("report.csv", "a,b\n1,2\n")
    with pytest.raises(ImportFileError, match="looks like a ZIP archive"):
        read_sample(buffer.getvalue(), "r.zip")


def test_oversized_file_is_refused_before_reading(tmp_path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(ROWS) * 100)
    with pytest.raises(ImportFileError, match=r"'big.csv' is 0.0 MB; the import limit is 0.0 MB"):
        read_sample(path, max_bytes=1000)
    with pytest.raises(ImportFileError, match="the import limit is"):
        analyze(path.read_bytes(), pair_mapping(), name="big.csv", max_bytes=1000)


def test_default_limit_is_200_mb() -> None:
    from lib.importer import DEFAULT_MAX_BYTES

    assert DEFAULT_MAX_BYTES == 200 * 1024 * 1024


def test_merged_header_cells_in_a_workbook() -> None:
    data = xlsx_bytes([["date", "Visitors", None, "arm"], ["2024-03-01", 1, 2, "control"]], merge="B1:C1")
    with pytest.raises(ImportFileError, match=r"header row \(row 1\) of 'r.xlsx' has merged cells \(B1:C1\)"):
        read_sample(data, "r.xlsx")


def test_blank_column_name_in_the_header() -> None:
    data = xlsx_bytes([["date", None, "arm"], ["2024-03-01", 1, "control"]])
    with pytest.raises(ImportFileError, match="has no name for column B"):
        read_sample(data, "r.xlsx")
    with pytest.raises(ImportFileError, match="has no name for column B"):
        read_sample(b"date,,arm\n2024-03-01,1,control\n", "r.csv")


def test_trailing_empty_header_cells_are_fine() -> None:
    sample = read_sample(b"date,arm,visitors,conversions,,\n2024-03-01,control,10,1,,\n", "r.csv")
    assert sample.columns == ["date", "arm", "visitors", "conversions"]


def test_duplicate_column_names() -> None:
    with pytest.raises(ImportFileError, match="same name for more than one column: 'clicks'"):
        read_sample(b"date,clicks,Clicks\n2024-03-01,1,2\n", "r.csv")


def test_mapping_that_names_a_missing_column() -> None:
    data = csv_bytes([["date", "arm", "sent", "replies"], ["2024-03-01", "control", 10, 1]])
    with pytest.raises(ImportFileError) as info:
        analyze(data, pair_mapping("replies", "visits"), name="r.csv")
    assert str(info.value) == "Column 'visits' is not in the file. Columns found: date, arm, sent, replies."


def test_row_with_too_many_values_names_its_row() -> None:
    data = b"date,arm,visitors,conversions\n2024-03-01,control,100,5\n2024-03-02,control,1,000,5\n"
    with pytest.raises(ImportFileError, match="Row 3 of 'r.csv' has 5 values but the header has 4 columns"):
        analyze(data, pair_mapping(), name="r.csv")


def test_unclosed_quote_names_its_row() -> None:
    data = b'date,arm,visitors,conversions\n2024-03-01,control,100,5\n2024-03-02,"control,1,5\n2024-03-03,pilot,1,1\n'
    with pytest.raises(ImportFileError, match=r"Row 3 of 'r.csv' opens a quote"):
        analyze(data, pair_mapping(), name="r.csv")


def test_bytes_that_are_not_utf8_late_in_the_file_fall_back_to_windows_1252() -> None:
    head = csv_bytes([["date", "arm", "visitors", "conversions"]] + [["2024-03-01", "control", 1, 0]] * 20000)
    data = head + "2024-03-02,Contrôle,1,1\n".encode("cp1252")
    result = analyze(data, pair_mapping(control_value="control"), name="r.csv", chunk_rows=5000)
    assert result.format.encoding == "cp1252"
    assert result.arm_values == {"control": "control", "Contrôle": "pilot"}
    assert result.notes[0] == "Text read as Windows-1252 / Latin-1."


def test_row_with_too_many_values_far_down_the_file() -> None:
    rows = [["date", "arm", "visitors", "conversions"]] + [["2024-03-01", "control", 1, 0]] * 3000
    data = csv_bytes(rows) + b"2024-03-02,control,1,000,5\n"
    with pytest.raises(ImportFileError, match="Row 3002 of 'r.csv' has 5 values but the header has 4 columns"):
        analyze(data, pair_mapping(), name="r.csv", chunk_rows=500)


def test_utf16_export() -> None:
    text = "date\tarm\tvisitors\tconversions\n2024-03-01\tcontrol\t100\t5\n2024-03-01\tpilot\t90\t9\n"
    data = text.encode("utf-16")
    result = analyze(data, pair_mapping(), name="unicode.txt")
    assert result.ok and result.format.encoding == "utf-16" and result.format.delimiter == "\t"
    assert len(result.observations) == 2


def test_xlsx_without_header_row() -> None:
    from datetime import datetime

    data = xlsx_bytes([[datetime(2024, 3, 1), "control", 100, 5], [datetime(2024, 3, 2), "pilot", 90, 9]])
    with pytest.raises(ImportFileError, match="looks like data"):
        read_sample(data, "r.xlsx")


def test_errors_while_reading_stop_the_reader_thread() -> None:
    import threading

    rows = [["date", "arm", "visitors", "conversions"]] + [["2024-03-01", f"arm{i}", 1, 0] for i in range(5000)]
    before = threading.active_count()
    with pytest.raises(ImportFileError, match="does not look like the arm"):
        analyze(csv_bytes(rows), pair_mapping(), name="r.csv", chunk_rows=100)

    class Stop(Exception):
        pass

    def stop(_fraction: float) -> None:
        raise Stop

    with pytest.raises(Stop):
        analyze(csv_bytes(rows[:50] * 100), pair_mapping(), chunk_rows=100, on_progress=stop)
    assert threading.active_count() == before
