"""What kind of zip a submitted file is, and the safety scan of an Office package that is not laid
out as Excel lays it out (part names with backslashes from some export tools, upper-case folders, the
workbook part somewhere else): every XML part is streamed and measured as if it were a worksheet, so
whatever part calamine or openpyxl takes for a sheet, its grid is within the limits.

>>> kind_of({"mimetype", "content.xml"}, ods_spreadsheet=True), kind_of({"xl\\\\workbook.xml"})
('ods', 'package')
>>> kind_of({"word/document.xml"}), kind_of({"a/b.xlsx", "c.txt"})
('word', 'zip')
"""
from __future__ import annotations

import zipfile

from aidtools.reading import xlsx_parts
from aidtools.reading.errors import UnreadableFile
from aidtools.reading.limits import Limits, cell_budget

WORKBOOK_MEMBERS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv")


def normalised(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


def kind_of(names, ods_spreadsheet: bool = False) -> str:
    """``xlsx`` (Excel's own layout), ``xlsb``, ``ods``, ``package`` (an Office package laid out
    otherwise), ``macro_sheet`` (an Excel 4.0 macro sheet inside), ``word``, ``powerpoint``, ``odf``
    (an OpenDocument text or slides), ``zip`` (anything else)."""
    plain = {normalised(n) for n in names}
    if any(n.startswith(("xl/macrosheets/", "xl/intl-macrosheets/")) for n in plain):
        return "macro_sheet"
    if "xl/workbook.bin" in plain:
        return "xlsb"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if ods_spreadsheet:
        return "ods"
    if "xl/workbook.xml" in plain or ("[content_types].xml" in plain and any(n.startswith("xl/") for n in plain)):
        return "package"
    if "word/document.xml" in plain:
        return "word"
    if "ppt/presentation.xml" in plain:
        return "powerpoint"
    if "content.xml" in plain and "mimetype" in plain:
        return "odf"
    return "zip"


def workbook_members(names) -> list[str]:
    """Members of a plain zip that look like workbooks (what a renamed .zip holds)."""
    return [n for n in names if normalised(n).endswith(WORKBOOK_MEMBERS)]


def inspect(archive: zipfile.ZipFile, limits: Limits, name: str) -> None:
    """Sizes, then every XML part streamed (entities, CRC, string-table claims) and measured as a
    sheet; the grids together must fit :func:`~aidtools.reading.limits.cell_budget`."""
    xlsx_parts.check_sizes(archive, limits, name)
    scans = []
    for info in archive.infolist():
        lower = normalised(info.filename)
        if lower.endswith(".xml") and "sharedstrings" not in lower:
            scans.append((info, xlsx_parts.scan_sheet(archive, info, name)))
        elif lower.endswith((".xml", ".rels", ".vml")):
            xlsx_parts.scan_part(archive, info, name)
    budget = cell_budget(limits, sum(info.file_size for info, _ in scans))
    total = 0
    for info, scan in scans:
        if scan.rows > limits.max_rows + 1:
            raise UnreadableFile(f"{name}：有工作表达 {scan.rows} 行，超过上限 {limits.max_rows} 行。"
                                 "请拆分后提交；确需处理时可用 --max-rows 调高上限。", "too_large")
        total += scan.cells
        if total > budget:
            raise UnreadableFile(
                f"{name}：有工作表的数据区域达 {scan.rows} 行 × {scan.columns} 列（约 {scan.cells // 10_000} 万个单元格，"
                "含空白），超出处理上限。请删除数据区以外的内容后另存为.xlsx再提交。", "too_large")
