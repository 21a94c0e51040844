"""``report.xlsx``: the run report's files, findings, reconciliation, progress and merge as sheets the
operator can filter (autofilter, frozen header), with Chinese headers and Chinese names of states.

Values are the masked ones of the findings; messages pass through mask_text. Everything is written
as text through :func:`aidtools.writing.cells.write_value`, so no cell can run a formula.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from aidtools import views
from aidtools.findings import severity_label
from aidtools.masking import mask_text
from aidtools.report import RunReport
from aidtools.writing.cells import write_text, write_value
from aidtools.writing.private import save_private

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _sheet(wb, title: str, frame: pd.DataFrame, columns: list[str]) -> None:
    ws = wb.create_sheet(title)
    cols = [c for c in columns if c in frame.columns]
    for j, c in enumerate(cols, start=1):
        cell = write_text(ws, 1, j, views.LABELS.get(c, c), text_format=False)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(j)].width = 60 if c in ("message", "reason", "sources") else 16
    for i, rec in enumerate(frame[cols].itertuples(index=False), start=2):
        for j, value in enumerate(rec, start=1):
            if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):
                continue
            if isinstance(value, bool):
                value = "是" if value else "否"
            elif cols[j - 1] == "severity":
                value = severity_label(value)
            elif cols[j - 1] in ("message", "reason"):
                value = mask_text(value)
            write_value(ws, i, j, getattr(value, "item", lambda: value)())
    ws.freeze_panes = "A2"
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(frame) + 1, 1)}"


def write_excel_report(report: RunReport, out) -> Path:
    """Write ``report.xlsx`` (owner-only: analysts' workbook)."""
    wb = Workbook()
    wb.remove(wb.active)
    files = views.files_frame(report).assign(sha256=[f.sha256 for f in report.files])
    _sheet(wb, "文件", files, ["path", "department", "template_title", "template", "rows", "errors", "warnings",
                              "passed", "superseded", "sha256"])
    _sheet(wb, "检查问题", views.findings_frame(report),
           ["department", "path", "template", "sheet", "row", "column", "field", "rule", "severity", "value", "message"])
    _sheet(wb, "对账问题", views.reconciliation_frame(report, mask_students=False),
           ["department", "rule", "severity", "student_no", "programme", "academic_year", "message", "sources"])
    _sheet(wb, "报送进度", views.progress_frame(report),
           ["subsystem", "item", "template", "programme", "department", "assisting", "filler", "auditor", "deadline",
            "status", "reason", "files", "errors", "rec_errors", "overdue", "days_overdue"])
    _sheet(wb, "合并统计", views.merge_frame(report),
           ["title", "template", "rows_read", "rows_merged", "rows_held_back", "rows_held_back_rec", "rows_superseded",
            "rows_duplicate"])
    _sheet(wb, "导入文件", views.merge_parts_frame(report), views.PART_COLUMNS[1:])
    _sheet(wb, "合并明细", views.merge_files_frame(report), views.MERGE_FILE_COLUMNS)
    if report.history is not None:
        _history_sheets(wb, report)
    return save_private(wb.save, out)


CHANGE_STATES = {"fixed": "已改正", "new": "新增", "still_open": "仍未改正"}
TIMELINESS_COLUMNS = ["subsystem", "item", "department", "deadline", "first_submitted", "first_passed",
                      "first_passed_round", "rounds_to_pass", "days_late", "state"]


def _history_sheets(wb, report: RunReport) -> None:
    """与上一轮相比 (every finding fixed, new or still open since the previous round), 及时性 (per task item and
    per department) and 准确性 (errors per 100 rows per department and round)."""
    from dataclasses import asdict

    from aidtools.report.records import TIMELINESS_STATES
    from aidtools.rules import RULES

    h = report.history
    rows = [dict(asdict(f), change=CHANGE_STATES[name], title=RULES[f.rule].title if f.rule in RULES else "")
            for name in CHANGE_STATES for f in getattr(h, name)]
    changes = pd.DataFrame(rows, columns=["change", "department", "template", "rule", "title", "severity", "record",
                                          "field", "path", "row", "first_round", "message"])
    _sheet(wb, "与上一轮相比", changes, list(changes.columns))
    items = pd.DataFrame([asdict(t) for t in h.items], columns=TIMELINESS_COLUMNS)
    items["state"] = items["state"].map(TIMELINESS_STATES)
    departments = pd.DataFrame([asdict(d) for d in h.departments], columns=["department", "items", "on_time", "late", "open"])
    _sheet(wb, "及时性", items, TIMELINESS_COLUMNS)
    _sheet(wb, "及时性（按部门）", departments, list(departments.columns))
    accuracy = pd.DataFrame([asdict(a) for a in h.accuracy],
                            columns=["round", "as_of", "department", "rows", "errors", "errors_per_100_rows"])
    _sheet(wb, "准确性", accuracy, list(accuracy.columns))
