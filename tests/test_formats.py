"""The same checks on Excel 97-2003 ``.xls`` (written with xlwt) and on CSV (UTF-8 with and without
BOM, and GBK as Chinese Excel saves it)."""
from __future__ import annotations

import datetime as dt

import pytest

from builders import ID_OTHER, ID_X, Sheet, VALID, rows_for, spec_of, write_book, write_csv, write_template, wrong_check
from conftest import check, found

E, W = "error", "warning"
ENCODINGS = ["utf-8-sig", "utf-8", "gbk"]
ID = ID_OTHER[0]


# ----- .xls ----------------------------------------------------------------------------------------

def _xls(tmp_path, template, *changes, name=None):
    return check(write_template(tmp_path, template, *changes, writer="xlwt", name=name))


@pytest.mark.parametrize("template", list(VALID))
def test_xls_valid(template, tmp_path):
    report = _xls(tmp_path, template, {}, {})
    assert (report.format, report.template, report.rows, found(report)) == ("xls", template, 2, [])


def test_xls_tricky_values_pass(tmp_path):
    report = _xls(tmp_path, "student", {})
    row = report.table.iloc[0]
    assert (row["name"], row["id_no"], row["student_no"]) == ("阿依古丽·买买提", ID_X, "0012345")


def test_xls_id_typed_as_number(tmp_path):
    report = _xls(tmp_path, "student", {"身份证件号": int(ID)})
    assert found(report) == [("cell.number_stored", E, 2, "E")]
    assert report.table["id_no"].isna().all()


def test_xls_date_cell(tmp_path):
    report = _xls(tmp_path, "student", {"出生日期": dt.date(1999, 5, 15)})
    assert found(report) == [("cell.date_format", W, 2, "G")]
    assert report.table["birth_date"].iloc[0] == "19990515"


def test_xls_cell_rules(tmp_path):
    report = _xls(tmp_path, "disbursement", {"银行卡号": int("6222021234567890128")}, {"资助项目": "助学金"},
                  {"身份证件号": wrong_check(ID)}, {"发放金额(元)": 1500.5})
    assert found(report) == sorted([("cell.number_stored", E, 2, "K"), ("cell.code", E, 3, "E"), ("id.checksum", E, 4, "C")])


def test_xls_renamed_sheet(tmp_path):
    report = check(write_book(tmp_path / "x.xls", rows_for("loan"), writer="xlwt", sheet="Sheet1"))
    assert report.template == "loan" and found(report) == [("template.sheet_missing", E, None, None)]


def test_xls_extra_sheet_before(tmp_path):
    report = check(write_book(tmp_path / "x.xls", writer="xlwt", sheets=[
        Sheet("说明", [["填表说明"]]), Sheet("困难认定", rows_for("difficulty"))]))
    assert (report.template, report.sheet, found(report)) == ("difficulty", "困难认定", [])


# ----- .csv ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("template", list(VALID))
def test_csv_valid(template, encoding, tmp_path):
    report = check(write_csv(tmp_path / f"{template}.csv", rows_for(template, n=2), encoding=encoding))
    assert (report.format, report.template, report.rows, found(report)) == ("csv", template, 2, [])


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_csv_keeps_text(encoding, tmp_path):
    """CSV cells are text: leading zeros, the X and the middle dot survive in every encoding."""
    report = check(write_csv(tmp_path / "学生.csv", rows_for("student"), encoding=encoding))
    row = report.table.iloc[0]
    assert (row["student_no"], row["id_no"], row["name"], row["ethnicity"]) == ("0012345", ID_X, "阿依古丽·买买提", "维吾尔族")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_csv_findings(encoding, tmp_path):
    rows = rows_for("student", {"身份证件号": wrong_check(ID)}, {"姓名": "阿依古丽·买买提\u3000"},
                    {"出生日期": "1999-05-15"}, {"身份证件号": "6.50102E+17"}, {"民族": "汉"})
    report = check(write_csv(tmp_path / "学生.csv", rows, encoding=encoding))
    assert found(report) == sorted([
        ("id.checksum", E, 2, "E"), ("cell.whitespace", W, 3, "C"), ("cell.date_format", W, 4, "G"),
        ("cell.number_stored", E, 5, "E"), ("cell.code", E, 6, "H"),
    ])
    assert report.table.loc[report.table["_row"] == 3, "name"].iloc[0] == "阿依古丽·买买提"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_csv_header_mismatch(encoding, tmp_path):
    rows = rows_for("loan")
    rows[0][5] = "合同号"
    report = check(write_csv(tmp_path / "贷款.csv", rows, encoding=encoding))
    assert report.template == "loan"
    assert found(report) == [("template.header_mismatch", E, 1, "F")]


def test_csv_is_not_missing_its_sheet(tmp_path):
    """A CSV has no sheet name to get wrong: no template.sheet_missing."""
    report = check(write_csv(tmp_path / "随便什么名字.csv", rows_for("allocation")))
    assert report.template == "allocation" and found(report) == []


def test_csv_header_only(tmp_path):
    report = check(write_csv(tmp_path / "x.csv", [spec_of("tasks").headers]))
    assert found(report) == [("template.empty", E, None, None)]
