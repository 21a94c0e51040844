"""The run report's records, its JSON and the shipped JSON Schema agree; old reports are refused clearly.

Every report written during the suite is validated against the schema as it is written
(``AIDTOOLS_STRICT_REPORTS``, set in conftest.py); these tests check the schema itself, the round trip
and the strict mode.
"""
from __future__ import annotations

import dataclasses
import json
import typing

import pytest

from aidtools import report as R
from aidtools.findings import Finding, Source
from fixtures.demo_report import build_report


def record_types() -> dict[str, type]:
    """Every dataclass reachable from RunReport, by name."""
    found: dict[str, type] = {}

    def walk(tp):
        for arg in typing.get_args(tp):
            walk(arg)
        if dataclasses.is_dataclass(tp) and tp.__name__ not in found:
            found[tp.__name__] = tp
            for hint in typing.get_type_hints(tp).values():
                walk(hint)

    walk(R.RunReport)
    return found


def test_schema_describes_exactly_the_fields_of_every_record():
    schema = R.schema()
    types = record_types()
    assert set(schema["$defs"]) == set(types) - {"RunReport"}
    for name, tp in types.items():
        part = schema if name == "RunReport" else schema["$defs"][name]
        fields = [f.name for f in dataclasses.fields(tp)]
        assert list(part["properties"]) == fields, name
        assert part["required"] == fields and part["additionalProperties"] is False, name
    assert schema["properties"]["schema_version"] == {"const": R.SCHEMA_VERSION}


def test_the_demo_report_round_trips_and_fits_the_schema():
    report = build_report()
    data = R.to_json(report)
    R.validate(data)
    assert R.from_json(json.loads(json.dumps(data))) == report


def test_a_report_that_breaks_the_schema_is_refused_when_strict(tmp_path, monkeypatch):
    report = build_report()
    report.files[0].findings.append(Finding(rule="cell.required", severity="fatal", message="x"))
    with pytest.raises(R.ReportError, match="severity"):
        R.validate(R.to_json(report))
    monkeypatch.setenv(R.STRICT_VARIABLE, "1")
    with pytest.raises(R.ReportError):
        R.write_report(report, tmp_path / "report.json")
    assert not (tmp_path / "report.json").exists()
    monkeypatch.delenv(R.STRICT_VARIABLE)
    R.write_report(report, tmp_path / "report.json")  # not strict: written as it is
    assert (tmp_path / "report.json").is_file()


@pytest.mark.parametrize("broken", [{"as_of": "20180715"}, {"generated_at": "2018-07-15 09:00"},
                                    {"summary": {"files": "3"}}, {"unknown": 1}])
def test_schema_catches_wrong_dates_types_and_stray_keys(broken):
    data = {**R.to_json(build_report()), **broken}
    if "summary" in broken:
        data["summary"] = {**R.to_json(build_report())["summary"], **broken["summary"]}
    with pytest.raises(R.ReportError):
        R.validate(data)


def test_a_report_of_the_old_unversioned_shape_is_refused_in_chinese(tmp_path):
    old = {"aidtools_version": "0.1.0", "as_of": "20180715", "files": [], "summary": {}}
    (tmp_path / "report.json").write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(R.ReportError, match="格式版本为 1.*重新运行"):
        R.load_report(tmp_path)


def test_sources_and_optional_parts_survive_the_round_trip():
    report = build_report()
    report.reconciliation.findings.append(Finding(
        rule="rec.duplicate_payment", severity="error", message="重复", student_no="S1",
        sources=(Source("a.xlsx", 3), Source("b.xlsx", 7))))
    again = R.from_json(R.to_json(report))
    assert again.reconciliation.findings[-1].sources == (Source("a.xlsx", 3), Source("b.xlsx", 7))
    report.reconciliation = None
    assert R.from_json(R.to_json(report)).reconciliation is None
