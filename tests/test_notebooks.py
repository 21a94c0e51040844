"""Every notebook of notebooks/ runs top to bottom on sample submissions without an error, and the report
notebook, executed with papermill and converted to HTML with code hidden, holds its Chinese sections,
an embedded chart and no full ID number."""
from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import nbformat
import pytest

from fixtures.demo_report import FULL_IDS, write_run_dir
from fixtures.submissions import submissions_folder

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ANALYST_NOTEBOOKS = sorted(p.name for p in NOTEBOOKS.glob("0*.ipynb"))
REAL_RUN = ROOT / "build" / "demo"
REPORT_SECTIONS = ["学生资助数据检查与对账报告", "一、总体情况", "二、各部门报送进度", "三、检查发现的问题",
                   "四、对账（两线三库）", "五、资金下达与发放", "六、家庭经济困难学生认定覆盖率", "七、分校",
                   "八、合并导入", "九、与上一轮相比"]
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

pytestmark = pytest.mark.slow


def full_ids_in(text: str) -> list[str]:
    """Every 18-character run in ``text`` that is a valid GB 11643 ID number (its checksum holds)."""
    found = []
    for candidate in ID_LIKE.findall(text):
        total = sum(int(d) * w for d, w in zip(candidate[:17], WEIGHTS))
        if "10X98765432"[total % 11] == candidate[-1].upper():
            found.append(candidate)
    return found


@pytest.fixture(autouse=True)
def kernel_finds_the_package(monkeypatch):
    """The kernel imports aidtools from this checkout, installed or not."""
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    return submissions_folder(tmp_path_factory.mktemp("university"))


def set_parameters(nb, values: dict) -> None:
    """Replace the cell tagged ``parameters`` by assignments of ``values`` (what papermill does)."""
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = "\n".join(f"{name} = {value!r}" for name, value in values.items())


def errors_of(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                out.append(f"{output.get('ename')}: {output.get('evalue')}")
            elif output.get("name") == "stderr" and "Traceback" in output.get("text", ""):
                out.append(output["text"])
    return out


def test_every_notebook_has_a_python3_kernelspec_and_one_parameters_cell():
    for path in [*NOTEBOOKS.glob("*.ipynb"), *(ROOT / "dashboards").glob("*.ipynb")]:
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "python3", path.name
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == (0 if path.parent.name == "dashboards" else 1), path.name


@pytest.fixture(scope="module")
def run_report(submissions, tmp_path_factory) -> dict:
    """report.json of ``aidtools run`` on the notebooks' folder with the same options."""
    from aidtools.job import run_job
    from aidtools.report import to_json
    from aidtools.steps import options

    return to_json(run_job(submissions, tmp_path_factory.mktemp("run"), options(as_of="20180630"), html=False))


# The record each analyst notebook shows its figures from (aidtools.report.RunReport).
SHOWN_RECORD = {"01": "checked", "02": "run", "03": "run"}
MERGE_RULES = ("file.superseded", "merge.duplicate_across_files")  # found by the merge, which 01 does not run


def assert_same_figures(name: str, shown: dict, run: dict) -> None:
    """The figures a notebook shows are report.json's for the same folder and options."""
    assert shown["as_of"] == run["as_of"] and shown["superseded"] == run["superseded"]
    keys = ("files", "files_passed", "files_superseded", "rows", "errors", "departments")
    assert {k: shown["summary"][k] for k in keys} == {k: run["summary"][k] for k in keys}
    if name.startswith("01"):
        def checks(report):
            return [{**f, "warnings": None, "findings": [x for x in f["findings"] if x["rule"] not in MERGE_RULES]}
                    for f in report["files"]]
        assert checks(shown) == checks(run)
    if name.startswith("02"):
        assert shown["reconciliation"] == run["reconciliation"]
        assert shown["summary"]["rec_errors"] == run["summary"]["rec_errors"]
    if name.startswith("03"):
        assert shown["merge"] == run["merge"] and shown["files"] == run["files"]


@pytest.mark.parametrize("name", ANALYST_NOTEBOOKS)
def test_analyst_notebook_runs_top_to_bottom(name, submissions, run_report, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    set_parameters(nb, {"SUBMISSIONS": str(submissions), "OUT": str(tmp_path / "out"), "AS_OF": "20180630"})
    shown_json = tmp_path / "shown.json"
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json\nfrom aidtools.report import to_json\n"
        f"open({str(shown_json)!r}, 'w', encoding='utf-8').write(json.dumps(to_json({SHOWN_RECORD[name[:2]]})))"))
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}},
                            store_widget_state=True)
    client.execute()
    assert errors_of(nb) == []
    saved = json.dumps(nb, ensure_ascii=False)
    assert full_ids_in(saved) == [], "a full ID number in a notebook's outputs"
    assert "已检查" in saved
    if name.startswith("03"):
        assert (tmp_path / "out" / "import" / "暂缓合并清单.xlsx").is_file()
    assert_same_figures(name, json.loads(shown_json.read_text(encoding="utf-8")), run_report)


def report_runs() -> list:
    runs = ["fixture", "first-round"]
    if (REAL_RUN / "report.json").is_file():
        runs.append("build-demo")
    return runs


@pytest.mark.parametrize("run", report_runs())
def test_report_notebook_renders_self_contained_html(run, tmp_path):
    import papermill
    from nbconvert import HTMLExporter

    if run == "first-round":  # the first recorded round: nothing to compare with yet
        from aidtools.report import write_report
        from fixtures.demo_report import build_report

        first = build_report()
        first.history = dataclasses.replace(first.history, round=1, previous_round=None, rounds=first.history.rounds[:1],
                                            changes=[], fixed=[], still_open=[])
        run_dir = tmp_path / "run"
        run_dir.mkdir()
        write_report(first, run_dir / "report.json")
    else:
        run_dir = write_run_dir(tmp_path / "run") if run == "fixture" else REAL_RUN
    executed = tmp_path / "report-executed.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "report.ipynb"), str(executed), parameters={"run_dir": str(run_dir)},
                               kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False)
    nb = nbformat.read(executed, as_version=4)
    assert errors_of(nb) == []
    html, _ = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                           exclude_output_prompt=True).from_notebook_node(nb)
    (tmp_path / "report.html").write_text(html, encoding="utf-8")
    print(f"report: {tmp_path / 'report.html'}")
    for title in REPORT_SECTIONS:
        assert title in html, title
    assert html.count("data:image/png;base64") >= 2  # money and coverage charts, embedded
    assert "from aidtools" not in html  # code cells hidden
    assert full_ids_in(html) == []
    assert not any(i in html for i in FULL_IDS)
    assert "Traceback" not in html
    if run == "fixture":  # a history of three rounds: the comparison, the trend and the timeliness, charted
        for title in ("本次为第 <strong>3</strong> 轮，与第 2 轮相比", "各部门改正情况", "仍未改正的问题", "错误率趋势",
                      "数据项按时通过情况", "按时通过", "逾期通过", "每百行错误数"):
            assert title in html, title
        assert html.count("data:image/png;base64") >= 6
    if run == "first-round":
        assert "这是记录的第一轮（第1轮）" in html and "各部门改正情况" not in html
