"""The Arrow route for all-text sheets (aidtools.reading.grid) gives what calamine's rows give.

Which reader a file takes is a matter of speed only: the same cells in the same places, the same
merged ranges, and the same findings and normalised tables from ``check_file``.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from builders import Formula, Sheet, make_id, rows_for, write_book, write_template
from conftest import check

from aidtools.reading import read_file
from aidtools.reading import workbook as reading
from aidtools.reading.xlsx_parts import column_letter

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "submissions"


@pytest.fixture
def rows_route():
    """Read every file as calamine's rows inside the ``with``; the Arrow route again afterwards."""
    class Switch:
        def __enter__(self):
            reading.use_columnar(False)

        def __exit__(self, *exc):
            reading.use_columnar(True)
    yield Switch()
    reading.use_columnar(True)


def calamine_rows(path, sheet):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def calamine_merged(path, sheet):
    found = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).merged_cell_ranges or []
    return [((r0, c0), (r1, c1)) for (r0, c0), (r1, c1) in found]


texts = st.one_of(
    st.sampled_from(["", " ", "  a ", "张三", "a\nb", "x_x000D_y", "&<>\"'", "001", "1e5", "=1+1", "\u3000甲\u200b"]),
    st.text(alphabet=st.sampled_from(list("张三丽 ab01\t\u00a0")), min_size=1, max_size=6),
)
grids = st.lists(st.lists(st.one_of(st.none(), texts), min_size=0, max_size=6), min_size=0, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(rows=grids, writer=st.sampled_from(["openpyxl", "xlsxwriter"]), merge=st.booleans())
def test_all_text_sheets_read_as_calamine_places_them(tmp_path_factory, rows, writer, merge):
    path = tmp_path_factory.mktemp("grid") / "t.xlsx"
    merged = ["B2:C3"] if merge and len(rows) >= 3 and all(len(r) >= 3 for r in rows[:3]) else []
    write_book(path, writer=writer, sheets=[Sheet("表", rows, merged=merged)])
    book = read_file(path)
    sheet = book.sheets["表"]
    expected = calamine_rows(path, "表")
    assert sheet.grid is not None, "an all-text sheet takes the Arrow route"
    assert sheet.head(2) == expected[:2]
    assert sheet.rows == expected
    assert sheet.merged == calamine_merged(path, "表")


@pytest.mark.parametrize("cell", [3, 2.5, dt.date(2020, 1, 2), True, Formula("=1+2", 3)])
def test_a_cell_that_is_not_text_sends_the_file_to_calamine(tmp_path, writer, cell):
    path = write_book(tmp_path / "t.xlsx", [["学号", "金额"], ["001", "x"], ["002", cell]], writer=writer)
    sheet = read_file(path).sheets["Sheet1"]
    assert sheet.grid is None
    assert sheet.rows == calamine_rows(path, "Sheet1")


def test_text_formula_results_and_inline_strings_stay_on_the_arrow_route(tmp_path):
    import xlsxwriter

    path = tmp_path / "inline.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})  # inline strings, row by row
    ws = wb.add_worksheet("S")
    ws.write_string(0, 0, "学号")
    ws.write_string(0, 2, " 姓名 ")
    ws.write_string(3, 1, "a&b")
    ws.write_formula(4, 0, '="x"&"y"', None, "xy")  # a formula with a text result: t="str"
    wb.close()
    sheet = read_file(path).sheets["S"]
    assert sheet.grid is not None
    assert sheet.rows == calamine_rows(path, "S")
    assert sheet.formulas == [(4, 0)]


def test_several_sheets_and_a_hidden_one(tmp_path, writer):
    sheets = [Sheet("说明", [["请用文本格式填写"]]), Sheet("学生", [["学号"], ["001"]], hidden_rows=[2], hidden_cols=["A"])]
    path = write_book(tmp_path / "t.xlsx", writer=writer, sheets=sheets)
    book = read_file(path)
    assert book.sheet_names == ["说明", "学生"]
    assert all(s.grid is not None for s in book.sheets.values())
    assert book.sheets["学生"].rows == calamine_rows(path, "学生")
    assert book.sheets["学生"].hidden_rows == {1} and book.sheets["学生"].hidden_cols == {0}


def _messy_student_rows():
    """Student rows with what departments get wrong, all typed as text."""
    rows = rows_for("student", n=12)
    header, body = rows[0], rows[1:]
    body[1][0] = " " + body[1][0]  # whitespace
    body[2][0] = body[3][0]  # a duplicate 学号
    body[4][2] = make_id()[:-1] + "0"  # a bad check digit
    body[5] = [None] * len(header)  # a blank row in the middle
    body[6][1] = ""  # a required name left empty
    body[7][5] = "2017/9/1"  # a date in another shape
    body.append([None] * len(header) + ["多出来的"])  # content only beyond the template's columns
    return [header] + body


@pytest.mark.parametrize("sheet_options", [{}, {"merged": ["B3:B4"], "hidden_rows": [4], "hidden_cols": ["C"]}])
def test_findings_and_tables_are_the_same_on_both_routes(tmp_path, writer, rows_route, sheet_options):
    rows = _messy_student_rows()
    path = write_book(tmp_path / "学生.xlsx", writer=writer,
                      sheets=[Sheet("学生基本信息", rows, **sheet_options)])
    on_grid = check(path)
    assert read_file(path).sheets["学生基本信息"].grid is not None
    with rows_route:
        assert read_file(path).sheets["学生基本信息"].grid is None
        on_rows = check(path)
    assert on_grid.rows == on_rows.rows == 12
    assert len(on_grid.findings) > 5
    assert on_grid.findings.equals(on_rows.findings)
    assert on_grid.table.equals(on_rows.table)


def test_columns_missing_from_the_sheet_and_headers_only(tmp_path, writer, rows_route):
    header = rows_for("student", n=1)[0]
    short = write_book(tmp_path / "short.xlsx", [header[:5], [f"00{k}" for k in range(5)]], writer=writer,
                       sheet="学生基本信息")
    only = write_template(tmp_path, "student", n=0, writer=writer)
    for path in (short, only):
        on_grid = check(path)
        with rows_route:
            on_rows = check(path)
        assert on_grid.findings.equals(on_rows.findings), path.name
        assert on_grid.rows == on_rows.rows


def test_the_sample_submissions_check_the_same_on_both_routes(tmp_path, rows_route):
    from aidtools.validate import check_paths
    from builders import specs

    folder = tmp_path / "submissions"
    shutil.copytree(SAMPLE, folder)
    on_grid = check_paths([folder], specs=specs())
    with rows_route:
        on_rows = check_paths([folder], specs=specs())
    taken = sum(1 for r in on_grid if r.readable and r.format == "xlsx" and r.template
                and read_file(r.path).sheets[r.sheet].grid is not None)
    assert taken >= 1
    for a, b in zip(on_grid, on_rows):
        assert a.findings.equals(b.findings), a.display_path
        assert (a.table is None and b.table is None) or a.table.equals(b.table), a.display_path


def test_column_letters_beyond_z_are_placed(tmp_path, writer):
    row = [None] * 30 + ["AE列"]
    path = write_book(tmp_path / "wide.xlsx", [["甲"], row], writer=writer)
    sheet = read_file(path).sheets["Sheet1"]
    assert sheet.grid is not None and sheet.rows == calamine_rows(path, "Sheet1")
    assert column_letter(len(sheet.rows[1]) - 1) == "AE"


@pytest.mark.parametrize("rows", [[[None, None, "C1"], [None, None, None, "D2"]], [[None], [None, "B2"]], []])
def test_sheets_that_start_right_of_column_a_or_are_empty(tmp_path, writer, rows):
    path = write_book(tmp_path / "offset.xlsx", rows, writer=writer)
    sheet = read_file(path).sheets["Sheet1"]
    assert sheet.grid is not None
    assert sheet.rows == calamine_rows(path, "Sheet1")


@pytest.fixture
def opened(monkeypatch):
    """The kinds of workbook opens done while reading ("grid": fastexcel, "rows": calamine)."""
    done = []
    for kind, opener in list(reading._Opening._OPENERS.items()):
        def wrapped(path, kind=kind, opener=opener):
            done.append(kind)
            return opener(path)
        monkeypatch.setitem(reading._Opening._OPENERS, kind, wrapped)
    return done


def test_the_workbook_is_opened_once_by_the_reader_its_largest_sheet_needs(tmp_path, opened, rows_route):
    text = write_book(tmp_path / "text.xlsx", [["学号"], ["001"], ["002"]])
    numbers = write_book(tmp_path / "numbers.xlsx", writer="openpyxl", sheets=[
        Sheet("说明", [["只填文本"]]), Sheet("数据", [["金额"]] + [[k if k % 2 else str(k)] for k in range(200)])])
    read_file(text)
    assert opened == ["grid"]
    opened.clear()
    book = read_file(numbers)
    assert opened == ["rows"] and book.sheets["数据"].grid is None
    opened.clear()
    with rows_route:
        read_file(text)
    assert opened == ["rows"]


def test_rich_text_phonetic_runs_escapes_and_a_row_without_position(tmp_path):
    """A hand-written workbook with what spreadsheet programs put in text cells: rich-text runs,
    phonetic guides (not part of the value), preserved spaces, _x000D_ escapes, inline strings, text
    formula results, a row without r= (the next row)."""
    import zipfile

    from hostile import _MINIMAL, _SHEET_HEAD

    parts = dict(_MINIMAL)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        "</Relationships>", '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'count="4" uniqueCount="4"><si><t>学号</t></si><si><r><t>张</t></r><r><rPr><b/></rPr><t xml:space="preserve"> 三 </t>'
        '</r><rPh sb="0" eb="1"><t>ジャン</t></rPh></si><si><t>a_x000D_b_x000a_c</t></si><si><t xml:space="preserve">'
        '  </t></si></sst>')
    sheet = (_SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><r><t>'
             b'\xe5\xa7\x93</t></r><r><t>\xe5\x90\x8d</t></r></is></c></row><row><c r="A2" t="s"><v>1</v></c><c r="B2" '
             b't="s"><v>2</v></c><c r="C2" t="str"><f>"x"&amp;"y"</f><v>xy</v></c></row><row r="5"><c r="B5" t="s"><v>3</v></c>'
             b'<c r="D5" t="inlineStr"><is><t>&lt;&amp;&gt;</t></is></c></row></sheetData></worksheet>')
    path = tmp_path / "runs.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    got = read_file(path).sheets["学生基本信息"]
    assert got.grid is not None
    assert got.rows == calamine_rows(path, "学生基本信息")
    assert got.rows[1][:3] == ["张 三 ", "a\rb\nc", "xy"]


