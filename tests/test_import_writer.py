"""The fast text-workbook writer behind the import and held-back workbooks
(:mod:`aidtools.writing.xlsx_writer`): what openpyxl and python-calamine read back from a real merge,
the parts of the package, and awkward text read back exactly."""
from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pandas as pd
import pytest
from builders import AS_OF, luhn, make_id, spec_of, write_template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from aidtools.merging import merge_reports
from aidtools.merging.held_back import HELD_BACK_SHEET, REASONS_WIDTH, SOURCE_COLUMNS
from aidtools.merging.import_workbook import column_width
from aidtools.specs import load_specs
from aidtools.validate import check_paths
from aidtools.writing.cells import CELL_LIMIT, CUT_MARK, cell_text, safe_text
from aidtools.writing.xlsx_writer import TextSheet, write_text_workbook

SPECS = load_specs()
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1", "\r=1"]


def merged(tmp_path, *changes):
    """Merge one disbursement file whose rows are the valid ones changed by ``changes``; (import, held back)."""
    write_template(tmp_path / "subs" / "甲学院", "disbursement", *changes, name="发放.xlsx")
    result = merge_reports(check_paths([str(tmp_path / "subs")], specs=SPECS, as_of=AS_OF), tmp_path / "out",
                           specs=SPECS)
    (part,) = result.templates["disbursement"].parts.values()
    return part.path, part.held_back_path


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """An import and a held-back workbook with IDs, cards, leading zeros, formulas, controls and blanks (a
    control character and a blank required cell are errors: those rows are held back)."""
    tmp = tmp_path_factory.mktemp("merge")
    changes = [{"学号": "0000007", "银行卡号": luhn("621700000000000001"), "开户银行": FORMULAS[0]},
               {"学号": "0000008", "开户银行": "中国\x07银行"},
               {"学号": "0000010", "开户银行": None},
               {"学号": "0000011", "身份证件号": "123", "开户银行": FORMULAS[2]}]  # an error: held back
    changes += [{"学号": f"001{k}", "开户银行": p, "身份证件号": make_id(order=700 + k)} for k, p in enumerate(FORMULAS[1:4])]
    return merged(tmp, *changes)


def test_import_workbook_read_back_by_openpyxl(outputs):
    path, _ = outputs
    spec = spec_of("disbursement")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [spec.sheet]
    ws = wb[spec.sheet]
    header = list(ws.iter_rows(min_row=spec.header_row, max_row=spec.header_row))[0]
    assert [c.value for c in header] == spec.headers
    assert all(c.font.b and c.number_format == "@" for c in header)
    assert ws.freeze_panes == f"A{spec.first_data_row}"
    for j, h in enumerate(spec.headers, start=1):
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width == column_width(h)
    rows = list(ws.iter_rows(min_row=spec.first_data_row))
    assert len(rows) == 4 and all(len(r) == len(spec.headers) for r in rows)
    cells = [c for r in rows for c in r]
    assert all(c.number_format == "@" for c in cells)  # blanks too
    assert all(c.data_type == "s" and isinstance(c.value, str) for c in cells)
    bank = spec.headers.index("开户银行")
    values = {r[spec.headers.index("学号")].value: r for r in rows}
    assert values["0000007"][spec.headers.index("银行卡号")].value == luhn("621700000000000001")
    for row in rows:
        cell = row[bank]
        assert cell.quotePrefix == (cell.value in FORMULAS), cell.value
    assert sorted(r[bank].value for r in rows if r[bank].quotePrefix) == sorted([FORMULAS[0], *FORMULAS[1:4]])
    assert all(len(r[spec.headers.index("身份证件号")].value) == 18 for r in rows)


def test_import_workbook_read_back_by_calamine(outputs):
    path, _ = outputs
    spec = spec_of("disbursement")
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == [spec.sheet]
    rows = book.get_sheet_by_name(spec.sheet).to_python()
    assert rows[0] == spec.headers and len(rows) == 5
    assert all(isinstance(v, str) for r in rows for v in r)  # text cells only (blanks "")
    by_number = {r[spec.headers.index("学号")]: r for r in rows[1:]}
    bank = spec.headers.index("开户银行")
    assert sorted(r[bank] for r in rows[1:] if r[bank][:1] in "=+-@") == sorted([FORMULAS[0], *FORMULAS[1:4]])
    assert all(re.fullmatch(r"\d{17}[\dX]", r[spec.headers.index("身份证件号")]) for r in rows[1:])
    assert all(re.fullmatch(r"\d{7}|\d{4}", r[spec.headers.index("学号")]) for r in rows[1:])


