"""What a file is, judged from its first bytes: CSV text or an .xlsx workbook, its encoding and delimiter.

Plainly wrong uploads (a PDF, an image, an old .xls, an OpenDocument sheet) are
refused here with a message that says what the file looks like.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections import Counter
from typing import BinaryIO, Literal

from . import messages
from .errors import ImportFileError
from .workbook_limits import check_directory

DELIMITERS = (",", ";", "\t", "|")

_MAGIC = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7z"),
    (b"Rar!", "rar"),
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = frozenset(range(0, 9)) | frozenset(range(14, 32)) - {26, 27}


def sniff_kind(handle: BinaryIO, name: str, head: bytes) -> Literal["csv", "xlsx"]:
    """Refuse what is plainly not a table; tell CSV text from an xlsx workbook."""
    if head.startswith(b"PK\x03\x04"):
        check_directory(handle, name)
        try:
            names = zipfile.ZipFile(handle).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ImportFileError(messages.binary_file(name, messages.FILE_KINDS["damaged_zip"])) from None
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if "content.xml" in names:
            raise ImportFileError(messages.other_spreadsheet(name))
        raise ImportFileError(messages.binary_file(name, messages.FILE_KINDS["zip"]))
    if head.startswith(_OLE):
        raise ImportFileError(messages.old_excel(name))
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise ImportFileError(messages.binary_file(name, messages.FILE_KINDS[what]))
    return "csv"


def is_utf16(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def encoding_of(head: bytes, complete: bool) -> tuple[str, str]:
    """(codec for pandas, decoded head text). UTF-8 first, then Windows-1252, then Latin-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head[3:], complete)
    if is_utf16(head):
        text = codecs.getincrementaldecoder("utf-16")(errors="replace").decode(head, complete)
        return "utf-16", text
    for encoding in ("utf-8", "cp1252"):
        try:
            return encoding, codecs.getincrementaldecoder(encoding)().decode(head, complete)
        except UnicodeDecodeError:
            continue
    return "latin-1", head.decode("latin-1")


def looks_binary(head: bytes) -> bool:
    """NUL bytes, or more control characters than text has."""
    if b"\x00" in head:
        return True
    sample = head[:8192]
    controls = sum(1 for b in sample if b in _CONTROL)
    return controls > max(2, len(sample) // 100)


def looks_like_html(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:15].casefold().startswith(("<!doctype html", "<html", "<table", "<?xml"))


def parse_rows(text: str, delimiter: str, limit: int) -> list[list[str]]:
    """Up to ``limit`` records of CSV text (stopping quietly at a broken quote)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass  # a broken quote in the sample: judge from the rows before it
    return rows


def delimiter_of(text: str) -> str:
    """The candidate that splits the first lines into the most consistent number of fields."""
    lines = "\n".join(text.splitlines()[:50])
    best, best_score = ",", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(r) for r in parse_rows(lines, delimiter, 50) if any(c.strip() for c in r)]
        if not counts:
            continue
        modal, freq = Counter(counts).most_common(1)[0]
        score = (modal >= 2, round(freq / len(counts), 2), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best
