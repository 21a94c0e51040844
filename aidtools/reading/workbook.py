"""Open any submitted file and return its sheets as raw values (python-calamine does the parsing;
.xlsx sheets whose columns each hold one kind of cell go through fastexcel into Arrow columns,
:mod:`~aidtools.reading.grid`).

Everything that could make calamine exhaust memory or abort the process is checked first, from
the file's own structure (:mod:`~aidtools.reading.xlsx_parts` for .xlsx/.xlsm,
:mod:`~aidtools.reading.biff` for .xls); a file that fails any check raises
:class:`UnreadableFile` with a Chinese message that names the file and says what to do.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "empty.xlsx"
>>> _ = p.write_bytes(b"")
>>> try:
...     read_file(p)
... except UnreadableFile as exc:
...     print(exc.reason, exc.message.split("，")[0])
empty empty.xlsx：文件是空的（0字节）
"""
from __future__ import annotations

import errno
import hashlib
import io
import logging
import re
import struct
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

from python_calamine import CalamineWorkbook

from aidtools.reading import biff, cfb, ods, package, read_ahead, xlsb, xlsx_parts
from aidtools.reading.errors import UnreadableFile
from aidtools.reading.limits import DEFAULT_LIMITS, Limits, cell_budget
from aidtools.reading.model import Sheet, Workbook
from aidtools.reading.names import readable_name

log = logging.getLogger(__name__)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".tsv")
# Excel's "Unicode 文本(*.txt)": tab-separated UTF-16. Read as such (the inventory reads a .txt only
# when it starts with a UTF-16 byte order mark).
TEXT_SUFFIXES = (".txt",)
SUFFIXES = WORKBOOK_SUFFIXES + CSV_SUFFIXES

_ZIP = b"PK\x03\x04"
_HTML_STARTS = (b"<html", b"<!doctype html", b"<table", b"<meta", b"<head", b"<body", b"<style")
_ENCRYPTED_STREAMS = {"EncryptedPackage", "EncryptionInfo"}
_SAVE_AS = "请用Excel打开后“另存为”Excel工作簿(.xlsx)再提交。"
# BIFF2, BIFF3 and BIFF4 (Excel 2.x, 3.0, 4.0): a bare record stream, no OLE container, that starts
# with its BOF record (0x0009, 0x0209, 0x0409) and a length of a few bytes.
_OLD_BOFS = (b"\x09\x00", b"\x09\x02", b"\x09\x04")


_OS_REASONS = {errno.ENOENT: "文件不存在或已被移走", errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限",
               errno.EBUSY: "文件正被其他程序占用", errno.EISDIR: "这是文件夹", errno.ENAMETOOLONG: "文件名过长",
               errno.EIO: "磁盘读取错误"}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _encrypted(name: str) -> UnreadableFile:
    return UnreadableFile(f"{name}：文件设置了打开密码（已加密），无法检查。请取消密码后另存为.xlsx再提交"
                          "（Excel：文件→信息→保护工作簿→用密码进行加密，清空密码；WPS：文件→文档加密）。", "encrypted")


def read_file(path, limits: Limits = DEFAULT_LIMITS) -> Workbook:
    """Read a workbook or CSV; raise :class:`UnreadableFile` with a Chinese message otherwise.

    A read of the same file with the same limits started ahead (:mod:`~aidtools.reading.read_ahead`)
    is taken instead, once."""
    ahead = read_ahead.take(path, limits)
    if ahead is not None:
        return ahead.result()
    return read_now(path, limits)


def _nothing() -> None:
    pass


