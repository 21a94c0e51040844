"""The one masking function for everything meant for leaders or logs.

ID numbers keep the first 6 and last 4 characters, bank cards the last 4, mobiles the first 3 and
last 4; names their first and last character (:func:`mask_name`). Family income is not shown at all.
Anything that merely *looks* like an ID, card or mobile inside free text is masked too
(:func:`mask_text`), also when written in groups ("6222 0212 3456 7890"); names inside free text are
masked where our messages put them (:func:`mask_names`: after a 学号 in brackets, in quotes after 姓名).

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
>>> mask("尚杰涛", "name")
'尚*涛'
>>> mask_text("身份证 11010119900307123X 有误")
'身份证 110101********123X 有误'
>>> mask_text("卡号6222 0212 3456 7890 123，手机138-1234-5678")
'卡号***************0123，手机138****5678'
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a Series is masked: logging needs only mask_text
    import pandas as pd

PERSONAL_KINDS = ("id_no", "bank_card", "mobile", "income", "name")

# kind -> (characters kept at the start, at the end, shortest value that keeps any)
_KEEP = {"id_no": (6, 4, 11), "bank_card": (0, 4, 8), "mobile": (3, 4, 8)}

# An ID in free text: 17 digits and a check character, not part of a longer word or number.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
# Any other run of 11 or more digits, possibly in groups of 3+ split by one space or hyphen
# (cards are often written 4-4-4-4, mobiles 3-4-4).
_LONG_DIGITS_RE = re.compile(r"(?<!\d)\d{3,}(?:[ -]\d{3,})*(?!\d)")


def _missing(value) -> bool:
    """None, NaN, NaT or pd.NA (a str never is)."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    import pandas as pd

    return bool(pd.isna(value))


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 13812345678.0 -> "13812345678"
    return str(value)


# What separates the parts of a name and stays visible: the 间隔号 and its look-alikes, spaces.
_NAME_SEPARATORS = frozenset("·•・．.‧ \t\u3000")


def mask_name(value) -> str | None:
    """A name with only its first and last character shown; two-character names show the first.

    Separators (the 间隔号 ``·`` of minority and foreign names, spaces) stay and do not count as
    characters; a name of one character shows nothing. Masking a masked name changes nothing.

    >>> [mask_name(n) for n in ("尚杰涛", "欧阳修文", "尚杰", "尚", "尚*涛", None)]
    ['尚*涛', '欧**文', '尚*', '*', '尚*涛', None]
    >>> mask_name("阿依·买提")
    '阿*·*提'
    >>> mask_name("阿·提"), mask_name("Mary Ann")
    ('阿·*', 'M*** **n')
    """
    if _missing(value):
        return None
    text = str(value)
    letters = [i for i, ch in enumerate(text) if ch not in _NAME_SEPARATORS]
    shown = set(letters[:1] + letters[-1:]) if len(letters) > 2 else set(letters[:1]) if len(letters) == 2 else set()
    return "".join(ch if i in shown or ch in _NAME_SEPARATORS else "*" for i, ch in enumerate(text))


def mask(value, kind: str) -> str | None:
    """Mask one value of a personal kind (``id_no``, ``bank_card``, ``mobile``, ``income``, ``name``).

    Values too short to be real keep nothing: ``mask("1234", "bank_card") == "****"``.
    """
    if _missing(value):
        return None
    if kind == "income":
        return "***"
    if kind == "name":
        return mask_name(value)
    text = _text(value)
    if kind not in _KEEP:
        return text
    head, tail, shortest = _KEEP[kind]
    if len(text) < shortest:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail:]


def mask_series(values: pd.Series, kind: str | None) -> pd.Series:
    """Vectorised :func:`mask` over a Series; kinds not personal pass through unchanged.

    >>> import pandas as pd
    >>> mask_series(pd.Series(["110101199003071234", None, "123"]), "id_no").tolist()
    ['110101********1234', None, '***']
    >>> mask_series(pd.Series(["尚杰涛", None, "尚杰"]), "name").tolist()
    ['尚*涛', None, '尚*']
    """
    import pandas as pd

    if kind not in PERSONAL_KINDS:
        return values
    present = values.notna()
    if kind == "income":
        return pd.Series("***", index=values.index, dtype=object).where(present, None)
    if kind == "name":  # one call per distinct name
        distinct = values[present].unique()
        return values.map(dict(zip(distinct, map(mask_name, distinct)))).astype(object).where(present, None)
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


# Where our messages put a name: "学号20170101001（尚杰涛）", "姓名“尚杰涛”", "（姓名：尚杰涛、尚杰）".
_NAME_AFTER_NO_RE = re.compile(r"(学号[0-9A-Za-z*]+（)([^（）、，。；：“”\s\d]{1,30})(）)")
_QUOTED_NAME_RE = re.compile(r"(姓名“|在校生库中的“)([^“”]{1,30})(”)")
_NAME_LIST_RE = re.compile(r"(姓名：)([^（）]{1,200})(）)")


def mask_names(text: str | None) -> str | None:
    """Mask the names inside free text where the toolkit's messages put them (:func:`mask_name`).

    Messages are built with masked names already; this is the second line for what leaders see.

    >>> mask_names("学号20170101001（尚杰涛）出现在资助发放中")
    '学号20170101001（尚*涛）出现在资助发放中'
    >>> mask_names("学号201****1001的姓名“胡海文”与在校生库中的“胡海倩”不一致")
    '学号201****1001的姓名“胡*文”与在校生库中的“胡*倩”不一致'
    >>> mask_names("学号2017001出现多次，但姓名或身份证件号不同（姓名：尚杰涛、尚杰）。")
    '学号2017001出现多次，但姓名或身份证件号不同（姓名：尚*涛、尚*）。'
    >>> mask_names("2017-2018学年国家助学金（电气工程学院）已发放9000元")  # no name: unchanged
    '2017-2018学年国家助学金（电气工程学院）已发放9000元'
    """
    if text is None:
        return None
    one = lambda m: m.group(1) + mask_name(m.group(2)) + m.group(3)  # noqa: E731
    text = _NAME_AFTER_NO_RE.sub(one, str(text))
    text = _QUOTED_NAME_RE.sub(one, text)
    return _NAME_LIST_RE.sub(lambda m: m.group(1) + "、".join(map(mask_name, m.group(2).split("、"))) + m.group(3), text)
