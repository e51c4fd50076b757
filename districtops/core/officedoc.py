"""Official documents (公文) as Word files, laid out per GB/T 9704-2012, that Word, WPS and
LibreOffice set the same way.

Page (GB/T 9704 §5): A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm — a
156 × 225 mm text block (版心) of 22 lines × 28 characters of 三号 (16 pt).

How the 22 × 28 grid is made so that every program agrees:

- ``w:docGrid w:type="linesAndChars"`` with ``w:linePitch`` 578 twips (28.9 pt: 225 mm / 22
  is 579 twips, which LibreOffice fills with 21 lines only); body paragraphs also carry that
  exact line spacing.
- ``w:charSpace="0"``: the character pitch is the Normal style's East-Asian size, 16 pt.
  LibreOffice puts every character into a whole number of grid cells: a pitch below the
  font size (the "textbook" 156 mm / 28 = 15.79 pt, charSpace −848) makes each 16 pt
  character take two cells, 14 a line. So the pitch stays at 16 pt and every run of body
  size is condensed by 0.25 pt (``w:spacing w:val="-5"``): 28 × 15.75 pt = 441 pt fit the
  442.2 pt line and a 29th does not. Word and WPS add the same condensation, so all three
  set 28 characters a line. Paragraphs in other sizes (title, 版头, tables, 版记) are taken
  off the grid (``w:snapToGrid w:val="0"``), else LibreOffice spreads their characters
  over whole cells.

Fonts (see docs/briefing.md, "Fonts"): each *role* (title 小标宋, body 仿宋, 黑体, 楷体,
宋体) has a chain of faces, official first; ``resolve_fonts`` picks for each the first face
installed (``fc-list`` on the machine that makes the file; settings.BRIEFING_FONTS
overrides the chains). The East-Asian name goes into ``w:rFonts/@w:eastAsia`` of every run
(python-docx's ``font.name`` only sets the Latin one), Latin letters and digits are Times
New Roman, every run and style says ``w:lang w:val="zh-CN" w:eastAsia="zh-CN"``, and the
font table gives each face the Windows face of its role as ``w:altName``.

Structure (GB/T 9704 §7): 版头 (份号, 密级, red 发文机关标志, 发文字号, red separator),
主体 (title, 主送机关, body with 一、（一）1.（1） headings, 附件说明, 发文机关署名 and
成文日期 kept on the page of the last body paragraph), 版记 (抄送, 印发机关 and 印发日期
between the standard lines, a floating table at the bottom of the page). Page numbers "— 1 —" in 四号, odd pages right and even
pages left, one character in.
"""

from __future__ import annotations

import functools
import io
import math
import shutil
import subprocess
from collections.abc import Sequence

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]  # 156
TEXT_HEIGHT_MM = PAGE_HEIGHT_MM - MARGINS_MM["top"] - MARGINS_MM["bottom"]  # 225
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28

# Chinese type sizes (字号) in points.
SIZE_SMALL_1 = 24.0  # 小一
SIZE_2 = 22.0  # 二号
SIZE_3 = 16.0  # 三号
SIZE_4 = 14.0  # 四号
SIZE_SMALL_4 = 12.0  # 小四
SIGN_MAX_PT = 36.0  # 小初: the 发文机关标志 at most; smaller when a line would not fit

PT_PER_MM = 72 / 25.4
TEXT_WIDTH_PT = TEXT_WIDTH_MM * PT_PER_MM  # 442.2
# 225 mm / 22 = 28.95 pt (579 twips) leaves LibreOffice room for 21 lines only (it keeps a
# little slack at the bottom); one twip less, 28.9 pt, gives 22 lines in it and in Word.
LINE_PITCH_PT = (math.floor(TEXT_HEIGHT_MM * PT_PER_MM / LINES_PER_PAGE * 20) - 1) / 20  # 28.9
# The grid's character pitch is the body size (see the module doc); each body run is
# condensed by whole twentieths of a point until 28 characters fit the line.
CHAR_SPACE = 0
CONDENSE_TWIPS = math.floor((TEXT_WIDTH_PT / CHARS_PER_LINE - SIZE_3) * 20)  # -5 = -0.25 pt
CHAR_PITCH_PT = SIZE_3 + CONDENSE_TWIPS / 20  # 15.75: what a body character really takes