def read_now(path, limits: Limits = DEFAULT_LIMITS, scanned=_nothing) -> Workbook:
    """:func:`read_file` itself. ``scanned()`` is called once the file has passed every safety check,
    just before it is parsed: from there on the parse of a workbook runs in Rust (the Arrow route
    without holding the GIL), and :mod:`~aidtools.reading.read_ahead` lets the caller's thread go on."""
    path = Path(path)
    name = readable_name(path.name)
    try:
        size = path.stat().st_size
        if size == 0:
            raise UnreadableFile(f"{name}：文件是空的（0字节），可能保存或传输失败。请重新保存后提交。", "empty")
        if size > limits.max_file_bytes:
            raise UnreadableFile(f"{name}：文件大小 {size // 1024**2} MB 超过上限 {limits.max_file_bytes // 1024**2} MB，"
                                 "请拆分后提交。", "too_large")
        with path.open("rb") as handle:
            head = handle.read(4096)
            handle.seek(0)
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        log.debug("%s: %r", name, exc)
        why = _OS_REASONS.get(exc.errno, "系统拒绝读取")
        raise UnreadableFile(f"{name}：无法访问文件（{why}）。请检查文件是否存在、是否被其他程序占用、是否有读取权限。",
                             "io") from exc
    suffix = path.suffix.lower()

    if head.startswith(_ZIP):
        return _read_zip(path, digest, size, limits, scanned)
    if head.startswith(cfb.SIGNATURE):
        return _read_ole(path, digest, size, limits, scanned)
    if head[:2] in _OLD_BOFS and 4 <= struct.unpack_from("<H", head, 2)[0] <= 16:
        raise UnreadableFile(f"{name}：这是Excel 2.x–4.0（1987–1992年）的旧格式工作表，无法直接读取。"
                             f"请用Excel或WPS打开（如提示“受保护的视图”，点“启用编辑”）后另存为.xlsx再提交。", "old_excel")
    sniff = head.lstrip(b"\xef\xbb\xbf \r\n\t").lower()
    if sniff.startswith(_HTML_STARTS) or b"<html" in sniff[:512] or b"<table" in sniff[:512]:
        raise UnreadableFile(f"{name}：这是网页(HTML)表格，只是扩展名为{suffix or '（无）'}，不是真正的Excel文件"
                             f"（常见于从其他系统导出）。{_SAVE_AS}", "html")
    if sniff.startswith(b"<?xml"):
        raise UnreadableFile(f"{name}：这是XML表格（Excel 2003 XML），不是标准的Excel工作簿。{_SAVE_AS}", "format")
    if suffix in CSV_SUFFIXES + TEXT_SUFFIXES:
        return _read_csv(path, digest, size, limits)
    if suffix in WORKBOOK_SUFFIXES:
        raise UnreadableFile(f"{name}：文件内容不是Excel工作簿（文件损坏或扩展名被改过）。"
                             "请用Excel打开确认后重新保存为.xlsx提交。", "corrupt")
    raise UnreadableFile(f"{name}：不支持的文件类型{suffix}。请提交.xlsx、.xlsm、.xls、.xlsb、.ods或.csv文件。", "format")


_NOT_WORKBOOKS = {"word": "Word文档", "powerpoint": "PowerPoint演示文稿", "odf": "OpenDocument文本或演示文稿"}


def _not_a_workbook(name: str, kind: str, names: list[str]) -> UnreadableFile:
    if kind == "macro_sheet":
        return UnreadableFile(f"{name}：含有Excel 4.0宏表（旧式宏，可自动执行命令，常被病毒利用），为安全起见未读取。"
                              "请删除宏表（右键该工作表标签→删除）后另存为.xlsx再提交。", "macro_sheet")
    if kind in _NOT_WORKBOOKS:
        return UnreadableFile(f"{name}：这是{_NOT_WORKBOOKS[kind]}，不是Excel工作簿。"
                              "请提交用资助中心下发模板填写的Excel文件。", "format")
    inside = package.workbook_members(names)
    if inside:
        return UnreadableFile(f"{name}：这是ZIP压缩包（内有{len(inside)}个表格文件，如“{Path(inside[0]).name}”），"
                              "不是Excel工作簿。请解压后提交其中的Excel文件，或把扩展名改回.zip。", "format")
    return UnreadableFile(f"{name}：这是普通ZIP压缩包，里面没有Excel工作簿。请提交用资助中心下发模板填写的Excel文件。",
                          "format")


def _read_zip(path: Path, digest: str, size: int, limits: Limits, scanned=_nothing) -> Workbook:
    name = readable_name(path.name)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        log.debug("%s: zipfile: %r", name, exc)
        raise UnreadableFile(f"{name}：文件不完整或已损坏（压缩结构无法打开），可能下载或拷贝时中断。"
                             "请重新保存或重新下载后提交。", "corrupt") from exc
    with archive:
        names = archive.namelist()
        kind = package.kind_of(set(names), ods_spreadsheet=ods.is_spreadsheet(archive))
        if kind in ("xlsb", "ods", "package"):
            {"xlsb": xlsb.inspect, "ods": ods.inspect, "package": package.inspect}[kind](archive, limits, name)
        elif kind != "xlsx":
            raise _not_a_workbook(name, kind, names)
    if kind != "xlsx":
        fmt = {"package": "xlsm" if path.suffix.lower() == ".xlsm" else "xlsx"}.get(kind, kind)
        scanned()
        return _with_openpyxl_fallback(path, digest, size, fmt, limits, kind == "package",
                                       lambda: _read_calamine(path, digest, size, fmt, limits, {}, None))
    return _read_xlsx(path, digest, size, limits, scanned)


