"""Write sheets as departments would: openpyxl, xlsxwriter, Excel 97-2003 (xlwt), GBK CSV.

Every writer is deterministic: the same sheet gives the same bytes. Workbook properties carry a
fixed created/modified time and zip entries a fixed timestamp. Large sheets go through
:func:`write_fast_xlsx`, a streaming writer of plain SpreadsheetML (inline strings), because
openpyxl and xlsxwriter manage fewer than 100,000 cells a second.

A sheet is a :class:`SheetData`: headers, equal-length columns (numpy arrays or lists) and sparse
per-cell overrides. Cell values: ``str`` text, ``int``/``float`` numbers, ``datetime.date`` an
Excel date cell, :class:`Formula` a formula (with a cached value where the writer can store one),
``None`` or ``""`` blank.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from aidtools.reading.xlsx_parts import column_letter

CHUNK = 50_000
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Formula:
    """A formula cell; ``cached`` is the value Excel would have computed."""

    text: str  # without the leading '='
    cached: object = None


@dataclass
class SheetData:
    name: str
    headers: list[str]
    columns: list  # one sequence per header, equal lengths
    overrides: dict = field(default_factory=dict)  # (data position, column index) -> value
    merges: list = field(default_factory=list)  # (first position, last position, column index)
    hidden_rows: list = field(default_factory=list)  # data positions
    first_data_row: int = 2

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    @property
    def n_cells(self) -> int:
        return self.n_rows * len(self.headers)

    def rows(self, chunk: int = CHUNK):
        """Data rows as lists of Python values, overrides applied, streamed in chunks."""
        by_pos: dict[int, list] = {}
        for (pos, ci), value in self.overrides.items():
            by_pos.setdefault(pos, []).append((ci, value))
        for start in range(0, self.n_rows, chunk):
            stop = min(start + chunk, self.n_rows)
            parts = [c[start:stop].tolist() if isinstance(c, np.ndarray) else list(c[start:stop]) for c in self.columns]
            for offset, row in enumerate(zip(*parts)):
                row = list(row)
                for ci, value in by_pos.get(start + offset, ()):
                    row[ci] = value
                yield row


@dataclass
class BookInfo:
    """Workbook-level properties every writer sets the same way."""

    modified: dt.datetime
    creator: str = ""


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _excel_date(value) -> bool:
    return isinstance(value, (dt.date, dt.datetime))


class FixedTimeZipFile(zipfile.ZipFile):
    """A ZipFile whose entries all carry one timestamp (openpyxl writes the current time)."""

    fixed = ZIP_EPOCH

    def _info(self, arcname: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(arcname, date_time=self.fixed)
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        arcname = arcname or os.path.basename(filename)
        with open(filename, "rb") as handle:
            data = handle.read()
        return self.writestr(arcname, data, compress_type, compresslevel)


def _zip_time(moment: dt.datetime) -> tuple:
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


# ---------------------------------------------------------------- openpyxl
def write_openpyxl(path: Path, sheets: list[SheetData], info: BookInfo) -> None:
    """A normal openpyxl workbook (merges, hidden rows and formulas supported)."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        ws.append(list(sheet.headers))
        for r, row in enumerate(sheet.rows(), start=sheet.first_data_row):
            for c, value in enumerate(row, start=1):
                if blank(value):
                    continue
                if isinstance(value, Formula):
                    ws.cell(r, c, "=" + value.text)
                else:
                    cell = ws.cell(r, c, value)
                    if _excel_date(value):
                        cell.number_format = "yyyy-mm-dd"
        for first, last, ci in sheet.merges:
            ws.merge_cells(start_row=sheet.first_data_row + first, start_column=ci + 1,
                           end_row=sheet.first_data_row + last, end_column=ci + 1)
        for pos in sheet.hidden_rows:
            ws.row_dimensions[sheet.first_data_row + pos].hidden = True
    book.properties.creator = info.creator or "Microsoft Office User"
    book.properties.lastModifiedBy = info.creator or "Microsoft Office User"
    book.properties.created = info.modified
    book.properties.modified = info.modified
    buffer = io.BytesIO()
    archive = FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    archive.fixed = _zip_time(info.modified)
    ExcelWriter(book, archive).save()
    path.write_bytes(buffer.getvalue())


# ---------------------------------------------------------------- xlsxwriter
def write_xlsxwriter(path: Path, sheets: list[SheetData], info: BookInfo) -> None:
    """xlsxwriter, as some departments' tools produce (formulas keep their cached value)."""
    import xlsxwriter

    big = sum(s.n_cells for s in sheets) > 500_000 and not any(s.merges for s in sheets)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": big, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": info.modified, "author": info.creator or "Microsoft Office User"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        for c, header in enumerate(sheet.headers):
            ws.write_string(0, c, header)
        hidden = set(sheet.hidden_rows)
        for pos, row in enumerate(sheet.rows()):
            r = sheet.first_data_row - 1 + pos
            if pos in hidden:
                ws.set_row(r, None, None, {"hidden": True})
            for c, value in enumerate(row):
                if blank(value):
                    continue
                if isinstance(value, Formula):
                    ws.write_formula(r, c, "=" + value.text, None, value.cached)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                elif _excel_date(value):
                    moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
                    ws.write_datetime(r, c, moment, date_format)
                else:
                    ws.write_number(r, c, value)
        for first, last, ci in sheet.merges:
            r0 = sheet.first_data_row - 1
            ws.merge_range(r0 + first, ci, r0 + last, ci, None)
    book.close()


