import datetime as dt
import io
import re
import shutil

import pytest
from django.core.exceptions import ValidationError
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from openpyxl import load_workbook

from districtops.cockpit import briefing, services
from districtops.cockpit.figures import Month
from districtops.core.officedoc import OFFICIAL_FONTS, RED, body_text, run_east_asian_font

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _build(users, code="410104", period=Month(2021, 2), user="leader"):
    district = services.resolve_district(users[user], code)
    return briefing.build(users[user], district, period, pdf=False)


def _numbers_in_summary(summary) -> set[str]:
    texts = set()
    for section in summary["sections"]:
        texts |= {f["text"] for f in section["figures"]}
        texts |= {cell["text"] for t in section["tables"] for row in t["rows"] for cell in row}
        texts |= {note for t in section["tables"] for note in t["notes"]}
    return {n for text in texts for n in NUMBER.findall(text)}


OFFICIAL_ONLY = {role: [face] for role, face in OFFICIAL_FONTS.items()}


def test_layout_of_the_generated_document(district_data, users, settings):
    settings.BRIEFING_FONTS = OFFICIAL_ONLY  # the production faces, whatever this machine has
    doc = Document(io.BytesIO(_build(users).docx))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1) and abs(section.page_height - Mm(297)) < Mm(0.1)
    assert abs(section.top_margin - Mm(37)) < Mm(0.1) and abs(section.bottom_margin - Mm(35)) < Mm(0.1)
    assert abs(section.left_margin - Mm(28)) < Mm(0.1) and abs(section.right_margin - Mm(26)) < Mm(0.1)
    texts = [p.text for p in doc.paragraphs]
    # 版头: the red sign in two lines, then (a draft) no 发文字号, the red line; the title in two lines.
    sign = doc.paragraphs[0]
    assert [texts[0], texts[1]] == ["管城回族区人民政府办公室", "经济运行与重点工作通报"]
    assert sign.runs[0].font.color.rgb == RED and run_east_asian_font(sign.runs[0]) == "方正小标宋简体"
    title = next(p for p in doc.paragraphs if p.text.startswith("管城回族区2021年2月"))
    assert title.text == "管城回族区2021年2月\n经济运行和重点工作通报"
    assert run_east_asian_font(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    assert texts[texts.index(title.text) + 2] == "各街道办事处、乡人民政府，区人民政府各部门："
    assert "附件：管城回族区2021年2月经济运行和重点工作明细表" in texts
    headings = [p for p in doc.paragraphs if re.match(r"^[一二三四]、", p.text)]
    assert [h.text for h in headings] == [
        "一、经济运行情况",
        "二、重点项目推进情况",
        "三、督查督办和安全生产",
        "四、需关注的问题",
    ]
    assert all(run_east_asian_font(h.runs[0]) == "黑体" for h in headings)
    subheadings = [p for p in doc.paragraphs if p.text.startswith("（一）")]
    assert subheadings and all(run_east_asian_font(p.runs[0]) == "楷体_GB2312" for p in subheadings)
    body = [p for p in doc.paragraphs if p.text.startswith("全区招商项目")]
    assert run_east_asian_font(body[0].runs[0]) == "仿宋_GB2312" and body[0].runs[0].font.size.pt == 16
    # The detail is in the Excel annex: the only table is the 版记's.
    assert len(doc.tables) == 1 and not doc.inline_shapes
    assert "PAGE" in section.footer._element.xml
    # Signature and date at the end of the text, then the 版记: a floating table anchored to the
    # bottom margin (its last line on the text block's bottom edge), full width, the three lines.
    assert texts[-3:] == ["管城回族区人民政府办公室", "2021年3月31日", ""]  # "": the table's anchor
    colophon = doc.tables[0]
    assert doc.element.body.index(colophon._tbl) > doc.element.body.index(doc.paragraphs[-2]._p)
    assert [row.cells[0].text for row in colophon.rows] == [
        "抄送：区委办公室，区人大常委会办公室，区政协办公室。",
        "管城回族区人民政府办公室\t2021年3月31日印发",
    ]
    position = colophon._tbl.tblPr.find(qn("w:tblpPr"))
    assert position.get(qn("w:vertAnchor")) == "margin" and position.get(qn("w:tblpYSpec")) == "bottom"
    borders = {
        el.tag.split("}")[1]: el.get(qn("w:sz")) for el in colophon._tbl.tblPr.find(qn("w:tblBorders"))
    }
    assert (borders["top"], borders["insideH"], borders["bottom"]) == ("8", "6", "8")
    # Without a PDF (no page count) the 版记 is not moved to a later page.
    assert not any(p.paragraph_format.page_break_before for p in doc.paragraphs)


def test_every_number_equals_the_cockpits(economy_data, users):
    result = _build(users)
    text = body_text(Document(io.BytesIO(result.docx)))
    cockpit = services.district_summary(
        users["leader"], services.resolve_district(users["leader"], "410104"), Month(2021, 2)
    )
    # The briefing's figures are the cockpit's, figure for figure.
    assert [s["figures"] for s in result.summary["sections"]] == [s["figures"] for s in cockpit["sections"]]
    for section in cockpit["sections"]:
        if section["key"] == "organisation":
            continue
        for f in section["figures"]:
            assert f"{f['label']}{f['text']}{f['unit']}" in text
    # And no number in the document comes from anywhere else (dates, numbering aside).
    stripped = re.sub(
        r"[表图]\d+|^\d+．|\d{4}年\d{1,2}(-\d{1,2})?月(\d{1,2}日)?|\d{1,2}月办结|〔\d{4}〕\d+号",
        "",
        text,
        flags=re.M,
    )
    stray = set(NUMBER.findall(stripped)) - _numbers_in_summary(cockpit)
    assert not stray, stray


def test_period_without_data_says_so(org, users):
    result = _build(users, code="410105", period=Month(2030, 1), user="jinshui_leader")
    text = body_text(Document(io.BytesIO(result.docx)))
    assert "本报告期（2030年1月）暂无经济运行、重点项目和督查督办数据" in text
    assert "截至本报告期（2030年1月），本区尚无已发布的经济统计数据，本期不作经济运行分析。" in text
    assert "—" not in text and "nan" not in text
    assert "本区暂无重点项目数据。" in text
    assert "本期各项指标和重点工作未出现预警。" in text
    assert len(Document(io.BytesIO(result.docx)).tables) == 1  # the 版记's


def test_excel_annex_has_every_table(district_data, users):
    result = _build(users)
    workbook = load_workbook(io.BytesIO(result.xlsx))
    tables = [t for s in result.summary["sections"] for t in s["tables"]]
    assert workbook.sheetnames[0] == "主要数据"
    assert len(workbook.sheetnames) == 1 + len(tables)
    main = workbook["主要数据"]
    assert main["A1"].value.startswith("管城回族区主要数据（报告期2021年2月")
    assert main["A2"].value.startswith("来源：")
    assert main.freeze_panes == "A4" and main.auto_filter.ref.startswith("A3:")
    figures = list(main.iter_rows(min_row=4, values_only=True))
    assert len(figures) == sum(len(s["figures"]) for s in result.summary["sections"])
    by_label = {row[1]: row for row in figures}
    for section in result.summary["sections"]:
        for f in section["figures"]:  # the value, a number, not the text shown
            assert by_label[f["label"]][2] == f["value"]
    ranking = workbook["责任单位按时办结排名"]
    assert [c.value for c in ranking[3]] == ["名次", "责任单位", "在办", "逾期", "已办结", "按时办结率（%）"]
    assert "报告期2021年2月" in ranking["A1"].value
    first = ranking[4]
    assert isinstance(first[0].value, int) and isinstance(first[5].value, int | float)
    assert first[5].number_format == "0.0" and first[1].data_type == "s"
    assert ranking.column_dimensions["B"].width >= 10


def test_command_writes_docx_and_annex(district_data, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "tb.docx"
    call_command("briefing", district="410104", period="2021-02", output=str(target))
    texts = [p.text for p in Document(str(target)).paragraphs]
    assert "管政办通〔2021〕1号" in texts and any(t.startswith("管城回族区2021年2月") for t in texts)
    assert (tmp_path / "tb-附件.xlsx").exists()


def test_command_for_the_monthly_timer_writes_last_month_into_a_folder(district_data, tmp_path):
    """``--period previous --output <folder>/``: what deploy/systemd/districtops-briefing@.service runs
    (today is pinned to 2021-03-31, so last month is February)."""
    from django.core.management import call_command

    call_command("briefing", district="410104", period="previous", output=str(tmp_path) + "/")
    target = tmp_path / "月度通报-410104-2021-02.docx"
    texts = [p.text for p in Document(str(target)).paragraphs]
    assert any(t.startswith("管城回族区2021年2月") for t in texts)
    assert (tmp_path / "月度通报-410104-2021-02-附件.xlsx").exists()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"district": "410104", "period": "2021-2", "output": "x.docx"}, None),
        ({"district": "410104", "period": "202102", "output": "x.docx"}, "YYYY-MM"),
        ({"district": "999999", "period": "2021-02", "output": "x.docx"}, "999999"),
        ({"district": "410104", "period": "2021-02", "output": "x.pdf"}, ".docx"),
    ],
)
def test_command_bad_input(org, tmp_path, kwargs, message):
    from django.core.management import CommandError, call_command

    kwargs = {**kwargs, "output": str(tmp_path / kwargs["output"])}
    if message is None:  # "2021-2" is a valid month
        call_command("briefing", **kwargs)
        return
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("briefing", **kwargs)


