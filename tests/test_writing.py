"""The low-level writing package (owner-only folders and files) and the table workbook built on it."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from aidtools.outputs.tables import write_table_workbook
from aidtools.writing.private import private_dir, save_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---- save_private -----------------------------------------------------------------------------

def test_save_private_makes_missing_folders_owner_only_and_leaves_an_existing_one(tmp_path):
    os.chmod(tmp_path, 0o755)
    old = os.umask(0o022)
    try:
        inside = save_private(lambda p: p.write_text("x"), tmp_path / "a" / "b" / "x.txt")
        beside = save_private(lambda p: p.write_text("y"), tmp_path / "y.txt")
    finally:
        os.umask(old)
    assert (mode(inside), mode(inside.parent), mode(inside.parent.parent)) == (0o600, 0o700, 0o700)
    assert mode(beside) == 0o600 and mode(tmp_path) == 0o755  # a folder that existed keeps its mode


def test_save_private_replaces_the_target_and_leaves_nothing_when_writing_fails(tmp_path):
    target = tmp_path / "out.txt"
    save_private(lambda p: p.write_text("old"), target)
    save_private(lambda p: p.write_text("new"), target)
    assert target.read_text() == "new"

    def broken(p):
        p.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        save_private(broken, target)
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_save_private_into_a_file_is_not_a_directory(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        save_private(lambda p: p.write_text("y"), tmp_path / "file" / "y.txt")
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "file" / "below")


# ---- write_table_workbook ---------------------------------------------------------------------

def test_table_workbook_sheets_values_and_mode(tmp_path):
    files = pd.DataFrame({"文件": ["甲学院/贷款.xlsx", "@SUM(A1)"], "行数": np.array([3, 12], dtype=np.int64),
                          "金额": [1.5, np.nan], "部门": ["甲学院", None]})
    rows = pd.DataFrame({"身份证件号": ["110101199003071234"], "学号": ["00123"], "次数": pd.array([None], "Int64")})
    out = write_table_workbook({"暂缓的文件": files, "有错误的行": rows}, tmp_path / "import" / "暂缓合并清单.xlsx")
    assert mode(out) == 0o600 and mode(out.parent) == 0o700
    wb = load_workbook(out)
    assert wb.sheetnames == ["暂缓的文件", "有错误的行"]
    ws = wb["暂缓的文件"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["文件", "行数", "金额", "部门"], ["甲学院/贷款.xlsx", 3, 1.5, "甲学院"], ["@SUM(A1)", 12, None, None]]
    assert ws["A3"].data_type == "s" and ws["A3"].quotePrefix  # formula-like text never runs
    assert ws["A1"].font.bold and ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D3"
    ws = wb["有错误的行"]
    # long digit strings and leading zeros stay text
    assert [c.value for c in ws[2]] == ["110101199003071234", "00123", None]
    assert ws["A2"].data_type == "s"


def test_table_workbook_empty_frame_and_no_sheets(tmp_path):
    out = write_table_workbook({"空": pd.DataFrame(columns=["文件"])}, tmp_path / "t.xlsx")
    assert [[c.value for c in row] for row in load_workbook(out)["空"].iter_rows()] == [["文件"]]
    with pytest.raises(ValueError):
        write_table_workbook({}, tmp_path / "none.xlsx")
    assert not (tmp_path / "none.xlsx").exists()
