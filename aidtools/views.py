"""What the report notebook, the analysts' notebooks and the leaders' dashboard show: aggregate tables
from a run's :class:`~aidtools.report.RunReport`.

Every function takes the report record and returns a DataFrame (or, for :func:`headline`, a dict of
numbers) with English column names; :func:`labelled` renames them to the Chinese headers a reader
sees. States and severities are given by their Chinese names (:data:`aidtools.report.TASK_STATES`,
:data:`aidtools.report.MERGE_STATES`, :data:`aidtools.findings.SEVERITIES`). An empty part of the
report (a run without a task table or without money data) gives an empty frame with the documented
columns. Free text (messages, values) passes through :func:`aidtools.masking.mask_text` and
:func:`aidtools.masking.mask_names` once more before it reaches a page (names show as 尚*涛); 学号 in
the reconciliation table are shortened (:func:`mask_student_no`).

>>> from aidtools.findings import Finding
>>> from aidtools.report import FileResult, RunReport, Versions
>>> report = RunReport(aidtools_version="0", generated_at="2018-07-15T09:00:00", as_of="2018-07-15",
...     versions=Versions("0", "3.11", "2.2"), files=[FileResult(path="文学院/a.xlsx", department="文学院",
...     template="student", rows=3, errors=1, findings=[Finding(rule="id.checksum", severity="error",
...     row=2, value="110101********1234", message="校验位错误")])])
>>> findings_frame(report)[["department", "rule", "value"]].to_dict("records")
[{'department': '文学院', 'rule': 'id.checksum', 'value': '110101********1234'}]
>>> funds_by_programme(report).empty
True
"""
from __future__ import annotations

import dataclasses
import functools
import re

import numpy as np
import pandas as pd

from aidtools.findings import severity_rank
from aidtools.masking import mask_names, mask_text
from aidtools.subsystems import SUBSYSTEMS, level_subsystems, programme_subsystems
from aidtools.report import (FOUND_OUTCOMES, MERGE_STATES, TASK_STATES, TIMELINESS_STATES, AidedLine, CampusLine, CoverageLine,
                             DepartmentChange, DepartmentTimeliness, FileAccount, FileResult, Figures, FundSourceLine,
                             FundsLine, HistoryResult, ItemChange, ItemTimeliness, MergedTemplate, ProgressItem, RoundAccuracy,
                             RoundSummary, RunReport, TrackedFinding, load_report)

ALL = "全部"  # the dropdown value meaning "no filter"
PASSED, CHECK_FAILED, REC_FAILED, MISSING = (TASK_STATES[k] for k in ("passed", "check_failed", "rec_failed", "missing"))
FAILING = (CHECK_FAILED, REC_FAILED)  # submitted, and not passed
STATUS_ORDER = {CHECK_FAILED: 0, REC_FAILED: 1, MISSING: 2, PASSED: 3}

FILE_COLUMNS = ["path", "department", "template", "template_title", "format", "rows", "errors", "warnings", "passed",
                "superseded"]
FINDING_COLUMNS = ["path", "department", "template", "rule", "severity", "sheet", "row", "column", "field", "value",
                   "message"]
PROGRESS_COLUMNS = [f.name for f in dataclasses.fields(ProgressItem)]
REC_COLUMNS = ["rule", "severity", "student_no", "programme", "academic_year", "department", "message", "sources"]
FUNDS_COLUMNS = ["programme", "academic_year", "department", "allocated", "paid", "share", "recipients", "quota",
                 "paid_unallocated"]
MERGE_COLUMNS = ["template", "title", "rows_read", "rows_merged", "rows_held_back", "rows_held_back_rec",
                 "rows_superseded", "rows_duplicate"]
PART_COLUMNS = ["template", "title", "subsystem", "rows_read", "rows_merged", "rows_held_back", "rows_superseded",
                "path", "held_back_path"]

# Chinese headers for every column name used above.
LABELS = {
    "path": "文件", "department": "部门/院系", "template": "模板编号", "template_title": "模板", "format": "格式",
    "rows": "数据行",
    "errors": "错误", "warnings": "警告", "passed": "通过", "superseded": "已被取代", "rule": "规则",
    "title": "问题", "severity": "级别", "sheet": "工作表", "row": "行", "column": "列", "field": "字段",
    "value": "值（已脱敏）", "message": "说明", "sources": "相关记录", "subsystem": "子系统", "item": "数据项", "deadline": "截止日期",
    "status": "状态", "files": "文件数", "overdue": "逾期", "days_overdue": "逾期天数", "student_no": "学号",
    "programme": "资助项目", "academic_year": "学年", "allocated": "下达金额(元)", "paid": "发放金额(元)",
    "paid_unallocated": "无下达资金的发放(元)", "paid_allocated": "有下达资金的发放(元)", "source": "资金来源",
    "source_share": "占比",
    "share": "执行率", "recipients": "受助人次", "quota": "名额", "level": "学历层次", "enrolled": "在校生数",
    "difficult": "困难学生数", "coverage": "困难认定比例", "aided": "受助困难学生数", "aided_share": "困难学生受助比例",
    "campus": "校区", "rows_read": "读取行数", "rows_merged": "合并行数", "rows_held_back": "暂缓行数",
    "rows_superseded": "被取代行数", "superseded_by": "取代它的文件", "rows_held_back_rec": "其中因对账错误暂缓",
    "held_back_path": "暂缓清单", "provenance_path": "来源记录", "reason": "原因", "rows_duplicate": "其中与他文件重复", "other": "其他规则",
    "findings": "条数", "caused": "由检查错误引起", "students": "涉及学生", "departments": "涉及部门", "tasks": "任务数", "passed_tasks": "已通过",
    "check_failed": "检查未通过", "rec_failed": "对账未通过", "missing": "未提交", "max_days_overdue": "最长逾期天数", "files_passed": "通过文件",
    "total": "合计", "indicator": "指标", "records": "记录数", "over_allocated": "超支",
    "kind": "文件类型", "outcome": "处理",
    "assisting": "协助部门", "filler": "数据填报员", "auditor": "数据审核员", "rec_errors": "对账错误",
    # the history of rounds (与上一轮相比, trends, timeliness)
    "round": "轮次", "as_of": "数据截至", "recorded_at": "记录时间", "items": "数据项", "items_passed": "已通过数据项",
    "fixed": "已改正", "new": "新出现", "still_open": "仍未改正", "errors_per_100_rows": "每百行错误数",
    "change": "变化", "record": "记录（已脱敏）", "first_round": "首次出现轮次", "rounds_open": "已持续轮数",
    "first_submitted": "首次提交", "first_passed": "首次通过", "first_passed_round": "首次通过轮次",
    "rounds_to_pass": "提交至通过轮数", "days_late": "逾期天数（首次通过时）", "state": "按时情况",
    "on_time": "按时通过", "late": "逾期通过", "open": "尚未通过",
}

