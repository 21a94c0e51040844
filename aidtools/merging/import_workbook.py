"""The import workbook: one template's merged rows in exactly the template's layout.

Sheet name, header row and column order are the spec's (or those of the official template copy);
every cell is a text cell formatted ``@`` (the official templates format every cell as text), so
18-digit ID numbers, 19-digit bank cards and leading zeros arrive intact, and text that looks like a
formula stays text, with Excel's leading apostrophe (``quotePrefix``).

A fresh template is written by :mod:`aidtools.writing.xlsx_writer` (vectorised: a merge writes
millions of cells); a copy of an official template (``--template-file``, rare) through openpyxl and
:func:`aidtools.writing.cells.write_text`, cell by cell, the same cells.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidtools.specs import TemplateSpec
from aidtools.writing.cells import write_text
from aidtools.writing.private import save_private
from aidtools.writing.xlsx_writer import TextSheet, write_text_workbook


def column_width(header: str) -> int:
    """A column's width from its header: GBK bytes (a Chinese character counts two) plus 4, in 10..40."""
    return max(10, min(40, len(str(header).encode("gbk", "replace")) + 4))


def template_sheet(spec: TemplateSpec, rows: pd.DataFrame) -> TextSheet:
    """The spec's sheet with ``rows`` (columns = the spec's headers) under its header row."""
    return TextSheet(spec.sheet, spec.headers, rows[spec.headers], header_row=spec.header_row,
                     first_row=spec.first_data_row, widths=[column_width(h) for h in spec.headers])


def write_rows(ws, rows: pd.DataFrame, first_row: int) -> None:
    """Every value of ``rows`` (text or None) as a text cell of an openpyxl sheet, from ``first_row``
    down, column A on (the official-template path)."""
    for r, values in enumerate(rows.itertuples(index=False, name=None), start=first_row):
        for c, value in enumerate(values, start=1):
            write_text(ws, r, c, value)


def write_import_workbook(spec: TemplateSpec, rows: pd.DataFrame, target, official=None) -> Path:
    """Write ``rows`` (columns = the spec's headers, in order) into a fresh template or an official copy."""
    if official is None:
        sheet = template_sheet(spec, rows)
        return save_private(lambda path: write_text_workbook([sheet], path), Path(target))
    wb, ws = official.new_workbook()
    write_rows(ws, rows[spec.headers], spec.first_data_row)
    return save_private(wb.save, Path(target))
