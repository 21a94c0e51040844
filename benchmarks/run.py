"""Speed and scale of aidtools against the floor (python-calamine reading the same file) and the peer
(pandas.read_excel + pandera), on synthetic student workbooks of 10k, 100k and 1M rows; reconciliation
of a 300k-student university with ~1M disbursements; the whole ``aidtools run``; and a province's
folder of workbooks checked on 2 processes against 1.

    .venv/bin/python benchmarks/run.py            # the full run (about half an hour on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # smoke run on 10k rows (a few minutes)
    .venv/bin/python benchmarks/run.py --sizes 10000,100000 --no-peer

Every figure is the median of several runs, each in a fresh process (``measure.py``); runs of
different tasks are interleaved so that a change in machine load hits them alike. The table is
printed and written to ``benchmarks/results.md`` (``--quick``: ``benchmarks/out/results-quick.md``),
with the machine's description, every run, and each target marked met or missed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import inputs  # noqa: E402

LARGE = 500_000  # from this size on: fewer repeats, and the peer is extrapolated instead of run
TARGETS = {
    "check_vs_floor": 1.5,  # aidtools check at most 1.5x the calamine read (100k and 1M rows)
    "peer_vs_check": 5.0,  # at least 5x faster than pandas + pandera
    "reconcile_s": 10.0,  # 300k students / 1M disbursements
    "linearity": 12.0,  # 1M time within 12x of 100k
    "peak_gib_1m": 4.0,  # peak memory at 1M rows
    "history_share": 0.10,  # recording a round: under a tenth of the run (issue 15), 300k students
    "process_vs_bare": 1.3,  # aidtools check FILE as a process vs the bare read as a process (issue 18)
    "whole_vs_check": 2.5,  # aidtools run vs aidtools check, 30k-student sample (issue 18)
    "whole_peak_gib": 1.0,  # peak of that run
    "whole_linearity": 12.0,  # 300k-student run within 12x of the 30k one, under 4 GiB
}


def within_(a, b, limit):
    """a / b ≤ limit, or None when either is missing."""
    return None if a is None or b is None else a / b <= limit


# ---------------------------------------------------------------- running one measurement


def measure(task: str, timeout: float, env: dict | None = None, **args) -> dict:
    """Run ``measure.py TASK`` in a fresh interpreter; its JSON line, or the failure."""
    cmd = [sys.executable, str(HERE / "measure.py"), task, json.dumps(args, default=str)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"task": task, "failed": f"超时 / timed out after {timeout:.0f} s"}
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"task": task, "failed": " | ".join(tail)[-400:] or f"exit {done.returncode}"}
    return json.loads(lines[-1])


class Runs:
    """Every run of every measurement, by (label, size)."""

    def __init__(self):
        self.by_key: dict[tuple[str, str], list[dict]] = {}

    def add(self, label: str, size: str, result: dict) -> None:
        self.by_key.setdefault((label, size), []).append(result)
        ok = "failed" not in result
        shown = (f"{result['seconds']:8.2f} s  cpu {result['cpu_s']:7.2f} s  peak {result['tree_peak_rss_mb']:7.0f} MB"
                 f"  load {result['load'][0]:.1f}" if ok else f"FAILED: {result['failed']}")
        print(f"  {label:<22} {size:>22}  {shown}", flush=True)

    def ok(self, label: str, size: str) -> list[dict]:
        return [r for r in self.by_key.get((label, size), []) if "failed" not in r]

    def median(self, label: str, size: str, field: str = "seconds") -> float | None:
        runs = self.ok(label, size)
        return statistics.median(r[field] for r in runs) if runs else None

    def peak(self, label: str, size: str) -> float | None:
        runs = self.ok(label, size)
        return max(r["tree_peak_rss_mb"] for r in runs) if runs else None

    def failure(self, label: str, size: str) -> str | None:
        bad = [r["failed"] for r in self.by_key.get((label, size), []) if "failed" in r]
        return bad[0] if bad else None


# ---------------------------------------------------------------- the machine


def machine() -> dict:
    import numpy
    import pandas
    import psutil

    def version(dist: str) -> str:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as v
        try:
            return v(dist)
        except PackageNotFoundError:
            return "未安装 / not installed"

    dask_version = version("dask")
    extra = os.environ.get("BENCH_DASK_PATH")
    if extra and not dask_version[0].isdigit():
        found = sorted(Path(extra).glob("dask-*.dist-info"))
        dask_version = f"{found[0].name[5:-10]} (from BENCH_DASK_PATH)" if found else dask_version
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "os": platform.platform(), "python": platform.python_version(), "pandas": pandas.__version__,
        "numpy": numpy.__version__, "python-calamine": version("python-calamine"), "openpyxl": version("openpyxl"),
        "pandera": version("pandera"), "dask": dask_version, "pyarrow": version("pyarrow"),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
    }


# ---------------------------------------------------------------- the plan


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke run: 10k rows, one run each, small folders")
    p.add_argument("--sizes", default=None, help="rows per student workbook, comma-separated (default 10000,100000,1000000)")
    p.add_argument("--repeats", type=int, default=None, help="runs per figure below 500k rows (default 3)")
    p.add_argument("--peer-repeats-100k", type=int, default=2, help="runs of the peer at 100k rows (it is slow)")
    p.add_argument("--no-peer", action="store_true", help="skip pandas + pandera")
    p.add_argument("--province", default=None, help="FILESxROWS for the parallel check (default 4x100000)")
    p.add_argument("--university", default=None, help="STUDENTS:PAYMENTS for reconcile (default 300000:1000000)")
    p.add_argument("--job", default=None, help="STUDENTS:PAYMENTS for the whole run (default 3000:10000: ~14k rows in 37 files, an aid centre's round)")
    p.add_argument("--history-job", default=None,
                   help="STUDENTS of `aidtools sample` for the whole run with a history, timing the round's recording "
                        "(default 300000)")
    p.add_argument("--cluster", default=None, help="FILESxROWS for serial / 2 processes / 2-worker LocalCluster (default 400x1000)")
    p.add_argument("--process", type=int, default=None,
                   help="rows of the two student workbooks for check-as-a-process vs the bare read (default 100000)")
    p.add_argument("--whole", default=None,
                   help="students, comma-separated: aidtools check vs aidtools run on `aidtools sample` (default 30000,300000)")
    p.add_argument("--whole-repeats-large", type=int, default=1,
                   help="runs of each side at 100,000 students or more (default 1; each run takes minutes)")
    p.add_argument("--skip", default="",
                   help="comma-separated: floor,check,cli,peer,route,typed,reconcile,job,history,province,cluster,process,whole")
    p.add_argument("--results", default=None, help="where to write the Markdown results")
    p.add_argument("--compare", default=None, metavar="DIR",
                   help="also time check_file from another copy of the package (DIR holds aidtools/), interleaved")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or "10000"
        args.repeats = args.repeats or 1
        args.province = args.province or "3x10000"
        args.university = args.university or "3000:10000"
        args.results = args.results or str(HERE / "out" / "results-quick.md")
    args.sizes = [int(s) for s in (args.sizes or "10000,100000,1000000").split(",")]
    args.repeats = args.repeats or 3
    args.province = args.province or "4x100000"
    args.university = args.university or "300000:1000000"
    args.job = args.job or "3000:10000"
    args.cluster = args.cluster or ("20x1000" if args.quick else "400x1000")
    args.history_job = args.history_job or ("3000" if args.quick else "300000")
    args.process = args.process or (10_000 if args.quick else 100_000)
    args.whole = [int(x) for x in (args.whole or ("3000" if args.quick else "30000,300000")).split(",")]
    args.results = Path(args.results or HERE / "results.md")
    args.skip = {s for s in args.skip.split(",") if s}
    if args.no_peer:
        args.skip.add("peer")
    return args


def _pair(text: str, sep: str) -> tuple[int, int]:
    a, b = text.split(sep)
    return int(a), int(b)


def _timeout(rows: int) -> float:
    return 120 + rows * 0.004  # generous: 1M rows get 67 minutes before a run counts as failed


def run_workbooks(args, runs: Runs, notes: list[str]) -> None:
    sheet = inputs.load_specs()["student"].sheet
    for n in args.sizes:
        t = time.perf_counter()
        path = inputs.student_workbook(n)
        notes.append(f"输入 / input: {path.name}, {path.stat().st_size / 1024**2:.1f} MB "
                     f"(generated or found in cache in {time.perf_counter() - t:.1f} s; not part of any figure)")
        size = f"{n:,} rows"
        large = n >= LARGE
        plan = {
            "floor": 2 if large else args.repeats,
            "check": 1 if large else args.repeats,
            # At 1M rows the CLI is the in-process check plus a second of start-up: not worth 10 minutes.
            "cli": 0 if large else args.repeats,
            "peer": 0 if large else (min(args.peer_repeats_100k, args.repeats) if n >= 100_000 else args.repeats),
            "route": (2 if large else args.repeats) if _has("fastexcel") else 0,
        }
        if args.compare:
            plan["check_compare"] = plan.get("check", 1)
        plan = {k: v for k, v in plan.items() if k not in args.skip}
        print(f"\n== {size}: {path}", flush=True)
        for rep in range(max(plan.values(), default=0)):
            for task, times in plan.items():
                if rep < times:
                    extra = {"sheet": sheet} if task in ("floor", "route") else {}
                    env = dict(os.environ, AIDTOOLS_SRC=args.compare) if task == "check_compare" else None
                    runs.add(task, size, measure(task.replace("_compare", ""), _timeout(n), env=env, path=str(path),
                                                 **extra))
        if n == TYPED_SIZE and "typed" not in args.skip:
            # The same rows with 学制 typed as numbers (the Arrow route), and in every other row only
            # (a column mixing text and numbers: calamine's rows).
            for variant, label in TYPED_LABELS.items():
                typed = inputs.student_workbook(n, typed=variant)
                print(f"\n== {label}: {typed}", flush=True)
                for _ in range(args.repeats):
                    for task in ("floor", "check"):
                        runs.add(task, label, measure(task, _timeout(n), path=str(typed),
                                                      **({"sheet": sheet} if task == "floor" else {})))


TYPED_SIZE = 100_000
TYPED_LABELS = {"typed": f"{TYPED_SIZE:,} rows, 学制 as numbers",
                "mixed": f"{TYPED_SIZE:,} rows, 学制 as numbers in every other row"}


def _has(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def run_reconcile(args, runs: Runs) -> None:
    students, payments = _pair(args.university, ":")
    size = f"{students:,} / {payments:,}"
    print(f"\n== reconcile {size} (students / payments)", flush=True)
    for _ in range(1 if students >= LARGE / 2 else args.repeats):
        runs.add("reconcile", size, measure("reconcile", 3600, students=students, payments=payments))


def run_job(args, runs: Runs, notes: list[str]) -> None:
    students, payments = _pair(args.job, ":")
    folder = inputs.university_folder(students, payments)
    files = sum(1 for p in folder.rglob("*.xlsx"))
    size = f"{students:,} / {payments:,}, {files} files"
    notes.append(f"整体运行 / whole run: {folder.name}, {files} 个文件 / files")
    print(f"\n== aidtools run {size}", flush=True)
    out = HERE / "out" / f"job_{students}_{payments}"
    runs.add("job", size, measure("job", 3600, folder=str(folder), out=str(out)))


def run_history(args, runs: Runs, notes: list[str]) -> None:
    """The whole run recording its round into a fresh SQLite history: the recording's share of the run."""
    students = int(args.history_job)
    folder, as_of = inputs.sample_university(students)
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    size = f"aidtools sample, {students:,} students, {files} files"
    notes.append(f"历史 / history: `aidtools sample --students {students} --seed 7` ({files} 个文件 / files, "
                 "planted mistakes included), recorded into a fresh SQLite file")
    print(f"\n== aidtools run with a history, {size}", flush=True)
    out = HERE / "out" / f"history_{students}"
    runs.add("history", size, measure("job", 4 * 3600, folder=str(folder), out=str(out / "OUT"),
                                      history=str(out / "history.sqlite"), as_of=as_of))


