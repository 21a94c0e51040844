"""Import-workbook writers compared on the frames a real merge hands them (benchmarks/writers.md).

    PYTHONPATH=. python benchmarks/writers.py SUBMISSIONS [--only NAME ...]

Checks and reconciles SUBMISSIONS (e.g. the ``aidtools sample --students 30000 --seed 7`` folder),
catches the frames the merge gives ``write_import_workbook`` and ``write_held_back``, then writes
them all with each writer and prints the seconds. Each writer's files are read back with openpyxl
and python-calamine (:func:`lost_properties`, on a small frame of awkward text) so that a fast
writer that loses a property shows it.

- ``openpyxl``: the product before (openpyxl cells, :func:`aidtools.writing.cells.write_text`);
- ``openpyxl_write_only``: openpyxl ``write_only=True`` with one styled ``WriteOnlyCell`` per value;
- ``xlsxwriter``: XlsxWriter ``constant_memory`` (inline strings), ``write_string``/``write_blank``;
- ``rustpy``: rustpy-xlsxwriter, the whole frame in one call (per-column formats only);
- ``vectorised``: :mod:`aidtools.writing.xlsx_writer`, the product now.
"""
from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from aidtools.merging import held_back as HB
from aidtools.writing.cells import cell_text, is_formula_like, safe_text

WRAP_WIDTH = HB.REASONS_WIDTH


def width_of(header: str) -> int:
    return max(10, min(40, len(header.encode("gbk", "replace")) + 4))


def layouts(calls):
    """(kind, sheet, headers, header_row, first_row, frame, wrap column or None, name) per caught call: the
    layout :mod:`aidtools.merging.import_workbook` and :mod:`~aidtools.merging.held_back` give the writer."""
    for kind, spec, frame, name in calls:
        if kind == "import":
            yield kind, spec.sheet, spec.headers, spec.header_row, spec.first_data_row, frame[spec.headers], None, name
        else:
            headers = list(HB.SOURCE_COLUMNS.values()) + spec.headers
            body = frame[list(HB.SOURCE_COLUMNS) + spec.headers].copy()
            body["source_row"] = body["source_row"].astype(str)
            body.columns = headers
            yield kind, HB.HELD_BACK_SHEET, headers, 1, 2, body, list(HB.SOURCE_COLUMNS).index("reasons"), name


def write_openpyxl_write_only(sheet, headers, header_row, first_row, frame, wrap, path):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for c, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(c)].width = WRAP_WIDTH if wrap == c - 1 else width_of(header)
    ws.freeze_panes = f"A{first_row}"
    bold, wrap_style = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def cell(value, header=False, wrapped=False):
        c = WriteOnlyCell(ws)
        if value is not None:
            c.value = cell_text(value)
            c.data_type = "s"
            if is_formula_like(c.value):
                c.quotePrefix = True
        c.number_format = "@"
        if header:
            c.font = bold
        if wrapped:
            c.alignment = wrap_style
        return c

    for _ in range(header_row - 1):
        ws.append([])
    ws.append([cell(h, header=True) for h in headers])
    for _ in range(first_row - header_row - 1):
        ws.append([])
    for values in frame.itertuples(index=False, name=None):
        ws.append([cell(v, wrapped=j == wrap) for j, v in enumerate(values)])
    wb.save(path)


def write_xlsxwriter(sheet, headers, header_row, first_row, frame, wrap, path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(sheet)
    text = wb.add_format({"num_format": "@"})
    quoted = wb.add_format({"num_format": "@", "quote_prefix": True})
    head = wb.add_format({"num_format": "@", "bold": True})
    wrapped = wb.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
    for c, header in enumerate(headers):
        ws.set_column(c, c, WRAP_WIDTH if wrap == c else width_of(header))
    ws.freeze_panes(first_row - 1, 0)
    for c, header in enumerate(headers):
        ws.write_string(header_row - 1, c, safe_text(header), head)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=first_row - 1):
        for c, value in enumerate(values):
            plain = wrapped if c == wrap else text
            if value is None:
                ws.write_blank(r, c, None, plain)
            else:
                value = safe_text(value)  # xlsxwriter escapes _xHHHH_ itself
                ws.write_string(r, c, value, quoted if is_formula_like(value) else plain)
    wb.close()


def write_rustpy(sheet, headers, header_row, first_row, frame, wrap, path):
    import rustpy_xlsxwriter as rx

    text = rx.Format().set_num_format("@")
    formats = [rx.Format().set_num_format("@").set_text_wrap().set_align("top") if j == wrap else text
               for j in range(len(headers))]
    # It escapes _xHHHH_ itself (as xlsxwriter does): safe_text, not cell_text. No per-cell format, so no
    # quotePrefix; blanks are not written at all (only the column carries "@").
    body = frame.map(lambda v: None if v is None else safe_text(v))
    rx.write_worksheet(body, str(path), sheet_name=sheet, freeze_row=first_row - 1, bold_headers=True,
                       column_widths=[WRAP_WIDTH if j == wrap else width_of(h) for j, h in enumerate(headers)],
                       column_formats=formats, header_row=header_row - 1)


