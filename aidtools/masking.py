"""The one masking function for everything meant for leaders or logs.

ID numbers keep the first 6 and last 4 characters, bank cards the last 4, mobiles the first 3 and
last 4. Family income is not shown at all. Anything that merely *looks* like one of these inside
free text is masked too (:func:`mask_text`), also when written in groups ("6222 0212 3456 7890").

>>> mask("110101199003071234", "id_no")
'110101********1234'
>>> mask("6222021234567890123", "bank_card")
'***************0123'
>>> mask("13812345678", "mobile")
'138****5678'
>>> mask(13812345678.0, "mobile")  # a mobile stored as an Excel number
'138****5678'
>>> mask("12000.50", "income")
'***'
>>> mask_text("身份证 11010119900307123X 有误")
'身份证 110101********123X 有误'
>>> mask_text("卡号6222 0212 3456 7890 123，手机138-1234-5678")
'卡号***************0123，手机138****5678'
"""
from __future__ import annotations

import re

import pandas as pd

PERSONAL_KINDS = ("id_no", "bank_card", "mobile", "income")

# kind -> (characters kept at the start, at the end, shortest value that keeps any)
_KEEP = {"id_no": (6, 4, 11), "bank_card": (0, 4, 8), "mobile": (3, 4, 8)}

# An ID in free text: 17 digits and a check character, not part of a longer word or number.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
# Any other run of 11 or more digits, possibly in groups of 3+ split by one space or hyphen
# (cards are often written 4-4-4-4, mobiles 3-4-4).
_LONG_DIGITS_RE = re.compile(r"(?<!\d)\d{3,}(?:[ -]\d{3,})*(?!\d)")


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 13812345678.0 -> "13812345678"
    return str(value)


def mask(value, kind: str) -> str | None:
    """Mask one value of a personal kind (``id_no``, ``bank_card``, ``mobile``, ``income``).

    Values too short to be real keep nothing: ``mask("1234", "bank_card") == "****"``.
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "income":
        return "***"
    text = _text(value)
    if kind not in _KEEP:
        return text
    head, tail, shortest = _KEEP[kind]
    if len(text) < shortest:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail:]


def mask_series(values: pd.Series, kind: str | None) -> pd.Series:
    """Vectorised :func:`mask` over a Series; kinds not personal pass through unchanged.

    >>> mask_series(pd.Series(["110101199003071234", None, "123"]), "id_no").tolist()
    ['110101********1234', None, '***']
    """
    if kind not in PERSONAL_KINDS:
        return values
    present = values.notna()
    if kind == "income":
        return pd.Series("***", index=values.index, dtype=object).where(present, None)
    if pd.api.types.is_float_dtype(values):  # mobiles or cards stored as Excel numbers
        text = values.round().astype("Int64").astype("string")
    else:
        text = values.astype("string")
    head, tail, shortest = _KEEP[kind]
    n = text.str.len().fillna(0).astype(int)
    stars = pd.Series("*", index=values.index, dtype="string").str.repeat((n - head - tail).clip(lower=0))
    end = text.str.slice(start=-tail) if tail else ""
    masked = text.str.slice(0, head) + stars + end
    all_stars = pd.Series("*", index=values.index, dtype="string").str.repeat(n)
    masked = masked.where(n >= shortest, all_stars)
    return masked.astype(object).where(present, None)


def _mask_digits(match: re.Match) -> str:
    found = match.group(0)
    digits = found.replace(" ", "").replace("-", "")
    if len(digits) < 11:
        return found
    kind = "mobile" if len(digits) == 11 else "id_no" if len(digits) in (15, 18) else "bank_card"
    return mask(digits, kind)  # grouped numbers come out ungrouped: the groups would show more digits


def mask_text(text: str | None) -> str | None:
    """Mask every ID-, card- or mobile-like number inside free text (messages, logs, file names).

    >>> mask_text("第3行 学号2017010001 金额1500")  # shorter numbers are left alone
    '第3行 学号2017010001 金额1500'
    """
    if text is None:
        return None
    text = _ID_RE.sub(lambda m: mask(m.group(0), "id_no"), str(text))
    return _LONG_DIGITS_RE.sub(_mask_digits, text)
