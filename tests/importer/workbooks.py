"""Hand-built .xlsx files for the zip-bomb tests: tiny on disk, as large as asked when unpacked.

A part's text is a prefix, a 1 MB block repeated, and a suffix. Deflate compresses
the block once after a full flush (which resets its history), so repeating those
bytes is a valid stream: a gigabyte of cell text costs about 1 MB of file and no
time to build. The CRC is the real one, so the parts are sound zip entries.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BLOCK = 1 << 20
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass(frozen=True)
class Part:
    """Text made of ``prefix`` + ``fill`` repeated to ``fill_bytes`` + ``suffix``."""

    name: str
    prefix: bytes
    suffix: bytes = b""
    fill: bytes = b"A"
    fill_bytes: int = 0

    @property
    def _block(self) -> bytes:
        return self.fill * max(BLOCK // len(self.fill), 1)  # whole repeats only: the XML stays well formed

    @property
    def _fill_total(self) -> int:
        return self.fill_bytes - self.fill_bytes % len(self.fill)

    @property
    def size(self) -> int:
        return len(self.prefix) + self._fill_total + len(self.suffix)

    def pieces(self) -> Iterator[tuple[bytes, int]]:
        """(bytes, times) in order; the fill comes as whole blocks plus a remainder."""
        yield self.prefix, 1
        whole, rest = divmod(self._fill_total, len(self._block))
        yield self._block, whole
        yield self._block[:rest], 1
        yield self.suffix, 1


def _deflate(part: Part) -> tuple[bytes, int]:
    """Raw deflate stream and CRC-32 of the part's text."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc = [], 0
    for data, times in part.pieces():
        if not data or not times:
            continue
        encoded = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
        out.append(encoded * times)
        for _ in range(times):
            crc = zlib.crc32(data, crc)
    out.append(compressor.flush())
    return b"".join(out), crc


def write_zip(path: Path, parts: list[Part]) -> None:
    """A zip archive of the parts (deflated; sizes below 4 GB, so no zip64 records)."""
    directory, offset = [], 0
    with path.open("wb") as out:
        for part in parts:
            data, crc = _deflate(part)
            name = part.name.encode()
            fields = (20, 0, 8, 0, 0x21, crc, len(data), part.size, len(name), 0)
            header = b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields)
            out.write(header + name + data)
            directory.append(
                b"PK\x01\x02"
                + struct.pack(
                    "<HHHHHHIIIHHHHHII",
                    20,
                    20,
                    0,
                    8,
                    0,
                    0x21,
                    crc,
                    len(data),
                    part.size,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + name
            )
            offset += len(header) + len(name) + len(data)
        central = b"".join(directory)
        out.write(central)
        out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(parts), len(parts), len(central), offset, 0))


def _cell(ref: str, value: object) -> bytes:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'.encode()
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'.encode()


def _row(number: int, values: list[object]) -> bytes:
    cells = b"".join(_cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">'.encode() + cells + b"</row>"


def write_xlsx(
    path: Path,
    rows: list[list[object]],
    *,
    cell_bytes: int = 0,
    filler_row_bytes: int = 0,
    shared_strings_bytes: int = 0,
) -> None:
    """A one-sheet workbook with ``rows``, made hostile on request.

    ``cell_bytes``: one more row whose single cell holds that much text.
    ``filler_row_bytes``: that much more sheet XML, as ordinary small rows.
    ``shared_strings_bytes``: a shared-strings table of that size (short strings).
    """
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}"><sheetData>'.encode()
    body = b"".join(_row(i + 1, r) for i, r in enumerate(rows))
    n = len(rows) + 1
    sheet = Part("xl/worksheets/sheet1.xml", head + body, b"</sheetData></worksheet>")
    if cell_bytes:
        sheet = Part(
            sheet.name,
            sheet.prefix + f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>'.encode(),
            b"</t></is></c></row>" + sheet.suffix,
            b"A",
            cell_bytes,
        )
    elif filler_row_bytes:
        sheet = Part(
            sheet.name,
            sheet.prefix,
            sheet.suffix,
            f'<row r="{n}"><c r="E{n}"><v>1</v></c></row>'.encode(),
            filler_row_bytes,
        )
    types = [
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>',
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>',
    ]
    rels = [f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    parts = [sheet]
    if shared_strings_bytes:
        types.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
        start = f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN}">'.encode()
        parts.append(Part("xl/sharedStrings.xml", start, b"</sst>", b"<si><t>x</t></si>", shared_strings_bytes))
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(types) + "</Types>"
    )
    package_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheets><sheet name="Results" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{PKG_REL}">'
        + "".join(rels)
        + "</Relationships>"
    )
    parts = [
        Part("[Content_Types].xml", content_types.encode()),
        Part("_rels/.rels", package_rels.encode()),
        Part("xl/workbook.xml", workbook.encode()),
        Part("xl/_rels/workbook.xml.rels", workbook_rels.encode()),
        *parts,
    ]
    write_zip(path, parts)
