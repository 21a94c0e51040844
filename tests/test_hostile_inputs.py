"""Hostile and broken submissions (the corpus of tests/hostile.py): every file gives a clear Chinese
finding that names it, in bounded memory, never a crash, and the batch goes on to check the valid
files around it.

Memory is measured, not timed: each file is read in a child process of its own and the child's peak
resident size (``os.wait4``) must stay under 1 GiB. Without the reader's checks, calamine alone
takes 1 GB for the zip bomb, 5 GB for two cells at A1 and ZZ200000, and aborts the whole process
(uncatchable) for ``uniqueCount="4000000000"`` or an .xls cell record at row 60000, column 60000.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hostile
from builders import Sheet, rows_for, spec_of, write_book
from hostile import BUILDERS, FORMULA_PAYLOADS, Case, build_corpus

from aidtools.reading import Limits, UnreadableFile, read_file
from aidtools.reading.biff import scan_biff
from aidtools.reading.cfb import minimal_cfb, read_stream, stream_names
from aidtools.reading.extents import Extents, exact_extents
from aidtools.reading.xlsx_parts import scan_sheet
from aidtools.validate import check_file

ROOT = Path(__file__).resolve().parents[1]
PEAK_LIMIT = 1024**3
NAMES = [build.__name__ for build in BUILDERS]

# Reads each file given on the command line in a forked child (imports paid once), and prints per
# file: how the child ended, its peak RSS, and what read_file made of the file.
_HARNESS = r"""
import json, os, sys
from aidtools.reading import read_file, UnreadableFile
for path in sys.argv[1:]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            book = read_file(path)
            out = {"ok": True, "format": book.format, "macros": book.has_macros, "sheets": book.sheet_names}
        except UnreadableFile as exc:
            out = {"ok": False, "reason": exc.reason, "message": exc.message}
        os.write(w, json.dumps(out, ensure_ascii=False).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    _, status, usage = os.wait4(pid, 0)
    print(json.dumps({"path": os.path.basename(path), "status": status, "peak_kb": usage.ru_maxrss,
                      "result": json.loads(data or b"null")}, ensure_ascii=False), flush=True)
"""


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, Case]]:
    folder = tmp_path_factory.mktemp("hostile") / "各院系提交"
    cases = build_corpus(folder)
    return folder, dict(zip(NAMES, cases))


@pytest.fixture(scope="module")
def reads(corpus) -> dict[str, dict]:
    """read_file on every corpus file, each in a child process with its peak memory."""
    folder, cases = corpus
    paths = [str(folder / c.name) for c in cases.values()]
    run = subprocess.run([sys.executable, "-c", _HARNESS, *paths], env=_env(), capture_output=True, text=True,
                         encoding="utf-8", timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return {line["path"]: line for line in lines}


@pytest.fixture(scope="module")
def checked(corpus, tmp_path_factory):
    """``python -m aidtools check FOLDER --json out.json`` as a user runs it."""
    folder, _ = corpus
    out = tmp_path_factory.mktemp("report") / "out.json"
    run = subprocess.run([sys.executable, "-m", "aidtools", "check", str(folder), "--json", str(out),
                          "--as-of", "20180630"], cwd=ROOT, env=_env(), capture_output=True, text=True,
                         encoding="utf-8", timeout=600)
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return run, report


def _file(report: dict, name: str) -> dict:
    matches = [f for f in report["files"] if Path(f["path"]).name == name]
    assert len(matches) == 1, f"{name} missing from the report"
    return matches[0]


def test_check_exits_1_and_never_crashes(checked, corpus):
    run, report = checked
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert report is not None
    folder, cases = corpus
    assert {Path(f["path"]).name for f in report["files"]} == {c.name for c in cases.values()}


@pytest.mark.parametrize("builder", NAMES)
def test_each_file_gets_its_finding(builder, corpus, checked):
    _, cases = corpus
    case = cases[builder]
    entry = _file(checked[1], case.name)
    rules = [f["rule"] for f in entry["findings"]]
    if case.reason:
        unreadable = [f for f in entry["findings"] if f["rule"] == "file.unreadable"]
        assert len(unreadable) == 1, rules
        message = unreadable[0]["message"]
        assert case.name in message, message  # names the file
        assert "请" in message, message  # and says what to do
        assert entry["template"] is None
    else:
        assert entry["template"] == case.template, (case.name, rules)
        assert "file.unreadable" not in rules
        if case.rule:
            assert case.rule in rules, (case.name, rules)


@pytest.mark.parametrize("builder", NAMES)
def test_each_file_read_in_bounded_memory(builder, corpus, reads):
    _, cases = corpus
    case = cases[builder]
    line = reads[case.name]
    assert os.WIFEXITED(line["status"]) and os.WEXITSTATUS(line["status"]) == 0, f"{case.name}: child died {line}"
    assert line["peak_kb"] * 1024 < PEAK_LIMIT, f"{case.name}: peak {line['peak_kb'] // 1024} MB"
    result = line["result"]
    if case.reason:
        assert result == {"ok": False, "reason": case.reason, "message": result["message"]}, result
    else:
        assert result["ok"], result


def test_valid_files_in_the_batch_are_still_checked(checked):
    report = checked[1]
    assert _file(report, "GBK.csv")["template"] == "student"
    assert _file(report, "BOM.csv")["template"] == "student"
    extra = _file(report, "多工作表.xlsx")
    assert extra["template"] == "student" and extra["sheet"] == "学生基本信息"
    macro = _file(report, "带宏.xlsm")
    assert macro["template"] == "student" and macro["format"] == "xlsm"
    for name in ("GBK.csv", "BOM.csv", "多工作表.xlsx", "带宏.xlsm", "公式注入.xlsx", "声称巨大.xlsx"):
        assert _file(report, name)["errors"] == 0, _file(report, name)["findings"]


def test_macros_are_seen(corpus):
    folder, _ = corpus
    book = read_file(folder / "带宏.xlsm")
    assert book.format == "xlsm" and book.has_macros


def test_formula_payloads_stay_text(corpus):
    folder, cases = corpus
    report = check_file(folder / cases["formula_payloads"].name)
    assert report.template == "student" and report.errors == 0
    keys = {c.header: c.key for c in spec_of("student").columns}
    for header, payload in FORMULA_PAYLOADS.items():
        value = report.table[keys[header]].iloc[0]
        assert value == payload and isinstance(value, str)


def test_invisible_characters_are_warnings_and_removed(corpus):
    folder, _ = corpus
    report = check_file(folder / "不可见字符.xlsx")
    whitespace = report.findings[report.findings["rule"] == "cell.whitespace"]
    assert set(whitespace["severity"]) == {"warning"} and list(whitespace["row"]) == [2, 3]
    assert list(report.table["name"].iloc[:2]) == ["李四", "王五"]


def test_one_megabyte_cell_is_cut_and_reported(corpus):
    folder, _ = corpus
    report = check_file(folder / "超长单元格.xlsx")
    lengths = report.findings[report.findings["rule"] == "cell.length"]
    assert len(lengths) >= 1 and set(lengths["row"]) == {2}
    assert report.table["college"].iloc[0] is None  # rejected, not carried into the import file


# ---- the limits, from the command line --------------------------------------------------------

def _aidtools(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aidtools", *map(str, args)], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def test_max_rows_option(tmp_path):
    write_book(tmp_path / "学生.xlsx", writer="xlsxwriter", sheets=[Sheet("学生基本信息", rows_for("student", n=5))])
    run = _aidtools("check", tmp_path, "--max-rows", "3", "--json", tmp_path / "r.json")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    finding = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["files"][0]["findings"][0]
    assert finding["rule"] == "file.unreadable" and "学生.xlsx" in finding["message"] and "--max-rows" in finding["message"]
    assert len(read_file(tmp_path / "学生.xlsx", Limits(max_rows=5)).sheets["学生基本信息"].rows) == 6


def test_max_uncompressed_option(tmp_path):
    rows = rows_for("student", n=400)
    rows = rows[:1] + rows[1:] * 4  # 1,600 rows, over 1 MB once unzipped
    write_book(tmp_path / "学生.xlsx", writer="xlsxwriter", sheets=[Sheet("学生基本信息", rows)])
    uncompressed = sum(i.file_size for i in zipfile.ZipFile(tmp_path / "学生.xlsx").infolist())
    assert 1024**2 < uncompressed < 10 * 1024**2
    run = _aidtools("check", tmp_path, "--max-uncompressed-mb", "1", "--json", tmp_path / "r.json")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    finding = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["files"][0]["findings"][0]
    assert finding["rule"] == "file.unreadable" and "--max-uncompressed-mb" in finding["message"]
    with pytest.raises(UnreadableFile) as refused:
        read_file(tmp_path / "学生.xlsx", Limits(max_uncompressed_bytes=uncompressed - 1))
    assert refused.value.reason == "bomb"
    assert read_file(tmp_path / "学生.xlsx", Limits(max_uncompressed_bytes=uncompressed)).sheet_names == ["学生基本信息"]


def test_cell_budget_grows_with_the_sheet(tmp_path):
    """A small grid budget refuses a far cell but never a dense sheet of the same size."""
    dense = write_book(tmp_path / "dense.xlsx", writer="xlsxwriter",
                       sheets=[Sheet("学生基本信息", rows_for("student", n=200))])
    assert read_file(dense, Limits(max_cells=10)).sheets["学生基本信息"].rows
    with pytest.raises(UnreadableFile) as refused:
        read_file(hostile.rewrite_zip(dense.read_bytes(), tmp_path / "far.xlsx", edits={
            "xl/worksheets/sheet1.xml": lambda xml: xml.replace(
                b"</sheetData>", b'<row r="90000"><c r="ZZ90000"><v>1</v></c></row></sheetData>')}))
    assert refused.value.reason == "too_large" and "90000 行 × 702 列" in refused.value.message


# ---- what the reader parses itself ------------------------------------------------------------

def test_defusedxml_guards_xml():
    import openpyxl
    assert openpyxl.DEFUSEDXML is True
    forbidden = ("xml.etree", "xml.dom", "pyexpat", "lxml", "xml.sax.make_parser", "xml.sax.parse", "expatbuilder")
    for source in (ROOT / "aidtools").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        for name in forbidden:
            assert name not in text, f"{source.relative_to(ROOT)} uses {name}: parse XML with defusedxml"


_SHEETS = {
    "canonical": b'<row r="1"><c r="A1" t="n"><v>0</v></c><c r="C1"><v>2</v></c></row><row r="7"><c r="B7"><v>1</v></c></row>',
    "implicit rows": b"<row/><row/><row><c><v>1</v></c></row>",
    "implicit cells": b'<row r="3"><c><v>1</v></c><c><v>1</v></c><c r="F3"><v>1</v></c><c><v>1</v></c></row>',
    "formatting only": b'<row r="1"><c r="A1"><v>1</v></c></row><row r="900" s="3" customFormat="1"><c r="XFD900" s="3"/></row>',
    "cell beyond its row": b'<row r="1"><c r="B40"><v>1</v></c></row>',
    "r not first": b'<row r="1"><c t="n" r="D7"><v>1</v></c></row>',
    "lower-case ref": b'<row r="1"><c r="c9"><v>1</v></c></row>',
    "empty element": b'<row r="1"><c r="A1"><v>1</v></c><c r="Z5"></c></row>',
}


def _sheet_zip(path: Path, body: bytes, prefix: str = "") -> Path:
    head = hostile._SHEET_HEAD
    if prefix:
        head = head.replace(b"<worksheet xmlns=", f"<{prefix}:worksheet xmlns:{prefix}=".encode())
        body = body.replace(b"<row", f"<{prefix}:row".encode()).replace(b"</row", f"</{prefix}:row".encode())
        body = body.replace(b"<c", f"<{prefix}:c".encode()).replace(b"</c", f"</{prefix}:c".encode())
        body = body.replace(b"<v>", f"<{prefix}:v>".encode()).replace(b"</v>", f"</{prefix}:v>".encode())
        tail = f"</{prefix}:sheetData></{prefix}:worksheet>".encode()
        body = f"<{prefix}:sheetData>".encode() + body + tail
    else:
        body = b"<sheetData>" + body + b"</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in hostile._MINIMAL.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", head + body)
    return path


@pytest.mark.parametrize("prefix", ["", "x"])
@pytest.mark.parametrize("label", list(_SHEETS))
def test_extents_bound_calamines_grid(label, prefix, tmp_path):
    """The reader's grid size is never below calamine's own (so a budget check is sound)."""
    from python_calamine import CalamineWorkbook
    path = _sheet_zip(tmp_path / "s.xlsx", _SHEETS[label], prefix)
    with zipfile.ZipFile(path) as z:
        scan = scan_sheet(z, z.getinfo("xl/worksheets/sheet1.xml"), path.name)
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    rows, columns = len(grid), max((len(r) for r in grid), default=0)
    assert scan.rows >= rows and scan.columns >= columns, (scan, rows, columns)
    if label in ("canonical", "formatting only", "cell beyond its row", "r not first", "lower-case ref"):
        assert (scan.rows, scan.columns) == (rows, columns)


@pytest.mark.parametrize("label", list(_SHEETS))
def test_threaded_scan_equals_serial_scan(label, monkeypatch, tmp_path):
    """Inflating on a helper thread and measuring pieces on two threads (what large sheets get)
    finds the same grid, formulas and hidden rows and columns as the serial scan, in tiny pieces."""
    from aidtools.reading import xlsx_parts
    path = _sheet_zip(tmp_path / "s.xlsx", _SHEETS[label], "")
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        monkeypatch.setattr(xlsx_parts, "_CHUNK", 64)
        monkeypatch.setattr(xlsx_parts, "THREADED_BYTES", 10**12)
        serial = scan_sheet(z, info, path.name)
        monkeypatch.setattr(xlsx_parts, "THREADED_BYTES", 0)
        monkeypatch.setattr(xlsx_parts, "_SCAN_WORKERS", 2)
        threaded = scan_sheet(z, info, path.name)
    assert threaded == serial


def test_prefetched_passes_errors_and_stops_early():
    from aidtools.reading.xlsx_parts import prefetched

    def items(fail_at=None):
        for k in range(50):
            if k == fail_at:
                raise UnreadableFile("x.xlsx：坏了", "corrupt")
            yield k

    assert list(prefetched(items())) == list(range(50))
    got = []
    with pytest.raises(UnreadableFile):
        for k in prefetched(items(fail_at=7)):
            got.append(k)
    assert got == list(range(7))
    before = threading.active_count()
    for k in prefetched(items()):
        if k == 3:
            break  # the consumer stops: the helper thread must end too
    assert threading.active_count() == before


def test_many_wide_hidden_column_ranges(tmp_path):
    """A sheet repeating <col min="1" max="16384" hidden="1"/> 20,000 times (and one with a
    100-digit max): the hidden columns are Excel's 16,384, found without 20,000 set updates of 16,384."""
    from aidtools.reading.biff import scan_biff

    cols = b'<cols>' + b'<col min="1" max="16384" hidden="1"/>' * 20_000 + b'<col min="2" max="' + b"9" * 100 + b'" hidden="1"/></cols>'
    body = b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    path = tmp_path / "cols.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in hostile._MINIMAL.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", hostile._SHEET_HEAD + cols + body)
    with zipfile.ZipFile(path) as z:
        scan = scan_sheet(z, z.getinfo("xl/worksheets/sheet1.xml"), path.name)
    assert scan.hidden_cols == set(range(16_384))
    # The same in an .xls stream: BOUNDSHEET, then a sheet with 20,000 hiding COLINFO records.
    rec = lambda kind, body: struct.pack("<HH", kind, len(body)) + body  # noqa: E731
    globals_ = rec(0x0809, b"\0" * 16) + rec(0x0085, struct.pack("<IBBBB", 0, 0, 0, 1, 0) + b"S") + rec(0x000A, b"")
    offset = len(globals_)
    globals_ = rec(0x0809, b"\0" * 16) + rec(0x0085, struct.pack("<IBBBB", offset, 0, 0, 1, 0) + b"S") + rec(0x000A, b"")
    sheet = rec(0x0809, b"\0" * 16) + rec(0x007D, struct.pack("<HHHHH", 0, 65535, 0, 0, 1)) * 20_000 + rec(0x000A, b"")
    assert scan_biff(globals_ + sheet).structure(["S"])["S"][2] == set(range(16_384))


