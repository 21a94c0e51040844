"""The main job on the committed sample university, end to end, as `make demo` runs it.

`aidtools run` must find every planted mistake (cell, row, file and reconciliation) at its place and
nothing else, account for every row it read, write no full ID or bank card number into anything
meant for leaders, and give the same report.json (but for its timestamp) when run again.
"""
from __future__ import annotations

import json
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
    planted = [m for m in TRUTH["mistakes"] if m["kind"] == "merge"]
    reported = [(path, f) for path, file in ((f["path"], f) for f in demo["report"]["files"])
                for f in file["findings"] if f["rule"] == "merge.duplicate_across_files"]
    assert planted and len(reported) == len(planted)
    for m in planted:
        assert any(path in m["files"] for path, _ in reported)


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
        ws = openpyxl.load_workbook(demo["out"] / m["path"], read_only=True).worksheets[0]
        assert ws.max_row - 1 == m["rows_merged"], template


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
    assert first == second
    for template, m in demo["report"]["merge"].items():
        a = openpyxl.load_workbook(demo["out"] / m["path"]).worksheets[0]
        b = openpyxl.load_workbook(again / m["path"]).worksheets[0]
        assert [[c.value for c in row] for row in a.iter_rows()] == [[c.value for c in row] for row in b.iter_rows()]
