"""Every path under the submissions folders, and what is done with it.

A workbook or text table (:data:`~aidtools.reading.workbook.SUFFIXES`) is checked; a ``.zip`` is
opened safely and the workbooks inside are checked as the zip's department's; everything else is
named with what it is and what the sender should do: a WPS ``.et`` (save as .xlsx), a Word or PDF
document, another kind of archive, Excel's ``~$`` lock files, hidden and system files (ignored).
Nothing under the folder goes unmentioned: :class:`Inventory` ``items`` has one line per file
found (and per member of every zip), ``targets`` the files to check.

A zip is refused whole when it is damaged, encrypted or over the same size and ratio limits as a
workbook (:func:`~aidtools.reading.xlsx_parts.check_sizes`); a member whose name would leave the
extraction folder (``..``, an absolute path, a drive letter) is skipped and named. The members to
check are extracted into a temporary folder of this process, removed when it exits.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "提交"
>>> (folder / "文学院").mkdir(parents=True)
>>> for name in ("学生.xlsx", "~$学生.xlsx", "名单.et"):
...     _ = (folder / "文学院" / name).write_bytes(b"x")
>>> [(i.path, i.outcome) for i in take_inventory([folder]).items]
[('文学院/~$学生.xlsx', 'ignored'), ('文学院/名单.et', 'not_checked'), ('文学院/学生.xlsx', 'checked')]
"""
from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from aidtools.reading import UnreadableFile
from aidtools.reading.limits import DEFAULT_LIMITS, Limits
from aidtools.reading.workbook import SUFFIXES
from aidtools.reading.xlsx_parts import check_sizes
from aidtools.report.records import FOUND_OUTCOMES, FoundFile

log = logging.getLogger(__name__)

OUTCOMES = FOUND_OUTCOMES

_SAVE_AS = "请用Excel或WPS打开后“另存为”Excel工作簿(.xlsx)，再提交。"
_NOT_DATA = "不是数据表格。如其中有名单或数据，请填入资助中心下发的Excel模板后提交。"
_UNZIP = "只能自动解开.zip压缩包。请解压后提交其中的Excel文件，或改用.zip格式压缩。"
# suffix: (what it is, what to do)
_KINDS = {
    ".et": ("WPS表格文件(.et)", "WPS专用格式，无法读取。" + _SAVE_AS),
    ".ett": ("WPS表格模板(.ett)", "WPS专用格式，无法读取。" + _SAVE_AS),
    ".xlt": ("Excel模板文件(.xlt)", "这是模板文件。" + _SAVE_AS),
    ".xltx": ("Excel模板文件(.xltx)", "这是模板文件。" + _SAVE_AS),
    ".xltm": ("Excel模板文件(.xltm)", "这是模板文件。" + _SAVE_AS),
    ".numbers": ("Apple Numbers表格", "无法读取。请在Numbers中“导出为Excel”(.xlsx)后提交。"),
    ".doc": ("Word文档", _NOT_DATA), ".docx": ("Word文档", _NOT_DATA), ".wps": ("WPS文字文档", _NOT_DATA),
    ".rtf": ("RTF文档", _NOT_DATA), ".odt": ("OpenDocument文本", _NOT_DATA), ".pdf": ("PDF文件", _NOT_DATA),
    ".ofd": ("OFD版式文件", _NOT_DATA), ".ppt": ("PowerPoint演示文稿", _NOT_DATA),
    ".pptx": ("PowerPoint演示文稿", _NOT_DATA), ".txt": ("文本文件", _NOT_DATA),
    ".rar": ("RAR压缩包", _UNZIP), ".7z": ("7z压缩包", _UNZIP), ".tar": ("tar压缩包", _UNZIP),
    ".gz": ("gzip压缩包", _UNZIP), ".tgz": ("tar.gz压缩包", _UNZIP), ".bz2": ("bzip2压缩包", _UNZIP),
    ".xz": ("xz压缩包", _UNZIP),
    ".mdb": ("Access数据库", "请把数据导出为Excel工作簿(.xlsx)后提交。"),
    ".accdb": ("Access数据库", "请把数据导出为Excel工作簿(.xlsx)后提交。"),
    ".dbf": ("DBF数据库文件", _SAVE_AS),
}
_IMAGES = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".webp")
_SYSTEM = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db", "__macosx", "$recycle.bin",
           "system volume information"}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class Target(NamedTuple):
    """A file to check: where it is on disk, and how the report names it."""

    path: Path
    root: Path
    display: str  # relative to the folder argument, "/" separators; a zip member: "<zip>/<member>"
    department: str


