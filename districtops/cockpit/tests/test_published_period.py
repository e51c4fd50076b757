"""Leaders' pages follow the economy month lifecycle: a half-reported month never shows."""

import datetime as dt
import io
from decimal import Decimal

from docx import Document

from districtops.cockpit import briefing, services
from districtops.cockpit.figures import Month, target_sentence
from districtops.cockpit.sections import statistics_period
from districtops.core.officedoc import body_text
from districtops.economy import releases
from districtops.economy.periods import Period


def _half_reported_march(district):
    """March arrives with three firms only: near-zero cumulatives, no growth."""
    from districtops.economy.models import Indicator, IndicatorValue

    for code in ("industrial_output", "retail_sales"):
        IndicatorValue.objects.create(
            indicator=Indicator.objects.get(code=code),
            district=district,
            unit=district,
            period=dt.date(2021, 3, 1),
            cumulative=Decimal("3"),
            growth=None,
            enterprise_count=3,
        )


def test_cockpit_screen_briefing_and_api_keep_the_published_month(economy_data, users, api_client):
    district = economy_data["districts"]["410104"]
    _half_reported_march(district)
    assert statistics_period(district, Month(2021, 3)) == Period(2021, 2)
    summary = services.district_summary(users["leader"], district, Month(2021, 3))
    assert (summary["statistics_period"], summary["statistics_period_label"]) == ("2021-02", "2021年1-2月")
    assert services.screen_of(summary)["statistics_period_label"] == "2021年1-2月"
    text = body_text(
        Document(io.BytesIO(briefing.build(users["leader"], district, Month(2021, 3), pdf=False).docx))
    )
    assert "2021年1-2月" in text and "—%" not in text
    data = api_client("leader").get("/api/v1/cockpit/410104?period=2021-03").json()
    assert data["statistics_period"] == "2021-02"

    releases.publish(users["tongji"], district, Period(2021, 3))
    summary = services.district_summary(users["leader"], district, Month(2021, 3))
    assert (summary["statistics_period"], summary["statistics_period_label"]) == ("2021-03", "2021年3月")
    assert (
        api_client("leader").get("/api/v1/cockpit/410104?period=2021-03").json()["statistics_period"]
        == "2021-03"
    )
    # With no growth the sentence says so, never "—%".
    economy = next(s for s in summary["sections"] if s["key"] == "economy")
    assert all("—%" not in f["text"] + f["note"] for f in economy["figures"])


def test_target_sentence_never_says_below_for_a_lead():
    assert "高于全年目标7.0个百分点" in target_sentence(
        "工业增加值", "1-3月", Decimal("19.0"), Decimal("12.0")
    )
    assert "低于" not in target_sentence("工业增加值", "1-3月", Decimal("19.0"), Decimal("12.0"))
    assert "—%" not in target_sentence("工业增加值", "1-3月", None, Decimal("12.0"))