def test_biff_walk_stops_at_a_cut_off_record():
    """A last record whose length runs past the end of the stream (a truncated .xls) ends the walk
    instead of raising struct.error out of the reader."""
    from aidtools.reading.biff import scan_biff

    rec = lambda kind, body: struct.pack("<HH", kind, len(body)) + body  # noqa: E731
    head = rec(0x0809, b"\0" * 16) + rec(0x0203, struct.pack("<HHHd", 4, 2, 0, 1.5))
    for cut in (struct.pack("<HH", 0x0085, 10) + b"\x01\x02", struct.pack("<HH", 0x0203, 14) + b"\x01\x02"):
        assert scan_biff(head + cut).grids == [(5, 3)]


def test_fast_and_exact_extents_agree():
    import io
    body = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c><c r="%s%d"><v>1</v></c></row>'
                    % (r, r, col, r) for r, col in [(1, b"B"), (2, b"AB"), (1000, b"C"), (70000, b"ZZ"), (70001, b"Q")])
    xml = hostile._SHEET_HEAD + b"<sheetData>" + body + b"</sheetData></worksheet>"
    fast = Extents()
    start = 0  # pieces cut before a '<', as the reader feeds them
    while start < len(xml):
        stop = xml.find(b"<", start + 200)
        stop = len(xml) if stop < 0 else stop
        fast.feed(xml[start:stop])
        start = stop
    assert not fast.odd
    assert (fast.rows, fast.columns) == exact_extents(io.BytesIO(xml)) == (70001, 702)


