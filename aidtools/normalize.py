"""Normalisation of cell values: from what the reader saw to the text the national system wants.

Every function here is idempotent (normalising twice equals normalising once; property-tested)
and comes in a vectorised form over a pandas Series.

>>> clean_text(" 张\u3000三\u200b ")
'张 三'
>>> parse_date("2017/9/1"), parse_date("20170901"), parse_date("2017.13.1")
('20170901', '20170901', None)
>>> normalise_id(" 11010119900307123x ")
'11010119900307123X'
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pandas._libs import lib

# Zero-width and direction-control characters: invisible, and removed.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u00ad"
# Blank-looking characters that become an ordinary space.
ODD_SPACES = "\u00a0\u3000\u2002\u2003\u2009\t\r\n\x0b\x0c"
_INVISIBLE_RE = f"[{INVISIBLE}]"
_ODD_SPACE_RE = f"[{ODD_SPACES}]"
# Whitespace finding: leading/trailing blanks, any odd space, any invisible character, double spaces.
WHITESPACE_PROBLEM_RE = rf"^\s|\s$|{_ODD_SPACE_RE}|{_INVISIBLE_RE}|  "

_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


def clean_text(value: str) -> str:
    """One value: drop invisible characters, odd spaces to one space, strip."""
    return clean_series(pd.Series([value], dtype=object)).iloc[0]


# A whitespace problem needs at least one of these characters: rows without any are clean already.
_CANDIDATE_RE = re.compile(f"[\\s{INVISIBLE}]")


def plain_strings(text: pd.Series) -> list[str]:
    """The values as a list of str, '' for anything that is not a str (blank)."""
    values = text.to_numpy(dtype=object)
    if lib.is_string_array(values, skipna=True):  # the usual case, checked in C
        return np.where(pd.isna(values), "", values).tolist()
    return [v if type(v) is str else "" for v in values]


class TextView:
    """The values of a text Series as plain ``str`` ('' for blank), computed once and shared by every
    scan of the same values: their lengths, their code points one after another, and which
    characters occur at all."""

    __slots__ = ("strs", "_lengths", "_ends", "_points", "_present")

    def __init__(self, text: pd.Series | list[str]):
        self.strs: list[str] = text if isinstance(text, list) else plain_strings(text)
        self._lengths: np.ndarray | None = None
        self._ends: np.ndarray | None = None
        self._points: np.ndarray | None = None
        self._present: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.strs)

    @property
    def lengths(self) -> np.ndarray:
        if self._lengths is None:
            self._lengths = np.fromiter(map(len, self.strs), dtype=np.int64, count=len(self.strs))
        return self._lengths

    @property
    def ends(self) -> np.ndarray:
        """Where each value ends in :attr:`points` (it starts ``lengths`` before)."""
        if self._ends is None:
            self._ends = np.cumsum(self.lengths)
        return self._ends

    @property
    def points(self) -> np.ndarray:
        """The code points of all values one after another, no separator: bytes when every value is
        ASCII (CPython knows that of a str without looking), else UTF-32. Lone surrogates, which a
        cell read from an .xls or a CSV may hold, come through as their code points."""
        if self._points is None:
            joined = "".join(self.strs)
            if joined.isascii():
                self._points = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
            else:
                self._points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return self._points

    @property
    def present(self) -> np.ndarray:
        """The distinct code points that occur in the values, ascending: a few thousand at most in
        a column of Chinese names, a dozen in a column of numbers."""
        if self._present is None:
            points = self.points
            self._present = np.flatnonzero(np.bincount(points)) if len(points) else np.zeros(0, dtype=np.int64)
        return self._present

    def rows_holding(self, chars: re.Pattern) -> np.ndarray:
        """True where ``chars.search`` matches the value, for a pattern that matches one character at a
        time (a character class: ``[eE]``, ``\\d``, ``[a-z]|[^\\x00-\\x7f]``; no anchors, no lookaround).

        Such a pattern matches a value exactly when it matches one of the value's characters, so the
        characters that occur in the column are tested, each once, instead of the text: most scans
        find none of them and stop there. When some match, the rows holding them are found with one
        numpy lookup over the code points."""
        n = len(self.strs)
        out = np.zeros(n, dtype=bool)
        present = self.present
        if not len(present):
            return out
        probe = "".join(map(chr, present.tolist()))
        matched = [m.start() for m in chars.finditer(probe)]
        if not matched:
            return out
        wanted = np.zeros(int(present[-1]) + 1, dtype=bool)
        wanted[present[matched]] = True
        at = np.flatnonzero(wanted[self.points])
        out[np.searchsorted(self.ends, at, side="right")] = True
        return out


def _clean_all(text: pd.Series) -> pd.Series:
    s = text.astype("string")
    s = s.str.replace(_INVISIBLE_RE, "", regex=True)
    s = s.str.replace(_ODD_SPACE_RE, " ", regex=True)
    s = s.str.replace(r" {2,}", " ", regex=True).str.strip()
    return s.astype(object).where(text.notna(), None)


def _not_str(values: np.ndarray) -> np.ndarray:
    """True for values that are neither str nor None (numbers, dates): they need converting."""
    if lib.is_string_array(values, skipna=True):  # the usual case, checked in C
        return np.zeros(len(values), dtype=bool)
    return np.fromiter((type(v) is not str and v is not None for v in values), dtype=bool, count=len(values))


def clean_series(text: pd.Series, dirty: np.ndarray | None = None) -> pd.Series:
    """Vectorised :func:`clean_text`. Only values with a whitespace problem (``dirty``, computed when
    not given) and non-str values go through the regex replacements; the rest are returned as they are."""
    if dirty is None:
        dirty = has_whitespace_problem(text).to_numpy()
    values = text.to_numpy(dtype=object)
    todo = dirty | _not_str(values)
    out = pd.Series(values, index=text.index, dtype=object).where(text.notna(), None)
    if todo.any():
        out[todo] = _clean_all(text[todo]).to_numpy(dtype=object)
    return out


def has_whitespace_problem(text: pd.Series, view: TextView | None = None) -> pd.Series:
    candidates = (view or TextView(text)).rows_holding(_CANDIDATE_RE)
    out = np.zeros(len(text), dtype=bool)
    if candidates.any():
        out[candidates] = (text[candidates].astype("string").str.contains(WHITESPACE_PROBLEM_RE, regex=True)
                           .fillna(False).to_numpy(dtype=bool))
    return pd.Series(out, index=text.index)


def valid_yyyymmdd(text: pd.Series) -> pd.Series:
    """True where text is an 8-digit real calendar date."""
    s = text.astype("string")
    shaped = s.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
    parsed = pd.to_datetime(s.where(shaped), format="%Y%m%d", errors="coerce")
    return shaped & parsed.notna()


def parse_date_series(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Recognise ``YYYYMMDD``, ``YYYY-M-D``, ``YYYY/M/D``, ``YYYY.M.D``, ``YYYY年M月D日``.

    Returns (normalised ``YYYYMMDD`` or None, reformatted: True where the input was not already
    ``YYYYMMDD``).
    """
    s = text.astype("string")
    direct = valid_yyyymmdd(s)
    parts = s.str.extract(_DATE_RE)
    other = parts[0].notna()
    candidate = parts[0].str.cat(parts[1].str.zfill(2)).str.cat(parts[2].str.zfill(2))
    candidate_ok = other & valid_yyyymmdd(candidate.fillna(""))
    out = s.where(direct, candidate.where(candidate_ok))
    return out.astype(object).where(out.notna(), None), (candidate_ok & ~direct)


