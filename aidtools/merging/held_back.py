"""The held-back workbook: every row of one template that was not merged, with why.

One sheet, ``暂缓导入``: where the row came from (department, file, sheet, row), the reasons (each
finding of the row, with its cell; wrapped, top-aligned, a wide column), then the template's columns
with the values as the department typed them, so the aid centre can return or fix them. Every cell
is text, as in the import workbook (:mod:`aidtools.writing.xlsx_writer`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidtools.merging.import_workbook import column_width
from aidtools.specs import TemplateSpec
from aidtools.writing.private import save_private
from aidtools.writing.xlsx_writer import TextSheet, write_text_workbook

HELD_BACK_SHEET = "暂缓导入"
# Internal column -> header, in the order they are written before the template's own columns.
SOURCE_COLUMNS = {"department": "部门", "path": "来源文件", "sheet": "工作表", "source_row": "行号", "reasons": "暂缓原因"}
REASONS_WIDTH = 70
REASONS_COLUMN = list(SOURCE_COLUMNS).index("reasons")  # 0-based


def held_back_sheet(spec: TemplateSpec, held: pd.DataFrame) -> TextSheet:
    """``held`` has the keys of :data:`SOURCE_COLUMNS` plus the spec's headers (text values)."""
    headers = list(SOURCE_COLUMNS.values()) + spec.headers
    body = held[list(SOURCE_COLUMNS) + spec.headers].copy()
    body["source_row"] = body["source_row"].astype(str)
    widths = [column_width(h) for h in headers]
    widths[REASONS_COLUMN] = REASONS_WIDTH
    return TextSheet(HELD_BACK_SHEET, headers, body, header_row=1, first_row=2, widths=widths,
                     wrapped=frozenset({REASONS_COLUMN}))


def write_held_back(spec: TemplateSpec, held: pd.DataFrame, target) -> Path:
    """Write the held-back rows of ``spec`` to ``target`` (owner-only, atomically)."""
    sheet = held_back_sheet(spec, held)
    return save_private(lambda path: write_text_workbook([sheet], path), Path(target))
