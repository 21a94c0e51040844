"""One column of a sheet, prepared for the type checks: what kind each cell was, its text, and the
findings every column shares (whitespace, numbers stored for text, over-long cells, required)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import re

from pandas._libs import lib

from aidtools.checks.hits import Hits
from aidtools.normalize import TextView, clean_series, dates_to_text, has_whitespace_problem, numbers_to_text
from aidtools.specs import ColumnSpec
from aidtools.writing.cells import UNSAFE_RE, safe_text, shown_as, unsafe_characters

_KIND_BY_TYPE = {
    str: "text", float: "number", int: "number", bool: "bool", type(None): "empty",
    dt.date: "date", dt.datetime: "date", dt.time: "other", dt.timedelta: "other",
}
_SCI_TEXT = r"^\d(\.\d+)?[eE][+]?\d+$"
_E_RE = re.compile("[eE]")


@dataclass
class Column:
    spec: ColumnSpec
    letter: str
    raw: pd.Series
    kind: pd.Series = None
    text: pd.Series = None  # as typed (numbers and dates rendered as text), None when blank
    clean: pd.Series = None  # text after whitespace normalisation
    value: pd.Series = None  # the normalised value for the import file; None when blank or invalid
    empty: np.ndarray = None
    bad: np.ndarray = None  # an error was found in this cell
    extra: dict = field(default_factory=dict)
    _view: TextView | None = field(default=None, repr=False)
    _view_of: pd.Series | None = field(default=None, repr=False)

    @property
    def view(self) -> TextView:
        """``clean`` as plain strings, computed once per ``clean`` Series (replace ``clean``, never
        assign into it, or the view goes stale)."""
        if self._view is None or self._view_of is not self.clean:
            self._view, self._view_of = TextView(self.clean), self.clean
        return self._view

    @property
    def todo(self) -> np.ndarray:
        """Cells still to check: not blank and no error yet."""
        return ~self.empty & ~self.bad

    def reject(self, mask) -> None:
        mask = np.asarray(mask, dtype=bool)
        self.bad |= mask
        self.value = self.value.where(~mask, None)


def cell_kinds(raw: pd.Series) -> pd.Series:
    """text, number, date, bool, empty or other per cell (object dtype: cheap to compare)."""
    kinds = raw.map(type).map(_KIND_BY_TYPE).fillna("other").astype(object)
    blank_text = (kinds == "text") & (raw == "")
    return kinds.mask(blank_text, "empty")


def as_text(raw: pd.Series, kinds: pd.Series | None = None) -> pd.Series:
    """Raw cell values as the text a person sees: numbers without ``.0``, date cells ``YYYYMMDD``,
    blanks None."""
    kinds = cell_kinds(raw) if kinds is None else kinds
    text = pd.Series(None, index=raw.index, dtype=object)
    is_text = (kinds == "text").to_numpy()
    text[is_text] = raw[is_text]
    for k, render in (("number", numbers_to_text), ("date", dates_to_text)):
        sel = (kinds == k).to_numpy()
        if sel.any():
            text[sel] = render(raw[sel])
    other = kinds.isin(["bool", "other"]).to_numpy()
    if other.any():
        text[other] = raw[other].astype(str)
    return text


def _kinds_and_text(raw: pd.Series) -> tuple[pd.Series, pd.Series, TextView | None, np.ndarray, np.ndarray]:
    """(kind of each cell, its text, the text as a :class:`TextView` when that came for free, where
    the kind is text, where it is number): the kinds compared once, here."""
    values = raw.to_numpy(dtype=object)
    if lib.is_string_array(values, skipna=False):  # every cell text or "" (a blank): the common case
        blank = values == ""
        # One "text" object for every cell (no per-cell str made by astype); fresh arrays, not copied again.
        kinds = np.full(len(values), "text", dtype=object)
        kinds[blank] = "empty"
        kind = pd.Series(kinds, index=raw.index, dtype=object, copy=False)
        text = pd.Series(np.where(blank, None, values), index=raw.index, dtype=object, copy=False)
        return kind, text, TextView(values.tolist()), ~blank, np.zeros(len(values), dtype=bool)
    kind = cell_kinds(raw)
    kinds = kind.to_numpy()
    return kind, as_text(raw, kind), None, kinds == "text", kinds == "number"


def prepare(raw: pd.Series, spec: ColumnSpec, letter: str, hits: Hits, max_cell_chars: int) -> Column:
    col = Column(spec=spec, letter=letter, raw=raw)
    kind, text, view, is_text, is_number = _kinds_and_text(raw)
    col.kind, col.bad = kind, np.zeros(len(raw), dtype=bool)
    where = dict(column=letter, field=spec.header, personal=spec.personal_kind)

    view = view or TextView(text)
    lengths = view.lengths
    too_long = lengths > max_cell_chars
    if too_long.any():
        hits.add(too_long, "cell.length", "单元格内容过长（超过" + str(max_cell_chars) + "个字符），已截断后检查。请核对内容。",
                 values=text.str.slice(0, 20), **where)
        text = text.where(~too_long, text.str.slice(0, max_cell_chars))
        view = TextView(text)
    col.text = text

    dirty = has_whitespace_problem(text, view).to_numpy()
    ws = is_text & dirty
    if ws.any():
        hits.add(ws, "cell.whitespace", "含有首尾空格、全角空格、换行或不可见字符，已自动去除；请在原表中删除，避免导入出错。",
                 values=text, **where)
    col.clean = clean_series(text, dirty)
    if not dirty.any():
        # Nothing was cleaned: the text's view is the clean values' view.
        col._view, col._view_of = view, col.clean
        col.empty = view.lengths == 0
    else:
        col.empty = col.clean.isna().to_numpy() | (col.clean == "").to_numpy()
    col.value = col.clean.where(~col.empty, None)
    _unsafe_characters(col, hits, where)

    if spec.is_textlike:
        _numbers_stored(col, hits, where, is_text, is_number)
    required = spec.required and not spec.required_when
    if required and col.empty.any():
        hits.add(col.empty, "cell.required", f"“{spec.header}”是必填项，不能为空。", **where)
    return col


def _expected_length(col: Column) -> int | None:
    spec = col.spec
    # ID numbers, region codes and mobiles never start with 0 (province codes are 11-83, mobiles
    # start with 1): a short number there lost no zeros (a 15-digit old ID is intact), so the type
    # checks report it instead.
    fixed = {"date8": 8, "month6": 6, "year4": 4}.get(spec.type)
    if fixed:
        return fixed
    if spec.pattern and spec.pattern.startswith(r"^\d{") and spec.pattern.endswith("}$"):
        inner = spec.pattern[4:-2]
        if inner.isdigit():
            return int(inner)
    if spec.type == "student_no":
        # The school's 学号 have one length; the commonest text length in the file is the yardstick.
        typed = col.clean[(col.kind == "text").to_numpy() & ~col.empty]
        if len(typed):
            return int(typed.str.len().mode().iloc[0])
    return None


def _numbers_stored(col: Column, hits: Hits, where: dict, is_text: np.ndarray, number: np.ndarray) -> None:
    """Text-like values stored as Excel numbers: digits lost (error) or merely stored so (warning).
    ``is_text`` and ``number``: where the cell's kind is text, number."""
    spec = col.spec
    # Only cells with an e/E can be scientific notation: one scan of the column's characters finds them.
    sci_text = is_text & col.view.rows_holding(_E_RE)
    if sci_text.any():
        sci_text[sci_text] = col.clean[sci_text].astype("string").str.fullmatch(_SCI_TEXT).fillna(False).to_numpy()
    if not number.any() and not sci_text.any():
        return
    x = pd.to_numeric(col.raw.where(number), errors="coerce").abs().to_numpy(dtype=float)
    lost_digits = (number & ((x >= 1e15) | col.clean.astype("string").str.contains("e", regex=False).fillna(False).to_numpy())) | sci_text
    if lost_digits.any():
        hits.add(lost_digits, "cell.number_stored",
                 f"“{spec.header}”存成了数字，超过15位的数字被Excel改掉了末尾几位（显示成科学计数法），原号码已无法恢复。"
                 "请把该列设置为“文本”格式后重新录入完整号码。", **where)
        col.reject(lost_digits)
    rest = number & ~lost_digits
    if not rest.any():
        return
    lost_zeros = np.zeros(len(col.raw), dtype=bool)
    if spec.type == "code":
        # 民族 "01" typed as 1: the code exists only with its leading zero.
        table = spec.codes()
        width = max(len(e["code"]) for e in table.entries)
        digits = col.clean.where(rest, None)
        padded = digits.astype("string").str.zfill(width)
        lost_zeros = rest & ~digits.isin(table.lookup.keys()).to_numpy() & padded.isin(table.lookup.keys()).fillna(False).to_numpy()
    else:
        expected = _expected_length(col)
        if expected:
            lengths = col.clean.astype("string").str.len().fillna(0).to_numpy()
            lost_zeros = rest & (lengths < expected)
    if lost_zeros.any():
        hits.add(lost_zeros, "cell.number_stored",
                 f"“{spec.header}”存成了数字，开头的0被Excel去掉了。请把该列设置为“文本”格式后重新录入（保留开头的0）。",
                 values=col.clean, **where)
        col.reject(lost_zeros)
    intact = rest & ~lost_zeros
    if intact.any():
        hits.add(intact, "cell.number_stored",
                 f"“{spec.header}”以数字形式存储，内容虽未丢失，但应设置为“文本”格式，以免Excel改动。",
                 values=col.clean, severity="warning", **where)


