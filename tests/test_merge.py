"""Merging into import workbooks: accounting, text cells, determinism, provenance, resubmissions,
cross-file duplicates, official templates and formula injection — on workbooks written in tmp_path."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from builders import AS_OF, CARD, Sheet, luhn, make_id, rows_for, spec_of, write_book, write_template
from python_calamine import CalamineWorkbook

from aidtools.cli import main
from aidtools.merging import AccountingError, OfficialTemplateError, check_accounting, merge_reports
from aidtools.merging.provenance import read_provenance
from aidtools.merging.resubmissions import revision_key
from aidtools.outputs import blank_template
from aidtools.outputs.blank_template import write_blank_template
from aidtools.specs import load_specs
from aidtools.validate import check_paths

SPECS = load_specs()
TEMPLATES = list(SPECS)
PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "submissions"


def one(merged):
    """The only subsystem part of a template's merge (these tests' files are of one subsystem each)."""
    (part,) = merged.parts.values()
    return part


def check(*paths):
    return check_paths([str(p) for p in paths], specs=SPECS, as_of=AS_OF)


def first_required(template: str) -> str:
    return next(c.header for c in spec_of(template).columns if c.required and not c.required_when)


def sheet_values(path, sheet=None) -> list[list]:
    """Every cell value of a sheet, read by openpyxl."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def make_xlsm(xlsx: Path, xlsm: Path) -> Path:
    """An .xlsm made from an .xlsx: macro content type plus a (dummy) vbaProject.bin."""
    with zipfile.ZipFile(xlsx) as src, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"</Types>", b'<Default Extension="bin" '
                                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
            out.writestr(item, data)
        out.writestr("xl/vbaProject.bin", b"VBA-PROJECT-BYTES" * 64)
    return xlsm


def test_rows_read_equal_merged_plus_held_back_for_every_template(tmp_path):
    subs = tmp_path / "subs"
    for template in TEMPLATES:
        blank = first_required(template)
        changes = [{}, {blank: None}, {}, {blank: None}, {}]
        write_template(subs / "甲学院", template, *changes, name=f"{template}.xlsx")
        # The same rows from another department: its good rows are records already merged from 甲学院.
        write_template(subs / "乙学院", template, *changes, name=f"{template}.xlsx")
    reports = check(subs)
    result = merge_reports(reports, tmp_path / "out", specs=SPECS)
    assert sorted(result.templates) == sorted(TEMPLATES) and len(result.files) == 2 * len(TEMPLATES)
    for template in TEMPLATES:
        merged = result.templates[template]
        first, second = merged.files
        assert (first.path, second.path) == (f"乙学院/{template}.xlsx", f"甲学院/{template}.xlsx")
        good = 5 - len(next(r for r in reports if r.display_path == first.path).error_rows())
        assert 0 < good <= 3
        assert (first.rows_read, first.rows_merged, first.rows_held_back) == (5, good, 5 - good)
        assert (second.rows_read, second.rows_merged, second.rows_held_back) == (5, 0, 5)
        assert merged.rows_read == 10 == merged.rows_merged + merged.rows_held_back
        assert merged.rows_duplicate == good and merged.rows_superseded == 0
        parts = list(merged.parts.values())  # one per subsystem of the rows
        assert sum(len(sheet_values(p.path)) - 1 for p in parts) == merged.rows_merged
        assert sum(len(sheet_values(p.held_back_path)) - 1 for p in parts if p.held_back_path) == merged.rows_held_back
        assert sum(len(read_provenance(p.provenance_path)) for p in parts) == merged.rows_merged
        for p in parts:
            assert p.rows_read == p.rows_merged + p.rows_held_back + p.rows_superseded
            assert p.path.parent.name == p.subsystem
        entry = result.to_record()[template]
        assert (entry.rows_read, entry.rows_merged, entry.rows_held_back) == (10, good, 10 - good)
        assert [x.path for x in entry.parts] == [str(p.path) for p in parts]
    for account in result.files:
        assert account.rows_read == account.rows_merged + account.rows_held_back
    assert sum(a.rows_read for a in result.files) == sum(r.rows for r in reports) == 10 * len(TEMPLATES)


def _id_and_card_rows():
    """Disbursement rows: an ID ending in X, 19-digit cards, dates typed three ways, 学号 with leading zeros."""
    import datetime as dt
    return rows_for(
        "disbursement",
        {"发放日期": "2017-11-20"},
        {"发放日期": dt.date(2017, 11, 21), "银行卡号": luhn("621700000000000001")},
        {"发放日期": "20171122", "学号": "0000007"},
    )


