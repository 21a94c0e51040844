"""The history of rounds (aidtools.history): findings followed across rounds, timeliness, accuracy, the
store's privacy, migrations, concurrent runs and ``aidtools history``; on SQLite always and on PostgreSQL
when ``make postgres`` started one (build/postgres.url, or $AIDTOOLS_TEST_POSTGRES). Under CI=true a
missing PostgreSQL fails the PostgreSQL tests instead of skipping them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from builders import CARD, ID_OTHER, ID_X, Sheet, rows_for, spec_of, valid_tasks, write_book, write_template

from aidtools import steps
from aidtools.cli import main
from aidtools.history import diff_rounds, list_rounds, open_store
from aidtools.history import migrations
from aidtools.job import run_job

ROOT = Path(__file__).resolve().parents[1]
PG_URL_FILE = ROOT / "build" / "postgres.url"


def postgres_url() -> str | None:
    url = os.environ.get("AIDTOOLS_TEST_POSTGRES")
    if not url and PG_URL_FILE.is_file():
        url = PG_URL_FILE.read_text(encoding="utf-8").strip()
    if not url:
        return None
    try:
        engine = sa.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception:  # noqa: BLE001 - said below
        return None
    return url


def _reset(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    """A fresh, empty history: an SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        return str(tmp_path / "history" / "aidtools-history.sqlite")
    url = postgres_url()
    if url is None:
        message = ("PostgreSQL 测试服务器不可用：请运行 make postgres（需要 Debian 软件包 postgresql），"
                   f"或在 AIDTOOLS_TEST_POSTGRES / {PG_URL_FILE} 中给出数据库地址")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    _reset(url)
    return url


# ---- a small university over two rounds ----------------------------------------------------------------

TASKS = [("学生基本信息", "student", "学生处"), ("家庭经济困难学生认定", "difficulty", "学生处"),
         ("国家助学金发放", "disbursement", "学生资助管理中心"), ("国家助学贷款", "loan", "学生处")]


def university(root: Path, rnd: int) -> Path:
    """Round 1: 学号 0012346 has a bad 性别, 0012347 a bad 出生日期, a payment to 0099999 who is not enrolled,
    a loan with a bad 放款日期. Round 2: a new student comes first (every row moves down one), 性别 and the loan
    are fixed, 0012348 gets a bad 民族; 出生日期 and the payment stay wrong."""
    sub = root / f"round{rnd}"
    students = [{}, {"性别": "X"}, {"出生日期": "19991345"}, {}]
    if rnd == 2:
        students = [{}, {}, {"出生日期": "19991345"}, {"民族": "火星族"}]
    sheet = rows_for("student", *students)
    if rnd == 2:
        extra = rows_for("student", *([{}] * 5))[5]
        extra[spec_of("student").headers.index("学号")] = "0099990"
        sheet.insert(1, extra)
    write_book(sub / "学生处" / "学生基本信息.xlsx", sheets=[Sheet(spec_of("student").sheet, sheet)])
    write_template(sub / "学生处", "difficulty", {}, {}, {}, {}, name="困难认定.xlsx")
    write_template(sub / "学生处", "loan", {"放款日期": "20171345"} if rnd == 1 else {}, name="国家助学贷款.xlsx")
    write_template(sub / "学生资助管理中心", "disbursement", {}, {"学号": "0099999"}, name="国家助学金.xlsx")
    headers = spec_of("tasks").headers
    tasks = [dict(valid_tasks(k), 数据项=item, 模板=template, 责任部门=dept) for k, (item, template, dept) in enumerate(TASKS)]
    write_book(root / "tasks.xlsx", sheets=[Sheet(spec_of("tasks").sheet, [list(headers)] + [[t[h] for h in headers] for t in tasks])])
    return sub


def two_rounds(root: Path, target: str):
    r1 = run_job(university(root, 1), root / "o1", steps.options(as_of="20180625"), tasks=root / "tasks.xlsx",
                 html=False, history=target)
    r2 = run_job(university(root, 2), root / "o2", steps.options(as_of="20180705"), tasks=root / "tasks.xlsx",
                 html=False, history=target)
    return r1, r2


def _sig(found) -> set[tuple]:
    return {(f.rule, f.department, f.template, f.record, f.field, f.first_round) for f in found}


