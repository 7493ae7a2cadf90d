"""Results importer, pure part: read an export, map its columns, preview what would be stored.

Typical flow (page or CLI)::

    sample = read_sample(upload)                  # FileSample: format, columns, first rows
    mapping = suggest_mapping(sample.columns, sample.rows, pilot_metric_names, decimal=sample.format.decimal)
    ...the user confirms or edits the mapping (ImportMapping.to_dict() to remember it)...
    result = analyze(upload, mapping, allowed_arms=..., date_range=(start, end),
                     existing_keys=..., as_of=..., on_progress=bar.progress)
    if result.ok: store result.observations     # persistence is the caller's
    checksum = file_checksum(upload)              # duplicate-file detection

Failures meant for a person are ImportFileError (a ValueError) with a message
ready to show; row-level issues are Problems inside the preview. Nothing here
touches the database.
"""

from .analyze import analyze, preview
from .errors import ImportFileError
from .mapping import LAYOUTS, ImportMapping, Layout, MetricMapping
from .reading import read_sample
from .report import MAX_PROBLEMS, PROBLEM_CODES, ArmTotal, ImportPreview, Problem
from .source import DEFAULT_MAX_BYTES, Source, file_checksum
from .suggest import detect_layout, suggest_mapping
from .table import FileFormat, FileSample
from .values import parse_bool, parse_number
from .workbook_limits import MAX_CELL_BYTES, MAX_PART_BYTES, MAX_SHARED_STRINGS_BYTES, MAX_WORKBOOK_BYTES

__all__ = [
    "DEFAULT_MAX_BYTES",
    "LAYOUTS",
    "MAX_CELL_BYTES",
    "MAX_PART_BYTES",
    "MAX_PROBLEMS",
    "MAX_SHARED_STRINGS_BYTES",
    "MAX_WORKBOOK_BYTES",
    "PROBLEM_CODES",
    "ArmTotal",
    "FileFormat",
    "FileSample",
    "ImportFileError",
    "ImportMapping",
    "ImportPreview",
    "Layout",
    "MetricMapping",
    "Problem",
    "Source",
    "analyze",
    "detect_layout",
    "file_checksum",
    "parse_bool",
    "parse_number",
    "preview",
    "read_sample",
    "suggest_mapping",
]
