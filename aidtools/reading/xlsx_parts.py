"""A look inside an .xlsx/.xlsm zip before any parser expands it.

- sizes and compression ratios of every part (zip bombs are refused before they are expanded);
- entity declarations (``<!DOCTYPE``/``<!ENTITY``, the "billion laughs") in any XML part;
- the sheet list from ``xl/workbook.xml``, parsed with defusedxml;
- a streaming byte scan of each sheet's XML for what calamine does not report: formula cells,
  hidden rows and hidden columns. No second full parse: the scan looks only at tags it needs.
"""
from __future__ import annotations

import posixpath
import re
import zipfile

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from aidtools.reading.errors import UnreadableFile
from aidtools.reading.limits import Limits

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_FORMULA_RE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>\s*<(?:\w+:)?f\b')
_ROW_HIDDEN_RE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER_RE = re.compile(rb'\br="(\d+)"')
_COL_RE = re.compile(rb'<(?:\w+:)?col\b[^>]*>')
_ATTR_RE = re.compile(rb'\b(min|max|hidden)="([^"]*)"')
_CHUNK = 4 * 1024 * 1024
_OVERLAP = 2048


def column_index(letters: str) -> int:
    """``"A"`` → 0, ``"AB"`` → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def check_parts(archive: zipfile.ZipFile, limits: Limits, name: str) -> None:
    """Refuse zip bombs and entity declarations before anything is expanded."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise UnreadableFile(
                f"{name}：解压后超过 {limits.max_uncompressed_bytes // 1024**2} MB，超出处理上限"
                "（可能是压缩炸弹）。请确认文件内容，必要时拆分后重新提交。", "bomb")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.min_bomb_bytes and ratio > limits.max_compression_ratio:
            raise UnreadableFile(
                f"{name}：部件 {info.filename} 压缩比异常（{ratio:.0f} 倍），疑似压缩炸弹，已拒绝读取。"
                "请用Excel重新另存为.xlsx后提交。", "bomb")
    for info in archive.infolist():
        if info.filename.endswith((".xml", ".rels", ".vml")):
            with archive.open(info) as part:
                head = part.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UnreadableFile(
                    f"{name}：部件 {info.filename} 含有XML实体声明（可能是“XML炸弹”），已拒绝读取。"
                    "请用Excel打开后另存为新的.xlsx再提交。", "entities")


def sheet_parts(archive: zipfile.ZipFile, name: str) -> list[tuple[str, str, bool]]:
    """(sheet name, part path, hidden) for every worksheet, in workbook order."""
    try:
        book = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError as exc:
        raise UnreadableFile(f"{name}：是ZIP压缩包，但不是Excel工作簿（缺少 {exc.args[0]}）。"
                             "请提交用Excel保存的.xlsx文件。", "format") from exc
    except (DefusedXmlException, SafeET.ParseError) as exc:
        raise UnreadableFile(f"{name}：工作簿结构损坏或含有不安全的XML（{type(exc).__name__}）。"
                             "请用Excel打开后另存为新的.xlsx再提交。", "corrupt") from exc
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    out = []
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out.append((sheet.get("name", ""), path, sheet.get("state", "visible") != "visible"))
    return out


def scan_sheet(archive: zipfile.ZipFile, part: str) -> tuple[list[tuple[int, int]], set[int], set[int], int]:
    """Formula cells, hidden rows, hidden columns (0-based) and the count of formula tags."""
    formulas: set[tuple[int, int]] = set()
    hidden_rows: set[int] = set()
    hidden_cols: set[int] = set()
    formula_tags = 0
    try:
        stream = archive.open(part)
    except KeyError:
        return [], set(), set(), 0
    with stream:
        tail = b""
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            data = tail + chunk
            # Tags wholly inside the overlap were seen last time: count formula tags once only.
            formula_tags += chunk.count(b"<f>") + chunk.count(b"<f ") + chunk.count(b"<f/>")
            if b"<f" in data or b":f" in data:
                for m in _FORMULA_RE.finditer(data):
                    formulas.add((int(m.group(2)) - 1, column_index(m.group(1).decode())))
            if b"hidden" in data:
                for m in _ROW_HIDDEN_RE.finditer(data):
                    r = _ROW_NUMBER_RE.search(m.group(0))
                    if r:
                        hidden_rows.add(int(r.group(1)) - 1)
                for m in _COL_RE.finditer(data):
                    attrs = dict(_ATTR_RE.findall(m.group(0)))
                    if attrs.get(b"hidden") in (b"1", b"true") and b"min" in attrs and b"max" in attrs:
                        hidden_cols.update(range(int(attrs[b"min"]) - 1, min(int(attrs[b"max"]), 16384)))
            tail = data[-_OVERLAP:]
    return sorted(formulas), hidden_rows, hidden_cols, formula_tags


def application(archive: zipfile.ZipFile) -> str | None:
    """The application that saved the file (docProps/app.xml), where it says."""
    try:
        root = SafeET.fromstring(archive.read("docProps/app.xml"))
    except (KeyError, DefusedXmlException, SafeET.ParseError):
        return None
    for el in root.iter():
        if el.tag.endswith("}Application") and el.text:
            return el.text.strip()
    return None