@pytest.mark.skipif(
    not (shutil.which("libreoffice") or shutil.which("soffice")), reason="LibreOffice not installed"
)
def test_pdf_when_libreoffice_is_installed(district_data, users):
    district = services.resolve_district(users["leader"], "410104")
    result = briefing.build(users["leader"], district, Month(2021, 2))
    assert result.pdf[:5] == b"%PDF-"


def test_no_pdf_without_libreoffice(monkeypatch):
    monkeypatch.setattr(briefing.shutil, "which", lambda name: None)
    assert briefing.convert_to_pdf(b"not used") is None


def test_register_numbers_per_district_and_year(district_data, users, monkeypatch):
    from django.core.exceptions import PermissionDenied

    from districtops.cockpit.models import IssuedBriefing
    from districtops.core import clock

    leader, guancheng = users["leader"], services.resolve_district(users["leader"], "410104")
    services.update_briefing_settings(
        leader,
        guancheng,
        {"sign": "管城回族区人民政府办公室", "classification": "秘密★1年", "copy_numbered": True},
    )
    first = briefing.build(leader, guancheng, Month(2021, 2), pdf=False, issue=True)
    second = briefing.build(leader, guancheng, Month(2021, 2), pdf=False, issue=True)
    assert [first.heading["doc_number"], second.heading["doc_number"]] == [
        "管政办通〔2021〕1号",
        "管政办通〔2021〕2号",
    ]
    assert [first.heading["copy_number"], second.heading["copy_number"]] == ["000001", "000002"]
    texts = [p.text for p in Document(io.BytesIO(second.docx)).paragraphs]
    assert texts[:3] == ["000002", "秘密★1年", "管城回族区人民政府办公室"]
    # Another district starts at 1; a new year starts again at 1.
    jinshui = services.resolve_district(users["jinshui_leader"], "410105")
    other = briefing.build(users["jinshui_leader"], jinshui, Month(2021, 2), pdf=False, issue=True)
    assert other.heading["doc_number"] == "金政办通〔2021〕1号"
    monkeypatch.setattr(clock, "today", lambda: dt.date(2022, 1, 5))
    new_year = briefing.build(leader, guancheng, Month(2021, 12), pdf=False, issue=True)
    assert new_year.heading["doc_number"] == "管政办通〔2022〕1号"
    assert IssuedBriefing.objects.filter(district=guancheng).count() == 3
    # A draft takes no number; someone outside the district may not change its heading.
    draft = briefing.build(leader, guancheng, Month(2021, 2), pdf=False)
    assert "doc_number" not in draft.heading
    with pytest.raises(PermissionDenied):
        services.update_briefing_settings(users["jinshui_leader"], guancheng, {"sign": "别的机关"})
    with pytest.raises(ValidationError):
        services.update_briefing_settings(leader, guancheng, {"district": jinshui})


def test_briefing_states_missing_figures_in_words(district_data, users):
    """An indicator without data or enough history, a month without published statistics: said
    in a sentence, never "—%", "nan" or "低于 -x"."""
    result = _build(users, period=Month(2020, 6))
    text = body_text(Document(io.BytesIO(result.docx)))
    assert "本区尚无已发布的经济统计数据" in text
    for bad in ("—%", "nan", "低于 -", "低于-", "None"):
        assert bad not in text, bad
    figures = [
        {"label": "规上工业总产值增速", "value": None, "text": "—", "unit": "%"},
        {"label": "固定资产投资增速", "value": 5.0, "text": "5.0", "unit": "%"},
    ]
    assert briefing._figures_sentence(figures) == "固定资产投资增速5.0%。规上工业总产值增速暂无可计算的数据。"
