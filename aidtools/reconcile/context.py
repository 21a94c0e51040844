"""The joined view every reconciliation rule works on.

Every student number in any table gets an integer id (``sid``) from one factorisation, every
academic year a small code (``ycode``) and every programme its position in the 资助项目 code table
(``pcode``; loans come after the last programme). The enrolled students' attributes are numpy
arrays indexed by ``sid`` (:meth:`Context.at`), so a rule reads "this record's student's status" by
array indexing instead of a string merge, and whether a student was recognised as difficult in a
year is one array read (:meth:`Context.rank_of`).

Only rows whose key fields are valid take part: a row whose 学号 is blank or invalid cannot be
joined and is left to the cell findings that already reported it; other bad cells in a row do
not keep the row out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aidtools.codetables import load_code_tables
from aidtools.reconcile.text import LOAN_PROGRAMME

LEAVER_STATUSES = ("退学", "毕业", "结业", "肄业")  # aid to them is an error ...
# ... except, for students who finished the course (毕业, 结业), aid for an academic year up to the
# last one of their 学制 (:func:`last_enrolled_year`): they were at school then.
FINISHED_STATUSES = ("毕业", "结业")
PAUSED_STATUSES = ("休学", "保留学籍")  # aid to them is a warning
GRADUATE_LEVELS = ("硕士研究生", "博士研究生")
UNDERGRADUATE_LEVELS = ("专科", "本科")
NOT_DIFFICULT = "不困难"
# 认定等级 as a rank: smaller is more difficult; NO_RECORD when there is no difficulty row.
LEVEL_RANK = {"特别困难": 0, "困难": 1, "一般困难": 2, NOT_DIFFICULT: 3}
NO_RECORD = 9
STUDENT_ATTRIBUTES = {  # per-student array ← enrolled-table key
    "name": "name", "id_no": "id_no", "college": "college", "level": "level", "status": "status",
    "grade": "grade", "school": "school_code", "campus": "campus",
}
RECORD_TABLES = ("difficulty", "disbursement", "loan")
# The columns the rules read; the rest of a wide table is not copied around.
NEEDED = {
    "student": ["school_code", "student_no", "name", "id_no", "college", "grade", "duration", "level", "enrol_month",
                "status", "campus"],
    "difficulty": ["student_no", "name", "id_no", "academic_year", "level"],
    "disbursement": ["student_no", "name", "id_no", "college", "programme", "academic_year", "tier", "amount", "batch"],
    "loan": ["student_no", "name", "id_no", "academic_year", "amount"],
    "allocation": ["programme", "academic_year", "college", "fund_source", "quota", "amount"],
}
PROVENANCE = ["_path", "_row", "_department"]


def obj(values, index=None) -> pd.Series:
    """A Series of Python objects (None for missing), never pandas' inferred string dtype:
    object columns keep every comparison and lookup on one fast, predictable path."""
    return pd.Series(np.asarray(values, dtype=object), index=index, dtype=object)


@dataclass
class Context:
    enrolled: pd.DataFrame  # every enrolled row with a valid 学号 (a 学号 may repeat across files)
    students: pd.DataFrame  # one row per enrolled 学号 (its first row), with ``sid``
    difficulty: pd.DataFrame
    disbursement: pd.DataFrame
    loan: pd.DataFrame
    allocation: pd.DataFrame
    programmes: pd.DataFrame  # the 资助项目 code table: subsystem, need_based, exclusive_group, tiered
    years: pd.Index  # academic years, position = year code
    n_students: int
    per_student: dict  # name -> numpy array indexed by sid (None where not enrolled)
    difficulty_rank: np.ndarray  # best 认定等级 rank per sid * len(years) + year code
    as_of: dt.date | None = None
    school: str | None = None
    extra: dict = field(default_factory=dict)

    def at(self, rows: pd.DataFrame, name: str) -> np.ndarray:
        """The enrolled attribute ``name`` of each row's student (see :data:`STUDENT_ATTRIBUTES`,
        plus ``enrolled``, ``leaver``, ``paused``, ``finished``, ``last_year``, ``graduate``, ``undergraduate``)."""
        return self.per_student[name][rows["sid"].to_numpy()]

    def rank_of(self, records: pd.DataFrame) -> np.ndarray:
        """The best 认定等级 rank of each record's student in the record's academic year."""
        sid = records["sid"].to_numpy()
        year = records["ycode"].to_numpy()
        ok = (sid >= 0) & (year >= 0)
        out = np.full(len(records), NO_RECORD, dtype=np.int8)
        out[ok] = self.difficulty_rank[sid[ok].astype(np.int64) * len(self.years) + year[ok]]
        return out

    def year_start(self, rows: pd.DataFrame) -> np.ndarray:
        """The first calendar year of each row's academic year (-1 when unknown)."""
        starts = np.array([int(y[:4]) for y in self.years] + [-1], dtype=np.int64)
        return starts[rows["ycode"].to_numpy()]  # ycode -1 reads the trailing -1


