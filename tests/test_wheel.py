"""The package works installed from a wheel, alone: the wheel is built, installed with its dependencies
into a fresh venv outside the repository, and that venv's ``aidtools`` generates a sample, runs the
main job (``report.html`` rendered) and serves the dashboard (HTTP 200), from a folder outside the
repository and with no PYTHONPATH.

The notebooks' ``python3`` kernel must be the fresh venv's interpreter: a decoy ``python3`` kernel spec
first on ``JUPYTER_PATH`` (which a plain kernel-spec lookup picks, as the test checks) records any
use of it; neither the report nor the dashboard may use it.

Needs the package index (pip installs the dependencies; its cache makes later runs fast).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fixtures.servers import WIDGET_VIEW, dashboard_process, free_port, get_page_once_announced, stop_group

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "README.md", "aidtools", "notebooks", "dashboards"]
REPORT_TITLE = "学生资助数据检查与对账报告"
PACKAGE_FILES = ["aidtools/notebooks/report.ipynb", "aidtools/dashboards/overview.ipynb", "aidtools/data/rules.yaml",
                 "aidtools/data/policy.csv", "aidtools/data/specs/student.yaml", "aidtools/data/codes/sex.yaml",
                 "aidtools/report/report.schema.json"]
INSTALL_SECONDS = 1800
RUN_SECONDS = 900


def run(command: list, cwd: Path, env: dict, timeout: float = RUN_SECONDS) -> subprocess.CompletedProcess:
    """Run ``command`` in its own session; on timeout the whole session is killed (kernels included)."""
    process = subprocess.Popen([str(c) for c in command], cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
                               start_new_session=True)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
        pytest.fail(f"timed out after {timeout} s: {command}\n{out[-3000:]}")
    return subprocess.CompletedProcess(command, process.returncode, out, None)


def must(command: list, cwd: Path, env: dict, timeout: float = RUN_SECONDS) -> str:
    done = run(command, cwd, env, timeout)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout[-5000:]}"
    return done.stdout


def clean_environment() -> dict:
    """os.environ without anything that would point a Python or Jupyter at this repository or its venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH", "JUPYTER_DATA_DIR",
                        "JUPYTER_CONFIG_DIR", "JUPYTER_CONFIG_PATH", "AIDTOOLS_RUN_DIR")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("wheel")


@pytest.fixture(scope="module")
def wheel(work) -> Path:
    """The wheel, built by ``pip wheel . --no-deps`` from a copy of the sources (the checkout stays clean)."""
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(path, source / name)
    dist = work / "dist"
    must([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "-w", dist], source,
         clean_environment(), INSTALL_SECONDS)
    (found,) = dist.glob("aidtools-*.whl")
    return found


def test_the_wheel_holds_the_notebooks_and_data_files(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for name in PACKAGE_FILES:
            assert name in names, name
        # The real notebooks, not the text of a symlink.
        assert z.read("aidtools/notebooks/report.ipynb") == (ROOT / "notebooks" / "report.ipynb").read_bytes()
        assert z.read("aidtools/dashboards/overview.ipynb") == (ROOT / "dashboards" / "overview.ipynb").read_bytes()
        assert not any(n.startswith(("tests/", "notebooks/", "dashboards/", "sample_data/")) for n in names)


@pytest.fixture(scope="module")
def venv(work, wheel) -> Path:
    """A fresh venv outside the repository with the wheel and its dependencies (from the package index)."""
    env = clean_environment()
    folder = work / "venv"
    must([sys.executable, "-m", "venv", folder], work, env)
    python = folder / "bin" / "python"
    must([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel], work, env,
         INSTALL_SECONDS)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)  # a venv with Jupyter is large; the run folders stay for inspection


@pytest.fixture(scope="module")
def venv_env(work, venv) -> dict:
    """The environment of the venv's commands: no PYTHONPATH, the venv first on PATH, and a decoy
    ``python3`` kernel spec first on JUPYTER_PATH that writes ``decoy-used`` when it is started."""
    decoy = work / "jupyter" / "kernels" / "python3"
    decoy.mkdir(parents=True)
    script = decoy / "kernel.sh"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{work / "decoy-used"}"\nexec "{sys.executable}" -m ipykernel_launcher "$@"\n')
    script.chmod(0o755)
    (decoy / "kernel.json").write_text(json.dumps({
        "argv": [str(script), "-f", "{connection_file}"], "display_name": "decoy", "language": "python"}))
    env = clean_environment()
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    env["JUPYTER_PATH"] = str(work / "jupyter")
    env["MPLBACKEND"] = "Agg"
    return env


def test_the_decoy_kernel_spec_is_what_a_plain_lookup_finds(work, venv, venv_env):
    """Else the decoy would prove nothing; and aidtools' lookup gives the venv's own interpreter."""
    code = ("import sys; from jupyter_client.kernelspec import KernelSpecManager as K;"
            " from aidtools.kernel import ThisInterpreterKernelSpecManager as A;"
            " print(K().get_kernel_spec('python3').argv[0]); print(A().get_kernel_spec('python3').argv[0]);"
            " print(sys.executable)")
    plain, ours, executable = must([venv / "bin" / "python", "-c", code], work, venv_env).split()
    assert plain == str(work / "jupyter" / "kernels" / "python3" / "kernel.sh")
    assert ours == executable == str(venv / "bin" / "python")


def test_the_installed_package_samples_runs_and_serves(work, venv, venv_env):
    aidtools = venv / "bin" / "aidtools"
    outside = work / "elsewhere"
    outside.mkdir()
    assert ROOT not in outside.parents
    located = must([venv / "bin" / "python", "-c", "import aidtools; print(aidtools.__file__)"], outside, venv_env)
    assert Path(located.strip()).is_relative_to(venv), located

    must([aidtools, "sample", "OUT", "--students", 300, "--seed", 5], outside, venv_env)
    as_of = json.loads((outside / "OUT" / "truth.json").read_text(encoding="utf-8"))["as_of"]
    must([aidtools, "run", "OUT/submissions", "--out", "RUN", "--tasks", "OUT/tasks.xlsx", "--as-of", as_of],
         outside, venv_env)
    report = outside / "RUN" / "report.html"
    assert report.is_file()
    html = report.read_text(encoding="utf-8")
    assert REPORT_TITLE in html and "Traceback" not in html
    assert not (work / "decoy-used").exists(), "the report ran on the decoy kernel, not the venv's interpreter"

    port = free_port()
    process = dashboard_process([aidtools], outside / "RUN", port, outside, venv_env)
    try:
        page = get_page_once_announced(process, port)
        assert WIDGET_VIEW in page and "找不到运行结果" not in page and "Traceback" not in page
    finally:
        stop_group(process)
    assert not (work / "decoy-used").exists(), "the dashboard ran on the decoy kernel, not the venv's interpreter"
