"""``aidtools dashboard`` prints its address only once Voilà accepts connections: a browser opened at
that moment gets the page, not 'connection refused'. When Voilà exits first the command says so and
returns Voilà's exit status; a port already in use is exit 2."""
from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from aidtools import dashboard
from aidtools.cli import main
from fixtures.demo_report import write_run_dir

ROOT = Path(__file__).resolve().parents[1]
ADDRESS_MARK = "看板地址："
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
START_SECONDS = 120  # a bound on waiting, not a timing assertion


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lines_of(stream) -> queue.Queue:
    """The lines of ``stream``, read by a thread (None at the end), so a test can wait with a deadline."""
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def read_until(lines: queue.Queue, mark: str, seconds: float) -> tuple[str | None, list[str]]:
    """(the first line holding ``mark`` or None, every line read)."""
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if mark in line:
            return line, seen
    return None, seen


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to ``aidtools dashboard`` (which stops its Voilà), then SIGKILL to whatever of its session is left."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def dashboard_process(run_dir: Path, port: int, cwd: Path, command=None, env=None) -> subprocess.Popen:
    if env is None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.pop("AIDTOOLS_DASHBOARD_TOKEN", None)
    env["PYTHONIOENCODING"] = "utf-8"
    command = command or [sys.executable, "-m", "aidtools"]
    return subprocess.Popen([*command, "dashboard", str(run_dir), "--port", str(port)], cwd=str(cwd), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                            start_new_session=True)


def get_page_once_announced(process: subprocess.Popen, port: int) -> str:
    """Read the command's output up to the address line, then GET the page at once (HTTP 200): its HTML."""
    lines = lines_of(process.stdout)
    line, seen = read_until(lines, ADDRESS_MARK, START_SECONDS)
    assert line is not None, "no address line:\n" + "".join(seen)[-3000:]
    url = f"http://127.0.0.1:{port}/"
    assert url in line
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # accepts connections the moment the address is printed
    with urllib.request.urlopen(url, timeout=180) as answer:
        assert answer.status == 200
        return answer.read().decode("utf-8", errors="replace")


@pytest.mark.slow
def test_the_address_is_printed_once_the_server_answers(tmp_path):
    run_dir = write_run_dir(tmp_path / "run")
    port = free_port()
    process = dashboard_process(run_dir, port, cwd=tmp_path)
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
