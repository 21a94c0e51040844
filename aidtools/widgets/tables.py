"""Tables for people: Chinese headers, money with thousands separators, shares as percentages, and the
rows a leader must not miss (overdue, failing, over-allocated) highlighted.

The same styled table shows in a notebook (``display(styled(...))``), in the HTML report and, as an
HTML string, in the dashboard (:func:`to_html`).

>>> import pandas as pd
>>> html = to_html(pd.DataFrame({"department": ["文学院"], "allocated": [1234567.0], "share": [0.5]}))
>>> "下达金额(元)" in html and "1,234,567" in html and "50.0%" in html
True
"""
from __future__ import annotations

import re

import pandas as pd

from aidtools.findings import severity_label
from aidtools.views import FAILING, LABELS, MISSING

MONEY = {"allocated", "paid", "paid_unallocated", "paid_allocated"}
PERCENT = {"share", "coverage", "aided_share", "source_share"}
COUNTS = {"recipients", "quota", "enrolled", "difficult", "aided", "rows", "rows_read", "rows_merged",
          "rows_held_back", "rows_held_back_rec", "rows_superseded", "rows_duplicate", "errors", "warnings", "files",
          "findings", "caused", "students", "departments", "tasks", "passed_tasks", "check_failed", "rec_failed",
          "missing", "rec_errors", "overdue_tasks", "max_days_overdue", "days_overdue", "total",
          "fixed", "new", "still_open", "on_time", "late", "open", "items", "items_passed", "days_late",
          "rounds_to_pass", "rounds_open"}
DECIMALS = {"errors_per_100_rows"}
ROUND_COLUMN = re.compile(r"^第\d+轮$")  # errors per 100 rows of a round (views.accuracy_by_department)
FLAGS = {"overdue", "passed", "superseded", "over_allocated"}

# Row colours: light enough to read black text on a projector.
RED, ORANGE, GREY, YELLOW = "#fde2e1", "#fff1d6", "#eeeeee", "#fff9c4"

CSS = """
<style>
.aid-table table { border-collapse: collapse; font-size: 13px; margin: 4px 0 12px 0; }
.aid-table th { background: #f3f5f8; padding: 4px 8px; border-bottom: 2px solid #c8ced8; text-align: left; }
.aid-table td { padding: 3px 8px; border-bottom: 1px solid #e4e7ec; }
.aid-legend span { display: inline-block; padding: 1px 8px; margin-right: 8px; font-size: 12px; }
</style>
"""


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Flags as 是/blank, severities in Chinese; a copy."""
    out = frame.copy()
    for name in FLAGS & set(out.columns):
        if pd.api.types.is_bool_dtype(out[name]):  # counts of the same name (overdue tasks) stay numbers
            out[name] = out[name].map(lambda v, no=("否" if name == "passed" else ""): "是" if v else no)
    if "severity" in out.columns:
        out["severity"] = out["severity"].map(severity_label)
    return out


def _row_colours(frame: pd.DataFrame) -> list[str]:
    """One CSS background per row from the frame's own flags (English columns)."""
    colours = pd.Series("", index=frame.index)
    if "status" in frame.columns:
        colours = colours.mask(frame["status"].eq(MISSING), f"background-color: {GREY}")
        colours = colours.mask(frame["status"].isin(FAILING), f"background-color: {ORANGE}")
    failing = [c for c in ("check_failed", "rec_failed") if c in frame.columns]
    if failing:
        counts = frame[failing].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
        colours = colours.mask(counts > 0, f"background-color: {ORANGE}")
    for flag in ("overdue", "over_allocated"):
        if flag in frame.columns:
            hit = pd.to_numeric(frame[flag], errors="coerce").fillna(0) > 0
            colours = colours.mask(hit, f"background-color: {RED}")
    return colours.tolist()


# Columns of running text: they wrap by words within a sensible width (a word longer than the column breaks, but
# never sets the column's width: break-word, not anywhere, so auto layout cannot squeeze it to a character a line);
# every other column stays on one line.
LONG_TEXT = {"message", "path", "sources", "reason", "superseded_by", "value", "held_back_path", "provenance_path",
             "说明", "原因", "文件", "规则"}


