"""The main job: one command turns a submissions folder into feedback, import files and reports.

``run_job`` is the steps of :mod:`aidtools.steps` in a row: check every file, reconcile the tables
across files (两线三库), merge (holding back what either found wrong, per subsystem), write each
department its feedback workbooks (both kinds of findings), track progress against the task table
(``tasks``, else a task table found in the submissions folder), then write the run report as
``report.json``, ``report.xlsx`` and ``report.html``. Rerunning on the same inputs gives the same
``report.json`` apart from ``generated_at``.

Nothing is written into ``out`` itself: the run writes into a staging folder beside it and swaps it
in when complete (:mod:`aidtools.writing.staging`), so ``out`` is always one run's complete output.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from aidtools import steps
from aidtools.report import RunReport, write_report
from aidtools.steps import Options
from aidtools.writing.private import private_dir
from aidtools.writing.staging import staged

log = logging.getLogger(__name__)

IMPORT_DIR, FEEDBACK_DIR = "import", "feedback"
OUTPUT_MARKERS = ("report.json", IMPORT_DIR, FEEDBACK_DIR)  # what makes a folder a run's output (replaceable)


def run_job(submissions, out, options: Options | None = None, tasks=None, html: bool = True,
            progress_bar=None, history=None) -> RunReport:
    """Run every step on the folder ``submissions`` and put the outputs in ``out`` (written beside it,
    swapped in when complete; leftovers of a killed run are recovered first); with ``history`` (a path
    or a database URL), record the run as a round of that history (``report.history``)."""
    from aidtools.history.settle import Run

    options = options or Options()
    run = Run(out=os.path.abspath(out)) if history is not None else None
    renderer = _report_process() if html else None  # boots on the other core while the files are checked
    try:
        with staged(out, OUTPUT_MARKERS) as stage:
            report = _run_into(Path(submissions), stage, options, tasks, html, progress_bar, history, run, renderer)
    finally:
        if renderer is not None:
            renderer.shutdown()
    if report.history is not None:  # the output is in place: the round counts
        steps.confirm_history(history, run.run_id)
    return report


def _report_process():
    from aidtools.outputs.report_process import ReportProcess

    return ReportProcess.start()


def _run_into(submissions: Path, out: Path, options: Options, tasks, html: bool, progress_bar, history,
              run=None, renderer=None) -> RunReport:
    """Every step, writing into the (staging) folder ``out``. The round is recorded (pending until the
    output is in place) before the feedback is written, so that each department's workbook can say which
    findings are new and which still open."""
    batch = steps.check([submissions], options, progress_bar)
    reconciliation = steps.reconcile(batch)
    merged = steps.merge(batch, private_dir(out / IMPORT_DIR), reconciliation)
    report = steps.report(batch, "run", submissions=submissions, reconciliation=reconciliation, merged=merged,
                          progress_items=steps.progress(batch, tasks, reconciliation), out=out)
    report.notes.extend(steps.task_table_notes(batch, tasks))
    if history is not None:
        report.history = steps.history(batch, report, history, run)
    # report.xlsx, report.json and the report notebook (in the helper process warmed since the start, on the
    # other core) go ahead while the feedback is written: it changes the report only when a workbook cannot be written.
    outputs = begin_outputs(report, out, html=html, renderer=renderer)
    written = steps.feedback(batch, private_dir(out / FEEDBACK_DIR), reconciliation, history=report.history)
    if any(path is None for _, path in written):  # write.failed findings came with the feedback
        superseded = batch.superseded
        report.files = [r.to_record(superseded=r.display_path in superseded) for r in batch.reports]
        report.summary = steps.summary(batch, reconciliation)
        if outputs is not None:
            outputs.discard()  # a page of the report before the finding: written again below
        outputs = begin_outputs(report, out, html=html)
    finish_outputs(outputs, report, out)
    return report


def begin_outputs(report: RunReport, out: Path, html: bool = True, renderer=None):
    """``report.xlsx`` and ``report.json`` written, and ``report.html`` begun from them in a thread (a
    :class:`~aidtools.outputs.html_report.Rendering`; None without ``html``): :func:`finish_outputs` waits
    for it. ``report.json`` is the report: it is always written. When ``report.xlsx`` or the rendered
    ``report.html`` cannot be made, the report says so (a Chinese note, the library's text in the debug
    log) and ``report.html`` is a plain page that says where the report is. ``renderer``: the
    :class:`~aidtools.outputs.report_process.ReportProcess` started with the run, which renders it."""
    from aidtools.outputs.excel_report import write_excel_report
    from aidtools.writing.private import write_failure_reason

    try:
        write_excel_report(report, out / "report.xlsx")
    except Exception as exc:
        log.debug("report.xlsx", exc_info=True)
        report.notes.append(f"未能生成 report.xlsx：{write_failure_reason(exc)}")
    write_report(report, out / "report.json")
    if not html:
        return None
    from aidtools.outputs.html_report import Rendering

    return Rendering.start(out, renderer=renderer)


def finish_outputs(rendering, report: RunReport, out: Path) -> None:
    """Wait for ``report.html`` (:func:`begin_outputs`); when it could not be rendered, a plain page."""
    if rendering is not None:
        from aidtools.outputs.html_report import write_plain_html
        from aidtools.writing.private import write_failure_reason

        try:
            rendering.result()
        except Exception as exc:
            log.debug("report.html", exc_info=True)
            log.warning("未能生成完整的 report.html，已改为简要页面（%s详情见调试日志 -v）",
                        write_failure_reason(exc) if isinstance(exc, OSError) else "")
            write_plain_html(report, out / "report.html")
    os.chmod(out, 0o700)
