"""A whole output folder written beside its target and swapped into place when complete.

``aidtools run --out OUT`` (and ``aidtools merge --out DIR``) never write into ``OUT`` itself: every
file of the run goes into a staging folder beside it, ``.OUT.partial-<pid>`` in ``OUT``'s parent
(owner-only, like every output folder), and only when the last file (``report.html``) is written is
the staging folder swapped in, with two renames that work on Windows too (no directory is ever
renamed over an existing one):

1. the old ``OUT`` is renamed aside, to ``.OUT.previous-<pid>``;
2. the staging folder is renamed to ``OUT``;
3. the old folder is removed.

A run killed at any point leaves one of these states, and :func:`recover` (which every staged run
calls first) turns each into a complete folder: a staging folder left over is removed (the previous
``OUT`` is still in place); ``OUT`` missing while an aside folder is there (killed between 1 and 2)
gets the aside folder back; an aside folder beside a complete new ``OUT`` (killed during 3) is
removed. So the ``OUT`` a user opens is always one run's complete output, the previous one or the
new one, never a mix. Two runs writing into the same ``OUT`` at the same time are not supported.

``AIDTOOLS_PAUSE_IN_SWAP`` is a fault-injection hook for the tests: set to ``before`` (staging folder
complete, nothing renamed yet), ``aside`` (old ``OUT`` renamed aside, new one not yet in place) or
``after`` (new ``OUT`` in place, old one not yet removed), the swap waits there for
``AIDTOOLS_PAUSE_SECONDS`` (default 600), after saying so on stderr, so a test can kill the process
at that exact point. Unset (always, outside the tests) it does nothing.

>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "out"
>>> with staged(out) as stage:
...     _ = (stage / "report.json").write_text("{}")
>>> sorted(p.name for p in out.iterdir()), sorted(p.name for p in out.parent.iterdir())
(['report.json'], ['out'])
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from aidtools.writing.private import _create_missing, private_dir

log = logging.getLogger(__name__)

PARTIAL, PREVIOUS = "partial", "previous"
PAUSE_ENV, PAUSE_SECONDS_ENV = "AIDTOOLS_PAUSE_IN_SWAP", "AIDTOOLS_PAUSE_SECONDS"


class NotAnOutputFolder(Exception):
    """``OUT`` exists, is not empty and holds none of the files a run writes: replacing it could lose
    files that are not ours."""


def sibling(out: Path, kind: str, pid: int | None = None) -> Path:
    """``.OUT.partial-<pid>`` or ``.OUT.previous-<pid>`` beside ``out``."""
    return out.parent / f".{out.name}.{kind}-{os.getpid() if pid is None else pid}"


def leftovers(out, kind: str) -> list[Path]:
    """The staging (``partial``) or aside (``previous``) folders of earlier runs beside ``out``."""
    out = _absolute(out)
    if not out.parent.is_dir():
        return []
    prefix = f".{out.name}.{kind}-"
    return sorted((p for p in out.parent.iterdir() if p.name.startswith(prefix)), key=_mtime)


def recover(out) -> list[str]:
    """Undo what a killed run left beside ``out`` (see the module's text); what was done, one line each.

    Afterwards ``out`` is the last complete output (or missing if there never was one) and no staging
    or aside folder is left.
    """
    out = _absolute(out)
    done = []
    asides = leftovers(out, PREVIOUS)
    if asides and not out.exists():
        os.rename(asides[-1], out)  # killed between the two renames: the previous output comes back
        done.append(f"已恢复上次的完整输出：{asides[-1].name} → {out.name}")
        asides = asides[:-1]
    for folder in leftovers(out, PARTIAL) + asides:
        _remove(folder)
        done.append(f"已删除中断运行留下的文件夹：{folder.name}")
    for line in done:
        log.warning("%s", line)
    return done


def new_stage(out) -> Path:
    """A fresh, owner-only staging folder beside ``out`` (missing parents created owner-only)."""
    out = _absolute(out)
    _create_missing(out.parent)
    stage = sibling(out, PARTIAL)
    if stage.exists():
        _remove(stage)
    return private_dir(stage)


def swap_into_place(stage, out) -> Path:
    """Put the complete folder ``stage`` at ``out``: old ``out`` aside, ``stage`` to ``out``, old removed.

    If the second rename fails the old folder is put back and the error raised (``stage`` is kept).
    """
    stage, out = Path(stage), _absolute(out)
    _pause("before")
    aside = None
    if out.exists() or out.is_symlink():
        aside = sibling(out, PREVIOUS)
        if aside.exists():
            _remove(aside)
        os.rename(out, aside)  # on Windows fails while a file inside is open: nothing has moved yet
        _pause("aside")
    try:
        os.rename(stage, out)
    except OSError:
        if aside is not None:
            os.rename(aside, out)
        raise
    _pause("after")
    if aside is not None:
        _remove(aside)
    return out


def check_replaceable(out, markers) -> None:
    """Raise :class:`NotAnOutputFolder` unless ``out`` is missing, empty or holds one of ``markers``."""
    out = _absolute(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise NotADirectoryError(f"不是文件夹：{out}")
    if any(True for _ in out.iterdir()) and not any((out / m).exists() for m in markers):
        raise NotAnOutputFolder(f"输出文件夹 {out} 已有其他文件，且不是 aidtools 的输出（没有 {'、'.join(markers)}）："
                                f"运行结束时会整个替换该文件夹，请换一个输出文件夹")


@contextlib.contextmanager
def staged(out, markers=("report.json",)):
    """Recover ``out``, yield a fresh staging folder, and swap it in when the block ends without error;
    on an error the staging folder is removed and ``out`` is left as it was."""
    recover(out)
    check_replaceable(out, markers)
    stage = new_stage(out)
    try:
        yield stage
    except BaseException:
        _remove(stage)
        raise
    swap_into_place(stage, out)


def _absolute(out) -> Path:
    # absolute (so that "." or "build/" has a name and a parent) without resolving symlinks.
    return Path(os.path.abspath(out))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _pause(stage: str) -> None:
    if os.environ.get(PAUSE_ENV) == stage:
        print(f"{PAUSE_ENV}={stage}", file=sys.stderr, flush=True)  # the test's cue to kill
        time.sleep(float(os.environ.get(PAUSE_SECONDS_ENV, "600")))
