"""The loop of issue 14 on the small university of tests/test_reconcile.py, one planted fault at a time:
cross-table (两线三库) errors stop their records from being imported and reach the department that
sent them, marked in its feedback workbook; warnings and group-level findings stop nothing."""
from __future__ import annotations

import copy
import csv

import openpyxl
import pytest

from aidtools import steps
from aidtools.merging.resubmissions import find_supersessions
from aidtools.rules import RULES
from test_reconcile import AS_OF, FAULTS, MESSAGE_PARTS, SEVERITY, run, university


def merged_and_fed_back(tmp_path, files):
    reports, reconciliation = run(tmp_path / "in", files)
    options = steps.Options(as_of=AS_OF)
    batch = steps.Batch(reports=reports, options=options, supersessions=find_supersessions(reports, options.specs))
    merged = steps.merge(batch, tmp_path / "import", reconciliation)
    feedback = dict((r.display_path, p) for r, p in steps.feedback(batch, tmp_path / "feedback", reconciliation))
    return reconciliation, merged, feedback


def imported_records(merged) -> set[tuple[str, int]]:
    found = set()
    for template in merged.templates.values():
        for part in template.parts.values():
            with open(part.provenance_path, encoding="utf-8-sig", newline="") as fh:
                found |= {(line["来源文件"], int(line["来源行号"])) for line in csv.DictReader(fh)}
    return found


def held_back_reasons(merged) -> dict[tuple[str, int], str]:
    found = {}
    for template in merged.templates.values():
        for part in template.parts.values():
            if part.held_back_path:
                rows = openpyxl.load_workbook(part.held_back_path).worksheets[0].iter_rows(values_only=True)
                header = next(rows)
                for row in rows:
                    line = dict(zip(header, row))
                    found[(line["来源文件"], int(line["行号"]))] = line["暂缓原因"]
    return found


def marks_of(feedback_path, row: int) -> list[tuple[str, str]]:
    """(fill colour, comment) of every cell of ``row`` that aidtools marked in the data sheet."""
    wb = openpyxl.load_workbook(feedback_path)
    ws = wb.worksheets[1]  # 问题清单 first, then the data sheet
    return [(str(c.fill.fgColor.rgb)[-6:], c.comment.text) for c in ws[row] if c.comment is not None]


@pytest.mark.parametrize("plant", FAULTS, ids=[f.__name__[6:] for f in FAULTS])
def test_a_rec_finding_stops_its_records_and_reaches_the_department(tmp_path, plant):
    files = copy.deepcopy(university())
    rule, _, _, _, paths, rows = plant(files)
    reconciliation, merged, feedback = merged_and_fed_back(tmp_path, files)
    paths = [paths] * len(rows) if isinstance(paths, str) else paths
    severity = SEVERITY.get(plant.__name__, "error")
    imported, held = imported_records(merged), held_back_reasons(merged)
    for path, row in zip(paths, rows):
        if severity == "error" and not RULES[rule].group:
            assert (path, row) not in imported
            assert f"（{rule}）" in held[(path, row)] and MESSAGE_PARTS[plant.__name__] in held[(path, row)]
        elif (path, row) not in held:  # a warning or a group-level finding holds nothing back
            assert (path, row) in imported
        assert (path, row) not in held or f"（{rule}）" not in held[(path, row)] or severity == "error"
        # The department's feedback marks the record, with what is wrong, red for an error.
        marks = marks_of(feedback[path], row)
        assert any(MESSAGE_PARTS[plant.__name__] in text for _, text in marks), marks
        colour = {"error": "FFC7CE", "warning": "FFEB9C"}[severity]
        assert any(c == colour for c, text in marks if MESSAGE_PARTS[plant.__name__] in text)
        summary = openpyxl.load_workbook(feedback[path])["问题清单"]["A1"].value
        if severity == "error":
            assert "结论：检查通过" not in summary and "对账" in summary, summary
    assert merged.templates and all(m.rows_read == m.rows_merged + m.rows_held_back + m.rows_superseded
                                    for m in merged.templates.values())


def test_a_clean_university_passes_everywhere(tmp_path):
    reconciliation, merged, feedback = merged_and_fed_back(tmp_path, copy.deepcopy(university()))
    assert held_back_reasons(merged) == {}
    for path in feedback.values():
        assert "结论：检查通过" in openpyxl.load_workbook(path)["问题清单"]["A1"].value


@pytest.mark.slow
def test_on_a_freshly_generated_university_rec_errors_stop_exactly_the_planted_records(tmp_path):
    """The same invariants as on the committed sample (tests/test_run.py), on a university generated now:
    no record a reconciliation error names is imported; each is held back with its rule; and the records
    held back for reconciliation are exactly those of truth.json's record-level rec errors."""
    import json
    import re

    from aidtools.job import run_job
    from aidtools.report import to_json
    from aidtools.sample import generate
    from test_run import held_back_rows, provenance_rows, rec_errors

    generate(tmp_path / "u", students=400, seed=5)
    truth = json.loads((tmp_path / "u" / "truth.json").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    report = to_json(run_job(tmp_path / "u" / "submissions", out, steps.options(as_of=truth["as_of"]),
                             tasks=tmp_path / "u" / "tasks.xlsx", html=False))
    imported, held = provenance_rows(out, report), held_back_rows(out, report)
    for f in rec_errors(report):
        for s in f["sources"]:
            where = (s["path"], s["row"])
            assert where not in imported and f"（{f['rule']}）" in held[where]["暂缓原因"]
    got = {(rule, line["学号"], line.get("资助学年") or line.get("贷款学年") or line.get("认定学年"))
           for line in held.values() for rule in re.findall(r"（(rec\.[a-z_]+)）", line["暂缓原因"] or "")}
    want = {(m["rule"], m["student_no"], m["academic_year"]) for m in truth["mistakes"]
            if m["kind"] == "rec" and m["severity"] == "error" and not RULES[m["rule"]].group}
    assert got == want and want
    for m in report["merge"].values():
        for part in m["parts"]:
            assert part["rows_read"] == part["rows_merged"] + part["rows_held_back"] + part["rows_superseded"]
