"""Bank/treasury statements reconciled against the funds ledger (projects/statements.py)."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from districtops.audit.models import AuditRecord
from districtops.core import excel
from districtops.projects import services, statements
from districtops.projects.models import FundSource, StatementLine, StatementResult

D = dt.date
CITY = FundSource.CITY


def _add(project, kind, day, amount, reference=""):
    return services.add_fund_entry(
        None, project, source=CITY, kind=kind, date=day, amount=amount, reference=reference
    )


@pytest.fixture
def ledger(road):
    """T-001's ledger: 拨-001 500,000 (3-05), 支-001 200,000 (3-10), 支-002 100,000 (3-20),
    支-003 50,000 (3-25), 支-004 30,000 (3-15)."""
    _add(road, "applied", D(2021, 3, 1), 1_000_000)
    _add(road, "approved", D(2021, 3, 2), 1_000_000)
    entries = {
        "拨-001": _add(road, "allocated", D(2021, 3, 5), 500_000, "拨-001"),
        "支-001": _add(road, "disbursed", D(2021, 3, 10), 200_000, "支-001"),
        "支-004": _add(road, "disbursed", D(2021, 3, 15), 30_000, "支-004"),
        "支-002": _add(road, "disbursed", D(2021, 3, 20), 100_000, "支-002"),
        "支-003": _add(road, "disbursed", D(2021, 3, 25), 50_000, "支-003"),
    }
    return entries


def workbook(rows, template=None) -> bytes:
    """The downloaded template (or the service's own) filled in with openpyxl, as a person would."""
    wb = openpyxl.load_workbook(io.BytesIO(template or statements.template()))
    ws = wb["对账单"]
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(rows, name="对账单.xlsx"):
    return SimpleUploadedFile(name, workbook(rows))


HAPPY = [
    (D(2021, 3, 6), "拨-001", 500000, "T-001", "零余额账户拨付"),  # one day later: 已匹配
    (D(2021, 3, 12), "支-001", 200000, "T-001", ""),  # two days later: 已匹配
    (D(2021, 3, 20), "支-002", 99000, "T-001", ""),  # 金额不符
    (D(2021, 3, 22), "支-004", 30000, "T-001", ""),  # seven days later: 日期不符
    (D(2021, 3, 28), "支-009", 1000, "T-001", "手续费"),  # 未入账
]


def _refused(user, rows, **kwargs):
    with pytest.raises(excel.ImportRefused) as exc:
        statements.reconcile(user, io.BytesIO(workbook(rows)), check_only=False, **kwargs)
    return exc.value


@pytest.mark.django_db
def test_happy_path_matches_mismatches_and_unbooked_rows(ledger, users):
    audits = AuditRecord.objects.count()
    result = statements.reconcile(
        users["nanguan"], io.BytesIO(workbook(HAPPY)), check_only=False, filename="三月.xlsx"
    )
    assert result.written and result.counts == {"matched": 2, "amount": 1, "date": 1, "unbooked": 1}
    by_ref = {line.reference: line for line in StatementLine.objects.all()}
    assert by_ref["拨-001"].result == StatementResult.MATCHED and by_ref["拨-001"].entry == ledger["拨-001"]
    assert by_ref["支-002"].result == StatementResult.AMOUNT and by_ref["支-002"].entry == ledger["支-002"]
    assert by_ref["支-004"].result == StatementResult.DATE
    assert by_ref["支-009"].result == StatementResult.UNBOOKED and by_ref["支-009"].entry is None
    assert by_ref["拨-001"].summary == "零余额账户拨付" and by_ref["拨-001"].file_name == "三月.xlsx"
    assert by_ref["拨-001"].imported_by == users["nanguan"]
    # Both values are listed for a mismatch.
    row = next(r for r in result.as_dict()["rows"] if r["reference"] == "支-002")
    assert (row["amount"], row["ledger"]["amount"]) == ("99000.00", "100000.00")
    # 支-003 (3-25) lies in the file's dates and no row met it: 未到账.
    assert [e.reference for e in result.unmatched] == ["支-003"]
    # One create record per line plus one import record.
    assert AuditRecord.objects.count() - audits == 6
    assert AuditRecord.objects.filter(action="import", object_type="projects.statementline").count() == 1


@pytest.mark.django_db
def test_a_row_matching_two_ledger_rows_refuses_the_whole_file(ledger, road, users):
    _add(road, "disbursed", D(2021, 3, 16), 10_000, "支-005")
    _add(road, "disbursed", D(2021, 3, 17), 10_000, "支-005")
    refused = _refused(users["nanguan"], [*HAPPY, (D(2021, 3, 16), "支-005", 10000, "T-001", "")])
    assert [(e.row, e.column) for e in refused.errors] == [(7, "凭证号")]
    assert "对应 2 笔台账记录" in refused.errors[0].message and str(refused.errors[0]).startswith(
        "第 7 行「凭证号」"
    )
    assert StatementLine.objects.count() == 0


@pytest.mark.django_db
def test_bad_rows_are_refused_with_row_and_column(ledger, users):
    rows = [
        (D(2021, 3, 6), "拨-001", 500000, "T-001", ""),
        (D(2021, 3, 12), "支-001", 200000, "NOPE", ""),  # unknown project
        ("2021-02-30", "支-002", 100000, "T-001", ""),  # a date that does not exist
        (D(2021, 3, 20), "支-004", "三万", "T-001", ""),  # not a number
        (D(2021, 3, 20), "支-006", 0, "T-001", ""),  # not above zero
        (D(2021, 3, 20), "支-007", -5, "T-001", ""),
        (D(2021, 3, 21), "拨-001", 1, "T-001", ""),  # 凭证号 again
        (D(2021, 3, 21), "支-008", 1.005, "T-001", ""),  # a fraction of a fen
        (D(2021, 3, 21), "支" * 81, 1, "T-001", ""),  # longer than the ledger's 凭证号
        (None, "支-010", 1, "T-001", ""),  # no date
    ]
    found = {(e.row, e.column) for e in _refused(users["nanguan"], rows).errors}
    assert found == {
        (3, "项目编号"),
        (4, "交易日期"),
        (5, "金额（元）"),
        (6, "金额（元）"),
        (7, "金额（元）"),
        (8, "凭证号"),
        (9, "金额（元）"),
        (10, "凭证号"),
        (11, "交易日期"),
    }
    assert StatementLine.objects.count() == 0


@pytest.mark.django_db
def test_another_districts_project_is_refused(ledger, users, category, org):
    services.create_construction_project(
        None,
        code="JS-001",
        name="金水道路工程",
        category=category,
        lead_unit=org["jinshui_street"],
        planned_start=D(2021, 1, 1),
        planned_end=D(2021, 6, 30),
    )
    refused = _refused(users["nanguan"], [*HAPPY, (D(2021, 3, 6), "支-100", 10, "JS-001", "")])
    assert [(e.row, e.column) for e in refused.errors] == [(7, "项目编号")]
    assert "JS-001" in refused.errors[0].message
    # … and 金水's own person may not reconcile 管城's project either.
    refused = _refused(users["jinshui"], HAPPY[:1])
    assert [(e.row, e.column) for e in refused.errors] == [(2, "项目编号")]
    assert StatementLine.objects.count() == 0


@pytest.mark.django_db
def test_a_project_seen_but_not_written_is_refused(ledger, road, users, monkeypatch):
    # A reader who may write some other project's ledger, but only see this one.
    from districtops.projects.models import ConstructionProject

    real = ConstructionProject.objects.restrict

    def restrict(user, action="view"):
        qs = real(user, action)
        return qs.exclude(pk=road.pk) if action == "report" else qs

    monkeypatch.setattr(ConstructionProject.objects, "restrict", restrict)
    refused = _refused(users["nanguan"], HAPPY[:1])
    assert [(e.row, e.column) for e in refused.errors] == [(2, "项目编号")]
    assert "无权" in refused.errors[0].message


@pytest.mark.django_db
def test_the_write_service_checks_the_ledger_permission(ledger, road, users):
    from django.core.exceptions import PermissionDenied

    line = statements.Line(2, road, D(2021, 3, 6), "拨-001", Decimal(500000), result=StatementResult.UNBOOKED)
    with pytest.raises(PermissionDenied):
        statements.record_statement(users["tongji"], [line])
    assert StatementLine.objects.count() == 0


@pytest.mark.django_db
def test_check_only_writes_nothing(ledger, users):
    audits = AuditRecord.objects.count()
    result = statements.reconcile(users["nanguan"], io.BytesIO(workbook(HAPPY)), check_only=True)
    assert not result.written and result.counts["matched"] == 2
    assert StatementLine.objects.count() == 0 and AuditRecord.objects.count() == audits


@pytest.mark.django_db
def test_reimport_of_reconciled_rows_is_refused(ledger, users):
    statements.reconcile(users["nanguan"], io.BytesIO(workbook(HAPPY[:2])), check_only=False)
    refused = _refused(users["nanguan"], [HAPPY[2], HAPPY[1]])
    assert [(e.row, e.column) for e in refused.errors] == [(3, "凭证号")]
    assert "已于" in refused.errors[0].message
    assert StatementLine.objects.count() == 2
    # A matched ledger row is no longer 未到账 in a later file.
    later = statements.reconcile(users["nanguan"], io.BytesIO(workbook([HAPPY[2]])), check_only=True)
    assert [e.reference for e in later.unmatched] == []


@pytest.mark.django_db
def test_reversed_ledger_rows_are_not_matched(ledger, users):
    services.reverse_fund_entry(None, ledger["支-003"], date=D(2021, 3, 26), reason="重复登记")
    result = statements.reconcile(
        users["nanguan"],
        io.BytesIO(workbook([(D(2021, 3, 25), "支-003", 50000, "T-001", "")])),
        check_only=True,
    )
    assert result.lines[0].result == StatementResult.UNBOOKED and result.unmatched == []


@pytest.mark.django_db
def test_page_preview_then_confirm(ledger, login):
    client = login("nanguan")
    assert b"/projects/funds/statements/" in client.get("/projects/funds/").content
    template = client.get("/projects/funds/statements/?template=1")
    assert template.status_code == 200
    filled = SimpleUploadedFile("三月.xlsx", workbook(HAPPY, template=template.content))
    page = client.post("/projects/funds/statements/", {"file": filled})
    assert page.status_code == 200 and page.context["stage"] and not page.context["errors"]
    assert page.context["result"].counts["unbooked"] == 1 and StatementLine.objects.count() == 0
    assert "未入账" in page.content.decode() and "支-003" in page.content.decode()
    done = client.post("/projects/funds/statements/", {"stage": page.context["stage"]})
    assert done.context["result"].written and StatementLine.objects.count() == 5
    again = client.post("/projects/funds/statements/", {"stage": page.context["stage"]})
    assert again.context["errors"] and StatementLine.objects.count() == 5


@pytest.mark.django_db
def test_page_shows_the_refusal(ledger, login):
    page = login("nanguan").post(
        "/projects/funds/statements/", {"file": upload([("x", "支-001", 1, "T-001", "")])}
    )
    assert page.context["refused"] and not page.context["stage"]
    assert "第 2 行「交易日期」" in page.content.decode()


@pytest.mark.django_db
def test_page_refused_without_the_ledger_permission(ledger, login):
    client = login("tongji")  # the statistician may write no project's ledger
    assert client.get("/projects/funds/statements/").status_code == 403
    assert client.post("/projects/funds/statements/", {"file": upload(HAPPY)}).status_code == 403
    assert b"/projects/funds/statements/" not in client.get("/projects/funds/").content
    assert StatementLine.objects.count() == 0


@pytest.mark.django_db
def test_api_check_only_and_import(ledger, api_client):
    client = api_client("nanguan")
    checked = client.post("/api/v1/projects/statements/", {"file": upload(HAPPY), "check_only": "true"})
    assert checked.status_code == 200, checked.content
    body = checked.json()
    assert body["check_only"] and not body["written"] and body["counts"]["amount"] == 1
    assert [u["reference"] for u in body["unmatched"]] == ["支-003"] and StatementLine.objects.count() == 0
    done = client.post("/api/v1/projects/statements/", {"file": upload(HAPPY)})
    assert done.status_code == 200 and done.json()["written"] and StatementLine.objects.count() == 5
    again = client.post("/api/v1/projects/statements/", {"file": upload(HAPPY)})
    assert again.status_code == 422
    errors = again.json()["errors"]
    assert len(errors) == 5 and {e["column"] for e in errors} == {"凭证号"} and errors[0]["row"] == 2


@pytest.mark.django_db
def test_api_refused_without_the_ledger_permission(ledger, api_client):
    response = api_client("tongji").post("/api/v1/projects/statements/", {"file": upload(HAPPY)})
    assert response.status_code == 403 and "无权" in response.json()["detail"]
    assert StatementLine.objects.count() == 0


@pytest.mark.django_db
def test_a_row_reconciled_in_between_refuses_the_confirm_step(ledger, road, users):
    from django.core.exceptions import ValidationError

    checked = statements.reconcile(users["nanguan"], io.BytesIO(workbook(HAPPY)), check_only=True)
    statements.record_statement(users["nanguan"], checked.lines[1:2])  # somebody else, meanwhile
    with pytest.raises(ValidationError) as exc:
        statements.record_statement(users["nanguan"], checked.lines)
    assert "已被他人对账" in exc.value.messages[0]
    assert StatementLine.objects.count() == 1
