"""What the analysts' notebooks (notebooks/0*.ipynb) call around the steps: one check cell for all three,
log records to a file instead of the page, output files named relative to the output folder.

The checks log what they find (an empty or a corrupt workbook is a warning); in a kernel such records
would print as a pink stderr box, as if something had crashed. :func:`log_to_file` sends them, masked,
to ``OUT/日志/笔记本运行日志.log`` instead; what they say is shown as findings, in the page's own tables.
"""
from __future__ import annotations

import hashlib
import html
import logging
from pathlib import Path

import pandas as pd

from aidtools import steps
from aidtools.logs import MaskingFilter

LOG_NAME = Path("日志") / "笔记本运行日志.log"
_MARK = "_aidtools_notebook"


def log_to_file(out) -> Path:
    """The ``aidtools`` logger writes to ``out/日志/笔记本运行日志.log`` (masked) and not to stderr; once per
    kernel however often a notebook is re-run. Returns the log's path."""
    from aidtools.writing.private import private_dir

    path = private_dir(Path(out) / LOG_NAME.parent) / LOG_NAME.name
    logger = logging.getLogger("aidtools")
    logger.handlers[:] = [h for h in logger.handlers if not getattr(h, _MARK, False)]
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    setattr(handler, _MARK, True)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return path


def unreadable_html(batch: steps.Batch) -> str:
    """The files that could not be checked at all (empty, corrupt, not a template), one line each with
    the reason, as a note that points at the findings tables; "" when every file was read."""
    lines = []
    for r in batch.reports:
        if r.template is not None:
            continue
        first = next((f for f in r.findings.itertuples() if f.severity == "error"), None)
        reason = f"{first.message}（{first.rule}）" if first is not None else "未识别模板"
        lines.append(f"<li>{html.escape(r.display_path)}：{html.escape(reason)}</li>")
    if not lines:
        return ""
    return (f"<div class='aid-note'>其中 {len(lines)} 个文件无法检查（空文件、文件损坏或未识别模板），"
            f"已作为问题列入下面的问题表：<ul>{''.join(lines)}</ul></div>")


def not_checked_html(batch: steps.Batch) -> str:
    """The files found in the folder and not checked (not tables, lock, hidden and system files, refused
    zips; :mod:`aidtools.inventory`), one line each with what it is and what to do, as ``aidtools run``'s
    report lists them; "" when there are none."""
    from aidtools.report import FOUND_OUTCOMES

    items = batch.inventory.not_checked()
    if not items:
        return ""
    lines = [f"<li>{html.escape(i.path)}：{html.escape(i.kind)}，{html.escape(FOUND_OUTCOMES[i.outcome])}。"
             f"{html.escape(i.message or '')}</li>" for i in items[:30]]
    more = f"<li>……另有 {len(items) - 30} 个文件</li>" if len(items) > 30 else ""
    return f"<div class='aid-note'>另有 {len(items)} 个文件未检查：<ul>{''.join(lines)}{more}</ul></div>"


def check_folder(folder, options: steps.Options, out) -> steps.Batch:
    """The check cell of every analyst notebook: a progress bar, :func:`aidtools.steps.check` (the same
    step and options as ``aidtools run``), then the summary line, the files that could not be read and
    those not checked, shown in the page; log records go to the log file."""
    from IPython.display import HTML, display

    from aidtools.widgets.progress import ProgressBar

    log = log_to_file(out)
    bar = ProgressBar("检查文件")
    display(bar)
    batch = steps.check([folder], options, progress=bar)
    display(HTML(f"<p><b>{html.escape(batch.summary_line())}</b></p>{unreadable_html(batch)}{not_checked_html(batch)}"
                 f"<p class='aid-note'>运行日志：输出文件夹中的 {LOG_NAME.as_posix()}</p>"))
    return batch


def relative(path, out) -> str:
    """``path`` as shown to the analyst: relative to the output folder ``out`` when inside it."""
    path, out = Path(path).resolve(), Path(out).resolve()
    try:
        return path.relative_to(out).as_posix()
    except ValueError:
        return path.name


def files_listing(folder, out) -> pd.DataFrame:
    """Every file under ``folder``: its path relative to ``out``, its size and the start of its SHA-256."""
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    return pd.DataFrame({"文件": [relative(p, out) for p in files], "大小(字节)": [p.stat().st_size for p in files],
                         "SHA-256（前12位）": [hashlib.sha256(p.read_bytes()).hexdigest()[:12] for p in files]})
