"""How large a grid calamine will build for a worksheet, worked out before calamine reads it.

calamine keeps a sheet as one dense rows × columns grid spanning every cell that holds a value, so
two cells far apart (``A1`` and ``XFD1048576``) make it allocate billions of cells: a 1.5 KB file
took 5 GB and 50 s with cells at ``A1`` and ``ZZ200000``, and the process dies outright beyond
that. The ``<dimension>`` element is ignored by calamine and so by us; what counts is where the
cells really are:

- a cell's ``r="XFD9"`` places it; a cell without ``r`` goes one column right of the previous one;
- a row's ``r="9"`` sets the current row; a row without ``r`` is the previous row plus one;
- only cells with content count: ``<c r="XFD1048576" s="3"/>`` (formatting only) allocates nothing,
  and neither does a formatted empty row, so templates formatted down to row 1,048,576 stay cheap.

:class:`Extents` is fed the sheet XML in pieces and keeps upper bounds of the row and column
counts. The fast path is vectorised numpy over the bytes and understands what spreadsheet
programs write (``<c r="A1" ...>`` with ``r`` first, or a bare ``<c>``). Anything else (``r`` not
first, namespace prefixes on ``c``/``row``, ``r='A1'``, a tag cut by a text of many MB) marks the
part as odd, and :func:`exact_extents` reads it again with a real (defusedxml) streaming parser.

The same pass tells which reader a sheet can take (:class:`ColumnKinds`): whether every cell is
text, or each column holds one kind of cell.

>>> e = Extents()
>>> e.feed(b'<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2"><v>1</v></c></row>')
>>> e.feed(b'<row r="900"><c r="XFD900" s="3"/></row>')  # formatting only: no content
>>> e.rows, e.columns, e.odd
(2, 3, False)
"""
from __future__ import annotations

import threading
import xml.sax
from dataclasses import dataclass, field

import numpy as np
from defusedxml import sax as safe_sax

from aidtools.reading.model import MAX_COLUMNS

_LT, _GT, _COLON, _SLASH, _DQ = 60, 62, 58, 47, 34
_PAD = b"\0" * 64  # room for the longest look past a tag: 16 bytes here, 48 in column_kinds
HUGE = 10**12  # stands for "more than any limit" (4+ column letters, 9+ row digits)


def _key(text: bytes) -> int:
    """Bytes as the little-endian integer an 8-byte load of them gives."""
    return int.from_bytes(text, "little")


def _mask(k: int) -> np.uint64:
    return np.uint64((1 << (8 * k)) - 1)


_CELL_R, _ROW_R = _key(b'<c r="'), _key(b'<row r="')
_CELL_BARE, _CELL_EMPTY, _ROW_BARE, _ROW_EMPTY = _key(b"<c>"), _key(b"<c/>"), _key(b"<row>"), _key(b"<row/>")
_ROW = _key(b"<row")


def _words(padded: bytes, n: int) -> np.ndarray:
    """The 8 bytes starting at every offset of ``padded[:n]``, as one uint64 each (a strided view)."""
    return np.ndarray((n,), dtype="<u8", buffer=padded, offset=0, strides=(1,))


def _byte(words: np.ndarray, k: int) -> np.ndarray:
    return ((words >> np.uint64(8 * k)) & np.uint64(0xFF)).astype(np.uint8)


_ONES = 0x0101010101010101
_LOW7, _HIGH = np.uint64(0x7F * _ONES), np.uint64(0x80 * _ONES)
_UPPER = np.uint64(0xDF * _ONES)  # a-z to A-Z (and no other byte into A-Z)
_GATHER = np.uint64(0x0102040810204080)  # bit 8k to bit 56 + k, for k = 0..7 (no two products meet)


