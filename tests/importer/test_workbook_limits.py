"""Zip bombs: workbooks of about a megabyte that unpack to gigabytes are refused fast, in little memory.

Each hostile read runs in its own Python process, which reports how long the read
took and how far it raised the process's peak memory (ru_maxrss), so one test's
allocations cannot hide in another's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lib.importer import (
    MAX_CELL_BYTES,
    MAX_SHARED_STRINGS_BYTES,
    MAX_WORKBOOK_BYTES,
    ImportFileError,
    analyze,
    read_sample,
)
from lib.importer.workbook_limits import check_sizes

from .helpers import pair_mapping
from .workbooks import write_xlsx

ROOT = Path(__file__).resolve().parents[2]
ROWS = [["date", "arm", "visitors", "conversions"], ["2024-03-01", "control", 100, 5], ["2024-03-01", "pilot", 90, 9]]
SECONDS = 5.0  # the refusal takes well under a second; the margin is for a busy test machine
GROWTH_MB = 60  # how far the read may raise the process's peak memory

READ = """
import json, resource, sys, time
import openpyxl, pandas
from lib.importer import ImportFileError, read_sample
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    read_sample(sys.argv[1])
    message = None
except ImportFileError as exc:
    message = str(exc)
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"message": message, "seconds": seconds, "growth_mb": (after - before) / 1024}))
"""


def read_in_child(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", READ, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    made = {
        "one_cell_of_1_gb": {"cell_bytes": 1_000_000_000},
        "sheet_over_the_limit": {"filler_row_bytes": MAX_WORKBOOK_BYTES + (64 << 20)},
        "shared_strings_of_256_mb": {"shared_strings_bytes": 256 << 20},
    }
    paths = {}
    for name, options in made.items():
        paths[name] = folder / f"{name}.xlsx"
        write_xlsx(paths[name], ROWS, **options)
    return paths


def test_the_hostile_workbooks_are_small_files(bombs: dict[str, Path]) -> None:
    assert all(p.stat().st_size < 4 * 1024 * 1024 for p in bombs.values())


def test_one_cell_of_a_gigabyte_is_refused_at_the_cell_limit(bombs: dict[str, Path]) -> None:
    got = read_in_child(bombs["one_cell_of_1_gb"])
    assert got["message"] == (
        "'one_cell_of_1_gb.xlsx' has a cell with more than 256 KB of text; Excel itself allows 32,767 characters "
        "in a cell, so the file is damaged or was not made by a spreadsheet. Export the results as CSV."
    )
    assert got["seconds"] < SECONDS and got["growth_mb"] < GROWTH_MB, got


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_reading(bombs: dict[str, Path]) -> None:
    got = read_in_child(bombs["sheet_over_the_limit"])
    assert got["message"] == (
        "'sheet_over_the_limit.xlsx' unpacks to 1.1 GB of data; the limit for a workbook is 1 GB. "
        "Export the results as CSV, or add them up per day and arm, and upload that file."
    )
    assert got["seconds"] < SECONDS and got["growth_mb"] < GROWTH_MB, got


def test_a_huge_shared_strings_table_is_refused_before_openpyxl_loads_it(bombs: dict[str, Path]) -> None:
    got = read_in_child(bombs["shared_strings_of_256_mb"])
    assert got["message"] == (
        "The text cells of 'shared_strings_of_256_mb.xlsx' unpack to 256 MB (its shared-strings table); "
        "the limit is 32 MB. Export the results as CSV and upload that file."
    )
    assert got["seconds"] < SECONDS and got["growth_mb"] < GROWTH_MB, got


def test_a_sane_workbook_built_the_same_way_still_imports(tmp_path: Path) -> None:
    path = tmp_path / "sane.xlsx"
    write_xlsx(path, ROWS, shared_strings_bytes=4096)
    result = analyze(path, pair_mapping())
    assert result.ok and [(o.arm, o.n, o.total) for o in result.observations] == [("control", 100, 5), ("pilot", 90, 9)]
    assert read_in_child(path)["message"] is None


def test_text_just_under_the_cell_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    write_xlsx(path, ROWS, cell_bytes=MAX_CELL_BYTES - 1000)
    assert len(read_sample(path).rows[-1][0]) == MAX_CELL_BYTES - 1000  # type: ignore[arg-type]
    write_xlsx(path, ROWS, cell_bytes=MAX_CELL_BYTES + 1)
    with pytest.raises(ImportFileError, match="more than 256 KB of text"):
        read_sample(path)


def test_the_size_limits_are_inclusive(tmp_path: Path) -> None:
    path = tmp_path / "strings.xlsx"
    write_xlsx(path, ROWS, shared_strings_bytes=MAX_SHARED_STRINGS_BYTES - 200)
    with zipfile.ZipFile(path) as archive:
        assert (
            MAX_SHARED_STRINGS_BYTES - 300
            < archive.getinfo("xl/sharedStrings.xml").file_size
            <= MAX_SHARED_STRINGS_BYTES
        )
        check_sizes(archive, "strings.xlsx")  # accepted (not parsed here: that is 2 million strings)
    write_xlsx(path, ROWS, shared_strings_bytes=MAX_SHARED_STRINGS_BYTES)
    with zipfile.ZipFile(path) as archive, pytest.raises(ImportFileError, match=r"unpack to 32.0 MB \(its shared"):
        check_sizes(archive, "strings.xlsx")
