"""Progress of every department and data item against the task decomposition table (任务分解表).

A task is one row of the table: (子系统, 数据项, 责任部门), with its assisting departments, data filler,
data auditor and deadline. Its template and, for a payment item, its 资助项目 come from a 模板 column
when the table has one, else from the 数据项 through :mod:`aidtools.task_items` (``国家助学金发放`` →
disbursement files holding 国家助学金 payments). The files behind a task are the files in use of its
responsible department and template (of that programme). Its status (:data:`aidtools.report.TASK_STATES`):

- ``missing`` (未提交): no file; also a 数据项 that matches no template (``task.unknown_item``: not tracked);
- ``check_failed`` (检查未通过): a file has check errors;
- ``rec_failed`` (对账未通过): no check error, but a reconciliation error names a record of its files
  (``sources``), or a group-level error (``rec.over_allocation``, ``rec.over_quota``) concerns its
  programme and college (the task of that programme whose 责任部门 is the college, else every task of
  that programme);
- ``passed`` (已通过).

A task is overdue when it has not passed and the as-of date is after its deadline; ``reason`` says in
Chinese what is wrong and for how many days it is overdue.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from aidtools import findings as F
from aidtools.codetables import load_code_tables
from aidtools.report import ProgressItem
from aidtools.rules import RULES
from aidtools.subsystems import level_subsystems
from aidtools.task_items import load_task_items

PASSED, CHECK_FAILED, REC_FAILED, MISSING = "passed", "check_failed", "rec_failed", "missing"
TASK_COLUMNS = ["subsystem", "item", "template", "department", "assisting", "filler", "auditor", "deadline"]
COLUMNS = ["subsystem", "item", "template", "department", "deadline", "status", "files", "errors", "warnings",
           "overdue", "days_overdue", "programme", "assisting", "filler", "auditor", "rec_errors", "reason"]
# Reconciliation findings about a programme × college rather than about records (rules.yaml: group).
PROGRAMME_HEADER = "资助项目"
GROUP_RULES = tuple(rule.id for rule in RULES.values() if rule.group)



def _subsystem_of_students(reports) -> pd.Series:
    """学号 → 本专科/研究生, from the enrolled-student tables."""
    tables = [r.table[["student_no", "level"]] for r in reports
              if r.template == "student" and r.table is not None and "level" in r.table.columns]
    if not tables:
        return pd.Series(dtype=object)
    enrolled = pd.concat(tables).dropna().drop_duplicates("student_no")
    return enrolled.set_index("student_no")["level"].map(level_subsystems())


def _programmes(report, table: pd.DataFrame) -> list[str]:
    """The programmes a file pays: its valid 资助项目, and for a 资助项目 not in the code table the programme it
    most likely meant (the suggestion of its ``cell.code`` finding), so that a file whose every 资助项目 is
    misspelt still counts, as failed, for the item it was sent for rather than leave it "not submitted"."""
    if "programme" not in table.columns:
        return []
    named = list(table["programme"].dropna().unique())
    f = report.findings
    if f is None or not len(f):
        return named
    typed = f.loc[(f["rule"] == "cell.code") & (f["field"] == PROGRAMME_HEADER), "value"].dropna().unique()
    programme_codes = load_code_tables()["programme"]
    guessed = [programme_codes.suggest(str(v)) for v in typed]
    return named + [g for g in dict.fromkeys(guessed) if g and g not in named]


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
        programmes = _programmes(r, table)
        if "level" in table.columns:
            subsystems = table["level"].map(level_subsystems())
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
    tasks = tasks[tasks["template"].notna()]
    by_template = tasks[tasks["programme"].isna()].merge(
        files.drop(columns="programme").drop_duplicates(["path", "file_subsystem"]), on=["department", "template"], how="left")
    by_programme = tasks[tasks["programme"].notna()].merge(files, on=["department", "template", "programme"], how="left")
    joined = pd.concat([by_template, by_programme], ignore_index=True)
    # A file of known subsystem counts only for tasks of that subsystem.
    other = joined["file_subsystem"].notna() & (joined["file_subsystem"] != joined["subsystem"])
    cleared = ["path", "errors", "warnings", "passed"]
    if other.any():  # bool/int columns cannot hold None: object first
        joined[cleared] = joined[cleared].astype(object)
        joined.loc[other, cleared] = None
    return joined


def resolve(tasks: pd.DataFrame) -> pd.DataFrame:
    """The task table (spec keys) with every column of :data:`TASK_COLUMNS`, a ``programme`` and a
    ``template`` for each row: the 模板 given, else the one its 数据项 names (None when unknown). One
    row per (子系统, 数据项, 责任部门); rows without a 责任部门 are left out."""
    frame = tasks.reindex(columns=TASK_COLUMNS).astype(object)
    frame = frame.where(frame.notna() & (frame.astype(str).apply(lambda c: c.str.strip()) != ""), None)
    frame = frame.dropna(subset=["department"]).drop_duplicates(["subsystem", "item", "department"])
    items = load_task_items()
    found = [items.resolve(v) for v in frame["item"]]
    mapped = pd.Series([f.template if f else None for f in found], index=frame.index, dtype=object)
    programme = pd.Series([f.programme if f else None for f in found], index=frame.index, dtype=object)
    frame["template"] = frame["template"].where(frame["template"].notna(), mapped)
    frame["programme"] = programme.where((mapped == frame["template"]) & (frame["template"] == "disbursement"), None)
    return frame.reset_index(drop=True)


def _rec_errors(tasks: pd.DataFrame, joined: pd.DataFrame, findings: pd.DataFrame | None) -> pd.DataFrame:
    """Per task: the reconciliation errors that concern it (count, and their rules)."""
    empty = pd.DataFrame(columns=["task", "rule"])
    if findings is None or not len(findings):
        return empty
    # A finding a check error explains counts as that error (its task is check_failed), not as a rec error.
    errors = F.independent(findings)
    errors = errors[errors["severity"] == "error"].reset_index(drop=True).rename_axis("finding").reset_index()
    group = errors["rule"].isin(GROUP_RULES) | errors["sources"].map(lambda v: not v)
    hits = [empty]
    records = errors[~group]
    if len(records):
        paths = records[["finding", "rule", "programme", "sources"]].explode("sources").dropna(subset=["sources"])
        paths["path"] = [s["path"] if isinstance(s, dict) else s.path for s in paths["sources"]]
        behind = joined.dropna(subset=["path"])[["task", "path", "programme"]].drop_duplicates()
        pairs = behind.merge(paths.drop(columns="sources").rename(columns={"programme": "about"}), on="path")
        same = pairs["programme"].isna() | pairs["about"].isna() | (pairs["programme"] == pairs["about"])
        hits.append(pairs.loc[same, ["task", "rule", "finding"]])
    for _, f in errors[group].iterrows():
        payments = tasks[(tasks["template"] == "disbursement") & (tasks["programme"] == f["programme"])]
        own = payments[payments["department"] == f["department"]]
        chosen = own if len(own) else payments
        hits.append(pd.DataFrame({"task": chosen["task"], "rule": f["rule"], "finding": f["finding"]}))
    out = pd.concat(hits, ignore_index=True)
    return out.drop_duplicates(["task", "finding"]) if "finding" in out else out


def _rules_text(rules: pd.Series) -> str:
    counts = rules.value_counts(sort=True)
    return "、".join(f"{RULES[r].title if r in RULES else r}{n}条" for r, n in counts.items())


def _reason(row, failing_files: dict, rec: dict) -> str | None:
    late = f"，已逾期{row['days_overdue']}天" if row["overdue"] else ""
    if row["template"] is None or pd.isna(row["template"]):
        return f"数据项“{row['item']}”无法对应模板（不在数据项对照表中），未统计报送情况{late}"
    if row["status"] == MISSING:
        return f"尚未提交{late}"
    if row["status"] == CHECK_FAILED:
        names = failing_files.get(row["task"], [])
        listing = "、".join(names[:3]) + ("等" if len(names) > 3 else "")
        also = f"；另有对账错误{row['rec_errors']}条" if row["rec_errors"] else ""
        return f"{len(names)}个文件有检查错误（共{row['errors']}条）：{listing}{also}{late}"
    if row["status"] == REC_FAILED:
        return f"对账错误{row['rec_errors']}条：{rec.get(row['task'], '')}{late}"
    return None


def progress(tasks: pd.DataFrame | None, reports, as_of: dt.date, superseded=frozenset(),
             rec_findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per task with its status; ``tasks`` is the normalised 任务分解 table (spec keys),
    ``rec_findings`` the reconciliation's findings frame (None: not reconciled, no task is rec_failed)."""
    if tasks is None or not len(tasks):
        return pd.DataFrame(columns=COLUMNS)
    frame = resolve(tasks).rename_axis("task").reset_index()
    joined = _per_task(frame, submitted_files([r for r in reports if r.template != "tasks"], set(superseded)))
    counts = joined.groupby("task").agg(files=("path", "nunique"),
                                        passed=("passed", lambda s: bool(s.dropna().all())))
    # Errors counted once per file, even when a file carries several programmes of one task.
    per_file = joined.dropna(subset=["path"]).drop_duplicates(["task", "path"])
    counts["errors"] = per_file.groupby("task")["errors"].sum().reindex(counts.index).fillna(0)
    counts["warnings"] = per_file.groupby("task")["warnings"].sum().reindex(counts.index).fillna(0)
    failing_files = {task: sorted(g["path"]) for task, g in per_file[per_file["errors"] > 0].groupby("task")}
    frame = frame.join(counts, on="task")
    rec = _rec_errors(frame, joined, rec_findings)
    frame["rec_errors"] = frame["task"].map(rec.groupby("task").size()).fillna(0).astype(int)
    rec_text = {task: _rules_text(g["rule"]) for task, g in rec.groupby("task")}
    for name in ("files", "errors", "warnings"):
        frame[name] = frame[name].fillna(0).astype(int)
    passed = frame["passed"].astype(object).where(frame["passed"].notna(), False).astype(bool)
    frame["status"] = MISSING
    frame.loc[frame["files"] > 0, "status"] = CHECK_FAILED
    frame.loc[(frame["files"] > 0) & passed, "status"] = REC_FAILED
    frame.loc[(frame["files"] > 0) & passed & (frame["rec_errors"] == 0), "status"] = PASSED
    deadline = pd.to_datetime(frame["deadline"], format="%Y%m%d", errors="coerce")
    late_days = (pd.Timestamp(as_of) - deadline).dt.days
    frame["overdue"] = (frame["status"] != PASSED) & (late_days > 0).fillna(False)
    frame["days_overdue"] = late_days.where(frame["overdue"], 0).fillna(0).astype(int)
    frame["reason"] = [_reason(row, failing_files, rec_text) for row in frame.to_dict("records")]
    return frame[COLUMNS].sort_values(["subsystem", "deadline", "department", "item"], kind="stable").reset_index(drop=True)


def to_records(frame: pd.DataFrame) -> list[ProgressItem]:
    """The progress frame as the run report's records (deadlines as ISO dates)."""
    out = []
    for rec in frame[COLUMNS].astype(object).where(frame[COLUMNS].notna(), None).to_dict("records"):
        deadline = pd.to_datetime(rec["deadline"], format="%Y%m%d", errors="coerce") if rec["deadline"] else None
        rec["deadline"] = None if deadline is None or pd.isna(deadline) else deadline.date().isoformat()
        for name in ("files", "errors", "warnings", "days_overdue", "rec_errors"):
            rec[name] = int(rec[name] or 0)
        rec["overdue"] = bool(rec["overdue"])
        out.append(ProgressItem(**rec))
    return out