def _with_openpyxl_fallback(path, digest, size, fmt, limits, fallback: bool, read) -> Workbook:
    """``read()``; when calamine finds the package damaged and ``fallback`` is on, openpyxl is tried
    (it finds the workbook part from the package's relationships, where calamine expects Excel's
    own layout); when openpyxl cannot read it either, calamine's verdict stands."""
    try:
        return read()
    except UnreadableFile as exc:
        if not fallback or exc.reason != "corrupt":
            raise
        try:
            return _read_openpyxl(path, digest, size, fmt, limits)
        except UnreadableFile:
            raise
        except Exception as second:  # openpyxl's many errors: its text goes to the debug log only
            log.debug("%s: openpyxl: %r", path.name, second)
            raise exc from None


def _read_openpyxl(path: Path, digest: str, size: int, fmt: str, limits: Limits) -> Workbook:
    """Every worksheet's values with openpyxl (read-only, cached values of formulas). Only for a
    package :func:`xlsx_parts.inspect` or :func:`package.inspect` has checked."""
    import warnings

    import openpyxl

    name = path.name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheets = {}
            for ws in book.worksheets:
                ws.reset_dimensions()
                rows = []
                for row in ws.iter_rows(values_only=True):
                    rows.append(list(row))
                    if len(rows) > limits.max_rows + 1:
                        raise UnreadableFile(f"{name}：工作表“{ws.title}”超过 {limits.max_rows} 行的上限。请拆分后提交。",
                                             "too_large")
                width = max((len(r) for r in rows), default=0)
                rows = [r + [None] * (width - len(r)) for r in rows]
                sheets[ws.title] = Sheet(ws.title, rows, hidden=ws.sheet_state != "visible")
        finally:
            book.close()
    log.debug("%s: read with openpyxl (calamine could not open the package)", name)
    return Workbook(path=path, format=fmt, sha256=digest, size=size, sheet_names=list(sheets), sheets=sheets)


def _read_xlsx(path: Path, digest: str, size: int, limits: Limits, scanned=_nothing) -> Workbook:
    """An .xlsx/.xlsm laid out as Excel lays it out: scanned part by part, read by fastexcel's
    columns where they suit, else calamine's rows, else (a package calamine cannot open) openpyxl."""
    name = path.name
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        opening = _Opening(path)
        styles = _PlainStyles(archive)

        def parts_checked(text_only, kinds):
            opening.start(text_only or (kinds is not None and _suits_typed(kinds, styles)))
        try:
            parts, scans = xlsx_parts.inspect(archive, limits, name,
                                              parts_checked=parts_checked if xlsx_parts.helper_threads() else None)
        except BaseException:
            opening.discard()
            raise
        structure, hidden_sheets = {}, set()
        for sheet_name, part, hidden in parts:
            scan = scans.get(part, xlsx_parts.SheetScan())
            structure[sheet_name] = (scan.formulas, scan.hidden_rows, scan.hidden_cols)
            if hidden:
                hidden_sheets.add(sheet_name)
        writer = xlsx_parts.application(archive)
        macros = any(n.lower().endswith("vbaproject.bin") for n in names)
        routes = _grid_routes(parts, scans, styles) if _columnar else None
    fmt = "xlsm" if (macros or path.suffix.lower() == ".xlsm") else "xlsx"

    def read() -> Workbook:
        book = None
        if routes is not None:
            book = _read_grids(path, digest, size, fmt, limits, parts, scans, routes, opening)
        if book is None:
            book = _read_calamine(path, digest, size, fmt, limits, structure, hidden_sheets, opening)
        return book

    scanned()
    book = _with_openpyxl_fallback(path, digest, size, fmt, limits, True, read)
    book.has_macros = macros
    book.writer = writer
    return book


