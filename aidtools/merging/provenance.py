"""The provenance sidecar: where every row of an import workbook came from.

``<title>_<template>_来源记录.csv`` beside the import workbook, one line per imported row: its row
number in the import workbook, the source file (display path) and its sha256, the sheet, the row
number in the source, the department. UTF-8 with BOM so that Excel opens it with the Chinese
intact; text that a spreadsheet would evaluate gets a leading apostrophe
(:func:`aidtools.writing.cells.csv_safe`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from aidtools.writing.cells import csv_safe
from aidtools.writing.private import save_private
from aidtools.writing.xlsx_writer import joined_bytes

# Internal column -> the header the CSV carries.
PROVENANCE_COLUMNS = {
    "import_row": "导入行号", "path": "来源文件", "sha256": "SHA256", "sheet": "工作表",
    "source_row": "来源行号", "department": "部门",
}


def write_provenance(frame: pd.DataFrame, target) -> Path:
    """``frame`` has the keys of :data:`PROVENANCE_COLUMNS` as columns."""
    out = frame[list(PROVENANCE_COLUMNS)].rename(columns=PROVENANCE_COLUMNS)
    for column in ("来源文件", "工作表", "部门"):
        out[column] = csv_safe_column(out[column])

    return save_private(lambda path: Path(path).write_bytes(csv_bytes(out)), Path(target))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    r"""``frame`` as pandas' ``to_csv(index=False, encoding="utf-8-sig", lineterminator="\r\n")`` writes
    it, byte for byte, built with pyarrow over whole columns. ``\r\n`` line ends (Excel's own): a value
    holding a comma, a quote, ``\r`` or ``\n`` is quoted, never split across lines.

    >>> csv_bytes(pd.DataFrame({"a": [1, 2], "b": ['x,"y', None]}))
    b'\xef\xbb\xbfa,b\r\n1,"x,""y"\r\n2,\r\n'
    """
    header = ",".join(_quoted(pa.array([str(c) for c in frame.columns], pa.string())).to_pylist())
    head = ("\ufeff" + header + "\r\n").encode()
    if not len(frame):
        return head
    fields = [_quoted(_as_text(frame.iloc[:, j])) for j in range(frame.shape[1])]
    lines = pc.binary_join_element_wise(*fields, ",")
    return head + joined_bytes(pc.binary_join_element_wise(lines, "\r\n", ""))


def _as_text(values: pd.Series) -> pa.Array:
    """A column as text the way pandas writes it to CSV (integers as digits, blanks empty)."""
    if isinstance(values.dtype, np.dtype) and np.issubdtype(values.dtype, np.integer):
        return pa.array(values.to_numpy()).cast(pa.string())
    try:  # text (pandas' Arrow strings, or str objects) and blanks
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowException, UnicodeEncodeError):
        text = pa.array(values.astype(object).map(str, na_action="ignore"), type=pa.string(), from_pandas=True)
    return text.fill_null("")


def _quoted(fields: pa.Array) -> pa.Array:
    """CSV's minimal quoting: a field with a comma, a quote, CR or LF in quotes, its quotes doubled."""
    needs = pc.match_substring_regex(fields, '[,"\r\n]')
    if not pc.any(needs).as_py():
        return fields
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(fields, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, fields)


def csv_safe_column(values: pd.Series) -> pd.Series:
    """:func:`csv_safe` of every value, worked out once per distinct value (a file's path, sheet and
    department repeat on each of its rows); blanks stay blank.

    >>> csv_safe_column(pd.Series(["=1", "甲", "=1", None])).tolist()
    ["'=1", '甲', "'=1", None]
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    safe = np.array([csv_safe(v) for v in distinct] + [None], dtype=object)
    return pd.Series(safe[codes], index=values.index, dtype=object)


def read_provenance(path) -> pd.DataFrame:
    """The sidecar back, with the internal column names and every value as text."""
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    return frame.rename(columns={v: k for k, v in PROVENANCE_COLUMNS.items()})
