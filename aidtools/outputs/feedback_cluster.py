"""Feedback workbooks written on the workers of a dask.distributed cluster (``--scheduler``).

The files are checked on the workers (:mod:`aidtools.parallel`); their feedback can be written there
only once this machine has reconciled the tables, since a workbook marks the reconciliation's
findings too. Each worker writes its workbook into a folder of its own and hands the bytes back;
this machine saves them into the output folder, which the workers cannot see. Failures come back as
the exception, and :func:`~aidtools.outputs.feedback.write_all_feedback` makes them ``write.failed``
findings as for a workbook written here.
"""
from __future__ import annotations

import contextlib
import tempfile
from dataclasses import replace
from pathlib import Path

from aidtools.outputs.feedback import write_feedback
from aidtools.parallel import connect, one_thread_per_worker
from aidtools.reading.limits import Limits
from aidtools.validate import FileReport
from aidtools.writing.private import save_private


def _feedback_in_worker(report: FileReport, limits: Limits, cross, rounds) -> bytes:
    """One feedback workbook written on a worker (into a folder of its own) and handed back as bytes."""
    one_thread_per_worker()
    with tempfile.TemporaryDirectory(prefix="aidtools-feedback-") as folder:
        target = Path(folder) / "feedback.xlsx"
        return write_feedback(report, folder, target=target, limits=limits, cross=cross, rounds=rounds).read_bytes()


@contextlib.contextmanager
def feedback_on_cluster(reports: list[FileReport], shared: set[str], limits: Limits, cross: dict, rounds, address):
    """The feedback workbooks of ``reports`` written on the workers of the cluster at ``address``, all
    sent at once; yields display path -> ``write(target) -> Path`` for
    :func:`~aidtools.outputs.feedback.write_all_feedback`, which saves the workbook a worker made at
    ``target`` on this machine (or raises what writing it raised there). Files outside ``shared`` (the
    members of a .zip, unpacked here) are left to this machine."""
    with connect(address) as client:
        futures = {}
        for i, report in enumerate(reports):
            if report.display_path in shared:
                light = replace(report, table=None)  # the checked rows stay here: feedback marks cells, not values
                futures[report.display_path] = client.submit(
                    _feedback_in_worker, light, limits, cross.get(report.display_path), rounds, pure=False,
                    key=f"aidtools-feedbacks-{i}-{report.display_path}")

        def writer(future):
            def write(target):
                data = future.result()
                return save_private(lambda path: path.write_bytes(data), target)
            return write

        yield {path: writer(future) for path, future in futures.items()}
