"""Small builders for importer tests: files as bytes, mappings in one line."""

from __future__ import annotations

import io
from collections.abc import Sequence

from lib.importer import ImportMapping, MetricMapping


def csv_bytes(
    rows: Sequence[Sequence[object]], delimiter: str = ",", encoding: str = "utf-8", bom: bool = False
) -> bytes:
    text = "\n".join(delimiter.join(str(c) for c in row) for row in rows) + "\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: Sequence[Sequence[object]], merge: str | None = None, title: str = "Results") -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pair_mapping(conversions: str = "conversions", exposures: str = "visitors", **kwargs: object) -> ImportMapping:
    """Aggregated file: date, arm and one proportion metric from a conversions/exposures pair."""
    options = {"arm_column": "arm", "control_value": "control", "date_column": "date"} | kwargs
    metric = MetricMapping("conversion", "proportion", conversions_column=conversions, exposures_column=exposures)
    return ImportMapping(layout="aggregated", metrics=[metric], **options)  # type: ignore[arg-type]
