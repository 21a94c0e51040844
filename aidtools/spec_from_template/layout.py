"""What a template workbook says about itself, whatever format it came in: per sheet its values,
visibility, merged cells, cell formats, fonts and fills, data validations and notes.

The readers (:mod:`.xlsx_layout` for .xlsx/.xlsm, :mod:`.xls_layout` for Excel 97-2003) fill this
model; :mod:`.infer` reads only the model. Rows and columns are 0-based; ranges are inclusive
``(first_row, first_col, last_row, last_col)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

Range = tuple[int, int, int, int]


@dataclass
class Style:
    number_format: str | None = None  # "@" is text
    font_rgb: str | None = None  # "RRGGBB", None when automatic/unknown
    bold: bool = False
    fill_rgb: str | None = None  # solid fill colour "RRGGBB", None for no fill


@dataclass
class Validation:
    kind: str  # list, whole, decimal, textLength, date, time, custom, any
    operator: str | None = None  # between, lessThanOrEqual, ...
    formula1: str | None = None
    formula2: str | None = None
    ranges: list[Range] = field(default_factory=list)
    values: list[str] | None = None  # a list's items, when they could be resolved
    source_sheet: str | None = None  # the sheet a list's items are on (None for an inline list)
    error_title: str | None = None
    error: str | None = None
    prompt: str | None = None

    def covers(self, col: int, row: int) -> bool:
        return any(r0 <= row <= r1 and c0 <= col <= c1 for r0, c0, r1, c1 in self.ranges)

    def covers_column(self, col: int, from_row: int) -> bool:
        return any(c0 <= col <= c1 and r1 >= from_row for r0, c0, r1, c1 in self.ranges)


@dataclass
class SheetLayout:
    name: str
    hidden: bool = False
    rows: list[list] = field(default_factory=list)
    merged: list[Range] = field(default_factory=list)
    styles: dict[tuple[int, int], Style] = field(default_factory=dict)  # (row, col) of the first rows
    column_styles: dict[int, Style] = field(default_factory=dict)  # a column's default format
    validations: list[Validation] = field(default_factory=list)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)

    def value(self, row: int, col: int):
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def text(self, row: int, col: int) -> str:
        v = self.value(row, col)
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()

    def style(self, row: int, col: int) -> Style | None:
        return self.styles.get((row, col)) or self.column_styles.get(col)

    def column_values(self, col: int, first_row: int, last_row: int | None = None) -> list[str]:
        last = len(self.rows) - 1 if last_row is None else min(last_row, len(self.rows) - 1)
        out = [self.text(r, col) for r in range(first_row, last + 1)]
        while out and not out[-1]:
            out.pop()
        return [v for v in out if v]


@dataclass
class BookLayout:
    path: str
    format: str  # xlsx, xlsm, xls
    sheets: list[SheetLayout]
    notes: list[str] = field(default_factory=list)  # what could not be read, said to the user (Chinese)

    def sheet(self, name: str) -> SheetLayout | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None
