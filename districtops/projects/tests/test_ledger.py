"""The funds ledger: balances hold at every date, corrections are reversals, totals are derived."""

import datetime as dt
import importlib
import random
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from districtops.audit.models import AuditRecord
from districtops.projects import ledger, services
from districtops.projects.models import FUND_STEPS, FundEntry, FundRecord, FundSource

from .conftest import pdf

D = dt.date
CITY = FundSource.CITY


def _add(user, project, kind, day, amount, source=CITY, **extra):
    return services.add_fund_entry(user, project, source=source, kind=kind, date=day, amount=amount, **extra)


def _refused(user, project, kind, day, amount, source=CITY):
    with pytest.raises(ValidationError) as exc:
        _add(user, project, kind, day, amount, source)
    return exc.value.message_dict["amount"][0]


@pytest.mark.django_db
def test_each_rule_is_checked_at_the_date_not_only_in_total(road, users):
    u = users["nanguan"]
    _add(u, road, "applied", D(2021, 3, 10), 100)
    # In total 100 ≤ 100, but on 3 March nothing had been applied for.
    msg = _refused(u, road, "approved", D(2021, 3, 1), 100)
    assert "2021-03-01 的批复累计 100.00 元将超过申请累计 0.00 元" in msg and msg.startswith("市级资金")
    _add(u, road, "approved", D(2021, 3, 12), 100, reference="郑财〔2021〕12号")
    assert "拨付累计" in _refused(u, road, "allocated", D(2021, 3, 11), 50)
    _add(u, road, "allocated", D(2021, 3, 15), 50, counterparty="区财政零余额账户")
    msg = _refused(u, road, "disbursed", D(2021, 3, 14), 10)
    assert "2021-03-14 的支出累计 10.00 元将超过拨付累计 0.00 元" in msg and "支出早于批复" not in msg
    assert "审计确认累计" in _refused(u, road, "audited", D(2021, 3, 16), 1)
    _add(u, road, "disbursed", D(2021, 3, 16), 50, counterparty="中建七局", contract="施工合同 SG-01")
    # Another source has its own balances.
    msg = _refused(u, road, "disbursed", D(2021, 3, 20), 1, source=FundSource.DISTRICT)
    assert msg.startswith("区级资金") and "支出早于批复" in msg  # money spent before any approval is named
    assert list(FundEntry.objects.values_list("kind", flat=True)) == [
        "applied",
        "approved",
        "allocated",
        "disbursed",
    ]
    fund = FundRecord.objects.get(project=road, source=CITY)
    assert (fund.applied, fund.approved, fund.allocated, fund.disbursed) == (100, 100, 50, 50)


@pytest.mark.django_db
def test_a_backdated_row_may_not_break_a_later_date(road, users):
    u = users["nanguan"]
    _add(u, road, "applied", D(2021, 3, 1), 100)
    _add(u, road, "approved", D(2021, 3, 2), 100)
    _add(u, road, "allocated", D(2021, 3, 3), 100)
    first = FundEntry.objects.get(kind="approved")
    with pytest.raises(ValidationError) as exc:  # allocated 100 would exceed approved 0 from 5 March
        services.reverse_fund_entry(u, first, date=D(2021, 3, 5), reason="文号错误")
    assert "拨付累计 100.00 元将超过批复累计 0.00 元" in exc.value.message_dict["amount"][0]
    assert FundEntry.objects.count() == 3


@pytest.mark.django_db
def test_reversal_keeps_the_original_and_cancels_it_once(road, users):
    u = users["nanguan"]
    for kind in ("applied", "approved", "allocated"):
        _add(u, road, kind, D(2021, 3, 1), 100)
    spent = _add(u, road, "disbursed", D(2021, 3, 2), 80, reference="记-0042")
    audits = AuditRecord.objects.count()
    back = services.reverse_fund_entry(u, spent, date=D(2021, 3, 4), reason="收款单位填错")
    assert back.amount == Decimal(-80) and back.reverses == spent and back.opinion == "冲销：收款单位填错"
    assert AuditRecord.objects.count() > audits
    spent.refresh_from_db()
    assert spent.amount == 80  # the original row is untouched
    assert FundRecord.objects.get(project=road, source=CITY).disbursed == 0
    for target, field in ((spent, "reverses"), (back, "reverses")):
        with pytest.raises(ValidationError) as exc:
            services.reverse_fund_entry(u, target, date=D(2021, 3, 5), reason="再冲")
        assert field in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.reverse_fund_entry(u, FundEntry.objects.get(kind="applied"), date=D(2021, 3, 5), reason="")
    assert "opinion" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.reverse_fund_entry(u, FundEntry.objects.get(kind="applied"), date=D(2021, 2, 1), reason="早")
    assert "date" in exc.value.message_dict


