"""Which subsystem of the national system a record belongs to: 本专科 or 研究生.

The national system keeps separate subsystems (separate task tables, separate school operators), so
import files are prepared per subsystem. A record's subsystem comes, in this order, from

1. its template, when the spec names one subsystem;
2. its own 学历层次 (the enrolled-student table), by the ``subsystem`` of the 学历层次 code table;
3. its 资助项目, when the programme belongs to one subsystem (code table ``programme``);
4. its student's 学历层次 in the enrolled-student table, by 学号;
5. its 院系 (allocations of a programme of both subsystems), when every enrolled student of that college
   is of one subsystem; a college with students of both gives :data:`UNDERGRADUATE`;
6. otherwise :data:`UNKNOWN` (say a disbursement to a student missing from the enrolled table, which
   reconciliation reports as ``rec.not_enrolled``).

>>> level_subsystems()["硕士研究生"], programme_subsystems()["国家奖学金"]
('研究生', '本专科')
>>> students = pd.DataFrame({"student_no": ["S1", "S2"], "level": ["本科", "博士研究生"], "college": ["文学院", "研究生院"]})
>>> of = SubsystemOf.from_students(students)
>>> table = pd.DataFrame({"student_no": ["S2", "S9"], "programme": ["学费减免", "学费减免"]})
>>> of.rows(table, "both").tolist()
['研究生', '子系统未定']
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from aidtools.codetables import load_code_tables

UNDERGRADUATE, GRADUATE = "本专科", "研究生"
SUBSYSTEMS = (UNDERGRADUATE, GRADUATE)
UNKNOWN = "子系统未定"


@lru_cache(maxsize=None)
def level_subsystems() -> dict[str, str]:
    """学历层次 name -> subsystem."""
    return {e["name"]: e["subsystem"] for e in load_code_tables()["education_level"].entries if e.get("subsystem")}


@lru_cache(maxsize=None)
def programme_subsystems() -> dict[str, str]:
    """资助项目 name -> subsystem, for programmes of one subsystem only."""
    return {e["name"]: e["subsystem"] for e in load_code_tables()["programme"].entries
            if e.get("subsystem") in SUBSYSTEMS}


@dataclass
class SubsystemOf:
    """What the enrolled-student tables say: each 学号's and each college's subsystem."""

    by_student: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    by_college: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))

    @classmethod
    def from_students(cls, students: pd.DataFrame) -> "SubsystemOf":
        if students is None or not len(students) or "level" not in students:
            return cls()
        known = students.assign(subsystem=students["level"].map(level_subsystems())).dropna(subset=["subsystem"])
        by_student = known.dropna(subset=["student_no"]).drop_duplicates("student_no").set_index("student_no")["subsystem"]
        by_college = pd.Series(dtype=object)
        if "college" in known:
            per = known.dropna(subset=["college"]).groupby("college")["subsystem"]
            by_college = per.first().where(per.nunique() == 1, UNDERGRADUATE)
        return cls(by_student=by_student, by_college=by_college)

    def rows(self, table: pd.DataFrame, spec_subsystem: str) -> pd.Series:
        """The subsystem of every row of a normalised table (spec keys as columns)."""
        n = len(table)
        if spec_subsystem in SUBSYSTEMS:
            return pd.Series([spec_subsystem] * n, index=table.index, dtype=object)
        out = pd.Series([None] * n, index=table.index, dtype=object)
        for column, mapping in (("level", level_subsystems()), ("programme", programme_subsystems()),
                                ("student_no", self.by_student), ("college", self.by_college)):
            open_rows = out.isna().to_numpy()
            if column in table.columns and open_rows.any():  # only the rows no earlier source settled
                out[open_rows] = table[column][open_rows].map(mapping).to_numpy(dtype=object)
        return out.where(out.notna(), UNKNOWN).astype(object)


def students_of(reports) -> pd.DataFrame:
    """The enrolled-student rows of the checked files (student_no, level, college)."""
    tables = [r.table.reindex(columns=["student_no", "level", "college"]) for r in reports
              if r.template == "student" and r.table is not None]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=["student_no", "level", "college"])


__all__ = ["SUBSYSTEMS", "UNDERGRADUATE", "GRADUATE", "UNKNOWN", "level_subsystems", "programme_subsystems",
           "SubsystemOf", "students_of"]