def test_findings_followed_across_rounds(backend, tmp_path):
    r1, r2 = two_rounds(tmp_path, backend)
    assert r1.history.round == 1 and r1.history.previous_round is None
    assert r2.history.round == 2 and r2.history.previous_round == 1
    h = r2.history
    assert _sig(h.fixed) == {("cell.code", "学生处", "student", "001*346", "性别", 1),
                             ("cell.type", "学生处", "loan", "001*345 / 2017-2018", "放款日期", 1)}
    assert _sig(h.new) == {("cell.code", "学生处", "student", "001*348", "民族", 2)}
    assert _sig(h.still_open) == {
        ("cell.type", "学生处", "student", "001*347", "出生日期", 1),
        ("rec.not_enrolled", "机械工程学院", "disbursement", "009*999 / 国家助学金 / 2017-2018", None, 1),
        ("rec.not_difficult", "机械工程学院", "disbursement", "009*999 / 国家助学金 / 2017-2018", None, 1)}
    # the same finding on another row: found by its record, not its row number
    moved = next(f for f in h.still_open if f.field == "出生日期")
    assert moved.row == 5 and next(f for f in r1.history.new if f.field == "出生日期").row == 4
    changes = {c.department: (c.fixed, c.new, c.still_open) for c in h.changes}
    assert changes == {"学生处": (2, 1, 1), "机械工程学院": (0, 0, 2)}
    assert [(r.round, r.as_of, r.items_passed, r.items) for r in h.rounds] == [(1, "2018-06-25", 1, 4),
                                                                              (2, "2018-07-05", 2, 4)]
    fixed, new, still = diff_rounds(open_store(backend), 1, 2)
    assert _sig(fixed) == _sig(h.fixed) and _sig(new) == _sig(h.new) and _sig(still) == _sig(h.still_open)
    # report.json carries it and validates against the schema (the tests' strict reports)
    saved = json.loads((tmp_path / "o2" / "report.json").read_text(encoding="utf-8"))
    assert saved["history"]["round"] == 2 and len(saved["history"]["still_open"]) == 3


def test_timeliness_and_accuracy(backend, tmp_path):
    _, r2 = two_rounds(tmp_path, backend)
    items = {t.item: (t.first_submitted, t.first_passed, t.first_passed_round, t.rounds_to_pass, t.days_late, t.state)
             for t in r2.history.items}
    assert items == {
        "学生基本信息": ("2018-06-25", None, None, None, 5, "open"),
        "家庭经济困难学生认定": ("2018-06-25", "2018-06-25", 1, 1, 0, "on_time"),
        "国家助学金发放": ("2018-06-25", None, None, None, 5, "open"),
        "国家助学贷款": ("2018-06-25", "2018-07-05", 2, 2, 5, "late"),
    }
    departments = {d.department: (d.items, d.on_time, d.late, d.open) for d in r2.history.departments}
    assert departments == {"学生处": (3, 1, 1, 1), "学生资助管理中心": (1, 0, 0, 1)}
    accuracy = {(a.round, a.department): (a.rows, a.errors, a.errors_per_100_rows) for a in r2.history.accuracy}
    # rows: 学生处 4 students + 4 hardship + 1 loan (round 2: 5 students); rec errors count for the sender
    assert accuracy == {(1, "学生处"): (9, 3, 33.33), (1, "学生资助管理中心"): (2, 2, 100.0),
                        (2, "学生处"): (10, 2, 20.0), (2, "学生资助管理中心"): (2, 2, 100.0)}


def _texts(url_or_path: str) -> list[str]:
    store = open_store(url_or_path)
    out = []
    with store.read() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        for table in meta.sorted_tables:
            text_columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text))]
            for row in conn.execute(sa.select(*text_columns)) if text_columns else ():
                out += [v for v in row if isinstance(v, str)]
    store.close()
    return out


def test_store_holds_no_full_id_card_mobile_or_name(backend, tmp_path):
    two_rounds(tmp_path, backend)
    texts = _texts(backend)
    assert len(texts) > 100
    secrets = [ID_X, *ID_OTHER[:6], CARD, "13812345678", "阿依古丽·买买提", "阿依古丽", "买买提"]
    for secret in secrets:
        leaked = [t for t in texts if secret in t]
        assert not leaked, (secret, leaked[:3])
    store = open_store(backend)
    with store.read() as conn:  # record keys: a digest and a shortened display form, never the full 学号
        records = [r for (r,) in conn.execute(sa.text("SELECT record FROM findings")) if r]
    store.close()
    assert records and not [r for r in records if "0012347" in r or "0099999" in r]


