"""Logging that never leaks personal data: every record's message, and the traceback of an
exception logged with it, is masked (:func:`aidtools.masking.mask_text`) before any handler
writes it.

>>> import logging
>>> f = MaskingFilter()
>>> rec = logging.LogRecord("x", logging.INFO, "", 0, "读取 %s", ("110105194912310021",), None)
>>> f.filter(rec) and rec.getMessage()
'读取 110105********0021'
"""
from __future__ import annotations

import logging

from aidtools.masking import mask_text

_PLAIN = logging.Formatter()


class MaskingFilter(logging.Filter):
    """Masks a record in place; attach it to a handler (or a logger) and it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep both, masked
            message = f"{record.msg} {record.args}"
        record.msg = mask_text(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            # The formatter reuses exc_text; fill it with the masked traceback.
            record.exc_text = _PLAIN.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def setup_logging(level=logging.INFO) -> None:
    """The ``aidtools`` logger writes masked records to stderr (once, however often called)."""
    handler = logging.StreamHandler()
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger("aidtools")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
