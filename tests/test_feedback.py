"""Feedback workbooks: marks and comments on the cells of known findings, the 问题清单 sheet with links,
a copy that checks the same as the original, .xlsm/.xls/.csv inputs, formula injection, file layout."""
from __future__ import annotations

import hashlib
import logging
import stat
import zipfile

import openpyxl
import pytest
from builders import AS_OF, CARD, Formula, Sheet, luhn, rows_for, spec_of, write_book, write_csv, write_template
from test_merge import PAYLOADS, SAMPLE, make_xlsm

from aidtools.cli import main
from aidtools.outputs import feedback as feedback_module
from aidtools.outputs.feedback import (ERROR_COLOR, ISSUES_SHEET, LIST_HEADER_ROW, WARNING_COLOR, FeedbackError,
                                       write_all_feedback, write_feedback)
from aidtools.specs import load_specs
from aidtools.validate import check_file, check_paths

SPECS = load_specs()
COMPARED = ["rule", "severity", "sheet", "row", "column", "field", "value", "message"]
BAD_CARD = "6222021234567890120"  # 19 digits, Luhn fails: a warning


def check(path, root):
    return check_file(path, root=root, specs=SPECS, as_of=AS_OF)


@pytest.fixture(params=["patch", "openpyxl"])
def route(request, monkeypatch, caplog):
    """A test taking ``route`` runs twice: .xlsx/.xlsm patched in place where the patcher can, and
    always copied with openpyxl (the fallback)."""
    monkeypatch.setattr(feedback_module, "PATCH", request.param == "patch")
    caplog.set_level(logging.DEBUG, logger="aidtools.outputs.feedback")
    return request.param


def patched_count(caplog) -> int:
    """How many feedback workbooks were patched in place (from the debug log)."""
    return sum(1 for r in caplog.records if r.getMessage().startswith("反馈 ") and "修补原文件" in r.getMessage())


def same_findings(a, b) -> bool:
    left, right = a.findings[COMPARED].reset_index(drop=True), b.findings[COMPARED].reset_index(drop=True)
    return left.astype(str).equals(right.astype(str))


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fill_of(cell) -> str | None:
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill is not None and cell.fill.fill_type == "solid" else None


def issue_rows(wb) -> list[dict]:
    ws = wb[ISSUES_SHEET]
    headers = [c.value for c in ws[LIST_HEADER_ROW]]
    return [dict(zip(headers, (c.value for c in cells)), _cells=cells)
            for cells in ws.iter_rows(min_row=LIST_HEADER_ROW + 1) if cells[0].value is not None]


def disbursement_with_findings(tmp_path, writer="openpyxl"):
    """Row 3: ID too short (error, C3); row 4: date 2017-11-20 (warning, I4); row 5: Luhn fails (warning, K5)."""
    return write_template(tmp_path / "subs" / "甲学院", "disbursement", {}, {"身份证件号": "123"},
                          {"发放日期": "2017-11-20"}, {"银行卡号": BAD_CARD}, writer=writer, name="发放.xlsx")


def test_feedback_marks_cells_and_lists_findings_with_links(tmp_path, writer, route, caplog):
    source = disbursement_with_findings(tmp_path, writer)
    before = sha(source)
    report = check(source, tmp_path / "subs")
    assert (report.errors, report.warnings) == (1, 2)
    path = write_feedback(report, tmp_path / "feedback")
    assert patched_count(caplog) == (route == "patch")
    assert path == tmp_path / "feedback" / "甲学院" / "发放-反馈.xlsx"
    assert sha(source) == before  # the original is never modified
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [ISSUES_SHEET, "资助发放"] and wb.active.title == ISSUES_SHEET
    data = wb["资助发放"]
    assert fill_of(data["C3"]) == ERROR_COLOR and "居民身份证号应为18位" in data["C3"].comment.text
    assert fill_of(data["I4"]) == WARNING_COLOR and "YYYYMMDD" in data["I4"].comment.text
    assert fill_of(data["K5"]) == WARNING_COLOR and "Luhn" in data["K5"].comment.text
    assert fill_of(data["A2"]) is None and data["A2"].comment is None
    assert data["C3"].value == "123" and data["K5"].value == BAD_CARD  # its own rows in full
    summary = wb[ISSUES_SHEET]["A1"].value
    assert "数据4行" in summary and "错误1个" in summary and "警告2个" in summary and "未通过" in summary
    issues = issue_rows(wb)
    assert [(i["级别"], i["位置"], i["规则编号"]) for i in issues] == [
        ("错误", "资助发放!C3", "id.length"), ("警告", "资助发放!I4", "cell.date_format"),
        ("警告", "资助发放!K5", "bank.luhn")]
    for issue in issues:
        link = issue["_cells"][2].hyperlink
        assert link is not None and link.location == "'资助发放'!" + issue["位置"].split("!")[1] and not link.target
    assert fill_of(issues[0]["_cells"][1]) == ERROR_COLOR and fill_of(issues[1]["_cells"][1]) == WARNING_COLOR
    # Checked again, the feedback workbook is the same template with the same findings.
    again = check(path, tmp_path / "feedback")
    assert (again.template, again.sheet, again.rows) == (report.template, report.sheet, report.rows)
    assert same_findings(report, again)


