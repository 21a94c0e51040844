"""A look inside an OpenDocument spreadsheet (.ods, as LibreOffice and WPS save it) before calamine
expands it: the zip's sizes (:func:`~aidtools.reading.xlsx_parts.check_sizes`), every XML part
streamed for entity declarations and damaged data, and the size of the grid calamine will build
from ``content.xml``.

ODF compresses runs of equal rows and cells into one element with ``table:number-rows-repeated`` /
``table:number-columns-repeated``: a single row holding one value repeated a million times over a
thousand columns is a few hundred bytes on disk and a billion cells in calamine. Repeats of empty
rows and cells (LibreOffice writes them to the end of every sheet) cost nothing and are not counted.
"""
from __future__ import annotations

import zipfile
import xml.sax

from defusedxml import sax as safe_sax
from defusedxml.common import DefusedXmlException

from aidtools.reading import xlsx_parts
from aidtools.reading.errors import UnreadableFile
from aidtools.reading.limits import Limits, cell_budget

SPREADSHEET_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_HUGE = 10**9


def _repeat(attrs, key: str) -> int:
    text = (attrs.get(key) or "1").strip()
    return min(int(text), _HUGE) if text.isdigit() and len(text) < 12 else 1


class _GridHandler(xml.sax.ContentHandler):
    """(rows, columns) of every table up to its last cell with content, repeats expanded."""

    def __init__(self):
        super().__init__()
        self.grids: list[tuple[str, int, int]] = []
        self._depth = 0  # tables open (a table inside a cell is counted with the outer one)
        self._row = self._col = self._width = 0
        self._repeat_rows = self._repeat_cols = 1
        self._in_cell = self._content = False

    def startElement(self, name, attrs):
        local = name.rsplit(":", 1)[-1]
        if local == "table":
            self._depth += 1
            if self._depth == 1:
                self.grids.append([attrs.get("table:name", ""), 0, 0])
                self._row = 0
        elif self._depth == 0:
            return
        elif self._in_cell:
            self._content = True
        elif local == "table-row":
            self._repeat_rows = _repeat(attrs, "table:number-rows-repeated")
            self._col = self._width = 0
        elif local in ("table-cell", "covered-table-cell"):
            self._repeat_cols = _repeat(attrs, "table:number-columns-repeated")
            self._in_cell = True
            self._content = "office:value-type" in attrs or "table:formula" in attrs

    def endElement(self, name):
        local = name.rsplit(":", 1)[-1]
        if self._depth == 0:
            return
        if local in ("table-cell", "covered-table-cell") and self._in_cell:
            self._in_cell = False
            if self._content:
                self._width = self._col + self._repeat_cols
            self._col += self._repeat_cols
        elif local == "table-row" and not self._in_cell:
            grid = self.grids[-1]
            if self._width:
                grid[1] = self._row + self._repeat_rows
                grid[2] = max(grid[2], self._width)
            self._row += self._repeat_rows
        elif local == "table":
            self._depth -= 1

    def characters(self, content):
        if self._in_cell and content.strip():
            self._content = True


def grids(stream, chunk: int = 1 << 20) -> list[tuple[str, int, int]]:
    """(table name, rows, columns) of every table in a ``content.xml`` stream."""
    handler = _GridHandler()
    parser = safe_sax.make_parser()
    parser.setContentHandler(handler)
    while data := stream.read(chunk):
        parser.feed(data)
    parser.close()
    return [tuple(g) for g in handler.grids]


def is_spreadsheet(archive: zipfile.ZipFile) -> bool:
    try:
        return archive.read("mimetype")[:100].strip() == SPREADSHEET_MIMETYPE
    except (KeyError, zipfile.BadZipFile, RuntimeError, OSError, ValueError):
        return False


def inspect(archive: zipfile.ZipFile, limits: Limits, name: str) -> None:
    """Every check above; raises :class:`UnreadableFile` (``bomb``, ``entities``, ``corrupt``, ``too_large``)."""
    xlsx_parts.check_sizes(archive, limits, name)
    for info in archive.infolist():
        if info.filename.lower().endswith((".xml", ".rdf")):
            xlsx_parts.scan_part(archive, info, name)
    try:
        info = archive.getinfo("content.xml")
        with archive.open(info) as stream:
            tables = grids(stream)
    except KeyError as exc:
        raise UnreadableFile(f"{name}：OpenDocument表格缺少内容部件（content.xml），文件已损坏。"
                             "请用WPS或LibreOffice打开后另存为.xlsx再提交。", "corrupt") from exc
    except DefusedXmlException as exc:
        raise UnreadableFile(f"{name}：表格内容含有不安全的XML，已拒绝读取。请另存为.xlsx再提交。", "entities") from exc
    except Exception as exc:  # SAXParseException and friends: content.xml is not well-formed
        raise UnreadableFile(f"{name}：OpenDocument表格的内容已损坏，无法读取。"
                             "请用WPS或LibreOffice打开后另存为.xlsx再提交。", "corrupt") from exc
    budget = cell_budget(limits, info.file_size)
    total = 0
    for table, rows, columns in tables:
        if rows > limits.max_rows + 1:
            raise UnreadableFile(f"{name}：工作表“{table}”有 {rows} 行，超过上限 {limits.max_rows} 行。"
                                 "请拆分后提交；确需处理时可用 --max-rows 调高上限。", "too_large")
        total += rows * columns
        if total > budget:
            raise UnreadableFile(
                f"{name}：工作表“{table}”的数据区域达 {rows} 行 × {columns} 列（约 {rows * columns // 10_000} 万个单元格，"
                "含重复的行和列），超出处理上限。请删除数据区以外的内容后另存为.xlsx再提交。", "too_large")