def run_province(args, runs: Runs, notes: list[str]) -> None:
    files, n = _pair(args.province, "x")
    folder = inputs.province_folder(files, n)
    size = f"{files} files x {n:,} rows"
    notes.append(f"省级 / province: {folder.name}, {files} 个学生基本信息工作簿 / student workbooks")
    print(f"\n== province {size}", flush=True)
    timeout = _timeout(files * n) + 600
    runs.add("cores", "pure-Python loop x2", measure("cores", 600))
    runs.add("serial", size, measure("serial", timeout, folder=str(folder)))
    runs.add("parallel_2", size, measure("parallel", timeout, folder=str(folder), workers=2))
    # BENCH_DASK_PATH: a folder holding dask when it is not installed in this environment.
    env = dict(os.environ)
    if os.environ.get("BENCH_DASK_PATH"):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (os.environ["BENCH_DASK_PATH"], env.get("PYTHONPATH")) if p)
    if subprocess.run([sys.executable, "-c", "import dask"], env=env, capture_output=True).returncode == 0:
        runs.add("dask_2", size, measure("parallel", timeout, env=env, folder=str(folder), workers=2, backend="dask"))
    else:
        notes.append("Dask 未安装，省级的 Dask 路径未测 / dask not installed: the Dask path was not measured")


