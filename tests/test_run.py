"""The main job on the committed sample university, end to end, as `make demo` runs it.

`aidtools run` must find every planted mistake (cell, row, file and reconciliation) at its place and
nothing else, account for every row it read, write no full ID or bank card number into anything
meant for leaders, and give the same report.json (but for its timestamp) when run again.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from aidtools.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
TRUTH = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
REC_KEYS = ("rule", "student_no", "programme", "academic_year", "department")


def run_job(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aidtools", "run", str(SAMPLE / "submissions"), "--out", str(out),
         "--tasks", str(SAMPLE / "tasks.xlsx"), "--as-of", TRUTH["as_of"], *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=900)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    done = run_job(out)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"out": out, "report": report, "stdout": done.stdout, "stderr": done.stderr}


def place(path: str, finding: dict) -> tuple:
    """Where a finding is, as precisely as its rule's scope says: cell → row and column, row → row."""
    scope = RULES[finding["rule"]].scope
    return (path, finding["rule"], finding["row"] if scope != "file" else None,
            finding["column"] if scope == "cell" else None)


PERSONAL_HEADERS = ("身份证件号", "身份证号", "银行卡号", "手机号码")


def personal_numbers() -> set[str]:
    """Every ID number, bank card and mobile in the inputs, read from those columns' cells."""
    found = set()
    for path in (SAMPLE / "submissions").rglob("*"):
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".csv") or not path.stat().st_size:
            continue
        if path.suffix.lower() == ".csv":
            lines = path.read_bytes().decode("gb18030", errors="ignore").splitlines()
            sheets = [[line.split(",") for line in lines]]
        else:
            try:
                book = CalamineWorkbook.from_path(str(path))
                sheets = [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]
            except Exception:  # the corrupt files planted on purpose
                continue
        for rows in sheets:
            if not rows:
                continue
            columns = [i for i, h in enumerate(rows[0]) if str(h).strip() in PERSONAL_HEADERS]
            for row in rows[1:]:
                for i in columns:
                    value = str(row[i]).strip() if i < len(row) else ""
                    if len(value) >= 11 and value[:-1].isdigit():
                        found.add(value)
    return found


def test_every_planted_check_mistake_is_reported_and_nothing_else(demo):
    files = {f["path"]: f for f in demo["report"]["files"]}
    superseded = set(TRUTH["superseded"])
    assert set(demo["report"]["superseded"]) == superseded
    want = {place(m["file"], m) for m in TRUTH["mistakes"] if m["kind"] == "cell"}
    got = {place(path, f) for path, file in files.items() if path not in superseded
           for f in file["findings"] if f["severity"] in ("error", "warning") and not f["rule"].startswith("merge.")}
    assert want - got == set(), "planted but not found"
    assert got - want == set(), "found but not planted"


def test_records_sent_by_two_files_are_reported_once(demo):
    """A record two files carry is merged once (merge.duplicate_across_files), unless it is also a payment
    made twice (rec.duplicate_payment, an error): then every copy is held back until the departments agree."""
    planted = [m for m in TRUTH["mistakes"] if m["kind"] == "merge"]
    reported = [(path, f) for path, file in ((f["path"], f) for f in demo["report"]["files"])
                for f in file["findings"] if f["rule"] == "merge.duplicate_across_files"]
    paid_twice = [f for f in demo["report"]["reconciliation"]["findings"] if f["rule"] == "rec.duplicate_payment"]
    assert planted
    for m in planted:
        as_merge = any(path in m["files"] for path, _ in reported)
        as_rec = any({s["path"] for s in f["sources"]} == set(m["files"]) for f in paid_twice)
        assert as_merge != as_rec, m
    assert len(reported) == sum(not any({s["path"] for s in f["sources"]} == set(m["files"]) for f in paid_twice)
                                for m in planted)


def test_reconciliation_matches_the_planted_mistakes(demo):
    got = sorted(tuple(f[k] for k in REC_KEYS) for f in demo["report"]["reconciliation"]["findings"]
                 if f["severity"] != "info")
    want = sorted(tuple(m[k] for k in REC_KEYS) for m in TRUTH["mistakes"] if m["kind"] == "rec" and m["severity"] != "info")
    assert got == want
    for f in demo["report"]["reconciliation"]["findings"]:
        assert f["sources"] and all({"path", "row"} <= set(s) for s in f["sources"])


