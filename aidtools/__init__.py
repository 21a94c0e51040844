"""aidtools: check, reconcile and merge the student aid workbooks of a university.

The data flow is one line: read → normalise → check → findings → outputs
(feedback workbooks, merged import files, reports, dashboards).

>>> from aidtools import check_paths
"""
__version__ = "0.1.0"

from aidtools.validate import check_file, check_paths  # noqa: E402

__all__ = ["__version__", "check_file", "check_paths"]
