"""Who may receive what: need-based aid only to recognised difficult students (``rec.not_difficult``),
no aid to students who left, for a year after they left (``rec.status``), programmes of the student's
own subsystem (``rec.subsystem``), no national scholarship in the first year (``rec.grade_eligibility``), the
国家助学金 tier in line with the difficulty level (``rec.tier_level``), and not both national
scholarships in one year (``rec.exclusive_awards``).

Programme attributes (subsystem, need_based, exclusive_group, tiered) come from the 资助项目 code
table, so a new programme needs a data row, not code.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.reconcile.context import LEVEL_RANK, NO_RECORD, Context, obj
from aidtools.reconcile.results import collapse, finish
from aidtools.reconcile.text import TABLE_TITLES, masked_name, s

PAYMENT_KEYS = ["sid", "pcode", "ycode"]  # one finding per student, programme and year
# policy.md: 国家奖学金 and 国家励志奖学金 go to students in their second year or above.
SECOND_YEAR_UP = ("国家奖学金", "国家励志奖学金")
TIER_RANK = {"一等": 0, "二等": 1, "三等": 2}


def payments(ctx: Context) -> pd.DataFrame:
    """Disbursements with a known programme and year, with the programme's attributes."""
    pay = ctx.disbursement
    pay = pay[(pay["pcode"].to_numpy() >= 0) & (pay["ycode"].to_numpy() >= 0)]
    code = pay["pcode"].to_numpy()
    attrs = ctx.programmes
    return pay.assign(p_subsystem=obj(attrs["subsystem"].to_numpy(dtype=object)[code], pay.index),
                      p_need=obj(attrs["need_based"].to_numpy(dtype=object)[code], pay.index),
                      p_group=obj(attrs["exclusive_group"].to_numpy(dtype=object)[code], pay.index),
                      p_tiered=attrs["tiered"].to_numpy(dtype=bool)[code])


def not_difficult(ctx: Context, pay: pd.DataFrame) -> pd.DataFrame | None:
    """Need-based programmes paid to a student not recognised as difficult that year (warn-only programmes: warning)."""
    need = pay["p_need"].isin(["yes", "warn"]).to_numpy()
    rank = ctx.rank_of(pay)
    wrong = need & (rank >= LEVEL_RANK["不困难"])
    if not wrong.any():
        return None
    hits = pay[wrong].assign(_rank=rank[wrong])
    hits = collapse(hits, PAYMENT_KEYS)
    why = pd.Series(np.where(hits["_rank"] == NO_RECORD, "没有该生本学年的困难认定记录", "该生本学年认定等级为“不困难”"),
                    index=hits.index)
    strict = hits["p_need"] == "yes"
    ask = pd.Series(np.where(strict, "只能发给本学年认定为家庭经济困难的学生。请核对该生本学年的困难认定，或更正资助项目。",
                             "一般应发给家庭经济困难学生，请核实并说明。"), index=hits.index)
    msg = (s(hits["academic_year"]) + "学年向学号" + s(hits["student_no"]) + "（" + masked_name(hits["name"]) + "）发放"
           + s(hits["programme"]) + "，但" + why + "。" + s(hits["programme"]) + ask)
    return finish(hits, "rec.not_difficult", msg, severity=np.where(strict, "error", "warning"))


def status(ctx: Context, pay: pd.DataFrame) -> pd.DataFrame | None:
    """Aid or loans to students who left (error) or paused their studies (warning).

    A student who finished the course (毕业, 结业) was at school through the last academic year of
    the 学制 (:func:`~aidtools.reconcile.context.last_enrolled_year`): aid for that year or an
    earlier one is fine; aid for a later year, or when the last year cannot be told, is the error."""
    found = []
    for table, rows in (("disbursement", pay), ("loan", ctx.loan[ctx.loan["ycode"].to_numpy() >= 0])):
        last = ctx.at(rows, "last_year")
        at_school = ctx.at(rows, "finished") & (last >= 0) & (ctx.year_start(rows) <= last)
        left, paused = ctx.at(rows, "leaver") & ~at_school, ctx.at(rows, "paused")
        if not (left | paused).any():
            continue
        hits = collapse(rows[left | paused], PAYMENT_KEYS)
        hits["e_status"] = obj(ctx.at(hits, "status"))
        error = ctx.at(hits, "leaver")
        last = ctx.at(hits, "last_year")
        since = pd.Series(np.where(ctx.at(hits, "finished") & (last >= 0),
                                   "（按年级和学制在校至" + (last.astype(str).astype(object) + "-"
                                                             + (last + 1).astype(str).astype(object)) + "学年）", ""),
                          index=hits.index)
        ask = pd.Series(np.where(error, "，不能再受助。请核对学籍状态，或撤回该发放记录。", "，期间一般暂停发放，请核实后说明。"),
                        index=hits.index)
        msg = (TABLE_TITLES[table] + "（" + s(hits["programme"]) + "，" + s(hits["academic_year"]) + "学年）中学号"
               + s(hits["student_no"]) + "的学籍状态为“" + s(hits["e_status"]) + "”" + since + ask)
        found.append(finish(hits, "rec.status", msg, severity=np.where(error, "error", "warning")))
    return pd.concat(found, ignore_index=True) if found else None


