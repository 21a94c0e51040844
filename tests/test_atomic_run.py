"""Nothing lost, nothing half-done (issue 15 item 5, output side): a run's whole output folder is written
beside OUT and swapped in when complete (aidtools.writing.staging), so a run killed at any point leaves
OUT, after start-up recovery, exactly the previous run's output or exactly a complete new one.

The swap and the recovery on plain folders first (a real SIGKILL at each point inside the swap, through
the ``AIDTOOLS_PAUSE_IN_SWAP`` hook), then ``aidtools run`` on a small generated university killed at
several points of a measured full run and once inside the swap.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aidtools.writing.staging import (NotAnOutputFolder, check_replaceable, leftovers, recover, sibling, staged,
                                      swap_into_place)

ROOT = Path(__file__).resolve().parents[1]
POSIX = os.name == "posix"


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def only_out(out: Path) -> None:
    """No staging or aside folder left beside ``out``."""
    assert not leftovers(out, "partial") and not leftovers(out, "previous"), sorted(os.listdir(out.parent))


def make(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


OLD = {"report.json": "old", "import/a.xlsx": "old a"}
NEW = {"report.json": "new", "import/a.xlsx": "new a", "report.html": "new"}


def test_swap_replaces_the_folder_and_leaves_nothing_beside(tmp_path):
    out = make(tmp_path / "out", OLD)
    stage = make(sibling(out, "partial"), NEW)
    assert swap_into_place(stage, out) == out
    assert snapshot(out) == snapshot(make(tmp_path / "expected", NEW))
    only_out(out)
    fresh = tmp_path / "fresh"  # no previous output: just the rename
    swap_into_place(make(sibling(fresh, "partial"), NEW), fresh)
    assert (fresh / "report.html").is_file()
    only_out(fresh)


def test_recovery_of_each_state_a_kill_can_leave(tmp_path):
    old, new = snapshot(make(tmp_path / "old", OLD)), snapshot(make(tmp_path / "new", NEW))
    # killed while writing the staging folder: the previous output stays, the staging folder goes
    out = make(tmp_path / "a" / "out", OLD)
    make(sibling(out, "partial", pid=999999), {"report.json": "half"})
    assert recover(out) and snapshot(out) == old
    only_out(out)
    # killed between the two renames: OUT missing, the previous one aside, the complete new one staged
    out = tmp_path / "b" / "out"
    make(sibling(out, "previous", pid=999999), OLD)
    make(sibling(out, "partial", pid=999999), NEW)
    recover(out)
    assert snapshot(out) == old
    only_out(out)
    # killed while removing the old folder: the new output stays, what is left of the old one goes
    out = make(tmp_path / "c" / "out", NEW)
    make(sibling(out, "previous", pid=999999), {"import/a.xlsx": "old a"})
    recover(out)
    assert snapshot(out) == new
    only_out(out)
    # nothing to do
    assert recover(out) == [] and recover(tmp_path / "never") == []


def test_a_failing_block_leaves_the_previous_output(tmp_path):
    out = make(tmp_path / "out", OLD)
    with pytest.raises(RuntimeError), staged(out) as stage:
        (stage / "report.json").write_text("half")
        raise RuntimeError("boom")
    assert snapshot(out) == snapshot(make(tmp_path / "old", OLD))
    only_out(out)


def test_a_folder_that_is_not_an_output_is_never_replaced(tmp_path):
    mine = make(tmp_path / "mine", {"论文.docx": "x"})
    with pytest.raises(NotAnOutputFolder), staged(mine):
        pass
    assert snapshot(mine) == {"论文.docx": hashlib.sha256(b"x").hexdigest()}
    only_out(mine)
    check_replaceable(tmp_path / "missing", ("report.json",))
    check_replaceable(make(tmp_path / "run", OLD), ("report.json",))


SWAP = textwrap.dedent("""
    import sys
    from pathlib import Path
    from aidtools.writing.staging import swap_into_place
    swap_into_place(Path(sys.argv[1]), Path(sys.argv[2]))
