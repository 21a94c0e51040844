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
from aidtools.normalize import normalise_id_series, valid_yyyymmdd
from aidtools.regions import valid_in_year

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list("10X98765432"))
GB11643_TYPES = ("居民身份证", "港澳台居民居住证")
TEMPORARY_PREFIX = "999"


def check_digits(first17: pd.Series) -> pd.Series:
    """The GB 11643 check character for each 17-digit string."""
    if not len(first17):
        return pd.Series([], dtype=object)
    matrix = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8).reshape(-1, 17).astype(np.int64) - 48
    return pd.Series(CHECK_CHARS[(matrix @ WEIGHTS) % 11], index=first17.index, dtype=object)


def _where(col: Column) -> dict:
    return dict(column=col.letter, field=col.spec.header, personal="id_no")


def check_id_no(col: Column, hits: Hits, ctx) -> None:
    col.clean = normalise_id_series(col.clean)
    s = col.clean.astype("string")
    todo = col.todo
    id_types = ctx.values_of(col.spec.id_type_column) if col.spec.id_type_column else None
    if id_types is not None:
        gb = id_types.isin(GB11643_TYPES).to_numpy() | id_types.isna().to_numpy()
    else:
        gb = np.ones(len(s), dtype=bool)
    other = todo & ~gb
    if other.any():
        too_long = other & (s.str.len().fillna(0).to_numpy() > 20)
        hits.add(too_long, "id.length", "证件号码不能超过20位。", **_where(col))
        col.reject(too_long)
    todo = col.todo & gb
    length = s.str.len().fillna(0).to_numpy()
    all_digits15 = s.str.fullmatch(r"[0-9]{15}").fillna(False).to_numpy()
    old = todo & all_digits15
    if old.any():
        hits.add(old, "id.old_format", "这是15位旧身份证号，请改填18位身份证号。", values=col.clean, **_where(col))
    temporary = todo & s.str.fullmatch(TEMPORARY_PREFIX + r"[0-9]{15}").fillna(False).to_numpy()
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
    # [0-9], not \d: full-width digits are not digits to the national system (nor to check_digits).
    shape = s.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).to_numpy()
    bad_chars = todo & ~shape
    if bad_chars.any():
        hits.add(bad_chars, "cell.pattern", "身份证号只能是半角数字，最后一位可以是X。", values=col.clean, **_where(col))
        col.reject(bad_chars)
    todo = col.todo & gb & ~old & ~temporary
    provinces = set(load_code_tables()["province"].lookup)
    bad_region = todo & ~s.str.slice(0, 2).isin(provinces).fillna(False).to_numpy()
    if bad_region.any():
        hits.add(bad_region, "id.region", "身份证号前两位不是有效的省份代码，请核对。", values=col.clean, **_where(col))
        col.reject(bad_region)
    todo = col.todo & gb & ~old & ~temporary
    birth = s.str.slice(6, 14)
    bad_birth = todo & (~valid_yyyymmdd(birth.fillna("")).to_numpy()
                        | (birth.fillna("").to_numpy() > ctx.today.strftime("%Y%m%d"))
                        | (birth.fillna("").to_numpy() < "18900101"))
    if bad_birth.any():
        hits.add(bad_birth, "id.birth_date", "身份证号第7-14位的出生日期无效或晚于今天，请核对。", values=col.clean, **_where(col))
        col.reject(bad_birth)
    todo = col.todo & gb & ~old & ~temporary
    if todo.any():
        expected = check_digits(s[todo].str.slice(0, 17).astype(str))
        wrong = np.zeros(len(s), dtype=bool)
        wrong[todo] = (expected.to_numpy() != s[todo].str.slice(17, 18).to_numpy())
        if wrong.any():
            hits.add(wrong, "id.checksum", "身份证号校验位错误（最后一位与前17位不符），号码中可能有数字录错，请核对。",
                     values=col.clean, **_where(col))
            col.reject(wrong)
    todo = col.todo & gb & ~old & ~temporary
    if todo.any():
        years = pd.to_numeric(s.str.slice(6, 10), errors="coerce")
        known = valid_in_year(s.str.slice(0, 6).astype(object), years).to_numpy()
        county = todo & ~known
        if county.any():
            hits.add(county, "id.county", "身份证号前6位的地区代码在出生年份不存在（地区代码库可能不全，仅提醒），请核对。",
                     values=col.clean, **_where(col))
    col.value = col.clean.where(col.todo, None)
    col.extra["gb11643"] = col.todo & gb & ~old & ~temporary
