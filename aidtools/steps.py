"""The steps of the main job, shared by every command, by ``aidtools run`` and by the notebooks.

One :class:`Options` carries every option a step takes (specs, limits, workers, as-of date, how to
hold back, the official template, the school code). :func:`check` turns paths into a :class:`Batch`:
the checked files, and which of them a newer resubmission replaces (decided once, here). The other
steps take the batch: :func:`reconcile`, :func:`merge`, :func:`feedback`, :func:`progress`; and
:func:`report` turns what the steps returned into the :class:`~aidtools.report.RunReport` that
``report.json``, the views, the notebooks and the dashboard read. ``aidtools run`` is these steps in a
row (:mod:`aidtools.job`); ``aidtools check/reconcile/merge/feedback`` are each a part of it, so the
same folder with the same options gives the same figures whichever way it is looked at.

>>> batch = check([], Options())
>>> batch.reports, sorted(batch.superseded)
([], [])
>>> report(batch, "check").summary.files
0
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import platform
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

import aidtools
from aidtools.inventory import Inventory, take_inventory
from aidtools.reading.limits import DEFAULT_LIMITS, Limits
from aidtools.report import RunReport, SpecVersion, Summary, Versions
from aidtools.specs import TemplateSpec, load_specs
from aidtools.validate import FileReport

log = logging.getLogger(__name__)

TASKS = "tasks"  # the template id of the task decomposition table


@dataclass
class Options:
    """Every option of the steps. ``as_of=None`` means today; ``workers`` 1 checks in this process,
    0 on one process per core, N on N processes."""

    specs: dict[str, TemplateSpec] = field(default_factory=load_specs)
    limits: Limits = DEFAULT_LIMITS
    workers: int = 1
    scheduler: str | None = None  # a dask.distributed scheduler's address: files checked on its workers
    as_of: dt.date | None = None
    hold_back_files: bool = False
    template_file: object = None  # path of the official template, or a loaded OfficialTemplate
    school: str | None = None  # 学校代码 for school-set standards (default: the enrolled table's)

    @property
    def today(self) -> dt.date:
        return self.as_of or dt.date.today()


def options(as_of: str | None = None, spec_dirs=(), **other) -> Options:
    """Options as a notebook's parameter cell gives them: ``as_of`` as ``YYYYMMDD`` text (None: today),
    extra spec folders, and any other field of :class:`Options`.

    >>> options(as_of="20180715").today
    datetime.date(2018, 7, 15)
    """
    day = dt.datetime.strptime(as_of, "%Y%m%d").date() if as_of else None
    return Options(specs=load_specs(list(spec_dirs)), as_of=day, **other)


@dataclass
class Batch:
    """The checked files, in path order, and the resubmissions among them."""

    reports: list[FileReport]
    options: Options
    supersessions: list = field(default_factory=list)  # aidtools.merging.resubmissions.Supersession
    task_tables: list[str] = field(default_factory=list)  # display paths of the task tables among the files
    inventory: Inventory = field(default_factory=Inventory)  # every path found, checked or not

    def data_files(self) -> tuple[list[FileReport], list]:
        """The files to merge and reconcile (every file but the task tables) and their resubmissions,
        indexed into that list."""
        if not self.task_tables:
            return self.reports, self.supersessions
        tables = set(self.task_tables)
        kept = [i for i, r in enumerate(self.reports) if r.display_path not in tables]
        at = {old: new for new, old in enumerate(kept)}
        moved = [replace(s, old=at[s.old], new=at[s.new]) for s in self.supersessions if s.old in at and s.new in at]
        return [self.reports[i] for i in kept], moved

    def task_table_reports(self) -> list[FileReport]:
        tables = set(self.task_tables)
        return [r for r in self.reports if r.display_path in tables]

    @property
    def superseded(self) -> set[str]:
        """Display paths of the files a newer resubmission replaces (never merged nor reconciled)."""
        return {self.reports[s.old].display_path for s in self.supersessions}

    def in_use(self) -> list[FileReport]:
        gone = self.superseded
        return [r for r in self.reports if r.display_path not in gone]

    def summary_line(self) -> str:
        """One Chinese line: files checked, passed, superseded, errors and warnings of the files in use."""
        used = self.in_use()
        superseded = f"（{len(self.superseded)} 个被重新提交取代）" if self.superseded else ""
        return (f"已检查 {len(self.reports)} 个文件{superseded}，其中 {sum(r.passed for r in used)} 个通过；"
                f"错误 {sum(r.errors for r in used)} 条，警告 {sum(r.warnings for r in used)} 条。")


def check_reports(paths, options: Options, progress=None, inventory: Inventory | None = None) -> list[FileReport]:
    """Check every file under ``paths`` (the ``inventory`` of them, when taken already) in this process
    or on ``options.workers`` processes, or on the workers of the dask.distributed cluster at
    ``options.scheduler`` (the one place that decides); the same reports in the same order either way."""
    from aidtools.validate import check_paths

    if options.scheduler:
        from aidtools.parallel import check_paths_parallel

        return check_paths_parallel(paths, specs=options.specs, as_of=options.today, limits=options.limits,
                                    backend="distributed", scheduler=options.scheduler, progress=progress,
                                    inventory=inventory)
    if options.workers == 1:
        return check_paths(paths, specs=options.specs, as_of=options.today, limits=options.limits, progress=progress,
                           inventory=inventory)
    from aidtools.parallel import check_paths_parallel

    return check_paths_parallel(paths, workers=options.workers or None, specs=options.specs, as_of=options.today,
                                limits=options.limits, progress=progress, inventory=inventory)


def check(paths, options: Options, progress=None) -> Batch:
    """Check ``paths`` (files or folders) and find the resubmissions among them."""
    from aidtools.merging.resubmissions import find_supersessions

    inventory = take_inventory(paths, options.limits)
    reports = check_reports(paths, options, progress, inventory)
    log.info("已检查 %d 个文件", len(reports))
    if inventory.not_checked():
        log.info("另有 %d 个文件未检查（见报告中的“未检查的文件”）", len(inventory.not_checked()))
    # A task table (任务分解表) among the submissions is the register of the tasks, not data: it is never a
    # resubmission of anything, never merged nor reconciled (Batch.data_files), and progress reads it.
    tables = [r.display_path for r in reports if r.template == TASKS]
    data_specs = {k: v for k, v in options.specs.items() if k != TASKS}
    return Batch(reports=reports, options=options, supersessions=find_supersessions(reports, data_specs),
                 task_tables=tables, inventory=inventory)


def reconcile(batch: Batch):
    """两线三库 over the files in use (:class:`aidtools.reconcile.Reconciliation`)."""
    from aidtools.reconcile import reconcile as run_reconcile

    return run_reconcile(batch.data_files()[0], as_of=batch.options.today, school=batch.options.school,
                         superseded=batch.superseded)


def merge(batch: Batch, out, reconciliation=None):
    """The import workbooks in ``out/<subsystem>/`` (:class:`aidtools.merging.MergeResult`): rows with a
    check error, and the records a reconciliation error rests on, are held back."""
    from aidtools.merging import merge_reports

    o = batch.options
    reports, supersessions = batch.data_files()
    return merge_reports(reports, out, hold_back_files=o.hold_back_files, template_file=o.template_file,
                         specs=o.specs, limits=o.limits, supersessions=supersessions,
                         reconciliation=reconciliation.findings if reconciliation is not None else None)


def feedback(batch: Batch, out, reconciliation=None, history=None) -> list[tuple[FileReport, Path | None]]:
    """A feedback workbook for each file in use, in ``out/<department>/``: (report, path or None). With
    the ``reconciliation``, the records its findings rest on are marked too, with what the other table
    holds, and a file passes only with neither a check nor a reconciliation error. With the round's
    ``history`` (:class:`aidtools.report.HistoryResult`), every finding is marked 新 or 未改正（第N轮起）."""
    from aidtools.outputs.feedback import FindingRounds, write_all_feedback

    from aidtools.outputs.not_checked import write_not_checked

    used = batch.in_use()
    cross = cross_findings(batch, reconciliation)
    rounds = FindingRounds.from_history(history) if history is not None else None
    elsewhere = contextlib.nullcontext({})
    if batch.options.scheduler:  # written on the cluster's workers, saved here
        from aidtools.outputs.feedback_cluster import feedback_on_cluster
        from aidtools.parallel import shared_paths

        elsewhere = feedback_on_cluster(used, shared_paths(batch.inventory), batch.options.limits, cross, rounds,
                                        batch.options.scheduler)
    with elsewhere as writers:
        paths = write_all_feedback(used, out, limits=batch.options.limits, cross=cross, rounds=rounds, writers=writers)
    written = list(zip(used, paths))
    write_not_checked(batch.inventory.records(batch.reports), out)  # and, per department, what was not checked
    return written


def cross_findings(batch: Batch, reconciliation) -> dict:
    """Display path -> the reconciliation findings on that file's records (a findings frame each)."""
    from aidtools.reconcile.by_record import record_findings

    if reconciliation is None:
        return {}
    return record_findings(reconciliation.findings, {r.display_path: (r.template, r.sheet) for r in batch.in_use()},
                           batch.options.specs)