def _unsafe_characters(col: Column, hits: Hits, where: dict) -> None:
    """``cell.illegal_character``: a value that, cleaned, still holds a character no worksheet can hold
    (a control character, say, from an .xls or a CSV). Every writer shows it visibly
    (:func:`aidtools.writing.cells.safe_text`); the row is held back, so the import file never
    carries a replaced value."""
    view = col.view
    found = view.rows_holding(UNSAFE_RE)
    if not found.any():
        return
    at = np.flatnonzero(found)  # few: the messages and shown values are made for these rows only
    flagged = [view.strs[i] for i in at]
    message = np.full(len(view), None, dtype=object)
    message[at] = [
        f"“{col.spec.header}”含有工作表无法保存的字符（{'、'.join(unsafe_characters(v))}），在反馈和暂缓导入的工作簿中"
        f"显示为“{'”“'.join(dict.fromkeys(shown_as(int(c[2:], 16)) for c in unsafe_characters(v)))}”；本行暂缓导入。"
        "请在原表中删除这些字符（多见于从其他系统导出或粘贴的文字）后重新提交。"
        for v in flagged]
    shown = np.full(len(view), None, dtype=object)
    shown[at] = [safe_text(v) for v in flagged]
    hits.add(found, "cell.illegal_character", pd.Series(message, dtype=object), values=pd.Series(shown, dtype=object),
             **where)
