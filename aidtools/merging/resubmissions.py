"""Resubmissions: a department that sent the same data twice is merged from its newest file only.

The rule, as users are told it:

- Two files hold **the same data** when they come from the same department, are of the same
  template, and at least half (:data:`SAME_DATA_SHARE`) of the *older* file's record keys (the
  template's first unique key: 学号 for 学生基本信息; 学号+资助项目+资助学年+发放批次 for 资助发放)
  appear in the newer file. Measuring on the older file means a small correction file never
  silently replaces a large earlier one; both are merged and any record in both is merged once
  (``merge.duplicate_across_files``).
- **Newer** means a later modification time (compared to 2 seconds, the resolution of zip archives
  and FAT disks, so copies unpacked together tie). On a tie: the higher revision number in the name
  (``(2)``, ``（3）``, ``v2``, ``第2版``), then a name with a revision word (修改, 修订, 更正, 订正, 最新,
  终版, 定稿, final), then the later name in natural order (``第10`` after ``第9``).
- Files are taken newest first; a file is **superseded** when it holds the same data as a newer
  file that is itself used. Superseded files are never merged; each gets a ``file.superseded`` finding.

>>> names = ["发放.xlsx", "发放(2).xlsx", "发放-修改.xlsx", "发放v3.xlsx", "发放v10.xlsx"]
>>> sorted(names, key=revision_key)
['发放.xlsx', '发放-修改.xlsx', '发放(2).xlsx', '发放v3.xlsx', '发放v10.xlsx']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

import pandas as pd

from aidtools.findings import Finding
from aidtools.rules import RULES
from aidtools.specs import TemplateSpec

SAME_DATA_SHARE = 0.5
MTIME_RESOLUTION = 2  # seconds
_REVISION_NUMBER = re.compile(r"[(（](\d+)[)）]|(?<![A-Za-z])[vV](\d+)|第(\d+)版")
_REVISION_WORD = re.compile(r"修改|修订|更正|订正|最新|终版|定稿|final", re.IGNORECASE)
_DIGITS = re.compile(r"(\d+)")
_KEY_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Supersession:
    """File ``old`` (an index into the reports) is replaced by the newer file ``new``."""

    old: int
    new: int
    share: float  # share of the old file's keys found in the new file


def revision_key(name: str) -> tuple:
    """Sort key of a file name by revision: later revisions sort last."""
    stem = PurePath(name).stem
    numbers = [int(next(g for g in m.groups() if g)) for m in _REVISION_NUMBER.finditer(stem)]
    natural = tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(stem) if part)
    return (numbers[-1] if numbers else 0, bool(_REVISION_WORD.search(stem)), natural, name)


def newness_key(report) -> tuple:
    """Sort key: older first (mtime to :data:`MTIME_RESOLUTION` seconds, then :func:`revision_key`)."""
    return (int(report.mtime // MTIME_RESOLUTION), revision_key(report.path.name), report.display_path)


def record_keys(table: pd.DataFrame | None, spec: TemplateSpec) -> pd.Index:
    """The distinct first-unique-key values of a normalised table (rows with a blank key part left out)."""
    headers = spec.unique[0] if spec.unique else spec.headers
    columns = [spec.column(h).key for h in headers]
    if table is None or not len(table) or any(c not in table.columns for c in columns):
        return pd.Index([], dtype=object)
    joined = table[columns[0]].astype("string")
    for column in columns[1:]:
        joined = joined.str.cat(table[column].astype("string"), sep=_KEY_SEPARATOR)
    return pd.Index(joined.dropna().unique())


def find_supersessions(reports, specs: dict[str, TemplateSpec]) -> list[Supersession]:
    """Every superseded file among ``reports`` (the rule in this module's docstring)."""
    out = []
    groups: dict[tuple, list[int]] = {}
    for index, report in enumerate(reports):
        if report.template in specs and report.table is not None:
            groups.setdefault((report.department, report.template), []).append(index)
    for (_, template), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        spec = specs[template]
        # sets of the distinct keys: pandas' isin on Arrow strings converts the other side value by value
        keys = {i: set(record_keys(reports[i].table, spec)) for i in members}
        kept: list[int] = []
        for i in sorted(members, key=lambda k: newness_key(reports[k]), reverse=True):
            old = keys[i]
            replaced_by = None
            if len(old):
                for j in kept:
                    share = len(old & keys[j]) / len(old)
                    if share >= SAME_DATA_SHARE:
                        replaced_by = Supersession(old=i, new=j, share=share)
                        break
            if replaced_by is None:
                kept.append(i)
            else:
                out.append(replaced_by)
    return sorted(out, key=lambda s: s.old)


def superseded_finding(reports, supersession: Supersession) -> Finding:
    old, new = reports[supersession.old], reports[supersession.new]
    return Finding(
        rule="file.superseded", severity=RULES["file.superseded"].severity, path=old.display_path, sheet=old.sheet,
        message=(f"本部门较新的文件“{new.display_path}”与本文件是同一批数据（本文件{supersession.share:.0%}的记录在新文件中），"
                 "已使用较新的文件，本文件不导入。如两份都需要导入，请合并成一个文件后重新提交。"))