__all__ = ["load_report", "labelled", "files_frame", "not_checked_frame", "findings_frame", "findings_by_rule", "findings_by_department",
           "errors_by_department_rule", "progress_frame", "progress_by_department", "reconciliation_frame",
           "reconciliation_by_rule", "funds_frame", "funds_by_programme", "over_allocated", "funds_by_department",
           "funds_by_source", "coverage_frame", "coverage_by_level", "campus_frame", "merge_frame", "merge_parts_frame",
           "merge_files_frame", "merge_files_table", "inputs_frame",
           "summary_frame", "options", "headline", "mask_student_no", "has_previous_round", "history_rounds",
           "history_changes", "history_item_changes", "still_open", "accuracy_frame", "accuracy_trend", "accuracy_by_department",
           "timeliness_items",
           "timeliness_by_department", "timeliness_by_round"]


def frame_of(records, record_type, columns=None) -> pd.DataFrame:
    """Records of one type as a frame with a column per field (in field order), also when there are none."""
    names = [f.name for f in dataclasses.fields(record_type)]
    frame = pd.DataFrame([{n: getattr(r, n) for n in names} for r in records], columns=names)
    return frame if columns is None else frame[columns]


def _figures(report: RunReport) -> Figures:
    return report.reconciliation.figures if report.reconciliation is not None else Figures()


def _one_year(frame: pd.DataFrame, academic_year) -> pd.DataFrame:
    """Rows of ``academic_year``; with no year chosen, of the latest year (counts of students do not add up
    across years). Frames without an ``academic_year`` column pass through."""
    if "academic_year" not in frame.columns or frame["academic_year"].isna().all():
        return frame
    year = academic_year if _chosen(academic_year) else frame["academic_year"].dropna().max()
    return frame[frame["academic_year"] == year]


