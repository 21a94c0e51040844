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

import pandas as pd

_RANGE = re.compile(r"^\[(\d{4})?-(\d{4})?\]")


@lru_cache(maxsize=1)
def region_table() -> pd.DataFrame:
    """code (index) → start year, end year (inclusive; 0/9999 when open) and name."""
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
    frame = pd.DataFrame(rows, columns=["code", "start", "end", "name"])
    # A code may appear more than once (abolished, later reused): keep the widest span per code.
    frame = frame.groupby("code").agg(start=("start", "min"), end=("end", "max"), name=("name", "last"))
    return frame


def valid_in_year(codes: pd.Series, years: pd.Series) -> pd.Series:
    """True where the 6-digit code existed in that year (vectorised join)."""
    table = region_table()
    start = codes.map(table["start"])
    end = codes.map(table["end"])
    return (start.notna() & (years >= start) & (years <= end)).fillna(False).astype(bool)


def current_codes(province: str | None = None) -> list[str]:
    """County-level codes still in use, optionally of one province (for the sample generator)."""
    table = region_table()
    ok = (table["end"] == 9999) & ~table.index.str.endswith("00")
    codes = table.index[ok]
    if province:
        codes = codes[codes.str.startswith(province)]
    return list(codes)
