"""What the reader hands to the checks: sheets as raw cell values plus the structure around them."""
from __future__ import annotations

from dataclasses import dataclass
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


class Sheet:
    """One worksheet.

    ``rows`` holds raw values as the file stored them, starting at Excel row 1 and column A:
    ``str`` for text, ``float``/``int`` for numbers, ``datetime.date``/``datetime`` for date cells,
    ``bool``, or ``""``/``None`` for blank.

    A sheet read by :mod:`aidtools.reading.grid` (every cell text) keeps its cells as Arrow columns
    in ``grid`` instead; ``rows`` is then built from them on first use, and the checks read the
    columns directly. :meth:`head` gives the first rows without building the rest.
    """

    def __init__(self, name: str, rows: list[list] | None = None, *,
                 merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None,
                 formulas: list[tuple[int, int]] | None = None, hidden_rows: set[int] | None = None,
                 hidden_cols: set[int] | None = None, hidden: bool = False, grid=None):
        self.name = name
        self._rows = rows if rows is not None or grid is not None else []
        self.grid = grid  # a reading.grid.Grid, or None
        self.merged = merged if merged is not None else []  # 0-based ((r0, c0), (r1, c1))
        self.formulas = formulas if formulas is not None else []  # 0-based (r, c) of formula cells
        self.hidden_rows = hidden_rows if hidden_rows is not None else set()  # 0-based row indices
        self.hidden_cols = hidden_cols if hidden_cols is not None else set()  # 0-based column indices
        self.hidden = hidden  # the sheet itself is hidden

    @property
    def rows(self) -> list[list]:
        if self._rows is None:
            self._rows = self.grid.to_rows()
        return self._rows

    def head(self, n: int) -> list[list]:
        """The first ``n`` rows (fewer when the sheet has fewer)."""
        if self._rows is None:
            return self.grid.head(n)
        return self._rows[:n]

    def __repr__(self) -> str:
        source = "grid" if self._rows is None else f"{len(self._rows)} rows"
        return f"Sheet({self.name!r}, {source}, hidden={self.hidden})"


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
