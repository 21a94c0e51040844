"""report.html on a kernel started early, in the helper process ``aidtools run`` starts with the run: the
same report as on a kernel of its own, the kernel really used and stopped afterwards, a kernel whose
warm-up fails replaced, the helper gone when it is done or told to stop, and the run's own process
free of the renderer."""
from __future__ import annotations

import os
import re
from pathlib import Path

import psutil
import pytest

from aidtools.outputs import report_kernel
from aidtools.outputs.html_report import render_html_report
from aidtools.outputs.report_kernel import ReportKernel
from fixtures.demo_report import write_run_dir

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def kernel_finds_the_package(monkeypatch):
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))


def _text(html: str) -> str:
    """The report's visible text, without the embedded images and generated ids."""
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    html = re.sub(r'id="[^"]*"|T_[0-9a-f]{5}', "", html)  # the ids pandas' Styler draws at random
    return re.sub(r"<[^>]+>", " ", html)


def _kernels() -> set[int]:
    me = psutil.Process()
    return {p.pid for p in me.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())}


def test_the_warm_kernel_renders_the_same_report_and_is_stopped(tmp_path):
    run_dir = write_run_dir(tmp_path / "run")
    own = render_html_report(run_dir, out=tmp_path / "own.html")
    kernel = ReportKernel.start()
    assert kernel is not None
    pid = kernel.manager.provisioner.process.pid
    assert pid in _kernels()
    warm = render_html_report(run_dir, out=tmp_path / "warm.html", kernel=kernel)
    assert not kernel.manager.has_kernel and pid not in _kernels()
    assert _text(warm.read_text(encoding="utf-8")) == _text(own.read_text(encoding="utf-8"))
    assert "一、总体情况" in warm.read_text(encoding="utf-8")


def test_a_kernel_that_fails_its_warm_up_is_replaced(tmp_path, monkeypatch):
    run_dir = write_run_dir(tmp_path / "run")
    monkeypatch.setattr(report_kernel, "WARM_UP", "raise RuntimeError('warm-up')")
    kernel = ReportKernel.start()
    assert kernel is not None
    assert kernel.take(timeout=60) is None and not kernel.manager.has_kernel
    html = render_html_report(run_dir, out=tmp_path / "report.html", kernel=kernel).read_text(encoding="utf-8")
    assert "一、总体情况" in html
    assert not _kernels()


def test_a_feedback_failure_during_the_early_report_is_in_the_final_report(tmp_path, monkeypatch):
    """report.html is begun before the feedback is written; a feedback workbook that cannot be written
    (a write.failed finding) makes the run write report.json, report.xlsx and report.html again."""
    import json

    from aidtools.job import run_job
    from aidtools.outputs import feedback
    from aidtools.steps import Options
    from fixtures.submissions import submissions_folder

    folder = submissions_folder(tmp_path / "in")
    real = feedback.write_feedback
    failed = []

    def failing(report, out_dir, **kw):
        if not failed:
            failed.append(report.display_path)
            raise OSError(28, "No space left on device")
        return real(report, out_dir, **kw)

    monkeypatch.setattr(feedback, "write_feedback", failing)
    run_job(folder, tmp_path / "out", Options(), history=None)
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    [record] = [f for f in report["files"] if f["path"] == failed[0]]
    assert "write.failed" in {f["rule"] for f in record["findings"]}
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "一、总体情况" in html and "write.failed" in html
    assert not _kernels()


def _helpers() -> set[int]:
    me = psutil.Process()
    return {p.pid for p in me.children(recursive=True) if "aidtools.outputs.report_process" in " ".join(p.cmdline())}


def test_the_report_process_renders_the_same_report_and_stops(tmp_path):
    """``aidtools run`` renders report.html in a helper process started with the run: the same report as
    rendered here, and the helper and its kernel gone once it is done."""
    from aidtools.outputs.html_report import Rendering
    from aidtools.outputs.report_process import ReportProcess

    run_dir = write_run_dir(tmp_path / "run")
    own = render_html_report(run_dir, out=tmp_path / "own.html").read_text(encoding="utf-8")
    helper = ReportProcess.start()
    assert helper is not None and _helpers()
    path = Rendering.start(run_dir, renderer=helper).result()
    helper.shutdown()
    assert path == run_dir / "report.html"
    assert _text(path.read_text(encoding="utf-8")) == _text(own)
    assert not _helpers() and not _kernels()


def test_a_report_process_with_nothing_to_render_stops_with_its_kernel(tmp_path):
    """A run that ends before its report (an error, Ctrl-C) closes the helper's stdin: it stops its
    kernel and exits."""
    import time

    from aidtools.outputs.report_process import ReportProcess

    helper = ReportProcess.start()
    deadline = time.monotonic() + 60
    while not _kernels() and time.monotonic() < deadline:  # the helper has started its kernel
        time.sleep(0.2)
    assert _kernels()
    helper.shutdown()
    assert not _helpers() and not _kernels()


def test_a_report_process_that_cannot_render_says_why(tmp_path):
    from aidtools.outputs.html_report import Rendering
    from aidtools.outputs.report_process import ReportProcess, ReportProcessError

    helper = ReportProcess.start()
    try:
        with pytest.raises(ReportProcessError, match="report.json"):
            Rendering.start(tmp_path / "no-report-here", renderer=helper).result()
    finally:
        helper.shutdown()
    assert not _helpers() and not _kernels()


def test_the_run_leaves_the_renderer_to_its_helper(tmp_path):
    """The run's own process never imports nbclient or nbconvert (the helper does, on the other
    core); report.html is the full report."""
    import subprocess
    import sys

    from fixtures.submissions import submissions_folder

    folder = submissions_folder(tmp_path / "in")
    probe = ("import sys\nfrom aidtools.cli import main\ncode = main(sys.argv[1:])\n"
             "print(sorted(m for m in ('nbclient', 'nbconvert', 'jsonschema', 'papermill') if m in sys.modules))\n"
             "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", probe, "run", str(folder), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, encoding="utf-8", timeout=600,
                          env={**{k: v for k, v in os.environ.items() if k != "AIDTOOLS_STRICT_REPORTS"},
                               "PYTHONIOENCODING": "utf-8"})  # as a user runs it: no schema check of the report
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "一、总体情况" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
