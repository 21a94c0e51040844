"""``report.html``: the parameterised report notebook executed with papermill, rendered by nbconvert
with code cells hidden and charts embedded, so the file is self-contained."""
from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

REPORT_NOTEBOOK = "report.ipynb"


def notebook_dir() -> Path:
    """``notebooks/`` beside the package (the repository layout; editable installs)."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def render_html_report(run_dir, out=None, notebook=None, kernel_name: str = "python3", timeout: int = 600) -> Path:
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    run_dir = Path(run_dir).resolve()
    out = Path(out) if out else run_dir / "report.html"
    notebook = Path(notebook) if notebook else notebook_dir() / REPORT_NOTEBOOK
    executed = run_dir / ".report-executed.ipynb"
    # The kernel must import this very aidtools, installed or not: put its folder on the path.
    package_root = str(Path(__file__).resolve().parents[2])
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, saved) if p)
    try:
        papermill.execute_notebook(
            str(notebook), str(executed), parameters={"run_dir": str(run_dir)}, kernel_name=kernel_name,
            cwd=str(notebook.parent), progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            execution_timeout=timeout,
        )
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    nb = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    out.write_text(body, encoding="utf-8")
    executed.unlink(missing_ok=True)
    return out
