"""``report.html`` rendered by a helper process that ``aidtools run`` starts before it checks a file.

Rendering the report notebook in the run's own process costs that process about two seconds of work
that holds the GIL, right when it writes the feedback workbooks: importing nbclient (which imports
jsonschema and, where JupyterLab is installed, its format checkers: about 1.5 s), handling every
message of the kernel, and nbconvert's export. So the run starts ``python -m
aidtools.outputs.report_process`` at its beginning. The helper imports the renderer, starts the
notebook's kernel and warms it (:class:`~aidtools.outputs.report_kernel.ReportKernel`), all on the
machine's other core while the files are checked, and then waits. Once ``report.json`` is written
the run sends it the run folder (one JSON line on its stdin); the helper renders ``report.html``
there with :func:`~aidtools.outputs.html_report.render_html_report` and answers with one line.

One helper renders one report and exits; it also exits when the run closes its stdin (the run
ended or failed), stopping its kernel. A helper that cannot start or dies makes :meth:`ReportProcess.render`
raise, and the run writes its plain page, as for any report that cannot be rendered.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile

log = logging.getLogger(__name__)

_REPLY = "aidtools-report-process:"  # the helper's answer line starts with this (anything else is noise)
STOP_TIMEOUT = 10  # seconds the helper has to stop its kernel and exit once told to


class ReportProcessError(RuntimeError):
    """The helper did not render the report (its reason, in the library's words)."""


class ReportProcess:
    """A started helper process (see the module): :meth:`render` once, then :meth:`shutdown`."""

    def __init__(self, process: subprocess.Popen, errors):
        self._process, self._errors = process, errors

    @classmethod
    def start(cls) -> "ReportProcess | None":
        """Start the helper (it boots and warms up on its own); None when it cannot be started."""
        errors = tempfile.TemporaryFile()  # its stderr, kept for the debug log: never on the terminal
        try:
            process = subprocess.Popen([sys.executable, "-m", "aidtools.outputs.report_process"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                       text=True, encoding="utf-8", env=dict(os.environ, PYTHONIOENCODING="utf-8"))
        except OSError:
            log.debug("report process: could not start", exc_info=True)
            errors.close()
            return None
        return cls(process, errors)

    def render(self, run_dir) -> None:
        """Render ``run_dir/report.html`` (``run_dir`` holds report.json) and wait for it; raises
        :class:`ReportProcessError` when the helper could not."""
        try:
            self._process.stdin.write(json.dumps({"run_dir": str(run_dir)}) + "\n")
            self._process.stdin.flush()
        except OSError as exc:  # the helper is gone
            raise ReportProcessError(f"the report process ended early: {self._stderr()}") from exc
        for line in self._process.stdout:
            if line.startswith(_REPLY):
                reply = json.loads(line[len(_REPLY):])
                if not reply.get("ok"):
                    raise ReportProcessError(reply.get("error") or "the report process failed")
                return
        raise ReportProcessError(f"the report process ended without an answer: {self._stderr()}")

    def _stderr(self) -> str:
        try:
            self._errors.seek(0)
            return self._errors.read()[-2000:].decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def shutdown(self) -> None:
        """Tell the helper to stop (it stops its kernel) and wait for it; kill it if it does not."""
        try:
            if self._process.stdin and not self._process.stdin.closed:
                self._process.stdin.close()
        except OSError:
            pass
        try:
            self._process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log.debug("report process: did not stop, killed")
            self._process.kill()
            self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()
        self._errors.close()


# Optional format checkers jsonschema loads when they are installed (JupyterLab's jupyter-events asks for
# them): rfc3987-syntax builds a grammar on import, 1.3 s of this helper's start on every run. The
# notebook schema nbformat validates against uses no "iri" format, so the helper goes without it.
_NOT_NEEDED = ("rfc3987_syntax",)


def _serve() -> int:
    """The helper: warm up, take one run folder from stdin, render its report, answer on stdout."""
    for name in _NOT_NEEDED:
        sys.modules.setdefault(name, None)  # an import of it raises ImportError, which jsonschema expects
    from aidtools.outputs.html_report import render_html_report, warm_renderer
    from aidtools.outputs.report_kernel import ReportKernel

    kernel = ReportKernel.start()
    warm_renderer()
    line = sys.stdin.readline()
    if not line.strip():  # the run ended without a report to render
        if kernel is not None:
            kernel.shutdown()
        return 0
    try:
        render_html_report(json.loads(line)["run_dir"], kernel=kernel)
        reply = {"ok": True}
    except Exception as exc:  # reported to the run, which writes its plain page
        reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:4000]}
    sys.stdout.write(_REPLY + json.dumps(reply) + "\n")  # ASCII: whatever the console's code page
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
