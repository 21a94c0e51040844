"""Reconciliation findings as a findings frame (:data:`aidtools.findings.FIELDS`): one row per finding,
with whom it concerns (student_no, programme, academic_year, department = the college), the message
(Chinese, masked) and the records behind it (``sources``: a list of ``{"path", "row"}``).

>>> rows = pd.DataFrame({"student_no": ["S1", "S1"], "programme": ["国家助学金"] * 2,
...                      "academic_year": ["2017-2018"] * 2, "department": ["文学院"] * 2,
...                      "_path": ["a.xlsx", "a.xlsx"], "_row": [2, 3]})
>>> one = collapse(rows, ["student_no", "programme", "academic_year"])
>>> one["sources"].iloc[0]
[{'path': 'a.xlsx', 'row': 2}, {'path': 'a.xlsx', 'row': 3}]
>>> frame = finish(one, "rec.not_enrolled", "学号不在在校生库中。")
>>> (found,) = F.from_frame(frame)
>>> found.rule, found.severity, found.sources[1].row
('rec.not_enrolled', 'error', 3)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools import findings as F
from aidtools.rules import RULES

WHO = ("student_no", "programme", "academic_year", "department")


def collapse(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per distinct ``keys`` (first row's other values), with ``sources`` and ``n_rows``.

    Sources are the (path, row) of every row of the group, in table order (files in the order
    they were checked, rows in sheet order). Integer keys group fastest.
    """
    if not len(rows):
        out = rows.iloc[0:0].copy()
        out["sources"] = pd.Series(dtype=object)
        out["n_rows"] = pd.Series(dtype="int64")
        return out
    rows = rows.reset_index(drop=True)
    group = rows.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
    ends = np.r_[starts[1:], len(order)]
    # One dict per record behind a finding, then a list slice per finding: no per-group array work.
    records = [{"path": p, "row": r} for p, r in
               zip(rows["_path"].to_numpy(dtype=object)[order].tolist(), rows["_row"].to_numpy(dtype=np.int64)[order].tolist())]
    sources = [records[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
    out = rows.iloc[order[starts]].reset_index(drop=True)
    out["sources"] = pd.Series(sources, dtype=object)
    out["n_rows"] = ends - starts
    return out


def finish(frame: pd.DataFrame, rule: str, message, severity=None) -> pd.DataFrame:
    """Findings of one rule as a findings frame; ``message`` and ``severity`` are a string or a
    Series aligned with ``frame`` (severity defaults to the rule catalogue's)."""
    out = pd.DataFrame(index=frame.index)
    out["rule"] = rule
    out["severity"] = severity if severity is not None else RULES[rule].severity
    out["message"] = message
    for col in WHO:
        out[col] = frame[col] if col in frame.columns else None
    out["sources"] = frame["sources"] if "sources" in frame.columns else None
    return F.normalise_frame(out.reset_index(drop=True))


def combine(frames) -> pd.DataFrame:
    """All rules' findings, errors first, then by rule, college and student."""
    out = F.concat(frames)
    if not len(out):
        return out
    out = out.assign(_order=F.severity_rank(out["severity"])).sort_values(
        ["_order", "rule", "department", "student_no", "programme", "academic_year"],
        na_position="first", kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)
