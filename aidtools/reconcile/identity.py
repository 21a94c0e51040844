"""Who is who: records of students not in the enrolled table (``rec.not_enrolled``), records whose
name or ID number disagree with the enrolled table, or enrolled rows that contradict each other
(``rec.identity_mismatch``), and payment records filed under another college
(``rec.department_mismatch``). Names in messages are masked (:func:`~aidtools.reconcile.text.masked_name`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.masking import mask_series
from aidtools.reconcile.context import RECORD_TABLES, Context, obj
from aidtools.reconcile.results import collapse, finish
from aidtools.reconcile.text import TABLE_TITLES, masked_name, s

# One finding per student, programme and year of a record table (a student's batches together).
RECORD_KEYS = ["sid", "pcode", "ycode"]


def _what(table: str, rows: pd.DataFrame) -> pd.Series:
    """'困难认定（2017-2018学年）' / '资助发放（国家助学金，2017-2018学年）' per row."""
    year = s(rows["academic_year"]).where(rows["academic_year"].isna(), s(rows["academic_year"]) + "学年")
    inner = year if table == "difficulty" else (s(rows["programme"]) + "，" + year)
    inner = inner.str.strip("，")
    return TABLE_TITLES[table] + ("（" + inner + "）").where(inner != "", "")


def not_enrolled(table: str, rows: pd.DataFrame) -> pd.DataFrame | None:
    missing = ~rows["enrolled"].to_numpy(dtype=bool)
    if not missing.any():
        return None
    hits = collapse(rows[missing], RECORD_KEYS)
    msg = ("学号" + s(hits["student_no"]) + "（" + masked_name(hits["name"]) + "）出现在" + _what(table, hits)
           + "中，但不在在校生库中。请核对学号，或先补报该生的学生基本信息。")
    return finish(hits, "rec.not_enrolled", msg)


def _differs(rows: pd.DataFrame, column: str, enrolled_values: np.ndarray) -> np.ndarray:
    """Both given and different (numpy object comparison: no pandas string machinery)."""
    mine = rows[column].to_numpy(dtype=object)
    differs = mine != enrolled_values
    # Few rows differ: test for blanks (None/NaN differ from everything) only among those.
    where = np.flatnonzero(differs)
    differs[where] = pd.notna(mine[where]) & pd.notna(enrolled_values[where])
    return differs


def record_mismatch(ctx: Context, table: str, rows: pd.DataFrame) -> pd.DataFrame | None:
    """Records whose 姓名 or 身份证件号 differ from the enrolled table's for the same 学号."""
    e_name, e_id_no = ctx.at(rows, "name"), ctx.at(rows, "id_no")
    name_differs = _differs(rows, "name", e_name)
    id_differs = _differs(rows, "id_no", e_id_no)
    wrong = name_differs | id_differs  # not enrolled: both enrolled values are None
    if not wrong.any():
        return None
    hits = rows[wrong]
    hits = hits.assign(_name=name_differs[wrong], _id=id_differs[wrong], e_name=obj(e_name[wrong], hits.index),
                       e_id_no=obj(e_id_no[wrong], hits.index))
    hits = collapse(hits, RECORD_KEYS)
    given, enrolled = masked_name(hits["name"]), masked_name(hits["e_name"])
    # Masked, two names can look the same (胡*文, 胡*文): say that the hidden characters differ.
    hidden = pd.Series(np.where(given == enrolled, "（被隐去的字不同）", ""), index=hits.index)
    name_part = ("姓名“" + given + "”与在校生库中的“" + enrolled + "”不一致" + hidden).where(hits["_name"], "")
    id_part = ("身份证件号" + s(mask_series(hits["id_no"], "id_no")) + "与在校生库中的"
               + s(mask_series(hits["e_id_no"], "id_no")) + "不一致").where(hits["_id"], "")
    both = (name_part + "；" + id_part).str.strip("；")
    msg = _what(table, hits) + "中学号" + s(hits["student_no"]) + "的" + both + "。请核对姓名、学号和身份证件号。"
    return finish(hits, "rec.identity_mismatch", msg)


def enrolled_conflicts(ctx: Context) -> list[pd.DataFrame]:
    """Within the enrolled table: one 学号 with two identities, or one ID number under two 学号."""
    enrolled = ctx.enrolled
    found = []
    # Only repeated keys can conflict: look at those few rows, not the whole table.
    same_no = enrolled[enrolled["student_no"].duplicated(keep=False).to_numpy()]
    if len(same_no):
        width = same_no.groupby("student_no")[["name", "id_no"]].nunique()
        bad = width.index[(width["name"] > 1) | (width["id_no"] > 1)]
        rows = same_no[same_no["student_no"].isin(bad)]
        if len(rows):
            hits = collapse(rows, ["sid"])
            names = rows.drop_duplicates(["student_no", "name"]).assign(name=lambda r: masked_name(r["name"]))
            names = names.groupby("student_no")["name"].agg("、".join)
            msg = ("在校生库中学号" + s(hits["student_no"]) + "出现多次，但姓名或身份证件号不同（姓名："
                   + s(hits["student_no"].map(names)) + "）。一个学号只能对应一名学生，请核对学号和身份信息。")
            found.append(finish(hits.assign(department=hits["college"]), "rec.identity_mismatch", msg))
    with_id = enrolled[enrolled["id_no"].notna().to_numpy()]
    same_id = with_id[with_id["id_no"].duplicated(keep=False).to_numpy()]
    if len(same_id):
        width = same_id.groupby("id_no")["student_no"].nunique()
        rows = same_id[same_id["id_no"].isin(width.index[width > 1])]
        if len(rows):
            hits = collapse(rows, ["id_no"])
            numbers = rows.drop_duplicates(["id_no", "student_no"]).groupby("id_no")["student_no"].agg("、".join)
            msg = ("在校生库中身份证件号" + s(mask_series(hits["id_no"], "id_no")) + "对应多个学号（"
                   + s(hits["id_no"].map(numbers)) + "）。同一人只能有一个学号，请核对并删除重复的学生信息。")
            found.append(finish(hits.assign(department=hits["college"]), "rec.identity_mismatch", msg))
    return found


def department_mismatch(ctx: Context) -> pd.DataFrame | None:
    pay = ctx.disbursement
    e_college = ctx.at(pay, "college")
    differs = _differs(pay, "college", e_college)
    if not differs.any():
        return None
    hits = pay[differs]
    hits = collapse(hits.assign(e_college=obj(e_college[differs], hits.index)), RECORD_KEYS + ["college"])
    msg = ("资助发放（" + s(hits["programme"]) + "，" + s(hits["academic_year"]) + "学年）中学号"
           + s(hits["student_no"]) + "的院系填为“" + s(hits["college"]) + "”，在校生库中为“"
           + s(hits["e_college"]) + "”。请核对院系名称（资金按院系核算）。")
    return finish(hits, "rec.department_mismatch", msg)


def check(ctx: Context) -> list[pd.DataFrame]:
    if not len(ctx.students):
        # Without the enrolled table every record would be "not enrolled": say so once instead.
        if any(len(getattr(ctx, table)) for table in RECORD_TABLES):
            ctx.extra.setdefault("notes", []).append("未提供在校生数据（学生基本信息），未核对是否在校、身份信息、学籍状态、学历层次和年级。")
        return []
    found = []
    for table in RECORD_TABLES:
        rows = getattr(ctx, table)
        found += [not_enrolled(table, rows), record_mismatch(ctx, table, rows)]
    return found + enrolled_conflicts(ctx) + [department_mismatch(ctx)]
