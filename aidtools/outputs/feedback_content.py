"""What a feedback workbook says, whoever writes it: the marks and notes on the cells, and the
``问题清单`` sheet cell by cell.

Two writers share this content: the openpyxl copy (:mod:`aidtools.outputs.feedback`) and the package
patcher (:mod:`aidtools.outputs.feedback_patch`). Each writes the same :func:`cell_marks`, :func:`note`
and :class:`ListCell` s its own way, so both workbooks say the same thing.

>>> note("【错误】身份证件号应为18位")
('【错误】身份证件号应为18位', 38)
>>> LOOKS["link"].text_format, LOOKS["message"].wrap
(False, True)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidtools import findings as F
from aidtools.findings import severity_label, severity_rank
from aidtools.writing.cells import safe_text

ISSUES_SHEET = "问题清单"
COMMENT_AUTHOR = "aidtools"
ERROR_COLOR = "FFC7CE"  # Excel's own "light red fill"
WARNING_COLOR = "FFEB9C"  # Excel's own "yellow fill"
SUMMARY_ERROR_COLOR = "C00000"
SUMMARY_OK_COLOR = "000000"
LIST_HEADERS = ["序号", "级别", "位置", "列", "问题说明", "当前值", "规则编号"]
LIST_WIDTHS = [6, 6, 16, 16, 70, 22, 24]
LIST_HEADER_ROW = 4
CROSS_TITLE = "对账问题（两线三库）：与在校生库、困难学生库、资金下达或其他部门的数据不一致"
ROUNDS_HEADER = "轮次"
ROUNDS_WIDTH = 20
NOTE_WIDTH = 320  # px
NO_CELL_FINDINGS = "单元格检查没有发现问题。"


@dataclass(frozen=True)
class Look:
    """How a cell of ``问题清单`` looks. ``text_format``: the ``@`` number format (a text cell typed
    into stays text); ``font``: ``bold``, ``summary_error``, ``summary_ok``, ``title`` or ``link``;
    ``fill``: ``error`` or ``warning``; ``wrap``: wrapped, top-aligned; ``number``: a number cell."""

    text_format: bool = True
    font: str | None = None
    fill: str | None = None
    wrap: bool = False
    number: bool = False


LOOKS = {
    "plain": Look(text_format=False),
    "summary_error": Look(text_format=False, font="summary_error"),
    "summary_ok": Look(text_format=False, font="summary_ok"),
    "title": Look(text_format=False, font="title"),
    "header": Look(font="bold"),
    "text": Look(),
    "level_error": Look(fill="error"),
    "level_warning": Look(fill="warning"),
    "message": Look(wrap=True),
    "link": Look(text_format=False, font="link"),  # Excel's Hyperlink cell style: its own (General) format
    "number": Look(text_format=False, number=True),
}


@dataclass(frozen=True)
class ListCell:
    """One cell of ``问题清单``: 1-based row and column, the value as given (``None``: an empty cell that
    still has its look), its :data:`LOOKS` key, and ``link``: where it jumps to (``'Sheet'!C3``)."""

    row: int
    column: int
    value: object
    look: str
    link: str | None = None


@dataclass(frozen=True)
class IssueList:
    """The ``问题清单`` sheet: its cells in row then column order, the column widths, the first row
    below the frozen pane."""

    cells: list[ListCell]
    widths: list[float]
    freeze_row: int = LIST_HEADER_ROW + 1


def note(text: str, earlier: str | None = None) -> tuple[str, int]:
    """A marked cell's comment (``earlier``: the cell's own comment, kept below ours) and its height in px."""
    if earlier is not None:
        text += "\n——原批注：" + earlier
    text = safe_text(text)
    lines = text.count("\n") + 1 + len(text) // 30
    return text, min(400, 20 + 18 * lines)


def cell_marks(findings: pd.DataFrame, sheet_names) -> pd.DataFrame:
    """One line per marked cell: sheet, row, column, worst severity, the comment text."""
    marked = findings["severity"].isin(["error", "warning"]) & findings["row"].notna()
    f = findings[marked & findings["sheet"].isin(sheet_names)]
    if not len(f):
        return pd.DataFrame(columns=["sheet", "row", "column", "severity", "text"])
    f = f.assign(row=f["row"].astype(int), column=f["column"].fillna("A"),
                 rank=severity_rank(f["severity"]),
                 line="【" + f["severity"].map(severity_label) + "】"
                 + (f["rounds"] if "rounds" in f.columns else "") + f["message"].astype(str))
    grouped = f.groupby(["sheet", "row", "column"], sort=True)
    return pd.DataFrame({
        "rank": grouped["rank"].min(),
        "text": grouped["line"].agg("\n".join),
    }).reset_index().assign(severity=lambda d: np.where(d["rank"] == 0, "error", "warning"))


def summary_line(report, cross: pd.DataFrame | None = None) -> str:
    """The line at the top of ``问题清单``: "检查通过" only with neither a check error nor a
    reconciliation error on the file's rows."""
    rec_errors = F.count(cross, "error") if cross is not None else 0
    rec_warnings = F.count(cross, "warning") if cross is not None else 0
    if not report.readable:
        verdict = "文件无法读取，请按下表说明处理后重新提交"
    elif report.template is None:
        verdict = "无法识别模板，请使用资助中心下发的模板重新填写"
    elif report.passed and not rec_errors:
        verdict = "检查通过" + ("（有警告，请核对标黄的单元格）" if report.warnings or rec_warnings else "")
    elif report.passed:
        verdict = ("单元格检查通过，但对账（两线三库）未通过：与其他表的数据不一致，请按下表“对账问题”核对标红的行，"
                   "改好后直接提交本文件")
    else:
        verdict = "未通过：请修改标红（错误）的单元格，并核对标黄（警告）的单元格，改好后直接提交本文件"
    rec = f"；对账错误{rec_errors}个，对账警告{rec_warnings}个" if rec_errors or rec_warnings else ""
    return (f"文件“{report.display_path}”：数据{report.rows}行，错误{report.errors}个，警告{report.warnings}个{rec}。"
            f"结论：{verdict}。")


