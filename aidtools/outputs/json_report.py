"""The JSON report: one shape for ``aidtools check --json`` and ``aidtools run`` (``report.json``).

Contract (more keys welcome, these stay)::

    {"aidtools_version", "files": [{"path", "sha256", "template", "department", "rows", "errors",
     "warnings", "findings": [{"rule", "severity", "sheet", "row", "column", "field", "value", "message"}]}]}
"""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import pandas as pd

import aidtools
from aidtools.specs import load_specs


def versions(specs=None) -> dict:
    specs = specs or load_specs()
    from aidtools.policy import policy_digest
    return {
        "aidtools": aidtools.__version__, "python": platform.python_version(), "pandas": pd.__version__,
        "specs": {s.id: {"version": s.version, "digest": s.digest} for s in specs.values()},
        "policy": policy_digest(),
    }


def check_report(reports, specs=None) -> dict:
    return {
        "aidtools_version": aidtools.__version__,
        "versions": versions(specs),
        "files": [r.to_dict() for r in reports],
    }


def write_json(data: dict, out) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, out)
    return out