_LETTERS = st.sampled_from([None, "", "A", "b", "Z", "z", "AB", "xfd", "XFD", "ABCD", "ABCDEFGHIJ", "A1B", "@", "[", "`", "{", "é"])
_DIGITS = st.sampled_from(["", "1", "2", "9", "0", "01", "10", "1048576", "99999999", "123456789", "123456789012",
                           "1234567890123456", "7 ", "1x"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, 300), st.lists(st.tuples(_LETTERS, _DIGITS, st.booleans()), min_size=1, max_size=4)),
                min_size=1, max_size=6))
def test_fast_extents_are_exact_or_odd(rows):
    """Whatever a cell's ``r=`` holds, the vectorised measure either finds the grid the real parser
    finds (up to "beyond every limit") or hands the part to the real parser (odd); and it counts the
    cells of row 1 that pick the reader."""
    import io
    def cell(letters, digits, value):
        if letters is None:  # no r=: the next column
            return b"<c><v>1</v></c>" if value else b"<c/>"
        return b'<c r="' + (letters + digits).encode() + (b'"><v>1</v></c>' if value else b'"/>')
    body = b"".join(b'<row r="%d">' % r + b"".join(cell(*c) for c in cells) + b"</row>" for r, cells in rows)
    fast = Extents()
    fast.feed(b"<sheetData>" + body + b"</sheetData>")
    canonical = all(letters is not None and letters.isascii() and letters.isalpha() and len(letters) <= 3 and digits.isdigit() and digits[0] != "0"
                    and len(digits) <= 8 for _, cells in rows for letters, digits, _ in cells)
    if canonical:
        assert not fast.odd
    if not fast.odd:
        xml = hostile._SHEET_HEAD + b"<sheetData>" + body + b"</sheetData></worksheet>"
        rows_exact, columns_exact = exact_extents(io.BytesIO(xml))
        # Cells without r= are placed differently by the two bounds (both above calamine's grid:
        # test_extents_bound_calamines_grid); with r= on every cell they agree.
        if all(c[0] is not None for _, cells in rows for c in cells):
            assert min(fast.rows, 10**7) == min(rows_exact, 10**7)
            assert min(fast.columns, 16_385) == min(columns_exact, 16_385)
        if not fast.kinds.unknown:  # cells with content in row 1, as placed by their r=
            placed = [(letters, digits) for _, cells in rows for letters, digits, value in cells if value]
            assert fast.kinds.header_cells == sum(digits == "1" for _, digits in placed)