@dataclass
class Item:
    """One path found under the folders (or inside a zip there) and what is done with it."""

    path: str  # display path
    department: str
    kind: str  # what it is, in Chinese
    outcome: str  # a key of OUTCOMES; "checked" until the check says it is unreadable
    message: str | None = None  # why it is not checked and what to do (Chinese)
    container: str | None = None  # display path of the zip it came out of


@dataclass
class Inventory:
    items: list[Item] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def records(self, reports) -> list[FoundFile]:
        """The items as the run report holds them; a checked file the check found unreadable says so
        (``reports``: the :class:`~aidtools.validate.FileReport` of every target)."""
        unreadable = {r.display_path: r for r in reports if not r.readable}
        out = []
        for i in self.items:
            outcome, reason, message = i.outcome, None, i.message
            if outcome == "checked" and i.path in unreadable:
                report = unreadable[i.path]
                said = report.findings.loc[report.findings["rule"] == "file.unreadable", "message"]
                outcome, reason = "unreadable", report.reason or "corrupt"
                message = str(said.iloc[0]) if len(said) else None
            out.append(FoundFile(path=i.path, department=i.department, kind=i.kind, outcome=outcome, reason=reason,
                                 message=message, container=i.container))
        return out

    def not_checked(self) -> list[Item]:
        """Every item that is not a checked file (nor the zip it came out of)."""
        return [i for i in self.items if i.outcome in ("not_checked", "ignored", "refused")]

    def nothing_to_check(self) -> str:
        """The Chinese message when there is no file to check: what was found and why it is not used."""
        head = "没有找到可读取的文件（.xlsx/.xlsm/.xls/.xlsb/.ods/.csv/.tsv，或其中有这些文件的.zip）。"
        if not self.items:
            return head + "文件夹是空的。"
        lines = [f"  {i.path}：{i.kind}，{OUTCOMES[i.outcome]}。{i.message or ''}" for i in self.items[:30]]
        more = [f"  ……另有 {len(self.items) - 30} 个文件"] if len(self.items) > 30 else []
        return "\n".join([head + "找到的文件：", *lines, *more])


def department_of(path: Path, root: Path) -> str:
    """The department a file belongs to: the name of the folder it is in."""
    return path.parent.name if path.parent != root or root.name else ""


def display_of(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _ignored(parts: tuple[str, ...]) -> tuple[str, str] | None:
    name = parts[-1]
    if name.startswith("~$"):
        return "Office临时锁定文件", "Excel或WPS打开文件时自动生成的临时文件（关闭Excel后会自动消失），无需提交。"
    if any(p.lower() in _SYSTEM for p in parts):
        return "系统文件", "操作系统自动生成的文件，无需提交。"
    if any(p.startswith(".") for p in parts):
        return "隐藏文件", "如需检查，请改为正常文件名（不以“.”开头）后提交。"
    return None


def classify(parts: tuple[str, ...], head: bytes = b"") -> tuple[str, str, str | None]:
    """(outcome, what it is, message) of a file from its path parts (and first bytes, for .txt).

    >>> classify(("文学院", "学生.ods"))[:2], classify(("x", "~$a.xlsx"))[0], classify(("a.et",))[1]
    (('checked', '表格文件(.ods)'), 'ignored', 'WPS表格文件(.et)')
    """
    ignored = _ignored(parts)
    if ignored:
        return ("ignored", *ignored)
    suffix = PurePosixPath(parts[-1]).suffix.lower()
    if suffix in SUFFIXES or (suffix == ".txt" and head.startswith(_UTF16_BOMS)):
        return "checked", f"表格文件({suffix})", None
    if suffix == ".zip":
        return "expanded", "ZIP压缩包", None
    if suffix in _KINDS:
        return ("not_checked", *_KINDS[suffix])
    if suffix in _IMAGES:
        return "not_checked", f"图片({suffix})", "如是证明材料，请按通知要求另行报送。"
    what = f"其他文件({suffix})" if suffix else "无扩展名的文件"
    return "not_checked", what, "不是表格文件。请提交.xlsx、.xls、.ods或.csv文件。"


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(2)
    except OSError:
        return b""


def take_inventory(paths, limits: Limits = DEFAULT_LIMITS) -> Inventory:
    """Every file under ``paths`` (files or folders, walked recursively, hidden folders too), in
    path order; a file given by name is always checked (a .zip given by name is opened)."""
    inventory = Inventory()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for root, dirs, files in os.walk(given):
                dirs.sort()
                for name in sorted(files):
                    path = Path(root) / name
                    display = display_of(path, given)
                    outcome, kind, message = classify(tuple(display.split("/")),
                                                      _head(path) if name.lower().endswith(".txt") else b"")
                    _add(inventory, path, given, display, outcome, kind, message, limits)
        else:
            outcome = "expanded" if given.suffix.lower() == ".zip" else "checked"
            _add(inventory, given, given.parent, given.name, outcome, "ZIP压缩包" if outcome == "expanded" else
                 f"表格文件({given.suffix.lower()})", None, limits)
    return inventory


def _add(inventory: Inventory, path: Path, root: Path, display: str, outcome: str, kind: str,
         message: str | None, limits: Limits) -> None:
    department = department_of(path, root)
    if outcome == "checked":
        inventory.targets.append(Target(path, root, display, department))
    elif outcome == "expanded":
        _expand(inventory, path, display, department, limits)
        return
    inventory.items.append(Item(display, department, kind, outcome, message))


# ---- zips ---------------------------------------------------------------------------------------

_scratch: Path | None = None


def _scratch_dir() -> Path:
    """This process's folder for extracted members (owner-only; removed at exit)."""
    global _scratch
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix="aidtools-zip-"))
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its sender saw it: names without the UTF-8 flag are, from Chinese Windows,
    GBK (Python reads them as cp437)."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def safe_parts(name: str) -> tuple[str, ...] | None:
    """The folders and file name of a member, or None when the name would leave the extraction folder.

    >>> safe_parts("学生/名单.xlsx"), safe_parts("../x.xlsx"), safe_parts("/etc/x.xlsx"), safe_parts("C:/x.xlsx")
    (('学生', '名单.xlsx'), None, None, None)
    """
    if name.startswith("/") or "\x00" in name:
        return None
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if not parts or ".." in parts or ":" in parts[0]:
        return None
    return parts


