"""What the reader hands to the checks: sheets as raw cell values plus the structure around them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


MAX_COLUMNS = 16_384  # Excel's last column, XFD


def columns_in(ranges: list[tuple[int, int]]) -> set[int]:
    """The 0-based columns covered by inclusive (first, last) ranges, up to Excel's last column.
    Overlapping ranges are merged first, so a file repeating one wide range a million times costs
    a sort, not a million set updates.

    >>> sorted(columns_in([(2, 3), (0, 0), (3, 4)])), len(columns_in([(0, 10**9)] * 1000))
    ([0, 2, 3, 4], 16384)
    """
    out: set[int] = set()
    end = -1
    for first, last in sorted(ranges):
        first, last = max(first, end + 1, 0), min(last, MAX_COLUMNS - 1)
        if first <= last:
            out.update(range(first, last + 1))
            end = last
    return out


@dataclass
class Sheet:
    """One worksheet.

    ``rows`` holds raw values as the file stored them, starting at Excel row 1 and column A:
    ``str`` for text, ``float``/``int`` for numbers, ``datetime.date``/``datetime`` for date cells,
    ``bool``, or ``""``/``None`` for blank.
    """

    name: str
    rows: list[list]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # 0-based (r, c)
    formulas: list[tuple[int, int]] = field(default_factory=list)  # 0-based (r, c) of formula cells
    hidden_rows: set[int] = field(default_factory=set)  # 0-based row indices
    hidden_cols: set[int] = field(default_factory=set)  # 0-based column indices
    hidden: bool = False  # the sheet itself is hidden
    truncated_cells: list[tuple[int, int]] = field(default_factory=list)  # cells cut to Limits.max_cell_chars


@dataclass
class Workbook:
    path: Path
    format: str  # xlsx, xlsm, xls, csv
    sha256: str
    size: int
    sheet_names: list[str]
    sheets: dict[str, Sheet]
    has_macros: bool = False
    writer: str | None = None  # application that saved it, where known
