"""Campus scope: the branch campus is responsible for its own data (workflow.md), so a department of
one campus that sends records of another campus' students is a finding (``rec.campus_scope``).

Which campus a department belongs to (:func:`department_campus`): a line of ``data/campuses.yaml``
(the branch campus' 学生处 by name), else, for a college, the campus of most of its enrolled students
(:func:`college_campus`); school-level departments (学生处, 研究生院, 财务处 …) belong to none and are
not checked. The student's campus is the enrolled table's 校区.

>>> sorted(campus_table().items())[:1]
[('分校区学生处', '分校区')]
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from aidtools.reconcile.context import RECORD_TABLES, Context, obj
from aidtools.reconcile.results import collapse, finish
from aidtools.reconcile.text import TABLE_TITLES, masked_name, s

RECORD_KEYS = ["sid", "pcode", "ycode"]


@lru_cache(maxsize=None)
def campus_table() -> dict[str, str]:
    """Department name → campus, from ``data/campuses.yaml``."""
    text = resources.files("aidtools").joinpath("data/campuses.yaml").read_text(encoding="utf-8")
    return dict((yaml.safe_load(text) or {}).get("departments") or {})


def college_campus(ctx: Context) -> pd.Series:
    """College → the campus of most of its enrolled students (a tie: no campus), for colleges with a campus."""
    if "college_campus" not in ctx.extra:
        st = ctx.students
        known = st[st["college"].notna().to_numpy() & st["campus"].notna().to_numpy()]
        counts = known.groupby(["college", "campus"]).size().rename("n").reset_index()
        counts = counts.sort_values(["college", "n"], ascending=[True, False], kind="stable")
        top = counts.groupby("college")["n"].transform("max")
        leaders = counts[counts["n"] == top]
        single = leaders[~leaders["college"].duplicated(keep=False)]
        ctx.extra["college_campus"] = pd.Series(single["campus"].to_numpy(dtype=object),
                                                index=pd.Index(single["college"].to_numpy(dtype=object)), dtype=object)
    return ctx.extra["college_campus"]


def department_campus(ctx: Context, departments) -> np.ndarray:
    """The campus of each department name (None: a school-level department)."""
    names = pd.Series(np.asarray(departments, dtype=object), dtype=object)
    by_name = names.map(campus_table())
    by_college = names.map(college_campus(ctx))
    return by_name.where(by_name.notna(), by_college).astype(object).where(lambda v: v.notna(), None).to_numpy()


def campus_scope(ctx: Context, table: str, rows: pd.DataFrame) -> pd.DataFrame | None:
    """Records sent from a department of one campus about a student of another campus."""
    rows = rows[rows["enrolled"].to_numpy(dtype=bool)]
    if not len(rows):
        return None
    sender = department_campus(ctx, rows["_department"].to_numpy(dtype=object))
    student = ctx.at(rows, "campus")
    wrong = pd.notna(sender) & pd.notna(student)
    wrong[wrong] = sender[wrong] != student[wrong]
    if not wrong.any():
        return None
    hits = rows[wrong].assign(_sender=obj(sender[wrong], rows.index[wrong]), _campus=obj(student[wrong], rows.index[wrong]))
    hits = collapse(hits, RECORD_KEYS + ["_department"])
    year = s(hits["academic_year"]).where(hits["academic_year"].isna(), s(hits["academic_year"]) + "学年")
    what = (s(hits["programme"]) + "，" + year).str.strip("，") if table != "difficulty" else year
    msg = (s(hits["_department"]) + "（" + s(hits["_sender"]) + "）报送的" + TABLE_TITLES[table] + "（" + what
           + "）中，学号" + s(hits["student_no"]) + "（" + masked_name(hits["name"]) + "）是" + s(hits["_campus"])
           + "的学生（在校生库）。各校区只报送本校区学生的数据，请核对学号，或交由" + s(hits["_campus"]) + "报送。")
    return finish(hits, "rec.campus_scope", msg)


def check(ctx: Context) -> list[pd.DataFrame]:
    if not len(ctx.students):
        return []
    return [campus_scope(ctx, table, getattr(ctx, table)) for table in RECORD_TABLES]