@pytest.mark.django_db
def test_derived_totals_equal_the_sum_of_rows_and_hold_at_every_date(road, users):
    rng = random.Random(16)
    u = users["nanguan"]
    for _ in range(60):
        source = rng.choice([CITY, FundSource.DISTRICT])
        kind = rng.choice(FUND_STEPS)
        day = D(2021, 1, 1) + dt.timedelta(days=rng.randrange(60))
        try:
            _add(u, road, kind, day, Decimal(rng.randrange(1, 500)), source=source)
        except ValidationError:
            pass
    assert FundEntry.objects.count() > 10
    for source in (CITY, FundSource.DISTRICT):
        rows = list(FundEntry.objects.filter(project=road, source=source))
        fund = FundRecord.objects.get(project=road, source=source)
        assert {s: getattr(fund, s) for s in FUND_STEPS} == {
            s: sum(r.amount for r in rows if r.kind == s) for s in FUND_STEPS
        }
        for _entry, cum, early in ledger.running(rows):
            assert cum["approved"] <= cum["applied"] and cum["allocated"] <= cum["approved"]
            assert cum["disbursed"] <= cum["allocated"] and cum["audited"] <= cum["disbursed"] and not early


@pytest.mark.django_db
def test_opening_entries_equal_the_old_snapshot(road):
    snapshot = dict(
        applied=Decimal("1200.50"),
        approved=Decimal(1000),
        allocated=Decimal(800),
        disbursed=Decimal(300),
        audited=0,
    )
    FundRecord.objects.create(project=road, source=CITY, **snapshot)
    migration = importlib.import_module(
        "districtops.projects.migrations.0005_fund_snapshot_to_opening_entries"
    )
    migration.forwards(apps, None)
    rows = list(FundEntry.objects.filter(project=road, source=CITY))
    assert all(r.is_opening and r.date == road.planned_start for r in rows)
    assert ledger.totals(rows) == {k: Decimal(v) for k, v in snapshot.items()}
    assert len(rows) == 4  # no row for a zero figure


@pytest.mark.django_db
def test_foreign_user_cannot_add_or_reverse(road, users, login):
    for kind in ("applied", "approved"):
        _add(users["nanguan"], road, kind, D(2021, 3, 1), 100)
    entry = FundEntry.objects.first()
    data = {"source": "city", "kind": "applied", "date": "2021-03-01", "amount": "1"}
    assert login("beixiajie").post(f"/projects/construction/{road.pk}/funds/", data).status_code == 404
    assert (
        login("beixiajie")
        .post(f"/projects/funds/{entry.pk}/reverse/", {"date": "2021-03-02", "reason": "x"})
        .status_code
        == 404
    )
    assert FundEntry.objects.count() == 2


@pytest.mark.django_db
def test_attachment_goes_through_the_upload_checks(road, users):
    u = users["nanguan"]
    entry = _add(u, road, "applied", D(2021, 3, 1), 100, document=pdf("申请书.pdf"))
    assert entry.document.name.endswith(".pdf")
    fake = SimpleUploadedFile("批复.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        _add(u, road, "approved", D(2021, 3, 2), 100, document=fake)
    assert "document" in exc.value.message_dict and FundEntry.objects.count() == 1


@pytest.mark.django_db
def test_project_page_shows_the_ledger_with_running_balances(road, users, login):
    u = users["nanguan"]
    _add(u, road, "applied", D(2021, 3, 1), Decimal("1234567.89"))
    _add(u, road, "approved", D(2021, 3, 2), 1000000, reference="管发改〔2021〕7号")
    _add(u, road, "allocated", D(2021, 3, 3), 600000)
    page = login("nanguan").get(road.get_absolute_url()).content.decode()
    assert 'data-testid="fund-ledger"' in page and "管发改〔2021〕7号" in page
    assert 'title="1234567.89 元"' in page and "123.46" in page
    assert 'title="1000000.00 − 600000.00 元">40.00' in page  # approved not yet allocated, 万元
    assert 'data-testid="fund-entry-form"' in page


@pytest.mark.django_db
def test_ledger_export_carries_exact_yuan_and_running_balances(road, users, login):
    import io

    from openpyxl import load_workbook

    u = users["nanguan"]
    _add(u, road, "applied", D(2021, 3, 1), Decimal("1234567.89"))
    _add(u, road, "approved", D(2021, 3, 2), Decimal("1000000.01"))
    _add(u, road, "allocated", D(2021, 3, 3), 600000)
    response = login("nanguan").get(f"/projects/construction/{road.pk}/funds/export/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[0]]
    assert [Decimal(str(r["金额（元）"])) for r in body] == [
        Decimal("1234567.89"),
        Decimal("1000000.01"),
        600000,
    ]
    assert Decimal(str(body[-1]["批复未拨付（元）"])) == Decimal("400000.01")
    assert login("beixiajie").get(f"/projects/construction/{road.pk}/funds/export/").status_code == 404


@pytest.mark.django_db
def test_scale_generator_writes_totals_that_equal_its_ledger_rows(config):
    from django.db.models import Sum

    from districtops.projects import scale

    scale.generate(size=0.0005)
    funds = FundRecord.objects.all()
    assert funds.exists()
    sums = {
        (r["project_id"], r["source"], r["kind"]): r["s"]
        for r in FundEntry.objects.values("project_id", "source", "kind").annotate(s=Sum("amount"))
    }
    for fund in funds:
        for step in FUND_STEPS:
            assert sums.get((fund.project_id, fund.source, step), 0) == getattr(fund, step)
