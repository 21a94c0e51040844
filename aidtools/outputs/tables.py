"""Tables as an owner-only workbook: one sheet per frame, every cell written safely.

For lists a notebook or a command hands to people (the held-back summary of a merge, say): each
frame becomes a sheet with a bold, frozen, filterable header row; numbers stay numbers, text stays
text (text that looks like a formula is stored quote-prefixed and never runs), missing values are
blank cells. The file is written through :func:`~aidtools.writing.private.save_private`, so it is
``0o600`` and a folder it creates is ``0o700``, and a crash never leaves half a workbook.

>>> import tempfile, stat
>>> import pandas as pd
>>> from pathlib import Path
>>> out = write_table_workbook({"暂缓的文件": pd.DataFrame({"文件": ["=1+1"], "行数": [3]})},
...                            Path(tempfile.mkdtemp()) / "held" / "暂缓合并清单.xlsx")
>>> oct(stat.S_IMODE(out.stat().st_mode)), oct(stat.S_IMODE(out.parent.stat().st_mode))
('0o600', '0o700')
>>> from openpyxl import load_workbook
>>> ws = load_workbook(out)["暂缓的文件"]
>>> [[c.value for c in row] for row in ws.iter_rows()], ws["A2"].data_type, ws["A2"].quotePrefix
([['文件', '行数'], ['=1+1', 3]], 's', True)
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from aidtools.writing.cells import safe_sheet_title, write_text, write_value
from aidtools.writing.private import save_private

HEADER_FONT = Font(bold=True)
MIN_WIDTH, MAX_WIDTH = 10, 40


def write_table_workbook(sheets: dict[str, pd.DataFrame], path) -> Path:
    """Write each frame of ``sheets`` (sheet title -> frame, in order) as a sheet of a new workbook at
    ``path``; return the path.

    The header row is the frame's column names; the index is not written. Titles must be valid Excel
    sheet names (at most 31 characters, none of ``[]:*?/\\``). Raises :class:`ValueError` for no sheets.
    """
    if not sheets:
        raise ValueError("没有要写入的表 / no sheets to write")
    wb = Workbook()
    wb.remove(wb.active)
    for title, frame in sheets.items():
        _write_sheet(wb.create_sheet(safe_sheet_title(str(title))), frame)
    return save_private(wb.save, Path(path))


def _write_sheet(ws, frame: pd.DataFrame) -> None:
    for c, name in enumerate(frame.columns, start=1):
        write_text(ws, 1, c, name, text_format=False).font = HEADER_FONT
        width = len(str(name).encode("gbk", errors="replace")) + 4
        ws.column_dimensions[get_column_letter(c)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for c, value in enumerate(values, start=1):
            value = _plain(value)
            if value is not None:
                write_value(ws, r, c, value)
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"


def _plain(value):
    """None for a missing value (None, NaN, NaT, pd.NA); numpy scalars as Python ones."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    item = getattr(value, "item", None)  # numpy int64/float64/bool_ -> int/float/bool
    return item() if callable(item) and not isinstance(value, (str, bytes)) else value