def test_import_workbook_has_the_template_layout_and_text_cells(tmp_path):
    write_book(tmp_path / "subs" / "甲学院" / "发放.xlsx", sheets=[Sheet("资助发放", _id_and_card_rows())])
    write_template(tmp_path / "subs" / "甲学院", "student", n=3, name="学生.xlsx")
    result = merge_reports(check(tmp_path / "subs"), tmp_path / "out", specs=SPECS)
    for template in ("disbursement", "student"):
        spec = spec_of(template)
        path = one(result.templates[template]).path
        assert path.name == f"{spec.title}_{template}.xlsx"
        ws = openpyxl.load_workbook(path).worksheets[0]
        assert openpyxl.load_workbook(path).sheetnames == [spec.sheet]
        assert [c.value for c in ws[spec.header_row]] == spec.headers
        data = list(ws.iter_rows(min_row=spec.first_data_row))
        assert len(data) == 3
        for row in data:
            assert all(c.data_type == "s" and c.number_format == "@" for c in row if c.value is not None)
            values = dict(zip(spec.headers, (c.value for c in row)))
            assert len(values["身份证件号"]) == 18
            if template == "disbursement":
                assert len(values["银行卡号"]) == 19 and re.fullmatch(r"\d{19}", values["银行卡号"])
                assert re.fullmatch(r"2017112[0-2]", values["发放日期"])
                assert values["发放金额(元)"] == "1500"
            else:
                assert re.fullmatch(r"\d{8}", values["出生日期"]) and values["性别"] == "女"
        calamine = CalamineWorkbook.from_path(str(path))
        assert calamine.sheet_names == [spec.sheet]
        rows = calamine.get_sheet_by_name(spec.sheet).to_python()
        assert rows[0] == spec.headers
        ids = [r[spec.headers.index("身份证件号")] for r in rows[1:]]
        assert all(isinstance(i, str) and len(i) == 18 for i in ids)
        assert any(i.endswith("X") for i in ids)
        numbers = [r[spec.headers.index("学号")] for r in rows[1:]]
        assert all(isinstance(n, str) and len(n) == 7 for n in numbers) and any(n.startswith("00") for n in numbers)
    disbursement = CalamineWorkbook.from_path(str(one(result.templates["disbursement"]).path)).get_sheet_by_name("资助发放")
    rows = disbursement.to_python()[1:]
    assert sorted(r[8] for r in rows) == ["20171120", "20171121", "20171122"]
    assert {r[10] for r in rows} == {CARD, luhn("621700000000000001")}
    assert rows[0][0] == "0000007"  # sorted by the unique key: 学号 first


def test_running_twice_gives_the_same_cells(tmp_path):
    subs = tmp_path / "subs"
    write_template(subs / "乙学院", "disbursement", {}, {"银行卡号": "123"}, {}, name="发放.xlsx")
    write_template(subs / "甲学院", "disbursement", {"发放批次": "2"}, {"发放批次": "2", "资助档次": None}, name="二批.xlsx")
    write_template(subs / "甲学院", "student", {}, {"学号": "A-1"}, n=4, name="学生.xlsx")
    reports = check(subs)
    first = merge_reports(reports, tmp_path / "one", specs=SPECS)
    second = merge_reports(list(reversed(reports)), tmp_path / "two", specs=SPECS)  # input order does not matter
    for template, merged in first.templates.items():
        again = second.templates[template]
        assert sheet_values(one(merged).path) == sheet_values(one(again).path)
        assert sheet_values(one(merged).held_back_path) == sheet_values(one(again).held_back_path)
        assert one(merged).provenance_path.read_bytes() == one(again).provenance_path.read_bytes()
    assert first.to_record(relative_to=tmp_path / "one") == second.to_record(relative_to=tmp_path / "two")
    counts = [len(r.findings) for r in reports]
    # The same folder again: the same files, and no finding added twice to the reports.
    rerun = merge_reports(reports, tmp_path / "one", specs=SPECS)
    assert sheet_values(one(rerun.templates["student"]).path) == sheet_values(one(first.templates["student"]).path)
    assert [len(r.findings) for r in reports] == counts


