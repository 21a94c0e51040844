"""Gather the normalised tables of many checked files into one table per template.

Each file's ``FileReport.table`` (spec keys + ``_row``) is stacked with the provenance columns
``_path`` (the report's display path), ``_row`` (Excel row) and ``_department`` (the folder it came
from), so that every reconciliation finding can point back at the records behind it.

>>> tables = gather([])
>>> sorted(tables)
['allocation', 'difficulty', 'disbursement', 'loan', 'student']
>>> list(tables["allocation"].columns)[:3]
['programme', 'academic_year', 'college']
>>> len(tables["student"])
0
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from aidtools.specs import load_specs

TEMPLATES = ("student", "difficulty", "disbursement", "loan", "allocation")
PROVENANCE = ("_path", "_row", "_department")


@lru_cache(maxsize=None)
def _packaged_columns(template: str) -> tuple[str, ...]:
    return tuple(c.key for c in load_specs()[template].columns)


def _columns(template: str, specs) -> list[str]:
    if specs is None:
        return list(_packaged_columns(template))
    return [c.key for c in specs[template].columns]


def empty_table(template: str, specs=None) -> pd.DataFrame:
    """A table with the template's keys and the provenance columns, and no rows."""
    cols = _columns(template, specs) + list(PROVENANCE)
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    frame["_row"] = frame["_row"].astype("int64")
    return frame


def _is_superseded(report, superseded: set[str]) -> bool:
    return bool(superseded) and (str(report.path) in superseded or report.display_path in superseded
                                 or Path(report.path).as_posix() in superseded)


def gather(reports, superseded=None, specs=None) -> dict[str, pd.DataFrame]:
    """One table per template of :data:`TEMPLATES`, stacking every readable file's rows.

    ``superseded`` is a set of paths (the file path or its display path) whose rows are left out,
    because a newer file of the same department replaced them.
    """
    skip = {str(p) for p in (superseded or ())} | {Path(p).as_posix() for p in (superseded or ())}
    chosen: dict[str, list] = {t: [] for t in TEMPLATES}
    for report in reports:
        if report.template not in chosen or report.table is None or not len(report.table):
            continue
        if _is_superseded(report, skip):
            continue
        chosen[report.template].append(report)
    out = {}
    for template, picked in chosen.items():
        empty = empty_table(template, specs)
        if not picked:
            out[template] = empty
            continue
        # One concatenation (no per-file copy); provenance repeated per file's row count.
        stacked = pd.concat([r.table for r in picked], ignore_index=True)
        lengths = [len(r.table) for r in picked]
        for col, values in (("_path", [r.display_path for r in picked]), ("_department", [r.department for r in picked])):
            stacked[col] = pd.Series(np.repeat(np.array(values, dtype=object), lengths), dtype=object)
        for col in empty.columns:  # a file missing a column still yields the full set of keys
            if col not in stacked.columns:
                stacked[col] = pd.Series(None, index=stacked.index, dtype=object)
        stacked["_row"] = stacked["_row"].astype("int64")
        out[template] = stacked[list(empty.columns)]
    return out
