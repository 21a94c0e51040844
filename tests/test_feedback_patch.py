"""The feedback workbook as the submitted package patched, against the openpyxl copy: the same marks,
notes and 问题清单, cell by cell, on workbooks written by openpyxl and by xlsxwriter; every part the
patcher writes parses and every other part is the original's byte for byte; the workbooks it leaves to
the openpyxl copy (and says why in the debug log); a file with no finding gets 问题清单 alone."""
from __future__ import annotations

import logging
import zipfile

import openpyxl
import pytest
from builders import AS_OF, Sheet, rows_for, spec_of, write_book, write_template
from defusedxml import ElementTree as SafeET
from python_calamine import CalamineWorkbook
from test_merge import make_xlsm

from aidtools import findings as F
from aidtools.outputs import feedback
from aidtools.outputs.feedback import ISSUES_SHEET, FindingRounds, write_all_feedback, write_feedback
from aidtools.specs import load_specs
from aidtools.validate import check_file

SPECS = load_specs()
SHEET = spec_of("disbursement").sheet
BAD_CARD = "6222021234567890120"
COMPARED = ["rule", "severity", "sheet", "row", "column", "field", "value", "message"]


def check(path, root):
    return check_file(path, root=root, specs=SPECS, as_of=AS_OF)


def rows_with_findings():
    """Row 3: ID too short (C3, error); row 4: date (I4, warning); row 5: 姓名 left empty (B5: no cell
    in the file, error) and a Luhn warning (K5); row 6: ID too short and card bad (two marks in a row)."""
    return rows_for("disbursement", {}, {"身份证件号": "123"}, {"发放日期": "2017-11-20"},
                    {"姓名": None, "银行卡号": BAD_CARD}, {"身份证件号": "12", "银行卡号": BAD_CARD}, {})


def two_sheet_book(folder, writer, merged=()):
    """A 说明 sheet (never marked) before the data sheet."""
    return write_book(folder / f"发放-{writer}.xlsx", writer=writer,
                      sheets=[Sheet("说明", [["填表说明"], ["请按模板填写", 3]]),
                              Sheet(SHEET, rows_with_findings(), merged=list(merged))])


def routes(caplog) -> list[str]:
    """The way each feedback of the test was written, from the debug log."""
    out = []
    for record in caplog.records:
        message = record.getMessage()
        if message.startswith("反馈 "):
            out.append("patch" if "修补原文件" in message else "list" if "只写问题清单" in message else "openpyxl")
    return out


@pytest.fixture(autouse=True)
def debug_log(caplog):
    caplog.set_level(logging.DEBUG, logger="aidtools.outputs.feedback")


def both(report, tmp_path, **kwargs):
    """(patched, openpyxl copy) of one report."""
    patched = write_feedback(report, tmp_path / "patched", patch=True, **kwargs)
    copied = write_feedback(report, tmp_path / "copied", patch=False, **kwargs)
    return patched, copied


def fill_of(cell):
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill is not None and cell.fill.fill_type == "solid" else None


def cells_of(ws) -> dict:
    """Every cell that has a value, a fill or a comment: (value, fill, comment text, comment author)."""
    out = {}
    for row in ws.iter_rows():
        for c in row:
            comment = c.comment
            entry = (c.value, fill_of(c), comment.text if comment else None, comment.author if comment else None)
            if entry != (None, None, None, None):
                out[c.coordinate] = entry
    return out


def links_of(ws) -> dict:
    return {c.coordinate: (c.hyperlink.location, c.hyperlink.target) for row in ws.iter_rows() for c in row
            if c.hyperlink is not None}


def assert_same_workbooks(patched, copied):
    a, b = openpyxl.load_workbook(patched), openpyxl.load_workbook(copied)
    assert a.sheetnames == b.sheetnames and a.sheetnames[0] == ISSUES_SHEET
    assert a.active.title == ISSUES_SHEET and a[ISSUES_SHEET].sheet_view.tabSelected
    assert not any(ws.sheet_view.tabSelected for ws in a.worksheets[1:])  # one selected tab
    for name in a.sheetnames:
        assert cells_of(a[name]) == cells_of(b[name]), name
    assert links_of(a[ISSUES_SHEET]) == links_of(b[ISSUES_SHEET])
    assert a[ISSUES_SHEET].freeze_panes == b[ISSUES_SHEET].freeze_panes == "A5"
    assert [a[ISSUES_SHEET].column_dimensions[c].width for c in "ABCDEFG"] == [6, 6, 16, 16, 70, 22, 24]