def test_provenance_points_at_the_source_rows(tmp_path):
    subs = tmp_path / "subs"
    write_template(subs / "乙学院", "student", {}, {"身份证件号": "123"}, {}, name="学生.xlsx")
    write_template(subs / "甲学院", "student", {"学号": "0099001", "身份证件号": make_id(order=600)},
                   {"学号": "0099002", "身份证件号": make_id(order=602)}, name="学生.xlsx")
    reports = check(subs)
    merged = merge_reports(reports, tmp_path / "out", specs=SPECS).templates["student"]
    raw = one(merged).provenance_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    provenance = read_provenance(one(merged).provenance_path)
    assert list(provenance.columns) == ["import_row", "path", "sha256", "sheet", "source_row", "department"]
    imported = sheet_values(one(merged).path)
    assert provenance["import_row"].tolist() == [str(r) for r in range(2, 2 + len(imported) - 1)]
    sha = {r.display_path: r.sha256 for r in reports}
    for line in provenance.itertuples():
        assert line.sha256 == sha[line.path] and line.sheet == "学生基本信息"
        assert line.department == line.path.split("/")[0]
        source = sheet_values(subs / line.path)[int(line.source_row) - 1]
        assert imported[int(line.import_row) - 1][1] == source[1]  # 学号
    assert sorted(provenance["path"].unique()) == ["乙学院/学生.xlsx", "甲学院/学生.xlsx"]
    assert ("乙学院/学生.xlsx", "3") not in set(zip(provenance["path"], provenance["source_row"]))


def test_held_back_workbook_lists_original_values_and_findings(tmp_path):
    subs = tmp_path / "subs"
    bad_id = 110101199905150021  # typed as a number: Excel kept it, but it is not text
    write_template(subs / "甲学院", "student", {}, {"身份证件号": "123"}, {"出生日期": "1999/13/01"},
                   {"身份证件号": float(bad_id) * 1000}, name="学生.xlsx")
    merged = merge_reports(check(subs), tmp_path / "out", specs=SPECS).templates["student"]
    rows = sheet_values(one(merged).held_back_path, "暂缓导入")
    header = rows[0]
    assert header[:5] == ["部门", "来源文件", "工作表", "行号", "暂缓原因"] and header[5:] == spec_of("student").headers
    by_row = {r[3]: dict(zip(header, r)) for r in rows[1:]}
    assert set(by_row) == {"3", "4", "5"}
    assert by_row["3"]["身份证件号"] == "123" and "id.length" not in by_row["3"]["暂缓原因"]
    assert "【错误】E3“身份证件号”" in by_row["3"]["暂缓原因"]
    assert by_row["4"]["出生日期"] == "1999/13/01"
    assert "存成了数字" in by_row["5"]["暂缓原因"]
    assert all(r["部门"] == "甲学院" and r["来源文件"] == "甲学院/学生.xlsx" for r in by_row.values())


def test_formula_injection_stays_text(tmp_path):
    subs = tmp_path / "subs"
    changes = [{"开户银行": p, "学号": f"00{k}"} for k, p in enumerate(PAYLOADS)]
    changes.append({"开户银行": "=1+1", "学号": "009", "身份证件号": "123"})  # held back: an error in the row
    write_template(subs / "=cmd", "disbursement", *changes, name="发放.xlsx")
    write_template(subs / "=cmd", "student", *[{"专业": p} for p in PAYLOADS], name="学生.xlsx")
    reports = check(subs)
    assert [r.errors for r in reports] == [0, 1] or [r.errors for r in reports] == [1, 0]
    result = merge_reports(reports, tmp_path / "out", specs=SPECS)
    held = openpyxl.load_workbook(one(result.templates["disbursement"]).held_back_path).worksheets[0]
    bank = held.cell(row=2, column=5 + spec_of("disbursement").headers.index("开户银行") + 1)
    assert (bank.value, bank.data_type, bank.quotePrefix) == ("=1+1", "s", True)
    assert held.cell(row=2, column=2).value == "=cmd/发放.xlsx" and held.cell(row=2, column=2).quotePrefix
    for template, header in (("disbursement", "开户银行"), ("student", "专业")):
        path = one(result.templates[template]).path
        ws = openpyxl.load_workbook(path).worksheets[0]
        column = spec_of(template).headers.index(header) + 1
        cells = [ws.cell(row=r, column=column) for r in range(2, 2 + len(PAYLOADS))]
        assert sorted(c.value for c in cells) == sorted(PAYLOADS)
        assert all(c.data_type == "s" and c.quotePrefix for c in cells)
        calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(spec_of(template).sheet).to_python()
        assert sorted(r[column - 1] for r in calamine[1:]) == sorted(PAYLOADS)
        with zipfile.ZipFile(path) as archive:  # no formula element anywhere
            assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
        text = one(result.templates[template]).provenance_path.read_text(encoding="utf-8-sig")
        assert "'=cmd/" in text and ",=cmd" not in text


