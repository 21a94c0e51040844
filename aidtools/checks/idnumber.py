"""Identity numbers: GB 11643 (居民身份证, and 港澳台居民居住证 which uses the same form).

Structure: 6-digit region code, 8-digit birth date, 3-digit order code (odd for men), check digit
(``0-9`` or ``X``). The vectorised checksum here agrees with python-stdnum's ``cn.ric`` (tested);
the county codes by year come from stdnum's database (:mod:`aidtools.regions`).

>>> import pandas as pd
>>> check_digits(pd.Series(["11010519491231002"])).tolist()
['X']
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.checks.columns import Column
from aidtools.checks.hits import Hits
from aidtools.codetables import load_code_tables
from aidtools.normalize import normalise_id_series
from aidtools.regions import numbers_valid_in_year

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list("10X98765432"))
CHECK_POINTS = np.array([ord(c) for c in CHECK_CHARS], dtype=np.uint32)
GB11643_TYPES = ("居民身份证", "港澳台居民居住证")


def check_digits(first17: pd.Series) -> pd.Series:
    """The GB 11643 check character for each 17-digit string."""
    if not len(first17):
        return pd.Series([], dtype=object)
    matrix = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8).reshape(-1, 17).astype(np.int64) - 48
    return pd.Series(CHECK_CHARS[(matrix @ WEIGHTS) % 11], index=first17.index, dtype=object)


def _where(col: Column) -> dict:
    return dict(column=col.letter, field=col.spec.header, personal="id_no")


def _code_points(strs: list[str], width: int) -> np.ndarray:
    """The first ``width`` characters of each value as a (rows, width) matrix of code points, 0-padded:
    one fixed-width numpy array instead of one pandas string pass per check."""
    fixed = np.array(strs, dtype=f"U{width}") if strs else np.zeros(0, dtype=f"U{width}")
    return np.ascontiguousarray(fixed).view(np.uint32).reshape(len(strs), width)


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _number(points: np.ndarray) -> np.ndarray:
    """Rows of ASCII digit code points as integers."""
    out = np.zeros(len(points), dtype=np.int64)
    for k in range(points.shape[1]):
        out = out * 10 + (points[:, k].astype(np.int64) - 48)
    return out


def _valid_birth(points: np.ndarray, today: str) -> np.ndarray:
    """Rows of 8 ASCII digits (YYYYMMDD): a real calendar date between 1890-01-01 and ``today``."""
    ymd = _number(points)
    year, month, day = ymd // 10000, ymd // 100 % 100, ymd % 100
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    real = (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)
    return real & (ymd <= int(today)) & (ymd >= 18900101)


def check_id_no(col: Column, hits: Hits, ctx) -> None:
    col.clean = normalise_id_series(col.clean, col.view)
    strs = col.view.strs
    n = len(strs)
    todo = col.todo
    id_types = ctx.values_of(col.spec.id_type_column) if col.spec.id_type_column else None
    if id_types is not None:
        gb = id_types.isin(GB11643_TYPES).to_numpy() | id_types.isna().to_numpy()
    else:
        gb = np.ones(n, dtype=bool)
    length = np.fromiter(map(len, strs), dtype=np.int64, count=n)
    other = todo & ~gb
    if other.any():
        too_long = other & (length > 20)
        hits.add(too_long, "id.length", "证件号码不能超过20位。", **_where(col))
        col.reject(too_long)
    todo = col.todo & gb
    # Code points, not bytes: full-width digits are not digits to the national system (nor to check_digits).
    points = _code_points(strs, 18)
    digit = (points >= 48) & (points <= 57)
    all_digits15 = (length == 15) & digit[:, :15].all(axis=1)
    old = todo & all_digits15
    if old.any():
        hits.add(old, "id.old_format", "这是15位旧身份证号，请改填18位身份证号。", values=col.clean, **_where(col))
    is_temporary = (length == 18) & digit.all(axis=1) & (points[:, :3] == ord("9")).all(axis=1)
    temporary = todo & is_temporary
    if temporary.any():
        hits.add(temporary, "id.temporary", "这是学校编制的临时证件号（999+学校标识码+序号），请尽快补录正式身份证号。",
                 values=col.clean, **_where(col))
    todo = todo & ~old & ~temporary
    wrong_length = todo & (length != 18)
    if wrong_length.any():
        msg = "居民身份证号应为18位，实际为" + pd.Series(length).astype(str) + "位。"
        hits.add(wrong_length, "id.length", msg, values=col.clean, **_where(col))
        col.reject(wrong_length)
    todo = col.todo & gb & ~old & ~temporary
    shape = (length == 18) & digit[:, :17].all(axis=1) & (digit[:, 17] | (points[:, 17] == ord("X")))
    bad_chars = todo & ~shape
    if bad_chars.any():
        hits.add(bad_chars, "cell.pattern", "身份证号只能是半角数字，最后一位可以是X。", values=col.clean, **_where(col))
        col.reject(bad_chars)
    # From here on every row still to check is 17 ASCII digits + [0-9X]: integer arithmetic on the
    # code points of those rows only.
    todo = col.todo & gb & ~old & ~temporary
    provinces = set(load_code_tables()["province"].lookup)
    province_codes = np.array(sorted(p for p in provinces if len(p) == 2 and p.isascii() and p.isdigit()), dtype=np.int64)
    at = np.flatnonzero(todo)
    bad_region = np.zeros(n, dtype=bool)
    bad_region[at] = ~np.isin(_number(points[at, :2]), province_codes)
    if bad_region.any():
        hits.add(bad_region, "id.region", "身份证号前两位不是有效的省份代码，请核对。", values=col.clean, **_where(col))
        col.reject(bad_region)
    todo = col.todo & gb & ~old & ~temporary
    at = np.flatnonzero(todo)
    bad_birth = np.zeros(n, dtype=bool)
    bad_birth[at] = ~_valid_birth(points[at, 6:14], ctx.today.strftime("%Y%m%d"))
    if bad_birth.any():
        hits.add(bad_birth, "id.birth_date", "身份证号第7-14位的出生日期无效或晚于今天，请核对。", values=col.clean, **_where(col))
        col.reject(bad_birth)
    todo = col.todo & gb & ~old & ~temporary
    if todo.any():
        at = np.flatnonzero(todo)
        expected = CHECK_POINTS[((points[at, :17].astype(np.int64) - 48) @ WEIGHTS) % 11]
        given = points[at, 17]
        wrong = np.zeros(n, dtype=bool)
        wrong[at] = expected != given
        if wrong.any():
            hits.add(wrong, "id.checksum", "身份证号校验位错误（最后一位与前17位不符），号码中可能有数字录错，请核对。",
                     values=col.clean, **_where(col))
            col.reject(wrong)
    todo = col.todo & gb & ~old & ~temporary
    if todo.any():
        at = np.flatnonzero(todo)
        # Six ASCII digits each: the region codes as numbers, looked up by binary search.
        county = np.zeros(n, dtype=bool)
        county[at] = ~numbers_valid_in_year(_number(points[at, :6]), _number(points[at, 6:10]))
        if county.any():
            hits.add(county, "id.county", "身份证号前6位的地区代码在出生年份不存在（地区代码库可能不全，仅提醒），请核对。",
                     values=col.clean, **_where(col))
    col.value = col.clean.where(col.todo, None)
    col.extra["gb11643"] = col.todo & gb & ~old & ~temporary