def location(sheet: str, coordinate: str) -> str:
    """An internal link target: ``'Sheet'!C3`` (quotes in the name doubled)."""
    return "'" + sheet.replace("'", "''") + "'!" + coordinate


def _template_line(report, list_only: bool) -> str:
    template = ("未识别" if report.template is None
                else f"{report.title or report.template}（{report.template}，模板版本{report.spec_version}，"
                     f"工作表“{report.sheet}”）")
    if list_only:
        return (f"模板：{template}。本文件检查通过，没有需要修改的单元格，所以本反馈只有这张问题清单，"
                "不附原表的副本；原文件无需修改或重新提交。")
    return f"模板：{template}。本工作表是检查结果，点击“位置”可跳到对应单元格；重新提交时可保留或删除本工作表。"


def _issue_rows(cells: list, findings: pd.DataFrame, first_row: int, first_number: int, sheet_names) -> int:
    """The findings as numbered lines from ``first_row``; returns the next free row."""
    r = first_row
    rounds = "rounds" in findings.columns
    for n, f in enumerate(findings.itertuples(index=False), start=first_number):
        cells.append(ListCell(r, 1, n, "number"))
        look = {"error": "level_error", "warning": "level_warning"}.get(f.severity, "text")
        cells.append(ListCell(r, 2, severity_label(f.severity), look))
        if f.sheet is not None and f.sheet in sheet_names and not pd.isna(f.row):
            coordinate = f"{f.column or 'A'}{int(f.row)}"
            cells.append(ListCell(r, 3, f"{f.sheet}!{coordinate}", "link", location(f.sheet, coordinate)))
        else:
            cells.append(ListCell(r, 3, "整个文件" if pd.isna(f.row) else f"第{int(f.row)}行", "text"))
        cells.append(ListCell(r, 4, f.field, "text"))
        cells.append(ListCell(r, 5, f.message, "message"))
        cells.append(ListCell(r, 6, f.value, "text"))
        cells.append(ListCell(r, 7, f.rule, "text"))
        if rounds:
            cells.append(ListCell(r, 8, f.rounds, "text"))
        r += 1
    return r


def issue_list(report, findings: pd.DataFrame, cross: pd.DataFrame, sheet_names, list_only: bool = False) -> IssueList:
    """The ``问题清单`` sheet of ``report``: its summary, the file's own findings, then the
    reconciliation's (``cross``); ``sheet_names``: the sheets of the copy (a finding there is a link).
    ``list_only``: the file passed with no finding at all, and the feedback is this sheet alone."""
    cells = [ListCell(1, 1, summary_line(report, cross),
                      "summary_error" if report.errors or F.count(cross, "error") else "summary_ok"),
             ListCell(2, 1, _template_line(report, list_only), "plain")]
    headers, widths = LIST_HEADERS, LIST_WIDTHS
    if "rounds" in findings.columns:
        headers, widths = [*headers, ROUNDS_HEADER], [*widths, ROUNDS_WIDTH]
    cells += [ListCell(LIST_HEADER_ROW, c, header, "header") for c, header in enumerate(headers, start=1)]
    r = _issue_rows(cells, findings, LIST_HEADER_ROW + 1, 1, sheet_names)
    if not len(findings):
        cells.append(ListCell(r, 5, NO_CELL_FINDINGS, "text"))
        r += 1
    if len(cross):
        r += 1
        cells.append(ListCell(r, 1, CROSS_TITLE, "title"))
        r = _issue_rows(cells, cross, r + 1, len(findings) + 1, sheet_names)
    return IssueList(cells=cells, widths=list(widths))