def test_formula_results_survive_the_copy(tmp_path, route):
    """openpyxl drops cached formula results; the feedback copy puts them back, so it checks the same."""
    source = write_template(tmp_path / "subs" / "甲学院", "disbursement", {"发放金额(元)": Formula("=27*12", 324)},
                            {"银行卡号": Formula('="62220212345678901"&"28"', CARD)}, writer="xlsxwriter",
                            name="发放.xlsx")
    report = check(source, tmp_path / "subs")
    assert sorted(report.findings["rule"]) == ["template.formula", "template.formula"] and report.errors == 0
    path = write_feedback(report, tmp_path / "feedback")
    again = check(path, tmp_path / "feedback")
    assert same_findings(report, again) and again.table["amount"].tolist() == ["324", "1500"]
    data = openpyxl.load_workbook(path)["资助发放"]
    assert data["H2"].value == "=27*12" and fill_of(data["H2"]) == WARNING_COLOR
    cached = openpyxl.load_workbook(path, data_only=True)["资助发放"]
    assert cached["H2"].value == 324 and cached["K3"].value == CARD


def test_a_fixed_feedback_workbook_passes_and_gets_fresh_feedback(tmp_path, route):
    report = check(disbursement_with_findings(tmp_path), tmp_path / "subs")
    path = write_feedback(report, tmp_path / "feedback")
    wb = openpyxl.load_workbook(path)
    fixed = rows_for("disbursement", n=2)[2][2]
    wb["资助发放"]["C3"].value = fixed  # the department fixes the red cell in place
    resubmitted = tmp_path / "back" / "甲学院" / path.name
    resubmitted.parent.mkdir(parents=True)
    wb.save(resubmitted)
    again = check(resubmitted, tmp_path / "back")
    assert again.errors == 0 and again.warnings == 2
    second = openpyxl.load_workbook(write_feedback(again, tmp_path / "feedback2"))
    assert second.sheetnames == [ISSUES_SHEET, "资助发放"]
    assert fill_of(second["资助发放"]["C3"]) is None and second["资助发放"]["C3"].comment is None
    assert fill_of(second["资助发放"]["I4"]) == WARNING_COLOR
    assert "检查通过" in second[ISSUES_SHEET]["A1"].value
    assert len(issue_rows(second)) == 2


def test_xlsm_feedback_keeps_macros_and_extension(tmp_path, route, caplog):
    plain = disbursement_with_findings(tmp_path)
    xlsm = make_xlsm(plain, plain.with_suffix(".xlsm"))
    plain.unlink()
    report = check(xlsm, tmp_path / "subs")
    assert report.format == "xlsm"
    path = write_feedback(report, tmp_path / "feedback")
    assert path.name == "发放-反馈.xlsm" and patched_count(caplog) == (route == "patch")
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/vbaProject.bin") == b"VBA-PROJECT-BYTES" * 64
        assert b"macroEnabled" in archive.read("[Content_Types].xml")
    assert fill_of(openpyxl.load_workbook(path)["资助发放"]["C3"]) == ERROR_COLOR
    assert same_findings(report, check(path, tmp_path / "feedback"))


