"""Merged import workbooks: the API lives in :mod:`aidtools.merging`; this module is its place among the outputs.

>>> from aidtools import merging
>>> merge_reports is merging.merge_reports
True
"""
from aidtools.merging import (AccountingError, FileAccount, MergeResult, OfficialTemplateError, TemplateMerge,
                              merge_reports)

__all__ = ["merge_reports", "MergeResult", "TemplateMerge", "FileAccount", "AccountingError", "OfficialTemplateError"]
