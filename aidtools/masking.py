"""The one masking function for everything meant for leaders or logs.

ID numbers keep the first 6 and last 4 characters, bank cards the last 4, mobiles the first 3 and
last 4. Family income is not shown at all. Anything that merely *looks* like one of these inside
free text is masked too (:func:`mask_text`).

>>> mask("110101199003071234", "id_no")
'110101********1234'
>>> mask("6222021234567890123", "bank_card")
'***************0123'
>>> mask("13812345678", "mobile")
'138****5678'
>>> mask_text("身份证 11010119900307123X 有误")
'身份证 110101********123X 有误'
"""
from __future__ import annotations

import re

import pandas as pd

PERSONAL_KINDS = ("id_no", "bank_card", "mobile", "income")

# Long digit runs in free text: 15/18-char IDs, 16-19 digit cards, 11-digit mobiles.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_LONG_DIGITS_RE = re.compile(r"(?<!\d)\d{11,}(?!\d)")


def mask(value, kind: str) -> str | None:
    """Mask one value of a personal kind (``id_no``, ``bank_card``, ``mobile``, ``income``)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    if kind == "id_no":
        if len(text) <= 10:
            return "*" * len(text)
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if kind == "bank_card":
        return "*" * max(len(text) - 4, 0) + text[-4:]
    if kind == "mobile":
        if len(text) < 8:
            return "*" * len(text)
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if kind == "income":
        return "***"
    return text


def mask_series(values: pd.Series, kind: str | None) -> pd.Series:
    """Vectorised :func:`mask` over a Series of text; kinds not personal pass through."""
    if kind not in PERSONAL_KINDS:
        return values
    text = values.astype("string")
    n = text.str.len()
    if kind == "id_no":
        stars = n.sub(10).clip(lower=0).fillna(0).astype(int).map(lambda k: "*" * k)
        masked = text.str[:6] + stars + text.str[-4:]
        masked = masked.where(n > 10, text.str.replace(r".", "*", regex=True))
    elif kind == "bank_card":
        stars = n.sub(4).clip(lower=0).fillna(0).astype(int).map(lambda k: "*" * k)
        masked = stars + text.str[-4:]
    elif kind == "mobile":
        stars = n.sub(7).clip(lower=0).fillna(0).astype(int).map(lambda k: "*" * k)
        masked = (text.str[:3] + stars + text.str[-4:]).where(n >= 8, text.str.replace(r".", "*", regex=True))
    else:
        masked = pd.Series("***", index=values.index, dtype="string")
    return masked.astype(object).where(values.notna(), None)


def mask_text(text: str | None) -> str | None:
    """Mask every ID-, card- or mobile-like digit run inside free text (messages, logs)."""
    if text is None:
        return None

    def _long(m: re.Match) -> str:
        digits = m.group(0)
        if len(digits) == 11:
            return mask(digits, "mobile")
        if len(digits) in (15, 18):
            return mask(digits, "id_no")
        return mask(digits, "bank_card")

    text = _ID_RE.sub(lambda m: mask(m.group(0), "id_no"), str(text))
    return _LONG_DIGITS_RE.sub(_long, text)