def test_history_of_the_previous_schema_is_migrated(backend):
    store = open_store(backend, migrate=False)
    with store.write() as conn:
        migrations.upgrade(conn, "0001")
        conn.execute(sa.text("INSERT INTO rounds (round, recorded_at, as_of, files, rows, errors, rec_errors) "
                             "VALUES (1, '2018-06-01T09:00:00+08:00', '2018-06-01', 2, 10, 1, 0)"))
        conn.execute(sa.text("INSERT INTO findings (round, key, kind, rule, severity, department, template, record) "
                             "VALUES (1, 'k1', 'check', 'cell.code', 'error', '学生处', 'student', '001*346')"))
    with store.read() as conn:
        assert migrations.current(conn) == "0001"
        assert "progress" not in sa.inspect(conn).get_table_names()
    store.close()
    store = open_store(backend)  # the current code migrates at open and keeps the data
    with store.read() as conn:
        assert migrations.current(conn) == migrations.HEAD
        assert {"merge_accounts", "progress"} <= set(sa.inspect(conn).get_table_names())
    assert [(r.round, r.as_of, r.errors, r.items) for r in list_rounds(store)] == [(1, "2018-06-01", 1, 0)]
    fixed, new, still = diff_rounds(store, None, 1)
    assert [(f.key, f.rule, f.record, f.first_round) for f in new] == [("k1", "cell.code", "001*346", 1)]
    store.close()


