"""The names of a template's merge outputs, Chinese first: the template's title, then its id (titles of
extra specs may repeat, ids do not).

>>> from aidtools.specs import load_specs
>>> output_names(load_specs()["disbursement"])
('资助发放_disbursement.xlsx', '资助发放_disbursement_来源记录.csv', '资助发放_disbursement_暂缓导入.xlsx')
>>> output_names(load_specs()["disbursement"], ".xlsm")[0]
'资助发放_disbursement.xlsm'
"""
from __future__ import annotations

from aidtools.writing.private import safe_name


def output_names(spec, suffix: str = ".xlsx") -> tuple[str, str, str]:
    """(import workbook, provenance sidecar, held-back workbook) of ``spec``."""
    stem = safe_name(f"{spec.title}_{spec.id}" if spec.title else spec.id)
    return f"{stem}{suffix}", f"{stem}_来源记录.csv", f"{stem}_暂缓导入.xlsx"


def legacy_names(spec, suffix: str = ".xlsx") -> tuple[str, str, str]:
    """The English names earlier versions wrote (removed from an output folder with the stale files)."""
    stem = safe_name(spec.id)
    return f"{stem}{suffix}", f"{stem}.provenance.csv", f"{stem}.held_back.xlsx"