def _read_ole(path: Path, digest: str, size: int, limits: Limits, scanned=_nothing) -> Workbook:
    name = readable_name(path.name)
    data = path.read_bytes()
    try:
        streams = cfb.stream_names(data)
        if streams & _ENCRYPTED_STREAMS:
            raise _encrypted(name)
        stream_name = next((s for s in ("Workbook", "Book", "WORKBOOK", "BOOK") if s in streams), None)
        if stream_name is None:
            what = "Word文档(.doc)" if "WordDocument" in streams else "其他Office文档"
            raise UnreadableFile(f"{name}：这是{what}，不是Excel工作簿。请提交用资助中心下发模板填写的Excel文件。", "format")
        stream = cfb.read_stream(data, stream_name)
        scan = biff.scan_biff(stream)
        budget = cell_budget(limits, len(stream))
        del stream
    except (cfb.CfbError, KeyError, ValueError, IndexError, struct.error) as exc:
        log.debug("%s: OLE container: %r", name, exc)
        raise UnreadableFile(f"{name}：文件已损坏，无法读取（Excel 97-2003 文件的内部结构不完整）。{_SAVE_AS}",
                             "corrupt") from exc
    del data
    if scan.encrypted:
        raise _encrypted(name)
    for rows, columns in scan.grids:
        if rows > limits.max_rows + 1:
            raise UnreadableFile(f"{name}：有工作表达 {rows} 行，超过上限 {limits.max_rows} 行。请拆分后提交。", "too_large")
    if scan.cells > budget:
        rows, columns = max(scan.grids, key=lambda g: g[0] * g[1])
        raise UnreadableFile(f"{name}：有工作表的数据区域达 {rows} 行 × {columns} 列（约 {scan.cells // 10_000} 万个单元格，"
                             f"含空白），超出处理上限，文件可能已损坏或在很远的单元格里有内容。{_SAVE_AS}", "too_large")
    scanned()
    return _read_calamine(path, digest, size, "xls", limits, scan.structure, None)


_columnar = True


def use_columnar(enabled: bool) -> None:
    """Whether .xlsx sheets whose columns each hold one kind of cell are read into Arrow columns
    (:mod:`aidtools.reading.grid`). On by default; off, every file is read as calamine's rows (the
    tests compare the two)."""
    global _columnar
    _columnar = enabled


def _open_fastexcel(source: str | bytes):
    import fastexcel
    return fastexcel.read_excel(source)


def _open_calamine(source: str | bytes):
    if isinstance(source, bytes):
        return CalamineWorkbook.from_filelike(io.BytesIO(source))
    return CalamineWorkbook.from_path(source)