def test_held_back_workbook_read_back(outputs):
    _, held = outputs
    spec = spec_of("disbursement")
    assert stat.S_IMODE(held.stat().st_mode) == 0o600
    ws = openpyxl.load_workbook(held)[HELD_BACK_SHEET]
    headers = list(SOURCE_COLUMNS.values()) + spec.headers
    assert [c.value for c in ws[1]] == headers and all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    reasons = list(SOURCE_COLUMNS).index("reasons") + 1
    letter = openpyxl.utils.get_column_letter(reasons)
    assert ws.column_dimensions[letter].width == REASONS_WIDTH
    assert ws.column_dimensions["A"].width == column_width("部门")
    rows = list(ws.iter_rows(min_row=2))
    assert [r[headers.index("行号")].value for r in rows] == ["3", "4", "5"]
    for row in rows:
        assert row[reasons - 1].alignment.wrap_text and row[reasons - 1].alignment.vertical == "top"
        assert not row[0].alignment.wrap_text and not row[0].quotePrefix
        assert all(c.number_format == "@" and (c.value is None or c.data_type == "s") for c in row)
    bank = headers.index("开户银行")
    control, blank, formula = (r[bank] for r in rows)
    assert control.value == "中国␇银行" and not control.quotePrefix
    assert blank.value is None and blank.number_format == "@"  # a blank cell, still text-formatted
    assert formula.value == FORMULAS[2] and formula.quotePrefix and rows[2][headers.index("身份证件号")].value == "123"
    calamine = CalamineWorkbook.from_path(str(held)).get_sheet_by_name(HELD_BACK_SHEET).to_python()
    assert calamine[0] == headers
    assert [r[bank] for r in calamine[1:]] == ["中国␇银行", "", FORMULAS[2]]
    assert "U+0007" in calamine[1][reasons - 1] and "身份证件号" in calamine[3][reasons - 1]


def test_the_parts_make_a_valid_package(outputs):
    path, held = outputs
    for workbook in (path, held):
        with zipfile.ZipFile(workbook) as z:
            assert z.testzip() is None
            parts = {name: ET.fromstring(z.read(name)) for name in z.namelist()}  # every part well-formed XML
        types = parts["[Content_Types].xml"]
        overrides = {o.get("PartName").lstrip("/") for o in types if o.tag.endswith("Override")}
        assert overrides == {n for n in parts if n.endswith(".xml") and n != "[Content_Types].xml"}
        for rels_name in ("_rels/.rels", "xl/_rels/workbook.xml.rels"):
            base = rels_name.split("_rels/")[0]
            for rel in parts[rels_name]:
                assert base + rel.get("Target") in parts
        xfs = parts["xl/styles.xml"].find(f"{MAIN}cellXfs")
        assert int(xfs.get("count")) == len(xfs) == 7
        assert all(xf.get("numFmtId") == "49" for xf in list(xfs)[1:])
        assert {xf.get("quotePrefix") for xf in xfs} == {None, "1"}
        assert any(xf.find(f"{MAIN}alignment") is not None and xf.find(f"{MAIN}alignment").get("wrapText") == "1"
                   for xf in xfs)
        sheet = parts["xl/worksheets/sheet1.xml"]
        assert [child.tag[len(MAIN):] for child in sheet] == ["dimension", "sheetViews", "sheetFormatPr", "cols",
                                                              "sheetData", "pageMargins"]
        pane = sheet.find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
        assert pane.get("state") == "frozen" and pane.get("ySplit") == "1" and pane.get("topLeftCell") == "A2"
        rows = sheet.findall(f"{MAIN}sheetData/{MAIN}row")
        last = rows[-1].findall(f"{MAIN}c")[-1].get("r")
        assert sheet.find(f"{MAIN}dimension").get("ref") == f"A1:{last}"
        assert all(c.get("t") in ("s", None) and c.get("s") for r in rows for c in r)
        sst = parts["xl/sharedStrings.xml"]
        assert int(sst.get("uniqueCount")) == len(sst)


AWKWARD = st.sampled_from(["&", "<", ">", '"', "'", "&amp;", "]]>", " ", "  ", "\t", "\n", "\r", "\r\n", "=", "+", "-",
                           "@", "_x0041_", "_x005F_", "_x000D_", "_x", "张", "三", "𠀀", "😀", "\x07", "\x00", "\x1f",
                           "\ud800", "\udfff", "\ufffe", "\uffff", "\u2028", "\x85", "0", "00123", "1e5"])