def _touch(path: Path, mtime: float) -> None:
    os.utime(path, (mtime, mtime))


def test_resubmission_newest_file_is_used(tmp_path):
    subs = tmp_path / "subs"
    old = write_template(subs / "甲学院", "disbursement", n=4, name="发放.xlsx")
    new = write_template(subs / "甲学院", "disbursement", {"发放金额(元)": "1800"}, n=4, name="发放-修改.xlsx")
    _touch(old, 1_500_000_000)
    _touch(new, 1_500_000_100)
    other = write_template(subs / "乙学院", "disbursement", {"学号": "7777777"}, name="发放.xlsx")
    _touch(other, 1_400_000_000)
    reports = check(subs)
    result = merge_reports(reports, tmp_path / "out", specs=SPECS)
    accounts = {a.path: a for a in result.files}
    assert accounts["甲学院/发放.xlsx"].status == "superseded"
    assert accounts["甲学院/发放.xlsx"].superseded_by == "甲学院/发放-修改.xlsx"
    assert accounts["甲学院/发放.xlsx"].rows_superseded == 4 and accounts["甲学院/发放.xlsx"].rows_merged == 0
    assert accounts["甲学院/发放-修改.xlsx"].rows_merged == 4
    assert accounts["乙学院/发放.xlsx"].status == "merged"
    merged = result.templates["disbursement"]
    assert (merged.rows_read, merged.rows_merged, merged.rows_held_back, merged.rows_superseded) == (9, 5, 0, 4)
    assert result.superseded == ["甲学院/发放.xlsx"]
    provenance = read_provenance(one(merged).provenance_path)
    assert "甲学院/发放.xlsx" not in set(provenance["path"])
    assert "1800" in [r[7] for r in sheet_values(one(merged).path)]
    superseded = result.findings[result.findings["rule"] == "file.superseded"]
    assert superseded["path"].tolist() == ["甲学院/发放.xlsx"] and set(superseded["severity"]) == {"info"}
    assert "发放-修改.xlsx" in superseded["message"].iloc[0]
    old_report = next(r for r in reports if r.display_path == "甲学院/发放.xlsx")
    assert "file.superseded" in set(old_report.findings["rule"]) and old_report.errors == 0
    check_accounting(result)


def test_resubmission_tie_on_mtime_goes_by_name(tmp_path):
    subs = tmp_path / "subs"
    paths = [write_template(subs / "甲学院", "student", n=3, name=name)
             for name in ("学生.xlsx", "学生(2).xlsx", "学生-修改.xlsx")]
    for path in paths:
        _touch(path, 1_500_000_001)
    result = merge_reports(check(subs), tmp_path / "out", specs=SPECS)
    used = [a.path for a in result.files if a.status == "merged"]
    assert used == ["甲学院/学生(2).xlsx"]
    assert sorted(result.superseded) == ["甲学院/学生-修改.xlsx", "甲学院/学生.xlsx"]
    assert sorted(["b.xlsx", "b(3).xlsx", "b-修改.xlsx", "bv2.xlsx"], key=revision_key)[-1] == "b(3).xlsx"


def test_small_correction_file_does_not_supersede_a_large_one(tmp_path):
    subs = tmp_path / "subs"
    big = write_template(subs / "甲学院", "disbursement", n=6, name="发放.xlsx")
    fix = write_template(subs / "甲学院", "disbursement", {"开户银行": "中国农业银行"}, name="发放-更正.xlsx")
    _touch(big, 1_500_000_000)
    _touch(fix, 1_500_000_500)
    result = merge_reports(check(subs), tmp_path / "out", specs=SPECS)
    assert result.superseded == []
    merged = result.templates["disbursement"]
    assert (merged.rows_read, merged.rows_merged, merged.rows_held_back, merged.rows_duplicate) == (7, 6, 1, 1)