def test_xls_and_csv_get_a_text_copy_with_the_same_marks(tmp_path):
    rows = rows_for("disbursement", {}, {"身份证件号": 110101199905150021.0}, {})  # an ID typed as a number
    folder = tmp_path / "subs" / "乙学院"
    xls = write_book(folder / "发放.xls", writer="xlwt", sheets=[Sheet("资助发放", rows)])
    csv_rows = [list(r) for r in rows]
    csv_rows[2][2] = "123"
    csv = write_csv(folder / "发放名单.csv", csv_rows)
    for source, sheet in ((xls, "资助发放"), (csv, "发放名单")):
        report = check(source, tmp_path / "subs")
        assert report.errors == 1 and set(report.findings["sheet"]) == {sheet}
        path = write_feedback(report, tmp_path / "feedback")
        assert path.suffix == ".xlsx" and path.parent.name == "乙学院"
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [ISSUES_SHEET, "资助发放"]  # a CSV's data sheet takes the template's name
        data = wb["资助发放"]
        assert fill_of(data["C3"]) == ERROR_COLOR and data["C3"].comment is not None
        cells = [c for row in data.iter_rows() for c in row if c.value is not None]
        assert all(c.data_type == "s" for c in cells)
        assert [c.value for c in data[1]] == spec_of("disbursement").headers
        assert data["K2"].value == rows[1][10] and data["H2"].value == "1500"
        assert issue_rows(wb)[0]["_cells"][2].hyperlink.location == "'资助发放'!C3"
    assert write_feedback(check(xls, tmp_path / "subs"), tmp_path / "feedback").name == "发放-反馈.xlsx"


def test_formula_payloads_stay_text_in_feedback(tmp_path, route):
    changes = [{"专业": p} for p in PAYLOADS] + [{"民族": "=1+2"}]
    folder = tmp_path / "subs" / "丙学院"
    xlsx = write_template(folder, "student", *changes, name="学生.xlsx")
    xls = write_template(folder, "student", *changes, writer="xlwt", name="学生.xls")
    major = spec_of("student").headers.index("专业") + 1
    for source in (xlsx, xls):
        report = check(source, tmp_path / "subs")
        assert report.errors == 1
        path = write_feedback(report, tmp_path / source.suffix.strip("."))
        wb = openpyxl.load_workbook(path)
        cells = [wb["学生基本信息"].cell(row=r, column=major) for r in range(2, 2 + len(PAYLOADS))]
        assert [c.value for c in cells] == PAYLOADS and all(c.data_type == "s" for c in cells)
        shown = [i["_cells"][5] for i in issue_rows(wb) if i["规则编号"] == "cell.code"]
        assert len(shown) == 1 and shown[0].value == "=1+2" and shown[0].data_type == "s" and shown[0].quotePrefix
        with zipfile.ZipFile(path) as archive:  # no formula element anywhere
            assert not any(b"<f>" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))


