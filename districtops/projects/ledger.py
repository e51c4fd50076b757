"""Balances of the funds ledger: pure functions over ``FundEntry`` rows (no queries).

The rules hold at every date, per source: 批复 ≤ 申请, 拨付 ≤ 批复, 支出 ≤ 拨付, 审计确认 ≤ 支出.
Rows of one day are taken together (an approval and its first allocation may share a date).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

STEPS = ("applied", "approved", "allocated", "disbursed", "audited")
LABELS = {
    "applied": "申请",
    "approved": "批复",
    "allocated": "拨付",
    "disbursed": "支出",
    "audited": "审计确认",
}
# (smaller, larger): the cumulative ``smaller`` may never exceed the cumulative ``larger``.
BOUNDS = (
    ("approved", "applied"),
    ("allocated", "approved"),
    ("disbursed", "allocated"),
    ("audited", "disbursed"),
)
ZERO = Decimal(0)


def _key(entry):
    return (entry.date, not entry.is_opening, entry.pk or 10**18)


def running(entries: Iterable) -> list[tuple[object, dict[str, Decimal], bool]]:
    """Each entry (by date) with the cumulative totals after it and whether it is spent before approval."""
    totals = dict.fromkeys(STEPS, ZERO)
    out = []
    for entry in sorted(entries, key=_key):
        totals[entry.kind] += entry.amount
        early = entry.kind == "disbursed" and entry.amount > 0 and totals["disbursed"] > totals["approved"]
        out.append((entry, dict(totals), early))
    return out


def totals(entries: Iterable) -> dict[str, Decimal]:
    result = dict.fromkeys(STEPS, ZERO)
    for entry in entries:
        result[entry.kind] += entry.amount
    return result


def _gaps(entries, since) -> dict:
    """For each date ≥ ``since`` and each bound, how far the smaller total exceeds the larger (≤ 0: fine)."""
    per_date: dict = {}
    cum = dict.fromkeys(STEPS, ZERO)
    ordered = sorted(entries, key=_key)
    for i, entry in enumerate(ordered):
        cum[entry.kind] += entry.amount
        last_of_day = i + 1 == len(ordered) or ordered[i + 1].date != entry.date
        if last_of_day and entry.date >= since:
            per_date[entry.date] = dict(cum)
    return per_date


def violation(existing: list, new) -> tuple[str, str] | None:
    """The first balance the new row would break, at its date or later, as (field, Chinese message).

    A balance already broken before the row (imported opening figures) only refuses a row that
    makes it worse."""
    after = _gaps([*existing, new], new.date)
    before = _gaps(existing, new.date)
    for day, cum in sorted(after.items()):
        prior = before.get(day) or _state_at(existing, day)
        for step in STEPS:
            if cum[step] < 0 and cum[step] < prior[step]:
                return "amount", f"{day:%Y-%m-%d} 的{LABELS[step]}累计将为 {yuan(cum[step])} 元，不能为负数。"
        for small, large in BOUNDS:
            gap, old_gap = cum[small] - cum[large], prior[small] - prior[large]
            if gap > 0 and gap > old_gap:
                early = (
                    " （支出早于批复）" if small == "disbursed" and cum["disbursed"] > cum["approved"] else ""
                )
                return "amount", (
                    f"{day:%Y-%m-%d} 的{LABELS[small]}累计 {yuan(cum[small])} 元将超过"
                    f"{LABELS[large]}累计 {yuan(cum[large])} 元{early}，该笔不能登记。"
                )
    return None


def yuan(value: Decimal) -> str:
    return f"{value:.2f}"


def _state_at(entries, day) -> dict[str, Decimal]:
    return totals(e for e in entries if e.date <= day)