def test_merge_accounts_for_every_row(demo):
    merge = demo["report"]["merge"]
    assert set(merge) == {"student", "difficulty", "disbursement", "loan", "allocation"}
    rows_by_template = {}
    for f in demo["report"]["files"]:
        if f["template"]:
            rows_by_template[f["template"]] = rows_by_template.get(f["template"], 0) + f["rows"]
    for template, m in merge.items():
        assert m["rows_read"] == m["rows_merged"] + m["rows_held_back"] + m["rows_superseded"], template
        assert m["rows_read"] == rows_by_template[template], template
        for account in m["files"]:
            assert account["rows_read"] == account["rows_merged"] + account["rows_held_back"] + account["rows_superseded"]
        assert set(p["subsystem"] for p in m["parts"]) <= {"本专科", "研究生"}, template
        merged = 0
        for part in m["parts"]:
            assert part["rows_read"] == part["rows_merged"] + part["rows_held_back"] + part["rows_superseded"]
            ws = openpyxl.load_workbook(demo["out"] / part["path"], read_only=True).worksheets[0]
            assert ws.max_row - 1 == part["rows_merged"], (template, part["subsystem"])
            merged += part["rows_merged"]
        for name in ("rows_read", "rows_merged", "rows_held_back", "rows_superseded"):
            assert m[name] == sum(p[name] for p in m["parts"]), (template, name)


def test_progress_follows_the_task_table(demo):
    progress = {(p["subsystem"], p["item"], p["department"]): p for p in demo["report"]["progress"]}
    for missing in TRUTH["tasks_not_submitted"]:
        task = progress[(missing["子系统"], missing["数据项"], missing["责任部门"])]
        assert task["status"] == "missing"  # 未提交
        assert task["overdue"] == missing["late"]
        assert task["reason"].startswith("尚未提交")
    # The task table has no 模板 column: every 数据项 is known, and one 数据项 is listed for each college.
    assert all(p["template"] and p["filler"] and p["auditor"] for p in progress.values())
    colleges = [d for s, i, d in progress if i == "临时困难补助发放"]
    assert len(colleges) > 3
    submitted = [p for p in progress.values() if p["files"]]
    assert {p["status"] for p in submitted} <= {"passed", "check_failed", "rec_failed"}
    assert any(p["status"] == "check_failed" for p in submitted)
    assert all(p["reason"] for p in progress.values() if p["status"] != "passed")


def test_report_files_are_there_and_readable(demo):
    out = demo["out"]
    html = (out / "report.html").read_text(encoding="utf-8")
    for title in ("学生资助数据检查与对账报告", "总体情况", "报送进度"):
        assert title in html
    assert "data:image/png;base64," in html
    sheets = openpyxl.load_workbook(out / "report.xlsx", read_only=True).sheetnames
    assert {"文件", "检查问题", "对账问题", "报送进度", "合并统计"} <= set(sheets)
    assert (out / "import").is_dir() and (out / "feedback").is_dir()
    assert (out.stat().st_mode & 0o077) == 0, "output folder must be readable by the owner only"
    report = demo["report"]
    assert {r["path"] for r in report["inputs"]} == {f["path"] for f in report["files"]}
    assert all(len(r["sha256"] or "") == 64 for r in report["inputs"] if r["size"])
    assert {"aidtools", "specs", "policy", "python", "pandas"} <= set(report["versions"])


def test_no_full_id_or_card_reaches_what_leaders_see(demo):
    numbers = personal_numbers()
    assert len(numbers) > 5000  # the sample really holds IDs, cards and mobiles
    out = demo["out"]
    texts = {
        "report.html": (out / "report.html").read_text(encoding="utf-8"),
        "report.json": (out / "report.json").read_text(encoding="utf-8"),
        "terminal": demo["stdout"] + demo["stderr"],
    }
    book = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    texts["report.xlsx"] = "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                                     for v in row if v is not None)
    for name, text in texts.items():
        leaked = {n for n in numbers if n in text}
        assert not leaked, f"{name} holds {len(leaked)} full numbers"


def test_running_again_gives_the_same_report(demo, tmp_path):
    again = tmp_path / "again"
    done = run_job(again, "--no-html")
    assert done.returncode == 0, done.stderr[-3000:]
    first = dict(demo["report"])
    second = json.loads((again / "report.json").read_text(encoding="utf-8"))
    first.pop("generated_at")
    second.pop("generated_at")
    first.pop("history")  # each run is a round of its own history (beside its --out): when, and where
    second.pop("history")
    assert first == second
    for template, m in demo["report"]["merge"].items():
        for part in m["parts"]:
            a = openpyxl.load_workbook(demo["out"] / part["path"]).worksheets[0]
            b = openpyxl.load_workbook(again / part["path"]).worksheets[0]
            assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()]


# ---- the loop: cross-table errors stop rows, reach departments, per subsystem ---------------------------------

