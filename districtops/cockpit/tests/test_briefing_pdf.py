"""The briefing as LibreOffice prints it (the PDF the job offers), measured: 28 characters a
line, 22 lines a page, the red 版头, SC faces without tofu, zh-CN, the signature kept with
the text. LibreOffice missing fails the test (``make office-deps``), it never skips."""

import pytest

from districtops.cockpit import briefing, services
from districtops.cockpit.figures import Month
from districtops.core.officedoc import CHAR_PITCH_PT, LINE_PITCH_PT, MARGINS_MM, PT_PER_MM, OfficialDocument

from . import pdf_measure

LEFT = MARGINS_MM["left"] * PT_PER_MM
RIGHT = (210 - MARGINS_MM["right"]) * PT_PER_MM
CHAR = 16.0


def _body_lines(lines):
    """Body lines that run to the right margin: the following text did not fit on them. A first
    line starts two characters in (its indent is part of its 28)."""
    return [
        ln
        for ln in lines
        if ln.size == 16.0 and ln.x0 < LEFT + 2 * CHAR_PITCH_PT + 1 and ln.x1 > RIGHT - CHAR
    ]


def _cells(line) -> float:
    """How many body characters' width the line takes from the left margin."""
    return (line.x1 - LEFT) / CHAR_PITCH_PT


def test_grid_gives_22_lines_of_28_characters():
    doc = OfficialDocument("网格测试")
    for _ in range(30):
        doc.paragraph("经济运行平稳向好重点项目加快推进" * 6)
    pdf = pdf_measure.to_pdf(doc.to_bytes())
    lines = pdf_measure.lines(pdf)
    full = _body_lines(lines)
    assert len(full) > 40
    assert {round(_cells(ln)) for ln in full} == {28}, sorted({(ln.units, ln.text) for ln in full})[:3]
    assert {ln.units for ln in full if ln.x0 < LEFT + 1} == {28.0}
    # Page 2 holds nothing but body text: 22 lines, one grid pitch apart, from the top margin.
    page2 = [ln for ln in lines if ln.page == 2 and ln.size == 16.0]
    assert len(page2) == 22
    pitches = {round(b.top - a.top, 1) for a, b in zip(page2, page2[1:], strict=False)}
    assert all(abs(p - LINE_PITCH_PT) < 0.6 for p in pitches), pitches


@pytest.fixture
def issued(economy_data, users):
    pdf_measure.soffice()
    district = services.resolve_district(users["leader"], "410104")
    return briefing.build(users["leader"], district, Month(2021, 2), issue=True)


def test_briefing_pdf_as_printed(issued):
    pdf = issued.pdf
    assert pdf is not None and pdf[:5] == b"%PDF-"
    lines = pdf_measure.lines(pdf)
    # Body lines that run to the right margin hold 27-28 characters' width (digits and % in Times
    # are narrower than half a character, so the width is measured, not the characters counted),
    # and those of Chinese alone exactly 28.
    full = _body_lines(lines)
    assert len(full) > 8
    # LibreOffice lets a closing mark (、，。) hang half a character past the margin.
    widths = [_cells(ln) for ln in full]
    assert all(27 <= w <= 28.6 for w in widths), [(round(_cells(ln), 2), ln.text) for ln in full]
    chinese = [ln for ln in full if ln.x0 < LEFT + 1 and all(ord(ch) > 0x2E80 for ch in ln.text)]
    assert all(ln.units == 28 for ln in chinese), [ln.text for ln in chinese if ln.units != 28]
    # 版头: the red 发文机关标志, then the 发文字号 of the register.
    sign = [ln for ln in lines if ln.page == 1 and ln.size > 22]
    assert [ln.text for ln in sign] == ["管城回族区人民政府办公室", "经济运行与重点工作通报"]
    assert all(ln.colors == {(0.9, 0.0, 0.07)} for ln in sign), [ln.colors for ln in sign]
    number = issued.heading["doc_number"]
    assert number == "管政办通〔2021〕1号"
    assert any(ln.text == number for ln in lines if ln.page == 1)
    # Body black, never red.
    assert all(ln.colors == {(0.0,)} or ln.colors == {(0.0, 0.0, 0.0)} for ln in full)
    # Fonts: Noto Serif CJK (SC glyphs) for the body, Noto Sans CJK for 黑体 headings; no tofu.
    assert pdf_measure.glyph_problems(pdf) == []
    assert all(any("NotoSerifCJK" in f for f in ln.fonts) for ln in full)
    heading = next(ln for ln in lines if ln.text.startswith("一、"))
    assert any("NotoSansCJK" in f for f in heading.fonts)
    assert pdf_measure.language(pdf) == "zh-CN"
    # 2-4 pages; the signature on the page of the last paragraph of text, the 版记 after it.
    pages = pdf_measure.page_count(pdf)
    assert 2 <= pages <= 4, pages
    issuer = next(ln for ln in lines if ln.text == "管城回族区人民政府办公室" and ln.size == 16.0)
    text_before = [ln for ln in lines if ln.page == issuer.page and ln.top < issuer.top and ln.size == 16.0]
    assert any(not ln.text.startswith("附件") for ln in text_before), "signature alone on its page"
    colophon = [ln for ln in lines if ln.page == pages and "印发" in ln.text]
    assert colophon and colophon[0].top > issuer.top
    # Page numbers: "— n —" on every page.
    for page in range(1, pages + 1):
        assert any(ln.text.replace(" ", "") == f"—{page}—" for ln in lines if ln.page == page)
