"""``report.html``: the parameterised report notebook executed with papermill, rendered by nbconvert
with code cells hidden and charts embedded, so the file is self-contained.

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
import logging
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

REPORT_NOTEBOOK = "notebooks/report.ipynb"


@contextlib.contextmanager
def report_notebook():
    """The path of the package's report notebook (a real file for as long as the block runs)."""
    with resources.as_file(resources.files("aidtools").joinpath(REPORT_NOTEBOOK)) as path:
        yield Path(path)


def render_html_report(run_dir, out=None, notebook=None, kernel_name: str = "python3", timeout: int = 600) -> Path:
    run_dir = Path(run_dir).resolve()
    out = Path(out) if out else run_dir / "report.html"
    if notebook is not None:
        return _render(Path(notebook), run_dir, out, kernel_name, timeout)
    with report_notebook() as path:
        return _render(path, run_dir, out, kernel_name, timeout)


def _render(notebook: Path, run_dir: Path, out: Path, kernel_name: str, timeout: int) -> Path:
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    from aidtools.kernel import QuietKernelManager
    from aidtools.writing.private import save_private

    executed = run_dir / ".report-executed.ipynb"
    papermill.execute_notebook(
        str(notebook), str(executed), parameters={"run_dir": str(run_dir)}, kernel_name=kernel_name,
        cwd=str(notebook.parent), progress_bar=False, log_output=False, request_save_on_cell_execute=False,
        execution_timeout=timeout, kernel_manager_class=QuietKernelManager,
    )
    nb = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    save_private(lambda path: path.write_text(body, encoding="utf-8"), out)  # owner-only, never half-written
    executed.unlink(missing_ok=True)
    return out
