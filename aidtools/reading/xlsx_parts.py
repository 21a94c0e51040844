"""A look inside an .xlsx/.xlsm zip before calamine expands it.

- sizes and compression ratios of every part from the zip directory (zip bombs are refused
  before anything is expanded);
- one streaming pass over every XML part, in bounded pieces, which checks each part's CRC (so a
  part that lies about its size is caught), refuses entity declarations (``<!DOCTYPE``/``<!ENTITY``,
  the "billion laughs") and shared-string tables that claim more strings than they could hold
  (calamine reserves memory for the claim: ``uniqueCount="4000000000"`` aborts the process);
- the sheet list from ``xl/workbook.xml``, parsed with defusedxml;
- for each sheet: the size of the grid calamine will build (:mod:`aidtools.reading.extents`),
  formula cells, hidden rows and hidden columns, all from the same pass.
"""
from __future__ import annotations

import logging
import os
import posixpath
import queue
import re
import threading
import zipfile
import zlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from aidtools.reading.errors import UnreadableFile
from aidtools.reading.extents import ColumnKinds, Extents, exact_extents, measure
from aidtools.reading.limits import Limits, cell_budget
from aidtools.reading.model import columns_in

log = logging.getLogger(__name__)

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_FORMULA_RE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>\s*<(?:\w+:)?f\b')
_ROW_HIDDEN_RE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER_RE = re.compile(rb'\br="(\d+)"')
_COL_RE = re.compile(rb'<(?:\w+:)?col\b[^>]*>')
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="\s*([A-Za-z]{1,3})(\d{1,7})(?::([A-Za-z]{1,3})(\d{1,7}))?\s*"')
_ATTR_RE = re.compile(rb'\b(min|max|hidden)="([^"]*)"')
_ROOT_RE = re.compile(rb"<(?![?!/])[^>]*>")  # the first element's start tag
_UNIQUE_COUNT_RE = re.compile(rb'uniqueCount\s*=\s*["\']\s*\+?(\d+)')
_ENTITY_MARKS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 4 * 1024 * 1024
_CARRY = 512  # bytes of the previous piece kept for tags a piece boundary separates from their <f>
MAX_PARTS = 10_000


@dataclass
class SheetScan:
    """What the streaming pass found in one worksheet part."""

    formulas: list[tuple[int, int]] = field(default_factory=list)  # 0-based (row, column)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    rows: int = 0  # upper bound of the rows calamine's grid will have
    columns: int = 0
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # 0-based, as calamine
    text_only: bool = False  # every cell with content looked typed as text (picks the reader)
    kinds: ColumnKinds | None = None  # text and number columns, where the fast path could tell

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def column_index(letters: str) -> int:
    """``"A"`` → 0, ``"AB"`` → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def column_letter(index: int) -> str:
    """0 → ``A``, 27 → ``AB`` (the inverse of :func:`column_index`)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def check_sizes(archive: zipfile.ZipFile, limits: Limits, name: str) -> None:
    """Refuse zip bombs from the sizes the zip directory declares, before expanding anything.

    The declared sizes are then held to account: :func:`pieces` checks each part's CRC, and
    Python's zip reader never returns more than the declared size.
    """
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise UnreadableFile(f"{name}：压缩包内有 {len(infos)} 个部件，远超正常工作簿，已拒绝读取。"
                             "请用Excel另存为新的.xlsx后提交。", "bomb")
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise UnreadableFile(
                f"{name}：解压后超过 {limits.max_uncompressed_bytes // 1024**2} MB，超出处理上限"
                "（可能是压缩炸弹）。请确认文件内容，必要时拆分后重新提交；确需处理时可用 --max-uncompressed-mb 调高上限。",
                "bomb")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.min_bomb_bytes and ratio > limits.max_compression_ratio:
            raise UnreadableFile(
                f"{name}：部件 {info.filename} 压缩比异常（解压后 {info.file_size // 1024**2} MB，是压缩后的 {ratio:.0f} 倍），"
                "疑似压缩炸弹，已拒绝读取。请用Excel重新另存为.xlsx后提交。", "bomb")


