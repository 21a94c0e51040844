"""Worksheets whose every cell is text, read into Arrow string columns (fastexcel).

The national templates format every column as text, so most submitted sheets hold nothing but
text cells. For those, fastexcel (Rust, on calamine) builds one Arrow string column per sheet
column, which costs less than calamine's row lists of Python objects, and lets the checks work on
each column's distinct values (:mod:`aidtools.checks.body`) without making a Python object per
cell. Any other sheet (numbers, dates, booleans, errors, formulas without a cached text) is read
as rows by python-calamine, as before: :func:`load` returns None and the caller takes that route.

Which route a file takes is only a matter of speed: both give the same cell values, placed the
same way (from A1, empty cells ``""``), which the tests check against calamine on many sheets.

fastexcel is asked for strict type inference over every row, so a column it cannot type as one
kind raises instead of being converted; :func:`load` then answers None.
"""
from __future__ import annotations

import logging

import pyarrow as pa
import pyarrow.compute as pc

# fastexcel logs a warning for every all-empty column ("falling back to string"): expected here.
logging.getLogger("fastexcel").setLevel(logging.ERROR)


def _is_text(dtype: pa.DataType) -> bool:
    return (pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype)
            or pa.types.is_null(dtype))


class TextGrid:
    """One all-text worksheet: ``height`` rows from row 1, ``width`` columns from column A (the
    rectangle calamine's rows span), and in ``columns`` a string array per 0-based column index
    that has any content; empty cells are null there."""

    def __init__(self, height: int, width: int, columns: dict[int, pa.Array]):
        self.height = height
        self.width = width
        self.columns = columns

    def column(self, index: int) -> pa.Array | None:
        """Column ``index`` (0-based) as strings with "" for empty cells; None beyond the width."""
        if index >= self.width:
            return None
        found = self.columns.get(index)
        if found is None:
            return pa.array([""] * self.height, type=pa.string())
        return pc.fill_null(found, "") if found.null_count else found

    def _lists(self, stop: int) -> list[list]:
        columns = []
        for j in range(self.width):
            found = self.columns.get(j)
            values = found.slice(0, stop).to_pylist() if found is not None else [None] * stop
            columns.append(["" if v is None else v for v in values])
        return [list(row) for row in zip(*columns)] if columns else [[] for _ in range(stop)]

    def head(self, n: int) -> list[list]:
        """The first ``n`` rows as calamine gives them (lists of str, "" when empty)."""
        return self._lists(min(n, self.height))

    def to_rows(self) -> list[list]:
        return self._lists(self.height)


def _as_array(column) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


_STRICT = dict(header_row=None, skip_rows=0, dtype_coercion="strict", schema_sample_rows=None)


def load(reader, sheet_name: str) -> TextGrid | None:
    """The sheet as a :class:`TextGrid`, or None when a column is not all text (take the rows route).

    ``reader`` is a ``fastexcel.ExcelReader`` opened on a file whose parts have passed the safety
    scan (:func:`aidtools.reading.xlsx_parts.inspect`). Sheets whose cells start in column A (every
    template's do) are read in one eager pass, columns counted from A; others through fastexcel's
    column list, which gives each column's place.
    """
    import fastexcel

    try:
        try:
            batch = reader.load_sheet(sheet_name, eager=True, use_columns="A:", **_STRICT)
            places = range(batch.num_columns)
        except fastexcel.ColumnNotFoundError:  # nothing in column A: the range starts further right
            sheet = reader.load_sheet(sheet_name, **_STRICT)
            places = [column.absolute_index for column in sheet.available_columns()]
            batch = sheet.to_arrow() if places else None
    except fastexcel.UnsupportedColumnTypeCombinationError:  # a column mixes kinds: rows route
        return None
    if batch is None or not len(places):
        return TextGrid(0, 0, {})
    if not all(_is_text(field.type) for field in batch.schema):
        return None
    columns = {}
    for position, place in enumerate(places):
        array = _as_array(batch.column(position))
        if pa.types.is_null(array.type):
            continue
        if not pa.types.is_string(array.type):
            array = array.cast(pa.string())
        if array.null_count < len(array):
            columns[place] = array
    width = max(columns, default=-1) + 1
    height = batch.num_rows if columns else 0
    return TextGrid(height, width, columns)
