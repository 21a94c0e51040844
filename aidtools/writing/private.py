"""Owner-only folders and files for everything that holds personal data, never half-written.

Feedback workbooks, import files, held-back lists, provenance sidecars and reports carry ID numbers
and bank cards, so every folder we create is ``0o700`` and every file ``0o600``, whatever the umask.
Folders that already existed above the one asked for are left as they are; the one asked for is
tightened to ``0o700`` too. A file is written beside its target under a hidden temporary name (made
owner-only before anything is written into it) and renamed into place, so a crash never leaves a
broken workbook where the operator expects a good one.

>>> import tempfile, stat
>>> base = Path(tempfile.mkdtemp())
>>> folder = private_dir(base / "a" / "b")
>>> oct(stat.S_IMODE(folder.stat().st_mode)), oct(stat.S_IMODE((base / "a").stat().st_mode))
('0o700', '0o700')
>>> out = save_private(lambda p: p.write_text("x"), folder / "x.txt")
>>> oct(stat.S_IMODE(out.stat().st_mode)), out.read_text()
('0o600', 'x')
>>> sorted(p.name for p in folder.iterdir())  # no temporary file left behind
['x.txt']
"""
from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# Characters Windows forbids in file names, path separators, and lone surrogates (no file system can
# encode them): a department folder name is data.
_UNSAFE_NAME = re.compile('[\\\\/:*?"<>|\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]')
NAME_LIMIT = 200  # bytes of UTF-8, under every file system's 255 (room for "-反馈.xlsx" and a number)


def private_dir(path) -> Path:
    """Create ``path`` (and missing parents) owner-only, tighten ``path`` itself to ``0o700``; return it
    as a :class:`Path`. Folders above ``path`` that already existed are left as they are.

    Raises :class:`NotADirectoryError` when ``path`` is there but is not a folder.

    >>> import tempfile, stat
    >>> shared = Path(tempfile.mkdtemp()) / "shared"
    >>> shared.mkdir(mode=0o755)
    >>> oct(stat.S_IMODE(private_dir(shared).stat().st_mode))
    '0o700'
    """
    path = Path(path)
    _create_missing(path)
    _tighten(path)
    return path


def save_private(write, target) -> Path:
    """Call ``write(temporary_path)``, make the file owner-only, then rename it to ``target``.

    Missing folders above ``target`` are created owner-only; a folder that already existed keeps its
    mode (the file itself is ``0o600``). The temporary file is removed if ``write`` fails.
    """
    target = Path(target)
    _create_missing(target.parent)
    # mkstemp: a new, unguessable name, created 0o600, so no one else can open it while it is written.
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        _chmod(tmp, PRIVATE_FILE_MODE)  # in case ``write`` replaced the file rather than writing into it
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def write_failure_reason(exc: BaseException) -> str:
    """Why a file could not be written, in Chinese, without the library's own text (which goes to the
    debug log only).

    >>> write_failure_reason(PermissionError(13, "Permission denied"))
    '没有写入输出文件夹的权限。'
    """
    if isinstance(exc, PermissionError):
        return "没有写入输出文件夹的权限。"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "磁盘空间已满。"
    if isinstance(exc, OSError):
        return "写入输出文件夹时出错（文件被占用、路径过长或磁盘出错）。"
    return "文件内容无法写入工作簿（程序内部错误，详情见调试日志 -v）。"


def safe_name(text: str, fallback: str = "未命名") -> str:
    """A file or folder name made from data (a department, a template id).

    >>> safe_name("机械/工程:学院"), safe_name(".."), safe_name(""), len(safe_name("院" * 300))
    ('机械_工程_学院', '未命名', '未命名', 66)
    """
    name = _UNSAFE_NAME.sub("_", str(text or ""))
    name = name.encode("utf-8")[:NAME_LIMIT].decode("utf-8", "ignore").strip().strip(".")
    return name or fallback


def _create_missing(path: Path) -> None:
    """Create the missing folders of ``path`` owner-only; raise NotADirectoryError if it is not a folder."""
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:  # made meanwhile by another process: still ours to tighten
            if not folder.is_dir():
                raise NotADirectoryError(f"不是文件夹：{folder}") from None
        _tighten(folder)
    if not path.is_dir():
        raise NotADirectoryError(f"不是文件夹：{path}")


def _tighten(folder: Path) -> None:
    # mkdir's mode is filtered by the umask, hence the explicit chmod.
    _chmod(folder, PRIVATE_DIR_MODE)


def _chmod(path: Path, mode: int) -> None:
    # Not ours (another user's shared folder) or a filesystem without modes: leave it, it still works.
    try:
        os.chmod(path, mode)
    except (NotImplementedError, OSError):  # PermissionError is an OSError
        pass