def run_cluster(args, runs: Runs, notes: list[str]) -> None:
    """Many small files: serial, two processes, and a two-worker dask.distributed LocalCluster (--scheduler)."""
    files, n = _pair(args.cluster, "x")
    folder = inputs.province_folder(files, n)
    size = f"{files} files x {n:,} rows"
    notes.append(f"集群 / cluster: {folder.name}, {files} 个学生基本信息工作簿; LocalCluster 2 个工作进程（启动不计时） / "
                 "2 worker processes, started before the clock")
    print(f"\n== cluster {size}", flush=True)
    timeout = _timeout(files * n) + 600
    for _ in range(args.repeats):  # interleaved
        runs.add("serial", size, measure("serial", timeout, folder=str(folder)))
        runs.add("parallel_2", size, measure("parallel", timeout, folder=str(folder), workers=2))
        runs.add("cluster_2", size, measure("parallel", timeout, folder=str(folder), workers=2, backend="distributed"))


PROCESS_KINDS = {"": "high-cardinality student workbook", "lowcard": "low-cardinality student workbook"}


def run_process(args, runs: Runs, notes: list[str]) -> None:
    """``aidtools check FILE`` as a fresh process against a fresh process doing python-calamine's bare read
    of the same sheet, on a high- and a low-cardinality workbook, interleaved."""
    sheet = inputs.load_specs()["student"].sheet
    n = args.process
    for kind, label in PROCESS_KINDS.items():
        path = inputs.student_workbook(n, typed=kind)
        size = f"{label}, {n:,} rows"
        print(f"\n== process: {size}: {path}", flush=True)
        for _ in range(args.repeats):
            runs.add("bare_process", size, measure("bare_process", _timeout(n), path=str(path), sheet=sheet))
            runs.add("cli_process", size, measure("cli", _timeout(n), path=str(path)))
    notes.append(f"进程 / process: `python -c` + python-calamine `to_python()` vs `python -m aidtools check FILE --quiet`, "
                 f"both fresh interpreters, {n:,} rows; low-cardinality: `inputs.student_workbook(n, typed=\"lowcard\")`")


