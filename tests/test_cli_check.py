"""``aidtools check`` and ``aidtools templates`` run as a user runs them: a subprocess, exit codes,
the JSON report contract, masking, and a batch that goes on past an unreadable file."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builders import ID_OTHER, rows_for, spec_of, write_csv, write_template, wrong_check

ROOT = Path(__file__).resolve().parents[1]
BAD_ID = wrong_check(ID_OTHER[0])
CONTRACT_FILE = {"path", "sha256", "template", "department", "rows", "errors", "warnings", "findings"}
CONTRACT_FINDING = {"rule", "severity", "sheet", "row", "column", "field", "value", "message"}


def aidtools(*args, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "aidtools", *map(str, args)], cwd=cwd or ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def _clean_folder(base: Path) -> Path:
    folder = base / "clean"
    write_template(folder / "机械工程学院", "student", {}, {}, name="学生基本信息.xlsx")
    write_csv(folder / "化学学院" / "贷款.csv", rows_for("loan"), encoding="gbk")
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A submissions folder with one good file, one with errors, one unreadable; checked once."""
    folder = tmp_path_factory.mktemp("submissions")
    write_template(folder / "机械工程学院", "student", {}, {"身份证件号": BAD_ID}, name="学生基本信息.xlsx",
                   writer="xlsxwriter")
    (folder / "化学学院").mkdir()
    (folder / "化学学院" / "坏文件.xlsx").write_bytes(b"this is not a workbook")
    write_template(folder / "化学学院", "disbursement", {}, name="国家助学金发放-第1批.xlsx")
    out = tmp_path_factory.mktemp("out") / "report.json"
    result = aidtools("check", folder, "--json", out, "--as-of", "20180630")
    return folder, result, json.loads(out.read_text(encoding="utf-8"))


def test_exit_0_on_clean_folder(tmp_path):
    result = aidtools("check", _clean_folder(tmp_path), "--as-of", "20180630")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "共 2 个文件，通过 2 个" in result.stdout


def test_exit_1_with_errors(batch):
    _, result, _ = batch
    assert result.returncode == 1, result.stderr


@pytest.mark.parametrize("args", [["check"], ["check", "/nonexistent/folder"], [], ["check", "--bogus", "."]],
                         ids=["no-args", "missing-path", "no-command", "bad-option"])
def test_exit_2_on_usage_error(args):
    result = aidtools(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)


def test_json_contract(batch):
    folder, _, report = batch
    assert isinstance(report["aidtools_version"], str) and report["aidtools_version"]
    files = {f["path"]: f for f in report["files"]}
    assert set(files) == {"机械工程学院/学生基本信息.xlsx", "化学学院/坏文件.xlsx", "化学学院/国家助学金发放-第1批.xlsx"}
    for path, entry in files.items():
        assert CONTRACT_FILE <= set(entry), path
        assert entry["department"] == path.split("/")[0]
        for finding in entry["findings"]:
            assert CONTRACT_FINDING <= set(finding)
    student = files["机械工程学院/学生基本信息.xlsx"]
    assert student["sha256"] == hashlib.sha256((folder / "机械工程学院" / "学生基本信息.xlsx").read_bytes()).hexdigest()
    assert (student["template"], student["rows"], student["errors"], student["warnings"]) == ("student", 2, 1, 0)
    [finding] = student["findings"]
    assert {k: finding[k] for k in ("rule", "severity", "sheet", "row", "column", "field")} == {
        "rule": "id.checksum", "severity": "error", "sheet": "学生基本信息", "row": 3, "column": "E", "field": "身份证件号"}
    assert finding["message"]


def test_json_masks_personal_values(batch):
    _, result, report = batch
    finding = next(f for e in report["files"] for f in e["findings"] if f["rule"] == "id.checksum")
    assert finding["value"] == BAD_ID[:6] + "********" + BAD_ID[-4:]
    text = json.dumps(report, ensure_ascii=False)
    assert BAD_ID not in text and BAD_ID not in result.stdout and BAD_ID not in result.stderr


def test_unreadable_file_does_not_stop_the_batch(batch):
    _, result, report = batch
    files = {f["path"]: f for f in report["files"]}
    bad = files["化学学院/坏文件.xlsx"]
    assert [f["rule"] for f in bad["findings"]] == ["file.unreadable"]
    assert bad["template"] is None and bad["errors"] == 1
    good = files["化学学院/国家助学金发放-第1批.xlsx"]
    assert (good["template"], good["rows"], good["errors"], good["findings"]) == ("disbursement", 1, 0, [])
    assert "坏文件.xlsx" in result.stdout


def test_templates_json_lists_every_spec():
    result = aidtools("templates", "--json")
    assert result.returncode == 0, result.stderr
    listed = {s["id"]: s for s in json.loads(result.stdout)}
    assert set(listed) == {"student", "difficulty", "disbursement", "loan", "allocation", "tasks"}
    for spec_id, data in listed.items():
        spec = spec_of(spec_id)
        assert [c["header"] for c in data["columns"]] == spec.headers
        assert [c["type"] for c in data["columns"]] == [c.type for c in spec.columns]
        assert data["sheet"] == spec.sheet
    ethnicity = next(c for c in listed["student"]["columns"] if c["header"] == "民族")
    assert {"code": "01", "name": "汉族"} in ethnicity["codes"] and len(ethnicity["codes"]) >= 56
    tier = next(c for c in listed["disbursement"]["columns"] if c["header"] == "资助档次")
    assert tier["required"] == "conditional" and [c["name"] for c in tier["codes"]] == ["一等", "二等", "三等"]


