"""Merging checked files into the national system's import workbooks, with row-level provenance.

The notebook API::

    from aidtools.validate import check_paths
    from aidtools.merging import merge_reports
    reports = check_paths(["submissions/"])
    result = merge_reports(reports, "build/merge")        # hold_back_files=False, template_file=None
    result.to_record()  # {"disbursement": MergedTemplate(rows_read=.., rows_merged=.., rows_held_back=.., path=..)}

Modules: :mod:`.merge` (the orchestration and the accounting), :mod:`.resubmissions` (which file of
a department's resubmissions is used), :mod:`.import_workbook`, :mod:`.official_template`,
:mod:`.held_back`, :mod:`.provenance`, :mod:`.sources` (values as typed), :mod:`.files` (owner-only outputs).
"""
from importlib import import_module

# Loaded on first use (PEP 562): ``aidtools check`` needs .resubmissions, not openpyxl and the writers.
_EXPORTS = {"merge_reports": "merge", "MergeResult": "merge", "TemplateMerge": "merge", "FileAccount": "merge",
            "AccountingError": "merge", "check_accounting": "merge", "OfficialTemplate": "official_template",
            "OfficialTemplateError": "official_template", "load_official_template": "official_template"}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"aidtools.merging.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'aidtools.merging' has no attribute {name!r}")
