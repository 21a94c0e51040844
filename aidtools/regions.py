"""Administrative division codes (GB/T 2260) by year, from python-stdnum's ``cn/loc`` database.

stdnum ships the county codes with the years they were valid (``[-2010]崇文区`` ended in 2010).
We use them for ``id.county``: a code that did not exist in the holder's birth year. The registry
is never complete, so that finding is only a warning.

>>> table = region_table()
>>> table.loc["110101"].to_dict() == {"start": 0, "end": 9999, "name": "东城区"}
True
>>> valid_in_year(pd.Series(["110103", "110101", "999999"]), pd.Series([2015, 2015, 2015])).tolist()
[False, True, False]
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

_RANGE = re.compile(r"^\[(\d{4})?-(\d{4})?\]")


def _entries() -> list[tuple[str, int, int, str]]:
    """(code, start year, end year, name) for every line of stdnum's ``cn/loc.dat``, repeats included."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    rows = []
    province = None
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, _, rest = line.strip().partition(" ")
        name = rest.split('"')[1] if '"' in rest else rest
        start, end = 0, 9999
        m = _RANGE.match(name)
        if m:
            start = int(m.group(1) or 0)
            end = int(m.group(2) or 9999)
            name = name[m.end():]
        rows.append((province + code, start, end, name))
    return rows


@lru_cache(maxsize=1)
def region_table() -> pd.DataFrame:
    """code (index) → start year, end year (inclusive; 0/9999 when open) and name."""
    frame = pd.DataFrame(_entries(), columns=["code", "start", "end", "name"])
    # A code may appear more than once (abolished, later reused): keep the widest span per code.
    frame = frame.groupby("code").agg(start=("start", "min"), end=("end", "max"), name=("name", "last"))
    return frame


@lru_cache(maxsize=1)
def year_spans() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`region_table`'s spans as numpy arrays: the codes as integers (ascending), their start
    and end years, the widest span per code as there. Made without pandas: the identity-number check
    looks 100,000 codes up by number, and a first groupby costs more than the whole parse."""
    rows = [(int(code), start, end) for code, start, end, _ in _entries() if code.isascii() and code.isdigit()]
    codes, starts, ends = (np.array(column, dtype=np.int64) for column in zip(*rows))
    order = np.argsort(codes, kind="stable")
    codes, starts, ends = codes[order], starts[order], ends[order]
    known, first = np.unique(codes, return_index=True)
    return known, np.minimum.reduceat(starts, first), np.maximum.reduceat(ends, first)


def valid_in_year(codes: pd.Series, years: pd.Series) -> pd.Series:
    """True where the 6-digit code existed in that year (vectorised join)."""
    table = region_table()
    start = codes.map(table["start"])
    end = codes.map(table["end"])
    return (start.notna() & (years >= start) & (years <= end)).fillna(False).astype(bool)


def numbers_valid_in_year(codes: np.ndarray, years: np.ndarray) -> np.ndarray:
    """:func:`valid_in_year` for codes given as integers (six ASCII digits read as a number, which
    keeps them apart: no code starts with 0): a binary search in :func:`year_spans`.

    >>> numbers_valid_in_year(np.array([110103, 110101, 999999]), np.array([2015, 2015, 2015])).tolist()
    [False, True, False]
    """
    known, start, end = year_spans()
    at = np.minimum(np.searchsorted(known, codes), len(known) - 1)
    return (known[at] == codes) & (years >= start[at]) & (years <= end[at])


def current_codes(province: str | None = None) -> list[str]:
    """County-level codes still in use, optionally of one province (for the sample generator)."""
    table = region_table()
    ok = (table["end"] == 9999) & ~table.index.str.endswith("00")
    codes = table.index[ok]
    if province:
        codes = codes[codes.str.startswith(province)]
    return list(codes)