""")


@pytest.mark.skipif(not POSIX, reason="SIGKILL")
@pytest.mark.parametrize("point", ["before", "aside", "after"])
def test_swap_killed_at_each_point(tmp_path, point):
    out = make(tmp_path / "out", OLD)
    stage = make(tmp_path / ".out.partial-1", NEW)
    old, new = snapshot(out), snapshot(stage)
    env = dict(os.environ, AIDTOOLS_PAUSE_IN_SWAP=point)
    proc = subprocess.Popen([sys.executable, "-c", SWAP, str(stage), str(out)], env=env, cwd=ROOT,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr.readline().strip() == f"AIDTOOLS_PAUSE_IN_SWAP={point}"  # paused there
    assert {"before": out.exists() and stage.exists(), "aside": not out.exists() and stage.exists(),
            "after": out.exists() and not stage.exists()}[point]
    proc.kill()
    proc.wait()
    recover(out)
    assert snapshot(out) == (new if point == "after" else old)
    only_out(out)


# --- the real job, killed --------------------------------------------------------------------------

OUTPUT_TEMPS = (".tmp", ".ipynb")  # save_private's temporary files, papermill's executed notebook


def complete(out: Path, names: set[str]) -> None:
    """``out`` is one run's complete output: the same files as the previous run, no temporary file,
    a loadable report.json and a report.html."""
    from aidtools.report import load_report

    present = set(snapshot(out))
    assert present == names, (sorted(present - names), sorted(names - present))
    assert not [n for n in present if n.endswith(OUTPUT_TEMPS) or Path(n).name.startswith(".")]
    load_report(out / "report.json")
    assert (out / "report.html").stat().st_size > 0


@pytest.mark.slow
@pytest.mark.skipif(not POSIX, reason="SIGKILL")
def test_run_killed_at_any_point_leaves_the_previous_or_the_complete_new_output(tmp_path):
    from aidtools.history.settle import output_run_id
    from aidtools.sample import generate

    generate(tmp_path / "uni", students=300, seed=3)
    as_of = json.loads((tmp_path / "uni" / "truth.json").read_text(encoding="utf-8"))["as_of"]
    out = tmp_path / "results" / "OUT"
    history = str(tmp_path / "results" / "history.sqlite")
    command = [sys.executable, "-m", "aidtools", "run", str(tmp_path / "uni" / "submissions"), "--out", str(out),
               "--as-of", as_of, "--history", history]

    def start(**env):
        # a session of its own, so the kill reaches the run and whatever it started (not the kernel,
        # which jupyter starts in its own session and which exits when its parent is gone)
        with open(tmp_path / "run.log", "wb") as log:
            return subprocess.Popen(command, cwd=ROOT, env=dict(os.environ, **env), start_new_session=True,
                                    stdout=log, stderr=subprocess.STDOUT)

    began = time.monotonic()
    first = start()
    assert first.wait(timeout=600) == 0, (tmp_path / "run.log").read_text(encoding="utf-8", errors="replace")
    full = time.monotonic() - began
    state = snapshot(out)
    names = set(state)
    complete(out, names)
    assert any(n.startswith("import/") for n in names) and any(n.startswith("feedback/") for n in names)

    kills = [(f"{share:.0%}", share * full, {}) for share in (0.15, 0.35, 0.6, 0.85)]
    kills.append(("in the swap", None, {"AIDTOOLS_PAUSE_IN_SWAP": "aside"}))
    kills.append(("after the swap", None, {"AIDTOOLS_PAUSE_IN_SWAP": "after"}))
    seen = []
    for label, after, env in kills:
        proc = start(**env)
        if after is not None:
            time.sleep(after)
        elif env["AIDTOOLS_PAUSE_IN_SWAP"] == "aside":  # the old OUT renamed aside, the new one not yet in place
            deadline = time.monotonic() + 2 * full + 60
            while out.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not out.exists(), "the run never reached the swap"
            assert leftovers(out, "previous") and leftovers(out, "partial")  # the state a kill here leaves
        else:  # the new OUT in place, the old one aside, the round not yet confirmed
            deadline = time.monotonic() + 2 * full + 60
            while not (out.exists() and leftovers(out, "previous")) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert leftovers(out, "previous") and not leftovers(out, "partial"), "the run never got past the swap"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        recover(out)
        only_out(out)
        now = snapshot(out)
        if now == state:
            seen.append((label, "previous"))
        else:  # the new run had finished: its output, complete, not a mix
            complete(out, names)
            assert now["report.json"] != state["report.json"]
            seen.append((label, "new"))
            state = now
        # the history agrees with the folder: one complete round per output that landed, the last one OUT's
        assert rounds_of(history) == [(n, "complete") for n in range(1, 2 + sum(s == "new" for _, s in seen))], label
        assert last_run_id(history) == output_run_id(out), label
    assert dict(seen)["in the swap"] == "previous" and dict(seen)["after the swap"] == "new", seen


def rounds_of(history: str) -> list[tuple]:
    """The history's rounds and states, after settling what killed runs left."""
    import sqlalchemy as sa

    from aidtools.history import open_store, tables
    from aidtools.history.settle import settle

    store = open_store(history)
    try:
        settle(store)
        with store.read() as conn:
            return [tuple(r) for r in conn.execute(sa.select(tables.rounds.c.round, tables.rounds.c.state)
                                                   .order_by(tables.rounds.c.round))]
    finally:
        store.close()


def last_run_id(history: str) -> str | None:
    import sqlalchemy as sa

    from aidtools.history import open_store, tables

    store = open_store(history)
    try:
        with store.read() as conn:
            return conn.execute(sa.select(tables.rounds.c.run_id).order_by(tables.rounds.c.round.desc())).first()[0]
    finally:
        store.close()


def test_run_and_merge_refuse_a_folder_that_is_not_an_output(tmp_path, capsys):
    from aidtools.cli import main

    (tmp_path / "subs").mkdir()
    mine = make(tmp_path / "mine", {"论文.docx": "x"})
    assert main(["run", str(tmp_path / "subs"), "--out", str(mine), "--no-html"]) == 2
    assert main(["merge", str(tmp_path / "subs"), "--out", str(mine)]) == 2
    assert "不是 aidtools 的输出" in capsys.readouterr().err
    assert set(snapshot(mine)) == {"论文.docx"}
    only_out(mine)
