"""A round and its run's output folder agree, whenever and wherever a run is killed.

``aidtools run`` records its round before it writes the feedback (each department's workbook says which
findings are new), and its output folder is swapped into place only at the very end
(:mod:`aidtools.writing.staging`). So the round is recorded **pending**, with the run's id, which the run
also writes into its report.json (``history.run_id``), its output folder and its process; once the folder
is in place the run marks it **complete** (:func:`confirm`). Only complete rounds are rounds: the list,
the comparisons and the timeliness leave pending ones out, except the run's own while it computes them.

A run killed in between leaves a pending round, and :func:`settle` (run by every command that opens a
history) decides it:

- the output folder holds a report.json with the round's run id: the swap happened, the round is
  complete (the run was killed after the swap, or could not reach the history to confirm);
- otherwise, once the run's process is gone (same host; a process id with another start time is another
  process), the folder's own leftovers are recovered first (the next run would do the same), and if it
  still is not the run's output the round is removed, with everything recorded under it;
- a run of another host, or still running here, is left pending.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy as sa

from aidtools.history import tables as T

log = logging.getLogger(__name__)

CHILDREN = (T.findings, T.inputs, T.merge_accounts, T.progress)


def _started(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None


@dataclass(frozen=True)
class Run:
    """The run recording a round: its id (also in its report.json) and its output folder."""

    out: str
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    started: float | None = field(default_factory=lambda: _started(os.getpid()))


def run_columns(run: Run | None) -> dict:
    """The ``rounds`` columns of a round recorded by ``run`` (complete at once without one)."""
    if run is None:
        return {"state": T.COMPLETE}
    return {"state": T.PENDING, "run_id": run.run_id, "out": run.out, "host": run.host, "pid": run.pid,
            "started": run.started}


def confirm(store, run_id: str) -> None:
    """The run's output is in place: its round is complete."""
    with store.write() as conn:
        conn.execute(T.rounds.update().where(T.rounds.c.run_id == run_id).values(state=T.COMPLETE))


def output_run_id(out) -> str | None:
    """The run id in ``out/report.json`` (``history.run_id``), or None."""
    try:
        data = json.loads((Path(out) / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    history = data.get("history") if isinstance(data, dict) else None
    return history.get("run_id") if isinstance(history, dict) else None


def _gone(row) -> bool:
    """The recording process has ended (only knowable on its own host)."""
    if row["host"] != socket.gethostname() or row["pid"] is None:
        return False
    started = _started(int(row["pid"]))
    if started is None:
        return True
    return row["started"] is not None and abs(started - float(row["started"])) > 1.0


def remove_round(conn, number: int) -> None:
    for table in CHILDREN:
        conn.execute(table.delete().where(table.c.round == number))
    conn.execute(T.rounds.delete().where(T.rounds.c.round == number))


def pending(store) -> list[dict]:
    """The rounds still pending (a run going on, here or on another host), oldest first."""
    with store.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(T.rounds.c.round, T.rounds.c.host, T.rounds.c.out)
                                              .where(T.rounds.c.state == T.PENDING).order_by(T.rounds.c.round)).mappings()]


def settle(store) -> list[str]:
    """Decide every pending round whose run is over (see the module's text); what was done, one line each."""
    from aidtools.writing.staging import recover

    with store.read() as conn:
        pending = [dict(r) for r in conn.execute(sa.select(T.rounds).where(T.rounds.c.state == T.PENDING)
                                                 .order_by(T.rounds.c.round)).mappings()]
    done = []
    for row in pending:
        out = row["out"]
        in_place = out is not None and output_run_id(out) == row["run_id"]
        if not in_place and _gone(row):
            if out is not None:
                recover(out)
                in_place = output_run_id(out) == row["run_id"]
            with store.write() as conn:
                if in_place:
                    conn.execute(T.rounds.update().where(T.rounds.c.round == row["round"]).values(state=T.COMPLETE))
                else:
                    remove_round(conn, row["round"])
            done.append(f"第 {row['round']} 轮" + ("的输出已就位，记为完成" if in_place else
                                                   f"的运行已中断、输出未就位（{out}），已从历史库删除"))
        elif in_place:
            confirm(store, row["run_id"])
            done.append(f"第 {row['round']} 轮的输出已就位，记为完成")
    for line in done:
        log.warning("历史库：%s", line)
    return done