def last_enrolled_year(students: pd.DataFrame) -> np.ndarray:
    """The first calendar year of each student's last academic year at school by the enrolled table
    (-1 where it cannot be told): the first year plus 学制 rounded up, minus one.

    The first year is 年级, or the year of 入学年月; when both are given and disagree (a warning of
    their own) the later one counts, so that a doubt about the dates never makes an error.

    >>> last_enrolled_year(pd.DataFrame({"grade": ["2013", "2015", None, "2016"],
    ...                                  "enrol_month": ["201309", "201509", "201409", None],
    ...                                  "duration": ["4", "2.5", "3", None]})).tolist()
    [2016, 2017, 2016, -1]
    """
    grade = pd.to_numeric(students["grade"], errors="coerce").to_numpy(dtype=float)
    enrol_year = pd.to_numeric(students["enrol_month"].astype(str).str.slice(0, 4), errors="coerce").to_numpy(dtype=float)
    years = np.ceil(pd.to_numeric(students["duration"], errors="coerce").to_numpy(dtype=float))
    last = np.fmax(grade, enrol_year) + years - 1
    return np.where(np.isnan(last), -1, last).astype(np.int64)


def programme_table() -> pd.DataFrame:
    """The 资助项目 code table as a frame indexed by name (attributes as data, not code)."""
    entries = load_code_tables()["programme"].entries
    frame = pd.DataFrame([{
        "programme": e["name"], "code": e["code"], "subsystem": e.get("subsystem", "both"),
        "need_based": str(e.get("need_based", "no")), "exclusive_group": e.get("exclusive_group"),
        "tiered": bool(e.get("tiered", False)),
    } for e in entries])
    for col in ("programme", "code", "subsystem", "need_based", "exclusive_group"):
        frame[col] = obj(frame[col].where(frame[col].notna(), None))
    return frame.set_index(pd.Index(frame["programme"].to_numpy(), dtype=object), drop=False)


def _slim(frame: pd.DataFrame, template: str, *keys: str) -> pd.DataFrame:
    """The columns the rules need, as object columns, for rows whose ``keys`` are all valid."""
    keep = np.ones(len(frame), dtype=bool)
    for key in keys:
        keep &= frame[key].notna().to_numpy()
    out = {}
    for col in NEEDED[template] + PROVENANCE:
        values = frame[col].to_numpy()[keep] if col in frame.columns else np.full(int(keep.sum()), None, dtype=object)
        out[col] = values.astype(np.int64) if col == "_row" else obj(values)
    # Blank cells stay None (or NaN from pandas' string columns): the rules test with notna.
    return pd.DataFrame(out)