def test_the_same_record_from_two_files_is_merged_once(tmp_path):
    subs = tmp_path / "subs"
    write_template(subs / "乙学院", "disbursement", {}, {"学号": "0099999"}, name="发放.xlsx")
    write_template(subs / "甲学院", "disbursement", {"开户银行": "中国银行"}, name="发放.xlsx")
    reports = check(subs)
    result = merge_reports(reports, tmp_path / "out", specs=SPECS)
    merged = result.templates["disbursement"]
    assert (merged.rows_read, merged.rows_merged, merged.rows_held_back, merged.rows_duplicate) == (3, 2, 1, 1)
    found = result.findings[result.findings["rule"] == "merge.duplicate_across_files"]
    assert len(found) == 1
    finding = found.iloc[0]
    assert finding["severity"] == "warning" and finding["path"] == "甲学院/发放.xlsx" and finding["row"] == 2
    assert "乙学院/发放.xlsx" in finding["message"] and "甲学院/发放.xlsx" in finding["message"]
    assert "不一致" in finding["message"]  # 开户银行 differs
    accounts = {a.path: a for a in result.files}
    assert accounts["乙学院/发放.xlsx"].rows_merged == 2 and accounts["甲学院/发放.xlsx"].rows_held_back == 1
    held = sheet_values(one(merged).held_back_path)
    assert held[1][1] == "甲学院/发放.xlsx" and "乙学院/发放.xlsx" in held[1][4]
    jia = next(r for r in reports if r.department == "甲学院")
    assert jia.warnings == 1 and jia.errors == 0


def test_hold_back_files_holds_every_row_of_a_file_with_an_error(tmp_path):
    subs = tmp_path / "subs"
    write_template(subs / "甲学院", "loan", {}, {"贷款金额(元)": "-5"}, {}, name="贷款.xlsx")
    write_template(subs / "乙学院", "loan", {"学号": "0088001", "合同编号": "HT-B-1"}, name="贷款.xlsx")
    reports = check(subs)
    rows_only = merge_reports(reports, tmp_path / "rows", specs=SPECS).templates["loan"]
    whole = merge_reports(reports, tmp_path / "files", hold_back_files=True, specs=SPECS)
    assert (rows_only.rows_merged, rows_only.rows_held_back) == (3, 1)
    loan = whole.templates["loan"]
    assert (loan.rows_read, loan.rows_merged, loan.rows_held_back) == (4, 1, 3)
    accounts = {a.path: a for a in whole.files}
    assert accounts["甲学院/贷款.xlsx"].status == "held_back" and "整个文件暂缓" in accounts["甲学院/贷款.xlsx"].reason
    held = sheet_values(one(loan).held_back_path)
    assert all("整个文件暂缓" in r[4] for r in held[1:])


def test_files_with_file_level_errors_are_held_back_whole(tmp_path):
    subs = tmp_path / "subs"
    rows = rows_for("loan", n=3)
    rows[0][7] = "银行"  # 经办银行 renamed
    write_book(subs / "甲学院" / "改了表头.xlsx", sheets=[Sheet("助学贷款", rows)])
    write_template(subs / "丙学院", "loan", n=2, name="x.xlsx")
    write_book(subs / "甲学院" / "工作表名.xlsx", sheets=[Sheet("Sheet1", rows_for("loan", {"学号": "0077001", "合同编号": "X9"}))])
    write_book(subs / "乙学院" / "不认识.xlsx", sheets=[Sheet("Sheet1", [["甲", "乙"], ["1", "2"]])])
    (subs / "乙学院" / "坏的.xlsx").write_bytes(b"PK\x03\x04 broken")
    result = merge_reports(check(subs), tmp_path / "out", specs=SPECS)
    accounts = {a.path: a for a in result.files}
    assert accounts["甲学院/改了表头.xlsx"].status == "held_back" and accounts["甲学院/改了表头.xlsx"].rows_held_back == 3
    assert "经办银行" in accounts["甲学院/改了表头.xlsx"].reason
    assert accounts["甲学院/工作表名.xlsx"].status == "held_back"
    assert accounts["丙学院/x.xlsx"].rows_merged == 2
    for name in ("乙学院/不认识.xlsx", "乙学院/坏的.xlsx"):
        assert accounts[name].status == "unusable" and accounts[name].template is None
        assert accounts[name].rows_merged == accounts[name].rows_held_back == 0
    loan = result.templates["loan"]
    assert (loan.rows_read, loan.rows_merged, loan.rows_held_back) == (6, 2, 4)
    held = sheet_values(one(loan).held_back_path)
    renamed = [r for r in held[1:] if r[1] == "甲学院/改了表头.xlsx"]
    assert len(renamed) == 3 and renamed[0][5:][7] is None  # no 经办银行 column in that file
    assert set(result.to_record()) == {"loan"}


