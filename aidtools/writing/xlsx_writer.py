"""Writing a new all-text workbook fast: the import and held-back workbooks of a merge.

One job: sheets of text (or blank) cells under a bold header row, every cell formatted as text
(``@``), written straight as SpreadsheetML. The XML of the cells is built with pyarrow's string
kernels over whole columns (no Python loop over cells), so a million cells take about a second
where openpyxl takes half a minute (``benchmarks/writers.md``).

What a cell holds is what :func:`aidtools.writing.cells.write_text` would put there:

- the text is :func:`~aidtools.writing.cells.cell_text` of the value (control characters shown as
  control pictures, lone surrogates as U+FFFD, cut at 32,767 characters with the mark, text that
  looks like Excel's ``_x0041_`` escape escaped as ``_x005F_x0041_``);
- text that Excel would take for a formula (:data:`~aidtools.writing.cells.FORMULA_STARTS`) carries
  ``quotePrefix``, Excel's leading apostrophe: a string cell, never a formula;
- ``None`` is a blank cell that still carries the text format.

Strings are shared (``xl/sharedStrings.xml``, each distinct text once), as Excel writes them;
``&``, ``<``, ``>`` are escaped, a carriage return is kept as ``&#13;`` and every ``<t>`` keeps its
spaces (``xml:space="preserve"``). The zip entries carry a fixed date, so the same sheets give the
same bytes.

>>> import tempfile, pathlib
>>> from python_calamine import CalamineWorkbook
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
>>> sheet = TextSheet("学生", ["学号", "姓名"], pd.DataFrame({"学号": ["001", None], "姓名": ["=1+1", "a&b "]}))
>>> _ = write_text_workbook([sheet], p)
>>> CalamineWorkbook.from_path(str(p)).get_sheet_by_name("学生").to_python()
[['学号', '姓名'], ['001', '=1+1'], ['', 'a&b ']]
"""
from __future__ import annotations

import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from aidtools.reading.xlsx_parts import column_letter
from aidtools.writing.cells import CELL_LIMIT, cell_text, safe_sheet_title, safe_text

CHUNK_ROWS = 20_000  # rows of sheet XML built at a time
COMPRESSION = 1  # deflate level: the XML is very repetitive, level 1 is nearly as small and much faster
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
# Values cell_text may change (apart from the lone surrogates pyarrow refuses, handled before): a control
# XML cannot hold, U+FFFE/U+FFFF, or something that reads like Excel's _xHHHH_ escape. Longer than a
# cell holds is tested apart.
_NEEDS_CELL_TEXT = r"[\x{00}-\x{08}\x{0B}\x{0C}\x{0E}-\x{1F}\x{FFFE}\x{FFFF}]|_x[0-9A-Fa-f]{4}_"
_FORMULA_LIKE = r"^[=+\-@\t\r]"  # aidtools.writing.cells.FORMULA_STARTS


# The cell formats (cellXfs) of styles.xml, by index: every one but 0 is the text format "@" (49).
TEXT, TEXT_QUOTED, HEADER, HEADER_QUOTED, WRAPPED, WRAPPED_QUOTED = 1, 2, 3, 4, 5, 6


@dataclass
class TextSheet:
    """One sheet: ``headers`` on row ``header_row`` (bold), then ``rows`` from ``first_row`` down.

    ``rows`` has one column per header, in order (its column names are not used); each value is text
    or ``None``. Panes are frozen above ``first_row``. ``widths``: one column width per header
    (default 10). ``wrapped``: the 0-based columns whose data cells wrap, top-aligned.
    """

    name: str
    headers: list[str]
    rows: pd.DataFrame
    header_row: int = 1
    first_row: int = 2
    widths: list[float] | None = None
    wrapped: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self):
        if not self.headers:
            raise ValueError(f"工作表“{self.name}”没有表头")
        if self.rows.shape[1] != len(self.headers):
            raise ValueError(f"工作表“{self.name}”的数据有{self.rows.shape[1]}列，表头有{len(self.headers)}列")
        if not 1 <= self.header_row < self.first_row:
            raise ValueError(f"工作表“{self.name}”的表头行({self.header_row})应在数据起始行({self.first_row})之上")


