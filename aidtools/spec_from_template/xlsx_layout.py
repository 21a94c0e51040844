"""The layout of an .xlsx/.xlsm template, read with openpyxl (which parses the package through
defusedxml when it is installed, as it is here): values, hidden sheets, merged cells, number
formats, fonts and fills of the first rows, data validations (lists inline, on a range of a code
sheet, or through a defined name) and notes.
"""
from __future__ import annotations

import re
import warnings

import openpyxl
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.utils.cell import range_boundaries

from aidtools.spec_from_template.layout import BookLayout, SheetLayout, Style, Validation

STYLED_ROWS = 30  # styles are read for the rows a header can be in (and the first data rows)
_SHEET_RANGE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)$")


def _rgb(color) -> str | None:
    if color is None:
        return None
    try:
        if color.type == "rgb" and isinstance(color.rgb, str):
            return color.rgb[-6:].upper()
        if color.type == "indexed" and color.indexed is not None and color.indexed < len(COLOR_INDEX):
            return COLOR_INDEX[color.indexed][-6:].upper()
    except (AttributeError, TypeError):
        return None
    return None  # theme colours: unknown


def _style(cell_style) -> Style:
    fill = cell_style.fill
    fill_rgb = None
    if fill is not None and getattr(fill, "fill_type", None) == "solid":
        fill_rgb = _rgb(fill.fgColor)
    font = cell_style.font
    return Style(number_format=cell_style.number_format, font_rgb=_rgb(font.color) if font else None,
                 bold=bool(font and font.b), fill_rgb=fill_rgb)


def _ranges(sqref) -> list[tuple[int, int, int, int]]:
    out = []
    for part in str(sqref).split():
        min_col, min_row, max_col, max_row = range_boundaries(part)
        out.append((min_row - 1, min_col - 1, max_row - 1, max_col - 1))
    return out


def resolve_list(formula: str | None, book: BookLayout, names: dict[str, str]) -> tuple[list[str] | None, str | None]:
    """A list validation's items and the sheet they are on (None for an inline list)."""
    if not formula:
        return None, None
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    if text.startswith('"') and text.endswith('"'):
        return [v.strip() for v in text[1:-1].split(",") if v.strip()], None
    if text in names:
        text = names[text].lstrip("=")
    m = _SHEET_RANGE.match(text)
    if not m:
        return None, None
    sheet_name = (m.group(1) or "").replace("''", "'") or m.group(2)
    sheet = book.sheet(sheet_name)
    if sheet is None:
        return None, sheet_name
    min_col, min_row, max_col, max_row = range_boundaries(m.group(3).replace("$", ""))
    values = []
    for col in range(min_col - 1, max_col):
        values += sheet.column_values(col, min_row - 1, max_row - 1)
    return values, sheet_name


def read_xlsx_layout(path) -> BookLayout:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(path, data_only=True)
    fmt = "xlsm" if str(path).lower().endswith(".xlsm") else "xlsx"
    book = BookLayout(path=str(path), format=fmt, sheets=[])
    names = {}
    for name, defined in getattr(wb.defined_names, "items", lambda: [])():
        names[name] = defined.attr_text
    pending = []
    for ws in wb.worksheets:
        sheet = SheetLayout(name=ws.title, hidden=ws.sheet_state != "visible")
        sheet.rows = [list(r) for r in ws.iter_rows(values_only=True)]
        sheet.merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, STYLED_ROWS)):
            for cell in row:
                if cell.has_style:
                    sheet.styles[(cell.row - 1, cell.column - 1)] = _style(cell)
                if cell.comment is not None and cell.comment.text:
                    sheet.comments[(cell.row - 1, cell.column - 1)] = cell.comment.text.strip()
        for letter, dim in ws.column_dimensions.items():
            if dim.has_style:
                first, last = dim.min or 0, dim.max or 0
                style = Style(number_format=dim.number_format, font_rgb=_rgb(dim.font.color) if dim.font else None,
                              bold=bool(dim.font and dim.font.b))
                for col in range(max(first, 1) - 1, max(last, first, 1)):
                    sheet.column_styles[col] = style
        for dv in ws.data_validations.dataValidation:
            v = Validation(kind=dv.type or "any", operator=dv.operator, formula1=dv.formula1, formula2=dv.formula2,
                           ranges=_ranges(dv.sqref), error_title=dv.errorTitle, error=dv.error, prompt=dv.prompt)
            sheet.validations.append(v)
            if v.kind == "list":
                pending.append(v)
        book.sheets.append(sheet)
    for v in pending:  # code sheets may come after the data sheet
        v.values, v.source_sheet = resolve_list(v.formula1, book, names)
    return book