def _number(values: pd.Series) -> np.ndarray:
    """Amounts as floats (NaN where blank). The checked values are plain decimal text, which
    numpy parses faster than ``pd.to_numeric``; anything odd falls back to the latter."""
    raw = values.to_numpy(dtype=object)
    try:
        return np.where(pd.isna(raw), "nan", raw).astype(float)
    except (TypeError, ValueError):
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def build_context(tables: dict[str, pd.DataFrame], as_of=None, school=None) -> Context:
    """Key every table by student, year and programme; lay the enrolled attributes out by student."""
    enrolled = _slim(tables["student"], "student", "student_no")
    records = {name: _slim(tables[name], name, "student_no") for name in RECORD_TABLES}
    allocation = _slim(tables["allocation"], "allocation", "programme", "academic_year", "college")

    # One factorisation of every 学号 in every table: sid is an index into per-student arrays.
    frames = [enrolled] + [records[n] for n in RECORD_TABLES]
    codes, uniques = pd.factorize(np.concatenate([f["student_no"].to_numpy(dtype=object) for f in frames]))
    n_students = len(uniques)
    bounds = np.cumsum([0] + [len(f) for f in frames])
    for frame, lo, hi in zip(frames, bounds[:-1], bounds[1:]):
        frame["sid"] = codes[lo:hi].astype(np.int64)

    year_values = np.concatenate([f["academic_year"].to_numpy(dtype=object) for f in list(records.values()) + [allocation]])
    years = pd.Index(sorted(pd.unique(year_values[pd.notna(year_values)])), dtype=object)
    for frame in list(records.values()) + [allocation]:
        frame["ycode"] = years.get_indexer(frame["academic_year"].to_numpy(dtype=object)).astype(np.int64)

    programmes = programme_table()
    pay = records["disbursement"]
    pay["pcode"] = programmes.index.get_indexer(pay["programme"].to_numpy(dtype=object)).astype(np.int64)
    records["loan"]["pcode"] = np.int64(len(programmes))
    records["loan"]["programme"] = obj(np.full(len(records["loan"]), LOAN_PROGRAMME, dtype=object))
    records["loan"]["tier"] = obj(np.full(len(records["loan"]), None, dtype=object))
    records["difficulty"]["pcode"] = np.int64(-1)
    allocation["pcode"] = programmes.index.get_indexer(allocation["programme"].to_numpy(dtype=object)).astype(np.int64)

    students = enrolled.drop_duplicates("student_no", keep="first").reset_index(drop=True)
    where = students["sid"].to_numpy()
    per_student = {"enrolled": np.zeros(n_students, dtype=bool)}
    per_student["enrolled"][where] = True
    for target, source in STUDENT_ATTRIBUTES.items():
        values = np.full(n_students, None, dtype=object)
        values[where] = students[source].to_numpy(dtype=object)
        per_student[target] = values
    if school:
        per_student["school"] = np.where(per_student["enrolled"], school, None).astype(object)
    for flag, column, names in (("leaver", "status", LEAVER_STATUSES), ("paused", "status", PAUSED_STATUSES),
                                ("graduate", "level", GRADUATE_LEVELS), ("undergraduate", "level", UNDERGRADUATE_LEVELS)):
        values = np.zeros(n_students, dtype=bool)
        values[where] = students[column].isin(names).to_numpy()
        per_student[flag] = values
    per_student["finished"] = np.zeros(n_students, dtype=bool)
    per_student["finished"][where] = students["status"].isin(FINISHED_STATUSES).to_numpy()
    per_student["last_year"] = np.full(n_students, -1, dtype=np.int64)
    per_student["last_year"][where] = last_enrolled_year(students)

    for name, frame in records.items():
        sid = frame["sid"].to_numpy()
        frame["enrolled"] = per_student["enrolled"][sid]
        # The college a finding is routed to: the enrolled one, else the record's own, else the
        # folder the file came from (difficulty and loan records carry no 院系).
        department = per_student["college"][sid]
        own = frame["college"].to_numpy(dtype=object) if "college" in frame.columns else frame["_department"].to_numpy(dtype=object)
        department = np.where(pd.isna(department), own, department)
        department = np.where(pd.isna(department), frame["_department"].to_numpy(dtype=object), department)
        frame["department"] = obj(department)
        if "amount" in frame.columns:
            frame["amount_value"] = _number(frame["amount"])
    allocation["amount_value"] = _number(allocation["amount"])
    allocation["quota_value"] = _number(allocation["quota"])

    difficulty = records["difficulty"]
    rank = np.full(n_students * max(len(years), 1), NO_RECORD, dtype=np.int8)
    known = difficulty[difficulty["level"].notna().to_numpy() & (difficulty["ycode"].to_numpy() >= 0)]
    if len(known):
        keys = known["sid"].to_numpy() * len(years) + known["ycode"].to_numpy()
        levels = known["level"].map(LEVEL_RANK).fillna(NO_RECORD).to_numpy(dtype=np.int8)
        best = pd.Series(levels).groupby(keys).min()  # two rows for one student-year: the more difficult counts
        rank[best.index.to_numpy()] = best.to_numpy()

    return Context(enrolled=enrolled, students=students, difficulty=difficulty,
                   disbursement=pay, loan=records["loan"], allocation=allocation,
                   programmes=programmes, years=years, n_students=n_students, per_student=per_student,
                   difficulty_rank=rank, as_of=as_of, school=school)
