"""Progress against the school's own 任务分解表: the official layout (no 模板 column, one 数据项 listed for
each college), the four states, the reconciliation's part in them, and a task table found in the
submissions folder."""
from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from aidtools import findings as F, steps
from aidtools.findings import Finding, Source
from aidtools.progress_tasks import resolve
from aidtools.rules import RULES
from builders import Sheet, valid_student, write_book, write_template
from conftest import check

AS_OF = dt.date(2018, 7, 15)
OFFICIAL = ["子系统", "数据项", "责任部门", "协助部门", "数据填报员", "数据审核员", "截止日期"]
ROWS = [
    ["本专科", "学生基本信息", "学生处", "教务处、各学院", "甲一", "乙一", "20171010"],
    ["本专科", "临时困难补助发放", "文学院", "学生处", "甲二", "乙二", "20180705"],
    ["本专科", "临时困难补助发放", "法学院", "学生处", "甲三", "乙三", "20180705"],
    ["本专科", "临时困难补助发放", "化学学院", "学生处", "甲四", "乙四", "20180710"],
    ["本专科", "勤工助学酬金发放", "文学院", "", "甲二", "乙二", "20180801"],
]


def task_book(path, rows=ROWS, headers=OFFICIAL):
    return write_book(path, sheets=[Sheet("任务分解", [headers, *rows])])


def payments(folder, department, name, *changes):
    base = {"资助项目": "临时困难补助", "资助档次": "", "院系": department, "发放金额(元)": "500"}
    return write_template(folder / department, "disbursement", *[{**base, **c} for c in changes], name=name)


@pytest.fixture
def submissions(tmp_path):
    subs = tmp_path / "submissions"
    write_template(subs / "学生处", "student", {}, {}, {}, name="2017级学生基本信息.xlsx")
    payments(subs, "文学院", "临时困难补助发放.xlsx", {})
    other = {k: valid_student(1)[k] for k in ("学号", "身份证件号")}  # not the student 文学院 pays
    payments(subs, "法学院", "临时困难补助发放.xlsx", {**other, "发放金额(元)": "abc"})  # a check error
    return subs


def states(items) -> dict:
    return {(p.item, p.department): p for p in items}


def test_official_layout_loads_with_no_finding(tmp_path):
    report = check(task_book(tmp_path / "任务分解表.xlsx"))
    assert report.template == "tasks"
    assert report.findings.empty, report.findings[["rule", "row", "message"]].to_string()
    frame = resolve(report.table)
    assert list(frame["template"]) == ["student", "disbursement", "disbursement", "disbursement", "disbursement"]
    assert list(frame["programme"]) == [None, "临时困难补助", "临时困难补助", "临时困难补助", "勤工助学"]


def test_a_template_column_still_works_and_wins(tmp_path):
    rows = [[*r[:2], "student" if k == 0 else "loan", *r[2:]] for k, r in enumerate(ROWS)]
    report = check(task_book(tmp_path / "t.xlsx", rows, OFFICIAL[:2] + ["模板"] + OFFICIAL[2:]))
    assert report.findings.empty
    frame = resolve(report.table)
    assert list(frame["template"]) == ["student", "loan", "loan", "loan", "loan"]
    assert frame["programme"].isna().all()  # a loan item is about no 资助项目


def test_progress_states_assignments_and_overdue(submissions, tmp_path):
    batch = steps.check([submissions], steps.Options(as_of=AS_OF))
    got = states(steps.progress(batch, task_book(tmp_path / "任务分解表.xlsx")))
    assert got[("学生基本信息", "学生处")].status == "passed" and got[("学生基本信息", "学生处")].files == 1
    assert got[("学生基本信息", "学生处")].reason is None and not got[("学生基本信息", "学生处")].overdue
    literature = got[("临时困难补助发放", "文学院")]
    assert (literature.status, literature.programme, literature.files) == ("passed", "临时困难补助", 1)
    assert (literature.assisting, literature.filler, literature.auditor) == ("学生处", "甲二", "乙二")
    law = got[("临时困难补助发放", "法学院")]
    assert law.status == "check_failed" and law.errors >= 1 and law.overdue and law.days_overdue == 10
    assert "法学院/临时困难补助发放.xlsx" in law.reason and "逾期10天" in law.reason
    chemistry = got[("临时困难补助发放", "化学学院")]
    assert (chemistry.status, chemistry.files, chemistry.days_overdue) == ("missing", 0, 5)
    assert chemistry.reason == "尚未提交，已逾期5天"
    # The 文学院 file holds 临时困难补助 only: its 勤工助学 task is missing, and not due yet.
    work = got[("勤工助学酬金发放", "文学院")]
    assert (work.status, work.programme, work.overdue, work.reason) == ("missing", "勤工助学", False, "尚未提交")