def _check_root(root: bytes, info: zipfile.ZipInfo, name: str) -> None:
    """A shared-string table's ``uniqueCount`` may not claim more strings than its part could hold."""
    claims = [int(m.group(1)) for m in _UNIQUE_COUNT_RE.finditer(root)]
    # Each string takes at least 5 bytes (<si/>); calamine reserves ~24 bytes per claimed one.
    if claims and max(claims) > info.file_size // 5 + 1024:
        raise UnreadableFile(
            f"{name}：部件 {info.filename} 声称有 {max(claims)} 个共享字符串，但部件只有 {info.file_size} 字节，"
            "文件已损坏或被篡改，已拒绝读取。请用Excel另存为新的.xlsx后提交。", "corrupt")


def pieces(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str):
    """A part's bytes as (piece, whole_tags) in bounded pieces, each cut just before a ``<``.

    ``whole_tags`` is False only for a piece forced out without a cut (one text or tag of many MB).
    Raises :class:`UnreadableFile` for entity declarations, an impossible ``uniqueCount`` on the
    root element, and damaged data (CRC, deflate).
    """
    tail = b""
    root_seen = False
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                data = tail + chunk
                if b"!" in data and any(mark in data for mark in _ENTITY_MARKS):
                    raise UnreadableFile(
                        f"{name}：部件 {info.filename} 含有XML实体声明（<!DOCTYPE/<!ENTITY，可能是“XML炸弹”），"
                        "正常的Excel文件不会有，已拒绝读取。请用Excel打开后另存为新的.xlsx再提交。", "entities")
                if not root_seen:
                    root = _ROOT_RE.search(data)
                    if root:
                        root_seen = True
                        _check_root(root.group(0), info, name)
                cut = data.rfind(b"<")
                if cut > 0:
                    yield data[:cut], True
                    tail = data[cut:]
                elif len(data) > 4 * _CHUNK:
                    yield data, False
                    tail = b""
                else:
                    tail = data
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise UnreadableFile(f"{name}：压缩包设置了密码，无法读取。请提交未加密的.xlsx文件。", "encrypted") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError) as exc:
        log.debug("%s: part %s: %r", name, info.filename, exc)
        raise UnreadableFile(f"{name}：部件 {info.filename} 已损坏（数据校验不通过），文件可能不完整。"
                             "请用Excel重新保存为.xlsx后提交。", "corrupt") from exc
    if tail:
        if not root_seen and (root := _ROOT_RE.search(tail)):
            _check_root(root.group(0), info, name)
        yield tail, True


