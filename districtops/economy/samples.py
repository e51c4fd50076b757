"""Helpers shared by the tests, the demo loader, the bench and the scale generator: fictional
credit codes and spreadsheets laid out the way statistical systems export them."""

from __future__ import annotations

import io

from openpyxl import Workbook

from districtops.core.codes import credit_code_check_char


def fictional_credit_code(n: int, division6: str = "410104") -> str:
    """A valid GB 32100 code for the n-th fictional enterprise (9 = 工商, 1 = 企业, MA… org code)."""
    first17 = f"91{division6}MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def xlsx_bytes(rows: list[list], *, title_rows: list[str] = (), merge_title: bool = True) -> bytes:
    """A workbook whose first sheet has optional title rows (merged across), then ``rows``."""
    wb = Workbook()
    ws = wb.active
    width = max((len(r) for r in rows), default=1)
    for i, title in enumerate(title_rows, start=1):
        ws.cell(row=i, column=1, value=title)
        if merge_title and width > 1:
            ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=width)
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
