"""``report.xlsx``: the findings as sheets the operator can filter (autofilter, frozen header).

Values are the masked ones of the findings; messages pass through mask_text. Everything is
written as text through :func:`aidtools.writing.cells.write_value`, so no cell can run a formula.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from aidtools.masking import mask_text
from aidtools.writing.cells import write_text, write_value

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _sheet(wb, title: str, frame: pd.DataFrame, headers: dict[str, str]) -> None:
    ws = wb.create_sheet(title)
    cols = [c for c in headers if c in frame.columns]
    for j, c in enumerate(cols, start=1):
        cell = write_text(ws, 1, j, headers[c], text_format=False)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(j)].width = 60 if c == "message" else 16
    for i, rec in enumerate(frame[cols].itertuples(index=False), start=2):
        for j, value in enumerate(rec, start=1):
            if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):
                continue
            if cols[j - 1] == "message":
                value = mask_text(value)
            write_value(ws, i, j, value)
    ws.freeze_panes = "A2"
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(frame) + 1, 1)}"


def write_excel_report(report: dict, out) -> Path:
    out = Path(out)
    wb = Workbook()
    wb.remove(wb.active)
    files = pd.DataFrame([{k: v for k, v in f.items() if k != "findings"} for f in report["files"]])
    _sheet(wb, "文件", files, {"path": "文件", "department": "部门", "template": "模板", "rows": "行数",
                               "errors": "错误", "warnings": "警告", "passed": "通过", "superseded": "已被取代", "sha256": "SHA256"})
    cell_findings = pd.DataFrame([dict(f, path=file["path"], department=file["department"], template=file["template"])
                                  for file in report["files"] for f in file["findings"]])
    _sheet(wb, "检查问题", cell_findings, {"department": "部门", "path": "文件", "template": "模板", "sheet": "工作表",
                                        "row": "行", "column": "列", "field": "字段", "rule": "规则", "severity": "级别",
                                        "value": "值（已脱敏）", "message": "说明"})
    rec = pd.DataFrame(report.get("reconciliation", {}).get("findings", []))
    if len(rec):
        rec["sources"] = rec["sources"].map(lambda s: "；".join(f"{x['path']}第{x['row']}行" for x in s))
    _sheet(wb, "对账问题", rec, {"department": "院系", "rule": "规则", "severity": "级别", "student_no": "学号",
                              "programme": "资助项目", "academic_year": "学年", "message": "说明", "sources": "来源"})
    _sheet(wb, "报送进度", pd.DataFrame(report.get("progress", [])),
           {"subsystem": "子系统", "item": "数据项", "template": "模板", "department": "责任部门", "deadline": "截止日期",
            "status": "状态", "files": "文件数", "errors": "错误", "overdue": "逾期", "days_overdue": "逾期天数"})
    merge = pd.DataFrame([dict(template=k, **v) for k, v in report.get("merge", {}).items()])
    _sheet(wb, "合并统计", merge, {"template": "模板", "rows_read": "读取行数", "rows_merged": "合并行数",
                                 "rows_held_back": "暂缓行数", "path": "导入文件"})
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
