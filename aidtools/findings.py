"""The one record type every check, merge and reconciliation rule produces: a finding.

A single finding is a :class:`Finding`; many findings travel as a pandas DataFrame with exactly the
columns :data:`FIELDS`, so that they can be filtered, grouped and charted. A cell or row finding says
where it is (path, sheet, row, column, field, value); a reconciliation (``rec.*``) finding says whom it
is about (student_no, programme, academic_year, department = the student's college) and which records
it rests on (``sources``: every (path, row) involved) and, when a check error explains it, that error
(``caused_by``: (path, row, rule)). Fields that do not apply are None.

:data:`SEVERITIES` is the one table of severities: their order (errors first) and Chinese names.

>>> f = Finding(rule="cell.required", severity="error", message="必填", row=3, column="B")
>>> frame = to_frame([f])
>>> list(frame["rule"])
['cell.required']
>>> from_frame(frame)[0].row
3
>>> rec = Finding(rule="rec.not_enrolled", severity="error", message="不在在校生库", student_no="S1",
...               sources=(Source("a.xlsx", 2),))
>>> from_frame(to_frame([rec]))[0].sources
(Source(path='a.xlsx', row=2),)
>>> severity_label("warning"), list(SEVERITIES)
('警告', ['error', 'warning', 'info'])
"""
from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, fields

import pandas as pd

# The severities, most serious first, with the Chinese word a reader sees. Nothing else defines them.
SEVERITIES = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


def severity_label(severity: str | None) -> str:
    """The Chinese name of a severity (an unknown one as it is)."""
    return SEVERITIES.get(severity, severity or "")


def severity_rank(values: pd.Series) -> pd.Series:
    """A sort key for a column of severities: errors 0, warnings 1, info 2, anything else last."""
    return values.map(SEVERITY_RANK).fillna(len(SEVERITIES)).astype(int)


@dataclass(frozen=True)
class Source:
    """A record a finding rests on: the file (display path) and its Excel row."""

    path: str
    row: int


@dataclass(frozen=True)
class Cause:
    """A check error that explains a reconciliation finding: its file, Excel row and rule."""

    path: str
    row: int
    rule: str


@dataclass(frozen=True)
class Finding:
    """One problem found: where it is or whom it concerns, which rule, how bad, and what to do (in Chinese)."""

    rule: str
    severity: str
    message: str
    path: str | None = None
    sheet: str | None = None
    row: int | None = None  # Excel row number (1-based)
    column: str | None = None  # Excel column letter
    field: str | None = None  # the column's header
    value: str | None = None  # the offending value, masked where personal
    student_no: str | None = None  # rec.*: the student
    programme: str | None = None  # rec.*: the aid programme
    academic_year: str | None = None  # rec.*: the academic year
    department: str | None = None  # rec.*: the student's college (院系)
    sources: tuple[Source, ...] = ()  # rec.*: every record involved
    caused_by: tuple[Cause, ...] = ()  # rec.*: the check errors that explain it (then counted as those)

    def to_dict(self) -> dict:
        return asdict(self)


FIELDS = tuple(f.name for f in fields(Finding))
CELL_FIELDS = FIELDS[:FIELDS.index("student_no")]  # what a check of one file fills in


def _dicts(value) -> list[dict]:
    """Sources or causes as given in a frame (dicts, records, or None) as plain dicts."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return []
    return [dict(x) if isinstance(x, dict) else asdict(x) for x in value]


def to_frame(findings) -> pd.DataFrame:
    """Findings (records or dicts) as a DataFrame with the columns :data:`FIELDS`."""
    rows = [f.to_dict() if isinstance(f, Finding) else dict(f) for f in findings]
    # object columns: pandas would infer Arrow strings, which cannot hold every text (a lone surrogate)
    frame = pd.DataFrame(rows, columns=list(FIELDS), dtype=object)
    return normalise_frame(frame)


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a findings frame its canonical columns and types (row as nullable int; ``sources`` a list of
    ``{"path", "row"}`` dicts and ``caused_by`` of ``{"path", "row", "rule"}``, or None where there are none)."""
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
    """A findings frame with no rows (a copy of one built once: pandas takes milliseconds to build one)."""
    return _empty().copy()


@functools.cache
def _empty() -> pd.DataFrame:
    return to_frame([])


def concat(frames) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return empty_frame()
    return normalise_frame(pd.concat(frames, ignore_index=True))


def from_frame(frame: pd.DataFrame) -> list[Finding]:
    """The rows of a findings frame as :class:`Finding` records."""
    out = []
    for rec in frame[list(FIELDS)].to_dict("records"):
        sources = tuple(Source(path=s["path"], row=int(s["row"])) for s in _dicts(rec.pop("sources")))
        causes = tuple(Cause(path=c["path"], row=int(c["row"]), rule=c["rule"]) for c in _dicts(rec.pop("caused_by")))
        rec = {k: (None if (v is None or (not isinstance(v, str) and pd.isna(v))) else v) for k, v in rec.items()}
        if rec["row"] is not None:
            rec["row"] = int(rec["row"])
        out.append(Finding(**rec, sources=sources, caused_by=causes))
    return out


def count(frame: pd.DataFrame, severity: str) -> int:
    return int((frame["severity"] == severity).sum()) if len(frame) else 0


def independent(frame: pd.DataFrame) -> pd.DataFrame:
    """The findings no check error explains (``caused_by`` empty): what counts as a finding of its own."""
    if not len(frame):
        return frame
    caused = frame["caused_by"].map(lambda c: bool(c) if isinstance(c, (list, tuple)) else False)
    return frame[~caused.to_numpy(dtype=bool)]
