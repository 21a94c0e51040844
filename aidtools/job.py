"""The main job: one command turns a submissions folder into feedback, import files and reports.

``run_job`` checks every file, writes feedback workbooks, merges, reconciles, tracks progress
against the task table and writes ``report.json``, ``report.xlsx`` and ``report.html``. Rerunning
on the same inputs gives the same ``report.json`` apart from ``generated_at``.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import aidtools
from aidtools import findings as F
from aidtools.writing.private import private_dir
from aidtools.outputs.json_report import versions, write_json
from aidtools.progress_tasks import progress
from aidtools.specs import load_specs
from aidtools.validate import check_file, check_paths

log = logging.getLogger(__name__)


def _tasks_table(tasks_path, specs, as_of):
    if not tasks_path:
        return None, None
    report = check_file(tasks_path, specs=specs, as_of=as_of)
    if report.template != "tasks":
        log.warning("任务分解表 %s 未被识别为任务分解模板", report.display_path)
        return None, report
    return report.table, report


def summary(reports, superseded, rec_findings) -> dict:
    used = [r for r in reports if r.display_path not in superseded]
    return {
        "files": len(reports),
        "files_passed": sum(r.passed for r in used),
        "files_superseded": len(superseded),
        "rows": sum(r.rows for r in used),
        "errors": sum(r.errors for r in used),
        "warnings": sum(r.warnings for r in used),
        "rec_errors": F.count(rec_findings, "error") if len(rec_findings) else 0,
        "rec_warnings": F.count(rec_findings, "warning") if len(rec_findings) else 0,
        "departments": len({r.department for r in reports}),
    }


def run_job(submissions, out, tasks=None, as_of: dt.date | None = None, specs=None, hold_back_files: bool = False,
            template_file=None, html: bool = True, progress_bar=None, workers: int = 1) -> dict:
    from aidtools.outputs.feedback import write_all_feedback
    from aidtools.outputs.merge import merge_reports
    from aidtools.outputs.excel_report import write_excel_report
    from aidtools.reconcile import reconcile

    submissions, out = Path(submissions), Path(out)
    as_of = as_of or dt.date.today()
    specs = specs or load_specs()
    private_dir(out)
    if workers == 1:
        reports = check_paths([submissions], specs=specs, as_of=as_of, progress=progress_bar)
    else:  # several processes (0: one per core); the same reports in the same order
        from aidtools.parallel import check_paths_parallel

        reports = check_paths_parallel([submissions], workers=workers or None, specs=specs, as_of=as_of,
                                       progress=progress_bar)
    log.info("已检查 %d 个文件", len(reports))
    merged = merge_reports(reports, private_dir(out / "import"), hold_back_files=hold_back_files,
                           template_file=template_file)
    superseded = set(merged.superseded)
    write_all_feedback([r for r in reports if r.display_path not in superseded], private_dir(out / "feedback"))
    reconciliation = reconcile(reports, as_of=as_of, superseded=superseded)
    tasks_table, _ = _tasks_table(tasks, specs, as_of)
    progress_frame = progress(tasks_table, reports, as_of, superseded)

    files = []
    for r in reports:
        entry = r.to_dict()
        entry["superseded"] = r.display_path in superseded
        files.append(entry)
    report = {
        "aidtools_version": aidtools.__version__,
        "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
        "as_of": as_of.strftime("%Y%m%d"),
        "submissions": submissions.name,
        "versions": versions(specs),
        "inputs": [{"path": r.display_path, "sha256": r.sha256, "size": r.size} for r in reports],
        "summary": summary(reports, superseded, reconciliation.findings),
        "files": files,
        "progress": progress_frame.to_dict("records"),
        "reconciliation": {"findings": reconciliation.to_dicts(), "figures": reconciliation.figures},
        "merge": merged.to_dict(relative_to=out),
        "superseded": sorted(superseded),
    }
    write_json(report, out / "report.json")
    write_excel_report(report, out / "report.xlsx")
    if html:
        from aidtools.outputs.html_report import render_html_report
        render_html_report(out)
    os.chmod(out, 0o700)
    return report
