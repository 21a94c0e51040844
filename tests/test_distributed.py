"""Province scale on a real engine: ``--scheduler ADDRESS`` checks the files on the workers of a
dask.distributed cluster (here a ``distributed.LocalCluster`` of two worker processes started by the test)
and gives the same report as the serial run; a wrong address is a Chinese message and exit code 2."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import distributed  # a test dependency (the distributed extra)
import pytest

from aidtools import steps
from aidtools.cli import main
from aidtools.job import FEEDBACK_DIR, run_job
from aidtools.report import to_data
from aidtools.sample import generate

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def university(tmp_path_factory):
    base = tmp_path_factory.mktemp("province")
    generate(base, students=400, seed=5)
    folder = base / "submissions"
    # a department that sends a .zip of its workbooks: its members are checked here, not on the workers
    dept = next(p for p in sorted(folder.iterdir()) if p.is_dir() and any(p.glob("*.xlsx")))
    book = next(dept.glob("*.xlsx"))
    with zipfile.ZipFile(dept / "打包.zip", "w") as z:
        z.write(book, "副本/" + book.name)
    return folder, json.loads((base / "truth.json").read_text(encoding="utf-8"))["as_of"]


def comparable(report) -> dict:
    data = to_data(report)
    data.pop("generated_at")
    data.get("history") and data.pop("history")
    return data


def test_the_cluster_gives_the_serial_report(cluster, university, tmp_path):
    folder, as_of = university
    serial = run_job(folder, tmp_path / "serial", steps.options(as_of=as_of), html=False)
    on_cluster = run_job(folder, tmp_path / "cluster", steps.options(as_of=as_of, scheduler=cluster.scheduler_address),
                         html=False)
    assert comparable(on_cluster) == comparable(serial)
    assert any(".zip/副本/" in f.path for f in on_cluster.files)  # checked here, from this machine's temp folder
    # the workers did the checking and wrote the feedback workbooks, the same as the serial run's
    with distributed.Client(cluster.scheduler_address) as client:
        prefixes = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
        workers = client.scheduler_info()["workers"]
    assert "aidtools-check" in prefixes and "aidtools-feedbacks" in prefixes and len(workers) == 2
    assert _feedback(tmp_path / "cluster") == _feedback(tmp_path / "serial") != {}


def _feedback(out: Path) -> dict:
    """Every feedback workbook under OUT: its cells' values and notes, sheet by sheet."""
    import openpyxl

    books = {}
    for path in sorted(out.rglob("*.xlsx")):
        if FEEDBACK_DIR not in path.relative_to(out).parts:
            continue
        wb = openpyxl.load_workbook(path)
        books[path.relative_to(out).as_posix()] = {
            ws.title: [(c.coordinate, c.value, c.comment.text if c.comment else None)
                       for row in ws.iter_rows() for c in row if c.value is not None or c.comment]
            for ws in wb.worksheets}
    return books


def test_cli_scheduler_option_and_a_wrong_address(cluster, university, tmp_path):
    folder, as_of = university
    out = tmp_path / "out"
    code = main(["run", str(folder), "--out", str(out), "--as-of", as_of, "--no-html", "--no-history",
                 "--scheduler", cluster.scheduler_address])
    assert code in (0, 1) and (out / "report.json").is_file()
    proc = subprocess.run([sys.executable, "-m", "aidtools", "check", str(folder), "--scheduler", "tcp://127.0.0.1:9"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "无法连接 Dask 调度器 tcp://127.0.0.1:9" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
