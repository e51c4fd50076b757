"""Economy's imports take their own exports back: the register export (matched by credit code)
and a corrected monthly report file (a new version per changed report, never a second report)."""

import io

import pytest
from openpyxl import load_workbook

from districtops.audit.models import AuditRecord
from districtops.core.tests.xlsx_tools import edit, rows
from districtops.economy import imports
from districtops.economy.models import Enterprise, MonthlyReport
from districtops.economy.samples import fictional_credit_code

from .conftest import import_industry, industry_history, industry_row

pytestmark = pytest.mark.django_db


def test_register_export_reimports_and_two_edited_rows_update(economy, login, users):
    exported = login("tongji").get("/economy/enterprises/export/").content
    assert len(rows(exported, "企业名录")) == 3
    same = imports.import_enterprises(users["tongji"], exported, "名录.xlsx")
    assert same.accepted, [str(e) for e in same.errors]
    assert same.summary["created"] == 0 and same.summary["updated"] == 0 and Enterprise.objects.count() == 3
    upload = edit(exported, "企业名录", "统一社会信用代码", {
        fictional_credit_code(1): {"单位详细名称": "示例机械制造股份有限公司"},
        fictional_credit_code(2): {"营业收入（万元）": 2500},
    })  # fmt: skip
    before = AuditRecord.objects.count()
    result = imports.import_enterprises(users["tongji"], upload.read(), "名录.xlsx")
    assert result.accepted, [str(e) for e in result.errors]
    assert result.summary["created"] == 0 and result.summary["updated"] == 2
    assert Enterprise.objects.count() == 3
    assert Enterprise.objects.get(credit_code=fictional_credit_code(1)).name == "示例机械制造股份有限公司"
    assert Enterprise.objects.get(credit_code=fictional_credit_code(2)).is_above_scale  # 2500 万元 ≥ 2000
    assert AuditRecord.objects.count() > before


def test_register_export_has_filter_and_number_formats(economy, login):
    ws = load_workbook(io.BytesIO(login("tongji").get("/economy/enterprises/export/").content))["企业名录"]
    assert ws.auto_filter.ref.startswith("A1:")
    revenue = next(c for c in ws[1] if c.value == "营业收入（万元）").column
    assert ws.cell(row=2, column=revenue).data_type == "n"


def test_corrected_monthly_file_makes_new_versions_not_new_reports(economy):
    history = industry_history(1, year_from=2021) + industry_history(2, year_from=2021)
    assert import_industry(history).accepted
    current = MonthlyReport.objects.filter(is_current=True).count()
    again = import_industry(history)  # the same file again: nothing new
    assert again.accepted and MonthlyReport.objects.filter(is_current=True).count() == current
    edited = [
        industry_row(1, "2021年1-2月", 30000, 30000, power=200000),
        industry_row(2, "2021年1-2月", 25000, 25000, power=180000),
    ]
    assert import_industry(edited).accepted
    assert MonthlyReport.objects.filter(is_current=True).count() == current
    assert MonthlyReport.objects.filter(period="2021-02-01", version=2).count() == 2