def test_biff_walk_matches_calamine(tmp_path):
    from python_calamine import CalamineWorkbook
    path = write_book(tmp_path / "s.xls", writer="xlwt", sheets=[
        Sheet("说明", [["请填写"]]), Sheet("学生基本信息", rows_for("student", n=4))])
    scan = scan_biff(read_stream(path.read_bytes(), "Workbook"))
    book = CalamineWorkbook.from_path(str(path))
    grids = []
    for name in book.sheet_names:
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        grids.append((len(grid), max(len(r) for r in grid)))
    assert scan.grids == grids and not scan.encrypted


def test_hand_built_encrypted_container(tmp_path):
    """Without msoffcrypto-tool: an OLE2 file holding EncryptionInfo and EncryptedPackage."""
    data = minimal_cfb({"EncryptionInfo": struct.pack("<HHI", 4, 4, 0x40), "EncryptedPackage": b"\0" * 5000})
    assert stream_names(data) == {"EncryptionInfo", "EncryptedPackage"}
    (tmp_path / "加密.xlsx").write_bytes(data)
    with pytest.raises(UnreadableFile) as refused:
        read_file(tmp_path / "加密.xlsx")
    assert refused.value.reason == "encrypted" and "加密.xlsx" in refused.value.message


def test_real_encryption_is_recognised(tmp_path):
    msoffcrypto = pytest.importorskip("msoffcrypto")
    case = hostile.encrypted(tmp_path)
    assert case.note == "msoffcrypto-tool"
    assert msoffcrypto.OfficeFile(open(tmp_path / case.name, "rb")).is_encrypted()
    with pytest.raises(UnreadableFile) as refused:
        read_file(tmp_path / case.name)
    assert refused.value.reason == "encrypted"


