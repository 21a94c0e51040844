"""Reusable notebook widgets (ipywidgets): the notebooks and the dashboard import these, not copies.

- :class:`FolderPicker`, :class:`UploadBox` — choose a submissions folder, or upload workbooks;
- :class:`ProgressBar` — a progress bar for long checks (``check_paths(..., progress=bar)``);
- :class:`FindingsBrowser`, :class:`FileViewer` — findings filtered by department/template/rule/severity,
  and one file's findings next to its (masked) rows;
- :class:`ReconciliationBrowser` — each ``rec.*`` finding with the (masked) records behind it;
- :class:`Overview` — the leaders' dashboard;
- :mod:`~aidtools.widgets.tables`, :mod:`~aidtools.widgets.plots`, :mod:`~aidtools.widgets.records` —
  styled tables, PNG charts, and the masked rows behind findings.

The classes are imported on first use, so that the report notebook, which needs only tables and
charts, does not load ipywidgets.
"""
from __future__ import annotations

import importlib

_WHERE = {
    "FileViewer": "findings", "FindingsBrowser": "findings", "ReconciliationBrowser": "findings",
    "Overview": "overview", "FolderPicker": "picker", "UploadBox": "picker", "ProgressBar": "progress",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"aidtools.widgets.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'aidtools.widgets' has no attribute {name!r}")