TEXT = st.lists(AWKWARD | st.characters(), max_size=8).map("".join)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.none() | TEXT, st.none() | TEXT), min_size=0, max_size=6), TEXT)
def test_awkward_text_reads_back_as_given(tmp_path, pairs, header):
    frame = pd.DataFrame(pairs, columns=["a", "b"], dtype=object)
    headers = ["列" + header, "第二列"]
    path = write_text_workbook([TextSheet("表&<'>", headers, frame)], tmp_path / "t.xlsx")
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["表&<'>"]
    rows = book.get_sheet_by_name("表&<'>").to_python(skip_empty_area=False)
    expected = [[safe_text(h) for h in headers]] + [["" if v is None else safe_text(v) for v in row] for row in pairs]
    while len(expected) > 1 and pairs[len(expected) - 2] == (None, None):
        expected.pop()  # calamine ends the sheet at its last value: blank cells below it are formatting only
    assert rows == expected
    ws = openpyxl.load_workbook(path)["表&<'>"]
    cells = list(ws.iter_rows(min_row=2, max_col=2))
    assert len(cells) == len(pairs)
    for row, given_row in zip(cells, pairs):
        for cell, value in zip(row, given_row):
            assert cell.number_format == "@"
            if value is None:
                assert cell.value is None
            else:  # openpyxl's shared-string reader undoes the escapes its own way: it drops every "x005F_"
                assert (cell.value or "") == cell_text(value).replace("x005F_", "") and cell.data_type == "s"
                assert bool(cell.quotePrefix) == cell_text(value).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_long_text_is_cut_with_the_mark_and_ids_stay_digits(tmp_path):
    long = "长" * (CELL_LIMIT + 10)
    escapes = "_x0041_" * 6000  # the stored escapes would make it too long for a cell: cut first
    frame = pd.DataFrame({"a": [long, "110101199003070011", "6217000000000000017"], "b": [escapes, "007", None]})
    path = write_text_workbook([TextSheet("S", ["a", "b"], frame)], tmp_path / "t.xlsx")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert len(rows[1][0]) == CELL_LIMIT and rows[1][0].endswith(CUT_MARK)
    assert rows[2] == ["110101199003070011", "007"] and rows[3] == ["6217000000000000017", ""]
    assert openpyxl.load_workbook(path)["S"]["B2"].value == rows[1][1]
    with zipfile.ZipFile(path) as z:
        stored = [si.find(f"{MAIN}t").text for si in ET.fromstring(z.read("xl/sharedStrings.xml"))]
    assert cell_text(escapes) in stored and max(len(t) for t in stored) == CELL_LIMIT


def test_several_sheets_empty_ones_and_layout_options(tmp_path):
    first = TextSheet("一", ["甲", "乙"], pd.DataFrame({"x": ["1", None], "y": [None, None]}), header_row=3,
                      first_row=5, widths=[12, 70], wrapped=frozenset({1}))
    empty = TextSheet("二", ["丙"], pd.DataFrame({"x": pd.Series([], dtype=object)}))
    path = write_text_workbook([first, empty], tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["一", "二"]
    ws = wb["一"]
    assert ws.freeze_panes == "A5" and [c.value for c in ws[3]] == ["甲", "乙"]
    assert ws["A5"].value == "1" and ws["B5"].alignment.wrap_text and ws["B6"].number_format == "@"
    assert ws.column_dimensions["B"].width == 70 and ws.max_row == 6
    assert [c.value for c in wb["二"][1]] == ["丙"] and wb["二"].max_row == 1
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("一").to_python(skip_empty_area=False)
    assert rows[2] == ["甲", "乙"] and rows[4] == ["1", ""]
    with pytest.raises(ValueError):
        write_text_workbook([first, first], tmp_path / "dup.xlsx")
    with pytest.raises(ValueError):
        TextSheet("x", ["a"], pd.DataFrame({"a": ["1"], "b": ["2"]}))


def test_the_same_sheets_give_the_same_bytes(tmp_path):
    frame = pd.DataFrame({"a": ["=1", "x", None], "b": ["张三", "x", "y"]})
    one = write_text_workbook([TextSheet("S", ["a", "b"], frame)], tmp_path / "1.xlsx").read_bytes()
    two = write_text_workbook([TextSheet("S", ["a", "b"], frame.copy())], tmp_path / "2.xlsx").read_bytes()
    assert one == two


def test_values_that_are_not_text_are_written_as_text(tmp_path):
    frame = pd.DataFrame({"a": [12, "x", None, float("nan")], "b": ["\ud800", 3.5, True, "ok"]}, dtype=object)
    path = write_text_workbook([TextSheet("S", ["a", "b"], frame)], tmp_path / "t.xlsx")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert rows[1:] == [["12", "\ufffd"], ["x", "3.5"], ["", "True"], ["", "ok"]]  # NaN is blank, like None
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["A2"].data_type == "s" and ws["A2"].value == "12" and ws["A4"].value is None
    with pytest.raises(ValueError):
        TextSheet("S", [], pd.DataFrame())