def for_reading(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a reader gets it in a workbook: flags as 是/blank, severities and headers in Chinese."""
    return _plain(frame).rename(columns=LABELS)


def styled(frame: pd.DataFrame, highlight: bool = True, mark: dict | None = None, max_rows: int | None = None,
           na_rep: str = "—"):
    """A pandas Styler of ``frame`` (English columns) with Chinese headers and number formats.

    ``highlight`` colours overdue / failing / missing / over-allocated rows; ``mark`` = {column: value}
    puts the row whose column equals value in bold (the college picked in the dashboard); ``na_rep`` is
    what an empty cell shows ("" in the analysts' tables of findings and rows).
    """
    frame = frame if max_rows is None else frame.head(max_rows)
    frame = frame.reset_index() if frame.index.name else frame.reset_index(drop=True)
    colours = _row_colours(frame) if highlight else [""] * len(frame)
    if mark:
        (column, value), = mark.items()
        if column in frame.columns:
            colours = [c + ("; font-weight: bold; box-shadow: inset 0 2px 0 #3b6fd8, inset 0 -2px 0 #3b6fd8"
                            if v == value else "")
                       for c, v in zip(colours, frame[column])]
    shown = _plain(frame)
    formats = {}
    for name in shown.columns:
        if name in MONEY:
            formats[LABELS.get(name, name)] = "{:,.0f}"
        elif name in PERCENT:
            formats[LABELS.get(name, name)] = "{:.1%}"
        elif (name in DECIMALS or ROUND_COLUMN.match(str(name))) and pd.api.types.is_numeric_dtype(shown[name]):
            formats[LABELS.get(name, name)] = "{:.2f}"
        elif name in COUNTS and pd.api.types.is_numeric_dtype(shown[name]):
            formats[LABELS.get(name, name)] = "{:,.0f}"
    shown = shown.rename(columns=LABELS)
    styler = shown.style.format(formats, na_rep=na_rep).hide(axis="index")
    styler = styler.apply(lambda row: [colours[row.name]] * len(row), axis=1)
    # Text reads from the left, numbers from the right (notebook CSS right-aligns every cell).
    text = [c for c in shown.columns if not pd.api.types.is_numeric_dtype(shown[c])]
    numbers = [c for c in shown.columns if c not in text]
    if text:
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
    long = {LABELS.get(c, c) for c in LONG_TEXT}
    short = [c for c in text if c not in long]
    if short:
        styler = styler.set_properties(subset=short, **{"white-space": "nowrap"})
    wrapped = [c for c in text if c in long]
    if wrapped:
        styler = styler.set_properties(subset=wrapped, **{"min-width": "8em", "max-width": "32em",
                                                          "white-space": "normal", "overflow-wrap": "break-word"})
    if LABELS["message"] in wrapped or LABELS["reason"] in wrapped:  # the text to read gets the most room
        styler = styler.set_properties(subset=[c for c in (LABELS["message"], LABELS["reason"]) if c in wrapped],
                                       **{"min-width": "14em"})
    if numbers:
        styler = styler.set_properties(subset=numbers, **{"text-align": "right", "white-space": "nowrap"})
    # JupyterLab lays tables out with fixed columns, centred; at the width of an output that squeezes every
    # column to a character or two. Columns as wide as their text, from the left, headers on one line.
    return styler.set_table_styles([{"selector": "", "props": [("table-layout", "auto"), ("margin-left", "0")]},
                                    {"selector": "th", "props": [("text-align", "left"), ("white-space", "nowrap")]}],
                                   overwrite=False)


def to_html(frame: pd.DataFrame, empty: str = "（无数据）", **options) -> str:
    """The styled table as an HTML fragment (with its own CSS), or a note when the frame is empty."""
    if frame is None or frame.empty:
        return f'<div class="aid-table aid-empty">{empty}</div>'
    return CSS + '<div class="aid-table">' + styled(frame, **options).to_html() + "</div>"


def legend_html() -> str:
    """The colour key of highlighted rows."""
    box = "display:inline-block;padding:1px 8px;margin-right:8px;font-size:12px;"
    return ('<div class="aid-legend">颜色说明：'
            f'<span style="{box}background:{RED}">逾期 / 发放超过下达</span>'
            f'<span style="{box}background:{ORANGE}">检查未通过 / 对账未通过</span>'
            f'<span style="{box}background:{GREY}">未提交</span></div>')
