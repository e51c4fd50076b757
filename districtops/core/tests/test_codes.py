"""Credit codes (GB 32100-2015), industry codes (GB/T 4754-2017) and the 四上 thresholds."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from districtops.core.codes import (
    CREDIT_CODE_CHARSET,
    DIVISIONS,
    SECTIONS,
    Sector,
    classify_scale,
    credit_code_check_char,
    sector_and_threshold,
    validate_credit_code,
    validate_industry_code,
)

# The CI machine is shared: timing-based health checks would fail on load, not on the property.
relaxed = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)

DOMAIN_EXAMPLES = ["91350100M000100Y43", "91350200776049653A", "9135021359498494XQ"]


@st.composite
def credit_codes(draw):
    head = draw(st.text(alphabet=CREDIT_CODE_CHARSET, min_size=2, max_size=2))
    division = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    org = draw(st.text(alphabet=CREDIT_CODE_CHARSET, min_size=9, max_size=9))
    first17 = head + division + org
    return first17 + credit_code_check_char(first17)


@pytest.mark.parametrize("code", DOMAIN_EXAMPLES)
def test_domain_examples_are_valid(code):
    assert validate_credit_code(code) == code


def test_weights_are_powers_of_three_mod_31():
    from districtops.core.codes import CREDIT_CODE_WEIGHTS

    assert CREDIT_CODE_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_lower_case_spaces_and_full_width_are_accepted():
    assert validate_credit_code("  91350100m000100y43 ") == "91350100M000100Y43"
    assert validate_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"
    assert validate_credit_code("913501 00M000 100Y43") == "91350100M000100Y43"


@relaxed
@given(credit_codes())
def test_valid_codes_round_trip(code):
    assert validate_credit_code(code) == code
    assert validate_credit_code(" " + code.lower() + " ") == code


@relaxed
@given(
    credit_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(CREDIT_CODE_CHARSET + "IOSVZ-*")
)
def test_any_single_character_change_is_caught(code, position, replacement):
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError):
        validate_credit_code(changed)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y431", "18位"),
        ("91350100M000100O43", "不允许的字符"),
        ("91ABCDEFM000100Y43", "行政区划代码"),
        ("91350100M000100Y44", "校验位错误"),
    ],
)
def test_invalid_codes_have_chinese_messages(value, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(value)
    message = exc.value.messages[0]
    assert fragment in message


def test_industry_tables_have_the_standard_sizes():
    assert len(SECTIONS) == 20
    assert len(DIVISIONS) == 97
    assert {section for section, _ in DIVISIONS.values()} == set(SECTIONS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3011", "3011"), ("c3011", "3011"), (" ５２ ", "52"), ("F521", "521"), ("7010", "7010")],
)
def test_industry_codes_accepted(value, expected):
    assert validate_industry_code(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        ("99", "不存在"),
        ("00", "不存在"),
        ("A3011", "不属于门类"),
        ("Z01", "门类"),
        ("30111", "2–4位"),
        ("3", "2–4位"),
        ("30a1", "2–4位"),
        ("C", "缺少"),
    ],
)
def test_industry_codes_refused(value, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_industry_code(value)
    assert fragment in exc.value.messages[0]


WAN = Decimal(10_000)


@pytest.mark.parametrize(
    ("code", "sector", "threshold_wan"),
    [
        ("3011", Sector.INDUSTRY, 2000),
        ("0610", Sector.INDUSTRY, 2000),
        ("4411", Sector.INDUSTRY, 2000),
        ("5110", Sector.WHOLESALE, 2000),
        ("5211", Sector.RETAIL, 500),
        ("6110", Sector.ACCOMMODATION_CATERING, 200),
        ("6210", Sector.ACCOMMODATION_CATERING, 200),
        ("5430", Sector.SERVICES, 2000),
        ("6510", Sector.SERVICES, 2000),
        ("7820", Sector.SERVICES, 2000),
        ("8411", Sector.SERVICES, 2000),
        ("7211", Sector.SERVICES, 1000),
        ("7320", Sector.SERVICES, 1000),
        ("8310", Sector.SERVICES, 1000),
        ("7020", Sector.SERVICES, 1000),
        ("7040", Sector.SERVICES, 1000),
        ("8010", Sector.SERVICES, 500),
        ("8710", Sector.SERVICES, 500),
        ("8510", Sector.SERVICES, 500),
    ],
)
def test_thresholds_by_industry(code, sector, threshold_wan):
    assert sector_and_threshold(code) == (sector, threshold_wan * WAN)


@pytest.mark.parametrize(
    ("code", "threshold_wan"), [("3011", 2000), ("5211", 500), ("6210", 200), ("8010", 500)]
)
def test_threshold_boundary(code, threshold_wan):
    threshold = threshold_wan * WAN
    assert classify_scale(code, threshold).above is True
    assert classify_scale(code, threshold - Decimal("0.01")).above is False
    assert classify_scale(code, None).above is False


def test_construction_counts_by_qualification_and_developers_by_activity():
    assert classify_scale("4710", 10**9).above is False
    assert classify_scale("4710", 0, construction_qualified=True).above is True
    assert classify_scale("7010", 0, development_active=True).label == "房地产开发经营业"
    assert classify_scale("7010", 10**9).above is False


@pytest.mark.parametrize("code", ["0110", "6620", "9100", "9700"])
def test_sectors_outside_the_four_systems(code):
    result = classify_scale(code, 10**10)
    assert (result.sector, result.above) == (None, False)
