"""Progress of every department and data item against the task decomposition table (任务分解表).

A task (subsystem, data item, template, responsible department, deadline) is ``passed`` (已通过) when
the files of that department and template that carry the item passed the checks, ``failing`` (有错误)
when any of them has errors, ``missing`` (未提交) when there is none (:data:`aidtools.report.TASK_STATES`). A disbursement item names its programme (``国家助学金发放``):
then only files holding payments of that programme count. A task is overdue when it has not passed
and the as-of date is after its deadline.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from aidtools.codetables import load_code_tables
from aidtools.report import ProgressItem

PASSED, FAILING, MISSING = "passed", "failing", "missing"
COLUMNS = ["subsystem", "item", "template", "department", "deadline", "status", "files", "errors",
           "warnings", "overdue", "days_overdue"]


def _programme_pattern() -> str:
    names = sorted(load_code_tables()["programme"].names, key=len, reverse=True)
    return "(" + "|".join(re.escape(n) for n in names) + ")"


SUBSYSTEM_OF_LEVEL = {"专科": "本专科", "本科": "本专科", "硕士研究生": "研究生", "博士研究生": "研究生"}


def _subsystem_of_students(reports) -> pd.Series:
    """学号 → 本专科/研究生, from the enrolled-student tables."""
    tables = [r.table[["student_no", "level"]] for r in reports
              if r.template == "student" and r.table is not None and "level" in r.table.columns]
    if not tables:
        return pd.Series(dtype=object)
    enrolled = pd.concat(tables).dropna().drop_duplicates("student_no")
    return enrolled.set_index("student_no")["level"].map(SUBSYSTEM_OF_LEVEL)


def submitted_files(reports, superseded: set[str]) -> pd.DataFrame:
    """One row per (file in use, programme, subsystem it carries), with the file's errors and warnings.

    A file's subsystems are those of its students (student files: their own 学历层次); None when
    unknown, which then matches a task of either subsystem.
    """
    subsystem_of = _subsystem_of_students(reports)
    rows = []
    for r in reports:
        if not r.template or r.display_path in superseded:
            continue
        table = r.table if r.table is not None else pd.DataFrame()
        programmes = list(table["programme"].dropna().unique()) if "programme" in table.columns else []
        if "level" in table.columns:
            subsystems = table["level"].map(SUBSYSTEM_OF_LEVEL)
        elif "student_no" in table.columns:
            subsystems = table["student_no"].map(subsystem_of)
        else:
            subsystems = pd.Series(dtype=object)
        for programme in programmes or [None]:
            for subsystem in list(subsystems.dropna().unique()) or [None]:
                rows.append({"path": r.display_path, "department": r.department, "template": r.template,
                             "programme": programme, "file_subsystem": subsystem, "errors": r.errors,
                             "warnings": r.warnings, "passed": r.passed})
    return pd.DataFrame(rows, columns=["path", "department", "template", "programme", "file_subsystem", "errors",
                                       "warnings", "passed"])


def _per_task(tasks: pd.DataFrame, files: pd.DataFrame) -> pd.DataFrame:
    """Files behind each task: by department + template, and by programme where the item names one."""
    by_template = tasks[tasks["programme"].isna()].merge(
        files.drop(columns="programme").drop_duplicates(["path", "file_subsystem"]), on=["department", "template"], how="left")
    by_programme = tasks[tasks["programme"].notna()].merge(files, on=["department", "template", "programme"], how="left")
    joined = pd.concat([by_template, by_programme], ignore_index=True)
    # A file of known subsystem counts only for tasks of that subsystem.
    other = joined["file_subsystem"].notna() & (joined["file_subsystem"] != joined["subsystem"])
    joined.loc[other, ["path", "errors", "warnings", "passed"]] = None
    return joined


def progress(tasks: pd.DataFrame | None, reports, as_of: dt.date, superseded=frozenset()) -> pd.DataFrame:
    """One row per task with its status; ``tasks`` is the normalised 任务分解 table (spec keys)."""
    if tasks is None or not len(tasks):
        return pd.DataFrame(columns=COLUMNS)
    frame = tasks[["subsystem", "item", "template", "department", "deadline"]].dropna(subset=["template", "department"])
    frame = frame.reset_index(drop=True).rename_axis("task").reset_index()
    frame["programme"] = frame["item"].astype("string").str.extract(_programme_pattern(), expand=False).astype(object)
    frame.loc[frame["template"] != "disbursement", "programme"] = None
    joined = _per_task(frame, submitted_files(reports, set(superseded)))
    counts = joined.groupby("task").agg(files=("path", "nunique"), errors=("errors", "sum"),
                                        warnings=("warnings", "sum"), passed=("passed", lambda s: bool(s.dropna().all())))
    # Errors counted once per file, even when a file carries several programmes of one task.
    per_file = joined.dropna(subset=["path"]).drop_duplicates(["task", "path"])
    counts["errors"] = per_file.groupby("task")["errors"].sum().reindex(counts.index).fillna(0)
    counts["warnings"] = per_file.groupby("task")["warnings"].sum().reindex(counts.index).fillna(0)
    frame = frame.join(counts, on="task")
    frame["files"] = frame["files"].fillna(0).astype(int)
    frame["errors"] = frame["errors"].fillna(0).astype(int)
    frame["warnings"] = frame["warnings"].fillna(0).astype(int)
    frame["status"] = MISSING
    frame.loc[frame["files"] > 0, "status"] = FAILING
    frame.loc[(frame["files"] > 0) & frame["passed"].fillna(False).astype(bool), "status"] = PASSED
    deadline = pd.to_datetime(frame["deadline"], format="%Y%m%d", errors="coerce")
    late_days = (pd.Timestamp(as_of) - deadline).dt.days
    frame["overdue"] = (frame["status"] != PASSED) & (late_days > 0).fillna(False)
    frame["days_overdue"] = late_days.where(frame["overdue"], 0).fillna(0).astype(int)
    return frame[COLUMNS].sort_values(["subsystem", "deadline", "department", "item"], kind="stable").reset_index(drop=True)


def to_records(frame: pd.DataFrame) -> list[ProgressItem]:
    """The progress frame as the run report's records (deadlines as ISO dates)."""
    out = []
    for rec in frame[COLUMNS].astype(object).where(frame[COLUMNS].notna(), None).to_dict("records"):
        deadline = pd.to_datetime(rec["deadline"], format="%Y%m%d", errors="coerce") if rec["deadline"] else None
        rec["deadline"] = None if deadline is None or pd.isna(deadline) else deadline.date().isoformat()
        for name in ("files", "errors", "warnings", "days_overdue"):
            rec[name] = int(rec[name] or 0)
        rec["overdue"] = bool(rec["overdue"])
        out.append(ProgressItem(**rec))
    return out
