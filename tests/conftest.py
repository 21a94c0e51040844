"""Shared fixtures: the writer parameter, and checking a file as of 2018-06-30."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Every report.json (and check/reconcile/merge JSON) written while the tests run, in this process or in
# a command the tests start, is validated against the shipped JSON Schema first (aidtools.report).
os.environ["AIDTOOLS_STRICT_REPORTS"] = "1"

sys.path.insert(0, str(Path(__file__).parent))  # tests/builders.py, whatever the import mode

from builders import AS_OF, WRITERS, specs  # noqa: E402

from aidtools.validate import check_file  # noqa: E402


@pytest.fixture(params=WRITERS)
def writer(request) -> str:
    """Each test that takes ``writer`` runs once with openpyxl and once with xlsxwriter."""
    return request.param


def check(path, root=None):
    """Check one file as of 2018-06-30 (so "in the future" never drifts)."""
    return check_file(path, root=root, specs=specs(), as_of=AS_OF)


def found(report) -> list[tuple]:
    """The findings as sorted (rule, severity, row, column) tuples: what a test compares exactly."""
    f = report.findings
    return sorted(
        (r.rule, r.severity, None if r.row is None else int(r.row), r.column)
        for r in f.assign(row=f["row"].astype(object).where(f["row"].notna(), None)).itertuples()
    )

