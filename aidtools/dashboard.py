"""Serving the leaders' dashboards with Voilà: localhost by default, a token whenever exposed.

The dashboard notebooks ship in the package (``aidtools/dashboards/``; in a checkout symlinks to the
one copy in ``dashboards/``) and are found with :mod:`importlib.resources`, so an installed wheel
serves them too. The dashboard notebook reads the output folder of ``aidtools run`` from
``AIDTOOLS_RUN_DIR``. Voilà runs with notebook sources stripped and tracebacks hidden from viewers,
on the port asked for or not at all (no silent move to another port), with its ``python3`` kernel on
this interpreter (:mod:`aidtools.kernel`). A token is handed to Voilà through a private config file
(``voila.json`` in a 0700 temporary folder on ``JUPYTER_CONFIG_PATH``), not the command line, so that
it does not show in the process list. :func:`serve` reports the server ready only once it accepts
connections.

>>> is_local("127.0.0.1"), is_local("localhost"), is_local("::1"), is_local("0.0.0.0")
(True, True, True, False)
>>> voila_command(Path("overview.ipynb"), port=8866)[-3:]
['--Voila.ip=127.0.0.1', '--strip_sources=True', '--show_tracebacks=False']
>>> connect_host("0.0.0.0"), connect_host("::"), connect_host("[::1]"), connect_host("localhost")
('127.0.0.1', '::1', '::1', 'localhost')
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from importlib import resources
from pathlib import Path

RUN_DIR_VARIABLE = "AIDTOOLS_RUN_DIR"
DEFAULT_RUN_DIR = "build/demo"
DEFAULT_NOTEBOOK = "overview.ipynb"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
KERNEL_SPEC_MANAGER = "aidtools.kernel.ThisInterpreterKernelSpecManager"  # Voilà imports it by name
POLL_SECONDS = 0.2
CONNECT_TIMEOUT = 0.5


class PortInUse(OSError):
    """Something already accepts connections on the port the dashboard was asked to use."""


def dashboards_dir() -> Path:
    """The package's folder of dashboard notebooks (``aidtools/dashboards``)."""
    return Path(resources.files("aidtools")) / "dashboards"


def is_local(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    return host.strip("[]").lower() in LOCAL_HOSTS


def run_dir_from_env(environ=None) -> Path:
    """The run folder a dashboard shows: ``$AIDTOOLS_RUN_DIR`` or ``build/demo``.

    A relative path is taken from the current folder when it exists there, else from the nearest
    folder above that holds it (a kernel started in a checkout's ``dashboards/`` finds
    ``../build/demo``), else from the current folder. ``aidtools dashboard`` always passes an
    absolute path.
    """
    environ = os.environ if environ is None else environ
    path = Path(environ.get(RUN_DIR_VARIABLE) or DEFAULT_RUN_DIR).expanduser()
    if path.is_absolute():
        return path.resolve()
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / path).exists():
            return (folder / path).resolve()
    return (here / path).resolve()


def voila_command(notebook: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The Voilà command line (no token on it: see :func:`token_config_dir`)."""
    # Voilà's defaults already strip sources and hide tracebacks; said explicitly so no config file can undo it.
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", "--Voila.port_retries=0",
            f"--VoilaConfiguration.kernel_spec_manager_class={KERNEL_SPEC_MANAGER}", f"--Voila.ip={host}",
            "--strip_sources=True", "--show_tracebacks=False"]


def connect_host(host: str) -> str:
    """Where to connect to reach a server listening on ``host`` (a wildcard address means this machine)."""
    host = host.strip("[]")
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def accepts_connections(host: str, port: int, timeout: float = CONNECT_TIMEOUT) -> bool:
    """Whether a TCP connection to ``host:port`` succeeds within ``timeout`` seconds."""
    try:
        with socket.create_connection((connect_host(host), port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until_listening(process: subprocess.Popen, host: str, port: int, poll: float = POLL_SECONDS) -> bool:
    """Poll ``host:port`` while ``process`` lives: True once it accepts connections, False if it exits first."""
    while process.poll() is None:
        if accepts_connections(host, port):
            return process.poll() is None
        time.sleep(poll)
    return False


@contextlib.contextmanager
def token_config_dir(token: str | None):
    """A private folder holding ``voila.json`` with the token (nothing when there is no token)."""
    if not token:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="aidtools-voila-"))
    try:
        folder.chmod(0o700)
        config = folder / "voila.json"
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"Voila": {"token": token}}, fh)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def voila_environment(run_dir, config_dir: Path | None = None, environ=None) -> dict:
    """The server's environment: the run folder, and the private config folder first on the config path."""
    env = dict(os.environ if environ is None else environ)
    env[RUN_DIR_VARIABLE] = str(Path(run_dir).resolve())
    if config_dir is not None:
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(config_dir), env.get("JUPYTER_CONFIG_PATH")) if p)
    return env


def start(run_dir, port: int = 8866, host: str = "127.0.0.1", token: str | None = None,
          notebook: str = DEFAULT_NOTEBOOK, config_dir: Path | None = None, environ=None, **popen) -> subprocess.Popen:
    """Start Voilà on ``notebook`` of :func:`dashboards_dir` and return the process (the caller stops it).

    ``config_dir`` is the folder of :func:`token_config_dir` (required with a token); ``environ``
    replaces ``os.environ`` as the base of the server's environment. Raises ValueError when ``host``
    is not local and there is no token.
    """
    if not is_local(host) and not token:
        raise ValueError("token required for a non-local host")
    if token and config_dir is None:
        raise ValueError("a token needs the config folder of token_config_dir()")
    path = dashboards_dir() / notebook
    env = voila_environment(run_dir, config_dir, environ)
    return subprocess.Popen(voila_command(path, port, host), cwd=str(path.parent), env=env, **popen)


def serve(run_dir, port: int = 8866, host: str = "127.0.0.1", token: str | None = None,
          notebook: str = DEFAULT_NOTEBOOK, on_ready=None) -> int:
    """Serve until interrupted (Ctrl+C or SIGTERM); returns Voilà's exit status.

    ``on_ready()`` is called once the server accepts connections on ``port``, not before; when Voilà
    exits before that, it is not called. Raises :class:`PortInUse` when something already listens
    on the port.
    """
    if accepts_connections(host, port):
        raise PortInUse(f"port {port} is in use")
    with token_config_dir(token) as config_dir, _sigterm_interrupts():
        process = start(run_dir, port, host, token, notebook, config_dir)
        try:
            if wait_until_listening(process, host, port) and on_ready is not None:
                on_ready()
            return process.wait()
        except KeyboardInterrupt:
            return _stop(process)
        finally:
            if process.poll() is None:
                _stop(process)


def _stop(process: subprocess.Popen, timeout: float = 10) -> int:
    process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@contextlib.contextmanager
def _sigterm_interrupts():
    """SIGTERM raises KeyboardInterrupt for the duration, so a terminated ``aidtools dashboard`` stops Voilà."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