def test_what_calamine_itself_does_with_the_harmless_two(corpus):
    """Recorded so that a calamine upgrade that changes them is noticed: it does not expand entities
    (it stops at the unknown reference) and it ignores a <dimension> claim. The reader refuses the
    first anyway and reads the second normally."""
    from python_calamine import CalamineWorkbook
    folder, _ = corpus
    with pytest.raises(Exception, match="entity"):
        CalamineWorkbook.from_path(str(folder / "XML炸弹.xlsx")).get_sheet_by_index(0).to_python()
    grid = CalamineWorkbook.from_path(str(folder / "声称巨大.xlsx")).get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert len(grid) == 4 and len(grid[0]) == len(spec_of("student").headers)


# ---- right diagnoses, without the libraries' own words ---------------------------------------

_INTERNALS = ("Error", "Exception", "Calamine", "calamine", "Cfb", "BadZip", "zipfile", "openpyxl", "Traceback",
              "not found", "Unrecognized", "Invalid OLE")


def test_no_message_carries_library_text(checked):
    report = checked[1]
    for entry in report["files"]:
        for finding in entry["findings"]:
            leaked = [word for word in _INTERNALS if word in finding["message"]]
            assert not leaked, (entry["path"], finding["message"])


def test_xlsb_fixture_holds_the_rows_it_was_written_from(corpus):
    folder, _ = corpus
    book = read_file(folder / "二进制.xlsb")
    assert book.format == "xlsb"
    rows = book.sheets["学生基本信息"].rows
    assert [[("" if v is None else str(v)) for v in row] for row in rows] == \
        [[("" if v is None else str(v)) for v in row] for row in rows_for("student", n=3)]