# ---------------------------------------------------------------- xlwt (.xls)
def write_xls(path: Path, sheets: list[SheetData], info: BookInfo) -> None:
    """Excel 97-2003 (BIFF8) through xlwt, as saved by Office 2010 or WPS in .xls mode."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for sheet in sheets:
        ws = book.add_sheet(sheet.name)
        for c, header in enumerate(sheet.headers):
            ws.write(0, c, header)
        for pos, row in enumerate(sheet.rows()):
            r = sheet.first_data_row - 1 + pos
            for c, value in enumerate(row):
                if blank(value):
                    continue
                if isinstance(value, Formula):
                    ws.write(r, c, xlwt.Formula(value.text))
                elif _excel_date(value):
                    ws.write(r, c, value, date_style)
                else:
                    ws.write(r, c, value)
        for pos in sheet.hidden_rows:
            ws.row(sheet.first_data_row - 1 + pos).hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())


# ---------------------------------------------------------------- CSV
def csv_text(value) -> str:
    if blank(value):
        return ""
    if isinstance(value, Formula):
        return "" if value.cached is None else csv_text(value.cached)
    if _excel_date(value):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_csv(path: Path, sheets: list[SheetData], info: BookInfo, encoding: str = "gbk") -> None:
    """The first sheet as CSV in the encoding Chinese Excel uses (GBK), CRLF line ends."""
    sheet = sheets[0]
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(sheet.headers)
    for row in sheet.rows():
        out.writerow([csv_text(v) for v in row])
    path.write_bytes(buffer.getvalue().encode(encoding))


# ---------------------------------------------------------------- fast streaming xlsx
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '{sheets}'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/></Relationships>')
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{creator}</cp:lastModifiedBy>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified></cp:coreProperties>')
_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>Microsoft Excel</Application></Properties>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
    '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _cell_xml(ref: str, value) -> str:
    if isinstance(value, str):
        text = escape(value)
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Formula):
        cached = value.cached
        if isinstance(cached, str):
            return f'<c r="{ref}" t="str"><f>{escape(value.text)}</f><v>{escape(cached)}</v></c>'
        inner = "" if cached is None else f"<v>{cached!r}</v>"
        return f'<c r="{ref}"><f>{escape(value.text)}</f>{inner}</c>'
    if _excel_date(value):
        day = value.date() if isinstance(value, dt.datetime) else value
        return f'<c r="{ref}" s="1"><v>{(day - _EXCEL_EPOCH).days}</v></c>'
    return f'<c r="{ref}"><v>{value!r}</v></c>'


def _plain_text(values: np.ndarray) -> bool:
    """True when no value of a text column needs XML escaping or xml:space (the common case)."""
    if not len(values):
        return True
    for ch in ("&", "<", ">", "\r", "\n"):
        if (np.strings.find(values, ch) >= 0).any():
            return False
    return bool((np.strings.str_len(np.strings.strip(values)) == np.strings.str_len(values)).all())


def _cell_template(kind: str, letter: str, arg: int) -> str:
    if kind == "s":
        return f'<c r="{letter}{{0}}" t="inlineStr"><is><t>{{{arg}}}</t></is></c>'
    return f'<c r="{letter}{{0}}"><v>{{{arg}!r}}</v></c>'


def _row_cells_slow(row: list, letters: list[str], r: int) -> str:
    return "".join(_cell_xml(f"{letters[c]}{r}", v) for c, v in enumerate(row) if not blank(v))


def _block_xml(sheet: SheetData, letters: list[str], start: int, stop: int, special: dict, hidden: set) -> str:
    """Rows start..stop. Plain rows are filled into a per-blank-pattern template (one str.format
    per row); rows with overrides, hidden rows and unusual columns go cell by cell."""
    first = sheet.first_data_row
    values = [c[start:stop] for c in sheet.columns]
    kinds = []
    for v in values:
        if isinstance(v, np.ndarray) and v.dtype.kind == "U" and _plain_text(v):
            kinds.append("s")
        elif isinstance(v, np.ndarray) and v.dtype.kind in "iuf":
            kinds.append("n")
        else:
            kinds.append(None)
    lists = [v.tolist() if isinstance(v, np.ndarray) else list(v) for v in values]
    rows = list(zip(*lists))
    out = []
    if None in kinds:
        for offset, row in enumerate(rows):
            pos = start + offset
            row = list(row)
            for ci, value in special.get(pos, ()):
                row[ci] = value
            flag = ' hidden="1"' if pos in hidden else ""
            out.append(f'<row r="{first + pos}"{flag}>{_row_cells_slow(row, letters, first + pos)}</row>')
        return "".join(out)
    pattern = np.zeros(stop - start, dtype=np.int64)
    for ci, (kind, v) in enumerate(zip(kinds, values)):
        if kind == "s":
            pattern |= (v == "").astype(np.int64) << ci
    templates: dict[int, str] = {}
    for offset, (row, key) in enumerate(zip(rows, pattern.tolist())):
        pos = start + offset
        r = first + pos
        if pos in special or pos in hidden:
            row = list(row)
            for ci, value in special.get(pos, ()):
                row[ci] = value
            flag = ' hidden="1"' if pos in hidden else ""
            out.append(f'<row r="{r}"{flag}>{_row_cells_slow(row, letters, r)}</row>')
            continue
        template = templates.get(key)
        if template is None:
            cells = "".join(_cell_template(kind, letters[ci], ci + 1) for ci, kind in enumerate(kinds)
                            if not (key >> ci) & 1)
            template = templates[key] = '<row r="{0}">' + cells + "</row>"
        out.append(template.format(r, *row))
    return "".join(out)


def _sheet_rows_xml(sheet: SheetData, letters: list[str], chunk: int = CHUNK):
    """The sheet's <row> elements, in blocks of ``chunk`` rows."""
    header = "".join(_cell_xml(f"{letters[c]}1", h) for c, h in enumerate(sheet.headers))
    yield f'<row r="1">{header}</row>'
    hidden = set(sheet.hidden_rows)
    special: dict[int, list] = {}
    for (pos, ci), value in sheet.overrides.items():
        special.setdefault(pos, []).append((ci, value))
    for start in range(0, sheet.n_rows, chunk):
        yield _block_xml(sheet, letters, start, min(start + chunk, sheet.n_rows), special, hidden)