def test_history_command(tmp_path, capsys):
    target = str(tmp_path / "h.sqlite")
    two_rounds(tmp_path, target)
    capsys.readouterr()
    assert main(["history", "--history", target]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("历史库：") and "共 2 轮" in lines[0]
    assert lines[1].startswith("第 1 轮") and "截至 2018-06-25" in lines[1] and "任务 1/4 项已通过" in lines[1]
    assert lines[2].startswith("第 2 轮") and len(lines) == 3
    out = tmp_path / "diff.json"
    assert main(["history", "diff", "--history", target, "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "第 1 轮 → 第 2 轮：已改正 2 条，新增 1 条，仍未改正 3 条" in text
    assert "学生处：已改正 2 条，新增 1 条，仍未改正 1 条" in text
    from aidtools.rules import RULES
    assert f"cell.code {RULES['cell.code'].title}" in text and "（自第 1 轮）" in text  # rule ids beside Chinese titles
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["from"], data["to"]) == (1, 2)
    assert [(f["rule"], f["record"]) for f in data["new"]] == [("cell.code", "001*348")]
    assert {f["rule"] for f in data["fixed"]} == {"cell.code", "cell.type"}
    assert sorted((f["rule"], f["first_round"]) for f in data["still_open"]) == [
        ("cell.type", 1), ("rec.not_difficult", 1), ("rec.not_enrolled", 1)]
    assert all({"rule", "severity", "department", "template", "record"} <= set(f) for f in data["fixed"] + data["new"])
    assert main(["history", "diff", "1", "2", "--history", target]) == 0
    assert main(["history", "diff", "7", "--history", target]) == 2
    assert main(["history", "--history", str(tmp_path / "none.sqlite")]) == 2


def test_concurrent_runs_on_one_sqlite_file(tmp_path):
    """Two `aidtools run` at once on one history: both rounds recorded (one waits for the other), or a run
    refused with a Chinese message; never a broken store."""
    sub = university(tmp_path, 1)
    target = tmp_path / "shared.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "aidtools", "run", str(sub), "--tasks", str(tmp_path / "tasks.xlsx"),
           "--as-of", "20180625", "--no-html", "--history", str(target)]
    runs = [subprocess.Popen(cmd + ["--out", str(tmp_path / f"out{k}")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, cwd=tmp_path) for k in range(2)]
    done = [(p.wait(timeout=600), p.stdout.read(), p.stderr.read()) for p in runs]
    assert all(code == 0 for code, _, _ in done), [e[-2000:] for _, _, e in done]
    recorded = [out for _, out, _ in done if "历史库：" in out and "轮" in out]
    refused = [err for _, _, err in done if "正被另一次运行占用" in err or "本轮未记录" in err]
    assert len(recorded) + len(refused) == 2
    rounds = list_rounds(open_store(target))
    assert [r.round for r in rounds] == list(range(1, len(recorded) + 1))
    assert all(r.files == 4 and r.errors == rounds[0].errors for r in rounds)


def test_run_prints_where_the_history_is_and_no_history_writes_none(tmp_path):
    sub = university(tmp_path, 1)
    cmd = ["run", str(sub), "--as-of", "20180625", "--no-html", "--tasks", str(tmp_path / "tasks.xlsx")]
    assert main(cmd + ["--out", str(tmp_path / "a" / "out"), "--no-history"]) == 0
    assert not (tmp_path / "a" / "aidtools-history.sqlite").exists()
    assert main(cmd + ["--out", str(tmp_path / "b" / "out")]) == 0
    assert (tmp_path / "b" / "aidtools-history.sqlite").is_file()
    assert (tmp_path / "b" / "aidtools-history.sqlite").stat().st_mode & 0o077 == 0


def test_report_xlsx_has_the_history_sheets(tmp_path):
    from openpyxl import load_workbook

    two_rounds(tmp_path, str(tmp_path / "h.sqlite"))
    wb = load_workbook(tmp_path / "o2" / "report.xlsx", read_only=True)
    assert {"与上一轮相比", "及时性", "及时性（按部门）", "准确性"} <= set(wb.sheetnames)
    changes = list(wb["与上一轮相比"].values)
    assert changes[0][:4] == ("变化", "部门/院系", "模板编号", "规则")
    assert sorted(r[0] for r in changes[1:]) == sorted(["已改正"] * 2 + ["新增"] + ["仍未改正"] * 3)
    timeliness = list(wb["及时性"].values)
    assert "首次通过" in timeliness[0] and any("逾期通过" in r for r in timeliness[1:])
    accuracy = list(wb["准确性"].values)
    assert accuracy[0] == ("轮次", "数据截至", "部门/院系", "数据行", "错误", "每百行错误数") and len(accuracy) == 5


def _paused_run(sub: Path, out: Path, target: str, tasks: Path, point: str) -> subprocess.Popen:
    """``aidtools run`` into ``out`` paused in its swap at ``point`` (aidtools.writing.staging's hook)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), AIDTOOLS_PAUSE_IN_SWAP=point)
    proc = subprocess.Popen([sys.executable, "-m", "aidtools", "run", str(sub), "--out", str(out), "--tasks", str(tasks),
                             "--as-of", "20180705", "--no-html", "--history", target],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    for line in proc.stderr:  # the cue comes once the round is recorded and the output complete
        if line.startswith(f"AIDTOOLS_PAUSE_IN_SWAP={point}"):
            return proc
    raise AssertionError(f"the run ended before the swap: {proc.wait()}")


def _states(target: str) -> list[tuple]:
    from aidtools.history import tables as T

    store = open_store(target)
    try:
        with store.read() as conn:
            return [tuple(r) for r in conn.execute(sa.select(T.rounds.c.round, T.rounds.c.state).order_by(T.rounds.c.round))]
    finally:
        store.close()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_round_counts_once_its_output_is_in_place(backend, tmp_path, capsys):
    """A run records its round pending and completes it after its output folder is swapped in; a run killed
    before that leaves no round (settled once its process is gone), one killed after it leaves a complete
    round; a run still going is not counted by anyone else meanwhile."""
    import signal

    from aidtools.history.settle import output_run_id, settle

    r1 = run_job(university(tmp_path, 1), tmp_path / "o1", steps.options(as_of="20180625"), tasks=tmp_path / "tasks.xlsx",
                 html=False, history=backend)
    assert r1.history.run_id == output_run_id(tmp_path / "o1") and _states(backend) == [(1, "complete")]
    sub2, out = university(tmp_path, 2), tmp_path / "o2"

    # paused before the swap: its round is recorded, pending, and counts for no one else
    proc = _paused_run(sub2, out, backend, tmp_path / "tasks.xlsx", "before")
    assert _states(backend) == [(1, "complete"), (2, "pending")]
    store = open_store(backend)
    assert settle(store) == [] and [r.round for r in list_rounds(store)] == [1]
    store.close()
    assert main(["history", "--history", backend]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "共 1 轮" in listed[0] and listed[-1].startswith("（第 2 轮未计入：") and str(out) in listed[-1]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    store = open_store(backend)
    assert settle(store) == ["第 2 轮的运行已中断、输出未就位（%s），已从历史库删除" % out]
    store.close()
    assert _states(backend) == [(1, "complete")] and not out.exists()

    # killed after the swap, before it could say so: the output is in place, so the round is complete
    proc = _paused_run(sub2, out, backend, tmp_path / "tasks.xlsx", "after")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _states(backend) == [(1, "complete"), (2, "pending")]
    r3 = run_job(sub2, tmp_path / "o3", steps.options(as_of="20180705"), tasks=tmp_path / "tasks.xlsx", html=False,
                 history=backend)  # settles first, then records its own round
    assert _states(backend) == [(1, "complete"), (2, "complete"), (3, "complete")]
    assert output_run_id(out) is not None and r3.history.previous_round == 2
    assert [r.round for r in r3.history.rounds] == [1, 2, 3] and not r3.history.new
