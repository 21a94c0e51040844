"""The main job: one command turns a submissions folder into feedback, import files and reports.

``run_job`` is the steps of :mod:`aidtools.steps` in a row: check every file, reconcile the tables
across files (两线三库), merge (holding back what either found wrong, per subsystem), write each
department its feedback workbooks (both kinds of findings), track progress against the task table
(``tasks``, else a task table found in the submissions folder), then write the run report as
``report.json``, ``report.xlsx`` and ``report.html``. Rerunning on the same inputs gives the same
``report.json`` apart from ``generated_at``.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from aidtools import steps
from aidtools.report import RunReport, write_report
from aidtools.steps import Options
from aidtools.writing.private import private_dir

log = logging.getLogger(__name__)

IMPORT_DIR, FEEDBACK_DIR = "import", "feedback"


def run_job(submissions, out, options: Options | None = None, tasks=None, html: bool = True,
            progress_bar=None, history=None) -> RunReport:
    """Run every step on the folder ``submissions`` and write the outputs into ``out``; with ``history`` (a
    path or a database URL), record the run as a round of that history first (``report.history``)."""
    options = options or Options()
    submissions, out = Path(submissions), Path(out)
    private_dir(out)
    batch = steps.check([submissions], options, progress_bar)
    reconciliation = steps.reconcile(batch)
    merged = steps.merge(batch, private_dir(out / IMPORT_DIR), reconciliation)
    steps.feedback(batch, private_dir(out / FEEDBACK_DIR), reconciliation)
    report = steps.report(batch, "run", submissions=submissions, reconciliation=reconciliation, merged=merged,
                          progress_items=steps.progress(batch, tasks, reconciliation), out=out)
    report.notes.extend(steps.task_table_notes(batch, tasks))
    if history is not None:
        report.history = steps.history(batch, report, history)
    write_outputs(report, out, html=html)
    return report


def write_outputs(report: RunReport, out: Path, html: bool = True) -> None:
    """``report.json``, ``report.xlsx`` and (unless ``html`` is false) ``report.html`` in ``out``."""
    from aidtools.outputs.excel_report import write_excel_report

    write_report(report, out / "report.json")
    write_excel_report(report, out / "report.xlsx")
    if html:
        from aidtools.outputs.html_report import render_html_report
        render_html_report(out)
    os.chmod(out, 0o700)
