"""The feedback workbook as the submitted package patched, against the openpyxl copy: the same marks,
notes and 问题清单, cell by cell, on workbooks written by openpyxl and by xlsxwriter; every part the
patcher writes parses and every other part is the original's byte for byte; the workbooks it leaves to
the openpyxl copy (and says why in the debug log); a file with no finding gets 问题清单 alone."""
from __future__ import annotations

import logging
import re
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
    assert calamine_values(patched, ISSUES_SHEET) == calamine_values(copied, ISSUES_SHEET)
    assert CalamineWorkbook.from_path(str(patched)).sheet_names == CalamineWorkbook.from_path(str(copied)).sheet_names


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
    with zipfile.ZipFile(patched) as archive, zipfile.ZipFile(source) as original:
        sheet, before = archive.read("xl/worksheets/sheet2.xml"), original.read("xl/worksheets/sheet2.xml")
    assert re.findall(rb'<c r="C6"[^>]*>', sheet) == re.findall(rb'<c r="C6"[^>]*>', before)  # C6 left as it was


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


# The sheet and style patchers on XML as Excel writes it (prefixes, extensions, spans, row styles).
EXCEL_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    b'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
    b'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
    b'<dimension ref="A1:C4"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
    b'<cols><col min="2" max="3" width="9" style="4" customWidth="1"/></cols><sheetData>'
    b'<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>'
    b'<row r="2" spans="1:3" s="5" customFormat="1"><c r="C2" s="2"><v>7</v></c></row>'
    b'<row r="4" spans="1:3"/></sheetData><mergeCells count="1"><mergeCell ref="A4:B4"/></mergeCells>'
    b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    b'<tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>')


def test_the_sheet_patcher_on_excel_xml():
    from aidtools.outputs.feedback_sheet import Mark, mark_sheet

    marks = [Mark(1, "B", "error", "b1", 38), Mark(2, "A", "warning", "a2", 38), Mark(2, "C", "error", "c2", 38),
             Mark(3, "B", "error", "b3", 38), Mark(4, "B", "warning", "b4", 38), Mark(1, "A", "warning", "a1", 38)]
    out, notes = mark_sheet(EXCEL_SHEET, marks, lambda s, severity: 100 + 10 * s + (severity == "error"), "rId2")
    SafeET.fromstring(out)
    assert [n[:3] for n in notes] == [("A1", 0, 0), ("B1", 0, 1), ("A2", 1, 0), ("C2", 1, 2), ("B3", 2, 1),
                                      ("A4", 3, 0)]
    assert b'<row r="1" x14ac:dyDescent="0.25"><c r="A1" s="110" t="s"><v>0</v></c><c r="B1" s="141"/>' in out
    assert b'<c r="A2" s="150"/><c r="C2" s="121"><v>7</v></c>' in out  # the row's own style, then restyled
    assert b'<row r="3"><c r="B3" s="141"/></row><row r="4"><c r="A4" s="100"/></row>' in out  # B4: merged into A4
    assert b'<legacyDrawing r:id="rId2"/><tableParts' in out and b"tabSelected" not in out
    assert out.replace(b"spans", b"").count(b"<c ") == 7


@pytest.mark.parametrize("xml, reason", [
    (EXCEL_SHEET.replace(b'<c r="C1"', b'<c'), "without r="),
    (EXCEL_SHEET.replace(b"<tableParts", b'<legacyDrawing r:id="rId5"/><tableParts'), "legacy drawing"),
    (EXCEL_SHEET.replace(b"<worksheet", b"<x:worksheet"), "prefixed"),
    (EXCEL_SHEET.replace(b'encoding="UTF-8"', b'encoding="UTF-16"'), "UTF-8"),
    (EXCEL_SHEET.replace(b'<c r="A1"', b'<c r="A3"'), "another row"),
])
def test_the_sheet_patcher_refuses_what_it_does_not_handle(xml, reason):
    from aidtools.outputs.feedback_sheet import Mark, mark_sheet
    from aidtools.outputs.not_patchable import NotPatchable

    with pytest.raises(NotPatchable, match=reason):
        mark_sheet(xml, [Mark(1, "B", "error", "x", 38)], lambda s, severity: 9, "rId2")


def test_the_styles_patcher_keeps_what_excel_wrote():
    from aidtools.outputs.feedback_content import LOOKS
    from aidtools.outputs.feedback_styles import StylesPatch

    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<styleSheet '
           'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
           'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
           '<fonts count="1" x14ac:knownFonts="1"><font><sz val="11"/><color theme="1"/><name val="等线"/>'
           '<family val="2"/><charset val="134"/><scheme val="minor"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
           '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1">'
           '<alignment horizontal="center"/></xf></cellXfs>'
           '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>').encode()
    styles = StylesPatch(xml)
    marked = styles.marked(1, "warning")
    message, link = styles.look(LOOKS["message"], quote=True), styles.look(LOOKS["link"])
    out = styles.result()
    root = SafeET.fromstring(out)
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    xfs = root.find(main + "cellXfs")
    assert int(xfs.get("count")) == len(xfs) == 5 and (marked, message, link) == (2, 3, 4)
    assert xfs[marked].find(main + "alignment").get("horizontal") == "center"  # the cell's own format kept
    assert xfs[marked].get("numFmtId") == "49" and xfs[marked].get("applyFill") == "1"
    fill = root.find(main + "fills")[int(xfs[marked].get("fillId"))]
    assert fill[0].get("patternType") == "solid" and fill[0][0].get("rgb") == "FFFFEB9C"
    assert xfs[message].get("quotePrefix") == "1" and xfs[message][0].get("wrapText") == "1"
    fonts = root.find(main + "fonts")
    assert int(fonts.get("count")) == len(fonts) == 2 and fonts[1].find(main + "u") is not None
    assert fonts[1].find(main + "name").get("val") == "等线"
    assert b'mc:Ignorable="x14ac"' in out and b'x14ac:knownFonts="1"' in out and out.startswith(xml[:60])
