"""File and template rules: unreadable files, template recognition from the header row, sheet
names, header differences, empty templates, formulas, merged cells and hidden rows/columns.
Workbooks are written by openpyxl and by xlsxwriter."""
from __future__ import annotations

import pytest

from builders import Formula, Sheet, rows_for, spec_of, write_book, write_template
from conftest import check, found

E, W = "error", "warning"


def _findings(report, rule):
    return report.findings[report.findings["rule"] == rule]


# ----- file.unreadable -----------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"not a workbook at all", b"PK\x03\x04broken zip", b""], ids=["text", "zip", "empty"])
def test_unreadable(tmp_path, content):
    path = tmp_path / "学生基本信息.xlsx"
    path.write_bytes(content)
    report = check(path)
    assert found(report) == [("file.unreadable", E, None, None)]
    assert not report.readable and not report.passed and report.template is None
    assert report.findings["message"].iloc[0].startswith("学生基本信息.xlsx：")


# ----- recognition ---------------------------------------------------------------------------------

def test_recognised_from_header_whatever_the_name(writer, tmp_path):
    path = write_book(tmp_path / "新建 Microsoft Excel 工作表.xlsx", writer=writer,
                      sheets=[Sheet("学生基本信息", rows_for("student", n=2))])
    report = check(path)
    assert (report.template, report.sheet, report.rows, found(report)) == ("student", "学生基本信息", 2, [])
    assert report.passed


@pytest.mark.parametrize("template", ["student", "difficulty", "disbursement", "loan", "allocation", "tasks"])
def test_each_template_recognised_under_a_misleading_name(template, tmp_path):
    path = write_book(tmp_path / "资助发放-第1批.xlsx", sheets=[Sheet(spec_of(template).sheet, rows_for(template))])
    report = check(path)
    assert report.template == template and found(report) == []


def test_extra_sheets_before_are_fine(writer, tmp_path):
    path = write_book(tmp_path / "x.xlsx", writer=writer, sheets=[
        Sheet("填表说明", [["请按要求填写"], ["学号请设置为文本格式"]]),
        Sheet("代码表", [["民族"], ["汉族"]]),
        Sheet("学生基本信息", rows_for("student")),
    ])
    report = check(path)
    assert (report.template, report.sheet, found(report)) == ("student", "学生基本信息", [])


def test_renamed_sheet(writer, tmp_path):
    report = check(write_book(tmp_path / "x.xlsx", rows_for("student"), writer=writer, sheet="Sheet1"))
    assert report.template == "student"
    assert found(report) == [("template.sheet_missing", E, None, None)]
    msg = report.findings["message"].iloc[0]
    assert "学生基本信息" in msg and "Sheet1" in msg


def test_renamed_header_names_the_column(writer, tmp_path):
    rows = rows_for("student")
    rows[0][2] = "学生姓名"
    report = check(write_book(tmp_path / "x.xlsx", rows, writer=writer, sheet="学生基本信息"))
    assert report.template == "student"
    assert found(report) == [("template.header_mismatch", E, 1, "C")]
    hit = _findings(report, "template.header_mismatch").iloc[0]
    assert hit["field"] == "学生姓名"
    assert "学生姓名" in hit["message"] and "“姓名”" in hit["message"] and "数据标题错误" in hit["message"]


def test_reordered_header(writer, tmp_path):
    rows = rows_for("student")
    for row in rows:  # swap 性别 (F) and 出生日期 (G), data with them
        row[5], row[6] = row[6], row[5]
    report = check(write_book(tmp_path / "x.xlsx", rows, writer=writer, sheet="学生基本信息"))
    assert report.template == "student"
    # The smallest fix is named: move 出生日期 (now in F) back to G.
    assert found(report) == [("template.header_mismatch", E, 1, "F")]
    hit = _findings(report, "template.header_mismatch").iloc[0]
    assert hit["field"] == "出生日期" and "位置不对" in hit["message"]
    # The data are still read by header: sex and birth date land in the right keys.
    assert report.table.iloc[0]["sex"] == "女" and report.table.iloc[0]["birth_date"] == "19990515"


