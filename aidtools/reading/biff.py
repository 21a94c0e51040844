"""A walk over the records of an .xls workbook stream (BIFF), before calamine reads it.

calamine builds one dense grid per sheet up to the last cell record, trusting the row and column
the record claims: one record patched to row 60000, column 60000 made it ask for 115 GB and abort
the process; column 65535 on row 5000 took 22 GB. This walk finds, per sheet, the largest row and
column of any cell record, and whether the file is encrypted (a FILEPASS record). The same walk
notes what the structure checks need and calamine does not say for .xls: formula cells (FORMULA),
hidden rows (ROW with fDyZero) and hidden columns (COLINFO with fHidden), per sheet (BOUNDSHEET
gives each sheet's place in the stream). It is a plain loop over records (they chain by length, so
it cannot be vectorised); a 65,536-row sheet walks in about a second.

>>> import struct
>>> rec = lambda kind, body: struct.pack("<HH", kind, len(body)) + body
>>> stream = (rec(0x0809, b"\\0" * 16) + rec(0x0203, struct.pack("<HHHd", 4, 2, 0, 1.5))
...           + rec(0x000A, b"") + rec(0x0809, b"\\0" * 16) + rec(0x00FD, struct.pack("<HHHI", 0, 299, 0, 0)))
>>> scan_biff(stream)
BiffScan(grids=[(5, 3), (1, 300)], encrypted=False)
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from aidtools.reading.model import columns_in

_HEADER = struct.Struct("<HH")
_ROW_COL = struct.Struct("<HH")
_LAST_COL = struct.Struct("<H")
_BOF = (0x0809, 0x0409, 0x0209, 0x0009)
_FILEPASS = 0x002F
# Records that place one value: FORMULA, LABELSST, NUMBER, LABEL, BOOLERR, RK, RSTRING and the
# BIFF2-4 forms. BLANK/MULBLANK only format a cell and allocate nothing.
_CELL = frozenset({0x0006, 0x0206, 0x0406, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6,
                   0x0002, 0x0003, 0x0004, 0x0005})
_MULRK = 0x00BD  # row, first column, RK values..., last column
_FORMULA = frozenset({0x0006, 0x0206, 0x0406})
_ROW = 0x0208  # row, first col, last col, height, 2 reserved words, options (0x20: hidden)
_COLINFO = 0x007D  # first col, last col, width, format, options (0x01: hidden)
_BOUNDSHEET = 0x0085  # stream offset of the sheet's BOF, visibility, type, name
_ROW_HIDDEN, _COL_HIDDEN = 0x0020, 0x0001


@dataclass
class BiffSheet:
    """Structure found in one substream (a sheet), 0-based."""

    offset: int  # where its BOF record starts in the stream
    formulas: list[tuple[int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_col_ranges: list[tuple[int, int]] = field(default_factory=list)  # inclusive

    @property
    def hidden_cols(self) -> set[int]:
        return columns_in(self.hidden_col_ranges)


@dataclass
class BiffScan:
    grids: list[tuple[int, int]] = field(default_factory=list)  # (rows, columns) per substream with cells
    encrypted: bool = False
    substreams: list[BiffSheet] = field(default_factory=list, repr=False)
    sheet_offsets: list[int] = field(default_factory=list, repr=False)  # BOUNDSHEET order = workbook order

    @property
    def cells(self) -> int:
        return sum(r * c for r, c in self.grids)

    def structure(self, sheet_names: list[str]) -> dict[str, tuple[list, set, set]]:
        """(formulas, hidden rows, hidden columns) by sheet name, for the names in workbook order as
        calamine lists them; empty when the two lists of sheets do not line up."""
        if len(sheet_names) != len(self.sheet_offsets):
            return {}
        by_offset = {s.offset: s for s in self.substreams}
        out = {}
        for name, offset in zip(sheet_names, self.sheet_offsets):
            sheet = by_offset.get(offset)
            if sheet is not None:
                out[name] = (sorted(sheet.formulas), sheet.hidden_rows, sheet.hidden_cols)
        return out


def scan_biff(stream: bytes) -> BiffScan:
    out = BiffScan()
    rows = cols = 0
    sheet = BiffSheet(offset=0)
    pos, end = 0, len(stream) - 4
    unpack_header, unpack_cell, unpack_last = _HEADER.unpack_from, _ROW_COL.unpack_from, _LAST_COL.unpack_from
    while pos <= end:
        start = pos
        kind, length = unpack_header(stream, pos)
        body = pos + 4
        pos = body + length
        if pos > len(stream):  # a record cut off by the end of the stream: nothing more to read
            break
        if kind in _CELL:
            if length >= 4:
                row, col = unpack_cell(stream, body)
                rows, cols = max(rows, row + 1), max(cols, col + 1)
                if kind in _FORMULA:
                    sheet.formulas.append((row, col))
        elif kind == _MULRK:
            if length >= 6:
                row, _ = unpack_cell(stream, body)
                (last,) = unpack_last(stream, body + length - 2)
                rows, cols = max(rows, row + 1), max(cols, last + 1)
        elif kind == _ROW:
            if length >= 14 and unpack_last(stream, body + 12)[0] & _ROW_HIDDEN:
                sheet.hidden_rows.add(unpack_last(stream, body)[0])
        elif kind == _COLINFO:
            if length >= 10 and unpack_last(stream, body + 8)[0] & _COL_HIDDEN:
                sheet.hidden_col_ranges.append(unpack_cell(stream, body))
        elif kind == _BOUNDSHEET:
            if length >= 4:
                out.sheet_offsets.append(struct.unpack_from("<I", stream, body)[0])
        elif kind in _BOF:
            if rows:
                out.grids.append((rows, cols))
            rows = cols = 0
            sheet = BiffSheet(offset=start)
            out.substreams.append(sheet)
        elif kind == _FILEPASS:
            out.encrypted = True
            break
    if rows:
        out.grids.append((rows, cols))
    return out


def records(stream: bytes):
    """Every record of a BIFF stream as (offset, kind, body), in order; stops at a cut-off record.
    CONTINUE records (0x003C) are yielded as they are: the caller joins them where it needs to."""
    pos, end = 0, len(stream) - 4
    unpack_header = _HEADER.unpack_from
    while pos <= end:
        kind, length = unpack_header(stream, pos)
        body = pos + 4
        if body + length > len(stream):
            return
        yield pos, kind, stream[body:body + length]
        pos = body + length
