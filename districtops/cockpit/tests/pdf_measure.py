"""Measure a PDF that LibreOffice made of a .docx: lines, characters a line, colours, fonts.

LibreOffice embeds a Noto CJK face as a Type 1 subset whose glyph names are the CIDs of the
collection (``cid27746``) and whose PostScript name is the collection's first face
(``NotoSerifCJKjp-Regular``) whichever face it used; so the face is told by the glyphs: for
each character the CID must be the one the SC face's cmap gives (直 is cid27746 in SC,
cid27745 in JP).
"""

from __future__ import annotations

import collections
import functools
import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from pdfminer.pdftypes import resolve1

NOTO = "/usr/share/fonts/opentype/noto"
SC_FACE_INDEX = 2  # in Debian's NotoSerifCJK-*.ttc / NotoSansCJK-*.ttc: JP, KR, SC, TC, HK


def soffice() -> str:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        pytest.fail(
            "LibreOffice is missing: `make office-deps` "
            "(apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk)"
        )
    return binary


def to_pdf(docx: bytes) -> bytes:
    """The .docx through ``soffice --headless --convert-to pdf``, as the briefing's job does."""
    binary = soffice()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.docx"
        source.write_bytes(docx)
        subprocess.run(  # noqa: S603
            [binary, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
             "--convert-to", "pdf", "--outdir", tmp, str(source)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        return (Path(tmp) / "doc.pdf").read_bytes()


@dataclass
class Line:
    page: int
    top: float
    x0: float
    x1: float
    size: float
    text: str
    fonts: set
    colors: set

    @property
    def units(self) -> float:
        """Width in body characters: full-width 1, ASCII ½."""
        return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in self.text)


def lines(pdf: bytes) -> list[Line]:
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages, start=1):
            rows = collections.defaultdict(list)
            for c in page.chars:
                if c["text"].strip():
                    rows[round(c["top"])].append(c)
            for _top, chars in sorted(rows.items()):
                chars.sort(key=lambda c: c["x0"])
                found.append(
                    Line(
                        page=number,
                        top=min(c["top"] for c in chars),
                        x0=chars[0]["x0"],
                        x1=chars[-1]["x1"],
                        size=round(max(c["size"] for c in chars), 1),
                        text="".join(c["text"] for c in chars),
                        fonts={c["fontname"].split("+", 1)[-1] for c in chars},
                        colors={tuple(round(v, 2) for v in (c["non_stroking_color"] or ())) for c in chars},
                    )
                )
    return found


def page_count(pdf: bytes) -> int:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def language(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        lang = doc.doc.catalog.get("Lang")
    return lang.decode() if isinstance(lang, bytes) else str(lang)


@functools.lru_cache(maxsize=4)
def _sc_cmap(collection: str) -> dict[int, str]:
    from fontTools.ttLib import TTFont

    return TTFont(f"{NOTO}/{collection}", fontNumber=SC_FACE_INDEX, lazy=True).getBestCmap()


def _to_unicode(stream: bytes) -> dict[int, str]:
    mapping = {}
    text = stream.decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, start in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int.from_bytes(bytes.fromhex(start), "big")
            for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[code] = chr(first + k)
    return mapping


def cjk_glyphs(pdf: bytes) -> list[tuple[str, str, str]]:
    """(font name, character, glyph name) for every character of every CJK font embedded."""
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        seen = set()
        for page in doc.pages:
            for font in (resolve1(page.page_obj.resources.get("Font")) or {}).values():
                font = resolve1(font)
                name = font["BaseFont"].name.split("+", 1)[-1]
                if "CJK" not in name or name in seen:
                    continue
                seen.add(name)
                descriptor = resolve1(font["FontDescriptor"])
                program = resolve1(descriptor.get("FontFile") or descriptor.get("FontFile3")).get_data()
                glyphs = {
                    int(code): glyph
                    for code, glyph in re.findall(rb"dup (\d+) /([\w.]+) put", program[:200_000])
                }
                for code, char in _to_unicode(resolve1(font["ToUnicode"]).get_data()).items():
                    found.append((name, char, glyphs.get(code, b".notdef").decode()))
    return found


def _cid(glyph: str):
    """cid09770 and cid9770 are the same glyph."""
    return int(glyph[3:]) if glyph.startswith("cid") and glyph[3:].isdigit() else glyph


def glyph_problems(pdf: bytes) -> list[str]:
    """Characters drawn with .notdef (tofu) or with another face than the SC one."""
    problems = []
    for name, char, glyph in cjk_glyphs(pdf):
        if glyph == ".notdef":
            problems.append(f"{char!r} in {name}: .notdef")
            continue
        collection = ("NotoSerifCJK" if "Serif" in name else "NotoSansCJK") + (
            "-Bold.ttc" if "Bold" in name else "-Regular.ttc"
        )
        expected = _sc_cmap(collection).get(ord(char))
        if expected is not None and _cid(expected) != _cid(glyph):
            problems.append(f"{char!r} in {name}: {glyph}, the SC face has {expected}")
    return problems