def test_unreadable_and_unknown_files_get_a_list_only(tmp_path):
    folder = tmp_path / "subs" / "丁学院"
    folder.mkdir(parents=True)
    (folder / "坏的.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    write_book(folder / "别的表.xlsx", sheets=[Sheet("Sheet1", [["甲", "乙"], ["1", "2"]])])
    reports = check_paths([tmp_path / "subs"], specs=SPECS, as_of=AS_OF)
    paths = write_all_feedback(reports, tmp_path / "feedback")
    by_name = {p.name: openpyxl.load_workbook(p) for p in paths}
    broken = by_name["坏的-反馈.xlsx"]
    assert broken.sheetnames == [ISSUES_SHEET] and "无法读取" in broken[ISSUES_SHEET]["A1"].value
    assert issue_rows(broken)[0]["位置"] == "整个文件" and issue_rows(broken)[0]["规则编号"] == "file.unreadable"
    unknown = by_name["别的表-反馈.xlsx"]
    assert unknown.sheetnames == [ISSUES_SHEET, "Sheet1"] and "无法识别模板" in unknown[ISSUES_SHEET]["A1"].value


def test_all_feedback_layout_names_and_permissions(tmp_path, capsys):
    subs = tmp_path / "subs"
    write_template(subs / "甲学院", "loan", n=2, name="贷款.xlsx")
    write_template(subs / "甲学院", "loan", {"贷款金额(元)": "abc"}, writer="xlwt", name="贷款.xls")
    write_template(subs, "loan", n=1, name="直接放在根目录.xlsx")
    reports = check_paths([subs], specs=SPECS, as_of=AS_OF)
    out = tmp_path / "out" / "feedback"
    paths = write_all_feedback(reports, out)
    relative = sorted(p.relative_to(out).as_posix() for p in paths)
    # A file directly in the folder given belongs to that folder (its department is the folder's name).
    assert relative == ["subs/直接放在根目录-反馈.xlsx", "甲学院/贷款-xls-反馈.xlsx", "甲学院/贷款-反馈.xlsx"]
    for folder in (out.parent, out, out / "甲学院"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in paths)
    assert main(["feedback", str(subs), "--out", str(tmp_path / "cli"), "--as-of", "20180630"]) == 1
    printed = capsys.readouterr().out
    # The older of the two 贷款 files is superseded by the newer: no feedback for a file not used (as in run).
    assert "已生成 2 个反馈文件" in printed and "甲学院：1 个文件，其中 0 个未通过" in printed
    assert "被重新提交取代、未生成反馈的文件：甲学院/贷款.xls" in printed


def test_a_file_changed_since_its_check_is_refused(tmp_path):
    source = write_template(tmp_path / "subs" / "甲学院", "loan", n=2, name="贷款.xlsx")
    report = check(source, tmp_path / "subs")
    write_template(tmp_path / "subs" / "甲学院", "loan", {"经办银行": "另一家银行"}, n=2, name="贷款.xlsx")
    with pytest.raises(FeedbackError):
        write_feedback(report, tmp_path / "feedback")
    assert write_all_feedback([report], tmp_path / "feedback") == [None]


def test_the_bad_card_is_only_a_luhn_failure():
    assert luhn(BAD_CARD[:-1]) != BAD_CARD and len(BAD_CARD) == 19


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample_data/submissions not generated yet")
def test_sample_feedback_checks_the_same(tmp_path, route):
    """The sample's workbooks with structural findings (formulas, merged cells, hidden rows, renamed
    sheets and headers): each feedback copy, checked again, has the same findings."""
    structural = {"template.formula", "template.merged_cells", "template.hidden_rows", "template.sheet_missing",
                  "template.header_mismatch", "cell.number_stored", "cell.whitespace"}
    reports = [r for r in check_paths([SAMPLE], specs=SPECS, as_of=AS_OF)
               if r.format in ("xlsx", "xlsm") and structural & set(r.findings["rule"])]
    assert reports
    for report, path in zip(reports, write_all_feedback(reports, tmp_path / "feedback")):
        again = check_file(path, root=tmp_path / "feedback", specs=SPECS, as_of=AS_OF)
        assert again.template == report.template and same_findings(report, again), report.display_path


def test_feedback_marks_each_finding_new_or_still_open_since_its_round(tmp_path, route):
    from aidtools import findings as F
    from aidtools.outputs.feedback import ROUNDS_HEADER, FindingRounds

    source = disbursement_with_findings(tmp_path)
    report = check(source, tmp_path / "subs")
    path = report.display_path
    cross = F.to_frame([F.Finding(rule="rec.not_enrolled", severity="error", path=path, sheet="资助发放", row=6,
                                  column="B", field="学号", message="学号不在在校生库中。")])
    rounds = FindingRounds(current=3, first={(path, 3, "id.length"): 1, (path, 5, "bank.luhn"): 3,
                                             (path, 6, "rec.not_enrolled"): 2})
    out = write_all_feedback([report], tmp_path / "feedback", cross={path: cross}, rounds=rounds)[0]
    wb = openpyxl.load_workbook(out)
    data = wb["资助发放"]
    assert data["C3"].comment.text.startswith("【错误】【未改正（第1轮起）】")
    assert data["I4"].comment.text.startswith("【警告】【新】")  # not in the history: new
    assert data["K5"].comment.text.startswith("【警告】【新】")  # first seen this round
    assert data["B6"].comment.text.startswith("【错误】【未改正（第2轮起）】")
    issues = issue_rows(wb)
    assert [(i["规则编号"], i[ROUNDS_HEADER]) for i in issues if i["规则编号"]] == [
        ("id.length", "【未改正（第1轮起）】"), ("cell.date_format", "【新】"), ("bank.luhn", "【新】"),
        ("rec.not_enrolled", "【未改正（第2轮起）】")]
    # Without rounds: no 轮次 column, comments as before.
    plain = openpyxl.load_workbook(write_feedback(report, tmp_path / "plain"))
    assert ROUNDS_HEADER not in [c.value for c in plain[ISSUES_SHEET][LIST_HEADER_ROW]]
    assert "【新】" not in plain["资助发放"]["C3"].comment.text


def test_finding_rounds_from_the_history():
    from aidtools.outputs.feedback import FindingRounds
    from fixtures.demo_report import build_report

    history = build_report().history
    rounds = FindingRounds.from_history(history)
    assert rounds.current == 3
    for tracked in history.new:
        assert rounds.tag(tracked.path, tracked.row, tracked.rule) == "【新】"
    for tracked in history.still_open:
        assert rounds.tag(tracked.path, tracked.row, tracked.rule) == f"【未改正（第{tracked.first_round}轮起）】"