def _expand(inventory: Inventory, path: Path, display: str, department: str, limits: Limits) -> None:
    kind = "ZIP压缩包"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        log.debug("%s: zipfile: %r", display, exc)
        inventory.items.append(Item(display, department, kind, "refused",
                                    "压缩包已损坏或不完整（可能下载或拷贝时中断），无法打开。请重新压缩或直接提交其中的Excel文件。"))
        return
    with archive:
        try:
            check_sizes(archive, limits, path.name)
        except UnreadableFile as exc:
            inventory.items.append(Item(display, department, kind, "refused", exc.message))
            return
        members = [info for info in archive.infolist() if not info.is_dir()]
        inventory.items.append(Item(display, department, kind, "expanded", f"已解压，其中有 {len(members)} 个文件，逐个列出。"))
        folder = None
        for info in members:
            name = member_name(info)
            shown = f"{display}/{name}"
            parts = safe_parts(name)
            if parts is None:
                inventory.items.append(Item(shown, department, "压缩包内的文件", "refused",
                                            "文件路径不安全（含“..”或绝对路径），已跳过。请重新压缩后提交。", display))
                continue
            outcome, what, message = classify(parts)
            if outcome == "expanded":
                outcome, what, message = "not_checked", "压缩包内的压缩包", "只解开一层压缩包。请解压后直接提交其中的Excel文件。"
            elif outcome == "checked" and info.flag_bits & 0x1:
                outcome, message = "refused", "压缩包设置了密码，无法解开。请提交未加密的压缩包或直接提交Excel文件。"
            if outcome == "checked":
                folder = folder or Path(tempfile.mkdtemp(dir=_scratch_dir()))
                extracted = _extract(archive, info, folder, parts, shown)
                if extracted is None:
                    outcome, message = "refused", "压缩包内的这个文件已损坏，无法解开。请重新压缩后提交。"
                else:
                    inventory.targets.append(Target(extracted, folder, shown, department))
            inventory.items.append(Item(shown, department, what, outcome, message, display))


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, folder: Path, parts, shown: str) -> Path | None:
    """Copy one member out (the zip reader checks its size and CRC as it goes); None when damaged."""
    target = folder.joinpath(*parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, target.open("wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
        stamp = dt.datetime(*info.date_time).timestamp()
        os.utime(target, (stamp, stamp))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        log.debug("%s: extract: %r", shown, exc)
        target.unlink(missing_ok=True)
        return None
    return target
