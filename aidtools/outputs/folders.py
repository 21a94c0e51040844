"""Output folders that only their owner can read: every folder we write personal data into.

Merged import files, feedback workbooks and reports hold ID numbers and bank cards, so the folders
we create for them get mode 0o700 (owner only), whatever the umask. Folders that already existed
above the one asked for are left as they are; the one asked for is tightened to 0o700 too.

>>> import tempfile, pathlib, stat
>>> out = private_dir(pathlib.Path(tempfile.mkdtemp()) / "run" / "merged")
>>> oct(stat.S_IMODE(out.stat().st_mode)), oct(stat.S_IMODE(out.parent.stat().st_mode))
('0o700', '0o700')
"""
from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o700


def private_dir(path) -> Path:
    """Create ``path`` (and missing parents) owner-only; return it as a :class:`Path`."""
    path = Path(path)
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_MODE)
        except FileExistsError:  # made meanwhile by another process: still ours to tighten
            pass
        _tighten(folder)
    if not path.is_dir():
        raise NotADirectoryError(f"不是文件夹：{path}")
    _tighten(path)
    return path


def _tighten(folder: Path) -> None:
    # mkdir's mode is filtered by the umask, hence the explicit chmod. Not ours (another user's
    # shared folder) or a filesystem without modes: leave it, the folder still works.
    try:
        os.chmod(folder, PRIVATE_MODE)
    except (PermissionError, NotImplementedError, OSError):
        pass
