"""Reconciliation findings as a DataFrame: one row per finding, with the records behind it.

Columns :data:`COLUMNS`: rule, severity, student_no, programme, academic_year, department (the
college), message (Chinese, masked) and sources (a list of ``{"path", "row"}``).

>>> rows = pd.DataFrame({"student_no": ["S1", "S1"], "programme": ["国家助学金"] * 2,
...                      "academic_year": ["2017-2018"] * 2, "department": ["文学院"] * 2,
...                      "_path": ["a.xlsx", "a.xlsx"], "_row": [2, 3]})
>>> one = collapse(rows, ["student_no", "programme", "academic_year"])
>>> one["sources"].iloc[0]
[{'path': 'a.xlsx', 'row': 2}, {'path': 'a.xlsx', 'row': 3}]
>>> frame = finish(one, "rec.not_enrolled", "学号不在在校生库中。")
>>> to_dicts(frame)[0]["rule"], to_dicts(frame)[0]["severity"]
('rec.not_enrolled', 'error')
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools import findings as F
from aidtools.rules import RULES

COLUMNS = ["rule", "severity", "student_no", "programme", "academic_year", "department", "message", "sources"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


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
    """Findings of one rule in the :data:`COLUMNS` shape; ``message`` and ``severity`` are a
    string or a Series aligned with ``frame`` (severity defaults to the rule catalogue's)."""
    out = pd.DataFrame(index=frame.index)
    out["rule"] = rule
    out["severity"] = severity if severity is not None else RULES[rule].severity
    for col in ("student_no", "programme", "academic_year", "department"):
        out[col] = frame[col] if col in frame.columns else None
    out["message"] = message
    out["sources"] = frame["sources"] if "sources" in frame.columns else [[] for _ in range(len(frame))]
    out = out.astype(object)
    return out.where(out.notna(), None).reset_index(drop=True)


def combine(frames) -> pd.DataFrame:
    """All rules' findings, errors first, then by rule, college and student."""
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return empty()
    out = pd.concat(frames, ignore_index=True)
    order = out["severity"].map(SEVERITY_ORDER)
    out = out.assign(_order=order).sort_values(
        ["_order", "rule", "department", "student_no", "programme", "academic_year"],
        na_position="first", kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)[COLUMNS]


def _plain(value):
    if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):
        return None
    return value


def to_dicts(frame: pd.DataFrame) -> list[dict]:
    """The findings as plain dicts with exactly the keys of :data:`COLUMNS`."""
    out = []
    for rec in frame[COLUMNS].to_dict("records"):
        rec = {k: _plain(v) for k, v in rec.items()}
        rec["sources"] = [{"path": s["path"], "row": int(s["row"])} for s in (rec["sources"] or [])]
        out.append(rec)
    return out


def as_findings(frame: pd.DataFrame, sheets: dict[str, str] | None = None) -> pd.DataFrame:
    """One :class:`aidtools.findings.Finding` row per source record (for feedback workbooks):
    path and row of the record, the rule, severity and message; ``field`` holds the 学号."""
    if not len(frame):
        return F.empty_frame()
    exploded = frame.explode("sources")
    exploded = exploded[exploded["sources"].notna()]
    out = pd.DataFrame({
        "rule": exploded["rule"].to_numpy(), "severity": exploded["severity"].to_numpy(),
        "message": exploded["message"].to_numpy(),
        "path": [s["path"] for s in exploded["sources"]],
        "row": [s["row"] for s in exploded["sources"]],
        "field": "学号", "value": exploded["student_no"].to_numpy(),
    })
    out["sheet"] = out["path"].map(sheets or {})
    return F.normalise_frame(out)
