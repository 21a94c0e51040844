"""The main job survives any file and any cell (issue 16).

Control characters in .xls (xlwt), .xlsx (openpyxl, xlsxwriter) and .csv cells, a folder with foreign
files and a file name that is not UTF-8: ``aidtools run`` ends with exit 0 or 1, no traceback,
``report.html`` written, each planted character a ``cell.illegal_character`` finding at its exact cell,
and the feedback and held-back workbooks (read with openpyxl and python-calamine) show it visibly
(``\\x07`` → ``␇``), while no import workbook carries it. A feedback or import workbook that cannot be
written is a ``write.failed`` finding for its file, and the others are written. Usage errors and the
``merge`` summary are Chinese and name each unusable file once.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from builders import AS_OF, Sheet, letter_of, rows_for, spec_of, specs, write_book, write_csv, write_template

from aidtools import cli, steps
from aidtools.merging import merge_reports
from aidtools.merging.names import output_names
from aidtools.specs import load_specs
from aidtools.outputs.feedback import write_all_feedback
from aidtools.steps import Options
from aidtools.writing.cells import UNSAFE_RE

ROOT = Path(__file__).resolve().parents[1]
SHEET = spec_of("student").sheet
NAME, MAJOR, CLASS = (letter_of("student", h) for h in ("姓名", "专业", "班级"))
# (file, Excel row, column, the text typed, how every writer shows it)
PLANTED = [
    ("理学院/学生.xls", 2, NAME, "王\x07五", "王␇五"),
    ("理学院/学生.xls", 3, CLASS, "数\x00学1701", "数␀学1701"),
    ("工学院/学生.xlsx", 2, NAME, "赵\x1b六", "赵␛六"),          # xlsxwriter stores it as _x001B_
    ("法学院/学生.xlsx", 3, MAJOR, "法_x0001_学", "法␁学"),      # openpyxl: Excel's escape, read as \x01
    ("文学院/学生.csv", 3, MAJOR, "汉语\x07言文学", "汉语␇言文学"),
]
UNUSABLE = ["外语学院/坏.xlsx", "外语学院/其他.csv"]

STUDENT_IMPORT, STUDENT_PROVENANCE, STUDENT_HELD = output_names(load_specs()["student"])


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")


def _aidtools(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aidtools", *map(str, args)], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=600)


def _student_rows(*changes: dict, offset: int = 0) -> list[list]:
    rows = rows_for("student", *changes)
    student_no = spec_of("student").headers.index("学号")
    for row in rows[1:]:  # every file its own students, so no record is another file's duplicate
        row[student_no] = f"{int(row[student_no]) + offset:07d}"
    return rows


def build_submissions(folder: Path) -> Path:
    write_book(folder / "理学院" / "学生.xls", writer="xlwt", sheets=[Sheet(SHEET, _student_rows(
        {"姓名": "王\x07五"}, {"班级": "数\x00学1701"}, {}, offset=100))])
    write_book(folder / "工学院" / "学生.xlsx", writer="xlsxwriter", sheets=[Sheet(SHEET, _student_rows(
        {"姓名": "赵\x1b六"}, {}, offset=200))])
    write_book(folder / "法学院" / "学生.xlsx", writer="openpyxl", sheets=[Sheet(SHEET, _student_rows(
        {}, {"专业": "法_x0001_学"}, offset=300))])
    write_csv(folder / "文学院" / "学生.csv", _student_rows({"姓名": "李\x0b四"}, {"专业": "汉语\x07言文学"}, offset=400))
    (folder / "外语学院").mkdir()
    (folder / "外语学院" / "坏.xlsx").write_bytes(os.urandom(3000))
    (folder / "外语学院" / "其他.csv").write_text("a,b\n1,\x07\n", encoding="utf-8")
    return folder


def calamine_cell(path: Path, sheet: str, row: int, column: str):
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return values[row - 1][ord(column) - 65]


def every_string(path: Path) -> list[str]:
    book = CalamineWorkbook.from_path(str(path))
    return [v for name in book.sheet_names for r in book.get_sheet_by_name(name).to_python() for v in r
            if isinstance(v, str)]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("control")
    submissions = build_submissions(base / "提交")
    out = base / "输出"
    done = _aidtools("run", submissions, "--out", out, "--no-history", "--as-of", AS_OF.strftime("%Y%m%d"))
    return done, out, json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_run_ends_with_a_report_and_no_traceback(run):
    done, out, report = run
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert "IllegalCharacterError" not in done.stdout + done.stderr
    assert (out / "report.html").stat().st_size > 0 and (out / "report.xlsx").exists()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "三、检查发现的问题" in html and "未能生成完整的 report.html" not in done.stderr  # the full report
    assert {f["path"] for f in report["files"]} == {p for p, *_ in PLANTED} | set(UNUSABLE)


def test_each_control_character_is_a_finding_at_its_cell(run):
    _, _, report = run
    found = {(f["path"], fd["sheet"], fd["row"], fd["column"]): fd
             for f in report["files"] for fd in f["findings"] if fd["rule"] == "cell.illegal_character"}
    csv_sheet = next(f["sheet"] for f in report["files"] if f["path"] == "文学院/学生.csv")
    expected = {(path, csv_sheet if path.endswith(".csv") else SHEET, row, column)
                for path, row, column, *_ in PLANTED}
    assert set(found) == expected
    for (path, _, row, column), finding in found.items():
        shown = next(s for p, r, c, _, s in PLANTED if (p, r, c) == (path, row, column))
        assert finding["severity"] == "error"
        assert f"显示为“{re.sub('[^␀-␡]', '', shown)}”" in finding["message"] and "U+00" in finding["message"]
    # \x0b becomes a space: a whitespace warning, and not this rule
    whitespace = [fd for f in report["files"] if f["path"] == "文学院/学生.csv" for fd in f["findings"]
                  if fd["rule"] == "cell.whitespace"]
    assert [(fd["row"], fd["column"]) for fd in whitespace] == [(2, NAME)]


def test_feedback_workbooks_show_the_replacement_where_it_was(run):
    _, out, _ = run
    for path, row, column, _, shown in PLANTED:
        department, name = path.split("/")
        feedback = out / "feedback" / department / (Path(name).stem + "-反馈.xlsx")
        ws = openpyxl.load_workbook(feedback)[SHEET]  # a CSV's copy takes the template's sheet name
        assert ws[f"{column}{row}"].value in (shown, shown.replace("␁", "_x0001_"))  # openpyxl keeps Excel's escape
        assert calamine_cell(feedback, SHEET, row, column) == shown
        assert ws[f"{column}{row}"].fill.fgColor.rgb.endswith("FFC7CE")  # marked as an error
        assert not [v for v in every_string(feedback) if UNSAFE_RE.search(v)]
    csv_copy = out / "feedback" / "文学院" / "学生-反馈.xlsx"
    assert calamine_cell(csv_copy, SHEET, 2, NAME) == "李␋四"


def test_held_back_rows_show_it_and_the_import_file_never_carries_it(run):
    _, out, report = run
    folder = out / "import" / "本专科"
    held = every_string(folder / STUDENT_HELD)
    for *_, shown in PLANTED:
        assert shown in held
    imported = every_string(folder / STUDENT_IMPORT)
    assert not [v for v in imported if UNSAFE_RE.search(v) or re.search("[␀-␡]", v)]
    merged = report["merge"]["student"]
    assert merged["rows_read"] == merged["rows_merged"] + merged["rows_held_back"] + merged["rows_superseded"]
    assert merged["rows_held_back"] >= len(PLANTED)


def test_unusable_files_are_in_the_report_with_their_reason(run):
    _, _, report = run
    unusable = {a["path"]: a["reason"] for a in report["merge_unusable"]}
    assert set(unusable) == set(UNUSABLE)
    assert all(reason and not reason.startswith(Path(path).name) for path, reason in unusable.items())


def test_the_plain_report_page_says_where_the_report_is(run, tmp_path):
    """What report.html is when the report notebook cannot be rendered: counts, notes, files, all escaped."""
    from aidtools.outputs.html_report import write_plain_html
    from aidtools.report import load_report

    _, out, _ = run
    report = load_report(out / "report.json")
    report.notes.append("<script>alert(1)</script>\x07 身份证 650102199905150026")
    page = write_plain_html(report, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "report.xlsx" in page and "理学院/学生.xls" in page and f"共 {report.summary.files} 个文件" in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x07" not in page and "␇" in page
    assert "650102199905150026" not in page  # masked


def test_names_that_are_not_utf8(tmp_path):
    """A zip made on a Chinese Windows keeps its names in GBK: the file is checked under its real name."""
    folder = tmp_path / "提交"
    department = os.fsencode(folder) + b"/" + "经济学院".encode("gbk")
    os.makedirs(department)
    good = write_template(tmp_path, "student", {"姓名": "钱\x07七"}, writer="xlwt", name="t.xls")
    os.rename(good, department + b"/" + "学生名单.xls".encode("gbk"))
    done = _aidtools("run", folder, "--out", tmp_path / "输出", "--no-history")
    assert done.returncode in (0, 1) and "Traceback" not in done.stdout + done.stderr
    report = json.loads((tmp_path / "输出" / "report.json").read_text(encoding="utf-8"))
    [file] = report["files"]
    assert (file["path"], file["department"]) == ("经济学院/学生名单.xls", "经济学院")
    assert "cell.illegal_character" in {f["rule"] for f in file["findings"]}
    assert (tmp_path / "输出" / "report.html").exists()


def test_a_feedback_that_cannot_be_written_is_a_finding_and_the_others_are_written(tmp_path):
    first = write_template(tmp_path / "文学院", "student", {}, name="学生.xlsx")
    second = write_template(tmp_path / "理学院", "student", {}, writer="xlsxwriter", name="学生.xlsx")
    batch = steps.check([tmp_path], Options(specs=specs(), as_of=AS_OF))
    first.write_bytes(second.read_bytes())  # changed after it was checked: its feedback must not be written
    paths = write_all_feedback(batch.reports, tmp_path / "反馈")
    by_path = dict(zip((r.display_path for r in batch.reports), paths))
    assert by_path["文学院/学生.xlsx"] is None and by_path["理学院/学生.xlsx"].exists()
    report = next(r for r in batch.reports if r.display_path == "文学院/学生.xlsx")
    [failed] = report.findings[report.findings["rule"] == "write.failed"].itertuples()
    assert failed.severity == "warning" and "检查后被修改过" in failed.message and failed.path == "文学院/学生.xlsx"
    record = steps.report(batch, "run").files[[r.display_path for r in batch.reports].index("文学院/学生.xlsx")]
    assert "write.failed" in {f.rule for f in record.findings}


def test_an_import_workbook_that_cannot_be_written_is_a_finding(tmp_path):
    path = write_template(tmp_path / "文学院", "student", {}, {}, name="学生.xlsx")
    batch = steps.check([tmp_path / "文学院"], Options(specs=specs(), as_of=AS_OF))
    out = tmp_path / "import"
    (out / "本专科" / STUDENT_IMPORT).mkdir(parents=True)  # a folder where the workbook should go
    result = merge_reports(batch.reports, out, specs=specs())
    part = result.templates["student"].parts["本专科"]
    assert part.path is None and part.provenance_path is None
    assert not (out / "本专科" / STUDENT_PROVENANCE).exists()
    failed = batch.reports[0].findings
    [finding] = failed[failed["rule"] == "write.failed"].itertuples()
    assert "未能生成“学生基本信息”本专科的导入文件" in finding.message and "Errno" not in finding.message
    assert path.exists()


@pytest.mark.parametrize("argv", [
    ["run"], ["run", "x", "--out", "y", "--bogus"], ["nope"], ["run", "x", "--out", "y", "--workers"],
    ["check"], ["merge", "x"], ["run", "x", "--out", "y", "--as-of", "2018"],
])
def test_usage_errors_are_chinese(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "用法：" in err and "用法错误：" in err
    for english in ("usage:", "error:", "the following arguments are required", "invalid choice",
                    "unrecognized arguments", "expected one argument", "argument "):
        assert english not in err


def test_help_is_chinese(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "-h"])
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "选项" in out and "显示本帮助并退出" in out
    assert "show this help" not in out and "options:" not in out and "positional arguments" not in out


def test_a_file_name_cannot_drive_the_terminal(tmp_path):
    write_template(tmp_path / "文学院", "student", {}, writer="xlwt", name="学\x1b[31m生\x07.xls")
    for command in (["check", tmp_path], ["merge", tmp_path, "--out", tmp_path.parent / f"{tmp_path.name}-合并"]):
        done = _aidtools(*command)
        assert done.returncode in (0, 1) and "Traceback" not in done.stderr
        assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout + done.stderr
        assert command[0] != "check" or "学␛[31m生␇.xls" in done.stdout  # merge names only the files it could not use


def test_merge_names_each_unusable_file_once(tmp_path):
    submissions = build_submissions(tmp_path / "提交")
    done = _aidtools("merge", submissions, "--out", tmp_path / "合并")
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    shown = done.stdout + done.stderr
    for path in UNUSABLE:
        assert shown.count(Path(path).name) == 1, shown
        line = next(line for line in shown.splitlines() if path in line)
        assert "（" not in line.split("无法使用", 1)[1].split("。", 1)[0]  # no nested parentheses around the reason
    merged = json.loads((tmp_path / "合并" / "merge.json").read_text(encoding="utf-8"))
    assert {a["path"] for a in merged["merge_unusable"]} == set(UNUSABLE)
    assert all(a["status"] == "unusable" and a["reason"] for a in merged["merge_unusable"])
