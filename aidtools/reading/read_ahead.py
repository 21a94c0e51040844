"""Reading a command's first file on a helper thread while the command imports what checks it.

``aidtools check FILE`` spends about half a second importing pandas and the checks, and about a
second in fastexcel's parse of the sheet, which runs in Rust without holding the GIL. Started
ahead, the read does its safety checks first (they need the GIL now and then, so the caller waits
for them: :meth:`ReadAhead.wait_scanned`); the caller then imports while the parse runs on the other
core. Nothing else changes: :func:`~aidtools.reading.workbook.read_file` takes the started read
for the same path and limits (once) and gives its workbook, or raises its
:class:`~aidtools.reading.errors.UnreadableFile`, exactly as reading it there would.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
>>> _ = p.write_text("学号,姓名\\n1,张三\\n", encoding="utf-8")
>>> ahead = start(p)
>>> ahead.wait_scanned()
>>> from aidtools.reading import read_file
>>> read_file(p).sheets["a"].rows
[['学号', '姓名'], ['1', '张三']]
>>> take(p) is None  # taken once: a second read reads the file again
True
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from aidtools.reading.limits import DEFAULT_LIMITS, Limits

_started: dict[tuple[str, Limits], "ReadAhead"] = {}
_lock = threading.Lock()


def _key(path, limits: Limits) -> tuple[str, Limits]:
    return os.path.abspath(os.fspath(path)), limits


class ReadAhead:
    """One file being read by :func:`~aidtools.reading.workbook.read_now` on a daemon thread."""

    def __init__(self, path, limits: Limits = DEFAULT_LIMITS):
        self.path, self.limits = Path(path), limits
        self._scanned = threading.Event()
        self._outcome: tuple[object, BaseException | None] = (None, None)
        self._thread = threading.Thread(target=self._read, name="aidtools-read-ahead", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        from aidtools.reading.workbook import read_now

        try:
            self._outcome = (read_now(self.path, self.limits, scanned=self._scanned.set), None)
        except BaseException as exc:  # raised again by result(), in the caller's thread
            self._outcome = (None, exc)
        finally:
            self._scanned.set()

    def wait_scanned(self) -> None:
        """Until the file has passed its safety checks (or the read is over, either way)."""
        self._scanned.wait()

    def result(self):
        """The :class:`~aidtools.reading.model.Workbook`, or the exception reading it raised."""
        self._thread.join()
        book, exc = self._outcome
        self._outcome = (None, None)
        if exc is not None:
            raise exc
        return book


def start(path, limits: Limits = DEFAULT_LIMITS) -> ReadAhead:
    """Start reading ``path``; the next :func:`~aidtools.reading.workbook.read_file` of it with the
    same limits takes the result."""
    ahead = ReadAhead(path, limits)
    with _lock:
        _started[_key(path, limits)] = ahead
    return ahead


def take(path, limits: Limits = DEFAULT_LIMITS) -> ReadAhead | None:
    """The read started for ``path`` and ``limits``, removed from the started ones; None if none."""
    if not _started:
        return None
    with _lock:
        return _started.pop(_key(path, limits), None)


def discard() -> None:
    """Forget every started read nobody took (each thread finishes on its own; it is a daemon)."""
    with _lock:
        _started.clear()
