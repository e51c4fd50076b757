import pytest

from districtops.economy.samples import fictional_credit_code, xlsx_bytes

ENTERPRISE_HEADER = [
    "单位详细名称",
    "统一社会信用代码",
    "行业代码",
    "统计用区划代码",
    "营业收入（万元）",
    "重点企业",
]
INDUSTRY_HEADER = [
    "统一社会信用代码",
    "报告期",
    "工业总产值本月（千元）",
    "工业总产值本年累计（千元）",
    "营业收入本月（千元）",
    "营业收入本年累计（千元）",
    "用电量",
    "情况说明",
]


def industry_row(n, period, output, output_cum, revenue=None, revenue_cum=None, power=100000, note=""):
    revenue = output if revenue is None else revenue
    revenue_cum = output_cum if revenue_cum is None else revenue_cum
    return [fictional_credit_code(n), period, output, output_cum, revenue, revenue_cum, power, note]


@pytest.fixture
def economy(org):
    """Reference data plus three enterprises in 管城: two factories (南关街, 北下街) and a retailer."""
    from districtops.economy import imports
    from districtops.economy.reference import ensure_reference_data

    ensure_reference_data()
    content = xlsx_bytes(
        [
            ENTERPRISE_HEADER,
            ["示例机械制造有限公司", fictional_credit_code(1), "3411", "410104003000", 30000, "是"],
            ["示例食品有限公司", fictional_credit_code(2), "1411", "410104001000", 1800, ""],
            ["示例百货零售有限公司", fictional_credit_code(3), "5211", "410104003000", 800, ""],
        ],
        title_rows=["2021年 管城回族区 名录库"],
    )
    result = imports.import_enterprises(None, content, "名录.xlsx")
    assert result.accepted, [str(e) for e in result.errors]
    return org


def import_industry(rows, actor=None, grid=True, **kwargs):
    """Import report rows; with ``grid`` the power company's meter reads what each row reports (an
    honest 用电量) — the verification rules take the grid, not the firm, as the reference."""
    from districtops.economy import imports

    if grid and not kwargs.get("check_only"):
        # A file the report import refuses (bad codes, January alone) is refused by the meter's too.
        import_grid([(r[0], r[1], r[6]) for r in rows if r[6] is not None], strict=False)
    return imports.import_reports(actor, xlsx_bytes([INDUSTRY_HEADER, *rows]), "报表.xlsx", **kwargs)


def import_grid(figures, strict=True):
    """The power company's meter: (credit code, period, kWh) rows."""
    from districtops.economy import imports

    result = imports.import_source_figures(
        None,
        xlsx_bytes([["统一社会信用代码", "报告期", "用电量"], *figures]),
        "电网.xlsx",
        kind="electricity",
    )
    assert result.accepted or not strict, [str(e) for e in result.errors]
    return result


def industry_history(n, year_from=2019, upto=(2021, 2), base=10000, growth=0.05, power=100000):
    """Monthly rows (in 千元) from 1-2月 of year_from up to ``upto``: steady, consistent, growing."""
    rows = []
    for year in range(year_from, upto[0] + 1):
        cum = 0
        for month in range(2, 13):
            if (year, month) > upto:
                break
            scale = (1 + growth) ** (year - year_from)
            value = round(base * scale * (2 if month == 2 else 1) + month * 7)
            cum += value
            rows.append(
                industry_row(
                    n,
                    f"{year}-{month:02d}",
                    value,
                    cum,
                    power=round(power * (2 if month == 2 else 1) + month * 97),
                )
            )
    return rows