@pytest.mark.parametrize("name", ["LibreOffice.ods", "反斜杠.xlsx", "最小包.xlsx", "缺关系.xlsx", "Unicode文本.txt",
                                  "制表符.tsv", "Unicode文本.csv"])
def test_other_writers_read_the_same_cells(name, corpus):
    """Each of these holds the rows of rows_for("student"): the cells come out as the text written."""
    folder, _ = corpus
    report = check_file(folder / name)
    assert report.template == "student" and report.errors == 0, report.findings.to_dict("records")
    names = list(report.table["name"])
    assert names and names == [row[2] for row in rows_for("student", n=len(names))[1:]]
    assert list(report.table["id_no"]) == [row[4] for row in rows_for("student", n=len(names))[1:]]


def test_a_file_that_cannot_be_opened_is_told_in_chinese(tmp_path):
    """The operating system's own (English) text stays out of the message: gone, or a folder where a file was."""
    import re

    from aidtools.reading import UnreadableFile

    for path, why in ((tmp_path / "已删除.xlsx", "文件不存在或已被移走"), (tmp_path, "这是文件夹")):
        with pytest.raises(UnreadableFile) as caught:
            read_file(path)
        assert caught.value.reason == "io" and why in caught.value.message
        assert not re.search(r"[A-Za-z]{4,}", caught.value.message.replace(path.name, "")), caught.value.message
