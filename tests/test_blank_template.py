"""``aidtools template ID OUT.xlsx``: text-formatted data cells, drop-downs on code columns, a note on
every header, the official colour convention, and a template that passes once filled with a valid row."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from builders import VALID, spec_of
from conftest import check, found

from aidtools.codetables import load_code_tables
from aidtools.outputs.blank_template import write_blank_template

ROOT = Path(__file__).resolve().parents[1]


def _run(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "aidtools", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


@pytest.fixture(scope="module")
def student_template(tmp_path_factory):
    out = tmp_path_factory.mktemp("blank") / "空白模板.xlsx"
    result = _run("template", "student", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def student_book(student_template):
    return load_workbook(student_template)


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    """template id -> a blank template written once by the Python API."""
    cache = {}

    def get(template: str) -> Path:
        if template not in cache:
            cache[template] = write_blank_template(spec_of(template), tmp_path_factory.mktemp("api") / f"{template}.xlsx")
        return cache[template]

    return get


def _validations(ws) -> dict[str, str]:
    """Column letter -> list formula of every list data validation on the sheet."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        for rng in str(dv.sqref).split():
            out[rng.split(":")[0].rstrip("0123456789")] = dv.formula1
    return out


def test_cli_writes_the_template(student_book):
    wb = student_book
    spec = spec_of("student")
    ws = wb[spec.sheet]
    assert wb.sheetnames[0] == spec.sheet
    assert [c.value for c in ws[1]][: len(spec.headers)] == spec.headers


def test_data_cells_are_text(student_book):
    ws = student_book["学生基本信息"]
    for column in range(1, len(spec_of("student").headers) + 1):
        for row in (2, 3, 500, 2001):
            assert ws.cell(row=row, column=column).number_format == "@", (row, column)


def test_code_columns_have_drop_downs(student_book):
    wb = student_book
    spec = spec_of("student")
    validations = _validations(wb[spec.sheet])
    code_letters = {chr(65 + i) for i, c in enumerate(spec.columns) if c.type == "code"}
    assert set(validations) == code_letters
    codes = wb["代码表"]
    tables = load_code_tables()
    for i, col in enumerate(spec.columns):
        if col.type != "code":
            continue
        # The list points at the hidden code sheet; the cells there are the table's names, in order.
        ref = validations[chr(65 + i)].split("!")[1].replace("$", "")
        values = [c.value for row in codes[ref] for c in row]
        assert values == tables[col.table].names, col.header
    assert codes.sheet_state == "hidden"


def test_every_header_has_a_note(student_book):
    ws = student_book["学生基本信息"]
    spec = spec_of("student")
    for i, col in enumerate(spec.columns, start=1):
        comment = ws.cell(row=1, column=i).comment
        assert comment is not None and comment.text, col.header
    assert "必填" in ws["B1"].comment.text and "文本" in ws["B1"].comment.text
    assert "选填" in ws["I1"].comment.text


def test_colour_convention(blank, student_book):
    ws = load_workbook(blank("disbursement"))["资助发放"]
    required, conditional = ws["A1"], ws["G1"]  # 学号, 资助档次
    assert required.fill.fgColor.rgb.endswith("D9D9D9") and required.font.color.rgb.endswith("C00000")
    assert conditional.fill.fill_type is None and conditional.font.color.rgb.endswith("C00000")
    assert "资助项目" in conditional.comment.text
    optional = student_book["学生基本信息"]["I1"]  # 政治面貌
    assert optional.fill.fill_type is None and optional.font.color.rgb.endswith("000000")


def _fill(path: Path, template: str, rows: int = 2) -> Path:
    """Type valid rows into the blank template, as text, the way a filler would."""
    spec = spec_of(template)
    wb = load_workbook(path)
    ws = wb[spec.sheet]
    for k in range(rows):
        values = VALID[template](k)
        for i, header in enumerate(spec.headers, start=1):
            if values[header] is not None:
                ws.cell(row=spec.first_data_row + k, column=i).value = values[header]
    wb.save(path)
    return path


def test_filled_student_template_passes(student_template, tmp_path):
    filled = tmp_path / "已填写.xlsx"
    filled.write_bytes(student_template.read_bytes())
    report = check(_fill(filled, "student"))
    assert (report.template, report.sheet, report.rows, found(report)) == ("student", "学生基本信息", 2, [])
    assert report.passed


@pytest.mark.parametrize("template", [t for t in VALID if t != "student"])
def test_every_template_filled_passes(template, blank, tmp_path):
    path = tmp_path / f"{template}.xlsx"
    path.write_bytes(blank(template).read_bytes())
    report = check(_fill(path, template))
    assert (report.template, report.rows, found(report)) == (template, 2, [])


def test_blank_template_is_recognised_and_empty(student_template):
    report = check(student_template)
    assert report.template == "student" and found(report) == [("template.empty", "error", None, None)]


def test_unknown_template_id(tmp_path):
    result = _run("template", "nonsense", tmp_path / "x.xlsx")
    assert result.returncode == 2 and "student" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()
