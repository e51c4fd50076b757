"""The briefing as LibreOffice prints it (the PDF the job offers), measured: 28 characters a
line, 22 lines a page, the red 版头, SC faces without tofu, zh-CN, the signature kept with
the text, the 版记 at the bottom of the last page, an even one. LibreOffice missing fails the test (``make office-deps``), it never skips."""

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
    # 2-4 pages; the signature on the page of the last paragraph of text.
    pages = pdf_measure.page_count(pdf)
    assert 2 <= pages <= 4, pages
    issuer = next(ln for ln in lines if ln.text == "管城回族区人民政府办公室" and ln.size == 16.0)
    text_before = [ln for ln in lines if ln.page == issuer.page and ln.top < issuer.top and ln.size == 16.0]
    assert any(not ln.text.startswith("附件") for ln in text_before), "signature alone on its page"
    # 版记 (GB/T 9704 §7.4) on the last page, an even one, at its bottom: 抄送 and 印发 lines in
    # the bottom quarter of the page, the last of them ending on the text block's bottom edge.
    assert pages % 2 == 0, pages
    colophon = [ln for ln in lines if ln.text.startswith("抄送") or ln.text.endswith("印发")]
    assert [ln.page for ln in colophon] == [pages, pages], [(ln.page, ln.text) for ln in colophon]
    page_height = 297 * PT_PER_MM
    assert all(ln.top > page_height * 3 / 4 for ln in colophon), [ln.top for ln in colophon]
    text_bottom = (297 - MARGINS_MM["bottom"]) * PT_PER_MM
    assert text_bottom - LINE_PITCH_PT < colophon[-1].top < text_bottom, (colophon[-1].top, text_bottom)
    if issuer.page < pages:  # moved to its own page: nothing else on it but the page number
        others = [ln for ln in lines if ln.page == pages and ln not in colophon]
        assert [ln.text.replace(" ", "") for ln in others] == [f"—{pages}—"], others
    # Page numbers: "— n —" on every page.
    for page in range(1, pages + 1):
        assert any(ln.text.replace(" ", "") == f"—{page}—" for ln in lines if ln.page == page)


@pytest.mark.parametrize(("paragraphs", "breaks", "pages"), [(3, 1, 2), (17, 0, 2), (18, 2, 4)])
def test_colophon_lands_at_the_bottom_of_an_even_page(paragraphs, breaks, pages):
    """The text ends on page 1 (odd: a page break), on page 2 with room (none), on page 2 too full
    for the 版记 (LibreOffice moves it to page 3: two breaks, page 4)."""
    pdf_measure.soffice()

    def render(page_breaks):
        doc = OfficialDocument("版记测试")
        for _ in range(paragraphs):
            doc.paragraph("经济运行平稳向好重点项目加快推进" * 3)
        doc.signature("管城回族区人民政府办公室", "2021年3月31日")
        doc.colophon(copy_to="区委办公室", printer="管城回族区人民政府办公室", print_date="2021年3月31日",
                     page_breaks=page_breaks)  # fmt: skip
        return doc.to_bytes()

    made = []
    docx, pdf = briefing.with_even_last_page(lambda k: made.append(k) or render(k))
    assert made[-1] == breaks and briefing.pdf_page_count(pdf) == pdf_measure.page_count(pdf) == pages
    lines = pdf_measure.lines(pdf)
    colophon = [ln for ln in lines if ln.text.startswith("抄送") or ln.text.endswith("印发")]
    assert [ln.page for ln in colophon] == [pages, pages]
    assert all(ln.top > 297 * PT_PER_MM * 3 / 4 for ln in colophon)
    date = next(ln for ln in lines if ln.text == "2021年3月31日")
    assert date.page == (1 if paragraphs == 3 else 2)
