"""Why a feedback workbook is not patched in place but copied with openpyxl."""


class NotPatchable(ValueError):
    """The package patcher (:mod:`aidtools.outputs.feedback_patch`) does not handle this workbook; the
    message says why, in English, for the debug log."""
