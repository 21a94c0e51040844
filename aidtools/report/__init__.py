"""The run report: typed records (:mod:`.records`), their JSON form and its schema.

``report.json`` (``aidtools run``) and the JSON of ``aidtools check/reconcile/merge --json`` are all
:func:`to_json` of a :class:`RunReport`; :func:`load_report` reads one back into the records, and
refuses a file of another schema version with a message saying what to do.

>>> from aidtools.report import RunReport, Versions, from_json, to_json
>>> report = RunReport(aidtools_version="0.1.0", generated_at="2018-07-15T09:00:00", as_of="2018-07-15",
...                    versions=Versions(aidtools="0.1.0", python="3.11", pandas="2.2"))
>>> from_json(to_json(report)) == report
True
"""
from __future__ import annotations

import functools
import json
import os
from importlib import resources
from pathlib import Path

from aidtools.report.codec import RecordError, from_data, to_data
from aidtools.report.records import (COMMANDS, FOUND_OUTCOMES, MERGE_STATES, SCHEMA_VERSION, TASK_STATES,
                                     TIMELINESS_STATES, DepartmentChange, DepartmentTimeliness, HistoryResult,
                                     ItemChange, ItemTimeliness,
                                     RoundAccuracy, RoundSummary, TrackedFinding, AidedLine, CampusLine,
                                     CoverageLine, FileAccount, FileResult, FoundFile, Figures, FundSourceLine, FundsLine,
                                     InputFile, MergedTemplate, ProgrammeLine, ProgressItem, ReconciliationResult,
                                     RunReport, SpecVersion, SubsystemPart, Summary, Totals, Versions)

SCHEMA_FILE = "report.schema.json"
# Set (to anything) to validate every report against the schema before it is written; the test suite does.
STRICT_VARIABLE = "AIDTOOLS_STRICT_REPORTS"

__all__ = [
    "RunReport", "Versions", "SpecVersion", "InputFile", "FileResult", "FoundFile", "FOUND_OUTCOMES", "Summary", "ProgressItem", "FileAccount",
    "MergedTemplate", "SubsystemPart", "ReconciliationResult", "Figures", "Totals", "FundsLine", "ProgrammeLine",
    "CoverageLine", "AidedLine", "CampusLine", "FundSourceLine", "SCHEMA_VERSION", "MERGE_STATES", "TASK_STATES",
    "COMMANDS", "ReportError", "TIMELINESS_STATES", "HistoryResult", "TrackedFinding", "DepartmentChange", "ItemChange",
    "RoundSummary", "RoundAccuracy", "ItemTimeliness", "DepartmentTimeliness",
    "to_json", "from_json", "load_report", "write_report", "schema", "validate",
]


class ReportError(ValueError):
    """A report file that cannot be read as this version's records (message in Chinese)."""


def to_json(report: RunReport) -> dict:
    """The report as JSON-able data (what ``report.json`` holds)."""
    return to_data(report)


def from_json(data: dict) -> RunReport:
    """Data of ``report.json`` as records. Raises :class:`ReportError` for another schema version."""
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        raise ReportError(
            f"报告的格式版本为 {version or 1}，本版本 aidtools 读取的是第 {SCHEMA_VERSION} 版：请用本版本重新运行"
            f" aidtools run 生成报告 / report schema {version or 1}, expected {SCHEMA_VERSION}: run aidtools run again")
    try:
        return from_data(RunReport, data)
    except (RecordError, TypeError) as exc:
        raise ReportError(f"报告内容不完整或已被改动：{exc}") from exc


def load_report(path) -> RunReport:
    """``report.json`` of a run folder (or the file itself) as a :class:`RunReport`."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    return from_json(json.loads(path.read_text(encoding="utf-8")))


def write_report(report: RunReport, out) -> Path:
    """Write ``report`` as JSON to ``out`` (owner-only, beside it first and then moved into place).

    With ``AIDTOOLS_STRICT_REPORTS`` set, the data is validated against :func:`schema` first and a
    report that does not fit raises :class:`ReportError` (a bug, never a data problem)."""
    from aidtools.writing.private import save_private

    data = to_json(report)
    if os.environ.get(STRICT_VARIABLE):
        validate(data)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return save_private(lambda path: path.write_text(text, encoding="utf-8"), out)


@functools.cache
def schema() -> dict:
    """The JSON Schema of ``report.json`` (shipped with the package)."""
    return json.loads(resources.files("aidtools.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


def validate(data: dict) -> None:
    """Raise :class:`ReportError` unless ``data`` fits the schema (formats of dates included)."""
    import jsonschema

    checker = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    problems = sorted(checker.iter_errors(data), key=lambda e: list(e.absolute_path))
    if problems:
        where = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in problems[:5])
        raise ReportError(f"报告不符合其格式定义（report.schema.json）：{where}")
