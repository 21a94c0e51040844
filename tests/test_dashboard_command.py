"""``aidtools dashboard`` prints its address only once Voilà accepts connections: a browser opened at
that moment gets the page, not 'connection refused'. When Voilà exits first the command says so and
returns Voilà's exit status; a port already in use is exit 2."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from aidtools import dashboard
from aidtools.cli import main
from fixtures.demo_report import write_run_dir
from fixtures.servers import (ADDRESS_MARK, WIDGET_VIEW, dashboard_process, free_port, get_page_once_announced,
                              stop_group)

ROOT = Path(__file__).resolve().parents[1]


def checkout_environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


@pytest.mark.slow
def test_the_address_is_printed_once_the_server_answers(tmp_path):
    run_dir = write_run_dir(tmp_path / "run")
    port = free_port()
    process = dashboard_process([sys.executable, "-m", "aidtools"], run_dir, port, tmp_path,
                                checkout_environment())
    try:
        html = get_page_once_announced(process, port)
        assert WIDGET_VIEW in html  # the notebook ran and displayed the dashboard's widget
        assert "找不到运行结果" not in html and "Traceback" not in html
    finally:
        stop_group(process)
    assert process.returncode is not None


def test_voila_exiting_first_is_said_and_its_status_returned(tmp_path, monkeypatch, capsys):
    run_dir = write_run_dir(tmp_path / "run")

    def start(*args, **kwargs):
        return subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])

    monkeypatch.setattr(dashboard, "start", start)
    assert main(["dashboard", str(run_dir), "--port", str(free_port())]) == 3
    captured = capsys.readouterr()
    assert ADDRESS_MARK not in captured.out
    assert "已退出" in captured.err and "3" in captured.err


def test_a_port_in_use_exits_2(tmp_path, capsys):
    run_dir = write_run_dir(tmp_path / "run")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", str(run_dir), "--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert ADDRESS_MARK not in captured.out
    assert "已被占用" in captured.err


def test_run_dir_from_env_looks_in_the_current_folder_then_above(tmp_path, monkeypatch):
    (tmp_path / "build" / "demo").mkdir(parents=True)
    (tmp_path / "dashboards").mkdir()
    monkeypatch.chdir(tmp_path / "dashboards")
    assert dashboard.run_dir_from_env({}) == (tmp_path / "build" / "demo").resolve()
    assert dashboard.run_dir_from_env({"AIDTOOLS_RUN_DIR": "elsewhere"}) == (tmp_path / "dashboards" / "elsewhere")
    assert dashboard.run_dir_from_env({"AIDTOOLS_RUN_DIR": str(tmp_path)}) == tmp_path.resolve()
