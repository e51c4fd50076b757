"""规上工业增加值 growth at comparable prices: the PPI table, the deflated same-set growth, who may
enter indices, and the missing-index case."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districtops.audit.models import AuditRecord
from districtops.economy import services
from districtops.economy.models import Enterprise, IndicatorValue, PriceIndex
from districtops.economy.periods import Period

from .conftest import import_industry, industry_row

pytestmark = pytest.mark.django_db
P2020, P2021 = Period(2020, 2), Period(2021, 2)
VA = "industrial_value_added"


def va(unit_code="410104", period="2021-02-01"):
    return IndicatorValue.objects.get(indicator__code=VA, unit__division_code=unit_code, period=period)


@pytest.fixture
def two_factories(economy):
    """Enterprise 1 (division 34, 南关街) and 2 (division 14, 北下街), 1-2月 2020 and 2021, in 千元."""
    result = import_industry(
        [
            industry_row(1, "2020-02", 10037, 10037, power=100370),
            industry_row(2, "2020-02", 20011, 20011, power=200110),
            industry_row(1, "2021-02", 12043, 12043, power=120430),
            industry_row(2, "2021-02", 21019, 21019, power=210190),
        ]
    )
    assert result.accepted, [str(e) for e in result.errors]
    return economy


def enter(district, division, period, index, actor=None):
    return services.save_price_index(actor, district, division=division, period=period, index=Decimal(index))


def test_hand_computed_growth(two_factories):
    district = two_factories["districts"]["410104"]
    enter(district, "34", P2021, "104.00")
    enter(district, "14", P2021, "98.00")
    # 12043 ÷ 1.04 + 21019 ÷ 0.98 = 11579.81 + 21447.96 = 33027.77 against 10037 + 20011 = 30048
    # → +9.92 % (at current prices the output grew 33062 ÷ 30048 → +10.03 %).
    value = va()
    assert value.growth == Decimal("9.92")
    assert value.cumulative is None and value.cumulative_last_year is None  # no level of value added
    assert value.enterprise_count == 2 and value.note == ""
    nominal = IndicatorValue.objects.get(
        indicator__code="industrial_output", unit__division_code="410104", period="2021-02-01"
    )
    assert nominal.growth == Decimal("10.03")
    # Per street: enterprise 1's street has it alone: 12043 ÷ 1.04 ÷ 10037 → +15.37 %.
    factory = Enterprise.objects.get(industry_code="3411")
    street = IndicatorValue.objects.get(indicator__code=VA, unit=factory.street, period="2021-02-01")
    assert street.growth == Decimal("15.37")


def test_missing_index_means_no_value_and_a_reason(two_factories, login):
    district = two_factories["districts"]["410104"]
    enter(district, "34", P2021, "104.00")
    value = va()
    assert value.growth is None
    assert value.note.startswith("缺少价格指数") and "14" in value.note
    page = login("tongji").get("/economy/", {"period": "2021-02"})
    assert "缺少价格指数" in page.content.decode()
    # The all-industry index stands in for a division without its own:
    # 12043 ÷ 1.04 + 21019 ÷ 1.00 = 32598.81 against 30048 → +8.49 %.
    enter(district, "", P2021, "100")
    assert va().growth == Decimal("8.49") and va().note == ""


def test_recomputed_when_an_index_is_entered_or_corrected(two_factories):
    district = two_factories["districts"]["410104"]
    enter(district, "34", P2021, "104")
    assert va().growth is None
    row = enter(district, "14", P2021, "98")
    assert va().growth == Decimal("9.92")
    services.save_price_index(
        None, district, division="14", period=P2021, index=Decimal("105"), expected_version=row.version
    )
    # 11579.81 + 21019 ÷ 1.05 = 31597.90 against 30048 → +5.16 %
    assert va().growth == Decimal("5.16")
    assert PriceIndex.objects.get(division="14").version == row.version + 1
    assert AuditRecord.objects.filter(object_type="economy.priceindex", object_id=str(row.pk)).count() == 2


def test_same_set_rule(economy):
    """An enterprise without last year's report counts in the number but not in the growth, and
    needs no index."""
    district = economy["districts"]["410104"]
    import_industry(
        [
            industry_row(1, "2020-02", 10037, 10037, power=100370),
            industry_row(1, "2021-02", 12043, 12043, power=120430),
            industry_row(2, "2021-02", 50021, 50021, power=500210),
        ]
    )
    enter(district, "34", P2021, "104")
    value = va()
    assert value.enterprise_count == 2
    assert value.growth == Decimal("15.37")  # 12043 ÷ 1.04 ÷ 10037, enterprise 2 left out


def test_who_may_enter(two_factories, users):
    district = two_factories["districts"]["410104"]
    for name in ("nanguan", "leader", "jinshui"):
        with pytest.raises(PermissionDenied):
            enter(district, "34", P2021, "104", actor=users[name])
    row = enter(district, "34", P2021, "104", actor=users["tongji"])
    assert row.pk and PriceIndex.objects.restrict(users["leader"], "view").filter(pk=row.pk).exists()
    assert not PriceIndex.objects.restrict(users["nanguan"], "view").exists()
    assert not PriceIndex.objects.restrict(users["jinshui"], "view").exists()


@pytest.mark.parametrize(
    ("division", "period", "index", "field", "text"),
    [
        ("34", P2021, "0", "index", "价格指数应在 50 与 200 之间"),
        ("34", P2021, "250", "index", "价格指数应在 50 与 200 之间"),
        ("52", P2021, "101", "division", "不是工业行业大类代码"),
        ("3", P2021, "101", "division", "不是工业行业大类代码"),
        ("34", Period(2021, 5), "101", "period", "晚于当前业务日期"),
    ],
)
def test_bad_input(two_factories, division, period, index, field, text):
    district = two_factories["districts"]["410104"]
    with pytest.raises(ValidationError) as exc:
        enter(district, division, period, index)
    assert text in exc.value.message_dict[field][0]
    assert not PriceIndex.objects.exists()


def test_page(two_factories, login):
    district = two_factories["districts"]["410104"]
    tongji = login("tongji")
    page = tongji.get("/economy/prices/")
    assert page.status_code == 200 and "price-index-form" in page.content.decode()
    bad = tongji.post(
        "/economy/prices/", {"district": district.pk, "division": "34", "period": "2021-02", "index": "0"}
    )
    assert bad.status_code == 200 and "价格指数应在 50 与 200 之间" in bad.content.decode()
    bad = tongji.post(
        "/economy/prices/", {"district": district.pk, "division": "34", "period": "2021-13", "index": "101"}
    )
    assert "无法识别的报告期" in bad.content.decode()
    ok = tongji.post(
        "/economy/prices/", {"district": district.pk, "division": "34", "period": "2021-02", "index": "104"}
    )
    assert ok.status_code == 302
    row = PriceIndex.objects.get()
    assert row.index == Decimal("104.00") and row.period.isoformat() == "2021-02-01"
    edit = tongji.post(f"/economy/prices/{row.pk}/", {"version": row.version, "index": "103.5"})
    assert edit.status_code == 302 and PriceIndex.objects.get().index == Decimal("103.50")
    # A street's staff neither see the form nor reach an index by id; nor does another district.
    street = login("nanguan")
    assert "price-index-form" not in street.get("/economy/prices/").content.decode()
    assert street.get(f"/economy/prices/{row.pk}/").status_code == 404
    assert login("jinshui_leader").get(f"/economy/prices/{row.pk}/").status_code == 404
    denied = street.post(
        "/economy/prices/", {"district": district.pk, "division": "14", "period": "2021-02", "index": "98"}
    )
    assert denied.status_code == 200 and not PriceIndex.objects.filter(division="14").exists()
    # A leader reads but cannot change.
    leader = login("leader")
    assert "103.50" in leader.get("/economy/prices/").content.decode()
    refused = leader.post(f"/economy/prices/{row.pk}/", {"version": 2, "index": "90"})
    assert refused.status_code == 200 and PriceIndex.objects.get().index == Decimal("103.50")


def test_api(two_factories, api_client):
    district = two_factories["districts"]["410104"]
    body = {"district_id": district.pk, "division": "34", "period": "2021-02", "index": "104"}
    url = "/api/v1/economy/price-indices"
    created = api_client("tongji").post(url, body, content_type="application/json")
    assert created.status_code == 201 and created.json()["period"] == "2021-02"
    again = api_client("tongji").post(url, {**body, "index": "104.5"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["index"] == "104.50"
    assert (
        api_client("nanguan")
        .post(url, {**body, "division": "14"}, content_type="application/json")
        .status_code
        == 403
    )
    bad = api_client("tongji").post(url, {**body, "index": "300"}, content_type="application/json")
    assert bad.status_code == 422 and "价格指数应在" in bad.json()["detail"][0]["msg"]
    assert len(api_client("leader").get(url).json()["items"]) == 1
    assert api_client("nanguan").get(url).json()["items"] == []
    pk = created.json()["id"]
    assert (
        api_client("jinshui_leader")
        .patch(f"{url}/{pk}", {"version": 2, "index": "99"}, content_type="application/json")
        .status_code
        == 404
    )
    patched = api_client("tongji").patch(
        f"{url}/{pk}", {"version": 2, "index": "98"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["version"] == 3
    stale = api_client("tongji").patch(
        f"{url}/{pk}", {"version": 2, "index": "97"}, content_type="application/json"
    )
    assert stale.status_code == 409
    dash = api_client("tongji").get("/api/v1/economy/indicators", {"period": "2021-02"}).json()
    row = next(r for r in dash["indicators"] if r["code"] == "industrial_value_added")
    assert row["growth"] is None and "14" in row["note"] and row["deflated"] is True


def test_excel_import_all_or_nothing(two_factories, users, login):
    from districtops.economy.samples import xlsx_bytes

    district = two_factories["districts"]["410104"]
    header = ["行业大类代码", "报告期", "价格指数（上年同期=100）", "备注"]
    bad = xlsx_bytes(
        [header, ["34", "2021年1-2月", 104, ""], ["52", "2021-02", 101, ""], ["14", "2021-02", 300, ""]],
        title_rows=["工业生产者出厂价格指数（示例）"],
    )
    saved, errors = services.import_price_indices(users["tongji"], district, bad, "ppi.xlsx")
    assert saved == 0 and not PriceIndex.objects.exists()
    assert {(e.row, e.column) for e in errors} == {(4, "行业大类代码"), (5, "价格指数")}, [
        e.as_dict() for e in errors
    ]
    with pytest.raises(PermissionDenied):
        services.import_price_indices(users["nanguan"], district, bad, "ppi.xlsx")
    good = xlsx_bytes(
        [header, ["34", "2021年1-2月", 104, ""], [14, "2021-02", 98, ""], ["全部工业", "2021-02", 100.5, ""]]
    )
    page = login("tongji").post(
        "/economy/prices/import/",
        {"district": district.pk, "file": _upload(good)},
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    assert PriceIndex.objects.count() == 3 and PriceIndex.objects.get(division="").index == Decimal("100.50")
    assert va().growth == Decimal("9.92")
    refused = login("tongji").post("/economy/prices/import/", {"district": district.pk, "file": _upload(bad)})
    assert refused.status_code == 200 and "不是工业行业大类代码" in refused.content.decode()


def _upload(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "ppi.xlsx", content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_fresh_after_an_import_and_in_the_export(economy, login):
    """Indices entered first: the import that brings the reports computes the growth in its own
    transaction; the dashboard export carries the reason when an index is missing."""
    from districtops.core.excel import Column, read_table

    district = economy["districts"]["410104"]
    enter(district, "34", P2021, "104")
    import_industry([industry_row(1, "2020-02", 10037, 10037, power=100370)])
    import_industry([industry_row(1, "2021-02", 12043, 12043, power=120430)])
    assert va().growth == Decimal("15.37")
    import_industry([industry_row(2, "2020-02", 20011, 20011, power=200110)])
    import_industry([industry_row(2, "2021-02", 21019, 21019, power=210190)])
    assert va().growth is None and "14" in va().note
    response = login("tongji").get("/economy/export/", {"period": "2021-02"})
    import io

    table = read_table(
        io.BytesIO(response.content), [Column("indicator", "指标", required=True), Column("note", "说明")]
    )
    notes = {row["indicator"]: row.get("note") for row in table.rows}
    assert notes["规上工业增加值"].startswith("缺少价格指数")
