"""Open any submitted file and return its sheets as raw values (python-calamine does the parsing).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "empty.xlsx"
>>> _ = p.write_bytes(b"")
>>> try:
...     read_file(p)
... except UnreadableFile as exc:
...     print(exc.reason)
empty
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from aidtools.reading import xlsx_parts
from aidtools.reading.errors import UnreadableFile
from aidtools.reading.limits import DEFAULT_LIMITS, Limits
from aidtools.reading.model import Sheet, Workbook

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv",)
SUFFIXES = WORKBOOK_SUFFIXES + CSV_SUFFIXES

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_file(path, limits: Limits = DEFAULT_LIMITS) -> Workbook:
    """Read a workbook or CSV; raise :class:`UnreadableFile` with a Chinese message otherwise."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFile(f"{name}：无法访问文件（{exc.strerror}）。请检查文件是否存在、是否被占用。", "io") from exc
    if size == 0:
        raise UnreadableFile(f"{name}：文件是空的（0字节），可能保存或传输失败。请重新保存后提交。", "empty")
    if size > limits.max_file_bytes:
        raise UnreadableFile(f"{name}：文件大小 {size // 1024**2} MB 超过上限，请拆分后提交。", "too_large")
    data = path.read_bytes()
    digest = sha256_of(data)
    head = data[:1024]
    suffix = path.suffix.lower()

    if head.startswith(_ZIP):
        return _read_zip(path, data, digest, limits)
    if head.startswith(_OLE):
        if _ENCRYPTED_MARK in data[:1_000_000] or _ENCRYPTED_MARK in data[-1_000_000:]:
            raise UnreadableFile(f"{name}：文件设置了打开密码（已加密），无法检查。请取消密码后另存为.xlsx再提交"
                                 "（文件→信息→保护工作簿→用密码进行加密，清空密码）。", "encrypted")
        return _read_calamine(path, data, digest, "xls", limits, {}, set())
    sniff = head.lstrip(b"\xef\xbb\xbf \r\n\t").lower()
    if sniff.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")) or b"<html" in sniff[:200]:
        raise UnreadableFile(f"{name}：这是网页(HTML)表格，只是扩展名为{suffix or '（无）'}，不是真正的Excel文件"
                             "（常见于从其他系统导出）。请用Excel打开后“另存为”Excel工作簿(.xlsx)再提交。", "html")
    if sniff.startswith(b"<?xml"):
        raise UnreadableFile(f"{name}：这是XML表格（Excel 2003 XML），不是标准的Excel工作簿。"
                             "请用Excel打开后“另存为”.xlsx再提交。", "format")
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, data, digest, limits)
    if suffix in WORKBOOK_SUFFIXES:
        raise UnreadableFile(f"{name}：文件内容不是Excel工作簿（文件损坏或扩展名被改过）。"
                             "请用Excel打开确认后重新保存为.xlsx提交。", "corrupt")
    raise UnreadableFile(f"{name}：不支持的文件类型{suffix}。请提交.xlsx、.xlsm、.xls或.csv文件。", "format")


def _read_zip(path: Path, data: bytes, digest: str, limits: Limits) -> Workbook:
    name = path.name
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        bad = archive.testzip() if len(data) < 5 * 1024**2 else None
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise UnreadableFile(f"{name}：文件不完整或已损坏（{exc}），可能下载或拷贝时中断。请重新保存后提交。", "corrupt") from exc
    if bad:
        raise UnreadableFile(f"{name}：压缩包中的 {bad} 已损坏，可能文件不完整。请重新保存后提交。", "corrupt")
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            if "word/document.xml" in names:
                what = "Word文档"
            elif "ppt/presentation.xml" in names:
                what = "PowerPoint文档"
            else:
                what = "普通ZIP压缩包"
            raise UnreadableFile(f"{name}：这是{what}，不是Excel工作簿。请提交资助中心下发模板填写的Excel文件。", "format")
        xlsx_parts.check_parts(archive, limits, name)
        parts = xlsx_parts.sheet_parts(archive, name)
        structure = {}
        hidden_sheets = set()
        for sheet_name, part, hidden in parts:
            formulas, hidden_rows, hidden_cols, _ = xlsx_parts.scan_sheet(archive, part)
            structure[sheet_name] = (formulas, hidden_rows, hidden_cols)
            if hidden:
                hidden_sheets.add(sheet_name)
        writer = xlsx_parts.application(archive)
        macros = "xl/vbaProject.bin" in names
    fmt = "xlsm" if (macros or path.suffix.lower() == ".xlsm") else "xlsx"
    book = _read_calamine(path, data, digest, fmt, limits, structure, hidden_sheets)
    book.has_macros = macros
    book.writer = writer
    return book