def write_fast_xlsx(path: Path, sheets: list[SheetData], info: BookInfo) -> None:
    """Stream plain SpreadsheetML straight into the zip: fast and with bounded memory."""
    when = info.modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = _zip_time(info.modified)

    def entry(name: str) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(name, date_time=stamp)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = 0o600 << 16
        return zi

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=3) as archive:
        types = "".join(_SHEET_TYPE.format(n=i + 1) for i in range(len(sheets)))
        archive.writestr(entry("[Content_Types].xml"), _CONTENT_TYPES.format(sheets=types))
        archive.writestr(entry("_rels/.rels"), _ROOT_RELS)
        archive.writestr(entry("docProps/core.xml"), _CORE.format(creator=escape(info.creator or "Microsoft Office User"),
                                                                 when=when))
        archive.writestr(entry("docProps/app.xml"), _APP)
        sheet_tags = "".join(f'<sheet name="{escape(s.name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                             for i, s in enumerate(sheets))
        archive.writestr(entry("xl/workbook.xml"), _WORKBOOK.format(sheets=sheet_tags))
        rels = "".join(f'<Relationship Id="rId{i + 1}" '
                       'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                       f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
        archive.writestr(entry("xl/_rels/workbook.xml.rels"), _WORKBOOK_RELS.format(rels=rels))
        archive.writestr(entry("xl/styles.xml"), _STYLES)
        for i, sheet in enumerate(sheets):
            letters = [column_letter(c) for c in range(len(sheet.headers))]
            with archive.open(entry(f"xl/worksheets/sheet{i + 1}.xml"), "w", force_zip64=True) as out:
                out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                          b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                          b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>')
                for block in _sheet_rows_xml(sheet, letters):
                    out.write(block.encode("utf-8"))
                merges = "".join(
                    f'<mergeCell ref="{letters[ci]}{sheet.first_data_row + a}:{letters[ci]}{sheet.first_data_row + b}"/>'
                    for a, b, ci in sheet.merges)
                tail = f'</sheetData><mergeCells count="{len(sheet.merges)}">{merges}</mergeCells>' if merges else "</sheetData>"
                out.write((tail + "</worksheet>").encode("utf-8"))


WRITERS = {
    "openpyxl": write_openpyxl,
    "xlsxwriter": write_xlsxwriter,
    "xls": write_xls,
    "csv": write_csv,
    "fast": write_fast_xlsx,
}


def write_book(path: Path, sheets: list[SheetData], info: BookInfo, writer: str = "openpyxl",
               fast_cells: int = 20_000) -> str:
    """Write with the named writer; big openpyxl books go through the fast writer. Returns the writer used."""
    if writer == "openpyxl" and sum(s.n_cells for s in sheets) > fast_cells:
        writer = "fast"
    path.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[writer](path, sheets, info)
    stamp = calendar.timegm(info.modified.timetuple())  # modified times are UTC
    os.utime(path, (stamp, stamp))
    return writer