def test_reconciliation_errors_make_a_task_rec_failed(submissions, tmp_path):
    batch = steps.check([submissions], steps.Options(as_of=AS_OF))
    tasks = task_book(tmp_path / "任务分解表.xlsx")
    on_record = Finding(rule="rec.not_enrolled", severity="error", message="x", programme="临时困难补助",
                        sources=(Source("文学院/临时困难补助发放.xlsx", 2),))
    warning = Finding(rule="rec.not_difficult", severity="warning", message="x", programme="临时困难补助",
                      sources=(Source("学生处/2017级学生基本信息.xlsx", 2),))
    rec = SimpleNamespace(findings=F.to_frame([on_record, warning]))
    got = states(steps.progress(batch, tasks, rec))
    literature = got[("临时困难补助发放", "文学院")]
    assert (literature.status, literature.rec_errors) == ("rec_failed", 1)
    assert literature.reason == f"对账错误1条：{RULES['rec.not_enrolled'].title}1条，已逾期10天"
    assert got[("学生基本信息", "学生处")].status == "passed"  # a warning holds nothing back
    assert got[("临时困难补助发放", "法学院")].status == "check_failed"  # check errors are named first
    # A group-level error (no record of its own) concerns the task of that programme and college.
    over = Finding(rule="rec.over_allocation", severity="error", message="x", programme="临时困难补助",
                   academic_year="2017-2018", department="文学院")
    got = states(steps.progress(batch, tasks, SimpleNamespace(findings=F.to_frame([over]))))
    assert got[("临时困难补助发放", "文学院")].status == "rec_failed"
    assert got[("学生基本信息", "学生处")].status == "passed"


def test_unknown_item_is_a_finding_not_a_crash(submissions, tmp_path):
    rows = ROWS + [["本专科", "食堂就餐补贴", "学生处", "", "", "", "20171010"]]
    path = task_book(tmp_path / "任务分解表.xlsx", rows)
    report = check(path)
    hit = report.findings[report.findings["rule"] == "task.unknown_item"]
    assert list(hit["row"]) == [7] and list(hit["severity"]) == ["warning"] and "食堂就餐补贴" in hit["message"].iloc[0]
    batch = steps.check([submissions], steps.Options(as_of=AS_OF))
    unknown = states(steps.progress(batch, path))[("食堂就餐补贴", "学生处")]
    assert (unknown.status, unknown.template, unknown.files) == ("missing", None, 0)
    assert "无法对应模板" in unknown.reason and "逾期" in unknown.reason


def test_same_item_twice_for_one_department_is_a_duplicate(tmp_path):
    report = check(task_book(tmp_path / "t.xlsx", ROWS + [ROWS[1]]))
    assert list(report.findings["rule"]) == ["row.duplicate"]


def test_task_table_in_the_submissions_folder_is_used_not_merged(submissions, tmp_path):
    from aidtools.job import run_job

    task_book(submissions / "学生资助管理中心" / "任务分解表.xlsx")
    out = tmp_path / "out"
    report = run_job(submissions, out, steps.Options(as_of=AS_OF), html=False)
    got = states(report.progress)
    assert got[("临时困难补助发放", "文学院")].status == "passed"
    assert got[("临时困难补助发放", "法学院")].status == "check_failed"
    assert got[("临时困难补助发放", "化学学院")].status == "missing"
    assert "tasks" not in report.merge and not (out / "import" / "tasks.xlsx").exists()
    assert not any(a.path.endswith("任务分解表.xlsx") for m in report.merge.values() for a in m.files)
    listed = {f.path: f for f in report.files}
    assert listed["学生资助管理中心/任务分解表.xlsx"].template == "tasks"
    assert any("学生资助管理中心/任务分解表.xlsx" in n for n in report.notes)
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {p["status"] for p in saved["progress"]} == {"passed", "check_failed", "missing"}


def test_given_task_table_wins_over_the_folders(submissions, tmp_path):
    task_book(submissions / "学生资助管理中心" / "任务分解表.xlsx", ROWS[:1])
    given = task_book(tmp_path / "任务分解表.xlsx")
    batch = steps.check([submissions], steps.Options(as_of=AS_OF))
    assert batch.task_tables == ["学生资助管理中心/任务分解表.xlsx"]
    assert len(steps.progress(batch, given)) == len(ROWS)
    (note,) = steps.task_table_notes(batch, given)
    assert "未使用" in note and "学生资助管理中心/任务分解表.xlsx" in note
    reports, _ = batch.data_files()
    assert all(r.template != "tasks" for r in reports)