def run_whole(args, runs: Runs, notes: list[str]) -> None:
    """``aidtools check`` and ``aidtools run`` (report.html included) as processes on ``aidtools sample``
    universities, interleaved; then the whole run in-process with each step timed."""
    for students in args.whole:
        folder, as_of = inputs.sample_university(students)
        files = sum(1 for p in folder.rglob("*") if p.is_file())
        size = f"{students:,} students, {files} files"
        out = HERE / "out" / f"whole_{students}"
        tasks = folder.parent / "tasks.xlsx"
        common = dict(folder=str(folder), as_of=as_of)
        repeats = args.whole_repeats_large if students >= 100_000 else args.repeats
        timeout = 600 + students * 0.02
        print(f"\n== whole run: {size}", flush=True)
        for _ in range(repeats):
            runs.add("whole_check", size, measure("cli_folder", timeout, json=str(out / "check.json"), **common))
            runs.add("whole_run", size, measure("cli_run", timeout, out=str(out / "OUT"), tasks=str(tasks),
                                                history=str(out / "history.sqlite"), **common))
        runs.add("whole_steps", size, measure("steps", timeout, out=str(out / "STEPS"), tasks=str(tasks),
                                              history=str(out / "steps-history.sqlite"), **common))
        notes.append(f"整体 / whole run: `aidtools sample --students {students} --seed 7` ({files} 个文件 / files), "
                     f"`aidtools check FOLDER --json` vs `aidtools run FOLDER --out OUT --tasks tasks.xlsx` "
                     "(report.html included, a fresh SQLite history), as processes")


# ---------------------------------------------------------------- the report


def _fmt(x, unit: str = "s", digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f} {unit}".strip()


def _ratio(a, b) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def _history_extra(runs: Runs) -> dict | None:
    done = [r for (lab, _), rs in runs.by_key.items() if lab == "history" for r in rs if "extra" in r]
    return done[-1]["extra"] if done else None


def _share(runs: Runs) -> str:
    x = _history_extra(runs)
    if not x or x.get("share") is None:
        return "not measured"
    return (f"{x['share']:.1%} ({x['history_s']:.1f} s of the run; {x.get('findings') or 0:,} findings; "
            f"history file {x.get('history_mb')} MB)")


def _share_ok(runs: Runs) -> bool | None:
    x = _history_extra(runs)
    return None if not x or x.get("share") is None else x["share"] <= TARGETS["history_share"]


def _verdict(ok: bool | None) -> str:
    return "未测 / not measured" if ok is None else ("达标 / met" if ok else "未达标 / MISSED")