numbers = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False, width=64),
                    st.sampled_from([0, 4, 0.1, 1e20, 123456789012345678]))
column_kinds = st.sampled_from(["text", "number", "mixed", "date"])


@st.composite
def typed_sheets(draw):
    """A header row of text, then columns each of one kind (or mixed, or dates), some cells empty."""
    width = draw(st.integers(1, 5))
    kinds = [draw(column_kinds) for _ in range(width)]
    header = [draw(st.one_of(st.none(), st.sampled_from(["学号", "姓名", " 金额 ", "a_1", "x"]))) for _ in range(width)]
    height = draw(st.integers(0, 7))
    cells = {"text": texts, "number": numbers, "mixed": st.one_of(texts, numbers),
             "date": st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1))}
    body = [[draw(st.one_of(st.none(), cells[kinds[j]])) for j in range(width)] for _ in range(height)]
    return [header] + body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(rows=typed_sheets(), writer=st.sampled_from(["openpyxl", "xlsxwriter"]))
def test_sheets_with_number_columns_read_as_calamine_places_them(tmp_path_factory, rows, writer):
    path = tmp_path_factory.mktemp("typed") / "t.xlsx"
    write_book(path, writer=writer, sheets=[Sheet("表", rows)])
    sheet = read_file(path).sheets["表"]
    expected = calamine_rows(path, "表")
    assert sheet.head(1) == expected[:1]
    assert sheet.rows == expected
    body = [[v for v in column if v is not None] for column in zip(*rows[1:])] if len(rows) > 1 else []
    kinds = [{type(v) in (int, float) for v in column} for column in body]
    one_kind = all(len(k) <= 1 for k in kinds) and not any(isinstance(v, dt.date) for c in body for v in c)
    header_text = any(v is not None for v in rows[0])
    names = [v for v in rows[0] if v is not None]
    unambiguous = len(set(names)) == len(names) and not ("a_1" in names and "a" in names)
    starts_in_a = any(row[0] not in (None, "") for row in rows)  # the Arrow route reads sheets from column A
    if one_kind and header_text and unambiguous and starts_in_a:
        assert sheet.grid is not None, "text in row 1 and one kind per column: the Arrow route"
    if not one_kind:
        assert sheet.grid is None


