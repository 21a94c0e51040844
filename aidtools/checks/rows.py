"""Rules across the cells of a row: duplicate keys, conditional requirements and the named rules a
spec lists in ``row_rules`` (registered here by :func:`row_rule`)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from pandas._libs import lib

from aidtools.normalize import plain_strings

ROW_RULES = {}


def text(values: pd.Series) -> np.ndarray:
    """Values as a plain array of str ('' for blank), safe to compare element-wise."""
    arr = values.to_numpy(dtype=object)
    if lib.is_string_array(arr, skipna=True):  # text and blanks only: no conversion needed
        return np.where(pd.isna(arr), "", arr)
    return values.astype(object).where(values.notna(), "").astype(str).to_numpy(dtype=object)


def _code_points_at(values: pd.Series, position: int) -> np.ndarray:
    """The code point at ``position`` of each value (0 where the value is shorter or blank)."""
    strs = plain_strings(values)
    fixed = np.array(strs, dtype=f"U{position + 1}") if strs else np.zeros(0, dtype=f"U{position + 1}")
    return np.ascontiguousarray(fixed).view(np.uint32).reshape(len(strs), position + 1)[:, position].astype(np.int64)


def row_rule(name):
    def register(fn):
        ROW_RULES[name] = fn
        return fn
    return register


def _cond(ctx, clause: dict) -> np.ndarray:
    values = ctx.values_of(clause["column"])
    if values is None:
        return np.zeros(ctx.n, dtype=bool)
    return values.isin(clause["in"]).to_numpy()


def check_conditional_required(ctx) -> None:
    for col in ctx.columns.values():
        when = col.spec.required_when
        if not when:
            continue
        if "if" in when:
            needed = _cond(ctx, when["if"])
        else:
            clause = when["unless"]
            condition = ctx.values_of(clause["column"])
            if condition is None:  # that column is missing: template.header_mismatch already says so
                continue
            needed = ~_cond(ctx, clause) & condition.notna().to_numpy()
        missing = needed & col.empty
        if missing.any():
            clause = when.get("if") or when.get("unless")
            cond = f"“{clause['column']}”为{'、'.join(clause['in'])}时" if "if" in when else \
                f"“{clause['column']}”不是{'、'.join(clause['in'])}时"
            ctx.hits.add(missing, "cell.required", f"{cond}“{col.spec.header}”必须填写。",
                         column=col.letter, field=col.spec.header)
            col.reject(missing)


def check_unique(ctx) -> None:
    """``row.duplicate`` for every repeat of a unique key; the message names the first row."""
    for key in ctx.spec.unique:
        cols = [ctx.columns.get(h) for h in key]
        if any(c is None for c in cols):
            continue
        frame = pd.DataFrame({h: c.value if c.value is not None else c.clean for h, c in zip(key, cols)})
        complete = frame.notna().all(axis=1).to_numpy()
        dup = complete & frame.duplicated(keep="first").to_numpy()
        if not dup.any():
            continue
        first_pos = frame[complete].reset_index().groupby(key, sort=False)["index"].transform("min")
        first_row = pd.Series(ctx.excel_rows[first_pos.to_numpy()], index=first_pos.index)
        first_of = pd.Series(-1, index=frame.index)
        first_of[complete] = first_row.to_numpy()
        label = "+".join(key)
        msg = f"“{label}”与第" + first_of.astype(str) + f"行重复。同一文件中“{label}”不能重复（国家系统会拒绝导入）。"
        personal = cols[0].spec.personal_kind if len(key) == 1 else None
        ctx.hits.add(dup, "row.duplicate", msg, column=cols[0].letter, field=key[0],
                     values=frame[key[0]] if len(key) == 1 else None, personal=personal)


def run_row_rules(ctx) -> None:
    check_conditional_required(ctx)
    check_unique(ctx)
    for name in ctx.spec.row_rules:
        if name not in ROW_RULES:
            raise KeyError(f"模板 {ctx.spec.id} 引用了未知的行规则 {name}")
        ROW_RULES[name](ctx, ctx.spec.row_rule_params.get(name, {}))


def _both(ctx, *headers):
    cols = [ctx.columns.get(h) for h in headers]
    return None if any(c is None for c in cols) else cols


@row_rule("sex_matches_id")
def sex_matches_id(ctx, params) -> None:
    cols = _both(ctx, "身份证件号", "性别")
    if not cols:
        return
    id_col, sex = cols
    usable = id_col.extra.get("gb11643", np.zeros(ctx.n, bool)) & id_col.todo & sex.todo
    # Usable ids are 17 ASCII digits + check char: the 17th code point decides (odd: men).
    order = _code_points_at(id_col.value, 16)
    expected = np.where((order >= 48) & (order <= 57) & (order % 2 == 1), "男", "女")
    wrong = usable & (text(sex.value) != expected)
    if not wrong.any():
        return
    # The message is made for the wrong rows only, not for every row.
    msg = np.full(ctx.n, None, dtype=object)
    msg[wrong] = "性别与身份证号不符：按身份证号第17位应为“" + expected[wrong].astype(object) + "”。请核对性别或身份证号。"
    msg = pd.Series(msg, dtype=object, copy=False)
    ctx.hits.add(wrong, "row.sex_mismatch", msg, column=sex.letter, field=sex.spec.header, values=sex.value)


@row_rule("birth_matches_id")
def birth_matches_id(ctx, params) -> None:
    cols = _both(ctx, "身份证件号", "出生日期")
    if not cols:
        return
    id_col, birth = cols
    usable = id_col.extra.get("gb11643", np.zeros(ctx.n, bool)) & id_col.todo & birth.todo
    wrong = np.zeros(ctx.n, dtype=bool)
    at = np.flatnonzero(usable)
    if len(at):
        # Only usable rows compare: fixed-width numpy text, characters 7-14 of the id.
        ids = np.array(plain_strings(id_col.value.iloc[at]), dtype="U14")
        births = np.ascontiguousarray(ids.view(np.uint32).reshape(len(at), 14)[:, 6:14]).view("U8").ravel()
        wrong[at] = text(birth.value.iloc[at]) != births
    ctx.hits.add(wrong, "row.birth_mismatch", "出生日期与身份证号第7-14位不一致，请核对。",
                 column=birth.letter, field=birth.spec.header, values=birth.value)


@row_rule("enrol_month_matches_grade")
def enrol_month_matches_grade(ctx, params) -> None:
    cols = _both(ctx, "入学年月", "年级")
    if not cols:
        return
    month, grade = cols
    usable = month.todo & grade.todo
    wrong = np.zeros(ctx.n, dtype=bool)
    at = np.flatnonzero(usable)
    if len(at):
        # Only usable rows compare (no unsafe character, so no NUL a fixed-width numpy text would drop):
        # the first four characters of the month as fixed-width numpy text.
        years = np.array(plain_strings(month.value.iloc[at]), dtype="U4").astype(object)
        wrong[at] = years != text(grade.value.iloc[at])
    ctx.hits.add(wrong, "row.rule", "入学年月的年份与年级不一致，请核对。", column=month.letter, field=month.spec.header,
                 values=month.value, severity="warning")


@row_rule("school_code_same")
def school_code_same(ctx, params) -> None:
    col = ctx.columns.get("学校代码")
    if col is None or not col.todo.any():
        return
    common = col.value[col.todo].mode().iloc[0]
    wrong = col.todo & (text(col.value) != common)
    ctx.hits.add(wrong, "row.rule", f"学校代码应每行相同（本文件多数行为{common}），请核对。",
                 column=col.letter, field=col.spec.header, values=col.value)


@row_rule("special_group_level")
def special_group_level(ctx, params) -> None:
    level = ctx.columns.get("认定等级")
    flags = [c for c in ctx.columns.values() if c.spec.special_group]
    if level is None or not flags:
        return
    any_flag = np.zeros(ctx.n, dtype=bool)
    for c in flags:
        any_flag |= (c.value == "是").to_numpy()
    usable = any_flag & level.todo
    not_difficult = usable & (level.value == "不困难").to_numpy()
    ctx.hits.add(not_difficult, "row.rule", "属于特殊困难群体（建档立卡、低保、特困供养、孤残、烈士子女、残疾等）的学生不能认定为“不困难”。",
                 column=level.letter, field=level.spec.header, values=level.value)
    general = usable & (level.value == "一般困难").to_numpy()
    ctx.hits.add(general, "row.rule", "特殊困难群体学生通常应认定为“特别困难”，认定为“一般困难”请核实。",
                 column=level.letter, field=level.spec.header, values=level.value, severity="warning")


def _year_start(ctx, header) -> pd.Series | None:
    year = ctx.values_of(header)
    if year is None:
        return None
    return year.astype("string").str.slice(0, 4)


@row_rule("date_in_academic_year")
def date_in_academic_year(ctx, params) -> None:
    date, year = ctx.columns.get(params["date"]), _year_start(ctx, params["year"])
    if date is None or year is None:
        return
    start = year + "0901"
    end = (pd.to_numeric(year, errors="coerce") + 1).astype("string") + "0831"
    d = date.value.astype("string")
    usable = date.todo & year.notna().to_numpy()
    wrong = usable & ~((d >= start) & (d <= end)).fillna(False).to_numpy().astype(bool)
    ctx.hits.add(wrong, "row.rule", f"“{params['date']}”应在“{params['year']}”之内（9月1日至次年8月31日）。",
                 column=date.letter, field=date.spec.header, values=date.value)


@row_rule("payment_date_window")
def payment_date_window(ctx, params) -> None:
    date, year = ctx.columns.get(params["date"]), _year_start(ctx, params["year"])
    if date is None or year is None:
        return
    start = year + "0901"
    usable = date.todo & year.notna().to_numpy()
    wrong = usable & (date.value.astype("string") < start).fillna(False).to_numpy().astype(bool)
    ctx.hits.add(wrong, "row.rule", f"“{params['date']}”早于“{params['year']}”的开始（9月1日），请核对发放日期或学年。",
                 column=date.letter, field=date.spec.header, values=date.value)


@row_rule("tier_blank_otherwise")
def tier_blank_otherwise(ctx, params) -> None:
    cols = _both(ctx, "资助档次", "资助项目")
    if not cols:
        return
    tier, programme = cols
    tiered = programme.value.isin(["国家助学金", "研究生学业奖学金"]).to_numpy()
    wrong = ~tier.empty & ~tiered & programme.todo
    ctx.hits.add(wrong, "row.rule", "只有国家助学金和研究生学业奖学金填写“资助档次”，其他项目请留空。",
                 column=tier.letter, field=tier.spec.header, values=tier.clean)


@row_rule("known_template")
def known_template(ctx, params) -> None:
    col = ctx.columns.get("模板")
    if col is None:
        return
    known = list(ctx.specs)
    wrong = col.todo & ~col.value.isin(known).to_numpy()
    ctx.hits.add(wrong, "row.rule", f"“模板”应为以下之一：{'、'.join(known)}。", column=col.letter, field="模板", values=col.value)


@row_rule("known_task_item")
def known_task_item(ctx, params) -> None:
    """A 数据项 of the task table without a 模板 must be one the mapping (``data/task_items.yaml``) knows."""
    from aidtools.task_items import load_task_items

    item = ctx.columns.get("数据项")
    if item is None:
        return
    template = ctx.columns.get("模板")
    given = ~template.empty if template is not None else np.zeros(ctx.n, dtype=bool)
    items = load_task_items()
    names = item.value if item.value is not None else item.clean
    unknown = names.map(lambda v: items.resolve(v) is None).to_numpy(dtype=bool)
    wrong = item.todo & ~item.empty & ~given & unknown
    examples = "、".join(items.names[:6])
    ctx.hits.add(wrong, "task.unknown_item",
                 "“数据项”" + names.astype(str).map(lambda v: f"“{v}”") + "不在数据项对照表中，无法确定它对应的模板，"
                 f"这一项不统计报送进度。请使用国家系统的数据项名称（如{examples}），或填写“模板”列，"
                 "或在数据项对照表（task_items.yaml）中补充。",
                 column=item.letter, field="数据项", values=names)