def test_accounting_is_asserted(tmp_path):
    write_template(tmp_path / "subs" / "甲学院", "loan", n=2, name="贷款.xlsx")
    result = merge_reports(check(tmp_path / "subs"), tmp_path / "out", specs=SPECS)
    result.files[0].rows_merged += 1
    with pytest.raises(AccountingError):
        check_accounting(result)


@pytest.fixture
def small_blank_templates(monkeypatch):
    """Blank templates with 20 prepared rows instead of 2000: the same layout, a fraction of the cells."""
    monkeypatch.setattr(blank_template, "PREPARED_ROWS", 20)


def test_official_xlsx_template_is_filled_below_its_header(tmp_path, small_blank_templates):
    spec = spec_of("student")
    official = write_blank_template(spec, tmp_path / "官方" / "学生基本信息.xlsx")
    write_template(tmp_path / "subs" / "甲学院", "student", n=2, name="学生.xlsx")
    write_template(tmp_path / "subs" / "甲学院", "loan", n=1, name="贷款.xlsx")
    result = merge_reports(check(tmp_path / "subs"), tmp_path / "out", template_file=official, specs=SPECS)
    path = one(result.templates["student"]).path
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == openpyxl.load_workbook(official).sheetnames  # the hidden code sheet travels along
    ws = wb[spec.sheet]
    assert [c.value for c in ws[1]][: len(spec.headers)] == spec.headers
    assert ws["A1"].comment is not None and len(ws.data_validations.dataValidation) > 0
    assert [ws.cell(row=r, column=5).value for r in (2, 3)] == [r[4] for r in rows_for("student", n=2)[1:]]
    assert ws.cell(row=4, column=1).value is None
    assert result.templates["student"].official_template == str(official)
    assert result.templates["loan"].official_template is None


def test_official_xlsm_keeps_its_macros(tmp_path, small_blank_templates):
    spec = spec_of("loan")
    plain = write_blank_template(spec, tmp_path / "loan.xlsx")
    official = make_xlsm(plain, tmp_path / "国家模板.xlsm")
    write_template(tmp_path / "subs" / "甲学院", "loan", n=2, name="贷款.xlsx")
    result = merge_reports(check(tmp_path / "subs"), tmp_path / "out", template_file=official, specs=SPECS)
    merged = result.templates["loan"]
    assert one(merged).path.name == "国家助学贷款_loan.xlsm"
    with zipfile.ZipFile(one(merged).path) as archive:
        assert archive.read("xl/vbaProject.bin") == b"VBA-PROJECT-BYTES" * 64
        assert b"macroEnabled" in archive.read("[Content_Types].xml")
    assert sheet_values(one(merged).path, spec.sheet)[1][0] == "0012345"


def test_official_xls_template_becomes_xlsx_with_a_note(tmp_path):
    spec = spec_of("loan")
    official = write_book(tmp_path / "国家模板.xls", writer="xlwt",
                          sheets=[Sheet(spec.sheet, [spec.headers]), Sheet("说明", [["请勿修改表头"]])])
    write_template(tmp_path / "subs" / "甲学院", "loan", n=2, name="贷款.xlsx")
    result = merge_reports(check(tmp_path / "subs"), tmp_path / "out", template_file=official, specs=SPECS)
    merged = result.templates["loan"]
    assert one(merged).path.suffix == ".xlsx"
    assert openpyxl.load_workbook(one(merged).path).sheetnames == [spec.sheet, "说明"]
    values = sheet_values(one(merged).path, spec.sheet)
    assert values[0] == spec.headers and len(values) == 3
    assert any(".xls" in note and ".xlsx" in note for note in result.notes)


