"""Any text reaches every writer and every file still gets written: feedback, import, held-back,
report.xlsx, report.json, provenance CSV and table workbooks take arbitrary Unicode (every C0 and C1
control, lone surrogates, U+FFFE/U+FFFF, Excel-escape look-alikes, 32,767+ characters) in cell values,
messages, field names, file and department names, and what python-calamine (as Excel) reads back
is exactly :func:`aidtools.writing.cells.safe_text` of what was written.

The report a writer gets is a real one (a workbook checked by the package), with the arbitrary text
put where a hostile file would put it; a property test (hypothesis, bounded examples) drives it.

Lone surrogates go through the cell, table, CSV and report.json writers directly. The texts of a
checked file cannot hold one (python-calamine gives UTF-8, CSV text is decoded strictly, and a file
name that was not UTF-8 is made readable where it is read: ``test_names_that_are_not_utf8``), so the
pipeline test draws every other code point.
"""
from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from builders import AS_OF, rows_for, spec_of, specs, write_template

from aidtools import findings as F
from aidtools.merging import merge_reports
from aidtools.merging.provenance import read_provenance
from aidtools.outputs.excel_report import write_excel_report
from aidtools.outputs.feedback import ISSUES_SHEET, write_all_feedback
from aidtools.outputs.tables import write_table_workbook
from aidtools.report import load_report, write_report
from aidtools.steps import Batch, Options, report as run_report
from aidtools.validate import check_file
from aidtools.writing.cells import CELL_LIMIT, CUT_MARK, UNSAFE_RE, cell_text, csv_safe, safe_sheet_title, safe_text

CONTROLS = [chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]]
ODD = ["\ufffe", "\uffff", "_x0007_", "_x0041_", "_x005F_x0000_", "\r\n"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]


