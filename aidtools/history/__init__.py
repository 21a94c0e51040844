"""The history of rounds: every ``aidtools run`` recorded in one database (SQLite by default, PostgreSQL
by URL), findings followed across rounds, timeliness and accuracy.

>>> import tempfile, pathlib
>>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "h.sqlite")
>>> list_rounds(store)
[]

- :func:`open_store` (``PATH|URL``) → :class:`Store`, migrated to the newest schema;
  :func:`default_location` (beside the run's ``--out``).
- :func:`record_round` (store, batch, report, run) → the round number, one transaction; with ``run`` pending
  until its output is in place (:mod:`aidtools.history.settle`: ``confirm``, ``settle``);
  :func:`history_result` (store, round) → the :class:`~aidtools.report.HistoryResult` of ``report.json``.
- :func:`list_rounds`, :func:`diff_rounds` for ``aidtools history``.
- :func:`first_rounds` (a run report) → where each open finding of this round first appeared, for the
  feedback workbooks.
"""
from __future__ import annotations

from aidtools.history.store import DEFAULT_NAME, HistoryError, Store, default_location, open_store, opened

__all__ = ["DEFAULT_NAME", "HistoryError", "Store", "default_location", "open_store", "opened", "record_round",
           "history_result", "list_rounds", "diff_rounds", "first_rounds"]


def record_round(store: Store, batch, report, run=None) -> int:
    from aidtools.history.record import record

    return record(store, batch, report, run)


def history_result(store: Store, number: int):
    from aidtools.history.compare import result

    return result(store, number)


def list_rounds(store: Store):
    from aidtools.history.compare import rounds

    with store.read() as conn:
        return rounds(conn)


def diff_rounds(store: Store, a: int | None, b: int):
    """(fixed, new, still_open) :class:`~aidtools.report.TrackedFinding` lists from round ``a`` to ``b``."""
    from aidtools.history.compare import diff

    with store.read() as conn:
        return diff(conn, a, b)


def first_rounds(report) -> dict[tuple, int]:
    """For a run report with a history: ``(path, row, rule, field)`` → the round the finding there first
    appeared in, for every finding of this round (check findings: their file, Excel row and column header;
    reconciliation findings: the first record they rest on, field None)."""
    h = report.history
    if h is None:
        return {}
    return {(f.path, f.row, f.rule, f.field): f.first_round for f in h.new + h.still_open}
