"""``OUT/<department>/未检查的文件.txt``: for each department, the files it sent that were not checked
(not a table, a lock or hidden file, a refused zip member), what each is and what to do. UTF-8 with a
byte order mark, so Windows Notepad shows the Chinese.

>>> import tempfile
>>> from aidtools.report import FoundFile
>>> out = Path(tempfile.mkdtemp())
>>> paths = write_not_checked([FoundFile("文学院/名单.et", "文学院", "WPS表格文件(.et)", "not_checked", message="请另存为.xlsx")], out)
>>> [p.relative_to(out).as_posix() for p in paths]
['文学院/未检查的文件.txt']
>>> print(paths[0].read_text(encoding="utf-8-sig").splitlines()[2])
名单.et：WPS表格文件(.et)，未检查。请另存为.xlsx
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path, PurePosixPath

from aidtools.report.records import FOUND_OUTCOMES
from aidtools.writing.private import save_private, safe_name

NAME = "未检查的文件.txt"


def _shown(path: str, department: str) -> str:
    """The path below the department's folder (the department is the folder's name)."""
    parts = PurePosixPath(path).parts
    return "/".join(parts[1:]) if len(parts) > 1 and parts[0] == department else path


def write_not_checked(found, out_dir) -> list[Path]:
    """One file per department with something not checked (``found``: :class:`~aidtools.report.FoundFile`
    records); returns the paths written."""
    by_department = defaultdict(list)
    for f in found:
        if f.outcome in ("not_checked", "ignored", "refused"):
            by_department[f.department].append(f)
    written = []
    for department, files in sorted(by_department.items()):
        lines = [f"以下 {len(files)} 个文件未检查（不在检查结果中）：", ""]
        lines += [f"{_shown(f.path, department)}：{f.kind}，{FOUND_OUTCOMES[f.outcome]}。{f.message or ''}" for f in files]
        text = "\r\n".join(lines) + "\r\n"
        folder = Path(out_dir) / safe_name(department) if department else Path(out_dir)
        written.append(save_private(lambda p, text=text: p.write_text(text, encoding="utf-8-sig"), folder / NAME))
    return written
