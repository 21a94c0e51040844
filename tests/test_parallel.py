"""Checking a folder on several processes gives exactly what the serial check gives, in the same order:
the same files, templates, rows, findings and normalised tables."""
from __future__ import annotations

import pandas as pd
import pytest

from builders import AS_OF, ID_OTHER, specs, write_csv, write_template, wrong_check

from aidtools.parallel import check_paths_parallel, default_workers
from aidtools.validate import check_paths


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Three departments, four templates, clean and faulty files, one unreadable file."""
    base = tmp_path_factory.mktemp("province")
    write_template(base / "机械工程学院", "student", {}, {}, name="学生基本信息.xlsx")
    write_template(base / "机械工程学院", "disbursement", {}, {"发放金额(元)": "abc"}, name="资助发放.xlsx",
                   writer="xlsxwriter")
    write_template(base / "电气工程学院", "student", {"身份证件号": wrong_check(ID_OTHER[0])}, {"民族": "汉"},
                   {"姓名": "张三 "}, name="学生基本信息.xlsx")
    write_template(base / "电气工程学院", "difficulty", {}, name="困难认定.xls", writer="xlwt")
    write_csv(base / "学生处" / "汇总.csv", [["学号", "姓名"], ["001", "张三"]])
    (base / "学生处" / "损坏.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    return base


@pytest.fixture(scope="module")
def serial(folder):
    return check_paths([folder], specs=specs(), as_of=AS_OF)


def _same(serial, parallel) -> None:
    assert [r.display_path for r in parallel] == [r.display_path for r in serial]
    for a, b in zip(serial, parallel):
        assert (b.template, b.department, b.sheet, b.rows, b.sha256, b.readable) == \
               (a.template, a.department, a.sheet, a.rows, a.sha256, a.readable)
        pd.testing.assert_frame_equal(b.findings, a.findings)
        if a.table is None:
            assert b.table is None
        else:
            pd.testing.assert_frame_equal(b.table, a.table)


def test_two_processes_equal_serial(folder, serial):
    parallel = check_paths_parallel([folder], workers=2, specs=specs(), as_of=AS_OF)
    assert len(serial) == 6 and sum(r.errors > 0 for r in serial) >= 3  # the folder really has problems
    _same(serial, parallel)


def test_workers_load_packaged_specs_themselves(folder, serial):
    """Without specs the workers use the packaged ones, as check_paths does."""
    _same(serial, check_paths_parallel([folder], workers=2, as_of=AS_OF))


def test_one_worker_runs_in_process_and_progress_sees_every_file(folder, serial):
    seen = []

    def progress(items):
        for item in items:
            seen.append(item)
            yield item

    reports = check_paths_parallel([folder], workers=1, specs=specs(), as_of=AS_OF, progress=progress)
    _same(serial, reports)
    assert len(seen) == len(reports)


def test_dask_backend_equals_serial(folder, serial):
    pytest.importorskip("dask")
    _same(serial, check_paths_parallel([folder], workers=2, specs=specs(), as_of=AS_OF, backend="dask"))


def test_dask_hands_out_one_file_at_a_time(folder, serial, monkeypatch):
    """Dask's process scheduler batches 6 tasks per hand-out by default: a folder of a few files went
    to one worker and ran serially (measured: 4 files of 100k rows took as long as 1 process)."""
    dask = pytest.importorskip("dask")
    calls = []
    compute = dask.compute

    def spy(*tasks, **kwargs):
        calls.append(kwargs)
        return compute(*tasks, **kwargs)

    monkeypatch.setattr(dask, "compute", spy)
    _same(serial, check_paths_parallel([folder], workers=2, specs=specs(), as_of=AS_OF, backend="dask"))
    assert calls == [{"scheduler": "processes", "num_workers": 2, "chunksize": 1}]


def test_nothing_to_check_and_bad_backend(tmp_path):
    assert check_paths_parallel([tmp_path]) == []
    assert default_workers(0) == 1
    with pytest.raises(ValueError):
        check_paths_parallel([tmp_path], backend="threads")
