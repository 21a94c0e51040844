"""One check per column type. Each takes a prepared :class:`Column`, reports findings through
``hits`` and leaves in ``col.value`` the normalised value the import file gets.

Registered in :data:`TYPE_CHECKS` by the decorator :func:`column_type`; a spec's ``type`` names one.
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from aidtools.checks.columns import Column
from aidtools.checks.hits import Hits
from aidtools.codetables import load_code_tables
from aidtools.normalize import TextView, parse_date_series, parse_month_series

TYPE_CHECKS = {}

# Characters the national system (GBK) cannot store: emoji and other astral-plane characters.
_NON_GBK = r"[\U00010000-\U0010FFFF]"
_NON_GBK_RE = re.compile(_NON_GBK)
_DIGIT_RE = re.compile(r"\d")
_ODD_DOT_RE = re.compile(r"[•．・∙⋅]")
_NAME_OK = r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z·\. ]+"


def column_type(name):
    def register(fn):
        TYPE_CHECKS[name] = fn
        return fn
    return register


def _where(col: Column) -> dict:
    return dict(column=col.letter, field=col.spec.header, personal=col.spec.personal_kind)


def gbk_bytes(text: pd.Series | TextView) -> np.ndarray:
    """Length in GBK bytes, as the national system counts: two per non-ASCII character.
    Counted with numpy over the code points of all values at once."""
    view = text if isinstance(text, TextView) else TextView(text)
    lengths = view.lengths
    if view.points.dtype == np.uint8:  # every value ASCII: one byte per character
        return lengths
    non_ascii = np.concatenate(([0], np.cumsum(view.points > 0x7F, dtype=np.int64)))
    ends = view.ends
    return lengths + non_ascii[ends] - non_ascii[ends - lengths]


def _check_length_and_charset(col: Column, hits: Hits) -> None:
    spec = col.spec
    todo = col.todo
    non_gbk = todo & col.view.rows_holding(_NON_GBK_RE)
    if non_gbk.any():
        hits.add(non_gbk, "cell.pattern", f"“{spec.header}”含有国家系统不支持的字符（如表情符号），请删除。",
                 values=col.clean, **_where(col))
        col.reject(non_gbk)
    if spec.max_bytes:
        n = gbk_bytes(col.view)
        over = col.todo & (n > spec.max_bytes)
        if over.any():
            msg = (f"“{spec.header}”最长{spec.max_bytes}个字符（一个汉字算两个），实际为"
                   + pd.Series(n).astype(str) + "个。请缩短。")
            hits.add(over, "cell.length", msg, values=col.clean.str.slice(0, 40), **_where(col))
            col.reject(over)


def _check_pattern(col: Column, hits: Hits, pattern: str, message: str) -> None:
    todo = col.todo
    # re.ASCII: ``\d`` must not match full-width "１２３" (the national system rejects them, and the
    # Luhn/number code after a pattern assumes ASCII digits).
    # Blank cells are never to do, so '' for them is as good as NA; map() keeps the loop in C.
    strs = col.view.strs
    ok = np.fromiter(map(bool, map(re.compile(pattern, re.ASCII).fullmatch, strs)), dtype=bool, count=len(strs))
    wrong = todo & ~ok
    if wrong.any():
        hits.add(wrong, "cell.pattern", message, values=col.clean, **_where(col))
        col.reject(wrong)


@column_type("text")
def check_text(col: Column, hits: Hits, ctx) -> None:
    _check_length_and_charset(col, hits)
    if col.spec.pattern:
        hint = col.spec.pattern_hint or col.spec.pattern
        _check_pattern(col, hits, col.spec.pattern.strip("^$"), f"“{col.spec.header}”应为{hint}。")


@column_type("name")
def check_name(col: Column, hits: Hits, ctx) -> None:
    _check_length_and_charset(col, hits)
    # One joined regex scan per test instead of a pass through the string dtype.
    digits = col.todo & col.view.rows_holding(_DIGIT_RE)
    if digits.any():
        hits.add(digits, "cell.pattern", "姓名中不能有数字。", values=col.clean, **_where(col))
        col.reject(digits)
    odd_dot = col.todo & col.view.rows_holding(_ODD_DOT_RE)
    if odd_dot.any():
        hits.add(odd_dot, "cell.pattern", "姓名中的间隔号请使用“·”（中文输入法下的间隔号）。", values=col.clean, **_where(col))
        col.reject(odd_dot)
    _check_pattern(col, hits, _NAME_OK, "姓名只能含汉字、字母、间隔号“·”，请删除其他符号。")


@column_type("student_no")
def check_student_no(col: Column, hits: Hits, ctx) -> None:
    _check_pattern(col, hits, r"[0-9A-Za-z]{1,20}", "学号应为1-20位数字或字母，不含空格和符号。")


@column_type("code")
def check_code(col: Column, hits: Hits, ctx) -> None:
    table = col.spec.codes()
    todo = col.todo
    named = table.normalise(col.clean)
    unknown = todo & named.isna().to_numpy()
    if unknown.any():
        bad_values = col.clean[unknown]
        suggestion = {v: table.suggest(v) for v in bad_values.unique()}
        hint = bad_values.map(lambda v: f"，是否应为“{suggestion[v]}”？" if suggestion[v] else "。")
        choices = "、".join(table.names[:8]) + ("等" if len(table.names) > 8 else "")
        msg = pd.Series(None, index=col.clean.index, dtype=object)
        msg[unknown] = ("“" + bad_values + f"”不在{table.title}代码表中" + hint + f"可选：{choices}（国家系统会报“字典转换错误”）")
        hits.add(unknown, "cell.code", msg, values=col.clean, **_where(col))
        col.reject(unknown)
    col.value = named.where(col.todo, None)


def _date_rules(col: Column, hits: Hits, ctx, text8: pd.Series) -> None:
    today = ctx.today.strftime("%Y%m%d")
    if col.spec.not_future:
        future = col.todo & (text8.fillna("").to_numpy() > today)
        if future.any():
            hits.add(future, "cell.range", f"“{col.spec.header}”不能晚于今天（{today}）。", values=col.clean, **_where(col))
            col.reject(future)
    if col.spec.min is not None:
        early = col.todo & (text8.fillna("99999999").to_numpy() < str(int(col.spec.min)))
        if early.any():
            hits.add(early, "cell.range", f"“{col.spec.header}”早于{int(col.spec.min)}，请核对。", values=col.clean, **_where(col))
            col.reject(early)


@column_type("date8")
def check_date8(col: Column, hits: Hits, ctx) -> None:
    kind = col.kind.to_numpy()
    excel_date = col.todo & (kind == "date")
    if excel_date.any():
        hits.add(excel_date, "cell.date_format",
                 f"“{col.spec.header}”是Excel日期格式，已按YYYYMMDD读取；模板要求填写8位文本，如20170901。",
                 values=col.clean, **_where(col))
    serial = col.todo & (kind == "number") & col.clean.astype("string").str.fullmatch(r"[1-9]\d{4}").fillna(False).to_numpy()
    if serial.any():
        as_date = (pd.Timestamp("1899-12-30") + pd.to_timedelta(pd.to_numeric(col.clean.where(serial)), unit="D"))
        msg = pd.Series(None, index=col.clean.index, dtype=object)
        msg[serial] = (f"“{col.spec.header}”是Excel日期序列号（" + col.clean[serial] + " 即 "
                       + as_date[serial].dt.strftime("%Y%m%d") + "），请改为8位文本日期，如20170901。")
        hits.add(serial, "cell.type", msg, values=col.clean, **_where(col))
        col.reject(serial)
    parsed, reformatted = parse_date_series(col.clean.where(col.todo, None))
    reformatted = col.todo & reformatted.to_numpy() & (kind != "date")
    if reformatted.any():
        hits.add(reformatted, "cell.date_format",
                 f"“{col.spec.header}”应写成YYYYMMDD（如20170901），已自动转换。", values=col.clean, **_where(col))
    invalid = col.todo & parsed.isna().to_numpy()
    if invalid.any():
        hits.add(invalid, "cell.type", f"“{col.spec.header}”不是有效日期，应写成YYYYMMDD，如20170901。",
                 values=col.clean, **_where(col))
        col.reject(invalid)
    col.value = parsed.where(col.todo, None)
    _date_rules(col, hits, ctx, col.value.astype("string"))


@column_type("month6")
def check_month6(col: Column, hits: Hits, ctx) -> None:
    kind = col.kind.to_numpy()
    source = col.clean.copy()
    excel_date = col.todo & (kind == "date")
    if excel_date.any():
        hits.add(excel_date, "cell.date_format",
                 f"“{col.spec.header}”是Excel日期格式，已按YYYYMM读取；模板要求填写6位文本，如201709。",
                 values=col.clean, **_where(col))
        source[excel_date] = col.clean[excel_date].str.slice(0, 6)
    parsed, reformatted = parse_month_series(source.where(col.todo, None))
    reformatted = col.todo & reformatted.to_numpy()
    if reformatted.any():
        hits.add(reformatted, "cell.date_format", f"“{col.spec.header}”应写成YYYYMM（如201709），已自动转换。",
                 values=col.clean, **_where(col))
    invalid = col.todo & parsed.isna().to_numpy()
    if invalid.any():
        hits.add(invalid, "cell.type", f"“{col.spec.header}”不是有效年月，应写成YYYYMM，如201709。", values=col.clean, **_where(col))
        col.reject(invalid)
    col.value = parsed.where(col.todo, None)
    future = col.todo & (col.value.fillna("").astype(str).to_numpy() > ctx.today.strftime("%Y%m"))
    if future.any():
        hits.add(future, "cell.range", f"“{col.spec.header}”不能晚于本月。", values=col.clean, **_where(col))
        col.reject(future)


@column_type("year4")
def check_year4(col: Column, hits: Hits, ctx) -> None:
    _check_pattern(col, hits, r"\d{4}", f"“{col.spec.header}”应为4位年份，如2017。")
    low = int(col.spec.min or 1900)
    high = ctx.today.year + int(col.spec.max_offset_years or 0)
    years = pd.to_numeric(col.clean.where(col.todo), errors="coerce").to_numpy()
    out = col.todo & ((years < low) | (years > high))
    if out.any():
        hits.add(out, "cell.range", f"“{col.spec.header}”应在{low}到{high}之间。", values=col.clean, **_where(col))
        col.reject(out)
    col.value = col.clean.where(col.todo, None)


@column_type("academic_year")
def check_academic_year(col: Column, hits: Hits, ctx) -> None:
    s = col.clean.astype("string").str.replace(r"\s*[—–~～至/]\s*", "-", regex=True)
    parts = s.str.extract(r"^(\d{4})-(\d{4})$")
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    wrong = col.todo & ~((second - first) == 1).fillna(False).to_numpy()
    if wrong.any():
        hits.add(wrong, "cell.pattern", f"“{col.spec.header}”应写成“起始年-结束年”，后一年比前一年大1，如2017-2018。",
                 values=col.clean, **_where(col))
        col.reject(wrong)
    reformatted = col.todo & (s != col.clean.astype("string")).fillna(False).to_numpy()
    if reformatted.any():
        hits.add(reformatted, "cell.date_format", f"“{col.spec.header}”请用半角短横线“-”分隔，如2017-2018，已自动转换。",
                 values=col.clean, **_where(col))
    col.value = s.astype(object).where(col.todo, None)


def _numeric(col: Column, hits: Hits, what: str) -> np.ndarray:
    """Parse numbers (Excel numbers or numeric text); report text that is no number."""
    x = pd.to_numeric(col.clean.astype("string").str.replace(",", "", regex=False).where(col.todo), errors="coerce")
    # "inf"/"Infinity" parse as floats but are no amount or count.
    not_number = col.todo & ~np.isfinite(x.to_numpy(dtype=float, na_value=np.nan))
    if not_number.any():
        hits.add(not_number, "cell.type", f"“{col.spec.header}”应为{what}，不能填文字。", values=col.clean, **_where(col))
        col.reject(not_number)
    return x.to_numpy(dtype=float)


def _decimals_ok(x: np.ndarray, decimals: int) -> np.ndarray:
    scaled = x * 10**decimals
    return np.isclose(scaled, np.round(scaled), rtol=0, atol=1e-6)


def _format_number(x: np.ndarray, decimals: int) -> pd.Series:
    finite = np.where(np.isfinite(x), x, 0.0)  # blank/rejected cells; their text is dropped anyway
    with np.errstate(over="ignore"):
        rounded = np.round(finite, decimals)
    rounded = np.where(np.isfinite(rounded), rounded, finite)  # rounding 1e307 overflows: keep it
    integral = rounded == np.floor(rounded)
    # "%d" on the floats themselves: an int64 cast wraps amounts of 1e19 and more to negative numbers.
    text = np.where(integral, np.char.mod("%d", rounded) if len(rounded) else rounded.astype(str),
                    np.char.mod(f"%.{decimals}f", rounded) if len(rounded) else rounded.astype(str))
    return pd.Series(text, dtype=object)


def _range(col: Column, hits: Hits, x: np.ndarray, low, high, lo_inclusive=True) -> None:
    too_low = col.todo & ((x < low) if lo_inclusive else (x <= low)) if low is not None else np.zeros(len(x), bool)
    too_high = col.todo & (x > high) if high is not None else np.zeros(len(x), bool)
    out = too_low | too_high
    if out.any():
        lo = "" if low is None else (f"不小于{low:g}" if lo_inclusive else f"大于{low:g}")
        hi = "" if high is None else f"不大于{high:g}"
        hits.add(out, "cell.range", f"“{col.spec.header}”应{lo}{'、' if lo and hi else ''}{hi}。",
                 values=col.clean, **_where(col))
        col.reject(out)


@column_type("amount")
def check_amount(col: Column, hits: Hits, ctx) -> None:
    x = _numeric(col, hits, "金额（元）")
    _range(col, hits, x, 0, col.spec.max, lo_inclusive=False)
    frac = col.todo & ~_decimals_ok(x, 2)
    if frac.any():
        hits.add(frac, "cell.type", f"“{col.spec.header}”最多保留两位小数。", values=col.clean, **_where(col))
        col.reject(frac)
    col.value = _format_number(x, 2).where(col.todo, None)


@column_type("int")
def check_int(col: Column, hits: Hits, ctx) -> None:
    x = _numeric(col, hits, "整数")
    frac = col.todo & ~_decimals_ok(x, 0)
    if frac.any():
        hits.add(frac, "cell.type", f"“{col.spec.header}”应为整数。", values=col.clean, **_where(col))
        col.reject(frac)
    _range(col, hits, x, col.spec.min, col.spec.max)
    col.value = _format_number(x, 0).where(col.todo, None)


@column_type("decimal")
def check_decimal(col: Column, hits: Hits, ctx) -> None:
    x = _numeric(col, hits, "数字")
    decimals = col.spec.decimals if col.spec.decimals is not None else 2
    frac = col.todo & ~_decimals_ok(x, decimals)
    if frac.any():
        hits.add(frac, "cell.type", f"“{col.spec.header}”最多保留{decimals}位小数。", values=col.clean, **_where(col))
        col.reject(frac)
    _range(col, hits, x, col.spec.min, col.spec.max)
    col.value = _format_number(x, decimals).where(col.todo, None)


@column_type("flag")
def check_flag(col: Column, hits: Hits, ctx) -> None:
    wrong = col.todo & (col.clean != "是").to_numpy()
    if wrong.any():
        hits.add(wrong, "cell.flag_no", f"“{col.spec.header}”只能填“是”或留空；不符合时请留空，不要填“否”或其他内容。",
                 values=col.clean, **_where(col))
        col.reject(wrong)
    col.value = col.clean.where(col.todo, None)


def luhn_ok(digits: pd.Series) -> np.ndarray:
    """Vectorised Luhn check over digit strings (any length up to 19)."""
    if not len(digits):
        return np.zeros(0, dtype=bool)
    padded = digits.astype(str).str.zfill(19)
    matrix = np.frombuffer("".join(padded).encode("ascii"), dtype=np.uint8).reshape(-1, 19).astype(np.int64) - 48
    # From the right: positions 1,3,5.. count once, 2,4,6.. doubled (minus 9 above 9).
    doubled = np.zeros(19, dtype=bool)
    doubled[-2::-2] = True
    values = matrix.copy()
    values[:, doubled] *= 2
    values[values > 9] -= 9
    return (values.sum(axis=1) % 10) == 0


@column_type("bank_card")
def check_bank_card(col: Column, hits: Hits, ctx) -> None:
    _check_pattern(col, hits, r"\d{16,19}", "银行卡号应为16-19位数字（不含空格），请核对。")
    todo = col.todo
    if todo.any():
        ok = np.ones(len(todo), dtype=bool)
        ok[todo] = luhn_ok(col.clean[todo])
        fail = todo & ~ok
        if fail.any():
            hits.add(fail, "bank.luhn", "银行卡号校验不通过（Luhn校验），可能有数字录错，请核对。", values=col.clean, **_where(col))
    col.value = col.clean.where(col.todo, None)


@column_type("mobile")
def check_mobile(col: Column, hits: Hits, ctx) -> None:
    _check_pattern(col, hits, r"1[3-9]\d{9}", "手机号码应为11位，以13-19开头。")
    col.value = col.clean.where(col.todo, None)


@column_type("region6")
def check_region6(col: Column, hits: Hits, ctx) -> None:
    provinces = set(load_code_tables()["province"].lookup)
    _check_pattern(col, hits, r"\d{6}", f"“{col.spec.header}”应为6位行政区划代码，如210102。")
    bad_province = col.todo & ~col.clean.astype("string").str.slice(0, 2).isin(provinces).fillna(False).to_numpy()
    if bad_province.any():
        hits.add(bad_province, "cell.pattern", f"“{col.spec.header}”的前两位不是有效的省份代码。", values=col.clean, **_where(col))
        col.reject(bad_province)
    col.value = col.clean.where(col.todo, None)


def register_id_check():
    from aidtools.checks.idnumber import check_id_no
    TYPE_CHECKS["id_no"] = check_id_no


register_id_check()
_ = dt  # datetime is used by ctx.today's type