def test_official_template_with_another_header_stops_before_writing(tmp_path):
    spec = spec_of("loan")
    headers = list(spec.headers)
    headers[5], headers[6] = headers[6], headers[5]
    official = write_book(tmp_path / "国家模板.xlsx", sheets=[Sheet(spec.sheet, [headers + ["备注"]])])
    write_template(tmp_path / "subs" / "甲学院", "loan", n=2, name="贷款.xlsx")
    with pytest.raises(OfficialTemplateError) as caught:
        merge_reports(check(tmp_path / "subs"), tmp_path / "out", template_file=official, specs=SPECS)
    message = str(caught.value)
    assert "贷款金额(元)" in message and "备注" in message and "未写入任何文件" in message
    assert not (tmp_path / "out").exists()


def test_cli_merge(tmp_path, capsys):
    subs = tmp_path / "subs"
    write_template(subs / "甲学院", "disbursement", {}, {"身份证件号": "1"}, name="发放.xlsx")
    out = tmp_path / "out" / "import"
    assert main(["merge", str(subs), "--out", str(out), "--as-of", "20180630"]) == 1
    printed = capsys.readouterr().out
    assert "读取 2 行 = 导入 1 + 暂缓 1" in printed
    (subsystem,) = [p.name for p in out.iterdir() if p.is_dir()]
    assert {p.name for p in out.iterdir()} == {subsystem, "merge.json"}
    assert {p.name for p in (out / subsystem).iterdir()} == {
        "资助发放_disbursement.xlsx", "资助发放_disbursement_暂缓导入.xlsx", "资助发放_disbursement_来源记录.csv"}
    for folder in (out / subsystem, out, out.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (out / subsystem).iterdir())
    data = json.loads((out / "merge.json").read_text(encoding="utf-8"))
    assert [p["path"] for p in data["merge"]["disbursement"]["parts"]] == [f"{subsystem}/资助发放_disbursement.xlsx"]
    assert main(["merge", str(subs), "--out", str(tmp_path / "o2"), "--hold-back-files", "--as-of", "20180630"]) == 1
    assert "导入 0 + 暂缓 2" in capsys.readouterr().out
    bad = write_book(tmp_path / "t.xlsx", sheets=[Sheet("资助发放", [spec_of("disbursement").headers[:-1]])])
    assert main(["merge", str(subs), "--out", str(tmp_path / "o3"), "--template-file", str(bad)]) == 2
    assert "开户银行" in capsys.readouterr().err and not (tmp_path / "o3").exists()


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample_data/submissions not generated yet")
def test_sample_submissions_add_up(tmp_path):
    truth_file = SAMPLE.parent / "truth.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else {}
    as_of = dt.datetime.strptime(truth["as_of"], "%Y%m%d").date() if "as_of" in truth else AS_OF
    reports = check_paths([SAMPLE], specs=SPECS, as_of=as_of)
    result = merge_reports(reports, tmp_path / "out", specs=SPECS)
    check_accounting(result)
    if "superseded" in truth:
        assert sorted(result.superseded) == sorted(truth["superseded"])
    assert sum(a.rows_read for a in result.files) == sum(r.rows for r in reports)
    for template, merged in result.templates.items():
        assert merged.rows_read == merged.rows_merged + merged.rows_held_back + merged.rows_superseded
        assert set(merged.parts) <= {"本专科", "研究生"}, template  # the sample's records all have a subsystem
        provenance = pd.concat([read_provenance(p.provenance_path) for p in merged.parts.values()])
        assert len(provenance) == merged.rows_merged
        assert not provenance.duplicated(["path", "source_row"]).any()
        spec = spec_of(template)
        rows = [r for p in merged.parts.values()
                for r in CalamineWorkbook.from_path(str(p.path)).get_sheet_by_name(spec.sheet).to_python()[1:]]
        assert len(rows) == merged.rows_merged
        imported = pd.DataFrame(rows, columns=spec.headers, dtype=object)
        assert all(isinstance(v, str) for v in imported.to_numpy().ravel())
        # Every cell is the normalised value of the source row its provenance line names.
        tables = {r.display_path: r.table.set_index("_row") for r in reports if r.template == template}
        expected = pd.DataFrame([tables[p].loc[int(row)] for p, row in zip(provenance["path"], provenance["source_row"])])
        expected = expected[[c.key for c in spec.columns]].fillna("").astype(str).to_numpy()
        assert (imported.to_numpy() == expected).all()
        if "银行卡号" in spec.headers:
            assert imported["银行卡号"].str.fullmatch(r"\d{16,19}").all()
        for header in (c.header for c in spec.columns if c.type == "date8"):
            assert imported[header].str.fullmatch(r"\d{8}").all()
