"""Progress of every department and data item against the task decomposition table (任务分解表).

A task (subsystem, data item, template, responsible department, deadline) is 已通过 when that
department sent a file of that template that passed the checks, 有错误 when it sent one with
errors, 未提交 when it sent none. It is overdue when not passed and the as-of date is after the
deadline.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

PASSED, FAILING, MISSING = "已通过", "有错误", "未提交"


def submissions_by_task(reports, superseded: set[str]) -> pd.DataFrame:
    """Per (department, template): files, errors, warnings, all passed — over files in use."""
    rows = [
        {"department": r.department, "template": r.template, "errors": r.errors, "warnings": r.warnings,
         "passed": r.passed}
        for r in reports if r.template and r.display_path not in superseded
    ]
    frame = pd.DataFrame(rows, columns=["department", "template", "errors", "warnings", "passed"])
    return frame.groupby(["department", "template"], as_index=False).agg(
        files=("passed", "size"), errors=("errors", "sum"), warnings=("warnings", "sum"), passed=("passed", "all"))


def progress(tasks: pd.DataFrame | None, reports, as_of: dt.date, superseded: set[str] = frozenset()) -> pd.DataFrame:
    """One row per task with its status; ``tasks`` is the normalised 任务分解 table (spec keys)."""
    columns = ["subsystem", "item", "template", "department", "deadline", "status", "files", "errors",
               "warnings", "overdue", "days_overdue"]
    if tasks is None or not len(tasks):
        return pd.DataFrame(columns=columns)
    sent = submissions_by_task(reports, set(superseded))
    frame = tasks[["subsystem", "item", "template", "department", "deadline"]].dropna(subset=["template", "department"])
    frame = frame.merge(sent, on=["department", "template"], how="left")
    frame["files"] = frame["files"].fillna(0).astype(int)
    frame["errors"] = frame["errors"].fillna(0).astype(int)
    frame["warnings"] = frame["warnings"].fillna(0).astype(int)
    frame["status"] = MISSING
    frame.loc[frame["files"] > 0, "status"] = FAILING
    frame.loc[(frame["files"] > 0) & (frame["passed"] == True), "status"] = PASSED  # noqa: E712 (NaN-safe)
    deadline = pd.to_datetime(frame["deadline"], format="%Y%m%d", errors="coerce")
    late_days = (pd.Timestamp(as_of) - deadline).dt.days
    frame["overdue"] = (frame["status"] != PASSED) & (late_days > 0).fillna(False)
    frame["days_overdue"] = late_days.where(frame["overdue"], 0).fillna(0).astype(int)
    return frame[columns].sort_values(["subsystem", "deadline", "department", "item"], kind="stable").reset_index(drop=True)
