"""Serving the leaders' dashboards with Voilà: localhost by default, a token whenever exposed.

The dashboard notebook reads the output folder of ``aidtools run`` from ``AIDTOOLS_RUN_DIR``.
Voilà runs with notebook sources stripped and tracebacks hidden from viewers. A token is handed to
Voilà through a private config file (``voila.json`` in a 0700 temporary folder on
``JUPYTER_CONFIG_PATH``), not the command line, so that it does not show in the process list.

>>> is_local("127.0.0.1"), is_local("localhost"), is_local("::1"), is_local("0.0.0.0")
(True, True, True, False)
>>> voila_command(Path("overview.ipynb"), port=8866)[-3:]
['--Voila.ip=127.0.0.1', '--strip_sources=True', '--show_tracebacks=False']
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RUN_DIR_VARIABLE = "AIDTOOLS_RUN_DIR"
DEFAULT_RUN_DIR = "build/demo"
DEFAULT_NOTEBOOK = "overview.ipynb"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def repository_root() -> Path:
    """The folder that holds ``aidtools/``, ``dashboards/`` and ``notebooks/`` (the repository layout)."""
    return Path(__file__).resolve().parents[1]


def dashboards_dir() -> Path:
    return repository_root() / "dashboards"


def is_local(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    return host.strip("[]").lower() in LOCAL_HOSTS


def run_dir_from_env(environ=None) -> Path:
    """The run folder a dashboard shows: ``$AIDTOOLS_RUN_DIR`` or ``build/demo``.

    A relative path is taken from the current folder when it exists there, else from the repository
    root (Voilà starts kernels in the notebook's folder, ``dashboards/``).
    """
    environ = os.environ if environ is None else environ
    path = Path(environ.get(RUN_DIR_VARIABLE) or DEFAULT_RUN_DIR).expanduser()
    if path.is_absolute() or path.exists():
        return path.resolve()
    return (repository_root() / path).resolve()


def voila_command(notebook: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The Voilà command line (no token on it: see :func:`token_config_dir`)."""
    # Voilà's defaults already strip sources and hide tracebacks; said explicitly so no config file can undo it.
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", f"--Voila.ip={host}",
            "--strip_sources=True", "--show_tracebacks=False"]


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
    """Start Voilà on ``notebook`` of ``dashboards/`` and return the process (the caller stops it).

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
          notebook: str = DEFAULT_NOTEBOOK) -> int:
    """Serve until interrupted (Ctrl+C); returns Voilà's exit status."""
    with token_config_dir(token) as config_dir:
        process = start(run_dir, port, host, token, notebook, config_dir)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            try:
                return process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                return process.wait()
