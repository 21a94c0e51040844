"""Logging that never leaks personal data: every record's message is masked before it is written.

>>> import logging
>>> f = MaskingFilter()
>>> rec = logging.LogRecord("x", logging.INFO, "", 0, "读取 %s", ("110105194912310021",), None)
>>> f.filter(rec) and rec.getMessage()
'读取 110105********0021'
"""
from __future__ import annotations

import logging

from aidtools.masking import mask_text


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = ()
        return True


def setup_logging(level=logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger("aidtools")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
