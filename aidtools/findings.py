"""The one record type every check and every output uses: a finding.

A single finding is a :class:`Finding`; many findings travel as a pandas DataFrame with
exactly the columns :data:`FIELDS`, so that they can be filtered, grouped and charted.

>>> f = Finding(rule="cell.required", severity="error", message="必填", row=3, column="B")
>>> frame = to_frame([f])
>>> list(frame["rule"])
['cell.required']
>>> from_frame(frame)[0].row
3
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import pandas as pd

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One problem found: where it is, which rule, how bad, and what to do (in Chinese)."""

    rule: str
    severity: str
    message: str
    path: str | None = None
    sheet: str | None = None
    row: int | None = None  # Excel row number (1-based)
    column: str | None = None  # Excel column letter
    field: str | None = None  # the column's header
    value: str | None = None  # the offending value, masked where personal

    def to_dict(self) -> dict:
        return asdict(self)


FIELDS = tuple(f.name for f in fields(Finding))


def to_frame(findings) -> pd.DataFrame:
    """Findings (records or dicts) as a DataFrame with the columns :data:`FIELDS`."""
    rows = [f.to_dict() if isinstance(f, Finding) else dict(f) for f in findings]
    frame = pd.DataFrame(rows, columns=list(FIELDS))
    return normalise_frame(frame)


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a findings frame its canonical columns and types (row as nullable int)."""
    for name in FIELDS:
        if name not in frame.columns:
            frame[name] = None
    frame = frame[list(FIELDS)].copy()
    frame["row"] = pd.array(frame["row"], dtype="Int64")
    for name in FIELDS:
        if name != "row":
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


def empty_frame() -> pd.DataFrame:
    return to_frame([])


def concat(frames) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return empty_frame()
    return normalise_frame(pd.concat(frames, ignore_index=True))


def from_frame(frame: pd.DataFrame) -> list[Finding]:
    out = []
    for rec in frame[list(FIELDS)].to_dict("records"):
        rec = {k: (None if (v is None or (not isinstance(v, str) and pd.isna(v))) else v) for k, v in rec.items()}
        if rec["row"] is not None:
            rec["row"] = int(rec["row"])
        out.append(Finding(**rec))
    return out


def count(frame: pd.DataFrame, severity: str) -> int:
    return int((frame["severity"] == severity).sum()) if len(frame) else 0
