"""Writing cells safely with openpyxl: text stays text, and nothing a department typed ever runs.

Text starting with ``=``, ``+``, ``-`` or ``@`` would be taken for a formula by Excel (formula
injection: ``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``). We store it as a string cell with the
``quotePrefix`` style, which is what Excel itself does when a user types a leading apostrophe.

>>> from openpyxl import Workbook
>>> ws = Workbook().active
>>> cell = write_text(ws, 1, 1, "=HYPERLINK(\\"http://x\\")")
>>> cell.data_type, cell.quotePrefix
('s', True)
"""
from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_FORMAT = "@"


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def write_text(ws, row: int, column: int, value, text_format: bool = True) -> Cell:
    """Write ``value`` as a text cell (never a formula); ``None`` leaves a blank text-formatted cell."""
    cell = ws.cell(row=row, column=column)
    if value is None:
        cell.value = None
    else:
        cell.value = str(value)
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True
    if text_format:
        cell.number_format = TEXT_FORMAT
    return cell


def write_value(ws, row: int, column: int, value) -> Cell:
    """Numbers stay numbers; any text goes through :func:`write_text`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell = ws.cell(row=row, column=column)
        cell.value = value
        return cell
    return write_text(ws, row, column, value, text_format=False)


def csv_safe(value):
    """For CSV output: a leading apostrophe keeps spreadsheet programs from evaluating the text.

    >>> csv_safe("=1+1"), csv_safe("张三"), csv_safe(3)
    ("'=1+1", '张三', 3)
    """
    if is_formula_like(value):
        return "'" + value
    return value


WRAP = Alignment(wrap_text=True, vertical="top")
