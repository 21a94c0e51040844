"""The held-back workbook: every row of one template that was not merged, with why.

One sheet, ``暂缓导入``: where the row came from (department, file, sheet, row), the reasons (each
finding of the row, with its cell), then the template's columns with the values as the department
typed them, so the aid centre can return or fix them.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from aidtools.merging.import_workbook import write_rows
from aidtools.specs import TemplateSpec
from aidtools.writing.cells import WRAP, write_text
from aidtools.writing.private import save_private

HELD_BACK_SHEET = "暂缓导入"
# Internal column -> header, in the order they are written before the template's own columns.
SOURCE_COLUMNS = {"department": "部门", "path": "来源文件", "sheet": "工作表", "source_row": "行号", "reasons": "暂缓原因"}
REASONS_WIDTH = 70


def write_held_back(spec: TemplateSpec, held: pd.DataFrame, target) -> Path:
    """``held`` has the keys of :data:`SOURCE_COLUMNS` plus the spec's headers (text values)."""
    wb = Workbook()
    ws = wb.active
    ws.title = HELD_BACK_SHEET
    headers = list(SOURCE_COLUMNS.values()) + spec.headers
    for c, header in enumerate(headers, start=1):
        write_text(ws, 1, c, header).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(40, len(header.encode("gbk")) + 4))
    ws.column_dimensions[get_column_letter(list(SOURCE_COLUMNS).index("reasons") + 1)].width = REASONS_WIDTH
    body = held[list(SOURCE_COLUMNS) + spec.headers].copy()
    body["source_row"] = body["source_row"].astype(str)
    write_rows(ws, body, 2)
    reasons_col = list(SOURCE_COLUMNS).index("reasons") + 1
    for r in range(2, 2 + len(body)):
        ws.cell(row=r, column=reasons_col).alignment = WRAP
    ws.freeze_panes = ws.cell(row=2, column=1)
    return save_private(wb.save, Path(target))
