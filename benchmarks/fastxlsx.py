"""Write a large all-text table as an .xlsx shaped like Excel's own: shared strings, ``r`` on every
row and cell, text number format. Benchmark inputs only (the product writes through openpyxl).

Why not xlsxwriter: on this 2-core machine under shared load it writes about 20,000 cells per second,
so a million-row, 21-column workbook would take a quarter of an hour. Here the sheet XML is built
with pandas string operations over whole columns, 100,000 rows at a time, streamed into the zip.
``run.py --quick`` cross-checks: the same rows written by xlsxwriter give the same findings.

>>> import tempfile, pathlib, pandas as pd
>>> from python_calamine import CalamineWorkbook
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
>>> _ = write(pd.DataFrame({"学号": ["001", None], "姓名": ["张三 ", "a&b"]}), p, "学生")
>>> CalamineWorkbook.from_path(str(p)).get_sheet_by_name("学生").to_python()
[['学号', '姓名'], ['001', '张三 '], ['', 'a&b']]
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from aidtools.reading.xlsx_parts import column_letter

CHUNK = 100_000

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"""
_APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application></Properties>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
# Style 1 is the built-in text format "@" (numFmtId 49), as a template's text columns carry.
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
_SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><dimension ref="A1:{last}"/><cols><col min="1" max="{width}" width="16" style="1" customWidth="1"/></cols><sheetData>"""
_SHEET_TAIL = "</sheetData></worksheet>"


def _shared(frame: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """(codes: one shared-string index per cell, -1 when blank; the shared strings in order)."""
    per_column = [pd.factorize(frame[c].to_numpy(dtype=object), use_na_sentinel=True) for c in frame.columns]
    strings = pd.Index(pd.unique(np.concatenate([np.asarray(u, dtype=object) for _, u in per_column])))
    codes = np.empty(frame.shape, dtype=np.int64)
    for j, (local, uniques) in enumerate(per_column):
        remap = strings.get_indexer(uniques)
        codes[:, j] = np.where(local >= 0, remap[local] if len(remap) else -1, -1)
    return codes, strings


def _rows_xml(codes: np.ndarray, first_row: int, letters: list[str], numbers: dict[int, np.ndarray]) -> str:
    rows = pd.Series(np.arange(first_row, first_row + len(codes))).astype(str)
    out = '<row r="' + rows + '">'
    for j, letter in enumerate(letters):
        cell = '<c r="' + letter + rows + '" s="1" t="s"><v>' + pd.Series(codes[:, j]).astype(str) + "</v></c>"
        cell = cell.where(codes[:, j] >= 0, "")
        if j in numbers:  # number cells below the header row, where a number is given
            at = np.arange(first_row, first_row + len(codes)) - 2  # index into the data rows; -1: the header
            values = pd.Series(numbers[j][np.maximum(at, 0)], dtype=object)
            number = '<c r="' + letter + rows + '"><v>' + values.fillna("").astype(str) + "</v></c>"
            cell = cell.where((at < 0) | values.isna().to_numpy(), number)
        out = out + cell
    return "".join((out + "</row>").tolist())


def write(frame: pd.DataFrame, path, sheet: str, numbers: dict | None = None) -> Path:
    """Header row then every value as a shared-string text cell; None/NaN cells are left out.
    ``numbers``: column name → a value per data row; where one is given (not None), that row's cell
    is a number cell holding it instead."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = frame.astype(object).where(frame.notna(), None)
    with_header = pd.concat([pd.DataFrame([list(frame.columns)], columns=frame.columns, dtype=object), body],
                            ignore_index=True)
    codes, strings = _shared(with_header)
    letters = [column_letter(j) for j in range(frame.shape[1])]
    numbers = {list(frame.columns).index(c): np.asarray(v, dtype=object) for c, v in (numbers or {}).items()}
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("docProps/app.xml", _APP)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet)))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxml'
                        f'formats.org/spreadsheetml/2006/main" count="{int((codes >= 0).sum())}" '
                        f'uniqueCount="{len(strings)}">').encode())
            texts = pd.Series(strings.to_numpy(dtype=object)).astype(str)
            escaped = texts.str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")
            for start in range(0, len(escaped), CHUNK * 5):
                part.write("".join(('<si><t xml:space="preserve">' + escaped.iloc[start:start + CHUNK * 5]
                                    + "</t></si>").tolist()).encode())
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            last = f"{letters[-1]}{len(codes)}"
            part.write(_SHEET_HEAD.format(last=last, width=len(letters)).encode())
            for start in range(0, len(codes), CHUNK):
                part.write(_rows_xml(codes[start:start + CHUNK], start + 1, letters, numbers).encode())
            part.write(_SHEET_TAIL.encode())
    os.replace(tmp, path)
    return path