def write_text_workbook(sheets: list[TextSheet], path) -> Path:
    """Write ``sheets`` as a new .xlsx at ``path`` (to be called through ``save_private``)."""
    path = Path(path)
    names = [safe_sheet_title(s.name) for s in sheets]
    if not sheets or len(set(n.casefold() for n in names)) < len(names):
        raise ValueError(f"工作表名称为空或重复：{names}")
    columns = [_text_column(s.rows.iloc[:, j]) for s in sheets for j in range(s.rows.shape[1])]
    headers = [_text_column(pd.Series(s.headers, dtype=object)) for s in sheets]
    indices, strings = _shared(headers + columns)
    stored = _stored(strings)
    quoted = _formula_like(stored)
    header_codes, column_codes = indices[: len(sheets)], indices[len(sheets):]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION) as archive:
        _put(archive, "[Content_Types].xml", _content_types(len(sheets)))
        _put(archive, "_rels/.rels", _RELS)
        _put(archive, "docProps/app.xml", _APP)
        _put(archive, "xl/workbook.xml", _workbook(names))
        _put(archive, "xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        _put(archive, "xl/styles.xml", _STYLES)
        _put_parts(archive, "xl/sharedStrings.xml", _shared_strings_xml(stored, sum(int(len(c) - c.null_count)
                                                                                   for c in indices)))
        start = 0
        for n, sheet in enumerate(sheets, start=1):
            width = len(sheet.headers)
            codes = column_codes[start:start + width]
            start += width
            _put_parts(archive, f"xl/worksheets/sheet{n}.xml",
                       _sheet_xml(sheet, header_codes[n - 1], codes, quoted, selected=n == 1))
    return path


def _text_column(values: pd.Series) -> pa.Array:
    """A column as an Arrow string array (``None`` → null). A value pyarrow cannot take as it is (not
    text, or a lone surrogate) is made :func:`safe_text` first, which :func:`_stored` leaves alone."""
    values = values.astype(object)
    try:
        return pa.array(values.to_numpy(), type=pa.string(), from_pandas=True)
    except (pa.ArrowException, UnicodeEncodeError):
        fixed = values.where(values.isna(), values.map(safe_text, na_action="ignore"))
        return pa.array(fixed.to_numpy(), type=pa.string(), from_pandas=True)


def _shared(columns: list[pa.Array]) -> tuple[list[pa.Array], pa.Array]:
    """(each column as indices into the shared strings, null where blank; the distinct strings)."""
    lengths = [len(c) for c in columns]
    if not sum(lengths):
        return [pa.array([], pa.int32()) for _ in columns], pa.array([], pa.string())
    # All the cells in one array: large_string, whose offsets do not overflow past 2 GiB of text.
    encoded = pc.dictionary_encode(pa.concat_arrays([c.cast(pa.large_string()) for c in columns]))
    bounds = np.cumsum([0] + lengths)
    indices = [encoded.indices.slice(a, b - a) for a, b in zip(bounds[:-1], bounds[1:])]
    return indices, encoded.dictionary.cast(pa.string())


def _stored(strings: pa.Array) -> pa.Array:
    """:func:`cell_text` of every string: found with one regular expression over them all, then done in
    Python for the few that need it."""
    if not len(strings):
        return strings
    odd = pc.or_(pc.match_substring_regex(strings, _NEEDS_CELL_TEXT), pc.greater(pc.utf8_length(strings), CELL_LIMIT))
    if not pc.any(odd).as_py():
        return strings
    fixed = pa.array([cell_text(t) for t in strings.filter(odd).to_pylist()], type=pa.string())
    return pc.replace_with_mask(strings, odd, fixed)


def _formula_like(stored: pa.Array) -> np.ndarray:
    """Per shared string: would Excel take it for a formula (so it needs ``quotePrefix``)?"""
    return pc.match_substring_regex(stored, _FORMULA_LIKE).to_numpy(zero_copy_only=False).astype(bool)


def _xml_text(strings: pa.Array) -> pa.Array:
    """Element text: ``&``, ``<``, ``>`` escaped, carriage returns as ``&#13;`` (XML would read a raw one
    as a line feed)."""
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        strings = pc.replace_substring(strings, raw, escaped)
    return strings


def _shared_strings_xml(stored: pa.Array, count: int):
    """``xl/sharedStrings.xml`` in pieces: every distinct text once, ``count`` cells referring to them."""
    yield (f'{_XML}<sst xmlns="{_MAIN}" count="{count}" uniqueCount="{len(stored)}">').encode()
    for start in range(0, len(stored), CHUNK_ROWS * 10):
        part = _xml_text(stored.slice(start, CHUNK_ROWS * 10))
        yield joined_bytes(pc.binary_join_element_wise('<si><t xml:space="preserve">', part, "</t></si>", ""))
    yield b"</sst>"


def _sheet_xml(sheet: TextSheet, header_codes: pa.Array, codes: list[pa.Array], quoted: np.ndarray, selected: bool):
    """A worksheet part in pieces: layout, the header row, then the data rows :data:`CHUNK_ROWS` at a time."""
    n, width = len(sheet.rows), len(sheet.headers)
    letters = [column_letter(j) for j in range(width)]
    last_row = sheet.first_row + n - 1 if n else sheet.header_row
    yield (f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A{sheet.header_row}:'
           f'{letters[-1]}{last_row}"/>{_sheet_views(sheet.first_row, selected)}'
           f'<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>{_cols(sheet.widths or [10] * width)}'
           "<sheetData>").encode()
    yield _header_row(sheet.header_row, letters, header_codes.to_numpy(zero_copy_only=False), quoted)
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        rows = pa.array(np.arange(sheet.first_row + start, sheet.first_row + stop)).cast(pa.string())
        cells = [part for j in range(width)
                 for part in _cell_parts(letters[j], rows, codes[j].slice(start, stop - start), quoted,
                                         j in sheet.wrapped)]
        yield joined_bytes(pc.binary_join_element_wise('<row r="', rows, '">', *cells, "</row>", ""))
    yield (b'</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
           b"</worksheet>")


def _header_row(row: int, letters: list[str], codes: np.ndarray, quoted: np.ndarray) -> bytes:
    """The header row (one row: a loop over its few cells is fine); a blank header is a blank bold cell."""
    cells = []
    for letter, code in zip(letters, codes):
        if code is None or pd.isna(code):
            cells.append(f'<c r="{letter}{row}" s="{HEADER}"/>')
        else:
            cells.append(f'<c r="{letter}{row}" s="{HEADER_QUOTED if quoted[int(code)] else HEADER}" t="s">'
                         f"<v>{int(code)}</v></c>")
    return f'<row r="{row}">{"".join(cells)}</row>'.encode()


def _cell_parts(letter: str, rows: pa.Array, codes: pa.Array, quoted: np.ndarray, wrapped: bool) -> list:
    """One column's ``<c>`` elements for ``rows``, as arguments of the row's one string join: a
    shared-string cell, or a blank one, both text-formatted (``quotePrefix`` where Excel would see a
    formula)."""
    plain, with_quote = (WRAPPED, WRAPPED_QUOTED) if wrapped else (TEXT, TEXT_QUOTED)
    body = pc.binary_join_element_wise('" t="s"><v>', codes.cast(pa.string()), "</v></c>", "")
    if codes.null_count:
        body = pc.fill_null(body, '"/>')  # a blank cell: its style only
    style = str(plain)
    if len(quoted) and codes.null_count < len(codes):
        flags = quoted[codes.fill_null(0).to_numpy()]
        if codes.null_count:
            flags &= codes.is_valid().to_numpy(zero_copy_only=False)
        if flags.any():
            style = pc.if_else(pa.array(flags), str(with_quote), str(plain))
    return [f'<c r="{letter}', rows, '" s="', style, body]


def joined_bytes(strings: pa.Array) -> bytes:
    """The strings of an Arrow string array one after another, as UTF-8: its data buffer, between its
    offsets (nulls count as empty)."""
    strings = strings.combine_chunks() if isinstance(strings, pa.ChunkedArray) else strings
    if not len(strings):
        return b""
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)[strings.offset:strings.offset + len(strings) + 1]
    return strings.buffers()[2][int(offsets[0]):int(offsets[-1])].to_pybytes()


