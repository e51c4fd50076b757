"""Evaluation of the verification rules on a labelled 2019–2021 panel (``panel2021.py``), imported
through the public command line in the documented formats, against the DHIS2 z > 3 and the modified
z > 3.5 (Iglewicz–Hoaglin, MAD) baselines on the same data.

    .venv/bin/python bench/economy/evaluation.py --firms 2000 --seeds 2,3,4

Each seed runs in its own process and its own SQLite database (/tmp/stats_eval_<seed>.sqlite3):
the register (import-enterprises), the grid meter and the tax bureau's figures (import-sources),
the reports of 2019-02 … 2020-12 as one file, then one file per scored month 2021 1-2月 … 2021-06
(import-reports), all with the platform's default rules and thresholds. A firm-month is flagged
when its current report carries a verification finding (= its risk score reached the threshold).
Seed 1 was used while tuning the rules; the figures to report are the other seeds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_seed(seed: int, firms: int) -> dict:
    db = Path(f"/tmp/stats_eval_{seed}.sqlite3")
    db.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["DISTRICTOPS_TODAY"] = "2021-07-31"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).parent))
    import django

    django.setup()
    from django.core.management import call_command
    from panel2021 import PERIODS, SCORED, generate

    from districtops.economy.models import Finding, MonthlyReport
    from districtops.economy.samples import fictional_credit_code, xlsx_bytes
    from districtops.org import demo as org_demo

    call_command("migrate", verbosity=0)
    org_demo.load()
    panel = generate(firms, seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"stats_eval_{seed}_"))
    timings = {}

    def cli(command, rows, name, *extra):
        path = workdir / name
        path.write_bytes(xlsx_bytes(rows))
        started = time.perf_counter()
        out = io.StringIO()
        try:
            call_command(command, str(path), "--json", *extra, stdout=out)
        except SystemExit as exc:
            raise RuntimeError(f"{command} {name} refused: {out.getvalue()[:2000]}") from exc
        timings[name] = time.perf_counter() - started

    register = [
        [
            "单位详细名称",
            "统一社会信用代码",
            "行业代码",
            "统计用区划代码",
            "营业收入（万元）",
            "建筑业资质",
            "纳税人类型",
        ]
    ]
    for f in panel:
        register.append(
            [
                f"评测企业{f.n:05d}",
                fictional_credit_code(f.n),
                f.industry_code,
                f.street,
                max(round(f.annual_revenue / 10000), 2500 if f.family != "accommodation" else 250),
                "是" if f.family == "construction" else "",
                "小规模纳税人" if f.taxpayer_class == "small_scale" else "一般纳税人",
            ]
        )
    cli("import-enterprises", register, "register.xlsx")
    grid = [["统一社会信用代码", "报告期", "用电量"]]
    tax = [["统一社会信用代码", "报告期", "税收"]]
    for f in panel:
        code = fictional_credit_code(f.n)
        for p in PERIODS:
            if p in f.grid:
                grid.append([code, p.iso[:7], f.grid[p]])
            tax.append([code, p.iso[:7], f.tax[p]])
    cli("import-sources", grid, "grid.xlsx", "--source", "electricity")
    cli("import-sources", tax, "tax.xlsx", "--source", "tax")

    header = ["统一社会信用代码", "报告期"]
    names = {
        "industry": ("工业总产值", "营业收入"),
        "retail": ("商品销售额", "零售额"),
        "accommodation": ("营业额", "商品销售和餐费收入"),
        "services": ("营业收入", None),
        "construction": ("建筑业总产值", None),
    }
    columns = []
    for first, second in names.values():
        for name in (first, second):
            if name and name not in columns:
                columns.append(name)
    for name in columns:
        header += [f"{name}本月（千元）", f"{name}本年累计（千元）"]
    header.append("用电量")

    def rows_for(periods):
        rows = []
        for f in panel:
            cumulative = {}
            for p in PERIODS:
                values = f.reported[p]
                if p.is_first_of_year:
                    cumulative = {}
                for key in ("main", "second"):
                    if key in values:
                        cumulative[key] = cumulative.get(key, 0) + values[key] / 1000
                if p not in periods:
                    continue
                row = (
                    [fictional_credit_code(f.n), p.iso[:7]]
                    + [None] * (2 * len(columns))
                    + [values.get("power")]
                )
                first, second = names[f.family]
                for key, name in (("main", first), ("second", second)):
                    if name and key in values:
                        i = 2 + 2 * columns.index(name)
                        row[i], row[i + 1] = round(values[key] / 1000), round(cumulative[key])
                rows.append(row)
        return rows

    history = [p for p in PERIODS if p not in SCORED]
    cli("import-reports", [header, *rows_for(set(history))], "reports-2019-2020.xlsx")
    for p in SCORED:
        cli("import-reports", [header, *rows_for({p})], f"reports-{p.iso[:7]}.xlsx")

    # What the platform flagged, per firm and scored month (the current version).
    from districtops.economy.models import Enterprise

    by_code = {fictional_credit_code(f.n): f for f in panel}
    ids = dict(Enterprise.objects.values_list("pk", "credit_code"))
    flagged = set(
        Finding.objects.filter(report__is_current=True, report__period__gte=SCORED[0].date).values_list(
            "report__enterprise_id", "report__period"
        )
    )
    scores = {}
    for enterprise_id, day, score in MonthlyReport.objects.filter(
        is_current=True, period__gte=SCORED[0].date
    ).values_list("enterprise_id", "period", "risk_score"):
        scores[(enterprise_id, day)] = float(score)
    rule_hits = Counter(
        Finding.objects.filter(report__is_current=True, report__period__gte=SCORED[0].date).values_list(
            "rule__code", flat=True
        )
    )
    records = []
    for enterprise_id, code in ids.items():
        f = by_code[code]
        series = [f.reported[p]["main"] / p.months_covered for p in PERIODS]
        for p in SCORED:
            i = PERIODS.index(p)
            records.append(
                {
                    "kind": f.kind,
                    "falsifier": f.falsifier,
                    "label": f.labels.get(p),
                    "platform": (enterprise_id, p.date) in flagged,
                    "z3": _zscore(series[: i + 1]) > 3,
                    "mz35": _modified_z(series[: i + 1]) > 3.5,
                }
            )
    return {
        "seed": seed,
        "records": records,
        "rule_hits": dict(rule_hits),
        "import_seconds": {k: round(v, 2) for k, v in timings.items()},
    }


def _zscore(values: list[float]) -> float:
    """DHIS2 outlier detection: |x − mean| / sd over the firm's series up to this month."""
    mean, sd = statistics.fmean(values), statistics.pstdev(values)
    return abs(values[-1] - mean) / sd if sd else 0.0