def subsystem(ctx: Context, pay: pd.DataFrame) -> pd.DataFrame | None:
    """本专科 programmes to graduate students, 研究生 programmes to 专科/本科 students."""
    subsystem = pay["p_subsystem"].to_numpy(dtype=object)
    wrong = (((subsystem == "本专科") & ctx.at(pay, "graduate"))
             | ((subsystem == "研究生") & ctx.at(pay, "undergraduate")))
    if not wrong.any():
        return None
    hits = collapse(pay[wrong], PAYMENT_KEYS)
    hits["e_level"] = obj(ctx.at(hits, "level"))
    msg = (s(hits["academic_year"]) + "学年的" + s(hits["programme"]) + "属于" + s(hits["p_subsystem"])
           + "子系统，但学号" + s(hits["student_no"]) + "的学历层次为“" + s(hits["e_level"])
           + "”。请核对资助项目与学历层次（如研究生应发研究生国家助学金）。")
    return finish(hits, "rec.subsystem", msg)


def grade_eligibility(ctx: Context, pay: pd.DataFrame) -> pd.DataFrame | None:
    """国家奖学金/国家励志奖学金 to a student whose 年级 is the academic year's first year."""
    pay = pay[pay["programme"].isin(SECOND_YEAR_UP).to_numpy()]
    grade = pd.to_numeric(obj(ctx.at(pay, "grade")), errors="coerce").to_numpy()
    wrong = grade == ctx.year_start(pay)
    if not wrong.any():
        return None
    hits = collapse(pay[wrong], PAYMENT_KEYS)
    hits["e_grade"] = obj(ctx.at(hits, "grade"))
    msg = ("学号" + s(hits["student_no"]) + "为" + s(hits["e_grade"]) + "级，" + s(hits["academic_year"])
           + "学年是其入学第一年，不能获得" + s(hits["programme"])
           + "。国家奖学金和国家励志奖学金面向二年级及以上学生，请核对评审结果。")
    return finish(hits, "rec.grade_eligibility", msg)


def tier_level(ctx: Context, pay: pd.DataFrame) -> pd.DataFrame | None:
    """A tier two steps above the difficulty level (一等 to 一般困难) is out of line."""
    pay = pay[(pay["p_tiered"] & (pay["p_need"] == "yes")).to_numpy()]
    applies = np.ones(len(pay), dtype=bool)
    tier = pd.Index(list(TIER_RANK)).get_indexer(pay["tier"].to_numpy(dtype=object)).astype(float)
    tier[tier < 0] = np.nan
    rank = ctx.rank_of(pay).astype(float)
    recognised = rank < LEVEL_RANK["不困难"]
    wrong = applies & recognised & ~np.isnan(tier) & (rank - tier >= 2)
    if not wrong.any():
        return None
    level_name = {v: k for k, v in LEVEL_RANK.items()}
    hits = pay[wrong].assign(_level=pd.Series(rank[wrong]).map(level_name).to_numpy())
    hits = collapse(hits, PAYMENT_KEYS + ["tier"])
    msg = (s(hits["academic_year"]) + "学年学号" + s(hits["student_no"]) + "获" + s(hits["programme"]) + s(hits["tier"])
           + "，但认定等级为“" + s(hits["_level"]) + "”。档次与困难程度不相称，请核对档次与认定等级。")
    return finish(hits, "rec.tier_level", msg)


def exclusive_awards(ctx: Context, pay: pd.DataFrame) -> pd.DataFrame | None:
    """Two programmes of one exclusive group to one student in one year."""
    grouped = pay[pay["p_group"].notna().to_numpy()]
    if not len(grouped):
        return None
    # One integer per (student, year, group); the programmes a key holds as a bit mask.
    group_code = pd.factorize(grouped["p_group"].to_numpy(dtype=object))[0]
    key = (grouped["sid"].to_numpy() * max(len(ctx.years), 1) + grouped["ycode"].to_numpy()) * (group_code.max() + 1) + group_code
    bits = pd.Series(np.left_shift(1, grouped["pcode"].to_numpy().astype(np.int64)))
    masks = pd.DataFrame({"key": key, "bit": bits}).drop_duplicates().groupby("key")["bit"].sum()
    clash = masks[(masks & (masks - 1)) != 0]  # more than one bit: more than one programme
    if not len(clash):
        return None
    chosen = np.isin(key, clash.index.to_numpy())
    rows = grouped[chosen].assign(_key=key[chosen])
    names = ctx.programmes.index.to_numpy(dtype=object)
    label = {m: "、".join(names[i] for i in range(len(names)) if m >> i & 1) for m in clash.unique()}
    rows["programme"] = obj(pd.Series(key[chosen]).map(clash).map(label).to_numpy(), rows.index)
    hits = collapse(rows, ["_key"])
    msg = (s(hits["academic_year"]) + "学年学号" + s(hits["student_no"]) + "（" + masked_name(hits["name"]) + "）同时获得"
           + s(hits["programme"]) + "，同一学年两项不能兼得。请核对评审结果，撤回其中一项。")
    return finish(hits, "rec.exclusive_awards", msg)


def check(ctx: Context) -> list[pd.DataFrame]:
    pay = payments(ctx)
    if not len(ctx.difficulty):
        if pay["p_need"].isin(["yes", "warn"]).any():
            ctx.extra.setdefault("notes", []).append("未提供困难认定数据，未核对受助学生是否认定为家庭经济困难。")
        first = None
    else:
        first = not_difficult(ctx, pay)
    return [first, status(ctx, pay), subsystem(ctx, pay), grade_eligibility(ctx, pay),
            tier_level(ctx, pay), exclusive_awards(ctx, pay)]