def task_table(tasks_path, options: Options) -> pd.DataFrame | None:
    """The normalised 任务分解表, or None (with a warning) when the file is not one."""
    from aidtools.validate import check_file

    if not tasks_path:
        return None
    checked = check_file(tasks_path, specs=options.specs, as_of=options.today, limits=options.limits)
    if checked.template != TASKS:
        log.warning("任务分解表 %s 未被识别为任务分解模板", checked.display_path)
        return None
    return checked.table


def batch_task_table(batch: Batch) -> pd.DataFrame | None:
    """The task tables found among the submissions, as one table (one per subsystem is usual), or None."""
    tables = [r.table for r in batch.task_table_reports() if r.table is not None and len(r.table)]
    return pd.concat(tables, ignore_index=True) if tables else None


def task_table_notes(batch: Batch, tasks_path) -> list[str]:
    """What the report says about the task table used: the one given, or the ones found in the folder."""
    if not batch.task_tables:
        return []
    found = "、".join(batch.task_tables)
    if tasks_path:
        return [f"提交目录中的任务分解表 {found} 未使用：已使用 --tasks 指定的任务分解表 {Path(tasks_path).name}。"]
    return [f"任务分解表：使用提交目录中的 {found}（不参与合并和对账）。"]


def progress(batch: Batch, tasks_path=None, reconciliation=None) -> list:
    """Progress of every task of the task table (:class:`aidtools.report.ProgressItem` records): the file
    ``tasks_path`` when given, else the task tables found among the submissions. With ``reconciliation``
    (:func:`reconcile`), a task whose records have reconciliation errors is ``rec_failed``."""
    from aidtools.progress_tasks import progress as task_progress, to_records

    table = task_table(tasks_path, batch.options) if tasks_path else batch_task_table(batch)
    findings = reconciliation.findings if reconciliation is not None else None
    frame = task_progress(table, batch.data_files()[0], batch.options.today, batch.superseded, findings)
    return to_records(frame)