def report(args, runs: Runs, info: dict, notes: list[str], started: float, load0: tuple) -> str:
    lines = ["# aidtools benchmarks / 性能测试结果", ""]
    lines += [f"Generated by `benchmarks/run.py{' --quick' if args.quick else ''}` on "
              f"{dt.datetime.now().isoformat(timespec='minutes')}, total {(time.time() - started) / 60:.1f} min.", ""]
    lines += ["## Machine / 机器", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    load1 = os.getloadavg()
    lines += [f"| load average at start / end | {load0[0]:.2f} / {load1[0]:.2f} (1 min) |", ""]
    loads = [x for runs_ in runs.by_key.values() for r in runs_ if "load" in r for x in r["load"]]
    high = max(loads, default=0.0)
    lines += [f"**Load.** 1-minute load average during the runs: {min(loads, default=0.0):.1f}–{high:.1f} "
              "(the `load` column below; above 2 a process waited for a core"
              + ("; something else shared the cores during part of this run" if high > 2 else "") + "). "
              "This is a shared virtual machine: even at low load the same work drifts by up to a quarter in "
              "speed over minutes, so every figure is a median of interleaved runs and each ratio is taken "
              "between runs made in the same minutes. CPU seconds (this process and its children) are given "
              "beside wall seconds; with helper threads CPU exceeds wall.", ""]

    # -- one workbook
    lines += ["## One student workbook (21 columns) / 单个学生基本信息工作簿", "",
              "Median wall seconds (CPU seconds in brackets), runs per figure in `n=`; peak = largest summed RSS "
              "of the process tree.", "",
              "| rows | floor: calamine read | aidtools check (in-process) | aidtools check (CLI) | peer: read_excel + pandera "
              "| check / floor (CPU) | peer / check (CPU) | peak check | peak peer |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    check_100k = check_1m = None
    for n in args.sizes:
        size = f"{n:,} rows"

        def cell(label):
            m = runs.median(label, size)
            if m is None:
                fail = runs.failure(label, size)
                return f"FAILED: {fail[:60]}" if fail else "—"
            return f"{m:.2f} s ({runs.median(label, size, 'cpu_s'):.2f}) n={len(runs.ok(label, size))}"

        floor, check, peer = runs.median("floor", size), runs.median("check", size), runs.median("peer", size)
        cpu = {k: runs.median(k, size, "cpu_s") for k in ("floor", "check", "peer")}
        peer_cell = cell("peer")
        if peer is None and n >= LARGE and "peer" not in args.skip:
            base, base_cpu = runs.median("peer", "100,000 rows"), runs.median("peer", "100,000 rows", "cpu_s")
            if base is not None:
                peer, cpu["peer"] = base * n / 100_000, base_cpu * n / 100_000
                peer_cell = f"≈{peer:.0f} s ({cpu['peer']:.0f}) **extrapolated** ×{n // 100_000} from 100k, not run"
        lines.append(f"| {n:,} | {cell('floor')} | {cell('check')} | {cell('cli')} | {peer_cell} | "
                     f"{_ratio(check, floor)} ({_ratio(cpu['check'], cpu['floor'])}) | "
                     f"{_ratio(peer, check)} ({_ratio(cpu['peer'], cpu['check'])}) | "
                     f"{_fmt(runs.peak('check', size), 'MB', 0)} | {_fmt(runs.peak('peer', size), 'MB', 0)} |")
        if n == 100_000:
            check_100k = check
        if n == 1_000_000:
            check_1m = check
    lines.append("")
    if args.compare:
        lines += [f"Compared with the copy of the package in `{args.compare}` (`--compare`), same inputs, runs interleaved:", "",
                  "| rows | check, this tree | check, compared copy | speed-up (CPU) | findings equal count |",
                  "|---:|---:|---:|---:|---:|"]
        for n in args.sizes:
            size = f"{n:,} rows"
            a, b = runs.median("check", size), runs.median("check_compare", size)
            ca, cb = runs.median("check", size, "cpu_s"), runs.median("check_compare", size, "cpu_s")
            fa = {r["extra"].get("findings") for r in runs.ok("check", size)}
            fb = {r["extra"].get("findings") for r in runs.ok("check_compare", size)}
            lines.append(f"| {n:,} | {_fmt(a)} ({_fmt(ca)}) | {_fmt(b)} ({_fmt(cb)}) | {_ratio(a, b)} ({_ratio(ca, cb)}) | "
                         f"{'yes' if fa == fb else f'NO: {fa} vs {fb}'} |")
        lines.append("")
    peer_split = []
    for n in args.sizes:
        for r in runs.ok("peer", f"{n:,} rows"):
            peer_split.append(f"{n:,}: read {r['extra']['read_s']:.1f} s + validate {r['extra']['validate_s']:.1f} s "
                              f"({r['extra']['failure_cases']} failure cases)")
    if peer_split:
        lines += ["Peer split (read_excel vs pandera validate): " + "; ".join(peer_split) + ".", ""]
    route = []
    for n in args.sizes:
        size = f"{n:,} rows"
        med, floor = runs.median("route", size), runs.median("floor", size)
        if med is not None:
            fallback = [r["extra"].get("fallback") for r in runs.ok("route", size) if r["extra"].get("fallback")]
            route.append(f"{n:,}: {_fmt(med)} ({_ratio(med, floor)} of the floor)"
                         + (f", strict inference refused the file ({fallback[0]})" if fallback else ""))
    if route:
        lines += ["The Arrow read alone (fastexcel reading the data rows into Arrow with strict type inference over "
                  "every row, plus dictionary-encoding every column; what `aidtools check` does for a sheet on the "
                  "Arrow route, before the safety scan and the checks): " + "; ".join(route) + ".", ""]
    typed = []
    for variant, label in TYPED_LABELS.items():
        floor_t, check_t = runs.median("floor", label), runs.median("check", label)
        if check_t is not None:
            route = "Arrow columns" if variant == "typed" else "calamine's rows (a column mixing text and numbers)"
            typed.append(f"| {label} | {route} | {_fmt(floor_t)} | {_fmt(check_t)} | {_ratio(check_t, floor_t)} "
                         f"| {len(runs.ok('check', label))} |")
    if typed:
        lines += ["The same 100,000 rows with 学制 typed as numbers, as departments do / 学制存成数字：", "",
                  "| input | read as | floor | check | check / floor | n |", "|---|---|---:|---:|---:|---:|",
                  *typed, ""]

    # -- reconcile, job, province
    lines += ["## Reconciliation, whole run, province / 对账、整体运行、省级并行", "",
              "| what | size | median wall | CPU | peak | runs |", "|---|---|---:|---:|---:|---:|"]
    other = [("reconcile", "reconcile(reports)"), ("job", "aidtools run (run_job, html=False)"),
             ("history", "aidtools run with a history (SQLite)"),
             ("cores", "calibration: a CPU loop twice, 1 then 2 processes"),
             ("serial", "check_paths, 1 process"), ("parallel_2", "check_paths_parallel, 2 processes"),
             ("dask_2", "check_paths_parallel, dask, 2 processes"),
             ("cluster_2", "--scheduler: dask.distributed LocalCluster, 2 workers")]
    for label, title in other:
        for (lab, size), _ in runs.by_key.items():
            if lab != label:
                continue
            m = runs.median(label, size)
            fail = runs.failure(label, size)
            wall = _fmt(m) if m is not None else f"FAILED: {fail[:120]}"
            lines.append(f"| {title} | {size} | {wall} | {_fmt(runs.median(label, size, 'cpu_s'))} | "
                         f"{_fmt(runs.peak(label, size), 'MB', 0)} | {len(runs.ok(label, size))} |")
    lines.append("")

    # -- issue 18: check as a process, the whole run
    process_rows = []
    for kind, label in PROCESS_KINDS.items():
        size = f"{label}, {args.process:,} rows"
        bare, cli = runs.median("bare_process", size), runs.median("cli_process", size)
        if bare is not None or cli is not None:
            process_rows.append(f"| {label} | {_fmt(bare)} | {_fmt(cli)} | {_ratio(cli, bare)} | "
                                f"{_verdict(within_(cli, bare, TARGETS['process_vs_bare']))} | {len(runs.ok('cli_process', size))} |")
    if process_rows:
        lines += [f"## `aidtools check FILE` as a whole process / 整个进程（{args.process:,} rows）", "",
                  "| file | bare read (process) | check (process) | ratio | target ≤ 1.3x | n |",
                  "|---|---:|---:|---:|---|---:|", *process_rows, ""]
    whole_rows, run_30k = [], None
    for students in args.whole:
        size = next((s for (l, s) in runs.by_key if l == "whole_run" and s.startswith(f"{students:,} students")), None)
        if size is None:
            continue
        check, run = runs.median("whole_check", size), runs.median("whole_run", size)
        peak = runs.peak("whole_run", size)
        if students == 30_000:
            run_30k = run
        summary = next((r["extra"] for r in runs.ok("whole_run", size)), {})
        rows = f"{summary['rows']:,}" if isinstance(summary.get("rows"), int) else "—"
        verdict = ""
        if students == 30_000:
            verdict = (f" ≤ {TARGETS['whole_vs_check']}x: {_verdict(within_(run, check, TARGETS['whole_vs_check']))}; "
                       f"peak < 1 GiB: {_verdict(None if peak is None else peak / 1024 < TARGETS['whole_peak_gib'])}")
        whole_rows.append(f"| {size} | {rows} | {_fmt(check)} | {_fmt(run)} | {_ratio(run, check)}{verdict} | "
                          f"{_fmt(peak, 'MB', 0)} | {len(runs.ok('whole_run', size))} |")
    if whole_rows:
        lines += ["## The whole run / 整体运行（aidtools sample）", "",
                  "| university | rows | aidtools check (process) | aidtools run (process) | run / check | peak run | n |",
                  "|---|---:|---:|---:|---:|---:|---:|", *whole_rows, ""]
        steps_lines = []
        for (label, size), results in runs.by_key.items():
            if label == "whole_steps":
                for r in results:
                    if "extra" in r:
                        steps_lines.append(f"- {size}: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["extra"].items()))
        if steps_lines:
            lines += ["Where the run's time goes (in-process, one run, each step timed):", "", *steps_lines, ""]
        for students in args.whole:
            size = next((s for (l, s) in runs.by_key if l == "whole_run" and s.startswith(f"{students:,} students")), None)
            if size is None or students == 30_000 or run_30k is None:
                continue
            run, peak = runs.median("whole_run", size), runs.peak("whole_run", size)
            lines += [f"At {students:,} students the run takes {_ratio(run, run_30k)} the 30,000-student figure "
                      f"(target ≤ {TARGETS['whole_linearity']:.0f}x: {_verdict(within_(run, run_30k, TARGETS['whole_linearity']))}), "
                      f"peak {_fmt(None if peak is None else peak / 1024, 'GiB')} (target < 4 GiB: "
                      f"{_verdict(None if peak is None else peak / 1024 < 4)}).", ""]

    # -- targets
    floor_100k, floor_1m = runs.median("floor", "100,000 rows"), runs.median("floor", "1,000,000 rows")
    peer_100k = runs.median("peer", "100,000 rows")
    rec = next((runs.median(l, s) for (l, s) in runs.by_key if l == "reconcile"), None)
    peak_1m = runs.peak("check", "1,000,000 rows")
    serial = next((runs.median(l, s) for (l, s) in runs.by_key if l == "serial"), None)
    par = next((runs.median(l, s) for (l, s) in runs.by_key if l == "parallel_2"), None)

    calib = [r["extra"]["speedup"] for (lab, _), rs in runs.by_key.items() if lab == "cores" for r in rs if "extra" in r]
    cores = f"{calib[0]:.2f}x" if calib else "not measured"

    def within(a, b, limit):
        return None if a is None or b is None else a / b <= limit

    lines += ["## Targets / 目标", "", "| target | measured | verdict |", "|---|---|---|",
              f"| check ≤ 1.5x calamine read, 100k rows | {_ratio(check_100k, floor_100k)} "
              f"(CPU {_ratio(runs.median('check', '100,000 rows', 'cpu_s'), runs.median('floor', '100,000 rows', 'cpu_s'))}) | "
              f"{_verdict(within(check_100k, floor_100k, TARGETS['check_vs_floor']))} |",
              f"| check ≤ 1.5x calamine read, 1M rows | {_ratio(check_1m, floor_1m)} "
              f"(CPU {_ratio(runs.median('check', '1,000,000 rows', 'cpu_s'), runs.median('floor', '1,000,000 rows', 'cpu_s'))}) | "
              f"{_verdict(within(check_1m, floor_1m, TARGETS['check_vs_floor']))} |",
              f"| ≥ 5x faster than pandas + pandera (100k rows) | {_ratio(peer_100k, check_100k)} "
              f"(CPU {_ratio(runs.median('peer', '100,000 rows', 'cpu_s'), runs.median('check', '100,000 rows', 'cpu_s'))}) | "
              f"{_verdict(None if peer_100k is None or check_100k is None else peer_100k / check_100k >= TARGETS['peer_vs_check'])} |",
              f"| reconcile 300k students / 1M disbursements < 10 s | {_fmt(rec)} | "
              f"{_verdict(None if rec is None else rec < TARGETS['reconcile_s'])} |",
              f"| 1M rows within 12x of 100k (linearity) | {_ratio(check_1m, check_100k)} "
              f"(CPU {_ratio(runs.median('check', '1,000,000 rows', 'cpu_s'), runs.median('check', '100,000 rows', 'cpu_s'))}) | "
              f"{_verdict(within(check_1m, check_100k, TARGETS['linearity']))} |",
              f"| peak memory < 4 GiB at 1M rows | {_fmt(None if peak_1m is None else peak_1m / 1024, 'GiB')} | "
              f"{_verdict(None if peak_1m is None else peak_1m / 1024 < TARGETS['peak_gib_1m'])} |",
              f"| recording a round ≤ 10% of the run, aidtools sample at {int(args.history_job):,} students | "
              f"{_share(runs)} | {_verdict(_share_ok(runs))} |",
              f"| province: 2 processes vs 1 | {_ratio(serial, par)} speed-up (what 2 processes give a plain CPU loop "
              f"on this machine now: {cores}) | (no target) |", ""]

    lines += ["## Inputs and notes / 输入与说明", ""] + [f"- {n}" for n in notes] + [""]
    lines += ["## Every run / 每一次运行", "", "| what | size | wall s | CPU s | peak MB | load before/after | result |",
              "|---|---|---:|---:|---:|---|---|"]
    for (label, size), results in runs.by_key.items():
        for r in results:
            if "failed" in r:
                lines.append(f"| {label} | {size} | — | — | — | — | FAILED: {r['failed'][:200]} |")
            else:
                extra = json.dumps(r.get("extra", {}), ensure_ascii=False)[:160].replace("|", "/")
                lines.append(f"| {label} | {size} | {r['seconds']:.2f} | {r['cpu_s']:.2f} | {r['tree_peak_rss_mb']:.0f} | "
                             f"{r['load'][0]:.1f}/{r['load'][1]:.1f} | {extra} |")
    lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- cross-checks of the inputs


def verify_inputs(notes: list[str]) -> None:
    """The fast writer against xlsxwriter, and the in-memory reports against checked workbooks."""
    import tempfile


    from aidtools.reconcile.tables import gather
    from aidtools.validate import check_file, check_paths

    with tempfile.TemporaryDirectory() as tmp:
        frame = inputs.student_frame(2000, seed=7)
        sheet = inputs.load_specs()["student"].sheet
        a = check_file(inputs.write_workbook(frame, Path(tmp) / "a.xlsx", sheet))
        b = check_file(inputs.write_workbook_xlsxwriter(frame, Path(tmp) / "b.xlsx", sheet))
        same = a.findings.drop(columns="path").equals(b.findings.drop(columns="path")) and a.table.equals(b.table)
        notes.append(f"核对 / cross-check: fast writer vs xlsxwriter on 2,000 rows: "
                     f"{'same findings and table' if same else 'DIFFERENT'} ({len(a.findings)} findings)")
        folder = inputs.university_folder(600, 2000, data_dir=Path(tmp))
        checked = gather(check_paths([folder]))
        built = gather(inputs.university_reports(600, 2000))
        equal = all(checked[k].sort_values(["_path", "_row"]).reset_index(drop=True).equals(
            built[k].sort_values(["_path", "_row"]).reset_index(drop=True)) for k in checked)
        notes.append("核对 / cross-check: in-memory reconcile input vs check_paths on the same university "
                     f"(600 students): {'equal tables' if equal else 'DIFFERENT'}")
    if not (same and equal):
        print("WARNING: input cross-check failed; see notes", file=sys.stderr)


def main(argv=None) -> int:
    args = parse_args(argv)
    started, load0 = time.time(), os.getloadavg()
    info = machine()
    print("machine:", json.dumps(info, ensure_ascii=False))
    notes: list[str] = []
    runs = Runs()
    noop = measure("noop", 120)
    notes.append(f"测量框架本身 / the harness alone (fresh interpreter, psutil sampler): "
                 f"peak {noop.get('tree_peak_rss_mb', 0):.0f} MB")
    if args.quick:
        verify_inputs(notes)
    if args.skip != {"floor", "check", "cli", "peer"} and not {"floor", "check", "cli", "peer"} <= args.skip:
        run_workbooks(args, runs, notes)
    if "reconcile" not in args.skip:
        run_reconcile(args, runs)
    parts = {"job": run_job, "history": run_history, "province": run_province, "cluster": run_cluster,
             "process": run_process, "whole": run_whole}
    for name, part in parts.items():
        if name not in args.skip:
            part(args, runs, notes)
    text = report(args, runs, info, notes, started, load0)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text, encoding="utf-8")
    raw = HERE / "out" / (args.results.stem + ".json")
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps({f"{k[0]} | {k[1]}": v for k, v in runs.by_key.items()}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    print("\n" + text)
    print(f"\n结果 / results: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
