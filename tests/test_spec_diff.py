"""``aidtools spec diff``: this year's template against last year's, and a workbook filled on last
year's template recognised as such and told what to change."""
from __future__ import annotations

from pathlib import Path

import yaml

from builders import AS_OF, Sheet, spec_of, valid_loan, write_book, write_template

from aidtools.cli import main
from aidtools.outputs.blank_template import write_blank_template
from aidtools.spec_diff import header_changes, spec_changes
from aidtools.specs import load_specs
from aidtools.validate import check_file

ROOT = Path(__file__).resolve().parents[1]


def this_years_loan_template(tmp_path: Path) -> Path:
    """The loan template with 经办银行 renamed 贷款经办银行, 联系电话 added, and a third 贷款类型."""
    folder = tmp_path / "new-spec"
    (folder / "codes").mkdir(parents=True)
    data = yaml.safe_load((ROOT / "aidtools/data/specs/loan.yaml").read_text(encoding="utf-8"))
    for col in data["columns"]:
        if col["header"] == "经办银行":
            col["header"] = "贷款经办银行"
        if col["header"] == "贷款类型":
            col["table"] = "loan_type_2018"
    data["columns"].append({"header": "联系电话", "key": "mobile", "type": "mobile", "required": False})
    (folder / "loan.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (folder / "codes" / "loan_type_2018.yaml").write_text(yaml.safe_dump({"name": "贷款类型", "entries": [
        {"code": "1", "name": "生源地信用助学贷款"}, {"code": "2", "name": "校园地国家助学贷款"},
        {"code": "3", "name": "预科生助学贷款"}]}, allow_unicode=True), encoding="utf-8")
    return write_blank_template(load_specs([folder])["loan"], tmp_path / "2018年国家助学贷款.xlsx")


EXPECTED = ["第8列“经办银行”改名为“贷款经办银行”", "新增列“联系电话”（第10列）",
            "列“贷款类型”的代码表（下拉列表）有变化：新增“预科生助学贷款”"]


def test_diff_reports_exactly_the_rename_the_addition_and_the_code_list(tmp_path, capsys):
    new = this_years_loan_template(tmp_path)
    old = write_blank_template(spec_of("loan"), tmp_path / "2017年国家助学贷款.xlsx")
    assert main(["spec", "diff", str(old), str(new)]) == 0
    lines = [l.strip()[2:] for l in capsys.readouterr().out.splitlines() if l.strip().startswith("- ")]
    assert lines == EXPECTED
    # the same between a spec id and a spec file written by from-template
    assert main(["spec", "from-template", str(new), "--id", "loan", "--out", str(tmp_path / "specs")]) == 0
    out = capsys.readouterr().out
    assert [l.strip()[2:] for l in out.split("相比的变化：")[1].splitlines() if l.strip().startswith("- ")] == EXPECTED
    assert main(["spec", "diff", "loan", str(tmp_path / "specs" / "loan.yaml")]) == 0
    lines = [l.strip()[2:] for l in capsys.readouterr().out.splitlines() if l.strip().startswith("- ")]
    assert lines == EXPECTED


def test_no_change_is_said(capsys):
    assert main(["spec", "diff", "student", "student"]) == 0
    assert "没有差异" in capsys.readouterr().out


def test_header_changes_tell_renamed_from_moved_added_and_removed():
    old = ["学号", "姓名", "身份证号", "院系", "专业", "班级"]
    new = ["学号", "身份证件号", "姓名", "院系", "班级", "校区"]
    assert [c.message for c in header_changes(old, new)] == [
        "第2列“身份证号”改名为“身份证件号”", "列“身份证件号”从第3列移到第2列", "新增列“校区”（第6列）", "删除列“专业”（原第5列）"]


def test_type_and_requirement_changes():
    old, new = spec_of("loan"), spec_of("loan")
    import copy
    new = copy.deepcopy(new)
    new.columns[5].type, new.columns[7].required = "student_no", False
    assert [c.message for c in spec_changes(old, new)] == ["列“合同编号”的类型由文本改为学号", "列“经办银行”由必填改为选填"]


def test_a_workbook_filled_on_last_years_template_is_told_what_to_change(tmp_path):
    new = this_years_loan_template(tmp_path)
    spec_dir = tmp_path / "specs"
    assert main(["spec", "from-template", str(new), "--id", "loan", "--out", str(spec_dir)]) == 0
    spec = load_specs([spec_dir])["loan"]
    assert spec.previous == {"version": "2017.1", "headers": spec_of("loan").headers, "renamed": {"经办银行": "贷款经办银行"}}
    old_file = write_template(tmp_path / "subs", "loan", {}, name="贷款.xlsx")  # filled on the 2017 template
    report = check_file(old_file, specs=load_specs([spec_dir]), as_of=AS_OF)
    assert report.template == "loan"
    f = report.findings
    last_year = f[f["rule"] == "template.previous_version"]
    assert len(last_year) == 2 and set(f["rule"]) == {"template.previous_version"}
    by_column = dict(zip(last_year["column"].astype(object).where(last_year["column"].notna(), None), last_year["message"]))
    assert set(by_column) == {"H", None}
    assert "上一版模板（版本2017.1）" in by_column["H"]
    assert "把第8列“经办银行”改名为“贷款经办银行”：请把表头改为“贷款经办银行”" in by_column["H"]
    assert "缺少列“联系电话”" in by_column[None]
    # its data is still checked, under this year's names: a bad value in the renamed column is found
    assert report.table is not None and "bank" in report.table.columns
    # a file on this year's template has none of these
    row = dict(valid_loan(), 贷款经办银行="国家开发银行", 联系电话="13912345678")
    del row["经办银行"]
    headers = spec.headers
    this_year = write_book(tmp_path / "subs2" / "x.xlsx", sheets=[Sheet("助学贷款", [headers, [row[h] for h in headers]])])
    checked = check_file(this_year, specs=load_specs([spec_dir]), as_of=AS_OF)
    assert checked.template == "loan" and checked.errors == 0, checked.findings[["rule", "message"]].to_string()