def test_typed_student_sheet_checks_the_same_on_both_routes(tmp_path, writer, rows_route):
    rows = _messy_student_rows()
    for row in rows[1:]:
        if row[13:14] and row[13] is not None:
            row[13] = 4  # 学制 typed as a number in every row
    path = write_book(tmp_path / "学生.xlsx", writer=writer, sheets=[Sheet("学生基本信息", rows)])
    assert read_file(path).sheets["学生基本信息"].grid is not None
    on_grid = check(path)
    with rows_route:
        on_rows = check(path)
    assert on_grid.findings.equals(on_rows.findings)
    assert on_grid.table.equals(on_rows.table)


def _kinds(xml: bytes):
    from aidtools.reading.extents import Extents

    extents = Extents()
    extents.feed(xml)
    return extents.text_only, extents.kinds


@pytest.mark.parametrize("row2, text_cols, number_cols, styles, typed", [
    # t= last (as spreadsheet programs write it), t= first, pretty-printed with spaces between tags
    (b'<c r="A2" s="1" t="s"><v>0</v></c><c r="B2" s="7"><v>4</v></c>', {0}, {1}, {7}, True),
    (b'<c r="A2" t="s" s="1"><v>0</v></c><c r="B2" t="n" s="3"><v>4</v></c>', {0}, {1}, {3}, True),
    (b'<c r="A2" t="inlineStr">\n  <is><t>x</t></is></c>\n<c r="B2">\n <v>4</v></c>', {0}, {1}, {0}, True),
    (b'<c r="A2" t="str"><f>1</f><v>x</v></c><c r="B2" t="s"><v>1</v></c>', {0, 1}, set(), set(), True),
    # a column with both, a boolean, an error
    (b'<c r="A2" t="s"><v>0</v></c><c r="A3"><v>4</v></c>', {0}, {0}, {0}, False),
    (b'<c r="A2" t="b"><v>1</v></c>', set(), set(), set(), False),
    (b'<c r="A2" s="1" t="e"><v>#N/A</v></c>', set(), set(), set(), False),
])
def test_the_scan_tells_text_columns_from_number_columns(row2, text_cols, number_cols, styles, typed):
    xml = b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2">' + row2 + b"</row>"
    text_only, kinds = _kinds(xml)
    assert not text_only or not number_cols
    assert (kinds.text_cols, kinds.number_cols) == (text_cols, number_cols)
    assert kinds.number_styles == styles
    assert kinds.typed_columns is typed


def test_a_number_in_row_1_or_cells_without_r_keep_a_sheet_off_the_typed_route():
    _, kinds = _kinds(b'<row r="1"><c r="A1"><v>2017</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>')
    assert kinds.header_other and not kinds.typed_columns
    _, kinds = _kinds(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row><row><c><v>1</v></c></row>')
    assert kinds.unknown and not kinds.typed_columns


def test_number_columns_take_the_arrow_route_and_dates_go_to_calamine_without_a_wasted_read(tmp_path, opened):
    typed = write_book(tmp_path / "typed.xlsx", [["学号", "学制"]] + [[f"{k:03d}", 4] for k in range(50)])
    dated = write_book(tmp_path / "dated.xlsx", [["学号", "出生日期"]] + [[f"{k:03d}", dt.date(2000, 1, 2)] for k in range(50)])
    book = read_file(typed)
    assert book.sheets["Sheet1"].grid is not None and opened == ["grid"]
    assert book.sheets["Sheet1"].rows == calamine_rows(typed, "Sheet1")
    opened.clear()
    book = read_file(dated)
    assert book.sheets["Sheet1"].grid is None and opened == ["rows"]
    assert book.sheets["Sheet1"].rows[1][1] == dt.date(2000, 1, 2)
