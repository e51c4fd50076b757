import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from districtops.supervision.models import Matter

from .factories import matter

HEAD = ["事项名称", "牵头单位", "配合单位", "交办日期", "办理时限", "工作日天数", "优先级"]


def _xlsx(rows, head=HEAD):
    wb = Workbook()
    ws = wb.active
    ws.append(["督办事项导入"])  # a title row above the header
    ws.append(head)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("matters.xlsx", buf.getvalue())


def test_template_and_export(org, login):
    matter(org["units"], title="背街小巷整治")
    c = login("supervisor")
    wb = load_workbook(io.BytesIO(c.get("/supervision/matters/import/?template=1").content))
    assert [x.value for x in wb["督办事项"][1]][:2] == ["事项名称*", "来源"]
    wb = load_workbook(io.BytesIO(c.get("/supervision/matters/export/?state=assigned").content))
    assert wb["督办事项"]["B2"].value == "背街小巷整治" and wb["督办事项"]["D2"].value == "南关街街道"
    empty = load_workbook(io.BytesIO(login("beixiajie").get("/supervision/matters/export/").content))
    assert empty["督办事项"].max_row == 1


def test_import_all_or_nothing_with_row_errors(org, login):
    c = login("supervisor")
    bad = _xlsx([
        ["拆违", "南关街街道", "城建局、城管局", "2021-03-31", "", 5, "重要"],
        ["清运", "不存在街道", "", "2021-03-31", "2021-04-10", "", ""],
        ["绿化", "北下街街道", "", "2021-03-31", "2021-03-01", "", ""],
        ["照明", "北下街街道", "", "2021-03-31", "", "", "超级"],
    ])  # fmt: skip
    r = c.post("/supervision/matters/import/", {"file": bad})
    body = r.content.decode()
    assert "第 4 行「牵头单位」" in body and "第 5 行「办理时限」" in body and "早于交办日期" in body
    assert "第 6 行「优先级」" in body and Matter.objects.count() == 0


def test_import_check_only_then_for_real(org, login):
    c = login("supervisor")
    rows = [
        ["拆违", "南关街街道", "城建局，城管局", "2021-03-31", "", 5, "重要"],
        ["清运", "北下街街道", "", "2021-03-31", "2021-04-10", "", ""],
    ]
    r = c.post("/supervision/matters/import/", {"file": _xlsx(rows), "check_only": "1"}, follow=True)
    assert "检查通过" in r.content.decode() and Matter.objects.count() == 0
    r = c.post("/supervision/matters/import/", {"file": _xlsx(rows)})
    assert r.status_code == 302 and Matter.objects.count() == 2
    m = Matter.objects.get(title="拆违")
    assert m.priority == "high" and m.supporting_units.count() == 2 and str(m.deadline) == "2021-04-08"


def test_import_refused_for_street_and_non_excel(org, login):
    assert login("nanguan").get("/supervision/matters/import/").status_code == 403
    r = login("supervisor").post(
        "/supervision/matters/import/", {"file": SimpleUploadedFile("x.xlsx", b"MZ\x00\x00")}
    )
    assert "扩展名不符" in r.content.decode()
