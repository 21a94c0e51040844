"""The peer: what a competent pandas user would write without aidtools.

``pandas.read_excel`` (its default engine for .xlsx, openpyxl) and a ``pandera`` DataFrameSchema with
the same column rules as the student template: required cells, code tables (codes, names and aliases
accepted), patterns, GBK byte lengths, the GB 11643 check character and birth date, unique 学号 and
身份证件号, and 性别/出生日期 against the ID number. Every check is vectorised where pandas allows it
(no per-cell Python function), so the comparison is with a good peer, not a straw man.

What the peer does not do, and aidtools does: normalise values, tell an Excel number from text (lost
digits, lost leading zeros), dates typed as Excel dates, whitespace, hidden rows, formulas, merged
cells, Chinese messages per cell, masking. So the peer does less work; it is still the slower one.

>>> schema = student_schema()
>>> sorted(schema.columns)[:2]
['专业', '入学年月']
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pandera.pandas as pa

from aidtools.codetables import load_code_tables
from aidtools.specs import load_specs

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = np.array(list("10X98765432"))


def gbk_length_at_most(n: int) -> pa.Check:
    """GBK bytes: the national system counts a Chinese character as two."""
    return pa.Check(lambda s: s.str.encode("gbk", errors="replace").str.len() <= n, name=f"gbk_bytes<={n}")


def id_checksum_ok(s: pd.Series) -> pd.Series:
    """GB 11643: the 18th character from the first 17 (rows of the wrong shape fail the pattern instead)."""
    shaped = s.str.fullmatch(r"\d{17}[\dXx]").fillna(False).astype(bool)
    ok = pd.Series(True, index=s.index)
    if shaped.any():
        ids = s[shaped]
        digits = np.frombuffer("".join(ids.str.slice(0, 17)).encode(), dtype=np.uint8).reshape(-1, 17) - 48
        ok[shaped] = _CHECK[(digits.astype(np.int64) @ _WEIGHTS) % 11] == ids.str.slice(17).str.upper().to_numpy()
    return ok


def id_birth_ok(s: pd.Series) -> pd.Series:
    birth = pd.to_datetime(s.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    return birth.notna() | ~s.str.fullmatch(r"\d{17}[\dXx]").fillna(False).astype(bool)


def sex_matches_id(df: pd.DataFrame) -> pd.Series:
    digit = pd.to_numeric(df["身份证件号"].str.slice(16, 17), errors="coerce")
    expected = np.where(digit % 2 == 1, "男", "女")
    return (df["性别"] == expected) | digit.isna() | df["性别"].isna()


def birth_matches_id(df: pd.DataFrame) -> pd.Series:
    return (df["出生日期"] == df["身份证件号"].str.slice(6, 14)) | df["出生日期"].isna() | df["身份证件号"].isna()


def _codes(table: str) -> list[str]:
    return sorted(load_code_tables()[table].lookup)


def student_schema(today: dt.date | None = None) -> pa.DataFrameSchema:
    """The student template's rules as a pandera schema (one column per template header)."""
    today = today or dt.date.today()
    spec = load_specs()["student"]
    provinces = _codes("province")
    columns = {}
    for col in spec.columns:
        checks = []
        if col.pattern:
            checks.append(pa.Check.str_matches(col.pattern))
        if col.max_bytes:
            checks.append(gbk_length_at_most(col.max_bytes))
        if col.type == "code":
            checks.append(pa.Check.isin(_codes(col.table)))
        elif col.type == "student_no":
            checks.append(pa.Check.str_matches(r"^[0-9A-Za-z]{1,20}$"))
        elif col.type == "name":
            checks.append(pa.Check.str_matches(r"^[\u3400-\u4dbf\u4e00-\u9fffA-Za-z·\. ]+$"))
        elif col.type == "id_no":
            checks += [pa.Check.str_matches(r"^\d{17}[\dXx]$"), pa.Check(id_checksum_ok, name="gb11643_checksum"),
                       pa.Check(id_birth_ok, name="gb11643_birth_date")]
        elif col.type == "date8":
            checks += [pa.Check.str_matches(r"^\d{8}$"),
                       pa.Check(lambda s: pd.to_datetime(s, format="%Y%m%d", errors="coerce").notna(), name="date"),
                       pa.Check(lambda s: s <= today.strftime("%Y%m%d"), name="not_future")]
        elif col.type == "year4":
            checks += [pa.Check.str_matches(r"^\d{4}$"),
                       pa.Check(lambda s: pd.to_numeric(s, errors="coerce").between(1990, today.year + 1), name="year")]
        elif col.type == "decimal":
            checks.append(pa.Check(lambda s: pd.to_numeric(s, errors="coerce").between(1, 8), name="range"))
        elif col.type == "month6":
            checks.append(pa.Check.str_matches(r"^\d{4}(0[1-9]|1[0-2])$"))
        elif col.type == "region6":
            checks += [pa.Check.str_matches(r"^\d{6}$"), pa.Check(lambda s: s.str.slice(0, 2).isin(provinces), name="province")]
        elif col.type == "mobile":
            checks.append(pa.Check.str_matches(r"^1[3-9]\d{9}$"))
        unique = any(key == [col.header] for key in spec.unique)
        columns[col.header] = pa.Column(str, checks=checks, nullable=not col.required, unique=unique, coerce=False)
    return pa.DataFrameSchema(columns, checks=[pa.Check(sex_matches_id, name="sex_matches_id"),
                                               pa.Check(birth_matches_id, name="birth_matches_id")], strict=False)


def read(path, sheet: str = "学生基本信息") -> pd.DataFrame:
    """As a pandas user reads a template: every column as text, the default .xlsx engine (openpyxl)."""
    return pd.read_excel(path, sheet_name=sheet, dtype=str, engine="openpyxl")


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """All failures at once (lazy), as a frame of failure cases; empty when the file is clean."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases
    return pd.DataFrame()


def check(path) -> dict:
    """Read and validate one student workbook; seconds per stage and the number of failure cases."""
    import time

    t0 = time.perf_counter()
    frame = read(path)
    t1 = time.perf_counter()
    failures = validate(frame, student_schema())
    t2 = time.perf_counter()
    return {"read_s": t1 - t0, "validate_s": t2 - t1, "rows": len(frame), "failure_cases": len(failures)}
