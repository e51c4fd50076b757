"""Detection quality: precision and recall of the platform's verification rules against a DHIS2-style
baseline (z-score > 3 on each enterprise's own history) on a labelled synthetic panel.

    .venv/bin/python bench/economy/detection.py [--size 1.0] [--seeds 1,2,3]

The platform's rules are the very functions the import runs (``districtops.economy.rules``) with
their default thresholds; nothing here is tuned on the evaluation seeds. A report counts as flagged
when any verification rule fires; it is a true positive when it carries a falsification label.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")

import django  # noqa: E402

django.setup()

from panel import KINDS, generate, periods  # noqa: E402

from districtops.economy import rules  # noqa: E402

FIELDS = {
    "gross_output": {"name": "工业总产值", "required": True, "has_cumulative": True, "is_money": True},
    "main_revenue": {"name": "营业收入", "required": True, "has_cumulative": True, "is_money": True},
    "electricity": {"name": "用电量", "required": False, "has_cumulative": False, "is_money": False},
}
VERIFICATION = [
    SimpleNamespace(code=code, name=name, kind=kind, params=params, is_enabled=True, weight=1)
    for code, name, kind, params, _ in rules.DEFAULT_RULES
    if kind == "verification"
]


def platform_flags(enterprise, evaluated) -> dict:
    """period → set of rule codes that fired."""
    flags = {}
    history = {}
    for period in sorted(enterprise.reports):
        report = enterprise.reports[period]
        if period in evaluated:
            ctx = rules.ReportContext(
                period=period,
                values=report.values,
                main_field="gross_output",
                fields=FIELDS
                if "electricity" in report.values
                else {k: FIELDS[k] for k in FIELDS if k != "electricity"},
                history=history,
            )
            # As the import decides: the risk score against the default threshold (1.0).
            _errors, assessment = rules.assess(ctx, VERIFICATION)
            raised = {r.code for r, _f, _m, points in assessment.evidence if points > 0}
            flags[period] = raised if assessment.score >= 1.0 else set()
        history[period] = report.values
    return flags


def zscore_flags(enterprise, evaluated, threshold: float = 3.0) -> dict:
    """DHIS2 outlier detection: |value − mean| / sd > 3 over the enterprise's series (per calendar
    month, so that 1-2月 is not flagged for covering two months)."""
    series = {p: float(r.values["gross_output"][0]) / p.months_covered for p, r in enterprise.reports.items()}
    values = list(series.values())
    mean, sd = statistics.fmean(values), statistics.pstdev(values)
    return {p: sd > 0 and abs(series[p] - mean) / sd > threshold for p in evaluated}


def score(flagged: Counter) -> dict:
    tp, fp, fn = flagged["tp"], flagged["fp"], flagged["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def run(size: float, seed: int) -> dict:
    panel = generate(enterprises=max(50, int(600 * size)), seed=seed)
    evaluated = set(periods(2018, 3)[13:])
    platform, baseline = Counter(), Counter()
    by_kind_found, by_kind_total, baseline_kind = Counter(), Counter(), Counter()
    rule_hits, rule_true = Counter(), Counter()
    genuine_breaks_flagged = genuine_break_reports = 0
    reports = 0
    for enterprise in panel:
        pflags = platform_flags(enterprise, evaluated)
        zflags = zscore_flags(enterprise, evaluated)
        for period in evaluated:
            report = enterprise.reports[period]
            reports += 1
            untrue = report.label is not None
            fired = bool(pflags[period])
            for code in pflags[period]:
                rule_hits[code] += 1
                rule_true[code] += untrue
            platform["tp" if fired and untrue else "fp" if fired else "fn" if untrue else "tn"] += 1
            z = zflags[period]
            baseline["tp" if z and untrue else "fp" if z else "fn" if untrue else "tn"] += 1
            if untrue:
                by_kind_total[report.label] += 1
                by_kind_found[report.label] += fired
                baseline_kind[report.label] += z
            elif enterprise.genuine_break == period:
                genuine_break_reports += 1
                genuine_breaks_flagged += fired
    return {
        "reports": reports,
        "falsified": sum(by_kind_total.values()),
        "platform": score(platform),
        "baseline": score(baseline),
        "by_kind": {k: (by_kind_found[k], baseline_kind[k], by_kind_total[k]) for k in KINDS},
        "rules": {code: (rule_hits[code], rule_true[code]) for code in sorted(rule_hits)},
        "genuine_breaks": (genuine_breaks_flagged, genuine_break_reports),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1.0, help="1.0 = 600 enterprises × 36 months")
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    totals = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        started = time.perf_counter()
        result = run(args.size, seed)
        elapsed = time.perf_counter() - started
        p, b = result["platform"], result["baseline"]
        print(
            f"seed {seed}: {result['reports']} reports evaluated, {result['falsified']} falsified ({elapsed:.1f} s)"
        )
        print(f"  platform rules   precision {p['precision']:.3f}  recall {p['recall']:.3f}  F1 {p['f1']:.3f}"
              f"  (TP {p['tp']}, FP {p['fp']}, FN {p['fn']})")  # fmt: skip
        print(f"  DHIS2 z-score>3  precision {b['precision']:.3f}  recall {b['recall']:.3f}  F1 {b['f1']:.3f}"
              f"  (TP {b['tp']}, FP {b['fp']}, FN {b['fn']})")  # fmt: skip
        print("  recall by falsification (platform / baseline / n): " + ", ".join(
            f"{k} {found}/{base}/{n}" for k, (found, base, n) in result["by_kind"].items()))  # fmt: skip
        print("  rule firings (hits, of which untrue): " + ", ".join(
            f"{code} {hits}/{true}" for code, (hits, true) in result["rules"].items()))  # fmt: skip
        flagged, total = result["genuine_breaks"]
        print(f"  genuine structural breaks flagged at the break month: {flagged}/{total}")
        totals.append((p, b))
    if len(totals) > 1:
        mean = lambda key, i: statistics.fmean(t[i][key] for t in totals)  # noqa: E731
        print(f"mean over seeds: platform P {mean('precision', 0):.3f} R {mean('recall', 0):.3f}; "
              f"baseline P {mean('precision', 1):.3f} R {mean('recall', 1):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