def sheet_parts(archive: zipfile.ZipFile, name: str) -> list[tuple[str, str, bool]]:
    """(sheet name, part path, hidden) for every worksheet, in workbook order."""
    try:
        book = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError as exc:
        raise UnreadableFile(f"{name}：是ZIP压缩包，但不是Excel工作簿（缺少 {exc.args[0]}）。"
                             "请提交用Excel保存的.xlsx文件。", "format") from exc
    except DefusedXmlException as exc:
        raise UnreadableFile(f"{name}：工作簿结构含有不安全的XML（实体声明），已拒绝读取。"
                             "请用Excel打开后另存为新的.xlsx再提交。", "entities") from exc
    except (SafeET.ParseError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        log.debug("%s: workbook part: %r", name, exc)
        raise UnreadableFile(f"{name}：工作簿结构已损坏（工作表清单无法读取）。"
                             "请用Excel打开后另存为新的.xlsx再提交。", "corrupt") from exc
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    out = []
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out.append((sheet.get("name", ""), path, sheet.get("state", "visible") != "visible"))
    return out


_DONE = object()


def prefetched(items, depth: int = 2):
    """Iterate ``items`` (a generator) in a helper thread, up to ``depth`` items ahead.

    For :func:`pieces`: inflating and the CRC (zlib releases the GIL) then overlap with the numpy
    scan of the previous piece. An exception in the generator is raised here, in order; stopping
    early (an exception in the caller) stops the helper after the piece it is on.
    """
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce():
        try:
            for item in items:
                if stop.is_set():
                    break
                out.put((item, None))
        except BaseException as exc:  # handed to the consumer, raised there
            out.put((None, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
            out.put((_DONE, None))

    worker = threading.Thread(target=produce, name="aidtools-inflate", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = out.get()
            if exc is not None:
                raise exc
            if item is _DONE:
                break
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a blocked put() through so the helper sees the stop
            try:
                out.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


def _bounded(digits: bytes) -> int:
    """A column number as written; anything beyond 9 digits counts as 10**9 (no giant int parse)."""
    return int(digits) if len(digits) <= 9 else 10**9


_SCAN_WORKERS = min(2, os.cpu_count() or 1)
THREADED_BYTES = 2 * _CHUNK  # parts larger than this are inflated and measured on helper threads
_helper_threads = True


def use_helper_threads(enabled: bool) -> None:
    """Whether reading one workbook may use helper threads (inflating, measuring pieces, opening
    the workbook while the worksheets are scanned). Off in the worker processes of
    :mod:`aidtools.parallel`, where every core already has a file of its own."""
    global _helper_threads
    _helper_threads = enabled


def helper_threads() -> bool:
    return _helper_threads


def _measured(source, workers: int):
    """(piece, whole, :func:`~aidtools.reading.extents.measure` of the piece), in order. With
    ``workers`` > 1 the measures run on that many threads, a few pieces ahead of the caller."""
    if workers <= 1:
        for piece, whole in source:
            yield piece, whole, measure(piece)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="aidtools-scan") as pool:
        pending: deque = deque()
        for piece, whole in source:
            pending.append((piece, whole, pool.submit(measure, piece)))
            if len(pending) > workers:
                piece, whole, future = pending.popleft()
                yield piece, whole, future.result()
        while pending:
            piece, whole, future = pending.popleft()
            yield piece, whole, future.result()


def scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, first_piece=None) -> SheetScan:
    """Grid size, formula cells, merged ranges, hidden rows and columns (0-based) of one worksheet
    part. ``first_piece(text_only, kinds)``, when given, is called once the first piece is
    measured, with what its cells were (:class:`~aidtools.reading.extents.ColumnKinds`)."""
    scan = SheetScan()
    formulas: set[tuple[int, int]] = set()
    hidden_col_ranges: list[tuple[int, int]] = []
    extents = Extents()
    carry = b""
    source = pieces(archive, info, name)
    big = _helper_threads and info.file_size > THREADED_BYTES  # worth helper threads
    if big:
        source = prefetched(source)
    for piece, whole, measured in _measured(source, _SCAN_WORKERS if big else 0):
        if not whole:
            extents.odd = True
        extents.absorb(measured)
        if first_piece is not None:
            first_piece(extents.text_only, extents.kinds)
            first_piece = None
        if extents.formulas:
            for m in _FORMULA_RE.finditer(carry + piece):
                formulas.add((int(m.group(2)) - 1, column_index(m.group(1).decode())))
        if b"hidden" in piece:
            for m in _ROW_HIDDEN_RE.finditer(piece):
                r = _ROW_NUMBER_RE.search(m.group(0))
                if r:
                    scan.hidden_rows.add(int(r.group(1)) - 1)
            for m in _COL_RE.finditer(piece):
                attrs = dict(_ATTR_RE.findall(m.group(0)))
                if attrs.get(b"hidden") in (b"1", b"true") and attrs.get(b"min", b"").isdigit() \
                        and attrs.get(b"max", b"").isdigit():
                    hidden_col_ranges.append((_bounded(attrs[b"min"]) - 1, _bounded(attrs[b"max"]) - 1))
        if b"mergeCell" in piece:
            scan.merged.extend(_merged_range(m) for m in _MERGE_RE.finditer(piece))
        carry = piece[-_CARRY:]
    if extents.odd:
        try:
            with archive.open(info) as stream:
                scan.rows, scan.columns = exact_extents(stream)
        except DefusedXmlException as exc:
            raise UnreadableFile(f"{name}：部件 {info.filename} 含有不安全的XML，已拒绝读取。"
                                 "请用Excel打开后另存为新的.xlsx再提交。", "entities") from exc
        except Exception as exc:  # SAXParseException and friends: not well-formed XML
            log.debug("%s: part %s: %r", name, info.filename, exc)
            raise UnreadableFile(f"{name}：工作表部件 {info.filename} 不是有效的XML（内容不完整或被改动过）。"
                                 "请用Excel打开后另存为新的.xlsx再提交。", "corrupt") from exc
    else:
        scan.rows, scan.columns = extents.rows, extents.columns
        scan.text_only = extents.text_only
        scan.kinds = extents.kinds
    if first_piece is not None:  # an empty part
        first_piece(scan.text_only, scan.kinds)
    scan.formulas = sorted(formulas)
    scan.hidden_cols = columns_in(hidden_col_ranges)
    return scan


def _merged_range(m: re.Match) -> tuple[tuple[int, int], tuple[int, int]]:
    """A ``<mergeCell ref="B2:C3">`` as ((1, 1), (2, 2)); a one-cell ref spans that cell."""
    c0, r0 = column_index(m.group(1).upper().decode()), int(m.group(2)) - 1
    if m.group(3) is None:
        return (r0, c0), (r0, c0)
    return (r0, c0), (int(m.group(4)) - 1, column_index(m.group(3).upper().decode()))


def scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Stream a part that holds no cells: entity declarations, CRC, the shared-string count claim."""
    for _ in pieces(archive, info, name):
        pass


def is_worksheet_part(part: str) -> bool:
    """A part at the usual place of a worksheet (not a chart sheet, dialog or macro sheet)."""
    return part.startswith("xl/worksheets/") and part.endswith(".xml")


def _worksheet(part: str, sheet_paths: set[str]) -> bool:
    """A listed sheet at the usual place: a part calamine reads only when that sheet is asked for."""
    return part in sheet_paths and is_worksheet_part(part)


def inspect(archive: zipfile.ZipFile, limits: Limits, name: str,
            parts_checked=None) -> tuple[list[tuple[str, str, bool]], dict[str, SheetScan]]:
    """Every check above, in order; returns the sheet list and a :class:`SheetScan` per sheet part.

    Every part but the worksheets is checked first; then ``parts_checked(text_only, kinds)`` (when
    given) is called: from there on, opening the workbook with calamine or fastexcel (which read
    the string table, styles and workbook parts, not the worksheets) is safe while the worksheets
    are scanned.
    Reading a worksheet is safe only once this function has returned. The largest worksheet is
    scanned first, and the arguments say what its first piece held: a guess at which reader the
    file will take, for the caller to open that one.

    Raises :class:`UnreadableFile` when a sheet has more rows than ``limits.max_rows`` or the grids
    together would exceed :func:`~aidtools.reading.limits.cell_budget`.
    """
    check_sizes(archive, limits, name)
    sheets = sheet_parts(archive, name)
    sheet_paths = {part for _, part, _ in sheets}
    scans: dict[str, SheetScan] = {}
    infos = archive.infolist()
    worksheets = [info for info in infos if _worksheet(info.filename, sheet_paths)]
    for info in infos:
        if _worksheet(info.filename, sheet_paths):
            continue
        lower = info.filename.lower()
        # Every .xml part but the string table is measured as a sheet: calamine might resolve a sheet
        # target we did not (a backslash, an odd path), and for non-sheets the measure costs little.
        if info.filename in sheet_paths or (lower.endswith(".xml") and "sharedstrings" not in lower):
            scans[info.filename] = scan_sheet(archive, info, name)
        elif lower.endswith(_XML_SUFFIXES):
            scan_part(archive, info, name)
    worksheets.sort(key=lambda info: -info.file_size)
    if parts_checked is not None and not worksheets:
        parts_checked(False, None)
    for k, info in enumerate(worksheets):
        hint = parts_checked if k == 0 else None
        scans[info.filename] = scan_sheet(archive, info, name, first_piece=hint)
    listed = [(sheet_name, part) for sheet_name, part, _ in sheets if part in scans]
    unlisted = [(part, part) for part, scan in scans.items() if part not in sheet_paths and scan.cells]
    budget = cell_budget(limits, sum(archive.getinfo(part).file_size for _, part in listed + unlisted))
    total = 0
    for sheet_name, part in listed + unlisted:
        scan = scans[part]
        if scan.rows > limits.max_rows + 1:
            raise UnreadableFile(
                f"{name}：工作表“{sheet_name}”有 {scan.rows} 行，超过上限 {limits.max_rows} 行。"
                "请拆分后提交；确需处理时可用 --max-rows 调高上限。", "too_large")
        total += scan.cells
        if total > budget:
            raise UnreadableFile(
                f"{name}：工作表“{sheet_name}”的数据区域达 {scan.rows} 行 × {scan.columns} 列"
                f"（约 {scan.cells // 10_000} 万个单元格，含空白），超出处理上限。常见原因是在很远的单元格"
                "（如第100万行或XFD列）误填了内容。请删除数据区以外的内容后另存为.xlsx再提交。", "too_large")
    return sheets, scans


# Built-in number formats that are not dates or times: General, 0, 0.00, #,##0, #,##0.00, currency,
# percent, fractions, scientific, @ (ECMA-376 18.8.30).
_PLAIN_BUILTIN = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 37, 38, 39, 40, 41, 42, 43, 44, 48, 49}
_QUOTED_RE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_DATE_LETTERS_RE = re.compile(r"[dmyhsegbDMYHSEGB]")


def plain_number_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indices of the cell styles (``s=``) whose number format shows a number, not a date or time:
    a number cell with any other style may be read as a date. When in doubt a style is left out."""
    try:
        root = SafeET.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return {0}  # no styles part: every cell has the default, General
    except (DefusedXmlException, SafeET.ParseError, zipfile.BadZipFile, zlib.error, RuntimeError):
        return set()
    custom = {}
    for fmt in root.iter(f"{_NS_MAIN}numFmt"):
        code = _QUOTED_RE.sub("", fmt.get("formatCode", ""))
        if (fmt.get("numFmtId") or "").isdigit():
            custom[int(fmt.get("numFmtId"))] = not _DATE_LETTERS_RE.search(code) and code != ""
    plain = set()
    xfs = root.find(f"{_NS_MAIN}cellXfs")
    for index, xf in enumerate(xfs.iter(f"{_NS_MAIN}xf") if xfs is not None else ()):
        ident = xf.get("numFmtId", "0")
        if ident.isdigit() and custom.get(int(ident), int(ident) in _PLAIN_BUILTIN):
            plain.add(index)
    return plain if xfs is not None else {0}


def application(archive: zipfile.ZipFile) -> str | None:
    """The application that saved the file (docProps/app.xml), where it says."""
    try:
        root = SafeET.fromstring(archive.read("docProps/app.xml"))
    except (KeyError, DefusedXmlException, SafeET.ParseError, zipfile.BadZipFile, zlib.error, RuntimeError):
        return None
    for el in root.iter():
        if el.tag.endswith("}Application") and el.text:
            return el.text.strip()
    return None