def _read_calamine(path, data, digest, fmt, limits, structure, hidden_sheets) -> Workbook:
    name = path.name
    try:
        calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet_names = list(calamine.sheet_names)
        sheets = {}
        for sheet_name in sheet_names:
            cal_sheet = calamine.get_sheet_by_name(sheet_name)
            rows = cal_sheet.to_python(skip_empty_area=False)
            if len(rows) > limits.max_rows + 1:
                raise UnreadableFile(f"{name}：工作表“{sheet_name}”有 {len(rows)} 行，超过上限 {limits.max_rows}。请拆分后提交。",
                                     "too_large")
            merged = list(getattr(cal_sheet, "merged_cell_ranges", None) or [])
            formulas, hidden_rows, hidden_cols = structure.get(sheet_name, ([], set(), set()))
            sheets[sheet_name] = Sheet(
                name=sheet_name, rows=rows, merged=merged, formulas=formulas,
                hidden_rows=hidden_rows, hidden_cols=hidden_cols, hidden=sheet_name in hidden_sheets,
            )
    except UnreadableFile:
        raise
    except Exception as exc:  # calamine raises several error types for broken files
        text = str(exc)
        if "password" in text.lower() or "encrypt" in text.lower():
            raise UnreadableFile(f"{name}：文件已加密，无法检查。请取消密码后另存为.xlsx再提交。", "encrypted") from exc
        raise UnreadableFile(f"{name}：文件已损坏，无法读取（{type(exc).__name__}: {text[:120]}）。"
                             "请用Excel打开并另存为新的.xlsx后再提交。", "corrupt") from exc
    return Workbook(path=path, format=fmt, sha256=digest, size=len(data), sheet_names=sheet_names, sheets=sheets)


def decode_csv(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) first, then GBK/GB18030 as Chinese Excel writes it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"{name}：CSV文件的编码无法识别（不是UTF-8也不是GBK）。请用Excel另存为.xlsx后提交。", "encoding")


def _read_csv(path: Path, data: bytes, digest: str, limits: Limits) -> Workbook:
    name = path.name
    if b"\x00" in data[:4096]:
        raise UnreadableFile(f"{name}：CSV文件含有二进制内容（可能是UTF-16编码或已损坏）。请另存为UTF-8的CSV或.xlsx后提交。",
                             "encoding")
    text = decode_csv(data, name)
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, engine="python" if len(text) < 1_000 else "c",
                            nrows=limits.max_rows + 2)
    except (pd.errors.ParserError, ValueError) as exc:
        raise UnreadableFile(f"{name}：CSV格式错误（{str(exc)[:120]}）。请用Excel打开检查后另存为.xlsx提交。", "corrupt") from exc
    if len(frame) > limits.max_rows + 1:
        raise UnreadableFile(f"{name}：超过 {limits.max_rows} 行的上限。请拆分后提交。", "too_large")
    rows = frame.to_numpy(dtype=object).tolist()
    sheet = Sheet(name=path.stem, rows=rows)
    return Workbook(path=path, format="csv", sha256=digest, size=len(data), sheet_names=[sheet.name],
                    sheets={sheet.name: sheet})
