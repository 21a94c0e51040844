"""The import workbook: one template's merged rows in exactly the template's layout.

Sheet name, header row and column order are the spec's (or those of the official template copy);
every cell is a text cell formatted ``@`` (the official templates format every cell as text), so
18-digit ID numbers, 19-digit bank cards and leading zeros arrive intact, and text that looks like a
formula stays text (:func:`aidtools.writing.cells.write_text`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from aidtools.specs import TemplateSpec
from aidtools.writing.cells import write_text
from aidtools.writing.private import save_private

HEADER_FONT = Font(bold=True)


def new_template_workbook(spec: TemplateSpec):
    """A workbook with the spec's sheet and header row, nothing else."""
    wb = Workbook()
    ws = wb.active
    ws.title = spec.sheet
    for c, header in enumerate(spec.headers, start=1):
        write_text(ws, spec.header_row, c, header).font = HEADER_FONT
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(40, len(header.encode("gbk")) + 4))
    ws.freeze_panes = ws.cell(row=spec.first_data_row, column=1)
    return wb, ws


def write_rows(ws, rows: pd.DataFrame, first_row: int) -> None:
    """Every value of ``rows`` (text or None) as a text cell, from ``first_row`` down, column A on."""
    for r, values in enumerate(rows.itertuples(index=False, name=None), start=first_row):
        for c, value in enumerate(values, start=1):
            write_text(ws, r, c, value)


def write_import_workbook(spec: TemplateSpec, rows: pd.DataFrame, target, official=None) -> Path:
    """Write ``rows`` (columns = the spec's headers, in order) into a fresh template or an official copy."""
    wb, ws = official.new_workbook() if official is not None else new_template_workbook(spec)
    write_rows(ws, rows[spec.headers], spec.first_data_row)
    return save_private(wb.save, Path(target))
