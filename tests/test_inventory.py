"""Every file in the submissions folder is accounted for (aidtools.inventory): workbooks of every
format are checked, a .zip's workbooks are checked as its department's, and everything else is
named in report.json, report.html and the department's feedback folder with what to do.

The folder is a mix of the hostile corpus's odd-but-valid workbooks (tests/hostile.py: .ods by
pandas+odfpy, the committed .xlsb, backslash part names, a minimal package, BIFF4, a macro sheet),
a .zip of workbooks, and the files departments send besides (.et, .docx, .pdf, lock, hidden and
system files, a .rar, a damaged zip).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import hostile
from builders import Sheet, rows_for, write_book

from aidtools.inventory import take_inventory
from aidtools.reading import Limits

ROOT = Path(__file__).resolve().parents[1]
DEPARTMENT = "机械工程学院"
ODD_BOOKS = [hostile.ods_by_pandas, hostile.xlsb_fixture, hostile.backslash_names, hostile.relocated_workbook,
             hostile.old_excel, hostile.macro_sheet, hostile.unknown_codepage]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")


def _aidtools(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aidtools", *map(str, args)], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=600)


def _zip_of_workbooks(path: Path) -> list[str]:
    """Two workbooks (openpyxl and xlsxwriter) in a folder, a PDF, a zip inside, a name escaping with ``..``."""
    books = path.parent / "_books"
    books.mkdir()
    one = hostile.student_book(books / "a.xlsx")
    two = write_book(books / "b.xlsx", writer="xlsxwriter", sheets=[Sheet("学生基本信息", rows_for("student", n=2))])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(one, "名单/学生一.xlsx")
        z.write(two, "学生二.xlsx")
        z.writestr("说明.pdf", b"%PDF-1.4\n")
        z.writestr("再压缩.zip", b"PK\x05\x06" + b"\0" * 18)
        z.writestr("../../逃出.xlsx", one.read_bytes())
    for f in books.iterdir():
        f.unlink()
    books.rmdir()
    return ["名单/学生一.xlsx", "学生二.xlsx", "说明.pdf", "再压缩.zip", "../../逃出.xlsx"]


# name: (outcome, reason or None, what the message must say)
EXPECTED = {
    "LibreOffice.ods": ("checked", None, None), "二进制.xlsb": ("checked", None, None),
    "反斜杠.xlsx": ("checked", None, None), "最小包.xlsx": ("checked", None, None),
    "Excel4.xls": ("unreadable", "old_excel", "Excel 2.x–4.0"), "宏表.xlsm": ("unreadable", "macro_sheet", "宏表"),
    "代码页.xls": ("unreadable", "codepage", "代码页 8001"),
    "名单.et": ("not_checked", None, "另存为"), "情况说明.docx": ("not_checked", None, "模板"),
    "证明.pdf": ("not_checked", None, "模板"), "~$学生.xlsx": ("ignored", None, "临时文件"),
    ".隐藏.xlsx": ("ignored", None, "文件名"), "Thumbs.db": ("ignored", None, "系统"),
    "材料.rar": ("not_checked", None, ".zip"), "坏.zip": ("refused", None, "损坏"),
    "材料.zip": ("expanded", None, "5 个文件"),
    "材料.zip/名单/学生一.xlsx": ("checked", None, None), "材料.zip/学生二.xlsx": ("checked", None, None),
    "材料.zip/说明.pdf": ("not_checked", None, "模板"), "材料.zip/再压缩.zip": ("not_checked", None, "解压"),
    "材料.zip/../../逃出.xlsx": ("refused", None, "路径不安全"),
}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed") / "提交"
    dep = folder / DEPARTMENT
    dep.mkdir(parents=True)
    for build in ODD_BOOKS:
        build(dep)
    (dep / "名单.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    hostile.docx_like(dep)
    (dep / "情况说明.xlsx").rename(dep / "情况说明.docx")
    (dep / "证明.pdf").write_bytes(b"%PDF-1.4\n")
    (dep / "~$学生.xlsx").write_bytes(b"\x0cuser" + b"\0" * 150)
    (dep / ".隐藏.xlsx").write_bytes(hostile.student_bytes(2))
    (dep / "Thumbs.db").write_bytes(b"\0" * 64)
    (dep / "材料.rar").write_bytes(b"Rar!\x1a\x07\x00")
    (dep / "坏.zip").write_bytes(b"PK\x03\x04" + b"\x99" * 40)
    _zip_of_workbooks(dep / "材料.zip")
    other = folder / "文学院"
    other.mkdir()
    hostile.student_book(other / "学生.xlsx", n=2)
    out = tmp_path_factory.mktemp("out") / "run"
    run = _aidtools("run", folder, "--out", out, "--no-history", "--as-of", "20180630")
    report = json.loads((out / "report.json").read_text(encoding="utf-8")) if (out / "report.json").exists() else None
    return folder, out, run, report


def _on_disk(folder: Path) -> set[str]:
    return {(Path(root) / name).relative_to(folder).as_posix() for root, _, files in os.walk(folder) for name in files}


def test_run_ends_well_and_writes_the_reports(mixed):
    _, out, run, report = mixed
    assert run.returncode in (0, 1), run.stderr[-3000:]
    assert "Traceback" not in run.stdout + run.stderr
    assert report is not None and (out / "report.html").is_file()


def test_every_path_in_the_folder_is_in_the_report(mixed):
    folder, _, _, report = mixed
    found = {f["path"] for f in report["found"]}
    outside_zips = {p for p in found if not any(p.startswith(z + "/") for z in found if z.endswith(".zip"))}
    assert outside_zips == _on_disk(folder)
    members = {p.split("材料.zip/", 1)[1] for p in found if "材料.zip/" in p}
    with zipfile.ZipFile(folder / DEPARTMENT / "材料.zip") as z:
        assert members == set(z.namelist())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_file_gets_its_outcome_and_message(name, mixed):
    _, _, _, report = mixed
    outcome, reason, says = EXPECTED[name]
    entry = {f["path"]: f for f in report["found"]}[f"{DEPARTMENT}/{name}"]
    assert (entry["outcome"], entry["reason"]) == (outcome, reason), entry
    assert entry["department"] == DEPARTMENT
    if says:
        assert says in entry["message"], entry
    if outcome in ("checked", "unreadable"):
        files = {f["path"]: f for f in report["files"]}
        assert f"{DEPARTMENT}/{name}" in files
        assert files[f"{DEPARTMENT}/{name}"]["department"] == DEPARTMENT
        if outcome == "checked":
            assert files[f"{DEPARTMENT}/{name}"]["template"] == "student", files[f"{DEPARTMENT}/{name}"]["findings"]


def test_zip_members_are_checked_as_the_departments(mixed):
    _, out, _, report = mixed
    files = {f["path"]: f for f in report["files"]}
    member = files[f"{DEPARTMENT}/材料.zip/学生二.xlsx"]
    assert member["errors"] == 0 and member["department"] == DEPARTMENT
    assert not (out.parent / "逃出.xlsx").exists() and not (out / "逃出.xlsx").exists()


def test_the_department_is_told_what_was_not_checked(mixed):
    _, out, _, report = mixed
    note = (out / "feedback" / DEPARTMENT / "未检查的文件.txt").read_text(encoding="utf-8-sig")
    for name, (outcome, _, says) in EXPECTED.items():
        if outcome in ("not_checked", "ignored", "refused"):
            assert name in note and says in note, (name, note)
    assert "学生一.xlsx" not in note  # checked: its own feedback workbook says the rest
    assert not (out / "feedback" / "文学院" / "未检查的文件.txt").exists()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "未检查的文件" in html and "名单.et" in html and "材料.rar" in html


def test_no_message_names_library_internals(mixed):
    _, _, run, report = mixed
    texts = [f["message"] or "" for f in report["found"]]
    texts += [x["message"] for f in report["files"] for x in f["findings"]]
    for text in texts + [run.stdout, run.stderr]:
        for word in ("CalamineError", "Cfb error", "BadZipFile", "KeyError", "Unrecognized sheet"):
            assert word not in text, text


def test_a_folder_of_ods_files_is_checked(tmp_path):
    folder = tmp_path / "提交" / "文学院"
    folder.mkdir(parents=True)
    hostile.ods_by_pandas(folder)
    run = _aidtools("check", folder.parent, "--json", tmp_path / "r.json", "--as-of", "20180630")
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [(f["path"], f["template"], f["format"]) for f in report["files"]] == [("文学院/LibreOffice.ods", "student", "ods")]


def test_nothing_readable_names_what_was_found(tmp_path):
    folder = tmp_path / "提交"
    folder.mkdir()
    (folder / "名单.et").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 60)
    (folder / "说明.pdf").write_bytes(b"%PDF")
    (folder / "~$名单.xlsx").write_bytes(b"x")
    run = _aidtools("check", folder)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "没有找到可读取的文件" in run.stderr
    for name in ("名单.et", "说明.pdf", "~$名单.xlsx", "另存为"):
        assert name in run.stderr, run.stderr
    empty = tmp_path / "空"
    empty.mkdir()
    assert "文件夹是空的" in _aidtools("check", empty).stderr


def test_a_zip_over_the_limits_is_refused_whole(tmp_path):
    folder = tmp_path / "提交" / "文学院"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "大.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("学生.xlsx", b"\0" * (3 * 1024**2))
    inventory = take_inventory([folder.parent], Limits(max_uncompressed_bytes=1024**2))
    assert inventory.targets == []
    (item,) = inventory.items
    assert (item.path, item.outcome) == ("文学院/大.zip", "refused") and "压缩炸弹" in item.message
    ratio = take_inventory([folder.parent], Limits(min_bomb_bytes=1024**2, max_compression_ratio=10))
    assert [i.outcome for i in ratio.items] == ["refused"] and "压缩比" in ratio.items[0].message
    ok = take_inventory([folder.parent])
    assert [t.display for t in ok.targets] == ["文学院/大.zip/学生.xlsx"] and ok.targets[0].department == "文学院"


def test_gbk_member_names_are_read_as_the_sender_wrote_them(tmp_path):
    """Zips made on Chinese Windows store GBK names without the UTF-8 flag."""
    path = tmp_path / "提交" / "文学院" / "材料.zip"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("XXXXXXXX.xlsx", hostile.student_bytes(2))
    data = path.read_bytes().replace(b"XXXXXXXX", "学生名单".encode("gbk"))
    path.write_bytes(data)
    inventory = take_inventory([path.parent.parent])
    assert [t.display for t in inventory.targets] == ["文学院/材料.zip/学生名单.xlsx"]
