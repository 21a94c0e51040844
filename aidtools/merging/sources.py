"""Reading a checked file again for what the normalised table does not keep: the values as the
department typed them (for the held-back list and for feedback copies of ``.xls``/``.csv`` files).

>>> import datetime as dt
>>> as_text(pd.Series(["0012", 3.0, 2.5, dt.date(2017, 9, 1), None, True], dtype=object)).tolist()
['0012', '3', '2.5', '20170901', None, 'True']
>>> sheet_as_text([["a", 1.0], ["b"], []]).to_numpy().tolist()
[['a', '1'], ['b', None], [None, None]]
"""
from __future__ import annotations

import io
import logging

import pandas as pd
from python_calamine import CalamineWorkbook

from aidtools.checks.columns import as_text as cell_text
from aidtools.reading import UnreadableFile, read_file
from aidtools.reading.workbook import sha256_of
from aidtools.reading.limits import DEFAULT_LIMITS
from aidtools.recognize import header_row
from aidtools.specs import TemplateSpec

log = logging.getLogger(__name__)


def as_text(values: pd.Series) -> pd.Series:
    """Raw cell values as the text a person sees (see :func:`aidtools.checks.columns.as_text`)."""
    text = cell_text(values)
    return text.where(text.notna(), None)


def sheet_as_text(rows: list[list]) -> pd.DataFrame:
    """A sheet's raw rows as a frame of text (0-based row and column positions), blanks None."""
    width = max((len(r) for r in rows), default=0)
    padded = [list(r) + [None] * (width - len(r)) for r in rows]  # csv rows and absent rows are shorter
    frame = pd.DataFrame(padded, dtype=object) if padded else pd.DataFrame(dtype=object)
    if not frame.size:
        return frame
    # One pass over all cells at once: per-column calls cost more than the work on small sheets.
    flat = as_text(pd.Series(frame.to_numpy(dtype=object).ravel(), dtype=object))
    return pd.DataFrame(flat.to_numpy(dtype=object).reshape(frame.shape), index=frame.index, columns=frame.columns,
                        dtype=object)


def original_values(report, spec: TemplateSpec, rows, limits=DEFAULT_LIMITS) -> pd.DataFrame | None:
    """The template's columns at Excel rows ``rows`` of ``report``'s sheet, as typed, indexed by row.

    None when the file cannot be read again or changed since it was checked (its sha256 differs):
    then the caller shows the normalised values instead.
    """
    sheet_rows = _sheet_rows(report, limits)
    if sheet_rows is None:
        return None
    found = header_row(sheet_rows, spec)
    wanted = [int(r) for r in rows]
    body = sheet_as_text([sheet_rows[r - 1] if r <= len(sheet_rows) else [] for r in wanted])
    body.index = wanted
    blank = pd.Series(None, index=body.index, dtype=object)
    columns = {}
    for header in spec.headers:
        position = found.index(header) if header in found else None
        columns[header] = body[position] if position is not None and position in body.columns else blank
    return pd.DataFrame(columns, index=body.index)


def _sheet_rows(report, limits) -> list[list] | None:
    """The raw rows of the checked sheet, if the file is still the one that was checked."""
    try:
        data = report.path.read_bytes()
    except OSError:
        log.warning("重新读取失败：%s", report.display_path)
        return None
    if sha256_of(data) != report.sha256:
        log.warning("文件在检查后被修改：%s", report.display_path)
        return None
    if report.format == "csv":
        try:
            book = read_file(report.path, limits)
        except UnreadableFile:
            return None
        return book.sheets[report.sheet].rows if report.sheet in book.sheets else None
    # The bytes are those that passed the reader's safety checks (same sha256): calamine alone suffices.
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return book.get_sheet_by_name(report.sheet).to_python(skip_empty_area=False)
    except Exception:  # calamine raises several error types; the file was readable when checked
        log.warning("重新读取失败：%s", report.display_path)
        return None
