"""City-scale timings for the economy module (prints figures and ratios to the goals).

    DATABASE_URL=sqlite:////tmp/bench_economy.sqlite3 .venv/bin/python bench/economy/timing.py --size 1 --phases

1. import and audit of one month for every enterprise of the city (goal ≤ 20 s at 50,000);
2. recomputing every aggregate indicator for the 16 districts for one month (goal ≤ 2 s);
3. the economy dashboard's p95 for a district statistician, forecast cache warm (goal ≤ 300 ms);
4. the forecast backtest: MASE of the platform's method against seasonal naive (goal < 1).
At ``--size`` 1 the import is measured on 50,000 enterprises; below 1 it is also extrapolated
linearly. Every figure is printed with the load average (the machine is shared): prefer the query
counts and the ratio to the time spent in SQL, which load distorts less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench_economy.sqlite3")
os.environ.setdefault("DISTRICTOPS_TODAY", "2021-03-31")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from districtops.economy import forecast, imports, indicators  # noqa: E402
from districtops.economy.models import Enterprise, IndicatorValue, ReportValue  # noqa: E402
from districtops.economy.periods import Period  # noqa: E402
from districtops.economy.samples import xlsx_bytes  # noqa: E402
from districtops.org.models import Unit, UnitKind  # noqa: E402

MONTH = Period(2021, 3)
HEADER = ["统一社会信用代码", "报告期"]
FIELDS = [("工业总产值", "gross_output"), ("营业收入", "x"), ("商品销售额", "sales"), ("零售额", "retail_sales"), ("建筑业总产值", "construction_output")]  # fmt: skip
for name, _ in FIELDS:
    HEADER += [f"{name}本月", f"{name}本年累计"]
HEADER += ["用电量"]
REVENUE_CODES = ("main_revenue", "revenue", "operating_revenue")


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def ensure_data(size: float) -> None:
    call_command("migrate", verbosity=0)
    if Enterprise.objects.exists():
        return
    from districtops.economy import scale as economy_scale
    from districtops.org import scale as org_scale

    started = time.perf_counter()
    org_scale.generate(size=size)
    counts = economy_scale.generate(size=size)
    print(f"generated {counts} in {time.perf_counter() - started:.0f} s ({load()})")


def month_file() -> tuple[bytes, int]:
    """Every enterprise's 2021-03 report: its March 2020 figure × growth (2–8 %), so that the month
    keeps the firm's own season, chained to its own 1-2月 cumulative. (Until issue 12 the file
    halved 1-2月, a March 25 % below every firm's season that the seasonal rules rightly flag.)"""
    previous, last_year = {}, {}
    rows = ReportValue.objects.filter(
        report__period=Period(2021, 2).date, report__is_current=True
    ).values_list("report__enterprise__credit_code", "field_code", "current", "cumulative")
    for code, field, current, cumulative in rows.iterator(chunk_size=20000):
        previous.setdefault(code, {})[field] = (current, cumulative)
    rows = ReportValue.objects.filter(
        report__period=Period(2020, 3).date, report__is_current=True
    ).values_list("report__enterprise__credit_code", "field_code", "current")
    for code, field, current in rows.iterator(chunk_size=20000):
        last_year.setdefault(code, {})[field] = current
    body = []
    for n, (code, fields) in enumerate(sorted(previous.items())):
        row = [code, "2021-03"]
        for _name, field in FIELDS:
            key = next((k for k in REVENUE_CODES if k in fields), None) if field == "x" else field
            if key in fields:
                base = last_year.get(code, {}).get(key)
                base = float(base) if base is not None else float(fields[key][0]) / 2
                current = round(base * (1.02 + (n % 7) / 100) / 1000) * 1000
                row += [current, int(fields[key][1]) + current]
            else:
                row += [None, None]
        power = last_year.get(code, {}).get("electricity")
        row.append(int(float(power) * 1.03) if power is not None else None)
        body.append(row)
    return xlsx_bytes([HEADER, *body]), len(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=float, default=0.1)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--series", type=int, default=0, help="district series backtested (0: all)")
    parser.add_argument("--phases", action="store_true", help="also time a check-only run of the import")
    parser.add_argument(
        "--baseline-cpu",
        type=float,
        help="CPU seconds of the same import measured before a change (prints new ÷ old; goal ≤ 1.5)",
    )
    args = parser.parse_args()
    ensure_data(args.size)
    enterprises = Enterprise.objects.count()
    above = Enterprise.objects.filter(is_above_scale=True).count()
    print(f"enterprises in the register: {enterprises} (四上, reporting: {above}); "
          f"report values: {ReportValue.objects.count()}")  # fmt: skip

    # 1. import + audit of one month
    if not IndicatorValue.objects.filter(period=MONTH.date).exists():
        started = time.perf_counter()
        content, rows = month_file()
        print(f"month file: {rows} rows, {len(content) / 1e6:.1f} MB, written in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        if args.phases:
            # The same file checked only: reading, the register and history reads and the rules,
            # without the writes, the audit record and the indicator recompute.
            started, cpu = time.perf_counter(), time.process_time()
            imports.import_reports(None, content, "bench-2021-03.xlsx", check_only=True)
            print(f"  read + audit only (check_only): {time.perf_counter() - started:.1f} s, "
                  f"CPU {time.process_time() - cpu:.1f} s ({load()})")  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            result = imports.import_reports(None, content, "bench-2021-03.xlsx")
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
        # CPU time of this process: what the import costs without the other processes' share of
        # the two cores (SQLite runs in-process, so its work is counted too).
        print(f"import+audit of {rows} reports: {took:.1f} s (CPU {cpu:.1f} s), {len(queries)} queries "
              f"(accepted={result.accepted}, warnings={len(result.warnings)}, errors={len(result.errors)}; "
              f"{load()})")  # fmt: skip
        if args.baseline_cpu:
            print(f"  CPU ratio to the baseline import: {cpu / args.baseline_cpu:.2f} "
                  f"({cpu:.1f} s ÷ {args.baseline_cpu:.1f} s; goal ≤ 1.5)")  # fmt: skip
        per_50k = took / rows * 50_000
        label = "measured" if rows >= 50_000 else "linear extrapolation"
        print(f"  → {per_50k:.1f} s per 50,000 reports ({label}; goal ≤ 20 s: ratio {per_50k / 20:.2f})")

    # 2. recompute all indicators for every district for one month
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT).values_list("pk", flat=True))
    started, cpu = time.perf_counter(), time.process_time()
    for district in districts:
        indicators.recompute(district, [MONTH])
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"recompute {len(districts)} districts × one month: {took:.2f} s (CPU {cpu:.2f} s) "
        f"(goal ≤ 2 s: ratio {took / 2:.2f}; {load()})"
    )

    # 3. dashboard p95 for the demo district's statistician (or any leader of a generated district)
    from django.contrib.auth import get_user_model

    user = (
        get_user_model()
        .objects.filter(memberships__role__in=["statistician", "leader"])
        .order_by("pk")
        .first()
    )
    client = Client()
    client.force_login(user)
    client.get("/economy/")  # warm: fit the forecasts once
    timings, cpu_times, sql_times, counts = [], [], [], []
    for _ in range(args.requests):
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            status = client.get("/economy/").status_code
            timings.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
        counts.append(len(queries))
        sql_times.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
    p95 = statistics.quantiles(timings, n=20)[-1]
    median, sql = statistics.median(timings), statistics.median(sql_times)
    from districtops.economy import dashboard

    unit = dashboard.resolve_unit(user)
    enterprises_here = Enterprise.objects.filter(district_id=unit.district_id).count()
    print(f"dashboard ({user.username}, {enterprises_here} enterprises in the district, HTTP {status}): "
          f"median {median:.0f} ms, p95 {p95:.0f} ms (goal ≤ 300 ms: ratio {p95 / 300:.2f}); "
          f"CPU median {statistics.median(cpu_times):.0f} ms, p95 {statistics.quantiles(cpu_times, n=20)[-1]:.0f} ms; "
          f"{max(counts)} queries, SQL median {sql:.0f} ms (page ÷ SQL {median / max(sql, 0.1):.1f}; {load()})")  # fmt: skip

    # 4. forecast backtest against seasonal naive
    ratios = []
    series_keys = list(
        IndicatorValue.objects.filter(unit__kind=UnitKind.DISTRICT, is_entered=False)
        .values("indicator_id", "unit_id")
        .annotate(top=Max("period"))
        .order_by("indicator_id", "unit_id")
    )
    for value in series_keys[: args.series or None]:
        series = {
            Period.from_date(v.period): float(v.cumulative)
            for v in IndicatorValue.objects.filter(
                indicator_id=value["indicator_id"], unit_id=value["unit_id"]
            )
            if v.cumulative
        }
        monthly = forecast.monthly_series(series)
        months = [m for m, _ in monthly]
        values = [v for _, v in monthly]
        if len(values) < 25:
            continue
        errors, naive, _ = forecast.backtest(values, months)
        if naive and sum(abs(e) for e in naive):
            ratios.append(sum(abs(e) for e in errors) / sum(abs(e) for e in naive))
    if ratios:
        print(f"forecast backtest over {len(ratios)} series: MASE vs seasonal naive median "
              f"{statistics.median(ratios):.2f}, mean {statistics.fmean(ratios):.2f} (goal < 1)")  # fmt: skip


if __name__ == "__main__":
    main()