def assert_well_formed_and_the_rest_untouched(original, patched):
    """Each part the patcher wrote parses; each other part is the original's, compressed bytes and all."""
    with zipfile.ZipFile(original) as old, zipfile.ZipFile(patched) as new:
        assert new.testzip() is None
        before = {i.filename: i for i in old.infolist()}
        for info in new.infolist():
            data = new.read(info.filename)
            if info.filename in before and old.read(info.filename) == data:
                was = before[info.filename]
                assert (info.CRC, info.compress_size, info.compress_type) == (was.CRC, was.compress_size,
                                                                              was.compress_type), info.filename
                continue
            assert info.filename.endswith((".xml", ".rels", ".vml")), info.filename
            SafeET.fromstring(data)  # well-formed (and no entity declarations)
        assert set(before) <= {i.filename for i in new.infolist()}


def calamine_values(path, sheet):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def same_findings(a, b) -> bool:
    left, right = a.findings[COMPARED].reset_index(drop=True), b.findings[COMPARED].reset_index(drop=True)
    return left.astype(str).equals(right.astype(str))


def test_patched_and_openpyxl_copies_agree_cell_by_cell(tmp_path, writer, caplog):
    source = two_sheet_book(tmp_path / "subs" / "甲学院", writer, merged=["C7:C8"] if writer == "openpyxl" else [])
    report = check(source, tmp_path / "subs")
    assert report.errors >= 3 and report.warnings >= 2
    path = report.display_path
    cross = F.to_frame([F.Finding(rule="rec.not_enrolled", severity="error", path=path, sheet=SHEET, row=7,
                                  column="A", field="学号", message="学号不在在校生库中。")])
    rounds = FindingRounds(current=2, first={(path, 3, "id.length"): 1})
    patched, copied = both(report, tmp_path, cross=cross, rounds=rounds)
    assert routes(caplog) == ["patch", "openpyxl"]
    assert_same_workbooks(patched, copied)
    assert_well_formed_and_the_rest_untouched(source, patched)
    data = openpyxl.load_workbook(patched)[SHEET]
    assert fill_of(data["B5"]) == feedback.ERROR_COLOR and data["B5"].value is None  # inserted: it was not there
    assert data["C3"].comment.text.startswith("【错误】【未改正（第1轮起）】") and data["C3"].comment.author == "aidtools"
    assert data["A7"].comment.text.startswith("【错误】【新】学号不在在校生库中")
    # The data, in both sheets, is the original's to the cell (read by both of the project's readers).
    original = openpyxl.load_workbook(source)
    for name in ("说明", SHEET):
        assert calamine_values(patched, name) == calamine_values(source, name)
        assert [[c.value for c in row] for row in openpyxl.load_workbook(patched)[name].iter_rows()] == [
            [c.value for c in row] for row in original[name].iter_rows()]
    assert CalamineWorkbook.from_path(str(patched)).sheet_names[0] == ISSUES_SHEET
    again = check(patched, tmp_path / "patched")
    assert (again.template, again.sheet, again.rows) == (report.template, report.sheet, report.rows)
    assert same_findings(report, again)


def test_a_mark_inside_a_merged_range_goes_to_its_top_left_cell(tmp_path, caplog):
    source = two_sheet_book(tmp_path / "subs" / "甲学院", "openpyxl", merged=["C5:C6"])
    report = check(source, tmp_path / "subs")
    assert {(int(r), c) for r, c in zip(report.findings["row"], report.findings["column"])} >= {(5, "C"), (6, "C")}
    patched, copied = both(report, tmp_path)
    assert routes(caplog) == ["patch", "openpyxl"]
    assert_same_workbooks(patched, copied)
    data = openpyxl.load_workbook(patched)[SHEET]
    assert fill_of(data["C5"]) == feedback.ERROR_COLOR and data["C5"].comment is not None
    with zipfile.ZipFile(patched) as archive:
        sheet = archive.read("xl/worksheets/sheet2.xml")
    assert b'<c r="C6" s=' not in sheet or b'<c r="C6"' in zipfile.ZipFile(source).read("xl/worksheets/sheet2.xml")


