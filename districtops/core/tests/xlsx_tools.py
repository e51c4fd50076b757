"""Editing an exported workbook the way a person does in Excel, for the round-trip tests."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook


def headers(ws) -> dict[str, int]:
    return {str(c.value).rstrip("*"): c.column for c in ws[1] if c.value is not None}


def rows(content: bytes, sheet: str) -> list[dict]:
    ws = load_workbook(io.BytesIO(content))[sheet]
    head = headers(ws)
    return [{h: ws.cell(row=r, column=j).value for h, j in head.items()} for r in range(2, ws.max_row + 1)]


def edit(content: bytes, sheet: str, key: str, changes: dict[str, dict], append=()) -> SimpleUploadedFile:
    """Set cells of the rows whose ``key`` column holds a given value ({"YH…": {"位置": "新"}}),
    and add ``append`` rows ({header: value}); the file as an upload."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb[sheet]
    head = headers(ws)
    found = set()
    for r in range(2, ws.max_row + 1):
        value = ws.cell(row=r, column=head[key]).value
        for header, new in changes.get(value, {}).items():
            ws.cell(row=r, column=head[header]).value = new
            found.add(value)
    assert found == set(changes), f"rows not found: {set(changes) - found}"
    for extra in append:
        r = ws.max_row + 1
        for header, new in extra.items():
            ws.cell(row=r, column=head[header]).value = new
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("edited.xlsx", buffer.getvalue())
