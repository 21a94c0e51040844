"""The data rows of the template's sheet, column by column, as the checks take them.

Blank rows are dropped (a row is blank when every cell is empty or ``""``; whitespace counts as
content, because it is a finding). Each column is handed over either whole (:meth:`raw`, object
values as the reader gave them) or as its distinct values with a code per row (:meth:`distinct`),
so that a check that depends on the cell alone runs once per distinct value.

Two sources, same answers: :class:`RowsBody` over calamine's rows and :class:`GridBody` over the
Arrow columns of a :class:`~aidtools.reading.grid.Grid` (:mod:`aidtools.reading.grid`), where Arrow finds the distinct
values without a Python object per cell.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas._libs import lib

from aidtools.reading.model import Sheet


@dataclass
class Distinct:
    """A column as its distinct values (in order of first appearance) and a code per row."""

    codes: np.ndarray
    values: pd.Series  # object dtype, one entry per distinct value
    raw: pd.Series | None = None  # the whole column, when the source had it already

    def full(self) -> pd.Series:
        """The whole column (object dtype)."""
        if self.raw is None:
            self.raw = pd.Series(self.values.to_numpy(dtype=object)[self.codes], dtype=object, copy=False)
        return self.raw


def _blank_column(n: int) -> pd.Series:
    return pd.Series([None] * n, dtype=object)


def mostly_distinct(sample: list) -> bool:
    """Most of a column's sample values differ (names, mobiles): it is checked row by row anyway,
    so finding its distinct values first would only cost time. Either path gives the same findings."""
    try:
        return len(set(zip(sample, map(type, sample)))) > 0.8 * len(sample)
    except TypeError:  # an unhashable cell value
        return False


_SAMPLE = 2_000


def first_rows(codes: np.ndarray, count: int) -> np.ndarray:
    """The first row holding each code 0..count-1 (every code occurs).

    >>> first_rows(np.array([1, 0, 1, 2]), 3).tolist()
    [1, 0, 3]
    """
    first = np.empty(count, dtype=np.int64)
    rows = np.arange(len(codes), dtype=np.int64)
    first[codes[::-1]] = rows[::-1]  # the last write wins: the first row, written last
    return first


def value_codes(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row's distinct value, the first row of each code). 1, 1.0 and True are equal in
    Python but different cells (number, number, bool): the value's type is part of the key."""
    values = raw.to_numpy(dtype=object)
    if lib.is_string_array(values, skipna=False):  # all text (blank cells are ""): the common case
        # No missing values here, so the default factorize (no NA pass) gives the same codes.
        codes, uniques = pd.factorize(values)
        return codes, first_rows(codes, len(uniques))
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    types, type_names = pd.factorize(pd.Series(values).map(type).to_numpy(dtype=object), use_na_sentinel=False)
    if len(type_names) > 1:
        codes, uniques = pd.factorize(codes.astype(np.int64) * len(type_names) + types, use_na_sentinel=False)
    return codes, first_rows(codes, len(uniques))


def _filled(cells: np.ndarray) -> np.ndarray:
    """True where a cell holds something: not None/NaN and not ""."""
    return ~(pd.isna(cells) | (cells == ""))


def filled_rows(cells: np.ndarray) -> np.ndarray:
    """True for rows with at least one filled cell. Most rows fill their first cell, so only the rest
    need the whole-row test."""
    keep = _filled(cells[:, 0]) if cells.shape[1] else np.zeros(len(cells), dtype=bool)
    rest = np.flatnonzero(~keep)
    if len(rest) and cells.shape[1] > 1:
        keep[rest] = _filled(cells[rest, 1:]).any(axis=1)
    return keep


class RowsBody:
    """Data rows from a sheet's row lists."""

    def __init__(self, rows: list[list], first: int, width: int):
        body = rows[first:]
        frame = pd.DataFrame(body, dtype=object) if body else pd.DataFrame(dtype=object)
        if frame.shape[1] < width:
            for k in range(frame.shape[1], width):
                frame[k] = None
        frame.columns = range(frame.shape[1])
        excel_rows = np.arange(first + 1, first + 1 + len(frame))
        if len(frame):
            keep = filled_rows(frame.to_numpy(dtype=object))
            if not keep.all():
                frame = frame[keep].reset_index(drop=True)
                excel_rows = excel_rows[keep]
        self._frame = frame
        self.n = len(frame)
        self.excel_rows = excel_rows

    def raw(self, index: int) -> pd.Series:
        if index not in self._frame.columns:
            return _blank_column(self.n)
        return self._frame[index].reset_index(drop=True)

    def distinct(self, index: int) -> Distinct | None:
        """Distinct values and codes, or None when a sample shows nearly every value differs."""
        raw = self.raw(index)
        if len(raw) >= 4 * _SAMPLE and mostly_distinct(raw.to_numpy(dtype=object)[:: len(raw) // _SAMPLE].tolist()):
            return None
        codes, first = value_codes(raw)
        return Distinct(codes, raw.iloc[first].reset_index(drop=True), raw)


class GridBody:
    """Data rows from the Arrow columns of a :class:`~aidtools.reading.grid.Grid`: text columns
    ("" when empty) and number columns (null when empty, given to the checks as "" like calamine's)."""

    def __init__(self, grid, first: int, width: int):
        self._grid, self._width = grid, width
        self._first = first - grid.start  # rows of the grid's columns before the data
        n = max(grid.height - first, 0)
        keep = np.zeros(n, dtype=bool)
        for column in grid.columns.values() if n else ():
            part = column.slice(self._first)
            filled = pc.is_valid(part) if _is_number(part) else pc.fill_null(pc.not_equal(part, ""), False)
            keep |= filled.to_numpy(zero_copy_only=False)
        self._keep = None if keep.all() else keep
        excel_rows = np.arange(first + 1, first + 1 + n)
        self.excel_rows = excel_rows if self._keep is None else excel_rows[keep]
        self.n = len(self.excel_rows)

    def _array(self, index: int):
        column = self._grid.column(index)
        if column is None:
            return None
        column = column.slice(self._first)
        return column if self._keep is None else column.filter(self._keep)

    def raw(self, index: int) -> pd.Series:
        array = self._array(index)
        if array is None:
            return _blank_column(self.n)
        values = array.to_numpy(zero_copy_only=False)
        if _is_number(array):  # floats as Python floats, empty cells "" as calamine gives them
            values = values.astype(object)
            values[array.is_null().to_numpy(zero_copy_only=False)] = ""
        return pd.Series(values, dtype=object, copy=False)  # a fresh array: no second copy

    def distinct(self, index: int) -> Distinct | None:
        array = self._array(index)
        if array is None:
            return Distinct(np.zeros(self.n, dtype=np.int64), pd.Series([None], dtype=object))
        n = len(array)
        if n >= 4 * _SAMPLE and mostly_distinct(array.take(pa.array(np.arange(0, n, n // _SAMPLE))).to_pylist()):
            return None
        encoded = pc.dictionary_encode(array, null_encoding="encode")
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        values = ["" if v is None else v for v in encoded.dictionary.to_pylist()]
        return Distinct(codes, pd.Series(values, dtype=object))


def _is_number(array: pa.Array) -> bool:
    return pa.types.is_floating(array.type)


def data_body(sheet: Sheet, first: int, width: int) -> RowsBody | GridBody:
    """The data rows from 0-based sheet row ``first`` on; at least ``width`` columns."""
    if sheet.grid is not None and first >= sheet.grid.start:
        return GridBody(sheet.grid, first, width)
    return RowsBody(sheet.rows, first, width)
