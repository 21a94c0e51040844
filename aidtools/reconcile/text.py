"""Vectorised pieces of Chinese messages: text of a column, masked names, yuan amounts, table names.

Names enter a message only through :func:`masked_name`: messages reach report.json, report.html, the
dashboard and the terminal, so they carry 尚*涛, never the full name (a department's feedback
workbook shows its own rows, with the full names, beside the message).

>>> s(pd.Series(["a", None])).tolist()
['a', '']
>>> masked_name(pd.Series(["尚杰涛", None, "阿依·买提"])).tolist()
['尚*涛', '', '阿*·*提']
>>> yuan(pd.Series([4000.0, 3999.5])).tolist()
['4000', '3999.50']
>>> percent(pd.Series([0.25, None])).tolist()
['25.0%', '—']
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.masking import mask_series

TABLE_TITLES = {"difficulty": "困难认定", "disbursement": "资助发放", "loan": "助学贷款", "student": "学生基本信息"}
LOAN_PROGRAMME = "国家助学贷款"  # loans reach findings and figures under this programme name


def s(values) -> pd.Series:
    """A column as plain text, '' where blank: safe to concatenate."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    return values.astype(object).where(values.notna(), "").astype(str)


def masked_name(values) -> pd.Series:
    """Students' names masked for a message (:func:`aidtools.masking.mask_name`), '' where blank."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    return s(mask_series(values.astype(object), "name"))


def yuan(values) -> pd.Series:
    """Amounts in yuan as text: whole yuan without decimals, else two decimals."""
    index = values.index if isinstance(values, pd.Series) else None
    x = np.nan_to_num(pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float))
    cents = np.round(x * 100).astype(np.int64)
    text = pd.Series(cents // 100, index=index).astype(str).astype(object)
    part = cents % 100 != 0
    if part.any():  # few amounts have fen: format only those
        text[part] = np.char.mod("%.2f", cents[part] / 100)
    return text


def percent(values) -> pd.Series:
    x = pd.to_numeric(pd.Series(values), errors="coerce")
    text = pd.Series(np.char.mod("%.1f%%", np.nan_to_num(x.to_numpy(dtype=float)) * 100), index=x.index, dtype=object)
    return text.where(x.notna(), "—")