def _source(path: Path) -> str | bytes:
    """What the parsers open: the path, or the file's bytes when its name is not UTF-8 (the parsers,
    written in Rust, cannot be given such a name)."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return path.read_bytes()


class _Opening:
    """Opening the workbook in a helper thread, started once every part the open reads has been
    checked (:func:`xlsx_parts.inspect` calls :meth:`start`), so that the parse of the string table
    overlaps the scan of the worksheets. What is opened follows the scan's first guess: fastexcel for
    the Arrow route when the first piece of the largest sheet suits it, calamine otherwise.
    :meth:`result` asks for one kind; a guess that was wrong (or no :meth:`start`) opens it in place."""

    _OPENERS = {"grid": _open_fastexcel, "rows": _open_calamine}

    def __init__(self, path: Path):
        self._path = _source(Path(path))
        self._kind: str | None = None
        self._thread: threading.Thread | None = None
        self._outcome: tuple[object, BaseException | None] = (None, None)

    def _open(self) -> None:
        try:
            self._outcome = (self._OPENERS[self._kind](self._path), None)
        except BaseException as exc:  # raised again by result(), in the reader's own error handling
            self._outcome = (None, exc)

    def start(self, columnar: bool = False) -> None:
        self._kind = "grid" if (_columnar and columnar) else "rows"
        self._thread = threading.Thread(target=self._open, name="aidtools-open", daemon=True)
        self._thread.start()

    def result(self, kind: str):
        """The workbook opened by calamine (``"rows"``) or fastexcel (``"grid"``)."""
        if self._thread is None or self._kind != kind:
            self.discard()
            return self._OPENERS[kind](self._path)
        self._thread.join()
        self._thread = None
        book, exc = self._outcome
        self._outcome = (None, None)
        if exc is not None:
            raise exc
        return book

    def discard(self) -> None:
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        self._outcome = (None, None)


_CODEPAGE_RE = re.compile(r"codepage\s+([0-9A-Fa-f]+)", re.IGNORECASE)


def parser_error(name: str, exc: BaseException) -> UnreadableFile:
    """What an exception out of calamine or fastexcel means for the sender, in Chinese; the
    library's own text goes to the debug log only.

    >>> parser_error("a.xls", Exception("Cfb error: Codepage 1F41 not found")).message.split("，")[0]
    'a.xls：文件使用了无法识别的字符编码（代码页 8001）'
    >>> parser_error("a.xlsx", Exception("Unrecognized sheet:type: xl/macrosheets/sheet2.xml")).reason
    'macro_sheet'
    """
    text = str(exc)
    log.debug("%s: %s: %s", name, type(exc).__name__, text[:500])
    lower = text.lower()
    if "password" in lower or "encrypt" in lower:
        return _encrypted(name)
    if "macrosheet" in lower:
        return _not_a_workbook(name, "macro_sheet", [])
    if (m := _CODEPAGE_RE.search(text)) and "not found" in lower:
        number = int(m.group(1), 16)
        return UnreadableFile(f"{name}：文件使用了无法识别的字符编码（代码页 {number}），常见于其他软件导出的.xls。"
                              "请用Excel或WPS打开，确认文字显示正常后另存为.xlsx再提交。", "codepage")
    return UnreadableFile(f"{name}：文件已损坏，无法读取。请用Excel打开并另存为新的.xlsx后再提交"
                          "（如Excel也打不开，请重新导出或重新填写模板）。", "corrupt")


@contextmanager
def _parser_errors(name: str):
    """An exception out of calamine or fastexcel (several error types, and pyo3's PanicException)
    becomes :class:`UnreadableFile` (:func:`parser_error`)."""
    try:
        yield
    except (UnreadableFile, KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:
        raise parser_error(name, exc) from exc


class _PlainStyles:
    """The workbook's cell styles that show numbers, not dates (read from styles.xml once, when
    first asked)."""

    def __init__(self, archive):
        self._archive, self._plain = archive, None

    def cover(self, styles: set[int]) -> bool:
        if self._plain is None:
            self._plain = xlsx_parts.plain_number_styles(self._archive)
        return styles <= self._plain


def _suits_typed(kinds, styles: _PlainStyles) -> bool:
    """Text in row 1, one kind of cell per column below, numbers not styled as dates (for those,
    calamine decides what is a date)."""
    return kinds.typed_columns and styles.cover(kinds.number_styles)


def _grid_routes(parts, scans, styles: _PlainStyles) -> dict[str, bool] | None:
    """For each sheet part, whether it is read with row 1 apart (``typed``: see :func:`_suits_typed`)
    or whole (every cell text); None when a sheet suits neither."""
    routes = {}
    for _, part, _ in parts:
        scan = scans.get(part)
        if scan is None or not xlsx_parts.is_worksheet_part(part):
            return None
        if scan.text_only:
            routes[part] = False
        elif scan.kinds is not None and _suits_typed(scan.kinds, styles):
            routes[part] = True
        else:
            return None
    return routes


def _read_grids(path, digest, size, fmt, limits, parts, scans, routes, opening: _Opening) -> Workbook | None:
    """Every sheet as a :class:`~aidtools.reading.grid.Grid`, or None when one cannot be."""
    from aidtools.reading import grid

    name = readable_name(path.name)
    with _parser_errors(name):
        reader = opening.result("grid")
        sheet_names = [sheet_name for sheet_name, _, _ in parts]
        if list(reader.sheet_names) != sheet_names:
            return None
        sheets = {}
        for sheet_name, part, hidden in parts:
            cells = grid.load(reader, sheet_name, typed=routes[part], rows=scans[part].rows)
            if cells is None:
                return None
            if cells.height > limits.max_rows + 1:
                raise UnreadableFile(f"{name}：工作表“{sheet_name}”有 {cells.height} 行，超过上限 {limits.max_rows}。"
                                     "请拆分后提交。", "too_large")
            scan = scans[part]
            sheets[sheet_name] = Sheet(sheet_name, grid=cells, merged=list(scan.merged), formulas=scan.formulas,
                                       hidden_rows=scan.hidden_rows, hidden_cols=scan.hidden_cols, hidden=hidden)
    return Workbook(path=path, format=fmt, sha256=digest, size=size, sheet_names=sheet_names, sheets=sheets)


def _read_calamine(path, digest, size, fmt, limits, structure, hidden_sheets, opening: _Opening | None = None) -> Workbook:
    name = readable_name(path.name)
    with _parser_errors(name):
        calamine = opening.result("rows") if opening is not None else _open_calamine(_source(path))
        worksheets = {m.name for m in calamine.sheets_metadata if str(m.typ).endswith("WorkSheet")}
        if callable(structure):  # .xls: the BIFF walk's structure, by calamine's sheet names
            structure = structure(list(calamine.sheet_names))
        if hidden_sheets is None:  # .xls: calamine says which sheets are hidden
            hidden_sheets = {m.name for m in calamine.sheets_metadata if not str(m.visible).endswith("Visible")}
        sheet_names = [s for s in calamine.sheet_names if s in worksheets] or list(calamine.sheet_names)
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
                sheet_name, rows, merged=merged, formulas=formulas,
                hidden_rows=hidden_rows, hidden_cols=hidden_cols, hidden=sheet_name in hidden_sheets,
            )
    return Workbook(path=path, format=fmt, sha256=digest, size=size, sheet_names=sheet_names, sheets=sheets)


def _utf16(data: bytes) -> str | None:
    """The UTF-16 codec of text with no byte order mark, from where its zero bytes fall (ASCII
    punctuation and digits, frequent in any table, have a zero high byte); None when it is not."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > len(sample) // 8 and even <= odd // 8:
        return "utf-16-le"
    if even > len(sample) // 8 and odd <= even // 8:
        return "utf-16-be"
    return None


