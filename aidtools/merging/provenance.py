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

from aidtools.writing.cells import csv_safe
from aidtools.writing.private import save_private

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

    def write(path):
        # \r\n line ends (Excel's own): a value holding \r or \n alone is then quoted, never split across lines
        out.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")

    return save_private(write, Path(target))


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
