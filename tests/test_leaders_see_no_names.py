"""What leaders see names no student: report.html, report.json's reconciliation messages, the
terminal of ``aidtools run`` and the dashboard's HTML hold no full name of any student in the inputs,
nor a full ID number, bank card or mobile (issue 14, item 8). report.xlsx (the analysts' workbook)
may keep names and 学号, but never a full ID, card or mobile.

A generated university (300 students) goes through ``aidtools run`` once, as a subprocess: that is
the main job (:func:`aidtools.job.run_job`) writing report.json/.xlsx/.html, and its stdout and
stderr are the terminal. The dashboard is the :class:`aidtools.widgets.Overview` widget on the
run's report, with every academic year, subsystem and college chosen in turn.

Which names count as leaked: every distinct 姓名 read from the input workbooks (python-calamine)
and CSVs. A name of three or more characters must not occur anywhere in the text. A two-character
name can also be an ordinary word ("文学" in 文学院, "合并" in 合并导入), so it counts only when it is
not part of the outputs' non-personal vocabulary: the report's department, programme and file
names, the rule titles, the column labels and the fixed text of the report notebook and of the
dashboard (their sources). A leak of a two-character name that is also such a word would go
unnoticed; the three-or-more-character names (most of the inputs' names) and the reconciliation
messages' own brackets (``（尚*涛）``, checked separately) cover the leak paths.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from test_notebooks import full_ids_in

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NAME_HEADERS = ("姓名",)
NUMBER_HEADERS = ("身份证件号", "身份证号", "银行卡号", "手机号码")
SEPARATORS = re.compile(r"[·•・．.‧\s]")


def _sheets(path: Path) -> list[list[list]]:
    if path.suffix.lower() == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = path.read_bytes().decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        return [[line.split(",") for line in text.splitlines()]]
    try:
        book = CalamineWorkbook.from_path(str(path))
        return [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]
    except Exception:  # the corrupt files planted on purpose
        return []


def personal_values(submissions: Path) -> tuple[set[str], set[str]]:
    """Every 姓名, and every ID number, card and mobile, in the inputs' cells below a header row."""
    names, numbers = set(), set()
    for path in submissions.rglob("*"):
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".csv") or not path.stat().st_size:
            continue
        for rows in _sheets(path):
            for h, header in enumerate(rows[:10]):
                labels = [str(v).strip() for v in header]
                name_at = [i for i, v in enumerate(labels) if v in NAME_HEADERS]
                number_at = [i for i, v in enumerate(labels) if v in NUMBER_HEADERS]
                if not name_at and not number_at:
                    continue
                for row in rows[h + 1:]:
                    for i in name_at:
                        value = str(row[i]).strip() if i < len(row) else ""
                        if len(SEPARATORS.sub("", value)) >= 2:
                            names.add(value)
                    for i in number_at:
                        value = str(row[i]).strip().removesuffix(".0") if i < len(row) else ""
                        if len(value) >= 11 and value[:-1].isdigit():
                            numbers.add(value)
                break
    return names, numbers


def vocabulary(report: dict) -> str:
    """The non-personal words the outputs are made of (see the module docstring)."""
    from aidtools import views
    from aidtools.rules import RULES

    words = [f["path"] or "" for f in report["files"]] + [f["department"] or "" for f in report["files"]]
    figures = (report.get("reconciliation") or {}).get("figures") or {}
    for lines in figures.values():
        if isinstance(lines, list):
            words += [str(v) for line in lines if isinstance(line, dict) for v in line.values() if isinstance(v, str)]
    words += [p["department"] or "" for p in report["progress"]] + [p["item"] or "" for p in report["progress"]]
    words += [r.title for r in RULES.values()] + list(views.LABELS.values())
    words.append((ROOT / "notebooks" / "report.ipynb").read_text(encoding="utf-8"))
    words.append((ROOT / "aidtools" / "widgets" / "overview.py").read_text(encoding="utf-8"))
    words.append((ROOT / "aidtools" / "widgets" / "tables.py").read_text(encoding="utf-8"))
    return "\n".join(words)