def write_openpyxl(sheet, headers, header_row, first_row, frame, wrap, path):
    """The product before: an openpyxl workbook, every cell through write_text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from aidtools.writing.cells import WRAP, write_text

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for c, header in enumerate(headers, start=1):
        write_text(ws, header_row, c, header).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = WRAP_WIDTH if wrap == c - 1 else width_of(header)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=first_row):
        for c, value in enumerate(values, start=1):
            cell = write_text(ws, r, c, value)
            if wrap == c - 1:
                cell.alignment = WRAP
    ws.freeze_panes = ws.cell(row=first_row, column=1)
    wb.save(path)


def write_vectorised(sheet, headers, header_row, first_row, frame, wrap, path):
    """The product now."""
    from aidtools.writing.xlsx_writer import TextSheet, write_text_workbook

    widths = [WRAP_WIDTH if wrap == j else width_of(h) for j, h in enumerate(headers)]
    write_text_workbook([TextSheet(sheet, headers, frame, header_row=header_row, first_row=first_row, widths=widths,
                                   wrapped=frozenset() if wrap is None else frozenset({wrap}))], path)


AWKWARD = pd.DataFrame({"学号": ["0012", None, "=HYPERLINK(\"x\")", "-2+3", "@SUM(1)"],
                        "姓名": ["张三 ", "a&<b>\"'", "王\x07五", "_x0041_", "\r\n换行"],
                        "理由": ["【错误】x\n第二行", None, "y", "z", "<r>w</r>"]}, dtype=object)


def lost_properties(writer) -> list[str]:
    """Write :data:`AWKWARD` with ``writer``, read it back: the properties of an import workbook it loses."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    headers = list(AWKWARD.columns)
    path = Path(tempfile.mkdtemp()) / "awkward.xlsx"
    writer("表", headers, 1, 2, AWKWARD, 2, path)
    lost = []
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").to_python()
    expected = [headers] + [["" if v is None else safe_text(v) for v in r] for r in AWKWARD.itertuples(index=False)]
    if rows != expected:
        lost.append("values (calamine): " + "; ".join(f"{a!r}≠{b!r}" for ra, rb in zip(rows, expected)
                                                      for a, b in zip(ra, rb) if a != b))
    ws = openpyxl.load_workbook(path)["表"]
    data = [c for r in ws.iter_rows(min_row=2, max_row=1 + len(AWKWARD), max_col=3) for c in r]
    if any(c.number_format != "@" for c in data if c.value is None) or ws["A3"].number_format != "@":
        lost.append("'@' on blank cells")
    if any(c.number_format != "@" for c in data if c.value is not None):
        lost.append("'@' on text cells")
    formula_like = [is_formula_like(v) for r in AWKWARD.itertuples(index=False) for v in r]
    if not all(c.quotePrefix for c, f in zip(data, formula_like) if f):
        lost.append("quotePrefix on formula-like text")
    if any(c.quotePrefix for c, f in zip(data, formula_like) if not f):
        lost.append("quotePrefix only where needed")
    if any(c.data_type != "s" for c in data if c.value is not None):
        lost.append("string cells")
    if not all(c.font.b for c in ws[1]):
        lost.append("bold header")
    if ws.freeze_panes != "A2":
        lost.append("frozen pane")
    if not ws["C2"].alignment.wrap_text or ws["C2"].alignment.vertical != "top":
        lost.append("wrapped reasons")
    return lost


WRITERS = {"vectorised": write_vectorised, "rustpy": write_rustpy, "xlsxwriter": write_xlsxwriter,
           "openpyxl_write_only": write_openpyxl_write_only, "openpyxl": write_openpyxl}


def caught_calls(submissions):
    """Check, reconcile and merge ``submissions`` once, keeping what the two writers are given."""
    from aidtools import steps
    import aidtools.merging.merge as M

    calls = []
    real_import, real_held = M.write_import_workbook, M.write_held_back

    def catch_import(spec, rows, target, official=None):
        calls.append(("import", spec, rows.copy(), Path(target).name))
        return real_import(spec, rows, target, official)

    def catch_held(spec, held, target):
        calls.append(("held", spec, held.copy(), Path(target).name))
        return real_held(spec, held, target)

    batch = steps.check([submissions], steps.Options())
    reconciliation = steps.reconcile(batch)
    M.write_import_workbook, M.write_held_back = catch_import, catch_held
    out = Path(tempfile.mkdtemp())
    try:
        start = time.perf_counter()
        steps.merge(batch, out, reconciliation)
        merge_seconds = time.perf_counter() - start
    finally:
        M.write_import_workbook, M.write_held_back = real_import, real_held
        shutil.rmtree(out, ignore_errors=True)
    return batch, reconciliation, calls, merge_seconds


def time_writer(name, calls, out: Path):
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for i, layout in enumerate(layouts(calls)):
        (_, sheet, headers, header_row, first_row, body, wrap, file_name) = layout
        WRITERS[name](sheet, headers, header_row, first_row, body, wrap, out / f"{i:02d}-{file_name}")
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("submissions")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)
    _, _, calls, merge_seconds = caught_calls(args.submissions)
    cells = sum(frame.shape[0] * frame.shape[1] for _, _, frame, _ in calls)
    print(f"merge step as it is: {merge_seconds:.2f} s; {len(calls)} workbooks, {cells:,} cells")
    names = args.only or list(WRITERS)
    for name in names:
        if name == "rustpy" and importlib.util.find_spec("rustpy_xlsxwriter") is None:
            print(f"{name:22s} not installed (not a dependency of aidtools): pip install rustpy-xlsxwriter==0.8.0",
                  flush=True)
            continue
        out = Path(tempfile.mkdtemp(prefix=f"writers-{name}-"))
        try:
            seconds = time_writer(name, calls, out)
            size = sum(p.stat().st_size for p in out.iterdir())
            lost = lost_properties(WRITERS[name])
            print(f"{name:22s} {seconds:7.2f} s  {cells / seconds:12,.0f} cells/s  {size / 2**20:6.1f} MiB  "
                  f"lost: {', '.join(lost) or 'nothing'}", flush=True)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