def _sheet_views(first_row: int, selected: bool) -> str:
    tab = ' tabSelected="1"' if selected else ""
    if first_row <= 1:
        return f'<sheetViews><sheetView{tab} workbookViewId="0"/></sheetViews>'
    cell = f"A{first_row}"
    return (f'<sheetViews><sheetView{tab} workbookViewId="0"><pane ySplit="{first_row - 1}" topLeftCell="{cell}" '
            f'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="{cell}" '
            f'sqref="{cell}"/></sheetView></sheetViews>')


def _cols(widths) -> str:
    return "<cols>" + "".join(f'<col min="{j}" max="{j}" width="{float(w):g}" customWidth="1"/>'
                              for j, w in enumerate(widths, start=1)) + "</cols>"


def _put(archive: zipfile.ZipFile, name: str, text: str) -> None:
    archive.writestr(zipfile.ZipInfo(name, _FIXED_DATE), text.encode(), compress_type=zipfile.ZIP_DEFLATED,
                     compresslevel=COMPRESSION)


def _put_parts(archive: zipfile.ZipFile, name: str, parts) -> None:
    info = zipfile.ZipInfo(name, _FIXED_DATE)
    info.compress_type, info._compresslevel = zipfile.ZIP_DEFLATED, COMPRESSION
    with archive.open(info, "w", force_zip64=True) as out:  # size unknown up front: zip64 allowed
        for part in _made_ahead(parts):
            out.write(part)