def parse_date(value: str) -> str | None:
    return parse_date_series(pd.Series([value], dtype=object))[0].iloc[0]


def parse_month_series(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``YYYYMM`` (month 01..12), also from ``YYYY-MM``, ``YYYY/M``, ``YYYY.M``, ``YYYY年M月``."""
    s = text.astype("string")
    direct = s.str.fullmatch(r"\d{4}(0[1-9]|1[0-2])").fillna(False).astype(bool)
    parts = s.str.extract(_MONTH_RE)
    candidate = parts[0].str.cat(parts[1].str.zfill(2))
    candidate_ok = candidate.str.fullmatch(r"\d{4}(0[1-9]|1[0-2])").fillna(False).astype(bool)
    out = s.where(direct, candidate.where(candidate_ok))
    return out.astype(object).where(out.notna(), None), (candidate_ok & ~direct)


_MAY_UPPER_RE = re.compile(r"[a-z]|[^\x00-\x7f]")  # what upper() may change: a-z and anything not ASCII


def normalise_id_series(text: pd.Series, view: TextView | None = None) -> pd.Series:
    """Identity numbers: cleaned, lowercase ``x`` to ``X``. Only values with a whitespace problem
    or a letter ``upper()`` might change go through the string passes."""
    view = view or TextView(text)
    todo = view.rows_holding(_CANDIDATE_RE) | view.rows_holding(_MAY_UPPER_RE)
    values = text.to_numpy(dtype=object)
    todo |= _not_str(values)
    out = pd.Series(values, index=text.index, dtype=object).where(text.notna(), None)
    if todo.any():
        part = text[todo]
        out[todo] = (clean_series(part).astype("string").str.upper().astype(object)
                     .where(part.notna(), None).to_numpy(dtype=object))
    return out


def normalise_id(value: str) -> str:
    return normalise_id_series(pd.Series([value], dtype=object)).iloc[0]


def dates_to_text(values: pd.Series) -> pd.Series:
    """Excel date/datetime cells as ``YYYYMMDD``."""
    return pd.Series(
        [v.strftime("%Y%m%d") for v in values], index=values.index, dtype=object
    ) if len(values) else values.astype(object)


def numbers_to_text(values: pd.Series) -> pd.Series:
    """Excel numbers as the text a person typed: ``3.0`` → ``3``; huge ones as Excel shows them."""
    x = values.astype(float).to_numpy()
    integral = np.isfinite(x) & (np.floor(x) == x) & (np.abs(x) < 1e15)
    as_int = np.where(integral, x, 0).astype(np.int64).astype(str)
    as_float = np.array([repr(float(v)) for v in x], dtype=object) if (~integral).any() else as_int
    return pd.Series(np.where(integral, as_int, as_float), index=values.index, dtype=object)
