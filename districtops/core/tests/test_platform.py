"""Clock, demo idempotence, the language default, static files and the Excel reader's helpers."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from districtops.core import clock

pytestmark = pytest.mark.django_db


def test_clock_is_pinned_in_tests(monkeypatch):
    assert clock.today() == dt.date(2021, 3, 31)
    monkeypatch.setenv("DISTRICTOPS_TODAY", "2021-02-25")
    assert clock.today() == dt.date(2021, 2, 25) and clock.now().date() == dt.date(2021, 2, 25)


def test_demo_prints_the_accounts_and_twice_doubles_nothing(org):
    from django.contrib.auth import get_user_model

    from districtops.org.models import Membership, Unit

    before = (Unit.objects.count(), get_user_model().objects.count(), Membership.objects.count())
    out = io.StringIO()
    call_command("demo", stdout=out)
    call_command("demo", stdout=io.StringIO())
    assert (Unit.objects.count(), get_user_model().objects.count(), Membership.objects.count()) == before
    text = out.getvalue()
    for username in [
        "leader",
        "supervisor",
        "nanguan",
        "beixiajie",
        "chengjian",
        "tongji",
        "sysadmin",
        "secadmin",
        "auditadmin",
    ]:
        assert username in text
    assert "Demo@2021" in text


def test_guancheng_has_its_fourteen_township_units(org):
    from districtops.org.models import Unit

    streets = Unit.objects.filter(district__division_code="410104", kind="subdistrict")
    assert streets.count() == 14
    assert set(streets.values_list("division_code", flat=True)) >= {"410104001", "410104202", "410104570"}


def test_excel_reader_finds_header_units_and_bad_cells():
    from openpyxl import Workbook

    from districtops.core import excel

    wb = Workbook()
    ws = wb.active
    ws.append(["2021年1-2月 规模以上企业名录"])  # a title row above the header
    ws.append([])
    ws.append(["单位详细名称", "统一社会信用代码", "营业收入（千元）", "开业日期", "类型"])
    ws.append(["甲公司", "91350100M000100Y43", "１２３４", "2021/2/5", "是"])
    ws.append([None, None, None, None, None])
    ws.append(["乙公司", "x", "abc", "not a date", "也许"])
    buf = io.BytesIO()
    wb.save(buf)
    columns = [
        excel.Column("name", "企业名称", aliases=("单位详细名称", "单位名称"), required=True),
        excel.Column("code", "统一社会信用代码", aliases=("信用代码",), required=True),
        excel.Column("revenue", "营业收入", aliases=("主营业务收入",), kind="money"),
        excel.Column("opened", "开业日期", kind="date"),
        excel.Column("flag", "类型", kind="bool"),
    ]
    table = excel.read_table(io.BytesIO(buf.getvalue()), columns)
    assert table.header_row == 3
    assert table.rows[0]["revenue"] == 1234000 and table.rows[0]["opened"] == dt.date(2021, 2, 5)
    assert len(table.rows) == 2
    errors = {(e.row, e.column) for e in table.errors}
    assert errors == {(6, "营业收入（千元）"), (6, "开业日期"), (6, "类型")}


def test_excel_reader_reports_missing_columns_and_non_excel():
    from districtops.core import excel

    table = excel.read_table(io.BytesIO(b"not excel at all"), [excel.Column("a", "甲", required=True)])
    assert not table.ok and table.errors[0].column == "文件"
    content = excel.write_workbook([("表", [excel.Column("b", "乙")], [["x"]])])
    table = excel.read_table(io.BytesIO(content), [excel.Column("a", "甲", required=True)])
    assert not table.ok and "找不到表头" in table.errors[0].message


def test_chinese_by_default_whatever_the_browser_says(org, login):
    client = login("nanguan")
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "我的单位与角色" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "My units and roles" in client.get("/").content.decode()


def test_production_static_files_collect_with_hashed_names(settings, tmp_path):
    """collectstatic with the production storage (hashed, compressed) over the npm assets."""
    settings.STATIC_ROOT = tmp_path
    # Compression is whitenoise's own (tested there) and takes minutes over the npm assets.
    settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
        "css",
        "js",
        "map",
        "svg",
        "json",
        "txt",
        "html",
        "md",
        "mjs",
        "ts",
        "xml",
        "woff",
        "woff2",
        "ttf",
        "eot",
        "png",
        "ico",
    ]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "districtops.core.staticfiles.StaticStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)  # the settings fixture resets the storage
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/tabler/css/tabler.min.css" in manifest and "vendor/echarts/echarts.min.js" in manifest
