"""The GB/T 9704 layout, read back with python-docx from the saved file."""

import io
import struct
import zlib

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from districtops.core import officedoc
from districtops.core.officedoc import OfficialDocument, run_east_asian_font


def _png(width=40, height=20) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _sample() -> Document:
    doc = OfficialDocument(
        "关于2021年2月经济运行情况的通报", subtitle="（第2期）", fonts=officedoc.OFFICIAL_FONTS
    )
    doc.heading1("一、经济运行情况")
    doc.heading2("（一）主要指标")
    doc.paragraph("1-2月，全区固定资产投资同比增长12.3%。")
    doc.table(["指标", "累计", "增速（%）"], [["固定资产投资", "12.3", "8.1"]], caption="表1 主要指标")
    doc.image(_png(), caption="图1 增速")
    return Document(io.BytesIO(doc.to_bytes()))


def test_page_size_and_margins():
    section = _sample().sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    assert abs(section.top_margin - Mm(37)) < Mm(0.1)
    assert abs(section.bottom_margin - Mm(35)) < Mm(0.1)
    assert abs(section.left_margin - Mm(28)) < Mm(0.1)
    assert abs(section.right_margin - Mm(26)) < Mm(0.1)


def test_grid_is_22_lines_of_28_characters():
    grid = _sample().sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    line_pitch_pt = int(grid.get(qn("w:linePitch"))) / 20
    text_height, text_width = 225 * 72 / 25.4, 156 * 72 / 25.4
    assert 22 * line_pitch_pt <= text_height < 23 * line_pitch_pt  # 22 lines fill the 225 mm text block
    # The character pitch is the body size (charSpace 0: LibreOffice gives a character two cells
    # when the pitch is below its size) and body runs are condensed so 28 fit the 156 mm line.
    assert grid.get(qn("w:charSpace")) == "0"
    body = next(p for p in _sample().paragraphs if p.text.startswith("1-2月"))
    condensed = 16 + int(body.runs[0]._element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    assert 28 * condensed <= text_width < 29 * condensed


def test_fonts_title_body_headings():
    paragraphs = [p for p in _sample().paragraphs if p.text]
    by_text = {p.text: p for p in paragraphs}
    title = by_text["关于2021年2月经济运行情况的通报"]
    assert title.alignment == 1  # centred
    assert run_east_asian_font(title.runs[0]) == "方正小标宋简体"
    assert title.runs[0].font.size.pt == 22
    body = by_text["1-2月，全区固定资产投资同比增长12.3%。"]
    assert run_east_asian_font(body.runs[0]) == "仿宋_GB2312"
    assert body.runs[0].font.size.pt == 16
    assert body.paragraph_format.first_line_indent.pt == 2 * officedoc.CHAR_PITCH_PT  # two characters
    assert run_east_asian_font(by_text["一、经济运行情况"].runs[0]) == "黑体"
    assert run_east_asian_font(by_text["（一）主要指标"].runs[0]) == "楷体_GB2312"
    assert by_text["（一）主要指标"].runs[0].font.size.pt == 16


def test_page_number_footer_is_dash_page_dash():
    doc = _sample()
    section = doc.sections[0]
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
        text = footer.paragraphs[0].text
        assert text.startswith("— ") and text.endswith(" —")
        assert run_east_asian_font(footer.paragraphs[0].runs[0]) == "宋体"
        assert footer.paragraphs[0].runs[0].font.size.pt == 14
        assert "fldChar" in xml
    assert section.footer.paragraphs[0].alignment == 2  # odd pages: right
    assert section.even_page_footer.paragraphs[0].alignment == 0  # even pages: left


def test_tables_and_images():
    doc = _sample()
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["指标", "累计", "增速（%）"]
    assert table.rows[1].cells[0].text == "固定资产投资"
    assert run_east_asian_font(table.rows[0].cells[0].paragraphs[0].runs[0]) == "黑体"
    assert len(doc.inline_shapes) == 1
    assert doc.inline_shapes[0].width <= Mm(156)


def test_font_table_names_the_windows_face_of_each_role():
    doc = OfficialDocument("标题", fonts={"body": "Noto Serif CJK SC", "heiti": "Noto Sans CJK SC"})
    part = doc.document.part.part_related_by(officedoc.RT.FONT_TABLE)
    blob = part.blob.decode()
    assert 'w:name="Noto Serif CJK SC"><w:altName w:val="仿宋"/>' in blob
    assert 'w:name="Noto Sans CJK SC"><w:altName w:val="黑体"/>' in blob
    assert 'w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in blob
    assert 'w:charset w:val="86"' in blob


def test_fonts_resolve_to_the_first_installed_face(settings):
    official = officedoc.resolve_fonts(installed=frozenset({"仿宋_GB2312", "黑体", "Noto Serif CJK SC"}))
    assert official["body"] == "仿宋_GB2312" and official["heiti"] == "黑体"
    assert official["title"] == "Noto Serif CJK SC"  # no 小标宋: the serif CJK face
    noto = officedoc.resolve_fonts(installed=frozenset({"Noto Serif CJK SC", "Noto Sans CJK SC"}))
    assert noto == {
        "title": "Noto Serif CJK SC",
        "body": "Noto Serif CJK SC",
        "heiti": "Noto Sans CJK SC",
        "kaiti": "Noto Serif CJK SC",
        "songti": "Noto Serif CJK SC",
    }
    # Nothing installed (or no fontconfig): the official faces, for the reader's machine.
    assert officedoc.resolve_fonts(installed=frozenset()) == officedoc.OFFICIAL_FONTS
    settings.BRIEFING_FONTS = {"body": ["FZFangSong-Z02", "Noto Serif CJK SC"]}
    chosen = officedoc.resolve_fonts(installed=frozenset({"FZFangSong-Z02", "Noto Serif CJK SC"}))
    assert chosen["body"] == "FZFangSong-Z02"
    settings.BRIEFING_FONTS = {"footnote": "x"}
    with pytest.raises(ValueError, match="footnote"):
        officedoc.resolve_fonts()


def test_every_run_and_style_is_zh_cn():
    doc = _sample()
    runs = [r for p in doc.paragraphs for r in p.runs if r.text]
    assert runs
    for run in runs:
        lang = run._element.rPr.find(qn("w:lang"))
        assert lang.get(qn("w:eastAsia")) == "zh-CN"
        assert run._element.rPr.rFonts.get(qn("w:eastAsia"))
    for style in doc.styles.element.findall(qn("w:style")):
        lang = style.find(qn("w:rPr")).find(qn("w:lang"))
        assert lang.get(qn("w:val")) == "zh-CN" and lang.get(qn("w:eastAsia")) == "zh-CN"
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:val")) == "zh-CN"