def _modified_z(values: list[float]) -> float:
    """Iglewicz–Hoaglin: 0.6745 |x − median| / MAD."""
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    return 0.6745 * abs(values[-1] - median) / mad if mad else 0.0


def summarise(results: list[dict]) -> None:
    from panel2021 import FALSIFIED, HONEST

    methods = (("platform", "平台规则"), ("z3", "DHIS2 z>3"), ("mz35", "modified z>3.5"))
    print(
        f"{'seed':>5} {'method':<16} {'precision':>9} {'recall':>7} {'F1':>6} {'TP':>5} {'FP':>5} {'FN':>5}"
    )
    overall = {m: Counter() for m, _ in methods}
    per_honest = {m: Counter() for m, _ in methods}
    per_honest_n = Counter()
    per_false = {m: Counter() for m, _ in methods}
    per_false_n = Counter()
    for result in results:
        for method, label in methods:
            c = Counter()
            for r in result["records"]:
                untrue = r["label"] is not None
                c["tp" if r[method] and untrue else "fp" if r[method] else "fn" if untrue else "tn"] += 1
            overall[method].update(c)
            p, rc, f1 = _prf(c)
            print(
                f"{result['seed']:>5} {label:<16} {p:>9.3f} {rc:>7.3f} {f1:>6.3f} {c['tp']:>5} {c['fp']:>5} {c['fn']:>5}"
            )
        for r in result["records"]:
            if r["label"] is None:
                group = r["kind"] if not r["falsifier"] else "(falsifier, true month)"
                per_honest_n[group] += 1
                for method, _ in methods:
                    per_honest[method][group] += r[method]
            else:
                per_false_n[r["label"]] += 1
                for method, _ in methods:
                    per_false[method][r["label"]] += r[method]
    print("\nall seeds together:")
    for method, label in methods:
        p, rc, f1 = _prf(overall[method])
        print(f"  {label:<16} precision {p:.3f}  recall {rc:.3f}  F1 {f1:.3f}")
    print("\nfalse-alarm rate per honest kind (firm-months flagged / honest firm-months):")
    print(f"  {'kind':<26} {'n':>6} " + " ".join(f"{label:>15}" for _, label in methods))
    for kind in [*HONEST, "(falsifier, true month)"]:
        n = per_honest_n[kind]
        if n:
            print(f"  {kind:<26} {n:>6} " + " ".join(f"{per_honest[m][kind] / n:>15.1%}" for m, _ in methods))
    print("\nrecall per falsification kind:")
    for kind in FALSIFIED:
        n = per_false_n[kind]
        if n:
            print(f"  {kind:<26} {n:>6} " + " ".join(f"{per_false[m][kind] / n:>15.1%}" for m, _ in methods))
    hits = Counter()
    for result in results:
        hits.update(result["rule_hits"])
    print(
        "\nfindings per rule (scored months, all seeds): "
        + ", ".join(f"{k} {v}" for k, v in hits.most_common())
    )
    secs = [sum(r["import_seconds"].values()) for r in results]
    print(
        f"import time per seed (all files through the CLI, in-process): {', '.join(f'{s:.0f} s' for s in secs)}"
    )


def _prf(c: Counter) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--seeds", default="2,3,4", help="seed 1 was the tuning seed")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_seed(args.one, args.firms)))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    results = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(seed), "--firms", str(args.firms)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            sys.exit(out.stderr[-3000:])
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(
            f"seed {seed}: {len(results[-1]['records'])} firm-months scored ({time.perf_counter() - started:.0f} s)"
        )
    summarise(results)


if __name__ == "__main__":
    main()
