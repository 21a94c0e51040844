"""The report notebook's kernel, started early and warmed while the run does its other work.

Executing ``report.ipynb`` starts with a kernel process and its imports (pandas, matplotlib, the
Chinese font, aidtools' views): about a second and a half of the report's time, spent on one core
while the other waits. ``aidtools run``'s report helper (:mod:`~aidtools.outputs.report_process`) starts a
:class:`ReportKernel` when the run starts, so the kernel boots and imports on the machine's second
core while the run checks, merges and writes feedback; the notebook then runs on a kernel that is ready.

The kernel is ipykernel on this interpreter (:class:`aidtools.kernel.QuietKernelManager`), as for a
report rendered without one. A kernel that fails to start or to warm up is not an error of the run:
:meth:`ReportKernel.take` then gives ``None`` and the report starts its own kernel.

>>> kernel = ReportKernel.start()
>>> kernel.take() is not None
True
>>> kernel.shutdown()
"""
from __future__ import annotations

import logging
import queue
import time

log = logging.getLogger(__name__)

# What every report cell needs, imported (and the CJK font registered) before the notebook runs.
WARM_UP = """\
import matplotlib.figure
from aidtools import views
from aidtools.widgets import plots, tables
plots.use_cjk_font()
"""
READY_TIMEOUT = 60  # seconds to wait for the kernel (and its warm-up) when the report needs it


class ReportKernel:
    """A started kernel (manager and client) with the warm-up sent; :meth:`take` waits for it."""

    def __init__(self, manager, client, warm_up_id: str):
        self.manager, self.client, self._warm_up_id = manager, client, warm_up_id
        self._ready: bool | None = None

    @classmethod
    def start(cls) -> "ReportKernel | None":
        """Start the kernel (in the report notebook's folder) and send it the warm-up, without waiting for
        either; None when it cannot start."""
        from aidtools.kernel import QuietKernelManager
        from aidtools.outputs.html_report import report_notebook

        try:
            manager = QuietKernelManager(kernel_name="python3")
            with report_notebook() as notebook:
                manager.start_kernel(cwd=str(notebook.parent))
            client = manager.client()
            client.start_channels()
            warm_up_id = client.execute(WARM_UP, silent=True, store_history=False)
        except Exception:  # the report falls back to a kernel of its own
            log.debug("report kernel: start failed", exc_info=True)
            return None
        return cls(manager, client, warm_up_id)

    def take(self, timeout: float = READY_TIMEOUT):
        """The kernel manager, once the kernel has answered the warm-up; None (kernel shut down) when it
        does not answer in time or the warm-up failed."""
        if self._ready is None:
            self._ready = self._wait(timeout)
            if not self._ready:
                self.shutdown()
        return self.manager if self._ready else None

    def _wait(self, timeout: float) -> bool:
        """Wait for the warm-up's reply (the request waits in the kernel's queue from the start: nothing else
        is read off the shell channel before it, so that reply cannot be lost)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                try:
                    reply = self.client.get_shell_msg(timeout=1)
                except queue.Empty:
                    if not self.manager.is_alive():
                        log.debug("report kernel: died before answering")
                        return False
                    continue
                if reply["parent_header"].get("msg_id") == self._warm_up_id:
                    ok = reply["content"].get("status") == "ok"
                    if not ok:
                        log.debug("report kernel: warm-up failed: %s", reply["content"].get("evalue"))
                    return ok
        except RuntimeError:
            log.debug("report kernel: no answer", exc_info=True)
        return False

    def shutdown(self) -> None:
        """Stop the kernel (at once: nothing of its state is kept)."""
        try:
            self.client.stop_channels()
            if self.manager.has_kernel:
                self.manager.shutdown_kernel(now=True)
        except Exception:
            log.debug("report kernel: shutdown", exc_info=True)