def test_templates_plain_listing():
    result = aidtools("templates")
    assert result.returncode == 0 and "学生基本信息" in result.stdout and "disbursement" in result.stdout


def test_check_file_pauses_collection_and_restores_it(tmp_path, monkeypatch):
    """Automatic garbage collection is off during a check (it only costs time on large sheets) and
    comes back as it was, also after an error inside the check and when the caller had it off."""
    import gc

    from aidtools import validate

    path = write_template(tmp_path, "student", {}, {})
    seen = []
    real = validate._check_file

    def spy(*args):
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(validate, "_check_file", spy)
    assert gc.isenabled()
    validate.check_file(path)
    assert seen == [False] and gc.isenabled()

    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(validate, "_check_file", broken)
    with pytest.raises(RuntimeError):
        validate.check_file(path)
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(validate, "_check_file", real)
        validate.check_file(path)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_workers_give_the_same_report(batch, tmp_path):
    """``--workers 2`` (two processes) and ``--workers 0`` (one per core) report exactly what one
    process reports; a negative count is a usage error."""
    folder, serial, expected = batch
    for workers in ("2", "0"):
        out = tmp_path / f"report-{workers}.json"
        result = aidtools("check", folder, "--json", out, "--as-of", "20180630", "--workers", workers)
        assert result.returncode == serial.returncode == 1, result.stderr
        got = json.loads(out.read_text(encoding="utf-8"))
        assert got["files"] == expected["files"]
    refused = aidtools("check", folder, "--workers", "-1")
    assert refused.returncode == 2 and "进程数" in refused.stderr


def test_run_with_workers_equals_one_process(tmp_path):
    folder = _clean_folder(tmp_path)
    summaries = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        result = aidtools("run", folder, "--out", out, "--as-of", "20180630", "--no-html", "--workers", workers)
        assert result.returncode == 0, result.stderr
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        summaries.append((report["summary"], [(f["path"], f["errors"], f["warnings"]) for f in report["files"]]))
    assert summaries[0] == summaries[1]


# What a command does not need it does not import (issue 18: `aidtools check FILE` as a whole process):
# the writers, the reconciliation, the history, the notebooks, the charts.
NOT_FOR_CHECK = ("openpyxl", "xlsxwriter", "xlwt", "matplotlib", "jinja2", "sqlalchemy", "alembic", "psycopg",
                 "nbclient", "nbformat", "papermill", "voila", "ipywidgets", "distributed", "tqdm",
                 "aidtools.merging.merge", "aidtools.reconcile", "aidtools.history", "aidtools.outputs.feedback",
                 "aidtools.outputs.blank_template", "aidtools.charts")


def test_check_imports_only_what_it_needs(tmp_path):
    book = write_template(tmp_path, "student", {}, {"性别": "X"})
    probe = ("import sys\nfrom aidtools.cli import main\ncode = main(sys.argv[1:])\n"
             f"heavy = {NOT_FOR_CHECK!r}\n"
             "print(sorted(h for h in heavy if any(m == h or m.startswith(h + '.') for m in sys.modules)))\n"
             "sys.exit(code)")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-c", probe, "check", str(book), "--quiet"], env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_check_reads_its_file_while_it_imports(tmp_path):
    """``aidtools check FILE`` starts reading FILE before it imports pandas and the checks (their
    import then overlaps the parse), reads it once, and reports exactly what checking it in an
    ordinary process reports; an unreadable first file is reported as before."""
    import datetime as dt

    from aidtools import steps
    from aidtools.report import write_report

    book = write_template(tmp_path, "student", {}, {"身份证件号": BAD_ID}, writer="xlsxwriter")
    empty = tmp_path / "空文件.xlsx"
    empty.write_bytes(b"")
    probe = ("import sys, threading\nimport aidtools.reading.workbook as wb\nseen = []\nreal = wb.read_now\n"
             "def spy(path, limits, scanned=wb._nothing):\n"
             "    seen.append((threading.current_thread().name, 'pandas' in sys.modules))\n"
             "    return real(path, limits, scanned)\n"
             "wb.read_now = spy\nfrom aidtools.cli import main\ncode = main(sys.argv[1:])\nprint(seen)\nsys.exit(code)")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    for path, exit_code in ((book, 1), (empty, 1)):
        out = tmp_path / f"{path.stem}.json"
        done = subprocess.run([sys.executable, "-c", probe, "check", str(path), "--json", str(out), "--as-of", "20180630"],
                              env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)
        assert done.returncode == exit_code, done.stderr[-2000:]
        assert done.stdout.strip().splitlines()[-1] == "[('aidtools-read-ahead', False)]"
        got = json.loads(out.read_text(encoding="utf-8"))["files"]
        in_process = tmp_path / f"{path.stem}-in-process.json"
        write_report(steps.report(steps.check([path], steps.Options(as_of=dt.date(2018, 6, 30))), "check"), in_process)
        assert got == json.loads(in_process.read_text(encoding="utf-8"))["files"]
    assert "空文件.xlsx" in got[0]["findings"][0]["message"]


def test_the_command_line_is_built_without_pandas():
    """Every command's module is imported to build the parser: none may import pandas (or the
    checks) just for that; ``aidtools --help`` and the read-ahead of ``check`` depend on it."""
    probe = ("import sys\nfrom aidtools.cli import build_parser\nbuild_parser()\n"
             "print(sorted(m for m in ('pandas', 'pyarrow', 'yaml', 'aidtools.steps', 'aidtools.validate') if m in sys.modules))")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
