"""Writing output files that hold personal data: owner-only folders and files, never half-written.

Feedback workbooks, import files, held-back lists and provenance sidecars all carry ID numbers and
bank cards, so every folder we create is ``0o700`` and every file ``0o600``; a file is written beside
its target under a hidden temporary name and renamed into place, so a crash never leaves a broken
workbook where the operator expects a good one.

>>> import tempfile, stat
>>> base = Path(tempfile.mkdtemp())
>>> folder = private_dir(base / "a" / "b")
>>> oct(stat.S_IMODE(folder.stat().st_mode)), oct(stat.S_IMODE((base / "a").stat().st_mode))
('0o700', '0o700')
>>> out = save_private(lambda p: p.write_text("x"), folder / "x.txt")
>>> oct(stat.S_IMODE(out.stat().st_mode)), out.read_text()
('0o600', 'x')
"""
from __future__ import annotations

import os
import re
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# Characters Windows forbids in file names, and path separators: a department folder name is data.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def private_dir(path) -> Path:
    """Create ``path`` and its missing parents readable by the owner only; existing folders are kept as they are."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def save_private(write, target) -> Path:
    """Call ``write(temporary_path)``, make the file owner-only, then rename it to ``target``."""
    target = Path(target)
    private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.chmod(tmp, PRIVATE_FILE_MODE)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def safe_name(text: str, fallback: str = "未命名") -> str:
    """A file or folder name made from data (a department, a template id).

    >>> safe_name("机械/工程:学院"), safe_name(".."), safe_name("")
    ('机械_工程_学院', '未命名', '未命名')
    """
    name = _UNSAFE_NAME.sub("_", str(text or "")).strip().strip(".")
    return name or fallback
