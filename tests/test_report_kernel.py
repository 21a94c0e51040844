"""report.html on a kernel started early (what ``aidtools run`` does): the same report as on a kernel of
its own, the kernel really used and stopped afterwards, and a kernel whose warm-up fails replaced."""
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
