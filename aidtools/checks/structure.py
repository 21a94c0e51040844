"""Findings about the sheet around the data: formulas, merged cells, hidden rows and columns, and a
template with no data rows."""
from __future__ import annotations

import numpy as np

from aidtools.reading.xlsx_parts import column_letter


def check_structure(ctx, sheet, data_cols: set[int]) -> None:
    """Runs on the template's sheet. ``data_cols`` are the 0-based columns the template uses."""
    first = ctx.spec.first_data_row - 1
    hits = ctx.hits
    width = max(data_cols) + 1 if data_cols else 0

    def at(rule, r, c, message):
        mask = np.zeros(ctx.n, dtype=bool)
        # Blank rows were dropped from the data, so find the 0-based sheet row r by its Excel row number.
        pos = np.flatnonzero(ctx.excel_rows == r + 1)
        if len(pos):
            mask[pos[0]] = True
            hits.add(mask, rule, message, column=column_letter(c) if c is not None else None,
                     field=ctx.header_at(c))

    for r, c in sheet.formulas:
        if r >= first:
            at("template.formula", r, c, "单元格中是公式，不是数值。国家系统导入的是文本/数值，请复制后“选择性粘贴-数值”。")
    for (r0, c0), (r1, c1) in sheet.merged:
        if r1 >= first and c0 < width:
            at("template.merged_cells", max(r0, first), c0,
               f"数据区有合并单元格（{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}），请取消合并并逐格填写。")
    rows = sheet.rows if sheet.hidden_rows or sheet.hidden_cols else []  # built from a grid only when needed
    for r in sorted(sheet.hidden_rows):
        if r >= first and r < len(rows) and any(v not in (None, "") for v in rows[r][:width]):
            at("template.hidden_rows", r, None, f"第{r + 1}行被隐藏，但有数据。请取消隐藏，确认这些数据是否应当提交。")
    for c in sorted(sheet.hidden_cols):
        if c < width and any(c < len(row) and row[c] not in (None, "") for row in rows[first:]):
            first_with_data = next(i for i, row in enumerate(rows[first:]) if c < len(row) and row[c] not in (None, ""))
            at("template.hidden_rows", first + first_with_data, c,
               f"第{column_letter(c)}列被隐藏，但有数据。请取消隐藏并检查。")