def decode_csv(data: bytes, name: str) -> str:
    """UTF-16 with a byte order mark (Excel's "Unicode 文本") or recognisably without one, then UTF-8
    (with or without BOM), then GBK/GB18030 as Chinese Excel writes it.

    >>> decode_csv("学号".encode("gbk"), "x.csv"), decode_csv("\\ufeff学号".encode("utf-8"), "x.csv")
    ('学号', '学号')
    >>> decode_csv("学号,1".encode("utf-16"), "x.csv"), decode_csv("学号,1".encode("utf-16-be"), "x.csv")
    ('学号,1', '学号,1')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif codec := _utf16(data):
        encodings = (codec,)
    elif b"\x00" in data[:4096]:
        raise UnreadableFile(f"{name}：文件含有二进制内容，不是文本表格（CSV）。请在Excel中另存为.xlsx后提交。", "encoding")
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"{name}：文本文件的编码无法识别（不是UTF-8、GBK，也不是UTF-16）。请用Excel另存为.xlsx后提交。",
                         "encoding")


def separator(text: str, suffix: str) -> str:
    """Tab for .tsv and .txt (Excel's text formats), else whichever of tab and comma the first line
    has more of.

    >>> separator("学号\\t姓名", ".csv"), separator("学号,姓名", ".csv"), separator("a,b", ".tsv")
    ('\\t', ',', '\\t')
    """
    if suffix in (".tsv", ".txt"):
        return "\t"
    first = text[:4096].split("\n", 1)[0]
    return "\t" if first.count("\t") > first.count(",") else ","


def _read_csv(path: Path, digest: str, size: int, limits: Limits) -> Workbook:
    import pandas as pd  # only text files need it here

    name = readable_name(path.name)
    data = path.read_bytes()
    text = decode_csv(data, name).lstrip("\ufeff")
    del data
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, engine="python" if len(text) < 1_000 else "c",
                            sep=separator(text, path.suffix.lower()), nrows=limits.max_rows + 2)
    except (pd.errors.ParserError, ValueError) as exc:
        log.debug("%s: pandas: %r", name, exc)
        raise UnreadableFile(f"{name}：表格文本的格式有误（某些行的列数不一致或引号不成对）。"
                             "请用Excel打开检查后另存为.xlsx提交。", "corrupt") from exc
    if len(frame) > limits.max_rows + 1:
        raise UnreadableFile(f"{name}：超过 {limits.max_rows} 行的上限。请拆分后提交。", "too_large")
    rows = frame.to_numpy(dtype=object).tolist()
    sheet = Sheet(name=readable_name(path.stem), rows=rows)
    return Workbook(path=path, format="csv", sha256=digest, size=size, sheet_names=[sheet.name],
                    sheets={sheet.name: sheet})
