"""The units the district reads money and counts in (万元, 亿元): one constant each, for code,
exports and the ``units`` template library."""

from decimal import Decimal

WAN = Decimal(10_000)  # 万
YI = Decimal(100_000_000)  # 亿


def to_wan(value, places: int | None = None):
    """Yuan → 万元 (a Decimal; rounded to ``places`` when given). None stays None."""
    if value is None:
        return None
    result = Decimal(value) / WAN
    return round(result, places) if places is not None else result


def to_yi(value, places: int | None = None):
    """Yuan → 亿元 (a Decimal; rounded to ``places`` when given). None stays None."""
    if value is None:
        return None
    result = Decimal(value) / YI
    return round(result, places) if places is not None else result