def test_defined_names_stay_on_their_sheet_and_macros_stay(tmp_path, caplog):
    import xlsxwriter

    folder = tmp_path / "subs" / "甲学院"
    folder.mkdir(parents=True)
    plain = folder / "发放.xlsx"
    wb = xlsxwriter.Workbook(str(plain))
    notes = wb.add_worksheet("说明")
    notes.write(0, 0, "填表说明")
    ws = wb.add_worksheet(SHEET)
    text = wb.add_format({"num_format": "@"})
    for r, row in enumerate(rows_with_findings()):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, str(v), text)
    ws.autofilter(0, 0, 6, 11)  # _xlnm._FilterDatabase, local to the data sheet (localSheetId 1)
    ws.data_validation("D2:D7", {"validate": "list", "source": ["机械工程学院", "文学院"]})
    ws.activate()
    wb.close()
    xlsm = make_xlsm(plain, folder / "发放.xlsm")
    plain.unlink()
    report = check(xlsm, tmp_path / "subs")
    assert report.format == "xlsm" and report.errors
    patched, copied = both(report, tmp_path)
    assert routes(caplog) == ["patch", "openpyxl"] and patched.suffix == ".xlsm"
    assert_same_workbooks(patched, copied)
    assert_well_formed_and_the_rest_untouched(xlsm, patched)
    with zipfile.ZipFile(patched) as archive:
        assert archive.read("xl/vbaProject.bin") == b"VBA-PROJECT-BYTES" * 64
        book = archive.read("xl/workbook.xml").decode()
        sheet = archive.read("xl/worksheets/sheet2.xml")
    assert 'localSheetId="2"' in book and "_xlnm._FilterDatabase" in book
    assert b"<dataValidations" in sheet and b"<autoFilter" in sheet
    loaded = openpyxl.load_workbook(patched, keep_vba=True)
    assert loaded[SHEET].auto_filter.ref == "A1:L7" and loaded[SHEET].data_validations.dataValidation
    assert same_findings(report, check(patched, tmp_path / "patched"))


def test_a_department_comment_on_a_marked_sheet_takes_the_openpyxl_copy(tmp_path, caplog):
    source = two_sheet_book(tmp_path / "subs" / "甲学院", "openpyxl")
    wb = openpyxl.load_workbook(source)
    wb[SHEET]["C3"].comment = openpyxl.comments.Comment("学生说会补交", "辅导员")
    wb.save(source)
    report = check(source, tmp_path / "subs")
    path = write_feedback(report, tmp_path / "feedback")
    assert routes(caplog) == ["openpyxl"] and "already has comments" in caplog.text
    comment = openpyxl.load_workbook(path)[SHEET]["C3"].comment.text
    assert "居民身份证号应为18位" in comment and "——原批注：学生说会补交" in comment


def test_text_with_excel_escapes_takes_the_openpyxl_copy(tmp_path, caplog):
    source = write_template(tmp_path / "subs" / "甲学院", "disbursement", {"姓名": "王\x07五"}, {"身份证件号": "123"},
                            name="发放.xlsx")  # the builder stores \x07 as Excel does, _x0007_
    report = check(source, tmp_path / "subs")
    path = write_feedback(report, tmp_path / "feedback")
    assert routes(caplog) == ["openpyxl"] and "Excel escapes" in caplog.text
    assert openpyxl.load_workbook(path)[SHEET]["B2"].value == "王␇五"


def test_a_feedback_workbook_sent_back_takes_the_openpyxl_copy(tmp_path, caplog):
    source = two_sheet_book(tmp_path / "subs" / "甲学院", "xlsxwriter")
    first = write_feedback(check(source, tmp_path / "subs"), tmp_path / "feedback")
    back = check(first, tmp_path / "feedback")
    second = write_feedback(back, tmp_path / "feedback2")
    assert routes(caplog) == ["patch", "openpyxl"] and "already a feedback workbook" in caplog.text
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames == [ISSUES_SHEET, "说明", SHEET]


def test_a_file_with_no_finding_gets_the_list_alone_and_says_which_file_passed(tmp_path, caplog):
    folder = tmp_path / "subs" / "甲学院"
    plain = write_template(folder, "loan", n=2, name="贷款.xlsx")
    make_xlsm(plain, folder / "贷款名单.xlsm")
    reports = [check(p, tmp_path / "subs") for p in (plain, folder / "贷款名单.xlsm")]
    assert all(r.readable and not len(r.findings) for r in reports)
    paths = write_all_feedback(reports, tmp_path / "feedback")
    assert [p.name for p in paths] == ["贷款-反馈.xlsx", "贷款名单-反馈.xlsx"]  # no macros to keep: .xlsx
    assert routes(caplog) == ["list", "list"]
    for report, path in zip(reports, paths):
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [ISSUES_SHEET]
        summary, intro = wb[ISSUES_SHEET]["A1"].value, wb[ISSUES_SHEET]["A2"].value
        assert f"文件“{report.display_path}”" in summary and "结论：检查通过" in summary
        assert "不附原表的副本" in intro
        assert wb[ISSUES_SHEET]["E5"].value == "单元格检查没有发现问题。"
    # A reconciliation finding on one of its rows: a full copy with the row marked.
    cross = F.to_frame([F.Finding(rule="rec.not_enrolled", severity="warning", path=reports[0].display_path,
                                  sheet=spec_of("loan").sheet, row=2, column="A", message="学号不在在校生库中。")])
    [path] = write_all_feedback(reports[:1], tmp_path / "cross", cross={reports[0].display_path: cross})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [ISSUES_SHEET, spec_of("loan").sheet]
    assert fill_of(wb[spec_of("loan").sheet]["A2"]) == feedback.WARNING_COLOR
