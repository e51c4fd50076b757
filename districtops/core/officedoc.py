"""Official documents (公文) as Word files, laid out per GB/T 9704-2012.

The layout rules this builder applies (GB/T 9704 §5, §7):

- A4 paper (210 × 297 mm); margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm,
  which leaves a 156 × 225 mm text block;
- 22 lines of 28 characters: a document grid of type ``linesAndChars`` with a line
  pitch of 225 mm / 22 = 28.95 pt and a character pitch of 156 mm / 28 = 15.79 pt;
  body paragraphs also carry that exact line spacing so LibreOffice, which snaps to
  the grid less faithfully than Word, still sets 22 lines a page;
- title in 小标宋 二号 (22 pt), centred; body in 仿宋_GB2312 三号 (16 pt) with a two
  character first-line indent; first-level headings (一、) in 黑体, second-level
  headings (（一）) in 楷体_GB2312, both 三号;
- page numbers in the footer as "— 1 —" (a PAGE field between em dashes, 宋体 四号),
  odd pages on the right and even pages on the left, one character in from the edge.

Chinese font names go into ``w:eastAsia`` of ``w:rFonts`` (Word picks the East-Asian
font for CJK characters from there); digits and Latin letters use Times New Roman.
The font table gets an alternative name and the GB2312 character set for each
Chinese font, which is what Word and LibreOffice use to pick a substitute when the
named font is not installed — see docs/briefing.md, "Fonts and fallback".
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from lxml import etree

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]  # 156
TEXT_HEIGHT_MM = PAGE_HEIGHT_MM - MARGINS_MM["top"] - MARGINS_MM["bottom"]  # 225
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28

# Chinese type sizes (字号) in points.
SIZE_2 = 22.0  # 二号
SIZE_3 = 16.0  # 三号
SIZE_4 = 14.0  # 四号
SIZE_SMALL_4 = 12.0  # 小四

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE_NUMBER = "宋体"
FONT_LATIN = "Times New Roman"

# Font table entries: the substitute a reader gets when the named font is absent.
# altName is the font Windows ships (Word tries it first); charset 86 = GB2312 and the
# family steer LibreOffice/fontconfig to a CJK serif (e.g. Noto Serif CJK SC) or sans.
FONT_FALLBACKS = {
    FONT_TITLE: ("宋体", "roman", "02000000000000000000"),
    FONT_BODY: ("仿宋", "modern", "02010609030101010101"),
    FONT_H1: ("SimHei", "modern", "02010609060101010101"),
    FONT_H2: ("楷体", "modern", "02010609030101010101"),
    FONT_PAGE_NUMBER: ("SimSun", "auto", "02010600030101010101"),
}

PT_PER_MM = 72 / 25.4
LINE_PITCH_PT = TEXT_HEIGHT_MM * PT_PER_MM / LINES_PER_PAGE  # 28.95 pt
CHAR_PITCH_PT = TEXT_WIDTH_MM * PT_PER_MM / CHARS_PER_LINE  # 15.79 pt


def _twips(points: float) -> int:
    return round(points * 20)


def set_run_font(run, east_asian: str, size_pt: float, *, bold: bool = False, latin: str = FONT_LATIN):
    """Name the East-Asian font in ``w:eastAsia`` (python-docx's ``font.name`` only sets Latin)."""
    run.font.name = latin
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    return run


def run_east_asian_font(run) -> str | None:
    """The East-Asian font a run names (for tests and checks)."""
    rpr = run._element.rPr
    if rpr is None or rpr.rFonts is None:
        return None
    return rpr.rFonts.get(qn("w:eastAsia"))


def _exact_spacing(paragraph, points: float = LINE_PITCH_PT):
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(points)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


class OfficialDocument:
    """Build a 公文-style Word document paragraph by paragraph.

    >>> doc = OfficialDocument("关于2021年2月经济运行情况的通报")
    >>> doc.heading1("一、经济运行")
    >>> doc.paragraph("1-2月，全区……")
    >>> doc.table(["指标", "数值"], [["固定资产投资", "12.3"]])
    >>> data = doc.to_bytes()
    """

    def __init__(self, title: str, *, subtitle: str = ""):
        self.document = Document()
        self._setup_styles()
        self._setup_section(self.document.sections[0])
        self._setup_font_table()
        self._title(title)
        if subtitle:
            p = self.document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _exact_spacing(p)
            set_run_font(p.add_run(subtitle), FONT_H2, SIZE_3)
        # GB/T 9704 §7.3: one blank line between the title and the body.
        _exact_spacing(self.document.add_paragraph())

    # --- page set-up ------------------------------------------------------------------
    def _setup_styles(self):
        normal = self.document.styles["Normal"]
        normal.font.name = FONT_LATIN
        normal.font.size = Pt(SIZE_3)
        rpr = normal.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = OxmlElement("w:rFonts")
            rpr.insert(0, rfonts)
        rfonts.set(qn("w:eastAsia"), FONT_BODY)
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)

    def _setup_section(self, section):
        section.page_width = Mm(PAGE_WIDTH_MM)
        section.page_height = Mm(PAGE_HEIGHT_MM)
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])
        # The footer (page number) sits below the text block: GB/T 9704 §7.5 puts the
        # number 7 mm under the bottom edge of the text block.
        section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)
        section.header_distance = Mm(15)
        sect_pr = section._sectPr
        grid = sect_pr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect_pr.append(grid)
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(_twips(LINE_PITCH_PT)))
        # charSpace: 4096ths of a point added to each character of the default size (16 pt).
        grid.set(qn("w:charSpace"), str(round((CHAR_PITCH_PT - SIZE_3) * 4096)))
        self.document.settings.odd_and_even_pages_header_footer = True
        self._page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
        self._page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)

    def _page_number_footer(self, footer, alignment):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = alignment
        fmt = p.paragraph_format
        # One character in from the edge on the outer side.
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = Pt(SIZE_4)
        else:
            fmt.left_indent = Pt(SIZE_4)
        set_run_font(p.add_run("— "), FONT_PAGE_NUMBER, SIZE_4, latin=FONT_PAGE_NUMBER)
        self._field(p, "PAGE", "1")
        set_run_font(p.add_run(" —"), FONT_PAGE_NUMBER, SIZE_4, latin=FONT_PAGE_NUMBER)

    def _field(self, paragraph, instruction: str, placeholder: str):
        def fld_char(kind):
            run = set_run_font(paragraph.add_run(), FONT_PAGE_NUMBER, SIZE_4, latin=FONT_PAGE_NUMBER)
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._element.append(el)

        fld_char("begin")
        run = set_run_font(paragraph.add_run(), FONT_PAGE_NUMBER, SIZE_4, latin=FONT_PAGE_NUMBER)
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = f" {instruction} "
        run._element.append(instr)
        fld_char("separate")
        set_run_font(paragraph.add_run(placeholder), FONT_PAGE_NUMBER, SIZE_4, latin=FONT_PAGE_NUMBER)
        fld_char("end")

    def _setup_font_table(self):
        part = self.document.part.part_related_by(RT.FONT_TABLE)
        root = parse_xml(part.blob)
        for name, (alt, family, panose) in FONT_FALLBACKS.items():
            font = parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}">'
                f'<w:altName w:val="{alt}"/><w:panose1 w:val="{panose}"/>'
                f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="variable"/>'
                "</w:font>"
            )
            root.append(font)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    # --- content ----------------------------------------------------------------------
    def _title(self, text: str):
        p = self.document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact_spacing(p, 35)  # 二号 needs more than the body pitch; two grid lines would gape
        set_run_font(p.add_run(text), FONT_TITLE, SIZE_2)
        return p

    def paragraph(self, text: str, *, indent: bool = True, align=None):
        """A body paragraph: 仿宋_GB2312 三号, two characters' first-line indent."""
        p = self.document.add_paragraph()
        _exact_spacing(p)
        if indent:
            p.paragraph_format.first_line_indent = Pt(SIZE_3 * 2)
        if align is not None:
            p.alignment = align
        set_run_font(p.add_run(text), FONT_BODY, SIZE_3)
        return p

    def heading1(self, text: str):
        """A first-level heading (一、…): 黑体 三号, indented like body text."""
        p = self.document.add_paragraph()
        _exact_spacing(p)
        p.paragraph_format.first_line_indent = Pt(SIZE_3 * 2)
        p.paragraph_format.keep_with_next = True
        set_run_font(p.add_run(text), FONT_H1, SIZE_3)
        return p

    def heading2(self, text: str):
        """A second-level heading (（一）…): 楷体_GB2312 三号."""
        p = self.document.add_paragraph()
        _exact_spacing(p)
        p.paragraph_format.first_line_indent = Pt(SIZE_3 * 2)
        p.paragraph_format.keep_with_next = True
        set_run_font(p.add_run(text), FONT_H2, SIZE_3)
        return p

    def caption(self, text: str):
        p = self.document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact_spacing(p)
        p.paragraph_format.keep_with_next = True
        set_run_font(p.add_run(text), FONT_H1, SIZE_4)
        return p

    def table(self, headers: Sequence[str], rows: Sequence[Sequence], *, caption: str = "", widths_mm=None):
        """A bordered table in 仿宋 小四 (header row in 黑体), repeated header on each page."""
        if caption:
            self.caption(caption)
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header = table.rows[0]
        tr_pr = header._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        tr_pr.append(repeat)
        for cell, text in zip(header.cells, headers, strict=True):
            self._cell(cell, str(text), FONT_H1)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                self._cell(cell, "" if value is None else str(value), FONT_BODY)
        if widths_mm:
            for row in table.rows:
                for cell, width in zip(row.cells, widths_mm, strict=True):
                    cell.width = Mm(width)
        # A blank body line after each table keeps the text off its bottom border.
        _exact_spacing(self.document.add_paragraph())
        return table

    def _cell(self, cell, text: str, font: str):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        set_run_font(p.add_run(text), font, SIZE_SMALL_4)

    def image(self, png: bytes, *, width_mm: float = TEXT_WIDTH_MM, caption: str = ""):
        """A picture (a chart rendered to PNG) centred at the text width, with a caption below."""
        p = self.document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run().add_picture(io.BytesIO(png), width=Mm(min(width_mm, TEXT_WIDTH_MM)))
        if caption:
            self.caption(caption)
        return p

    def signature(self, issuer: str, date_text: str):
        """The issuer and date, right-aligned four characters in (GB/T 9704 §7.3.5)."""
        _exact_spacing(self.document.add_paragraph())
        for text in (issuer, date_text):
            p = self.paragraph(text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(SIZE_3 * 4)

    def page_break(self):
        self.document.add_page_break()

    def save(self, target) -> None:
        self.document.save(target)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def body_text(document) -> str:
    """All text of a python-docx Document: paragraphs and table cells, in order (for checks)."""
    parts = []
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            parts.append("".join(t.text or "" for t in child.iter(qn("w:t"))))
        elif child.tag == qn("w:tbl"):
            for tc in child.iter(qn("w:tc")):
                parts.append("".join(t.text or "" for t in tc.iter(qn("w:t"))))
    return "\n".join(parts)


__all__ = ["OfficialDocument", "set_run_font", "run_east_asian_font", "body_text"]
