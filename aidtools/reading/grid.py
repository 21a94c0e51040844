"""Worksheets read into Arrow columns (fastexcel) when every column holds one kind of cell.

The national templates format every column as text, so most submitted sheets hold nothing but
text cells, and many of the rest have whole columns typed as numbers (学制 typed as 4). For those,
fastexcel (Rust, on calamine) builds one Arrow column per sheet column, which costs less than
calamine's row lists of Python objects, and lets the checks work on each column's distinct values
(:mod:`aidtools.checks.body`) without making a Python object per cell. Any other sheet (a column
mixing text and numbers, dates, booleans, errors, formulas without a cached value) is read as rows
by python-calamine, as before: :func:`load` returns None and the caller takes that route.

Which route a file takes is only a matter of speed: both give the same cell values, placed the
same way (from A1, empty cells ``""``, numbers as ``float``), which the tests check against
calamine on many sheets.

Two ways in, picked from the safety scan's look at the cells (:class:`~aidtools.reading.extents.ColumnKinds`):

- every cell text: the whole sheet in one pass, rows counted from row 1;
- text in row 1 and one kind per column below it: row 1 as fastexcel's column names, the rows
  below typed per column. Names fastexcel made up (``__UNNAMED__3`` for an empty cell, ``学号_1``
  for a repeated one) are recognised; a sheet where they would be ambiguous goes to calamine.

fastexcel is asked for strict type inference over every row, so a column it cannot type as one
kind raises instead of being converted; :func:`load` then answers None.
"""
from __future__ import annotations

import logging
import re

import pyarrow as pa
import pyarrow.compute as pc

# fastexcel logs a warning for every all-empty column ("falling back to string"): expected here.
logging.getLogger("fastexcel").setLevel(logging.ERROR)

_GENERATED_RE = re.compile(r"__UNNAMED__\d+")
_REPEATED_RE = re.compile(r"(.*)_\d+")


def _is_text(dtype: pa.DataType) -> bool:
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype)


def _is_number(dtype: pa.DataType) -> bool:
    return pa.types.is_float64(dtype)


class Grid:
    """One worksheet as Arrow columns: ``height`` rows from row 1 and ``width`` columns from column
    A (the rectangle calamine's rows span). ``columns`` maps a 0-based column index to its cells
    from row ``start + 1`` on (string or float64 arrays, null when empty; columns without content
    are left out). With ``start`` 1, row 1 is ``header``."""

    def __init__(self, height: int, width: int, columns: dict[int, pa.Array], header: list | None = None):
        self.height = height
        self.width = width
        self.columns = columns
        self.header = header
        self.start = 0 if header is None else 1

    def column(self, index: int) -> pa.Array | None:
        """Column ``index`` from row ``start + 1`` on: text with "" for empty cells, numbers with
        nulls; None beyond the width."""
        if index >= self.width:
            return None
        found = self.columns.get(index)
        if found is None:
            return pa.repeat("", self.height - self.start)
        return pc.fill_null(found, "") if found.null_count and _is_text(found.type) else found

    def _lists(self, stop: int) -> list[list]:
        """Rows ``start`` to ``stop`` (0-based, exclusive) as lists."""
        count = max(stop - self.start, 0)
        columns = []
        for j in range(self.width):
            found = self.columns.get(j)
            values = found.slice(0, count).to_pylist() if found is not None else [None] * count
            columns.append(["" if v is None else v for v in values])
        rows = [list(row) for row in zip(*columns)] if columns else [[] for _ in range(count)]
        if self.header is not None and stop > 0:
            rows.insert(0, list(self.header))
        return rows

    def head(self, n: int) -> list[list]:
        """The first ``n`` rows as calamine gives them ("" when empty)."""
        return self._lists(min(n, self.height))

    def to_rows(self) -> list[list]:
        return self._lists(self.height)


def _as_array(column) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


_STRICT = dict(skip_rows=0, dtype_coercion="strict", schema_sample_rows=None)


def _header(names: list[str]) -> list[str] | None:
    """Row 1 from fastexcel's column names, or None when a made-up name could also be a real one."""
    present = set(names)
    out = []
    for name in names:
        if _GENERATED_RE.fullmatch(name):
            out.append("")
            continue
        repeated = _REPEATED_RE.fullmatch(name)
        if repeated and repeated.group(1) in present:
            return None  # "学号_1": a repeated 学号, or a header really written so
        out.append(name)
    return out


def load(reader, sheet_name: str, typed: bool = False, rows: int | None = None) -> Grid | None:
    """The sheet as a :class:`Grid`, or None when calamine's rows must be read instead.

    ``reader`` is a ``fastexcel.ExcelReader`` opened on a file whose parts have passed the safety
    scan (:func:`aidtools.reading.xlsx_parts.inspect`). ``typed``: row 1 holds text and each column
    below one kind of cell (read row 1 as column names); otherwise every cell is text. ``rows`` is
    the scan's count of rows, which a ``typed`` read must reproduce. Sheets whose cells start in
    column A (every template's do) are read in one eager pass, columns counted from A; others
    through fastexcel's column list, which gives each column's place.
    """
    import fastexcel

    header_row = 0 if typed else None
    try:
        try:
            batch = reader.load_sheet(sheet_name, header_row=header_row, eager=True, use_columns="A:", **_STRICT)
            places = list(range(batch.num_columns))
        except fastexcel.ColumnNotFoundError:  # nothing in column A: the range starts further right
            sheet = reader.load_sheet(sheet_name, header_row=header_row, **_STRICT)
            places = [column.absolute_index for column in sheet.available_columns()]
            batch = sheet.to_arrow() if places else None
    except fastexcel.UnsupportedColumnTypeCombinationError:  # a column mixes kinds: rows route
        return None
    if batch is None or not places:
        return None if typed else Grid(0, 0, {})
    header = None
    if typed:
        named = _header(batch.schema.names)
        if named is None or batch.num_rows + 1 != rows:
            return None  # row 1 is not where fastexcel took its names from, or they are ambiguous
        header = [""] * places[0] + named
    columns = {}
    for position, place in enumerate(places):
        array = _as_array(batch.column(position))
        if pa.types.is_null(array.type) or array.null_count == len(array):
            continue
        if _is_text(array.type):
            array = array if pa.types.is_string(array.type) else array.cast(pa.string())
        elif not (typed and _is_number(array.type)):
            return None  # dates, booleans, durations: calamine's rows
        columns[place] = array
    if typed:
        width = places[-1] + 1
        return Grid(batch.num_rows + 1, width, columns, header=header + [""] * (width - len(header)))
    width = max(columns, default=-1) + 1
    return Grid(batch.num_rows if columns else 0, width, columns)
