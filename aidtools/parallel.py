"""Province scale: the same :func:`aidtools.validate.check_file` over many files on several cores.

One file is one task: a worker process reads and checks it with the ordinary pandas code and sends
back its :class:`~aidtools.validate.FileReport`. The result is exactly that of
:func:`aidtools.validate.check_paths` (same reports, same order); only the wall time differs.

Three back-ends, none a scheduler of our own:

- ``"processes"`` (default): :class:`concurrent.futures.ProcessPoolExecutor`;
- ``"dask"``: ``dask.delayed`` over the files, computed with Dask's multiprocessing scheduler
  (``pip install dask``);
- ``"distributed"``: the workers of a running dask.distributed cluster, at the address ``scheduler``
  (``tcp://host:8786``; ``pip install 'aidtools[distributed]'``). The workers read the files by the
  same paths, so the submissions folder must be on a path every worker sees (a shared drive); a member
  of a .zip (unpacked into this machine's temporary folder) is checked here. The reports come back as
  the same records, in path order.

Big files are handed out first, so a hundred universities of very different sizes keep every core
busy to the end (longest job first); the reports still come back in path order.

>>> check_paths_parallel([])
[]
"""
from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ProcessPoolExecutor

from aidtools.errors import UserError
from aidtools.reading.limits import DEFAULT_LIMITS, Limits
from aidtools.inventory import Inventory, Target, take_inventory
from aidtools.validate import FileReport, check_target

BACKENDS = ("processes", "dask", "distributed")


def default_workers(files: int) -> int:
    """One worker per core, never more than there are files (at least one)."""
    return max(1, min(os.cpu_count() or 1, files))


def _largest_first(files: list[Target]) -> list[int]:
    def size(i: int) -> int:
        try:
            return files[i].path.stat().st_size
        except OSError:
            return 0
    return sorted(range(len(files)), key=lambda i: (-size(i), i))


def check_paths_parallel(paths, workers: int | None = None, specs=None, as_of: dt.date | None = None,
                         limits: Limits = DEFAULT_LIMITS, backend: str = "processes", scheduler=None,
                         progress=None, inventory: Inventory | None = None) -> list[FileReport]:
    """Check every file under ``paths`` on ``workers`` processes; one report per file, in path order.

    ``specs=None`` lets each worker load the packaged specs itself (cheaper than sending them).
    ``progress``, as for ``check_paths``, wraps the list of files; it advances as reports arrive in order.
    With one worker or one file no process is started.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    files = (inventory or take_inventory(paths, limits)).targets
    if not files:
        return []
    if backend == "distributed":
        return _with_distributed(files, specs, as_of, limits, scheduler, progress)
    workers = workers or default_workers(len(files))
    if workers <= 1 or len(files) == 1:
        return [check_target(target, specs, as_of, limits) for target in (progress(files) if progress else files)]
    if backend == "dask":
        return _with_dask(files, workers, specs, as_of, limits, scheduler)
    return _with_processes(files, workers, specs, as_of, limits, progress)


def one_thread_per_worker() -> None:
    """Worker processes read without helper threads: the cores are taken by the other workers."""
    from aidtools.reading import xlsx_parts

    xlsx_parts.use_helper_threads(False)


def _check_in_worker(target, specs, as_of, limits) -> FileReport:
    one_thread_per_worker()
    return check_target(target, specs, as_of, limits)


def _with_processes(files, workers, specs, as_of, limits, progress) -> list[FileReport]:
    futures = [None] * len(files)
    with ProcessPoolExecutor(max_workers=min(workers, len(files)), initializer=one_thread_per_worker) as pool:
        for i in _largest_first(files):
            futures[i] = pool.submit(check_target, files[i], specs, as_of, limits)
        # Collected in path order: a progress bar over the files advances as their reports arrive.
        return [future.result() for _, future in zip(progress(files) if progress else files, futures)]


def _with_dask(files, workers, specs, as_of, limits, scheduler) -> list[FileReport]:
    try:
        import dask
    except ImportError as exc:  # an optional extra: say how to get it
        raise RuntimeError("backend='dask' 需要安装 dask（pip install dask） / needs dask installed") from exc
    order = _largest_first(files)
    tasks = [dask.delayed(_check_in_worker, pure=False)(files[i], specs, as_of, limits) for i in order]
    if scheduler is None:
        # chunksize=1: one file per hand-out. Dask's default (6) sends a small folder's files to one
        # worker as a single batch, and the run is as slow as the serial one.
        results = dask.compute(*tasks, scheduler="processes", num_workers=workers, chunksize=1)
    else:
        results = dask.compute(*tasks, scheduler=scheduler)
    reports: list[FileReport | None] = [None] * len(files)
    for i, report in zip(order, results):
        reports[i] = report
    return reports


class SchedulerError(UserError):
    """The dask.distributed scheduler cannot be used (message in Chinese)."""


def _on_shared_path(target: Target) -> bool:
    """Whether the workers can read the file by its path: it lies under the folder given (not a .zip
    member unpacked into this machine's temporary folder)."""
    try:
        target.path.resolve().relative_to(target.root.resolve())
        return True
    except ValueError:
        return False


def connect(address):
    """A dask.distributed client of the scheduler at ``address``; :class:`SchedulerError` when there is none."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise SchedulerError("--scheduler 需要安装 dask.distributed：pip install 'aidtools[distributed]'") from exc
    if not address:
        raise SchedulerError("--scheduler 需要给出调度器地址，例如 tcp://10.0.0.5:8786")
    try:
        return Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"无法连接 Dask 调度器 {address}（20 秒内无响应）：请确认调度器已启动、地址与端口正确，"
                             "且本机可以访问。") from exc


def _with_distributed(files, specs, as_of, limits, address, progress) -> list[FileReport]:
    with connect(address) as client:
        order = [i for i in _largest_first(files) if _on_shared_path(files[i])]
        futures = {}
        for i in order:
            futures[i] = client.submit(_check_in_worker, files[i], specs, as_of, limits, pure=False,
                                       key=f"aidtools-check-{i}-{files[i].display}")
        reports = []
        for i, _ in enumerate(progress(files) if progress else files):
            reports.append(futures[i].result() if i in futures else check_target(files[i], specs, as_of, limits))
        return reports


def shared_paths(inventory: Inventory) -> set[str]:
    """Display paths of the files the workers of a cluster can open by their path (see ``_on_shared_path``)."""
    return {t.display for t in inventory.targets if _on_shared_path(t)}
