"""One measurement in a fresh process: ``python benchmarks/measure.py TASK JSON`` prints one JSON line.

Each task imports what it needs and warms the one-off caches (specs, code tables, the county-code
registry) before the clock starts, then times only the work: wall seconds, CPU seconds of this process
and its children, and peak memory two ways: ``ru_maxrss`` of this process (exact) and the largest sum
of RSS over the process tree (this process and every worker or subprocess, sampled by psutil every
50 ms). A fresh process per measurement keeps one run's memory and caches out of the next.

Tasks: ``floor`` (python-calamine values only), ``route`` (fastexcel into Arrow plus dictionary
encoding, alone: the read aidtools does for all-text sheets, without the safety scan and checks), ``check`` (``check_file`` in-process), ``cli``
(``python -m aidtools check`` as a user runs it, interpreter start-up included), ``peer``
(pandas.read_excel + pandera), ``reconcile``, ``job`` (the whole ``aidtools run``), ``serial`` and
``parallel`` (a folder through ``check_paths`` / ``check_paths_parallel``), ``cores`` (what a second
process buys on this machine right now), ``noop`` (the harness).
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# AIDTOOLS_SRC: measure another copy of the package (a prototype of a proposed change) on the same inputs.
SOURCE = Path(os.environ.get("AIDTOOLS_SRC") or ROOT)
sys.path[:0] = [str(SOURCE), str(HERE)]


class TreeMemory:
    """Peak of the summed RSS of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.05):
        import psutil

        self._me = psutil.Process()
        self._interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        for proc in [self._me, *self._me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except Exception:  # a worker that just ended
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _warm_aidtools() -> None:
    from aidtools.codetables import load_code_tables
    from aidtools.regions import region_table
    from aidtools.specs import load_specs

    load_specs(), load_code_tables(), region_table()


def task_noop(args) -> dict:
    return {}


def task_floor(args) -> dict:
    from python_calamine import CalamineWorkbook

    def work():
        rows = CalamineWorkbook.from_path(args["path"]).get_sheet_by_name(args["sheet"]).to_python()
        return {"rows": len(rows) - 1}
    return work


def task_route(args):
    """The Arrow read alone (what :mod:`aidtools.reading.grid` does for all-text sheets, without the
    safety scan and the checks): fastexcel (Rust, on calamine) reads the sheet's data rows into Arrow
    columns with strict type inference over every row, and each column is dictionary-encoded, which
    is what a check on distinct values needs. A column mixing text and numbers makes strict inference
    refuse the file: reported, as aidtools would then read calamine's rows."""
    import fastexcel
    import pyarrow.compute as pc

    def work():
        reader = fastexcel.read_excel(args["path"])
        try:
            sheet = reader.load_sheet(args["sheet"], header_row=None, skip_rows=1, dtype_coercion="strict",
                                      schema_sample_rows=None)
        except Exception as exc:  # a mixed column: the current reader would be used
            return {"fallback": type(exc).__name__}
        table = sheet.to_arrow()
        distinct = [len(pc.dictionary_encode(table.column(i)).dictionary) for i in range(table.num_columns)]
        return {"rows": table.num_rows, "columns": table.num_columns, "distinct_max": max(distinct, default=0)}
    return work


def task_check(args):
    from aidtools.specs import load_specs
    from aidtools.validate import check_file

    _warm_aidtools()
    specs = load_specs()

    def work():
        r = check_file(args["path"], specs=specs)
        return {"rows": r.rows, "errors": r.errors, "warnings": r.warnings, "findings": len(r.findings)}
    return work


def task_cli(args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")]))

    def work():
        done = subprocess.run([sys.executable, "-m", "aidtools", "check", args["path"], "--quiet"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if done.returncode not in (0, 1):
            raise RuntimeError(done.stderr.decode("utf-8", "replace")[-2000:])
        return {"exit": done.returncode}
    return work


def _process(argv: list[str], ok=(0, 1)) -> dict:
    """Run ``python ARGV`` with this tree's aidtools first on the path; raises with its stderr's tail."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode not in ok:
        raise RuntimeError(done.stderr.decode("utf-8", "replace")[-2000:])
    return {"exit": done.returncode}


BARE_READ = ("import sys; from python_calamine import CalamineWorkbook; "
             "CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name(sys.argv[2]).to_python()")


def task_bare_process(args):
    """The floor as a user meets it: a fresh interpreter that imports python-calamine and reads the sheet."""
    def work():
        return _process(["-c", BARE_READ, args["path"], args["sheet"]], ok=(0,))
    return work


def task_cli_folder(args):
    """``aidtools check FOLDER`` as a process (the whole folder, report.json written)."""
    def work():
        argv = ["-m", "aidtools", "check", args["folder"], "--quiet", "--json", args["json"]]
        return _process(argv + (["--as-of", args["as_of"]] if args.get("as_of") else []))
    return work


def task_cli_run(args):
    """``aidtools run FOLDER --out OUT`` as a process, report.html included, into a fresh history."""
    def work():
        history = Path(args["history"])
        history.unlink(missing_ok=True)
        argv = ["-m", "aidtools", "run", args["folder"], "--out", args["out"], "--history", str(history)]
        if args.get("tasks"):
            argv += ["--tasks", args["tasks"]]
        out = _process(argv + (["--as-of", args["as_of"]] if args.get("as_of") else []))
        report = json.loads((Path(args["out"]) / "report.json").read_text(encoding="utf-8"))
        out.update(report["summary"])
        out["html_kb"] = round((Path(args["out"]) / "report.html").stat().st_size / 1024)
        return out
    return work


def task_peer(args):
    import peer_pandera

    peer_pandera.student_schema()  # build once: imports and code tables are not the peer's per-file cost

    def work():
        return peer_pandera.check(args["path"])
    return work


def task_reconcile(args):
    import inputs
    from aidtools.reconcile import reconcile

    _warm_aidtools()
    reports = inputs.university_reports(args["students"], args["payments"])
    rows = {}
    for r in reports:
        rows[r.template] = rows.get(r.template, 0) + r.rows

    def work():
        result = reconcile(reports, as_of=inputs.AS_OF)
        found = result.findings
        return {"tables_rows": rows, "findings": len(found),
                "by_rule": found.groupby("rule").size().to_dict() if len(found) else {}}
    return work


def task_job(args):
    import dataclasses

    from aidtools.job import run_job
    from aidtools.steps import Options
    from aidtools.steps import options as steps_options

    import inputs

    _warm_aidtools()

    history = args.get("history")
    timed = {"history_s": 0.0}
    if history:  # the round recorded into a fresh SQLite history; its share of the run timed
        from aidtools import steps

        Path(history).unlink(missing_ok=True)
        for name in ("history", "confirm_history"):
            step = getattr(steps, name)

            def clocked(*a, _step=step, **k):
                t = time.perf_counter()
                try:
                    return _step(*a, **k)
                finally:
                    timed["history_s"] += time.perf_counter() - t
            setattr(steps, name, clocked)

    def work():
        t = time.perf_counter()
        opts = steps_options(as_of=args["as_of"]) if args.get("as_of") else Options(as_of=inputs.AS_OF)
        report = run_job(args["folder"], args["out"], opts, html=False, history=history)
        out = {"summary": dataclasses.asdict(report.summary)}
        if history:
            run_s = time.perf_counter() - t
            h = report.history
            out.update(history_s=round(timed["history_s"], 3), share=round(timed["history_s"] / run_s, 4),
                       findings=len(h.new) + len(h.still_open) if h else None,
                       history_mb=round(Path(history).stat().st_size / 2**20, 1))
        return out
    return work


def task_steps(args):
    """``run_job`` as ``aidtools run`` calls it (report.html included, a fresh history), each step timed:
    where the time of the whole run goes."""
    from aidtools import job, steps
    from aidtools.outputs import html_report, report_process
    from aidtools.steps import options as steps_options

    _warm_aidtools()
    timed: dict[str, float] = {}

    def clock(owner, name, label):
        step = getattr(owner, name)

        def clocked(*a, **k):
            t = time.perf_counter()
            try:
                return step(*a, **k)
            finally:
                timed[label] = timed.get(label, 0.0) + time.perf_counter() - t
        setattr(owner, name, clocked)

    for name in ("check", "reconcile", "merge", "progress", "feedback", "history", "confirm_history"):
        clock(steps, name, name)
    clock(job, "begin_outputs", "report.xlsx and report.json")
    clock(job, "finish_outputs", "waiting for report.html")
    clock(html_report, "render_html_report", "report.html in this process (only after a write.failed)")
    clock(report_process.ReportProcess, "render", "report.html in its helper process (beside the feedback)")

    def work():
        history = Path(args["history"])
        history.unlink(missing_ok=True)
        t = time.perf_counter()
        job.run_job(args["folder"], args["out"], steps_options(as_of=args.get("as_of")), tasks=args.get("tasks"),
                    html=True, history=str(history))
        total = time.perf_counter() - t
        out = {k: round(v, 2) for k, v in timed.items()}
        out["other"] = round(total - sum(v for k, v in timed.items() if not k.startswith("report.html")), 2)
        out["total"] = round(total, 2)
        return out
    return work


def _burn(n: int) -> float:
    t, total = time.perf_counter(), 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - t


def task_cores(args):
    """How much a second process really buys on this machine now: the same pure-Python loop twice,
    one after the other and then on 2 processes (shared or SMT cores give far less than 2x)."""
    from concurrent.futures import ProcessPoolExecutor

    def work():
        n = args.get("n", 20_000_000)
        t = time.perf_counter()
        _burn(n), _burn(n)
        serial = time.perf_counter() - t
        with ProcessPoolExecutor(2) as pool:
            t = time.perf_counter()
            list(pool.map(_burn, [n, n]))
            parallel = time.perf_counter() - t
        return {"serial_s": serial, "parallel_s": parallel, "speedup": serial / parallel}
    return work


def _folder_result(reports) -> dict:
    return {"files": len(reports), "rows": sum(r.rows for r in reports), "errors": sum(r.errors for r in reports)}


def task_serial(args):
    from aidtools.validate import check_paths

    _warm_aidtools()
    return lambda: _folder_result(check_paths([args["folder"]]))


def task_parallel(args):
    from aidtools.parallel import check_paths_parallel

    _warm_aidtools()
    backend = args.get("backend", "processes")
    if backend == "distributed":  # a LocalCluster of ``workers`` processes, started before the clock
        import distributed

        cluster = distributed.LocalCluster(n_workers=args["workers"], threads_per_worker=1, processes=True,
                                           dashboard_address=None, worker_dashboard_address=None)
        with distributed.Client(cluster.scheduler_address) as client:  # the workers import aidtools once, untimed
            client.run(_warm_aidtools)
        return lambda: _folder_result(check_paths_parallel([args["folder"]], backend="distributed",
                                                           scheduler=cluster.scheduler_address))
    return lambda: _folder_result(check_paths_parallel([args["folder"]], workers=args["workers"], backend=backend))


def main(argv) -> int:
    task, args = argv[1], json.loads(argv[2]) if len(argv) > 2 else {}
    work = globals()[f"task_{task}"](args)
    if not callable(work):
        work = lambda: {}  # noqa: E731  (noop)
    load_before = os.getloadavg()[0]
    with TreeMemory() as memory:
        cpu0, wall0 = _cpu(), time.perf_counter()
        extra = work()
        wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({
        "task": task, "seconds": wall, "cpu_s": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "child_peak_rss_mb": kids / 1024, "tree_peak_rss_mb": memory.peak / 1024**2,
        "load": [load_before, os.getloadavg()[0]], "extra": extra,
    }, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
