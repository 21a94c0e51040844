"""``report.html``: the parameterised report notebook (parameters injected as papermill does) executed
with nbclient, rendered by nbconvert with code cells hidden and charts embedded, so the file is
self-contained.

``aidtools run`` renders it in a helper process started at the beginning of the run
(:mod:`~aidtools.outputs.report_process`), on a :class:`~aidtools.outputs.report_kernel.ReportKernel`
already warm; :class:`Rendering` then only waits for that process. Called here without one, the
report starts its own kernel.

The notebook ships in the package (``aidtools/notebooks/report.ipynb``; in a checkout a symlink to
``notebooks/report.ipynb``) and is found with :mod:`importlib.resources`, so an installed wheel finds
it too. Its kernel is ipykernel on this interpreter (:mod:`aidtools.kernel`), which imports the same
aidtools as the caller.

>>> with report_notebook() as path:
...     path.name, path.is_file()
('report.ipynb', True)
"""
from __future__ import annotations

import contextlib
import functools
import logging
import threading
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

REPORT_NOTEBOOK = "notebooks/report.ipynb"


@contextlib.contextmanager
def report_notebook():
    """The path of the package's report notebook (a real file for as long as the block runs)."""
    with resources.as_file(resources.files("aidtools").joinpath(REPORT_NOTEBOOK)) as path:
        yield Path(path)


def render_html_report(run_dir, out=None, notebook=None, kernel_name: str = "python3", timeout: int = 600,
                       kernel=None) -> Path:
    """Execute the report notebook on the run folder ``run_dir`` (its report.json) and write the HTML to
    ``out`` (default ``run_dir/report.html``). ``kernel``: a started
    :class:`~aidtools.outputs.report_kernel.ReportKernel` to run on (shut down afterwards)."""
    run_dir = Path(run_dir).resolve()
    out = Path(out) if out else run_dir / "report.html"
    try:
        manager = kernel.take() if kernel is not None else None
        if notebook is not None:
            return _render(Path(notebook), run_dir, out, kernel_name, timeout, manager)
        with report_notebook() as path:
            return _render(path, run_dir, out, kernel_name, timeout, manager)
    finally:
        if kernel is not None:
            kernel.shutdown()


class Rendering:
    """:func:`render_html_report` running in a thread (the notebook runs in its kernel's process, on the
    other core, while this process goes on), or, given a started ``renderer``
    (:class:`~aidtools.outputs.report_process.ReportProcess`), that process rendering it while the
    thread waits; :meth:`result` waits for it and raises what it raised."""

    def __init__(self, run_dir, renderer=None):
        self._error: BaseException | None = None
        self._path: Path | None = None
        self._thread = threading.Thread(target=self._run, args=(run_dir, renderer), name="aidtools-report-html",
                                        daemon=True)

    @classmethod
    def start(cls, run_dir, renderer=None) -> "Rendering":
        rendering = cls(run_dir, renderer)
        rendering._thread.start()
        return rendering

    def _run(self, run_dir, renderer) -> None:
        try:
            if renderer is not None:
                renderer.render(Path(run_dir).resolve())
                self._path = Path(run_dir) / "report.html"
            else:
                self._path = render_html_report(run_dir)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self) -> Path:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._path

    def discard(self) -> None:
        """Wait for it and forget what it made (the caller renders again)."""
        self._thread.join()


def write_plain_html(report, out) -> Path:
    """A plain ``report.html`` (no notebook): the run's summary and where the full report is. For when
    the notebook cannot be rendered; every text escaped and made safe."""
    from html import escape

    from aidtools.masking import mask_text
    from aidtools.writing.cells import safe_text
    from aidtools.writing.private import save_private

    s = report.summary
    lines = [f"共 {s.files} 个文件，通过 {s.files_passed} 个；检查错误 {s.errors} 条，警告 {s.warnings} 条；"
             f"对账错误 {s.rec_errors} 条，警告 {s.rec_warnings} 条。",
             "完整的报告未能生成，请查看同一文件夹中的 report.xlsx 和 report.json。", *report.notes]
    items = "".join(f"<li>{escape(safe_text(mask_text(f.path)))}：错误 {f.errors} 条，警告 {f.warnings} 条</li>"
                    for f in report.files)
    body = "".join(f"<p>{escape(safe_text(mask_text(line)))}</p>" for line in lines)
    page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>aidtools 运行报告</title></head>'
            f"<body><h1>aidtools 运行报告</h1>{body}<ul>{items}</ul></body></html>")
    return save_private(lambda path: path.write_text(page, encoding="utf-8"), out)


@functools.cache
def _exporter():
    """nbconvert's HTML exporter with code cells hidden (its templates are compiled on first use, once)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def warm_renderer() -> None:
    """Import the renderer (nbclient, papermill's parameters, nbconvert) and compile the exporter's
    templates, ahead of a report: what :mod:`~aidtools.outputs.report_process` does while it waits."""
    import nbclient  # noqa: F401
    import nbformat
    from papermill.parameterize import parameterize_notebook  # noqa: F401

    _exporter().from_notebook_node(nbformat.v4.new_notebook())


def _render(notebook: Path, run_dir: Path, out: Path, kernel_name: str, timeout: int, manager=None) -> Path:
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from aidtools.kernel import QuietKernelManager
    from aidtools.writing.private import save_private

    nb = parameterize_notebook(load_notebook_node(str(notebook)), {"run_dir": str(run_dir)}, kernel_name=kernel_name)
    if manager is None:
        manager = QuietKernelManager(kernel_name=kernel_name)
    # the kernel starts (when it has not) in the notebook's folder, as it does when opened in JupyterLab
    client = NotebookClient(nb, km=manager, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(notebook.parent)}})
    try:
        client.execute() if not manager.has_kernel else _execute_on(client)
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
    body, _ = _exporter().from_notebook_node(nb)
    save_private(lambda path: path.write_text(body, encoding="utf-8"), out)  # owner-only, never half-written
    return out


def _execute_on(client) -> None:
    """Every cell, in order, on the kernel the client's manager has running (nbclient starts a client
    for it and leaves the kernel to the caller); a cell's error stops the run, as papermill's does."""
    with client.setup_kernel():
        for index, cell in enumerate(client.nb.cells):
            client.execute_cell(cell, index)
