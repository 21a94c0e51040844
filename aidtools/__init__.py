"""aidtools: check, reconcile and merge the student aid workbooks of a university.

The data flow is one line: read → normalise → check → findings → outputs
(feedback workbooks, merged import files, reports, dashboards).

>>> from aidtools import check_paths
"""
__version__ = "0.1.0"

__all__ = ["__version__", "check_file", "check_paths"]


def __getattr__(name: str):
    # loaded on first use: ``import aidtools.anything`` (the command line among them) does not pay for
    # pandas and every check before it needs them
    if name in ("check_file", "check_paths"):
        from aidtools import validate

        return getattr(validate, name)
    raise AttributeError(f"module 'aidtools' has no attribute {name!r}")
