"""Reading submitted files: workbooks (``.xlsx``, ``.xlsm``, ``.xls``) and CSV, safely.

:func:`read_file` returns a :class:`~aidtools.reading.model.Workbook` or raises
:class:`~aidtools.reading.errors.UnreadableFile` with a Chinese message saying what to do.
"""
from aidtools.reading.errors import UnreadableFile
from aidtools.reading.limits import Limits
from aidtools.reading.model import Sheet, Workbook
from aidtools.reading.workbook import read_file

__all__ = ["Limits", "Sheet", "UnreadableFile", "Workbook", "read_file"]