def _numbers(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for name in columns:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return frame


def _ratio(top: pd.Series, bottom: pd.Series) -> pd.Series:
    """top / bottom, NaN where bottom is 0 or missing."""
    bottom = bottom.astype(float)
    return top.astype(float) / bottom.where(bottom > 0)


def _chosen(value) -> bool:
    return value not in (None, "", ALL)


def _mask_column(values: pd.Series) -> pd.Series:
    return values.map(lambda v: mask_names(mask_text(v)) if isinstance(v, str) else v)


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with Chinese column headers (and index name) for display."""
    out = frame.rename(columns=LABELS)
    if out.index.name in LABELS:
        out.index.name = LABELS[out.index.name]
    return out


# ---- files and findings ------------------------------------------------------------------------------

def files_frame(report: RunReport, include_superseded: bool = True) -> pd.DataFrame:
    """One row per checked file."""
    files = report.files if include_superseded else report.files_in_use()
    return frame_of(files, FileResult, FILE_COLUMNS)


def findings_frame(report: RunReport, include_superseded: bool = False) -> pd.DataFrame:
    """Every finding of every file, with the file's path, department and template; values masked."""
    records = [{"path": f.path, "department": f.department, "template": f.template, "rule": x.rule,
                "severity": x.severity, "sheet": x.sheet, "row": x.row, "column": x.column, "field": x.field,
                "value": x.value, "message": x.message}
               for f in (report.files if include_superseded else report.files_in_use()) for x in f.findings]
    frame = pd.DataFrame(records, columns=FINDING_COLUMNS)
    frame["row"] = pd.array(frame["row"], dtype="Int64")
    frame["value"] = _mask_column(frame["value"])
    frame["message"] = _mask_column(frame["message"])
    return frame


@functools.cache
def template_titles() -> dict[str, str]:
    """Template id -> its Chinese title (the packaged specs)."""
    from aidtools.specs import load_specs
    return {spec.id: spec.title for spec in load_specs().values()}


def _template_label(template) -> str | None:
    """A template id as a reader sees it: its Chinese title with the id beside it."""
    if not isinstance(template, str) or template not in template_titles():
        return template
    return f"{template_titles()[template]}（{template}）"


def _rule_titles() -> dict[str, str]:
    from aidtools.rules import RULES
    return {rid: rule.title for rid, rule in RULES.items()}


# The department is the first part of the path, the sheet is the template's: left out, so that the message has room.
FINDING_TABLE_COLUMNS = ["path", "template_title", "severity", "title", "rule", "row", "column", "field", "value",
                         "message"]


def findings_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A findings frame (:func:`findings_frame`, or the findings of checked files) as an analyst reads it:
    the template's Chinese title (``template_title``), the rule's title (``title``) beside its id, in
    reading order; the columns the frame lacks are left out. English names; :func:`labelled` or
    :func:`aidtools.widgets.tables.styled` give the headers.

    >>> f = pd.DataFrame({"template": ["student"], "rule": ["id.checksum"], "severity": ["error"], "row": [3]})
    >>> findings_table(f).to_dict("records")
    [{'template_title': '学生基本信息', 'severity': 'error', 'title': '身份证号校验位错误', 'rule': 'id.checksum', 'row': 3}]
    """
    out = frame.copy()
    if "template" in out.columns:
        out["template_title"] = out["template"].map(lambda t: template_titles().get(t, t) if isinstance(t, str) else t)
    if "rule" in out.columns:
        out["title"] = out["rule"].map(_rule_titles())
    return out[[c for c in FINDING_TABLE_COLUMNS if c in out.columns]]


def with_template_titles(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its template id column replaced, in place, by the template's Chinese title
    (``template_title``; a ``title`` column that holds the same title goes).

    >>> with_template_titles(pd.DataFrame({"template": ["loan"], "title": ["国家助学贷款"], "rows": [2]})).columns.tolist()
    ['template_title', 'rows']
    """
    out = frame.drop(columns=[c for c in ("title",) if c in frame.columns and "template" in frame.columns])
    titles = out["template"].map(lambda t: template_titles().get(t, t) if isinstance(t, str) else t)
    return out.assign(template=titles).rename(columns={"template": "template_title"})


def reconciliation_labels(frame: pd.DataFrame) -> list[str]:
    """One line per reconciliation finding of ``frame`` (:attr:`aidtools.reconcile.Reconciliation.findings`
    columns) for a list to pick from: severity, rule title and id, college, 学号 and message, the 学号
    shortened the same way in both (:func:`mask_student_no`) and the message masked."""
    if frame.empty:
        return []
    students = mask_student_no(frame["student_no"])
    messages = _mask_column(_mask_student_nos_in(frame["message"]))
    titles = _rule_titles()
    from aidtools.findings import severity_label
    return [f"[{severity_label(r.severity)}] {titles.get(r.rule, r.rule)}（{r.rule}） {r.department or ''} "
            f"{student or ''}：{message or ''}" for r, student, message in zip(frame.itertuples(), students, messages)]


def _by_severity_then(frame: pd.DataFrame, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    return frame.assign(_rank=severity_rank(frame["severity"])).sort_values(
        ["_rank", *by], ascending=[True, *ascending], kind="stable").drop(columns="_rank")


def findings_by_rule(report: RunReport, department=None) -> pd.DataFrame:
    """Findings counted per rule: rule, title, severity, findings, files, departments; errors first."""
    frame = findings_frame(report)
    if _chosen(department):
        frame = frame[frame["department"] == department]
    columns = ["rule", "title", "severity", "findings", "files", "departments"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    out = frame.groupby(["rule", "severity"], as_index=False).agg(
        findings=("rule", "size"), files=("path", "nunique"), departments=("department", "nunique"))
    out["title"] = out["rule"].map(_rule_titles()).fillna("")
    return _by_severity_then(out, ["findings", "rule"], [False, True])[columns].reset_index(drop=True)


def findings_by_department(report: RunReport) -> pd.DataFrame:
    """Per department: files (in use), files passed, errors, warnings; most errors first."""
    files = files_frame(report, include_superseded=False)
    columns = ["department", "files", "files_passed", "errors", "warnings"]
    if files.empty:
        return pd.DataFrame(columns=columns)
    out = files.groupby("department", as_index=False).agg(
        files=("path", "size"), files_passed=("passed", "sum"), errors=("errors", "sum"), warnings=("warnings", "sum"))
    out["files_passed"] = out["files_passed"].astype(int)
    return out.sort_values(["errors", "department"], ascending=[False, True])[columns].reset_index(drop=True)


def errors_by_department_rule(report: RunReport, department=None, severity: str = "error", titles: bool = False,
                              top: int | None = None) -> pd.DataFrame:
    """A department × rule table of finding counts (``severity`` only), with a 合计 (total) column.

    ``titles`` names the rule columns by their Chinese title beside the rule id; ``top`` keeps the
    columns of the ``top`` most frequent rules and adds the rest up in an ``other`` column.
    """
    frame = findings_frame(report)
    frame = frame[frame["severity"] == severity]
    if _chosen(department):
        frame = frame[frame["department"] == department]
    if frame.empty:
        return pd.DataFrame(columns=["total"], index=pd.Index([], name="department"))
    table = pd.crosstab(frame["department"], frame["rule"])
    if top is not None and table.shape[1] > top + 1:
        kept = table.sum().sort_values(ascending=False, kind="stable").index[:top]
        table = table[kept].assign(other=table.drop(columns=kept).sum(axis=1))
    table["total"] = table.sum(axis=1)
    table.columns.name = None
    if titles:
        names = _rule_titles()
        table = table.rename(columns={rule: f"{names.get(rule, rule)}（{rule}）" for rule in table.columns
                                      if rule not in ("total", "other")})
    return table.sort_values("total", ascending=False)


# ---- progress against the task table ------------------------------------------------------------------

def progress_frame(report: RunReport, subsystem=None, department=None) -> pd.DataFrame:
    """The task table's rows with their status in Chinese (检查未通过, 对账未通过, 未提交, 已通过 in that
    order, then the most overdue first) and what is wrong (``reason``)."""
    frame = frame_of(report.progress, ProgressItem)
    frame["status"] = frame["status"].map(TASK_STATES)
    frame["overdue"] = frame["overdue"].astype(bool)
    if _chosen(subsystem):
        frame = frame[frame["subsystem"] == subsystem]
    if _chosen(department):
        frame = frame[frame["department"] == department]
    rank = frame["status"].map(STATUS_ORDER)
    frame = frame.assign(_rank=rank).sort_values(["_rank", "days_overdue", "deadline", "department", "item"],
                                                 ascending=[True, False, True, True, True], kind="stable")
    return frame.drop(columns="_rank").reset_index(drop=True)


def progress_by_department(report: RunReport, subsystem=None) -> pd.DataFrame:
    """Per responsible department: tasks, passed, check failed, reconciliation failed, missing, overdue,
    longest overdue in days."""
    frame = progress_frame(report, subsystem=subsystem)
    columns = ["department", "tasks", "passed_tasks", "check_failed", "rec_failed", "missing", "overdue",
               "max_days_overdue"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    flags = frame.assign(passed_tasks=frame["status"].eq(PASSED), check_failed=frame["status"].eq(CHECK_FAILED),
                         rec_failed=frame["status"].eq(REC_FAILED), missing=frame["status"].eq(MISSING))
    out = flags.groupby("department", as_index=False).agg(
        tasks=("item", "size"), passed_tasks=("passed_tasks", "sum"), check_failed=("check_failed", "sum"),
        rec_failed=("rec_failed", "sum"), missing=("missing", "sum"), overdue=("overdue", "sum"),
        max_days_overdue=("days_overdue", "max"))
    for name in columns[1:]:
        out[name] = out[name].astype(int)
    return out.sort_values(["overdue", "check_failed", "rec_failed", "missing", "department"],
                           ascending=[False, False, False, False, True])[columns].reset_index(drop=True)


# ---- reconciliation -------------------------------------------------------------------------------------

def mask_student_no(values: pd.Series) -> pd.Series:
    """学号 shortened for leaders' pages: first 3 and last 3 characters kept (``2016****003``).

    >>> mask_student_no(pd.Series(["20160603003", "S12", None])).tolist()
    ['201*****003', '***', None]
    """
    text = values.astype("string")
    n = text.str.len().fillna(0).astype(int)
    stars = n.sub(6).clip(lower=0).map(lambda k: "*" * k).astype("string")
    masked = (text.str[:3] + stars + text.str[-3:]).where(n > 6, text.str.replace(r".", "*", regex=True))
    return masked.astype(object).where(values.notna(), None)


# 学号 inside a message: "学号20160603003的…", and the list "对应多个学号（2016001、2016002）".
_STUDENT_NOS_IN_TEXT = re.compile(r"(?<=学号)[0-9A-Za-z]+|(?<=学号（)[0-9A-Za-z、]+(?=）)")


def _mask_student_nos_in(messages: pd.Series) -> pd.Series:
    """Every 学号 a message quotes shortened as :func:`mask_student_no` does (before :func:`mask_text`,
    which would keep the first 3 and last 4 of an 11-digit one, as of a mobile)."""
    found = sorted({n for m in messages if isinstance(m, str) for hit in _STUDENT_NOS_IN_TEXT.findall(m)
                    for n in hit.split("、")})
    short = dict(zip(found, mask_student_no(pd.Series(found, dtype=object))))
    one = lambda hit: "、".join(short[n] for n in hit.group(0).split("、"))  # noqa: E731
    return messages.map(lambda m: _STUDENT_NOS_IN_TEXT.sub(one, m) if isinstance(m, str) else m)


def _rec_findings(report: RunReport, department=None, academic_year=None, rule=None) -> pd.DataFrame:
    """The reconciliation findings; ``caused``: a check error explains it (it counts as that error)."""
    findings = report.reconciliation.findings if report.reconciliation is not None else []
    frame = pd.DataFrame([{**{c: getattr(f, c) for c in REC_COLUMNS}, "caused": bool(f.caused_by)} for f in findings],
                         columns=REC_COLUMNS + ["caused"])
    for column, chosen in (("department", department), ("academic_year", academic_year), ("rule", rule)):
        if _chosen(chosen):
            frame = frame[frame[column] == chosen]
    return frame.reset_index(drop=True)


def reconciliation_frame(report: RunReport, department=None, academic_year=None, rule=None,
                         mask_students: bool = True) -> pd.DataFrame:
    """The ``rec.*`` findings, messages masked; ``sources`` as "path 第n行" text.

    ``mask_students`` shortens the 学号 (:func:`mask_student_no`), in the column and in the messages: a
    leader's page ties a student to hardship and aid, so it names no one (names are masked in every
    message); analysts' notebooks read the full findings instead.
    """
    frame = _rec_findings(report, department, academic_year, rule)
    if mask_students:
        frame["student_no"] = mask_student_no(frame["student_no"])
        frame["message"] = _mask_student_nos_in(frame["message"])
    frame["message"] = _mask_column(frame["message"])
    frame["sources"] = frame["sources"].map(lambda s: "；".join(f"{x.path} 第{x.row}行" for x in s))
    return frame.drop(columns="caused")


def reconciliation_by_rule(report: RunReport, department=None, academic_year=None) -> pd.DataFrame:
    """``rec.*`` findings counted per rule: rule, title, severity, findings (of their own), caused (explained
    by a check error, counted as that error), students (distinct 学号), departments."""
    frame = _rec_findings(report, department, academic_year)
    columns = ["rule", "title", "severity", "findings", "caused", "students", "departments"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    out = frame.assign(own=~frame["caused"]).groupby(["rule", "severity"], as_index=False, dropna=False).agg(
        findings=("own", "sum"), caused=("caused", "sum"), students=("student_no", "nunique"),
        departments=("department", "nunique"))
    out["title"] = out["rule"].map(_rule_titles()).fillna("")
    return _by_severity_then(out, ["findings"], [False])[columns].reset_index(drop=True)


# ---- money ------------------------------------------------------------------------------------------------

def _in_subsystem(programmes: pd.Series, subsystem) -> pd.Series:
    """Programmes of ``subsystem`` or of both subsystems."""
    if not _chosen(subsystem):
        return pd.Series(True, index=programmes.index)
    return programmes.map(programme_subsystems()).fillna(subsystem) == subsystem


def funds_frame(report: RunReport, academic_year=None, department=None, subsystem=None) -> pd.DataFrame:
    """Money per programme, academic year and college: allocated, paid, share (paid/allocated), recipients,
    quota, paid_unallocated.

    ``paid`` is money paid against an allocation; a line of a programme and year with no allocation at
    all (a programme the school pays from its own funds, such as 勤工助学) has its payments in
    ``paid_unallocated``, so that it neither inflates the share nor looks like over-spending.
    """
    frame = _numbers(frame_of(_figures(report).funds, FundsLine), ["allocated", "paid", "recipients", "quota"])
    compared = frame["compared"].astype(bool)
    frame["paid_unallocated"] = frame["paid"].where(~compared, 0.0)
    frame["paid"] = frame["paid"].where(compared, 0.0)
    if _chosen(academic_year):
        frame = frame[frame["academic_year"] == academic_year]
    if _chosen(department):
        frame = frame[frame["department"] == department]
    frame = frame[_in_subsystem(frame["programme"], subsystem)].copy()
    frame["share"] = _ratio(frame["paid"], frame["allocated"])
    return frame[FUNDS_COLUMNS].reset_index(drop=True)


def _sum_money(frame: pd.DataFrame, keys) -> pd.DataFrame:
    money = ["allocated", "paid", "recipients", "quota", "paid_unallocated"]
    out = frame.groupby(keys, as_index=False, dropna=False)[money].sum(min_count=1)
    out["share"] = _ratio(out["paid"], out["allocated"])
    return out


def funds_by_programme(report: RunReport, academic_year=None, department=None, subsystem=None) -> pd.DataFrame:
    """Per programme and academic year: allocated, paid, share, recipients, quota, paid_unallocated."""
    columns = ["programme", "academic_year", "allocated", "paid", "share", "recipients", "quota", "paid_unallocated"]
    funds = funds_frame(report, academic_year, department, subsystem)
    if funds.empty:
        return pd.DataFrame(columns=columns)
    out = _sum_money(funds, ["programme", "academic_year"])
    return out.sort_values(["academic_year", "allocated"], ascending=[False, False])[columns].reset_index(drop=True)


def over_allocated(report: RunReport, academic_year=None, department=None, subsystem=None) -> pd.DataFrame:
    """Programme × college lines where more was paid than allocated (the red lines of the money tables)."""
    funds = funds_frame(report, academic_year, department, subsystem)
    over = funds[funds["paid"] > funds["allocated"]]
    return over.sort_values("share", ascending=False)[
        ["programme", "academic_year", "department", "allocated", "paid", "share", "recipients", "quota"]
    ].reset_index(drop=True)


def funds_by_department(report: RunReport, academic_year=None, subsystem=None) -> pd.DataFrame:
    """Per college: allocated, paid (against allocations), share, paid_unallocated, recipients; and whether
    paid exceeds allocated."""
    columns = ["department", "allocated", "paid", "share", "paid_unallocated", "recipients", "over_allocated"]
    funds = funds_frame(report, academic_year, None, subsystem)
    if funds.empty:
        return pd.DataFrame(columns=columns)
    out = _sum_money(funds, ["department"])
    out["over_allocated"] = out["paid"] > out["allocated"]
    return out.sort_values("allocated", ascending=False)[columns].reset_index(drop=True)


def funds_by_source(report: RunReport, academic_year=None, subsystem=None) -> pd.DataFrame:
    """Money allocated per programme, academic year and 资金来源 (中央财政, 地方财政, 学校 …, in the code
    table's order), with each source's part of the programme's allocation (``source_share``); empty when
    the allocation table gave no source. Not split by college: the figures are the whole school's."""
    columns = ["programme", "academic_year", "source", "allocated", "source_share"]
    frame = _numbers(frame_of(_figures(report).fund_sources, FundSourceLine), ["allocated"])
    if _chosen(academic_year):
        frame = frame[frame["academic_year"] == academic_year]
    frame = frame[_in_subsystem(frame["programme"], subsystem)].copy()
    frame["source_share"] = _ratio(frame["allocated"],
                                   frame.groupby(["programme", "academic_year"])["allocated"].transform("sum"))
    return frame[columns].reset_index(drop=True)


# ---- coverage -----------------------------------------------------------------------------------------------

def _coverage_lines(report: RunReport, academic_year) -> pd.DataFrame:
    return _numbers(_one_year(frame_of(_figures(report).coverage, CoverageLine), academic_year),
                    ["enrolled", "difficult"])


def coverage_frame(report: RunReport, department=None, subsystem=None, academic_year=None) -> pd.DataFrame:
    """Per college: enrolled, difficult, coverage (difficult/enrolled), aided, aided_share (aided/difficult).

    One academic year (the latest when none is chosen). ``aided`` comes from ``figures.aided_share``
    (all levels of the college), so it is left out when a subsystem is chosen.
    """
    columns = ["department", "enrolled", "difficult", "coverage", "aided", "aided_share"]
    coverage = _coverage_lines(report, academic_year)
    if _chosen(subsystem):
        coverage = coverage[coverage["level"].map(level_subsystems()).fillna(subsystem) == subsystem]
    if _chosen(department):
        coverage = coverage[coverage["department"] == department]
    if coverage.empty:
        return pd.DataFrame(columns=columns)
    out = coverage.groupby("department", as_index=False)[["enrolled", "difficult"]].sum(min_count=1)
    out["coverage"] = _ratio(out["difficult"], out["enrolled"])
    aided = _numbers(_one_year(frame_of(_figures(report).aided_share, AidedLine), academic_year), ["aided"])
    aided = aided.groupby("department", as_index=False)["aided"].sum(min_count=1)
    out = out.merge(aided, on="department", how="left")
    if _chosen(subsystem):
        out["aided"] = np.nan
    out["aided_share"] = _ratio(out["aided"], out["difficult"])
    return out.sort_values("coverage", ascending=False)[columns].reset_index(drop=True)


def coverage_by_level(report: RunReport, department=None, academic_year=None) -> pd.DataFrame:
    """Per college and level: enrolled, difficult, coverage (one academic year, the latest by default)."""
    frame = _coverage_lines(report, academic_year)
    if _chosen(department):
        frame = frame[frame["department"] == department]
    frame = frame.copy()
    frame["coverage"] = _ratio(frame["difficult"], frame["enrolled"])
    return frame[["department", "level", "enrolled", "difficult", "coverage"]].reset_index(drop=True)


def campus_frame(report: RunReport, academic_year=None) -> pd.DataFrame:
    """Per campus (主校区, 分校): enrolled, difficult, coverage, recipients, allocated, paid, paid_allocated,
    share (one year).

    ``allocated`` is what was allocated to the campus' colleges and ``share`` = paid_allocated / allocated,
    ``paid_allocated`` being what its colleges paid under those allocations (``paid`` is everything paid
    to the campus' students). School-wide pots (全校) belong to no campus: they are a line ``全校`` of their
    own, with no students."""
    columns = ["campus", "enrolled", "difficult", "coverage", "recipients", "allocated", "paid", "paid_allocated",
               "share"]
    frame = _one_year(frame_of(_figures(report).campus, CampusLine), academic_year)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = _numbers(frame.copy(), ["enrolled", "difficult", "recipients", "allocated", "paid", "paid_allocated"])
    frame["coverage"] = _ratio(frame["difficult"], frame["enrolled"])
    frame["share"] = _ratio(frame["paid_allocated"], frame["allocated"])
    return frame[columns].reset_index(drop=True)


# ---- merge, summary, headline, options ------------------------------------------------------------------------

def merge_frame(report: RunReport) -> pd.DataFrame:
    """Per template: its title, rows read, merged into the import files, held back (of which for a
    reconciliation error, and duplicates of another file's records), left out as superseded.
    Rows read = merged + held back + superseded."""
    return frame_of(report.merge.values(), MergedTemplate, MERGE_COLUMNS)


def merge_parts_frame(report: RunReport) -> pd.DataFrame:
    """Per template and subsystem (本专科, 研究生): rows read, merged, held back, superseded, and the import
    and held-back workbooks (paths relative to the run's folder)."""
    records = [{"template": m.template, "title": m.title, **{n: getattr(p, n) for n in PART_COLUMNS[2:]}}
               for m in report.merge.values() for p in m.parts]
    return pd.DataFrame(records, columns=PART_COLUMNS)


MERGE_FILE_COLUMNS = ["template", "path", "department", "status", "rows_read", "rows_merged", "rows_held_back",
                      "rows_superseded", "superseded_by", "reason"]


def merge_files_frame(report: RunReport, only_problems: bool = False) -> pd.DataFrame:
    """Per input file of each template: status in Chinese (:data:`aidtools.report.MERGE_STATES`), row
    counts, the newer file that superseded it and the reason a whole file was held back.

    ``only_problems`` leaves out files merged whole.
    """
    frame = frame_of([a for m in report.merge.values() for a in m.files], FileAccount, MERGE_FILE_COLUMNS)
    if only_problems:
        frame = frame[frame["status"] != "merged"]
    frame["reason"] = [reason if isinstance(reason, str) and reason else _merge_reason(status, held, by)
                       for reason, status, held, by in zip(frame["reason"], frame["status"], frame["rows_held_back"],
                                                           frame["superseded_by"])]
    frame["status"] = frame["status"].map(MERGE_STATES)
    frame["reason"] = _mask_column(frame["reason"])
    return frame.reset_index(drop=True)


def merge_files_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`merge_files_frame` as an analyst reads it on the page: the template's Chinese title first; the
    department (the first part of the path) and the file that superseded it (the reason names it) left
    out, so that the reason has room. English names; the export keeps every column.

    >>> f = pd.DataFrame({"template": ["loan"], "path": ["文学院/贷款.xlsx"], "department": ["文学院"],
    ...                   "superseded_by": [None], "reason": ["x"]})
    >>> merge_files_table(f).columns.tolist()
    ['template_title', 'path', 'reason']
    """
    out = with_template_titles(frame)
    return out.drop(columns=[c for c in ("department", "superseded_by") if c in out.columns])


def _merge_reason(status: str, rows_held_back, superseded_by) -> str | None:
    """What a file's merge status says when the merge gave no reason of its own."""
    if status == "superseded":
        return f"已被重新提交的 {superseded_by} 取代" if superseded_by else "已被重新提交的文件取代"
    if status == "held_back":
        return "所有数据行都有检查错误或对账错误，逐行原因见“有错误的行”"
    if status == "partly_held_back":
        return f"{int(rows_held_back or 0)} 行有检查错误或对账错误，逐行原因见“有错误的行”"
    return None


def not_checked_frame(report: RunReport) -> pd.DataFrame:
    """The files found under the submissions folder and not checked (not tables, lock, hidden and
    system files, refused zips and members): path, department, what it is, what became of it
    (Chinese), and what to do."""
    frame = pd.DataFrame([(f.path, f.department, f.kind, FOUND_OUTCOMES[f.outcome], f.message)
                          for f in report.not_checked()], columns=["path", "department", "kind", "outcome", "message"])
    for name in ("path", "message"):
        frame[name] = _mask_column(frame[name])
    return frame


def inputs_frame(report: RunReport) -> pd.DataFrame:
    """The input files: path, the first 12 characters of the SHA-256, size in bytes."""
    frame = pd.DataFrame([(f.path, f.sha256, f.size) for f in report.inputs], columns=["path", "sha256", "size"])
    frame["sha256"] = frame["sha256"].map(lambda s: s[:12] if isinstance(s, str) else None)
    return frame


SUMMARY_ITEMS = [
    ("departments", "报送部门"), ("files", "收到文件"), ("files_passed", "通过检查的文件"),
    ("files_superseded", "被重新提交取代的文件"), ("rows", "数据行"), ("errors", "检查错误"), ("warnings", "检查警告"),
    ("rec_errors", "对账错误"), ("rec_warnings", "对账警告"),
]


def summary_frame(report: RunReport) -> pd.DataFrame:
    """The headline counts of the run as (indicator, value) rows, Chinese indicator names."""
    rows = [{"indicator": label, "value": getattr(report.summary, key)} for key, label in SUMMARY_ITEMS]
    progress = progress_frame(report)
    if len(progress):
        rows += [{"indicator": "任务分解表中的数据项", "value": len(progress)},
                 {"indicator": "已通过的数据项", "value": int(progress["status"].eq(PASSED).sum())},
                 {"indicator": "逾期未完成的数据项", "value": int(progress["overdue"].sum())}]
    return pd.DataFrame(rows, columns=["indicator", "value"])


def options(report: RunReport) -> dict[str, list[str]]:
    """Choices for the dashboard's dropdowns: academic years (newest first), subsystems, colleges/departments."""
    figures = _figures(report)
    rec = report.reconciliation.findings if report.reconciliation is not None else []
    years = ({x.academic_year for x in figures.funds} | {x.academic_year for x in figures.programmes}
             | {f.academic_year for f in rec}) - {None}
    progress_subsystems = {p.subsystem for p in report.progress}
    subsystems = [s for s in SUBSYSTEMS if s in progress_subsystems] or list(SUBSYSTEMS)
    colleges = ({x.department for x in figures.funds} | {x.department for x in figures.coverage}) - {None, "全校", ""}
    others = ({p.department for p in report.progress} | {f.department for f in report.files}) - colleges - {None, "全校", ""}
    return {"academic_years": sorted(years, reverse=True), "subsystems": subsystems,
            "departments": sorted(colleges) + sorted(others)}


def headline(report: RunReport, academic_year=None, subsystem=None, department=None) -> dict:
    """The figures a leader reads first, for one college (or all): money, students, problems, lateness."""
    funds = funds_frame(report, academic_year, department, subsystem)
    allocated = float(funds["allocated"].sum()) if len(funds) else 0.0
    paid = float(funds["paid"].sum()) if len(funds) else 0.0
    paid_unallocated = float(funds["paid_unallocated"].sum()) if len(funds) else 0.0
    coverage = coverage_frame(report, department, subsystem, academic_year)
    enrolled = int(coverage["enrolled"].sum()) if len(coverage) else 0
    difficult = int(coverage["difficult"].sum()) if len(coverage) else 0
    findings = findings_frame(report)
    if _chosen(department):
        findings = findings[findings["department"] == department]
    rec = _rec_findings(report, department, academic_year)
    progress = progress_frame(report, subsystem, department)
    return {
        "allocated": allocated, "paid": paid, "share": paid / allocated if allocated else None,
        "paid_unallocated": paid_unallocated,
        "recipients": int(funds["recipients"].sum()) if len(funds) else 0,
        "enrolled": enrolled, "difficult": difficult, "coverage": difficult / enrolled if enrolled else None,
        "errors": int(findings["severity"].eq("error").sum()),
        "rec_errors": int((rec["severity"].eq("error") & ~rec["caused"]).sum()),
        "tasks": len(progress), "tasks_passed": int(progress["status"].eq(PASSED).sum()),
        "overdue": int(progress["overdue"].sum()),
    }


# ---- the history: this round against the previous one, trends, timeliness ------------------------------------
#
# All from ``report.history`` (:class:`aidtools.report.HistoryResult`, filled by the history database); a
# report without one (a run not recorded as a round) gives empty frames with the documented columns.

HISTORY_ROUND_COLUMNS = ["round", "as_of", "files", "rows", "errors", "rec_errors", "items_passed", "items"]
CHANGE_COLUMNS = ["department", "fixed", "new", "still_open"]
ITEM_CHANGE_COLUMNS = ["department", "template_title", "fixed", "new", "still_open"]
STILL_OPEN_COLUMNS = ["department", "template", "rule", "title", "severity", "record", "path", "row", "message",
                      "first_round", "rounds_open"]
TIMELINESS_COLUMNS = ["subsystem", "item", "department", "deadline", "first_submitted", "first_passed",
                      "first_passed_round", "rounds_to_pass", "days_late", "state"]
TIMELINESS_DEPARTMENT_COLUMNS = ["department", "items", "on_time", "late", "open"]


def _history(report: RunReport) -> HistoryResult:
    return report.history if report.history is not None else HistoryResult(round=0, store="")


def has_previous_round(report: RunReport) -> bool:
    """Whether the report has a history with a round before this one (what 与上一轮相比 compares with)."""
    return report.history is not None and report.history.previous_round is not None


def history_rounds(report: RunReport) -> pd.DataFrame:
    """One row per recorded round, oldest first: as-of date, files, rows, errors, reconciliation errors,
    task items passed of all items."""
    frame = frame_of(_history(report).rounds, RoundSummary, HISTORY_ROUND_COLUMNS)
    return frame.sort_values("round", kind="stable").reset_index(drop=True)


def history_changes(report: RunReport, department=None) -> pd.DataFrame:
    """Per department, since the previous round: findings fixed, new, still open; most still open first."""
    frame = frame_of(_history(report).changes, DepartmentChange, CHANGE_COLUMNS)
    if _chosen(department):
        frame = frame[frame["department"] == department]
    for name in CHANGE_COLUMNS[1:]:
        frame[name] = frame[name].astype(int)
    return frame.sort_values(["still_open", "new", "fixed", "department"], ascending=[False, False, False, True],
                             kind="stable").reset_index(drop=True)


def history_item_changes(report: RunReport, department=None) -> pd.DataFrame:
    """:func:`history_changes` per department and data item (template, its Chinese title first; blank for
    reconciliation findings about no one file); departments in :func:`history_changes`' order."""
    frame = frame_of(_history(report).item_changes, ItemChange)
    if _chosen(department):
        frame = frame[frame["department"] == department]
    frame = frame.copy()
    for name in ITEM_CHANGE_COLUMNS[2:]:
        frame[name] = frame[name].astype(int)
    order = {d: k for k, d in enumerate(history_changes(report)["department"])}
    frame["_order"] = frame["department"].map(order).fillna(len(order))
    frame = frame.sort_values(["_order", "still_open", "new", "template"], ascending=[True, False, False, True],
                              kind="stable", na_position="last")
    frame["template_title"] = frame["template"].map(_template_label).astype(object).where(frame["template"].notna(), "")
    return frame[ITEM_CHANGE_COLUMNS].reset_index(drop=True)


def still_open(report: RunReport, department=None) -> pd.DataFrame:
    """The findings still open since an earlier round: department, template, rule and its title, the record
    (masked), where it is, the message (masked), the round it first appeared in and how many rounds it
    has been open (this one counted); the longest open first."""
    history = _history(report)
    frame = frame_of(history.still_open, TrackedFinding)
    if _chosen(department):
        frame = frame[frame["department"] == department]
    frame = frame.copy()
    frame["title"] = frame["rule"].map(_rule_titles()).fillna("")
    frame["template"] = frame["template"].map(_template_label)  # 资助发放（disbursement）: Chinese first
    frame["row"] = pd.array(frame["row"], dtype="Int64")
    frame["first_round"] = pd.array(frame["first_round"], dtype="Int64")
    frame["rounds_open"] = (history.round - frame["first_round"] + 1).astype("Int64")
    frame["record"] = _mask_column(frame["record"])
    frame["message"] = _mask_column(_mask_student_nos_in(frame["message"]))
    frame = frame.sort_values(["first_round", "department", "path", "row"], kind="stable", na_position="last")
    return frame[STILL_OPEN_COLUMNS].reset_index(drop=True)


def accuracy_frame(report: RunReport, department=None) -> pd.DataFrame:
    """Errors per 100 rows per department and round (check and reconciliation errors counted once)."""
    frame = _numbers(frame_of(_history(report).accuracy, RoundAccuracy), ["errors_per_100_rows"])
    if _chosen(department):
        frame = frame[frame["department"] == department]
    return frame.sort_values(["round", "department"], kind="stable").reset_index(drop=True)


def accuracy_trend(report: RunReport, department=None) -> pd.DataFrame:
    """A round × department table of errors per 100 rows (index ``round``; one column per department, the
    departments with the most errors per 100 rows in the latest round first)."""
    frame = accuracy_frame(report, department)
    if frame.empty:
        return pd.DataFrame(index=pd.Index([], name="round"))
    table = frame.pivot_table(index="round", columns="department", values="errors_per_100_rows", aggfunc="first",
                              dropna=False)
    latest = table.iloc[-1].fillna(-1).sort_values(ascending=False, kind="stable")
    table = table[latest.index]
    table.columns.name = None
    return table


def accuracy_by_department(report: RunReport, department=None) -> pd.DataFrame:
    """:func:`accuracy_trend` the other way round, for reading: one row per department, a column
    ``第N轮`` per round (errors per 100 rows)."""
    trend = accuracy_trend(report, department)
    table = trend.T
    table.columns = [f"第{int(n)}轮" for n in trend.index]
    table.index.name = "department"
    return table.reset_index()


def timeliness_items(report: RunReport, department=None, state=None) -> pd.DataFrame:
    """Each task item over the rounds: first submitted, first passed (date and round), rounds it took, days
    late, and its state in Chinese (按时通过 / 逾期通过 / 尚未通过); open items first, then the latest."""
    frame = frame_of(_history(report).items, ItemTimeliness, TIMELINESS_COLUMNS)
    if _chosen(department):
        frame = frame[frame["department"] == department]
    if _chosen(state):
        frame = frame[frame["state"].isin([state, next((k for k, v in TIMELINESS_STATES.items() if v == state), state)])]
    for name in ("first_passed_round", "rounds_to_pass", "days_late"):
        frame[name] = pd.array(frame[name], dtype="Int64")
    rank = frame["state"].map({"open": 0, "late": 1, "on_time": 2})
    frame = frame.assign(_rank=rank).sort_values(["_rank", "days_late", "deadline", "department", "item"],
                                                 ascending=[True, False, True, True, True], kind="stable")
    frame["state"] = frame["state"].map(TIMELINESS_STATES)
    return frame.drop(columns="_rank").reset_index(drop=True)


def timeliness_by_department(report: RunReport) -> pd.DataFrame:
    """Per department (what a 绩效考评 would use): task items, passed on time, passed late, still open; the
    most open, then the most late first."""
    frame = frame_of(_history(report).departments, DepartmentTimeliness, TIMELINESS_DEPARTMENT_COLUMNS)
    for name in TIMELINESS_DEPARTMENT_COLUMNS[1:]:
        frame[name] = frame[name].astype(int)
    return frame.sort_values(["open", "late", "department"], ascending=[False, False, True],
                             kind="stable").reset_index(drop=True)


def timeliness_by_round(report: RunReport) -> pd.DataFrame:
    """Per recorded round: task items passed by then on time (by their deadline), passed late, not yet
    passed (items of :attr:`HistoryResult.items`; an item passed in round r counts as passed from r on)."""
    columns = ["round", "as_of", "on_time", "late", "open"]
    history = _history(report)
    rounds = sorted(history.rounds, key=lambda r: r.round)
    if not rounds or not history.items:
        return pd.DataFrame(columns=columns)
    rows = []
    for r in rounds:
        passed = [i for i in history.items if i.first_passed_round is not None and i.first_passed_round <= r.round]
        late = sum(1 for i in passed if i.deadline and i.first_passed and i.first_passed > i.deadline)
        rows.append({"round": r.round, "as_of": r.as_of, "on_time": len(passed) - late, "late": late,
                     "open": len(history.items) - len(passed)})
    return pd.DataFrame(rows, columns=columns)
