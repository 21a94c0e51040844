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
