"""Aid standards by academic year (``data/policy.csv``): editable data, one row per notice.

A row applies from its ``from_year`` until a later row for the same programme, level, tier and
school replaces it. School rows (``school`` = 学校代码) hold school-set figures such as the
国家助学金 tiers.

>>> float(standard("国家奖学金", "本专科", "2017-2018").amount)
8000.0
>>> float(standard("国家奖学金", "本专科", "2024-2025").amount)
10000.0
>>> float(standard("国家助学金", "本专科", "2017-2018", tier="一等", school="99999").amount)
4000.0
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

LEVELS_OF = {
    "专科": ["本专科"], "本科": ["本专科"],
    "硕士研究生": ["硕士研究生", "研究生"], "博士研究生": ["博士研究生", "研究生"],
}


def _policy_text(path=None) -> str:
    if path:
        return Path(path).read_text(encoding="utf-8")
    return resources.files("aidtools").joinpath("data/policy.csv").read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def load_policy(path: str | None = None) -> pd.DataFrame:
    import io
    frame = pd.read_csv(io.StringIO(_policy_text(path)), dtype=str, keep_default_na=False)
    frame["amount"] = frame["amount"].astype(float)
    return frame


def policy_digest(path: str | None = None) -> str:
    return hashlib.sha256(_policy_text(path).encode("utf-8")).hexdigest()[:12]


def standard(programme: str, level: str, academic_year: str, tier: str = "", school: str = "", path=None):
    """The row in force for one programme, level (本专科/研究生/硕士研究生/...) and year, or None.

    School-set rows win over national ones; among rows of equal rank the latest ``from_year`` wins.
    """
    frame = load_policy(path)
    sel = frame[(frame["programme"] == programme) & (frame["level"] == level) & (frame["from_year"] <= academic_year)
                & (frame["tier"] == (tier or ""))]
    school_rows = sel[sel["school"] == school] if school else sel.iloc[0:0]
    chosen = school_rows if len(school_rows) else sel[sel["school"] == ""]
    if not len(chosen):
        return None
    return chosen.sort_values("from_year").iloc[-1]


def standards_table(academic_years, school: str = "", path=None) -> pd.DataFrame:
    """Every (programme, level, tier, academic_year) standard in force, for vectorised joins."""
    frame = load_policy(path)
    out = []
    for year in sorted(set(academic_years)):
        sel = frame[(frame["from_year"] <= year) & frame["school"].isin(["", school])].copy()
        sel["rank"] = (sel["school"] != "").astype(int)
        sel = sel.sort_values(["rank", "from_year"]).groupby(["programme", "level", "tier"], as_index=False).last()
        sel["academic_year"] = year
        out.append(sel.drop(columns="rank"))
    if not out:
        return frame.iloc[0:0].assign(academic_year=pd.Series(dtype=str))
    return pd.concat(out, ignore_index=True)