def history(batch: Batch, report: RunReport, target, run=None):
    """Record ``report`` as the next round of the history at ``target`` (a path or a database URL, see
    :mod:`aidtools.history`) and return what the history says with it (:class:`~aidtools.report.HistoryResult`).
    With ``run`` (:class:`aidtools.history.settle.Run`: the run's id and output folder) the round stays pending
    until :func:`confirm_history`; rounds that killed runs left pending are settled first. When the history
    cannot be written (another run holds it too long, a server down), the report gets a Chinese note and no
    history; nothing half-written stays in the store."""
    from aidtools.history import HistoryError, history_result, opened, record_round
    from aidtools.history.settle import settle

    try:
        with opened(target) as store:
            settle(store)
            return history_result(store, record_round(store, batch, report, run))
    except HistoryError as exc:
        log.error("%s", exc)
        report.notes.append(f"本轮未记入历史库：{exc}")
        return None


def confirm_history(target, run_id: str) -> bool:
    """The run ``run_id`` has its output in place: its round is complete. False (and a log line) when the
    history cannot be reached now; the round is then completed by the next command that opens it
    (:func:`aidtools.history.settle.settle` finds the run id in the output's report.json)."""
    from aidtools.history import HistoryError, opened
    from aidtools.history.settle import confirm

    try:
        with opened(target) as store:
            confirm(store, run_id)
        return True
    except HistoryError as exc:
        log.error("%s（本轮输出已完成，下次打开历史库时记为完成）", exc)
        return False


def versions(specs) -> Versions:
    from aidtools.policy import policy_digest

    return Versions(aidtools=aidtools.__version__, python=platform.python_version(), pandas=pd.__version__,
                    specs={s.id: SpecVersion(version=s.version, digest=s.digest) for s in specs.values()},
                    policy=policy_digest())


def summary(batch: Batch, reconciliation=None) -> Summary:
    used = batch.in_use()
    return Summary(
        files=len(batch.reports), files_passed=sum(r.passed for r in used), files_superseded=len(batch.superseded),
        rows=int(sum(r.rows for r in used)), errors=sum(r.errors for r in used),
        warnings=sum(r.warnings for r in used),
        rec_errors=reconciliation.errors if reconciliation is not None else 0,
        rec_warnings=reconciliation.warnings if reconciliation is not None else 0,
        departments=len({r.department for r in batch.reports}),
    )


def report(batch: Batch, command: str, submissions=None, reconciliation=None, merged=None, progress_items=(),
           out=None) -> RunReport:
    """The run report of what the steps returned; output paths relative to ``out``."""
    superseded = batch.superseded
    return RunReport(
        command=command,
        aidtools_version=aidtools.__version__,
        generated_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        as_of=batch.options.today.isoformat(),
        submissions=Path(submissions).name if submissions is not None else None,
        versions=versions(batch.options.specs),
        inputs=[r.input_record() for r in batch.reports],
        found=batch.inventory.records(batch.reports),
        summary=summary(batch, reconciliation),
        files=[r.to_record(superseded=r.display_path in superseded) for r in batch.reports],
        progress=list(progress_items),
        reconciliation=reconciliation.to_record() if reconciliation is not None else None,
        merge=merged.to_record(relative_to=out) if merged is not None else {},
        merge_unusable=[replace(a) for a in merged.files if a.status == "unusable"] if merged is not None else [],
        superseded=sorted(superseded),
        notes=list(merged.notes) if merged is not None else [],
    )
