"""A corpus of hostile spreadsheets, generated (not committed): each is a real .xlsx package
written part by part, so the sheet XML says exactly what an attacker would make it say."""

from __future__ import annotations

import io
import zipfile
import zlib

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _cell(ref: str, value) -> str:
    if isinstance(value, str):
        text = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def package(
    sheet_xml: bytes | str, *, extra: dict[str, bytes] | None = None, level: int = 6, name: str = "Sheet1"
) -> bytes:
    """An .xlsx whose only sheet, ``name``, is ``sheet_xml`` (and ``extra`` parts, if any)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(name=name))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def sheet(cells: list[tuple[str, object]], *, dimension: str | None = None, rows: dict | None = None) -> str:
    """Sheet XML with ``cells`` [(ref, value)], grouped by row."""
    by_row: dict[int, list[str]] = {}
    for ref, value in cells:
        number = int("".join(ch for ch in ref if ch.isdigit()))
        by_row.setdefault(number, []).append(_cell(ref, value))
    body = "".join(f'<row r="{n}">{"".join(c)}</row>' for n, c in sorted(by_row.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{SHEET_HEAD}{dim}<sheetData>{body}</sheetData></worksheet>"


def sparse_corner(header: str = "事项名称", *, declared: bool = True, name: str = "Sheet1") -> bytes:
    """Cells at A1 and XFD1048576 only: 4-5 KB on disk, a 1,048,576 × 16,384 used range."""
    return package(
        sheet([("A1", header), ("XFD1048576", "x")], dimension="A1:XFD1048576" if declared else None),
        name=name,
    )


def million_rows(
    header: str = "事项名称", *, declared: bool = False, rows: int = 1_000_000, name: str = "Sheet1"
) -> bytes:
    """One column, ``rows`` rows, XML written directly (fast: about a second for a million)."""
    parts = [SHEET_HEAD, f'<dimension ref="A1:A{rows}"/>' if declared else "", "<sheetData>"]
    parts.append(f'<row r="1">{_cell("A1", header)}</row>')
    parts.extend(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, rows + 1))
    parts.append("</sheetData></worksheet>")
    return package("".join(parts).encode(), level=1, name=name)


def deflate_bomb(megabytes: int = 300, *, lie: bool = False, name: str = "Sheet1") -> bytes:
    """A valid sheet padded with ``megabytes`` MiB of whitespace (compresses ~1000×). With ``lie``
    the zip records claim the sheet inflates to a few KB."""
    head = f'{SHEET_HEAD}<sheetData><row r="1">{_cell("A1", "事项名称")}</row>'.encode()
    tail = b"</sheetData></worksheet>"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b" " * (1 << 20)
    compressed = [compressor.compress(head)]
    crc = zlib.crc32(head)
    for _ in range(megabytes):
        compressed.append(compressor.compress(block))
        crc = zlib.crc32(block, crc)
    compressed.append(compressor.compress(tail))
    compressed.append(compressor.flush())
    crc = zlib.crc32(tail, crc)
    raw = b"".join(compressed)
    size = len(head) + len(tail) + megabytes * (1 << 20)
    data = package(sheet([("A1", "事项名称")]), level=6, name=name)
    # Replace the sheet entry with the bomb, keeping the other parts as they are.
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info, source.read(info))
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(2021, 3, 31, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.CRC, info.compress_size, info.file_size = crc, len(raw), (4096 if lie else size)
        offset = buffer.tell()
        info.header_offset = offset
        buffer.write(info.FileHeader())
        buffer.write(raw)
        archive.filelist.append(info)
        archive.NameToInfo[info.filename] = info
        archive.start_dir = buffer.tell()
    return buffer.getvalue()


def many_entries(count: int = 5000, header: str = "事项名称", name: str = "Sheet1") -> bytes:
    """A valid workbook plus ``count`` empty parts."""
    extra = {f"xl/media/x{n}.bin": b"" for n in range(count)}
    return package(sheet([("A1", header)]), extra=extra, level=1, name=name)


def not_a_zip() -> bytes:
    return b"MZ\x90\x00" + b"\x00" * 200  # an .exe renamed .xlsx


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/readme.txt", "no workbook here")
    return buffer.getvalue()


def encrypted_ooxml() -> bytes:
    """What Excel writes for a password-protected .xlsx: an OLE container with an
    EncryptedPackage stream (only the markers the reader looks at)."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 500
        + "EncryptedPackage".encode("utf-16-le")
        + b"\x00" * 500
    )


def formula_cells(header: str = "事项名称") -> bytes:
    """Formula cells (a DDE payload and HYPERLINK) with and without cached values."""
    xml = (
        f'{SHEET_HEAD}<sheetData><row r="1">{_cell("A1", header)}</row>'
        '<row r="2"><c r="A2" t="str"><f>HYPERLINK("http://evil.example/","点我")</f><v>点我</v></c></row>'
        '<row r="3"><c r="A3"><f>cmd|\' /C calc\'!A0</f></c></row>'
        "</sheetData></worksheet>"
    )
    return package(xml)