def test_two_columns_exchanged(writer, tmp_path):
    rows = rows_for("student")
    for row in rows:  # exchange 姓名 (C) and 专业 (K)
        row[2], row[10] = row[10], row[2]
    report = check(write_book(tmp_path / "x.xlsx", rows, writer=writer, sheet="学生基本信息"))
    assert found(report) == [("template.header_mismatch", E, 1, "C"), ("template.header_mismatch", E, 1, "K")]
    assert all("调换" in m for m in report.findings["message"])


def test_added_column(writer, tmp_path):
    rows = rows_for("student")
    rows[0].append("备注")
    rows[1].append("无")
    report = check(write_book(tmp_path / "x.xlsx", rows, writer=writer, sheet="学生基本信息"))
    assert found(report) == [("template.header_mismatch", E, 1, "V")]
    assert "备注" in report.findings["message"].iloc[0]


def test_removed_column(writer, tmp_path):
    rows = rows_for("student")
    for row in rows:
        del row[11]  # 班级 (optional)
    report = check(write_book(tmp_path / "x.xlsx", rows, writer=writer, sheet="学生基本信息"))
    assert found(report) == [("template.header_mismatch", E, 1, None)]
    assert "缺少列“班级”" in report.findings["message"].iloc[0]


@pytest.mark.parametrize("template, header", [
    ("difficulty", "认定等级"),  # the condition of 认定原因's requirement (this once crashed the batch)
    ("disbursement", "资助项目"),  # the condition of 资助档次's requirement and of a row rule
    ("student", "身份证件类型"),  # the ID column reads it
    ("student", "身份证件号"),  # the sex and birth-date row rules read it
    ("difficulty", "认定学年"),  # a row rule's parameter
])
def test_missing_column_that_other_checks_use(template, header, tmp_path):
    rows = rows_for(template, n=2)
    index = spec_of(template).headers.index(header)
    for row in rows:
        del row[index]
    report = check(write_book(tmp_path / "x.xlsx", rows, sheet=spec_of(template).sheet))
    assert found(report) == [("template.header_mismatch", E, 1, None)]
    assert f"缺少列“{header}”" in report.findings["message"].iloc[0]


def test_unrelated_header_names_the_closest_template(writer, tmp_path):
    rows = [["学号", "姓名", "课程名称", "成绩", "学分", "任课教师"], ["0012345", "张三", "高等数学", "90", "4", "李四"]]
    report = check(write_book(tmp_path / "成绩单.xlsx", rows, writer=writer))
    assert report.template is None and not report.passed
    assert found(report) == [("file.unknown_template", E, 1, None)]
    msg = report.findings["message"].iloc[0]
    assert "最接近" in msg and "国家助学贷款" in msg and "课程名称" in msg


def test_no_header_at_all(writer, tmp_path):
    report = check(write_book(tmp_path / "x.xlsx", [["甲", "乙"], ["1", "2"]], writer=writer))
    assert [f[0] for f in found(report)] == ["file.unknown_template"]


# ----- template.empty ------------------------------------------------------------------------------

def test_empty_template(writer, tmp_path):
    report = check(write_book(tmp_path / "x.xlsx", [spec_of("disbursement").headers], writer=writer, sheet="资助发放"))
    assert report.template == "disbursement" and report.rows == 0
    assert found(report) == [("template.empty", E, None, None)]


def test_blank_rows_do_not_count(writer, tmp_path):
    rows = [spec_of("loan").headers, [None] * 9, [""] * 9]
    report = check(write_book(tmp_path / "x.xlsx", rows, writer=writer, sheet="助学贷款"))
    assert found(report) == [("template.empty", E, None, None)]


# ----- formulas, merged cells, hidden rows and columns ---------------------------------------------

def test_formula(writer, tmp_path):
    """A formula in 班级 (L, optional): only the formula warning, whatever value was cached."""
    path = write_template(tmp_path, "student", {"班级": Formula('="机械"&"1701"', "机械1701")}, writer=writer)
    report = check(path)
    assert found(report) == [("template.formula", W, 2, "L")]
    assert report.findings["field"].iloc[0] == "班级"