RED = RGBColor(0xE6, 0x00, 0x12)  # 发文机关标志 and the separator line
LANGUAGE = "zh-CN"
LATIN_LANG = "en-US"
FONT_LATIN = "Times New Roman"

# Roles → faces, official first (what a government PC has), then free faces a Linux server
# can have (Debian's fonts-noto-cjk, fonts-arphic-ukai): the first one installed is named.
DEFAULT_FONT_CHAINS: dict[str, tuple[str, ...]] = {
    "title": ("方正小标宋简体", "方正小标宋_GBK", "华文中宋", "Noto Serif CJK SC", "Source Han Serif SC"),
    "body": ("仿宋_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC", "Source Han Serif SC"),
    "heiti": ("黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC"),
    "kaiti": ("楷体_GB2312", "楷体", "KaiTi", "AR PL UKai CN", "Noto Serif CJK SC"),
    "songti": ("宋体", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC"),
}
OFFICIAL_FONTS = {role: chain[0] for role, chain in DEFAULT_FONT_CHAINS.items()}
# The face Windows ships for each role: Word's first substitute (w:altName) when the named
# face is absent; charset 86 = GB2312; family and PANOSE steer other programs to serif/sans.
ROLE_SUBSTITUTES = {
    "title": ("宋体", "roman", "02010600030101010101"),
    "body": ("仿宋", "roman", "02010609060101010101"),
    "heiti": ("黑体", "modern", "02010609060101010101"),
    "kaiti": ("楷体", "roman", "02010609060101010101"),
    "songti": ("宋体", "roman", "02010600030101010101"),
}
# A face drawn heavy by design; any other title face is set bold to look like 小标宋.
HEAVY_TITLE_FACES = {"方正小标宋简体", "方正小标宋_GBK", "华文中宋"}


@functools.lru_cache(maxsize=1)
def installed_families() -> frozenset[str] | None:
    """Every family name fontconfig knows on this machine (each face's names in every
    language), or None where there is no fontconfig (then the official faces are named)."""
    binary = shutil.which("fc-list")
    if binary is None:
        return None
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments
            [binary, ":", "family"], capture_output=True, text=True, timeout=20, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


def font_chains() -> dict[str, tuple[str, ...]]:
    """The chains in force: settings.BRIEFING_FONTS (role → face or list of faces) over the defaults."""
    from django.conf import settings

    chains = dict(DEFAULT_FONT_CHAINS)
    for role, faces in (getattr(settings, "BRIEFING_FONTS", None) or {}).items():
        if role not in chains:
            raise ValueError(f"BRIEFING_FONTS: unknown role {role!r} (known: {', '.join(chains)})")
        chains[role] = (faces,) if isinstance(faces, str) else tuple(faces)
    return chains


def resolve_fonts(chains: dict[str, Sequence[str]] | None = None, installed=None) -> dict[str, str]:
    """Role → the face the document names: the first of its chain installed here; the first
    of the chain (the official face) when none is, or when the machine cannot tell."""
    chains = chains or font_chains()
    installed = installed_families() if installed is None else installed
    fonts = {}
    for role, chain in chains.items():
        found = [face for face in chain if installed is not None and face in installed]
        fonts[role] = found[0] if found else chain[0]
    return fonts


def _twips(points: float) -> int:
    return round(points * 20)


def _set(parent, tag: str, **attrs):
    """The child ``tag`` of ``parent`` (made if missing) with ``attrs`` (w: namespace)."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), str(value))
    return el


def _lang(rpr, latin: str = LANGUAGE):
    _set(rpr, "w:lang", val=latin, eastAsia=LANGUAGE, bidi="ar-SA")


def set_run_font(
    run, east_asian: str, size_pt: float, *, bold: bool = False, latin: str = FONT_LATIN, color=None
):
    """Name the East-Asian font in ``w:eastAsia`` (python-docx's ``font.name`` only sets Latin),
    the size, zh-CN, and for body-size runs the grid's condensation."""
    run.font.name = latin
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for key in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{key}"), None)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    if size_pt == SIZE_3:
        _set(rpr, "w:spacing", val=CONDENSE_TWIPS)
    _lang(rpr, LATIN_LANG)
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


def _off_grid(paragraph):
    """Take a paragraph not in body size off the character grid (see the module doc)."""
    _set(paragraph._p.get_or_add_pPr(), "w:snapToGrid", val=0)


def _border(paragraph, side: str, *, size_eighths: int, color: str = "000000", space_pt: int = 1):
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # pBdr comes before spacing/ind/jc in CT_PPr's sequence.
        anchor = next(
            (ppr.find(qn(t)) for t in ("w:spacing", "w:ind", "w:jc") if ppr.find(qn(t)) is not None), None
        )
        if anchor is not None:
            anchor.addprevious(borders)
        else:
            ppr.append(borders)
    el = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", size_eighths), ("space", space_pt), ("color", color)):
        el.set(qn(f"w:{key}"), str(value))
    borders.append(el)


def text_width_chars(text: str) -> float:
    """Width of ``text`` in body characters: full-width 1, ASCII (digits, Latin) ½."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


class OfficialDocument:
    """Build a 公文 paragraph by paragraph.

    >>> doc = OfficialDocument()
    >>> doc.masthead(["管城回族区人民政府办公室"], number="管政办通〔2021〕3号")
    >>> doc.title("关于2021年2月经济运行情况的通报")
    >>> doc.recipients("各街道办事处，区直各部门：")
    >>> doc.heading1("一、经济运行")
    >>> doc.paragraph("1-2月，全区……")
    >>> doc.signature("管城回族区人民政府办公室", "2021年3月31日")
    >>> data = doc.to_bytes()

    ``fonts`` maps the roles (title, body, heiti, kaiti, songti) to faces; default:
    ``resolve_fonts()``. A title given to the constructor is set at once (no 版头).
    """

    def __init__(self, title: str = "", *, subtitle: str = "", fonts: dict[str, str] | None = None):
        self.fonts = {**OFFICIAL_FONTS, **(fonts if fonts is not None else resolve_fonts())}
        self.document = Document()
        self.document.core_properties.language = LANGUAGE
        self._setup_styles()
        self._setup_section(self.document.sections[0])
        self._setup_font_table()
        self._last_body = None  # the last paragraph of text: it keeps with the signature
        self._attachments_done = False
        self._signature_date = None
        if title:
            self.title(title, subtitle=subtitle)

    # --- page set-up ------------------------------------------------------------------
    def _setup_styles(self):
        styles_el = self.document.styles.element
        defaults = styles_el.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        rfonts = rpr.find(qn("w:rFonts"))
        for key in list(rfonts.attrib):
            del rfonts.attrib[key]
        for key, value in (("ascii", FONT_LATIN), ("hAnsi", FONT_LATIN), ("cs", FONT_LATIN)):
            rfonts.set(qn(f"w:{key}"), value)
        rfonts.set(qn("w:eastAsia"), self.fonts["body"])
        _set(rpr, "w:sz", val=_twips(SIZE_3) // 10)
        _set(rpr, "w:szCs", val=_twips(SIZE_3) // 10)
        _lang(rpr)
        ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
        _set(ppr, "w:spacing", after=0, line=240, lineRule="auto")
        # Every style says zh-CN too (a style without rPr inherits the defaults above).
        for style in styles_el.findall(qn("w:style")):
            style_rpr = style.find(qn("w:rPr"))
            if style_rpr is None:
                style_rpr = OxmlElement("w:rPr")
                style.append(style_rpr)
            _lang(style_rpr)
        normal = self.document.styles["Normal"]
        normal.font.name = FONT_LATIN
        normal.font.size = Pt(SIZE_3)
        nrfonts = normal.element.get_or_add_rPr().find(qn("w:rFonts"))
        nrfonts.set(qn("w:eastAsia"), self.fonts["body"])
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        # No extra space between Chinese and Latin/digits ("2021 年"): 公文 sets them tight.
        npr = normal.element.get_or_add_pPr()
        # Every page full to its 22nd line: no widow/orphan control moving a line over.
        _set(npr, "w:widowControl", val=0)
        _set(npr, "w:autoSpaceDE", val=0)
        _set(npr, "w:autoSpaceDN", val=0)
        settings = self.document.settings.element
        _set(settings, "w:themeFontLang", val=LANGUAGE, eastAsia=LANGUAGE)

    def _setup_section(self, section):
        section.page_width = Mm(PAGE_WIDTH_MM)
        section.page_height = Mm(PAGE_HEIGHT_MM)
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])
        # GB/T 9704 §7.5: the page number sits 7 mm below the text block's bottom edge.
        section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)
        section.header_distance = Mm(15)
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(_twips(LINE_PITCH_PT)))
        grid.set(qn("w:charSpace"), str(CHAR_SPACE))
        self.document.settings.odd_and_even_pages_header_footer = True
        self._page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
        self._page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)

    def _page_number_footer(self, footer, alignment):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = alignment
        _off_grid(p)
        fmt = p.paragraph_format
        # One character in from the edge on the outer side.
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = Pt(SIZE_4)
        else:
            fmt.left_indent = Pt(SIZE_4)
        font = self.fonts["songti"]
        set_run_font(p.add_run("— "), font, SIZE_4)
        self._field(p, "PAGE", "1", font)
        set_run_font(p.add_run(" —"), font, SIZE_4)

    def _field(self, paragraph, instruction: str, placeholder: str, font: str):
        def fld_char(kind):
            run = set_run_font(paragraph.add_run(), font, SIZE_4)
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._element.append(el)

        fld_char("begin")
        run = set_run_font(paragraph.add_run(), font, SIZE_4)
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = f" {instruction} "
        run._element.append(instr)
        fld_char("separate")
        set_run_font(paragraph.add_run(placeholder), font, SIZE_4)
        fld_char("end")

    def _setup_font_table(self):
        part = self.document.part.part_related_by(RT.FONT_TABLE)
        root = parse_xml(part.blob)
        named = set()
        for role, face in self.fonts.items():
            if face in named:
                continue
            named.add(face)
            alt, family, panose = ROLE_SUBSTITUTES[role]
            alt_xml = f'<w:altName w:val="{alt}"/>' if alt != face else ""
            root.append(
                parse_xml(
                    f'<w:font {nsdecls("w")} w:name="{face}">{alt_xml}<w:panose1 w:val="{panose}"/>'
                    f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="variable"/>'
                    "</w:font>"
                )
            )
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    # --- 版头 --------------------------------------------------------------------------
    def masthead(
        self, sign_lines: Sequence[str], *, number: str = "", copy_number: str = "", classification: str = ""
    ):
        """份号 and 密级 (top left, 黑体 三号, when given), the red 发文机关标志 (小标宋, centred,
        its top 35 mm below the text block's), the 发文字号 two lines below it, and the red
        separator 4 mm below the number (GB/T 9704 §7.2)."""
        used_pt = 0.0
        for text in (copy_number, classification):
            if text:
                p = self.document.add_paragraph()
                _exact_spacing(p)
                set_run_font(p.add_run(text), self.fonts["heiti"], SIZE_3)
                used_pt += LINE_PITCH_PT
        longest = max((text_width_chars(line) for line in sign_lines), default=1) or 1
        size = min(SIGN_MAX_PT, (TEXT_WIDTH_PT * 0.97) // longest)
        for i, line in enumerate(sign_lines):
            p = self.document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _off_grid(p)
            _exact_spacing(p, size * 1.25)
            if i == 0:
                p.paragraph_format.space_before = Pt(max(0.0, 35 * PT_PER_MM - used_pt - size * 0.25))
            p.paragraph_format.keep_with_next = True
            set_run_font(p.add_run(line), self.fonts["title"], size, bold=self._title_bold(), color=RED)
        if number:
            for _ in range(2):
                _exact_spacing(self.document.add_paragraph())
            p = self.document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _exact_spacing(p)
            set_run_font(p.add_run(number), self.fonts["body"], SIZE_3)
        else:
            p = self.document.add_paragraph()
            _exact_spacing(p)
        _border(p, "bottom", size_eighths=12, color=str(RED), space_pt=11)  # 4 mm ≈ 11 pt
        return p

    def _title_bold(self) -> bool:
        return self.fonts["title"] not in HEAVY_TITLE_FACES

    # --- 主体 --------------------------------------------------------------------------
    def title(self, text: str, *, subtitle: str = "", blank_before: int = 0):
        """The title in 小标宋 二号, centred, one blank line below it (GB/T 9704 §7.3.1)."""
        for _ in range(blank_before):
            _exact_spacing(self.document.add_paragraph())
        p = self.document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _off_grid(p)
        _exact_spacing(p, 35)  # 二号 needs more than the body pitch
        p.paragraph_format.keep_with_next = True
        # A title in several lines is broken where the caller put "\n" (GB/T 9704 §7.3.1:
        # meaning kept together, a trapezoid or diamond shape).
        for i, line in enumerate(text.split("\n")):
            run = p.add_run()
            if i:
                run.add_break()
            run.add_text(line)
            set_run_font(run, self.fonts["title"], SIZE_2, bold=self._title_bold())
        if subtitle:
            s = self.document.add_paragraph()
            s.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _exact_spacing(s)
            set_run_font(s.add_run(subtitle), self.fonts["kaiti"], SIZE_3)
        _exact_spacing(self.document.add_paragraph())
        return p

    def recipients(self, text: str):
        """主送机关: flush left, below the title's blank line, ending in a full-width colon."""
        text = text.rstrip("：:") + "："
        return self.paragraph(text, indent=False)

    def paragraph(self, text: str, *, indent: bool = True, align=None, font_role: str = "body"):
        """A body paragraph: 仿宋 三号, two characters' first-line indent."""
        p = self.document.add_paragraph()
        _exact_spacing(p)
        if indent:
            p.paragraph_format.first_line_indent = Pt(CHAR_PITCH_PT * 2)
        if align is not None:
            p.alignment = align
        set_run_font(p.add_run(text), self.fonts[font_role], SIZE_3)
        self._last_body = p
        return p

    def heading1(self, text: str):
        """A first-level heading (一、…): 黑体 三号, indented like body text."""
        p = self.paragraph(text, font_role="heiti")
        p.paragraph_format.keep_with_next = True
        return p

    def heading2(self, text: str):
        """A second-level heading (（一）…): 楷体 三号."""
        p = self.paragraph(text, font_role="kaiti")
        p.paragraph_format.keep_with_next = True
        return p

    def heading3(self, text: str):
        """Third and fourth levels (1. and （1）) are body paragraphs in 仿宋 (GB/T 9704 §7.3.3)."""
        return self.paragraph(text)

    def caption(self, text: str):
        p = self.document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _off_grid(p)
        _exact_spacing(p)
        p.paragraph_format.keep_with_next = True
        set_run_font(p.add_run(text), self.fonts["heiti"], SIZE_4)
        return p

    def table(self, headers: Sequence[str], rows: Sequence[Sequence], *, caption: str = "", widths_mm=None):
        """A bordered table in 仿宋 小四 (header row in 黑体), repeated header on each page."""
        if caption:
            self.caption(caption)
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header = table.rows[0]
        header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, text in zip(header.cells, headers, strict=True):
            self._cell(cell, str(text), self.fonts["heiti"])
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                self._cell(cell, "" if value is None else str(value), self.fonts["body"])
        if not widths_mm:
            # Widths after the longest text of each column, the whole table at the text width.
            need = [
                max([text_width_chars(str(h)) + 1] + [text_width_chars(str(r[i] or "")) + 1 for r in rows])
                for i, h in enumerate(headers)
            ]
            widths_mm = [TEXT_WIDTH_MM * n / sum(need) for n in need]
        if widths_mm:
            table.autofit = False
            for row in table.rows:
                for cell, width in zip(row.cells, widths_mm, strict=True):
                    cell.width = Mm(width)
        # Rows are not split across pages; all but the last keep with the next.
        for i, row in enumerate(table.rows):
            _set(row._tr.get_or_add_trPr(), "w:cantSplit")
            if i < len(table.rows) - 1:
                for cell in row.cells:
                    cell.paragraphs[0].paragraph_format.keep_with_next = True
        # A blank body line after each table keeps the text off its bottom border.
        _exact_spacing(self.document.add_paragraph())
        return table

    def _cell(self, cell, text: str, font: str):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _off_grid(p)
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(SIZE_SMALL_4 * 1.5)
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        set_run_font(p.add_run(text), font, SIZE_SMALL_4)

    def image(self, png: bytes, *, width_mm: float = TEXT_WIDTH_MM, caption: str = ""):
        """A picture (a chart rendered to PNG) centred at the text width, with a caption below."""
        p = self.document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _off_grid(p)
        p.add_run().add_picture(io.BytesIO(png), width=Mm(min(width_mm, TEXT_WIDTH_MM)))
        if caption:
            p.paragraph_format.keep_with_next = True
            self.caption(caption).paragraph_format.keep_with_next = False
        return p

    def attachments(self, names: Sequence[str]):
        """附件说明: one blank line below the text, two characters in; several are numbered
        (附件：1.…), the names without final punctuation (GB/T 9704 §7.3.4)."""
        if not names:
            return
        self._keep_last_text()
        self._attachments_done = True
        self._blank(keep=True)
        names = [n.rstrip("。.；;，,") for n in names]
        if len(names) == 1:
            self.paragraph(f"附件：{names[0]}").paragraph_format.keep_with_next = True
            return
        for i, name in enumerate(names, start=1):
            text = f"附件：{i}．{name}" if i == 1 else f"{i}．{name}"
            p = self.paragraph(text)
            if i > 1:  # aligned under the first name
                p.paragraph_format.first_line_indent = Pt(CHAR_PITCH_PT * 5)
            p.paragraph_format.keep_with_next = True

    def _keep_last_text(self):
        """The last paragraph of text keeps with what follows and is not split, so the
        attachments and the signature never start a page alone."""
        if self._last_body is not None:
            self._last_body.paragraph_format.keep_with_next = True
            self._last_body.paragraph_format.keep_together = True

    def _blank(self, *, keep: bool = False):
        p = self.document.add_paragraph()
        _exact_spacing(p)
        p.paragraph_format.keep_with_next = keep
        return p

    def signature(self, issuer: str, date_text: str):
        """发文机关署名 one blank line below the text, two characters in from the right, and the
        成文日期 on the next line starting two characters right of the issuer — or, when the
        date is the longer, the date two in from the right and the issuer moved right
        (GB/T 9704 §7.3.5.2, unsealed). The last paragraph of text, the blank line, issuer and
        date keep together, so the signature never stands alone on a page."""
        if not self._attachments_done:
            self._keep_last_text()
        self._blank(keep=True)
        issuer_w, date_w = text_width_chars(issuer), text_width_chars(date_text)
        date_right = max(2.0, issuer_w - date_w)
        issuer_right = date_right + date_w + 2 - issuer_w
        paragraphs = []
        for text, right in ((issuer, issuer_right), (date_text, date_right)):
            p = self.paragraph(text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(CHAR_PITCH_PT * right)
            p.paragraph_format.keep_with_next = True
            paragraphs.append(p)
        paragraphs[-1].paragraph_format.keep_with_next = False
        self._signature_date = paragraphs[-1]
        return paragraphs

    # --- 版记 --------------------------------------------------------------------------
    def colophon(self, *, copy_to: str = "", printer: str, print_date: str, page_breaks: int = 0):
        """版记 (GB/T 9704 §7.4): 抄送 (四号仿宋, one character in; a final full stop) and the
        印发机关 (left, one in) with the 印发日期 (right, one in, "…印发") between the first
        and last lines (0.35 mm) with a thin line (0.25 mm) between them, **at the bottom of
        the page**: its last line on the text block's bottom edge.

        It is a one-column floating table anchored to the bottom margin (``w:tblpPr
        w:vertAnchor="margin" w:tblpYSpec="bottom"``; LibreOffice makes it a frame there), on
        the page where the text ends; the text flows around it, so it never covers the
        signature. ``page_breaks`` puts it that many pages further (GB/T 9704 wants it on the
        last page, an even one: the caller counts the pages, see ``cockpit.briefing``)."""
        for _ in range(page_breaks):
            p = self._tiny_paragraph()
            p.paragraph_format.page_break_before = True
        rows = []
        if copy_to:
            rows.append(f"抄送：{copy_to.rstrip('。.')}。")
        rows.append((printer, f"{print_date}印发"))
        table = self.document.add_table(rows=len(rows), cols=1)
        tbl_pr = table._tbl.tblPr
        position = OxmlElement("w:tblpPr")
        for key, value in (
            ("leftFromText", 0), ("rightFromText", 0), ("topFromText", _twips(LINE_PITCH_PT)), ("bottomFromText", 0),
            ("vertAnchor", "margin"), ("horzAnchor", "page"), ("tblpX", _twips(MARGINS_MM["left"] * PT_PER_MM)),
            ("tblpYSpec", "bottom"),
        ):  # fmt: skip
            position.set(qn(f"w:{key}"), str(value))
        # CT_TblPr: tblStyle, tblpPr, tblOverlap, bidiVisual, tblStyleRowBandSize, …, tblW, jc, …
        style = tbl_pr.find(qn("w:tblStyle"))
        if style is not None:
            style.addnext(position)
        else:
            tbl_pr.insert(0, position)
        overlap = OxmlElement("w:tblOverlap")
        overlap.set(qn("w:val"), "never")
        position.addnext(overlap)
        width = tbl_pr.find(qn("w:tblW"))
        if width is None:
            width = OxmlElement("w:tblW")
            tbl_pr.append(width)
        width.set(qn("w:w"), str(_twips(TEXT_WIDTH_PT)))
        width.set(qn("w:type"), "dxa")
        borders = OxmlElement("w:tblBorders")
        # 0.35 mm ≈ 1 pt the first and last lines, 0.25 mm ≈ ¾ pt the line between; no sides.
        for side, size in {"top": 8, "left": 0, "bottom": 8, "right": 0, "insideH": 6, "insideV": 0}.items():
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:val"), "single" if size else "nil")
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
            borders.append(el)
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        margins = OxmlElement("w:tblCellMar")
        for side in ("top", "left", "bottom", "right"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), "0")
            el.set(qn("w:type"), "dxa")
            margins.append(el)
        # …, tblW, jc, tblCellSpacing, tblInd, tblBorders, shd, tblLayout, tblCellMar, tblLook
        look = tbl_pr.find(qn("w:tblLook"))
        for el in (borders, layout, margins):
            if look is not None:
                look.addprevious(el)
            else:
                tbl_pr.append(el)
        for row, text in zip(table.rows, rows, strict=True):
            cell = row.cells[0]
            cell.width = Pt(TEXT_WIDTH_PT)
            left, right = text if isinstance(text, tuple) else (text, "")
            self._colophon_row(cell.paragraphs[0], left, right)
        # The paragraph the floating table is anchored to: the body ends with one.
        self._tiny_paragraph()
        return table

    def _tiny_paragraph(self):
        """An empty paragraph one point high, off the grid (anchor and page break of 版记)."""
        p = self.document.add_paragraph()
        _off_grid(p)
        _exact_spacing(p, 1)
        _set(p._p.get_or_add_pPr(), "w:rPr")
        rpr = p._p.pPr.find(qn("w:rPr"))
        _set(rpr, "w:sz", val=2)
        return p

    def _colophon_row(self, p, left: str, right: str = ""):
        _off_grid(p)
        _exact_spacing(p, LINE_PITCH_PT)
        fmt = p.paragraph_format
        fmt.left_indent = Pt(SIZE_4)
        fmt.right_indent = Pt(SIZE_4)
        text = left
        if right:
            fmt.tab_stops.add_tab_stop(Pt(TEXT_WIDTH_PT - 2 * SIZE_4), WD_TAB_ALIGNMENT.RIGHT)
            text = f"{left}\t{right}"
        set_run_font(p.add_run(text), self.fonts["body"], SIZE_4)
        return p

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


__all__ = [
    "OfficialDocument",
    "set_run_font",
    "run_east_asian_font",
    "body_text",
    "resolve_fonts",
    "installed_families",
]
