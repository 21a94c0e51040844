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
from aidtools.merging.merge import (AccountingError, FileAccount, MergeResult, TemplateMerge, check_accounting,
                                    merge_reports)
from aidtools.merging.official_template import OfficialTemplate, OfficialTemplateError, load_official_template

__all__ = ["merge_reports", "MergeResult", "TemplateMerge", "FileAccount", "AccountingError", "check_accounting",
           "OfficialTemplate", "OfficialTemplateError", "load_official_template"]