def provenance_rows(out: Path, report: dict) -> set[tuple[str, int]]:
    """(source path, source row) of every row in every import workbook."""
    import csv
    found = set()
    for m in report["merge"].values():
        for part in m["parts"]:
            with open(out / part["provenance_path"], encoding="utf-8-sig", newline="") as fh:
                found |= {(line["来源文件"], int(line["来源行号"])) for line in csv.DictReader(fh)}
    return found


def held_back_rows(out: Path, report: dict) -> dict[tuple[str, int], dict]:
    """(source path, source row) -> the held-back line (its headers as keys) of every held-back workbook."""
    held = {}
    for m in report["merge"].values():
        for part in m["parts"]:
            if not part["held_back_path"]:
                continue
            rows = openpyxl.load_workbook(out / part["held_back_path"], read_only=True).worksheets[0].iter_rows(
                values_only=True)
            header = next(rows)
            for row in rows:
                line = dict(zip(header, row))
                held[(line["来源文件"], int(line["行号"]))] = line
    return held


def rec_errors(report: dict) -> list[dict]:
    """The record-level reconciliation errors (group-level ones hold no row)."""
    return [f for f in report["reconciliation"]["findings"]
            if f["severity"] == "error" and not RULES[f["rule"]].group]


def test_no_record_a_reconciliation_error_names_is_imported(demo):
    imported, held = provenance_rows(demo["out"], demo["report"]), held_back_rows(demo["out"], demo["report"])
    errors = rec_errors(demo["report"])
    assert errors
    for f in errors:
        for s in f["sources"]:
            where = (s["path"], s["row"])
            assert where not in imported, (f["rule"], where)
            assert f"（{f['rule']}）" in held[where]["暂缓原因"] and "【对账错误】" in held[where]["暂缓原因"]
    warned = [s for f in demo["report"]["reconciliation"]["findings"] if f["severity"] != "error" for s in f["sources"]]
    assert any((s["path"], s["row"]) in imported for s in warned)  # warnings and info hold nothing back


def test_rows_held_back_for_reconciliation_are_exactly_the_planted_ones(demo):
    """Both directions against truth.json: every planted record-level rec error holds its records back, and
    no record is held back for a reconciliation error that was not planted."""
    held = held_back_rows(demo["out"], demo["report"])
    got = set()
    for line in held.values():
        for rule in re.findall(r"（(rec\.[a-z_]+)）", line["暂缓原因"] or ""):
            got.add((rule, line["学号"], line.get("资助学年") or line.get("贷款学年") or line.get("认定学年")))
    want = {(m["rule"], m["student_no"], m["academic_year"]) for m in TRUTH["mistakes"]
            if m["kind"] == "rec" and m["severity"] == "error" and not RULES[m["rule"]].group}
    assert got == want
    merge = demo["report"]["merge"]
    assert sum(m["rows_held_back_rec"] for m in merge.values()) == len(
        {(s["path"], s["row"]) for f in rec_errors(demo["report"]) for s in f["sources"]})


def test_each_subsystems_import_files_hold_only_its_rows(demo):
    out, merge = demo["out"], demo["report"]["merge"]
    from aidtools.specs import load_specs

    headers = load_specs()["student"].headers
    number, level = headers.index("学号"), headers.index("学历层次")
    level_of = {}
    for part in merge["student"]["parts"]:
        for row in openpyxl.load_workbook(out / part["path"], read_only=True).worksheets[0].iter_rows(
                min_row=2, values_only=True):
            level_of[row[number]] = row[level]
    of_subsystem = {"本专科": {"本科", "专科"}, "研究生": {"硕士研究生", "博士研究生"}}
    for template in ("student", "difficulty", "disbursement", "loan"):
        for part in merge[template]["parts"]:
            rows = list(openpyxl.load_workbook(out / part["path"], read_only=True).worksheets[0].iter_rows(
                min_row=2, values_only=True))
            levels = {level_of.get(row[0 if template != "student" else number]) for row in rows}
            assert rows and levels <= of_subsystem[part["subsystem"]], (template, part["subsystem"], levels)
            assert part["path"].startswith(f"import/{part['subsystem']}/")


def test_feedback_never_says_passed_for_a_file_with_a_reconciliation_error(demo):
    from aidtools.outputs.feedback import feedback_name

    files = {f["path"]: f for f in demo["report"]["files"]}
    for path in {s["path"] for f in rec_errors(demo["report"]) for s in f["sources"]}:
        department, name = path.split("/", 1) if "/" in path else ("", path)
        fmt = files[path]["format"]
        feedback = demo["out"] / "feedback" / department / feedback_name(Path(name).name, fmt)
        summary = openpyxl.load_workbook(feedback, read_only=True)["问题清单"]["A1"].value
        assert "结论：检查通过" not in summary and "对账" in summary, (path, summary)
