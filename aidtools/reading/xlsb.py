"""A look inside an Excel binary workbook (.xlsb) before calamine expands it: the zip's sizes
(:func:`~aidtools.reading.xlsx_parts.check_sizes`), the XML parts streamed for entity declarations
and damaged data, and the grid every worksheet part (``xl/worksheets/*.bin``) makes calamine
build, from a walk over its records (MS-XLSB 2.1.4: a type and a size, each a few 7-bit groups).

Rows come from BrtRowHdr (type 0: the row number first); cells from the cell records (types 2-11:
the column first; 13-18, the "short" cells of newer Excel: the column after the previous cell).
Blank cells (1, 12) hold nothing and build no grid.

>>> rec = lambda kind, body: bytes([kind, len(body)]) + body
>>> data = rec(0, (9).to_bytes(4, "little") + bytes(8)) + rec(5, (2).to_bytes(4, "little") + bytes(12))
>>> extent(data)
(10, 3)
"""
from __future__ import annotations

import struct
import zipfile

from aidtools.reading import xlsx_parts
from aidtools.reading.errors import UnreadableFile
from aidtools.reading.limits import Limits, cell_budget

_ROW = 0
_BLANK = (1, 12)
_CELLS = range(2, 12)
_SHORT_CELLS = range(13, 19)
_HUGE = 1 << 31


def _varint(data: bytes, pos: int, most: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(most):
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return value, pos


def extent(data: bytes) -> tuple[int, int]:
    """(rows, columns) of the grid up to the last cell with content; a record cut off by the end
    of the part ends the walk."""
    pos, end = 0, len(data)
    row, col, rows, columns = 0, -1, 0, 0
    try:
        while pos < end:
            kind, pos = _varint(data, pos, 2)
            size, pos = _varint(data, pos, 4)
            if kind == _ROW and size >= 4:
                row = min(struct.unpack_from("<I", data, pos)[0], _HUGE)
                col = -1
            elif kind in _CELLS and size >= 4:
                col = min(struct.unpack_from("<I", data, pos)[0], _HUGE)
                rows, columns = max(rows, row + 1), max(columns, col + 1)
            elif kind in _SHORT_CELLS:
                col += 1
                rows, columns = max(rows, row + 1), max(columns, col + 1)
            elif kind in _BLANK:
                col = min(struct.unpack_from("<I", data, pos)[0], _HUGE) if kind == 1 and size >= 4 else col + 1
            pos += size
    except (IndexError, struct.error):
        pass
    return rows, columns


def is_xlsb(names) -> bool:
    return any(n.replace("\\", "/").lower() == "xl/workbook.bin" for n in names)


def inspect(archive: zipfile.ZipFile, limits: Limits, name: str) -> None:
    """Every check above; raises :class:`UnreadableFile` (``bomb``, ``entities``, ``corrupt``, ``too_large``)."""
    xlsx_parts.check_sizes(archive, limits, name)
    sheets = []
    for info in archive.infolist():
        lower = info.filename.replace("\\", "/").lower()
        if lower.endswith((".xml", ".rels")):
            xlsx_parts.scan_part(archive, info, name)
        elif lower.startswith("xl/worksheets/") and lower.endswith(".bin"):
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
                raise UnreadableFile(f"{name}：工作表部件已损坏，文件可能不完整。请用Excel重新保存为.xlsx后提交。",
                                     "corrupt") from exc
            except RuntimeError as exc:
                raise UnreadableFile(f"{name}：压缩包设置了密码，无法读取。请提交未加密的.xlsx文件。", "encrypted") from exc
            sheets.append((info, *extent(data)))
            del data
    budget = cell_budget(limits, sum(info.file_size for info, _, _ in sheets))
    total = 0
    for info, rows, columns in sheets:
        if rows > limits.max_rows + 1:
            raise UnreadableFile(f"{name}：有工作表达 {rows} 行，超过上限 {limits.max_rows} 行。"
                                 "请拆分后提交；确需处理时可用 --max-rows 调高上限。", "too_large")
        total += rows * columns
        if total > budget:
            raise UnreadableFile(
                f"{name}：有工作表的数据区域达 {rows} 行 × {columns} 列（约 {rows * columns // 10_000} 万个单元格，含空白），"
                "超出处理上限。常见原因是在很远的单元格误填了内容。请删除数据区以外的内容后另存为.xlsx再提交。", "too_large")