def leaked_names(text: str, names: set[str], words: str) -> list[str]:
    return sorted(n for n in names if n in text and (len(SEPARATORS.sub("", n)) >= 3 or n not in words))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from aidtools.sample import generate

    base = tmp_path_factory.mktemp("names")
    generate(base / "uni", students=300, seed=7)
    truth = json.loads((base / "uni" / "truth.json").read_text(encoding="utf-8"))
    submissions, out = base / "uni" / "submissions", base / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
               PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-m", "aidtools", "run", str(submissions), "--out", str(out),
                           "--tasks", str(base / "uni" / "tasks.xlsx"), "--as-of", str(truth["as_of"])],
                          cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    names, numbers = personal_values(submissions)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"out": out, "report": report, "terminal": done.stdout + done.stderr, "names": names,
            "numbers": numbers, "words": vocabulary(report)}


def dashboard_html(out: Path) -> str:
    """Every HTML the Overview widget shows, for each choice of its dropdowns."""
    import ipywidgets as W

    from aidtools.report import load_report
    from aidtools.widgets import Overview

    board = Overview(load_report(out), charts=False)

    def texts(widget):
        if isinstance(widget, W.HTML):
            yield widget.value
        for child in getattr(widget, "children", ()):
            yield from texts(child)

    pages = ["\n".join(texts(board.widget))]
    for dropdown in (board.year, board.subsystem, board.college):
        for option in dropdown.options:
            dropdown.value = option
            pages.append("\n".join(texts(board.widget)))
        dropdown.value = dropdown.options[0]
    return "\n".join(pages)


def test_the_inputs_hold_names_and_the_outputs_name_students_masked(run):
    assert len(run["names"]) > 250 and sum(len(n) >= 3 for n in run["names"]) > 100
    assert len(run["numbers"]) > 500
    messages = [f["message"] for f in run["report"]["reconciliation"]["findings"]]
    bracketed = [m for m in messages if re.search(r"学号[0-9A-Za-z*]+（", m)]
    assert bracketed, "the sample plants reconciliation mistakes that name a student"
    for message in bracketed:
        inside = re.search(r"学号[0-9A-Za-z*]+（([^）]*)）", message).group(1)
        assert "*" in inside, message  # 尚*涛, 尚*
    html = (run["out"] / "report.html").read_text(encoding="utf-8")
    assert "姓名只显示首尾各一字" in html and "*" in html


@pytest.mark.parametrize("where", ["report.html", "report.json messages", "terminal", "dashboard"])
def test_no_full_name_id_card_or_mobile_in_what_leaders_see(run, where):
    out = run["out"]
    text = {
        "report.html": lambda: (out / "report.html").read_text(encoding="utf-8"),
        "report.json messages": lambda: "\n".join(
            [f["message"] for f in run["report"]["reconciliation"]["findings"]]
            + [x["message"] + "\n" + (x["value"] or "") for f in run["report"]["files"] for x in f["findings"]]),
        "terminal": lambda: run["terminal"],
        "dashboard": lambda: dashboard_html(out),
    }[where]()
    assert len(text) > 1000
    leaked = leaked_names(text, run["names"], run["words"])
    assert not leaked, f"{where} holds {len(leaked)} full names, e.g. {leaked[:5]}"
    numbers = sorted(n for n in run["numbers"] if n in text)
    assert not numbers and not full_ids_in(text), f"{where} holds full numbers: {numbers[:5]}"


def test_report_xlsx_holds_no_full_id_card_or_mobile(run):
    import openpyxl

    book = openpyxl.load_workbook(run["out"] / "report.xlsx", read_only=True)
    text = "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)
    assert not [n for n in run["numbers"] if n in text] and not full_ids_in(text)