def _between(w: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Bit 7 of each byte of the words ``w`` set where ``lo <= byte <= hi`` (ASCII bounds, 1 <= lo),
    exactly per byte: adding to the low 7 bits never carries into the next byte."""
    x = w & _LOW7
    at_least = x + np.uint64((0x80 - lo) * _ONES)
    above = x + np.uint64((0x7F - hi) * _ONES)
    return at_least & ~above & ~w & _HIGH


def _bits(flags: np.ndarray) -> np.ndarray:
    """The bit-7 flags of the 8 bytes of each word as 8 bits, byte 0 as bit 0 (int64)."""
    return ((flags >> np.uint64(7)) * _GATHER >> np.uint64(56)).astype(np.int64)


def _bits16(w0: np.ndarray, w1: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """For 16 bytes as two words: bit k set where byte k is between ``lo`` and ``hi``."""
    return _bits(_between(w0, lo, hi)) | (_bits(_between(w1, lo, hi)) << 8)


def _trailing_zeros16() -> np.ndarray:
    v = np.arange(1 << 16, dtype=np.int64)
    out = np.full(1 << 16, 16, dtype=np.int64)
    out[1:] = np.log2(v[1:] & -v[1:]).astype(np.int64)
    return out


_TRAILING_ZEROS16 = _trailing_zeros16()  # of a 16-bit value; 16 for 0


def _run(bits: np.ndarray) -> np.ndarray:
    """How many of bits 0, 1, … are set before the first clear one (0..16)."""
    return _TRAILING_ZEROS16[~bits & 0xFFFF]


def _byte_at(w0: np.ndarray, w1: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Byte ``k`` (0..15) of the 16 bytes each pair of words holds."""
    k = k.astype(np.uint64)
    low = (w0 >> (np.uint64(8) * np.minimum(k, np.uint64(7)))) & np.uint64(0xFF)
    high = (w1 >> (np.uint64(8) * (np.maximum(k, np.uint64(8)) - np.uint64(8)))) & np.uint64(0xFF)
    return np.where(k < 8, low, high).astype(np.int64)


def _is_space(x: np.ndarray) -> np.ndarray:
    return (x == 32) | (x == 9) | (x == 10) | (x == 13)


def _ends_name(x: np.ndarray) -> np.ndarray:
    """The byte after a tag name: whitespace, ``>`` or ``/``."""
    return _is_space(x) | (x == _GT) | (x == _SLASH)


class Extents:
    """Upper bounds of the rows and columns calamine's grid will have; feed it the sheet XML.

    Each piece given to :meth:`feed` must hold whole tags only (cut before a ``<``).
    """

    def __init__(self):
        self.cell_row = 0  # 1-based, largest r= row of a cell with content
        self.cell_col = 0  # largest r= column of a cell with content
        self.any_col = 0  # largest r= column of any cell (cells without r continue from it)
        self.tag_row = 0  # largest r= of a row tag (cells without r sit in the current row)
        self.implicit_rows = 0  # row tags without r
        self.implicit_content = False  # a cell without r has content
        self.max_implicit_in_row = 0  # most cells without r in one row
        self._implicit_run = 0  # cells without r since the last row tag (rows span pieces)
        self.odd = False  # something the fast path does not understand: use exact_extents
        self.formulas = True  # the last piece fed may hold formula tags (False only when known not to)
        self.content_cells = 0  # cells with content (an upper bound)
        self.text_cells = 0  # cell tags typed as text: t="s", t="str" or t="inlineStr"
        self.kinds = ColumnKinds()

    @property
    def text_only(self) -> bool:
        """Every cell with content is typed as text, as far as the fast path can tell: a guess that
        picks the reader (:mod:`aidtools.reading.grid` or calamine's rows), never a finding."""
        return not self.odd and self.text_cells >= self.content_cells

    @property
    def rows(self) -> int:
        implicit = self.tag_row + self.implicit_rows if self.implicit_content else 0
        return max(self.cell_row, implicit)

    @property
    def columns(self) -> int:
        implicit = self.any_col + self.max_implicit_in_row if self.max_implicit_in_row else 0
        return max(self.cell_col, implicit)

    def feed(self, piece: bytes) -> None:
        """Take in the next piece of the sheet XML (pieces in order)."""
        self.absorb(PieceMeasure() if self.odd else measure(piece))

    def absorb(self, m: "PieceMeasure") -> None:
        """Take in what :func:`measure` found in the next piece (pieces in order). Once the part is
        odd, only the formula flag matters, and it stays on (the real parser decides the rest)."""
        if self.odd:
            self.formulas = True
            return
        self.formulas = m.formulas
        if m.odd:
            self.odd = True
            return
        self.content_cells += m.content_cells
        self.text_cells += m.text_cells
        if m.kinds is not None:
            self.kinds.absorb(m.kinds)
        elif m.content_cells:
            self.kinds.unknown = True
        self.tag_row = max(self.tag_row, m.tag_row)
        self.any_col = max(self.any_col, m.any_col)
        self.cell_row = max(self.cell_row, m.cell_row)
        self.cell_col = max(self.cell_col, m.cell_col)
        self.implicit_rows += m.implicit_rows
        self.implicit_content |= m.implicit_content
        if m.bare_per_row is not None:
            # Cells without r, per row: the run before this piece's first row tag continues the last row.
            per_row = m.bare_per_row.copy()
            per_row[0] += self._implicit_run
            self.max_implicit_in_row = max(self.max_implicit_in_row, int(per_row.max()))
            self._implicit_run = int(per_row[-1])
        elif m.row_tags:
            self._implicit_run = 0

    @staticmethod
    def _largest(words: np.ndarray, end: np.ndarray, digits: np.ndarray) -> int:
        """The largest of the decimal numbers of ``digits`` digits ending just before ``end``.

        The 8 bytes before ``end``, byte-swapped, compare like the numbers themselves once the
        bytes before the digits are masked off (no leading zeros), so nothing is parsed but the
        largest. Numbers of 9 or more digits count as HUGE.
        """
        if not len(end):
            return 0
        if (digits > 8).any():
            return HUGE
        key = words[np.maximum(end - 8, 0)].byteswap()
        shift = np.uint64(8) * (8 - digits).astype(np.uint64)
        key = (key << shift) >> shift
        k = int(np.argmax(key))
        return int(int(key[k]).to_bytes(8, "big")[8 - int(digits[k]):].decode("ascii"))

    @staticmethod
    def _columns(w0: np.ndarray, letters: np.ndarray) -> np.ndarray:
        """Column numbers (A=1) of the up to 3 letters (either case) the words ``w0`` start with;
        4 or more letters: HUGE."""
        upper = w0 & _UPPER
        g0, g1, g2 = (((upper >> np.uint64(8 * k)) & np.uint64(0xFF)).astype(np.int64) - 64 for k in range(3))
        value = np.select([letters == 1, letters == 2, letters == 3], [g0, g0 * 26 + g1, g0 * 676 + g1 * 26 + g2], 0)
        return np.where(letters > 3, HUGE, value)


@dataclass
class PieceMeasure:
    """What :func:`measure` found in one piece."""

    odd: bool = False
    formulas: bool = True  # the piece may hold formula tags (False only when known not to)
    tag_row: int = 0
    any_col: int = 0
    cell_row: int = 0
    cell_col: int = 0
    implicit_rows: int = 0
    implicit_content: bool = False
    row_tags: int = 0
    bare_per_row: np.ndarray | None = None  # cells without r before the first row tag, after each
    content_cells: int = 0  # cells with content (a cell whose next tag is in the next piece counts)
    text_cells: int = 0  # t="s", t="str" and t="inlineStr" attributes
    kinds: "ColumnKinds | None" = None


@dataclass
class ColumnKinds:
    """Which columns hold text cells and which number cells, below row 1, and what row 1 holds.
    A guess at which reader a sheet can take (:mod:`aidtools.reading.grid`), never a finding: what
    it cannot tell (cells without ``r``, a tag longer than it looks at) it calls ``unknown``."""

    text_cols: set[int] = field(default_factory=set)
    number_cols: set[int] = field(default_factory=set)
    number_styles: set[int] = field(default_factory=set)  # s= of number cells (0 when none)
    other: bool = False  # booleans, errors, ISO dates, unknown
    unknown: bool = False
    header_cells: int = 0  # cells with content in row 1
    header_other: bool = False  # a cell in row 1 that is not text

    def absorb(self, other: "ColumnKinds") -> None:
        self.text_cols |= other.text_cols
        self.number_cols |= other.number_cols
        self.number_styles |= other.number_styles
        self.other |= other.other
        self.unknown |= other.unknown
        self.header_cells += other.header_cells
        self.header_other |= other.header_other

    @property
    def typed_columns(self) -> bool:
        """Row 1 is all text and every other column is all text or all numbers."""
        return (not (self.other or self.unknown or self.header_other) and self.header_cells > 0
                and not self.text_cols & self.number_cols)


_TEXT_TYPES = (b' t="s"', b' t="str"', b' t="inlineStr"')
_WINDOW = 48  # bytes of a cell tag looked at: <c r="XFD1048576" s="65535" t="inlineStr"> is 41
_S = ord("s")


def _attribute_at(win: np.ndarray, key: int, before: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(has it, offset of its first value byte) for the 4 bytes ``key`` (`` t="``) in each row of
    ``win`` (contiguous bytes, ``_WINDOW`` a row) before offset ``before``."""
    fours = np.ndarray((len(win), _WINDOW - 3), dtype="<u4", buffer=win, strides=(_WINDOW, 1))
    hit = (fours == key) & (np.arange(_WINDOW - 3) < (before[:, None] - 4))
    return hit.any(axis=1), np.argmax(hit, axis=1) + 4


_T_ATTR, _S_ATTR = _key(b' t="'), _key(b' s="')


# What a cell tag ends with when t= is its last attribute (as Excel, WPS, openpyxl and xlsxwriter
# write it): the 6 bytes before ">" as the high bytes of the 8-byte word ending there.
_ENDS_TEXT6, _ENDS_NUMBER6 = np.uint64(_key(b' t="s"')), np.uint64(_key(b' t="n"'))
_ENDS_OTHER6 = [np.uint64(_key(t)) for t in (b' t="b"', b' t="e"', b' t="d"')]
_ENDS_STR, _ENDS_INLINE, _INLINE_HEAD = (np.uint64(_key(t)) for t in (b' t="str"', b'lineStr"', b' t="in'))


def _windows(padded: bytes, at: np.ndarray) -> np.ndarray:
    """The ``_WINDOW`` bytes from each offset ``at`` (one row each, contiguous)."""
    every = np.ndarray((len(padded) - _WINDOW, _WINDOW), dtype=np.uint8, buffer=padded, strides=(1, 1))
    return np.ascontiguousarray(every[at])


def _kinds_from_window(padded: bytes, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(text, number, other, tag end) of cell tags read from their first ``_WINDOW`` bytes: for the
    tags whose ending does not say (no t=, or t= not last)."""
    win = _windows(padded, at)
    is_gt = win == _GT
    closed = is_gt.any(axis=1)
    gt = np.where(closed, np.argmax(is_gt, axis=1), _WINDOW)
    typed, t_at = _attribute_at(win, _T_ATTR, gt)
    t = win[np.arange(len(at)), np.minimum(t_at, _WINDOW - 1)]
    text = typed & ((t == _S) | (t == ord("i")))
    number = ~typed | (t == ord("n"))
    other = ~closed | ~(text | number)
    return text & closed, number & closed, other, at + gt


def _style_ids(padded: bytes, at: np.ndarray, end: np.ndarray) -> tuple[set[int], bool]:
    """The ``s=`` of each cell tag (0 when it has none), and whether one could not be read."""
    win = _windows(padded, at)
    styled, s_at = _attribute_at(win, _S_ATTR, end - at)
    digits = win[np.arange(len(win))[:, None], np.minimum(s_at[:, None] + np.arange(6), _WINDOW - 1)]
    is_digit = (digits >= 48) & (digits <= 57)
    count = np.argmin(is_digit, axis=1)  # digits before the closing quote
    value = np.zeros(len(digits), dtype=np.int64)
    for k in range(5):
        value = np.where(k < count, value * 10 + (digits[:, k].astype(np.int64) - 48), value)
    unreadable = bool((styled & ((count == 0) | (count > 5) | (end - at >= _WINDOW))).any())
    return set(np.unique(np.where(styled, value, 0)).tolist()), unreadable


def _present(columns: np.ndarray) -> set[int]:
    """The distinct column numbers (a bincount: they are below 16,384, or the part is odd)."""
    return set(np.flatnonzero(np.bincount(columns)).tolist()) if len(columns) else set()


def column_kinds(padded: bytes, words: np.ndarray, at: np.ndarray, after: np.ndarray, columns: np.ndarray,
                 row1: np.ndarray, all_text: bool) -> ColumnKinds:
    """The kinds of the cells whose tags start at ``at`` (cells with content; ``after``: where the
    next tag starts, -1 when in the next piece), from their ``t=`` (none or ``n``: a number; ``s``,
    ``str``, ``inlineStr``: text; anything else: other). Most tags end with their ``t=``, which one
    8-byte load reads; the rest are looked at whole."""
    if len(columns) and columns.max() >= MAX_COLUMNS:  # beyond XFD: the size checks refuse the file
        return ColumnKinds(unknown=True)
    kinds = ColumnKinds(header_cells=int(row1.sum()))
    body = ~row1
    if all_text:
        kinds.text_cols = _present(columns[body])
        return kinds
    end = after - 1  # the ">" of the cell tag, when the next tag follows it directly
    ends = (after > 0) & (np.frombuffer(padded, dtype=np.uint8)[np.maximum(end, 0)] == _GT)
    w = words[np.maximum(end - 8, 0)]
    six = w >> np.uint64(16)
    text = ends & ((six == _ENDS_TEXT6) | (w == _ENDS_STR)
                   | ((w == _ENDS_INLINE) & ((words[np.maximum(end - 16, 0)] >> np.uint64(16)) == _INLINE_HEAD)))
    number = ends & (six == _ENDS_NUMBER6)
    other = ends & ((six == _ENDS_OTHER6[0]) | (six == _ENDS_OTHER6[1]) | (six == _ENDS_OTHER6[2]))
    rest = np.flatnonzero(~(text | number | other))
    if len(rest):
        t, n, o, e = _kinds_from_window(padded, at[rest])
        text[rest], number[rest], other[rest], end[rest] = t, n, o, e
    kinds.header_other = bool((row1 & ~text).any())
    kinds.other = bool((body & other).any())
    kinds.text_cols = _present(columns[body & text])
    numbers = body & number
    kinds.number_cols = _present(columns[numbers])
    if numbers.any():
        kinds.number_styles, unreadable = _style_ids(padded, at[numbers], end[numbers])
        kinds.unknown |= unreadable
    return kinds


_SCRATCH = threading.local()


def _scratch(n: int) -> tuple[memoryview, np.ndarray]:
    """This thread's buffers for a piece of ``n`` bytes: its bytes and zeros past them (the longest
    look past a tag), and one flag per byte. Kept from piece to piece: a fresh 4 MB buffer per piece
    costs its page faults again, a quarter of the measure."""
    size = n + len(_PAD)
    buffer, flags = getattr(_SCRATCH, "held", (b"", None))
    if len(buffer) < size:
        buffer = bytearray(max(size, 2 * len(buffer)))
        flags = np.empty(len(buffer), dtype=bool)
        _SCRATCH.held = (buffer, flags)
    view = memoryview(buffer)[:size]
    view[n:] = _PAD
    return view, flags[:n]


def measure(piece: bytes) -> PieceMeasure:
    """What one piece of sheet XML (whole tags only) says about the grid, independently of the
    other pieces: vectorised numpy over its bytes. Safe to run on several pieces at once in threads
    (numpy releases the GIL); :meth:`Extents.absorb` then takes the results in order."""
    m = PieceMeasure()
    placed = None  # (tag offset, 0-based column, in row 1) of the cells with content and r=
    if not piece:
        return m
    n = len(piece)
    padded, flags = _scratch(n)
    padded[:n] = piece
    a = np.frombuffer(padded, dtype=np.uint8)
    words = _words(padded, n + 16)
    every = np.flatnonzero(np.equal(a[:n], _LT, out=flags))
    if not len(every):
        return m
    colons = np.flatnonzero(np.equal(a[:n], _COLON, out=flags))
    if len(colons):
        # A prefixed <x:c> or <x:row>: calamine reads it, the fast path does not.
        w = words[colons]
        if ((((w >> np.uint64(8)) & _mask(1)) == ord("c")) & _ends_name(_byte(w, 2))
                | (((w >> np.uint64(8)) & _mask(3)) == _key(b"row")) & _ends_name(_byte(w, 4))).any():
            m.odd = True
            return m
        prefixed_formulas = bool(((_byte(w, 1) == ord("f")) & _ends_name(_byte(w, 2))).any())
    else:
        prefixed_formulas = False
    b1 = a[every + 1]
    # Formula tags (<f>, <x:f>) in this piece: the caller looks for formula cells only then.
    m.formulas = prefixed_formulas or bool(((b1 == ord("f")) & _ends_name(a[every + 2])).any())
    picked = np.flatnonzero((b1 == ord("c")) | (b1 == ord("r")))  # cells and rows only, from here on
    lt = every[picked]
    w = words[lt]
    is_cell = (_byte(w, 1) == ord("c")) & _ends_name(_byte(w, 2))
    is_row = ((w & _mask(4)) == _ROW) & _ends_name(_byte(w, 4))
    if not (is_cell.any() or is_row.any()):
        return m
    # What spreadsheet programs write: r=" as the first attribute (<c r="B7" ...>, <row r="7" ...>),
    # or no attributes at all (<c>, <row/>: the next position). Anything else goes to exact_extents.
    cell_r = is_cell & ((w & _mask(6)) == _CELL_R)
    row_r = is_row & (w == np.uint64(_ROW_R))
    cell_bare = is_cell & (((w & _mask(3)) == _CELL_BARE) | ((w & _mask(4)) == _CELL_EMPTY))
    row_bare = is_row & (((w & _mask(5)) == _ROW_BARE) | ((w & _mask(6)) == _ROW_EMPTY))
    if (is_cell & ~cell_r & ~cell_bare).any() or (is_row & ~row_r & ~row_bare).any():
        m.odd = True
        return m
    # A cell has content unless the next tag closes something (</c>, </row>) or starts the next
    # cell or row; a cell whose next tag is in the next piece counts as having content.
    last = picked + 1 >= len(every)
    nxt = words[every[np.minimum(picked + 1, len(every) - 1)]]
    n1 = _byte(nxt, 1)
    empty = ~last & ((n1 == _SLASH) | ((n1 == ord("c")) & _ends_name(_byte(nxt, 2)))
                     | ((nxt & _mask(4)) == _ROW))
    content = is_cell & ~empty

    has_r = cell_r | row_r
    if has_r.any():
        on_row = row_r[has_r]
        start = lt[has_r] + np.where(on_row, 8, 6)
        # The 16 bytes after r=" as two words, each byte classified at once (SWAR): letters (a-z read
        # as A-Z, as calamine does), then digits, then the closing quote.
        w0, w1 = words[start], words[start + 8]
        letters = _run(_bits16(w0 & _UPPER, w1 & _UPPER, 65, 90))
        digits = _run(_bits16(w0, w1, 48, 57) >> letters)
        end = letters + digits
        quoted = (_bits16(w0, w1, _DQ, _DQ) >> end) & 1
        if ((digits <= 0) | (quoted == 0) | (_byte_at(w0, w1, letters) == ord("0"))
                | (on_row & (letters > 0)) | (~on_row & (letters == 0))).any():
            m.odd = True  # r="AB", r="A01", r="A1 ", r="7" on a cell, "B7" on a row: the real parser decides
            return m
        stop = start + end
        m.tag_row = Extents._largest(words, stop[on_row], digits[on_row])
        cells = ~on_row
        if cells.any():
            columns = Extents._columns(w0, letters)
            m.any_col = int(columns[cells].max())
            full = content[has_r] & cells
            if full.any():
                m.cell_row = Extents._largest(words, stop[full], digits[full])
                m.cell_col = int(columns[full].max())
                row1 = digits[full] == 1  # then the one digit must be "1"
                if row1.any():
                    ones = np.flatnonzero(full)[row1]
                    row1[row1] = _byte_at(w0[ones], w1[ones], letters[ones]) == ord("1")
                placed = (np.flatnonzero(has_r)[full], columns[full] - 1, row1)  # which of picked, column, in row 1

    m.implicit_rows = int(row_bare.sum())
    m.implicit_content = bool((cell_bare & content).any())
    m.content_cells = int(content.sum())
    for text_type in _TEXT_TYPES if m.content_cells else ():  # the commonest first; stop once all are found
        m.text_cells += piece.count(text_type)
        if m.text_cells >= m.content_cells:
            break
    if m.content_cells:
        if m.implicit_content:  # cells without r: their columns are not worked out here
            m.kinds = ColumnKinds(unknown=True)
        elif placed is not None:
            which, columns, row1 = placed
            all_text = m.text_cells >= m.content_cells
            at = after = None  # where each cell's tag starts, and the next tag: only for sheets not all text
            if not all_text:
                at = lt[which]
                after = np.where(last[which], -1, every[np.minimum(picked[which] + 1, len(every) - 1)])
            m.kinds = column_kinds(padded, words, at, after, columns, row1, all_text=all_text)
    m.row_tags = int(is_row.sum())
    if cell_bare.any():
        # Cells without r, per row: group each by the row tags before it in this piece.
        group = np.searchsorted(lt[is_row], lt[cell_bare], side="right")
        m.bare_per_row = np.bincount(group, minlength=m.row_tags + 1)
    return m


class _ExactHandler(xml.sax.ContentHandler):
    """calamine's placement rules, element by element; a cell counts once something is inside it."""

    def __init__(self):
        super().__init__()
        self.row = -1
        self.col = -1
        self.in_cell = False
        self.content = False
        self.rows = 0
        self.columns = 0

    def startElement(self, name, attrs):
        local = name.rsplit(":", 1)[-1]
        if self.in_cell:
            self.content = True
        elif local == "row":
            r = (attrs.get("r") or "").strip()
            self.row = min(int(r), HUGE) - 1 if r.isdigit() else self.row + 1
            self.col = -1
        elif local == "c":
            ref = (attrs.get("r") or "").strip().upper()
            letters = ref.rstrip("0123456789")
            digits = ref[len(letters):]
            if letters.isalpha() and digits:
                col = 0
                for ch in letters[:5]:
                    col = col * 26 + ord(ch) - 64
                self.col = col - 1 if len(letters) <= 4 else HUGE
                self.row = min(int(digits), HUGE) - 1
            else:
                self.col += 1
            self.in_cell, self.content = True, False

    def endElement(self, name):
        if self.in_cell and name.rsplit(":", 1)[-1] == "c":
            self.in_cell = False
            if self.content:
                self.rows = max(self.rows, self.row + 1)
                self.columns = max(self.columns, self.col + 1)

    def characters(self, content):
        if self.in_cell and content.strip():
            self.content = True


def exact_extents(stream, chunk: int = 1 << 20) -> tuple[int, int]:
    """(rows, columns) of a sheet part read with a streaming, entity-refusing XML parser.

    Slower than :class:`Extents`; used only for parts it marked odd.
    """
    handler = _ExactHandler()
    parser = safe_sax.make_parser()
    parser.setContentHandler(handler)
    while True:
        data = stream.read(chunk)
        if not data:
            break
        parser.feed(data)
    parser.close()
    return handler.rows, handler.columns