def _made_ahead(parts):
    """The items of the generator ``parts``, each made in a second thread while the one before is
    compressed and written (pyarrow's kernels and zlib both work without the GIL)."""
    parts = iter(parts)
    with ThreadPoolExecutor(max_workers=1) as ahead:
        coming = ahead.submit(next, parts, None)
        while (part := coming.result()) is not None:
            coming = ahead.submit(next, parts, None)
            yield part


def _content_types(sheets: int) -> str:
    worksheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{worksheet}"/>'
                        for n in range(1, sheets + 1))
    return (f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>' + overrides +
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'extended-properties+xml"/></Types>')


def _workbook(names: list[str]) -> str:
    sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
                     for n, name in enumerate(names, start=1))
    return (f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/><bookViews><workbookView activeTab="0"/>'
            f'</bookViews><sheets>{sheets}</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')


def _workbook_rels(sheets: int) -> str:
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    rels = [f'<Relationship Id="rId{n}" Type="{kind}worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, sheets + 1)]
    rels.append(f'<Relationship Id="rId{sheets + 1}" Type="{kind}styles" Target="styles.xml"/>')
    rels.append(f'<Relationship Id="rId{sheets + 2}" Type="{kind}sharedStrings" Target="sharedStrings.xml"/>')
    return f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{"".join(rels)}</Relationships>'


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_RELS = (f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
         'officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>')
_APP = (f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>aidtools</Application></Properties>")
_TEXT_XF = 'numFmtId="49" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"'
_WRAP = '<alignment vertical="top" wrapText="1"/>'
_STYLES = (f'{_XML}<styleSheet xmlns="{_MAIN}">'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
           '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           f'<xf fontId="0" {_TEXT_XF}/>'  # 1 TEXT
           f'<xf fontId="0" {_TEXT_XF} quotePrefix="1"/>'  # 2 TEXT_QUOTED
           f'<xf fontId="1" {_TEXT_XF} applyFont="1"/>'  # 3 HEADER
           f'<xf fontId="1" {_TEXT_XF} applyFont="1" quotePrefix="1"/>'  # 4 HEADER_QUOTED
           f'<xf fontId="0" {_TEXT_XF} applyAlignment="1">{_WRAP}</xf>'  # 5 WRAPPED
           f'<xf fontId="0" {_TEXT_XF} applyAlignment="1" quotePrefix="1">{_WRAP}</xf>'  # 6 WRAPPED_QUOTED
           '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '<dxfs count="0"/><tableStyles count="0"/></styleSheet>')