def test_formula_after_a_blank_row(writer, tmp_path):
    """Blank rows are dropped before checking; structure findings must still land on their Excel row."""
    rows = rows_for("student", {}, {}, {"班级": Formula('="机械"&"1701"', "机械1701")})
    rows.insert(2, [None] * len(rows[0]))  # Excel row 3 blank; the formula is now in row 5
    report = check(write_book(tmp_path / "x.xlsx", rows, writer=writer, sheet="学生基本信息"))
    assert found(report) == [("template.formula", W, 5, "L")]
    assert list(report.table["_row"]) == [2, 4, 5]


def test_merged_cells(writer, tmp_path):
    path = write_template(tmp_path, "student", {}, {"班级": None}, writer=writer,
                          merged=["L2:L3"])
    report = check(path)
    assert found(report) == [("template.merged_cells", E, 2, "L")]
    assert "L2:L3" in report.findings["message"].iloc[0]


def test_hidden_row(writer, tmp_path):
    report = check(write_template(tmp_path, "student", {}, {}, writer=writer, hidden_rows=[3]))
    assert found(report) == [("template.hidden_rows", W, 3, None)]


def test_hidden_row_after_blank_row(writer, tmp_path):
    rows = rows_for("student", {}, {})
    rows.insert(1, [None] * len(rows[0]))  # Excel row 2 blank, data in rows 3 and 4
    report = check(write_book(tmp_path / "x.xlsx", writer=writer,
                              sheets=[Sheet("学生基本信息", rows, hidden_rows=[4])]))
    assert found(report) == [("template.hidden_rows", W, 4, None)]


def test_hidden_empty_row_is_fine(writer, tmp_path):
    report = check(write_template(tmp_path, "student", writer=writer, hidden_rows=[5]))
    assert found(report) == []


def test_hidden_column(writer, tmp_path):
    report = check(write_template(tmp_path, "student", {}, {}, writer=writer, hidden_cols=["L"]))
    assert found(report) == [("template.hidden_rows", W, 2, "L")]
    assert "L列" in report.findings["message"].iloc[0]


@pytest.mark.parametrize("case", ["formula", "hidden row", "hidden column", "merged", "hidden sheet"])
def test_structure_of_xls(case, tmp_path):
    """Excel 97-2003 files: formulas, hidden rows and columns come from the BIFF walk (calamine
    does not report them for .xls), merged cells from calamine; same findings as for .xlsx."""
    from aidtools.reading import read_file

    changes = {"班级": Formula('"机械"&"1701"', "机械1701")} if case == "formula" else {}
    options = {"hidden row": dict(hidden_rows=[3]), "hidden column": dict(hidden_cols=["L"]),
               "merged": dict(merged=["L2:L3"])}.get(case, {})
    rows = rows_for("student", changes, {} if case != "merged" else {"班级": None})
    sheets = [Sheet("学生基本信息", rows, **options)]
    if case == "hidden sheet":
        sheets.append(Sheet("代码表", [["代码"]], hidden=True))
    path = write_book(tmp_path / "x.xls", writer="xlwt", sheets=sheets)
    expected = {"formula": [("template.formula", W, 2, "L")], "hidden row": [("template.hidden_rows", W, 3, None)],
                "hidden column": [("template.hidden_rows", W, 2, "L")], "merged": [("template.merged_cells", E, 2, "L")],
                "hidden sheet": []}[case]
    assert found(check(path)) == expected
    if case == "hidden sheet":
        book = read_file(path)
        assert book.sheets["代码表"].hidden and not book.sheets["学生基本信息"].hidden


def test_structure_rules_all_covered():
    from aidtools.rules import RULES

    wanted = {r for r in RULES if r.startswith(("file.", "template.")) and r != "file.superseded"}
    tested = {"file.unreadable", "file.unknown_template", "template.sheet_missing", "template.header_mismatch",
              "template.empty", "template.formula", "template.merged_cells", "template.hidden_rows",
              "template.previous_version"}  # tests/test_spec_diff.py
    assert wanted == tested
