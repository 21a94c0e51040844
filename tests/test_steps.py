"""``run`` is the composition of the subcommands: every option of a step is an option of ``run``, a
template added with ``--specs`` goes through check, merge, feedback and the report, and ``reconcile``
leaves out superseded files as ``run`` does."""
from __future__ import annotations

import json
import textwrap

import openpyxl
import pytest

from aidtools.cli import build_parser, main

# A template of the school's own (勤工助学岗位), unknown to the packaged specs.
WORK_STUDY = textwrap.dedent("""\
    id: work_study
    version: "2018.1"
    title: 勤工助学岗位
    subsystem: both
    sheet: 勤工助学岗位
    header_row: 1
    first_data_row: 2
    unique: [[学号, 岗位编号]]
    row_rules: []
    columns:
      - {header: 学号, key: student_no, type: student_no, required: true}
      - {header: 姓名, key: name, type: name, max_bytes: 30, required: true}
      - {header: 岗位编号, key: post_no, type: text, max_bytes: 20, required: true, textlike: true}
      - {header: 月工时, key: hours, type: int, required: true}
    """)


def write_work_study(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "勤工助学岗位"
    ws.append(["学号", "姓名", "岗位编号", "月工时"])
    for row in rows:
        ws.append(row)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells[:3]:
            cell.number_format = "@"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


@pytest.fixture()
def school_template(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "work_study.yaml").write_text(WORK_STUDY, encoding="utf-8")
    submissions = tmp_path / "submissions"
    write_work_study(submissions / "学生处" / "勤工助学岗位.xlsx",
                     [["2016010001", "张三", "QG-01", 40], ["2016010002", "李四", "QG-02", 30],
                      ["2016010003", "", "QG-03", 20]])  # 姓名 missing: held back
    return specs, submissions


def test_a_template_added_with_specs_is_checked_merged_and_reported_by_run(school_template, tmp_path):
    specs, submissions = school_template
    out = tmp_path / "out"
    assert main(["run", str(submissions), "--out", str(out), "--specs", str(specs), "--as-of", "20180630",
                 "--no-html"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    (checked,) = report["files"]
    assert checked["template"] == "work_study" and checked["template_title"] == "勤工助学岗位"
    assert [f["rule"] for f in checked["findings"]] == ["cell.required"]
    merged = report["merge"]["work_study"]
    assert (merged["rows_read"], merged["rows_merged"], merged["rows_held_back"]) == (3, 2, 1)
    (part,) = merged["parts"]  # no enrolled table: the subsystem is undetermined, and said so
    assert part["path"] == "import/子系统未定/勤工助学岗位_work_study.xlsx"  # Chinese title first
    rows = list(openpyxl.load_workbook(out / part["path"]).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["2016010001", "2016010002"]
    assert (out / "feedback" / "学生处" / "勤工助学岗位-反馈.xlsx").is_file()
    assert "work_study" in report["versions"]["specs"]


def test_every_option_of_the_steps_is_an_option_of_run():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices

    def options(command):
        return {o for a in sub[command]._actions for o in a.option_strings if o.startswith("--")}

    steps = options("check") | options("merge") | options("reconcile") | options("feedback")
    own = {"--json", "--quiet", "--examples", "--out", "--help"}
    assert steps - own <= options("run"), sorted(steps - own - options("run"))
    assert {"--max-rows", "--max-uncompressed-mb", "--workers", "--specs", "--school"} <= options("run")


def test_reconcile_leaves_out_superseded_files_as_run_does(tmp_path):
    """The same folder gives the same reconciliation through ``reconcile`` and ``run``."""
    from fixtures.submissions import submissions_folder

    folder = submissions_folder(tmp_path / "university")
    assert main(["reconcile", str(folder), "--as-of", "20180630", "--json", str(tmp_path / "rec.json")]) in (0, 1)
    assert main(["run", str(folder), "--out", str(tmp_path / "run"), "--as-of", "20180630", "--no-html"]) == 0
    alone = json.loads((tmp_path / "rec.json").read_text(encoding="utf-8"))
    run = json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))
    assert alone["superseded"] == run["superseded"] != []
    assert alone["reconciliation"] == run["reconciliation"]
    assert alone["as_of"] == run["as_of"] == "2018-06-30"