def texts(pieces):
    short = st.lists(pieces, min_size=1, max_size=30).map("".join)
    # Now and then longer than a cell may hold: a short text repeated past 32,767 characters.
    return st.one_of(short, short, short, short.map(lambda t: (t * (CELL_LIMIT // len(t) + 2))[: CELL_LIMIT + 500]))


ANY_TEXT = texts(st.one_of(st.sampled_from(CONTROLS + ODD + SURROGATES), st.characters(exclude_categories=())))
READ_TEXT = texts(st.one_of(st.sampled_from(CONTROLS + ODD), st.characters(exclude_categories=("Cs",))))
HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large,
          HealthCheck.large_base_example]
FAST = settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=HEALTH)
SLOW = settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=HEALTH)


def as_excel_reads(text: str) -> str:
    """What a reader of the XML sees of a written text: line ends normalised (XML turns \\r\\n and \\r into
    \\n), and a text of whitespace alone is blank (openpyxl writes it without ``xml:space="preserve"``)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.strip(" \t\n") else ""


def shows(read, text: str, exact: bool = False) -> bool:
    """``read`` (a cell as calamine read it) shows :func:`safe_text` of ``text``: all of it, or, cut to fit a
    cell, the start of it followed by :data:`CUT_MARK`. ``exact``: as written, carriage returns and
    whitespace included (the import and held-back workbooks, :mod:`aidtools.writing.xlsx_writer`),
    not only as a reader of openpyxl's XML sees it (:func:`as_excel_reads`)."""
    expected = safe_text(text) if exact else as_excel_reads(safe_text(text))
    if read == expected:
        return True
    return (isinstance(read, str) and read.endswith(CUT_MARK) and len(read) <= CELL_LIMIT
            and expected.startswith(read[: -len(CUT_MARK)]))


def calamine_cells(path: Path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def strings_of(cells: dict[str, list[list]]) -> list[str]:
    return [v for rows in cells.values() for row in rows for v in row if isinstance(v, str)]


def assert_all_safe(path: Path) -> dict[str, list[list]]:
    """The workbook opens with openpyxl and calamine, and no cell holds an unsafe character."""
    openpyxl.load_workbook(path)
    cells = calamine_cells(path)
    assert not [v for v in strings_of(cells) if UNSAFE_RE.search(v) or len(v) > CELL_LIMIT]
    return cells


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A real checked student workbook: row 2 valid, row 3 with an error (so rows are held back too)."""
    folder = tmp_path_factory.mktemp("safe") / "文学院"
    folder.mkdir()
    path = write_template(folder, "student", {}, {"性别": "未知"}, name="学生.xlsx")
    return check_file(path, root=folder.parent, specs=specs(), as_of=AS_OF)


def hostile_copy(report, text: str):
    """``report`` with ``text`` wherever a hostile file could put text: values, a finding's message, field
    and value, the display path and department."""
    r = copy.copy(report)
    r.table = report.table.copy()
    texts = pd.Series([text] * len(r.table), index=r.table.index, dtype=object)  # object: Arrow strings cannot
    r.table["name"] = texts                                                       # hold a lone surrogate
    r.table["major"] = texts
    finding = F.Finding(rule="cell.whitespace", severity="warning", message=text, path=text, sheet=report.sheet, row=2,
                        column="C", field=text, value=text)
    r.findings = F.concat([report.findings, F.to_frame([finding])])
    r.findings["path"] = pd.Series([text] * len(r.findings), index=r.findings.index, dtype=object)
    r.display_path, r.department = text, text
    return r


def test_safe_text_replaces_visibly_and_cuts():
    assert safe_text("王\x07五\x00") == "王␇五␀"
    assert safe_text("a\ud800b\uffff") == "a\ufffdb\ufffd"
    assert safe_text("tab\tnew\nline\r") == "tab\tnew\nline\r"
    assert safe_text("\x85 C1 stays") == "\x85 C1 stays"  # legal in XML 1.0 and in a worksheet
    long = safe_text("长" * 40_000)
    assert len(long) == CELL_LIMIT and long.endswith(CUT_MARK)
    assert safe_sheet_title("学生[1]:\x07/") == "学生_1__␇_" and len(safe_sheet_title("表" * 50)) == 31


@FAST
@given(text=ANY_TEXT)
def test_cells_tables_csv_and_report_json_take_any_text(text, tmp_path):
    frame = pd.DataFrame([[text, text], [3, text], [None, "=1+1"]], columns=pd.Index([text, "b"], dtype=object),
                         dtype=object)
    out = write_table_workbook({text: frame, "第二": frame}, tmp_path / "t.xlsx")
    cells = assert_all_safe(out)
    first = cells[safe_sheet_title(text)]
    assert shows(first[0][0], text) and shows(first[1][0], text) and shows(first[1][1], text)
    assert as_excel_reads(openpyxl.load_workbook(out)[safe_sheet_title(text)]["A2"].value or "") == as_excel_reads(
        cell_text(text))
    assert csv_safe(text) in (safe_text(text), "'" + safe_text(text))
    report = run_report(Batch(reports=[], options=Options(specs=specs(), as_of=AS_OF)), "run")
    report.notes.append(text)
    assert load_report(write_report(report, tmp_path / "report.json")).notes == [text]


@SLOW
@given(text=READ_TEXT)
def test_feedback_import_held_back_provenance_and_reports_take_any_text(text, checked, tmp_path):
    hostile = hostile_copy(checked, text)

    [feedback] = write_all_feedback([hostile], tmp_path / "feedback")
    assert feedback is not None and not (hostile.findings["rule"] == "write.failed").any()
    cells = assert_all_safe(feedback)
    assert any(shows(v, text) for row in cells[ISSUES_SHEET] for v in row)  # the finding's field, message, value

    result = merge_reports([hostile], tmp_path / "import", specs=specs(), annotate=False)
    part = result.templates["student"].parts["本专科"]
    imported = assert_all_safe(part.path)[spec_of("student").sheet]
    assert shows(imported[spec_of("student").first_data_row - 1][2], text, exact=True)  # 姓名 of the merged row
    held = assert_all_safe(part.held_back_path)["暂缓导入"]
    assert shows(held[1][0], text, exact=True) and shows(held[1][1], text, exact=True)  # 部门, 来源文件
    provenance = read_provenance(part.provenance_path)
    assert provenance["path"].iloc[0] in (safe_text(text), "'" + safe_text(text))

    report = run_report(Batch(reports=[hostile], options=Options(specs=specs(), as_of=AS_OF)), "run", merged=result,
                        out=tmp_path)
    assert_all_safe(write_excel_report(report, tmp_path / "report.xlsx"))
    back = load_report(write_report(report, tmp_path / "report.json"))
    assert back.files[0].path == text  # report.json keeps the text itself (JSON escapes what it must)
    json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
