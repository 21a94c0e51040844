"""The second round of the synthetic university: the same departments two weeks later.

``generate(out, ..., rounds=2)`` writes round 1 into ``OUT/`` exactly as ``rounds=1`` does, then
``OUT/round2/`` (``submissions/``, ``tasks.xlsx`` — a copy of round 1's —, ``truth.json``) as of
round 1's as_of + 14 days. Between the rounds:

- most cell mistakes are fixed: the department corrected the cell (the plant's override is removed).
  Which ones is drawn from a stream of its own (``SeedSequence([seed, 2])``): of the fixable plants
  in a shuffled order every 4th stays open. Fixable are the plants of :data:`plant.KINDS` that change
  a cell and the allocation notice space; inserted rows (``row.duplicate``) and file/template-level
  plants (renamed sheet or header, merged cells, hidden row, formulas, Excel date cells, empty
  template, zero-byte file, unknown workbook) stay open; the truncated copy is "fixed" by not being
  sent again (``fix: "file not sent again"``);
- one late department (:data:`LATE_FIXER` picks it: the first college task that failed in round 1
  only through fixable plants, past its deadline) fixes all of its files in round 2, after the deadline;
- :data:`NEW_MISTAKES` new cell mistakes go into rows not used before (never in that department);
- every file that changed is saved again between the two as_of dates (newer modification time);
- reconciliation (``rec.*``, allocation) and merge plants are left as they are: still open;
- the 临时困难补助 of :data:`departments.LATE_COLLEGE` is still not sent.

Round 2's ``truth.json`` has round 1's shape plus ``round: 2``, ``previous: "../truth.json"``,
``changes`` and ``tasks`` (see :func:`changes_truth` and :func:`task_truth`).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np

from aidtools.rules import RULES
from aidtools.sample.departments import MAIN_COLLEGES
from aidtools.sample.mess import SUPERSEDED
from aidtools.sample.plant import KINDS, CellPlanter, Spot
from aidtools.sample.sheets import World, columns_for

ROUND2_DAYS = 14
KEEP_OPEN_EVERY = 4
NEW_MISTAKES = 3
FIXABLE = {k.name for k in KINDS if k.name != "difficulty.duplicate_row"} | {"allocation.notice_space"}
WITHDRAWN = {"file.truncated_copy"}  # fixed by not sending the file again


def _native(v):
    return v.item() if hasattr(v, "item") else v


class Keys:
    """The template's first unique key of a planted row, from the world's (unplanted) values."""

    def __init__(self, world: World):
        self.world, self._cols = world, {}

    def record(self, sub, pos) -> dict | None:
        if pos is None or pos < 0 or not sub.template or sub.template not in self.world.specs or not len(sub.rows):
            return None
        spec = self.world.specs[sub.template]
        if not spec.unique:
            return None
        cached = self._cols.get(id(sub))
        if cached is None or cached[0] is not sub.rows:
            cached = self._cols[id(sub)] = (sub.rows, columns_for(self.world, sub))
        cols = cached[1]
        return {h: _native(cols[h][pos]) for h in spec.unique[0]}


def _cell_item(entry: dict, spot: Spot, keys: Keys) -> dict:
    return {"kind": "cell", "rule": entry["rule"], "severity": entry["severity"], "department": spot.sub.department,
            "template": spot.sub.template, "file": entry["file"], "row": entry["row"], "column": entry["column"],
            "field": entry["field"], "record": keys.record(spot.sub, spot.pos), "plant": entry["plant"]}


def _other_item(entry: dict) -> dict:
    """A rec or merge plant as a change item (it stays open); record: the payment's or group's key."""
    if entry["kind"] == "merge":
        record = {"学号": entry["student_no"], "资助项目": entry["programme"], "资助学年": entry["academic_year"],
                  "发放批次": entry["batch"]}
        department, files = None, entry["files"]
    elif entry.get("student_no") is None:
        record = {"资助项目": entry["programme"], "资助学年": entry["academic_year"], "院系": entry["department"]}
        department, files = entry["department"], None
    else:
        record = {"学号": entry["student_no"], "资助项目": entry["programme"], "资助学年": entry["academic_year"]}
        if entry.get("batch") is not None:
            record["发放批次"] = entry["batch"]
        department, files = entry["department"], None
    item = {"kind": entry["kind"], "rule": entry["rule"], "severity": entry["severity"], "department": department,
            "template": None, "file": None, "row": None, "column": None, "field": None, "record": record}
    if files:
        item["files"] = files
    return item


# ---------------------------------------------------------------- task status
ITEM_OF_TABLE = {"students": "学生基本信息", "difficulty": "家庭经济困难学生认定", "loan": "国家助学贷款",
                 "allocation": "资金下达"}
ANY_PAYMENT = "资助发放"  # a task item for every payment a department sends (分校学生处)
SUBSYSTEMS = ("本专科", "研究生")


def _programme_of_item(item: str) -> str | None:
    """``国家助学金发放`` → ``国家助学金``; None for an item naming no single programme."""
    return item[:-2] if item.endswith("发放") and item != ANY_PAYMENT else None


def served_tasks(world: World, sub) -> set[tuple[str, str, str]]:
    """The task items (子系统, 数据项, 责任部门) a file serves, from what it holds (as the task table means it):
    its department; its data item (a payment file: ``<资助项目>发放`` for each programme it pays, and
    ``资助发放``); the subsystems of its students (both when it has none, as the fund allocation)."""
    sids = world.sids(sub)
    sids = sids[sids >= 0]
    subsystems = set(np.asarray(world.st["subsystem"])[sids].tolist()) or set(SUBSYSTEMS)
    if sub.table == "disbursement":
        programmes = set(world.disb["programme"].to_numpy()[sub.rows].tolist())
        items = {f"{p}发放" for p in programmes} | ({ANY_PAYMENT} if programmes else set())
    else:
        items = {ITEM_OF_TABLE[sub.table]} if sub.table in ITEM_OF_TABLE and len(sub.rows) else set()
    return {(s, i, sub.department) for s in subsystems for i in items}


def task_status(world: World, subs, mistakes: list[dict]) -> dict:
    """task → (files, passed, save dates) of one round, as far as the sample knows it.

    The files behind a task are the readable files in use (not a superseded version, not a broken copy)
    that serve it (:func:`served_tasks`: department, data item, subsystem). A task passes when it has a
    file, no file of it has a planted error (cell, row, template or file truth entry of severity error),
    and no planted reconciliation error names a record of its files (a payment of that student and
    programme, for the task of that programme) or, for group rules (rec.over_allocation, rec.over_quota),
    its programme and college (the task whose 数据项 names that programme and whose 责任部门 is the
    college, else every task naming that programme).
    """
    files = {}
    for s in subs:
        if s.template and s.special != SUPERSEDED and s.copy_of is None and s.raw is None:
            for t in served_tasks(world, s):
                files.setdefault(t, []).append(s)
    failing = {m["file"] for m in mistakes if m["kind"] == "cell" and m["severity"] == "error"}
    bad_tasks = set()
    disb = world.disb
    for m in mistakes:
        if m["kind"] != "rec" or m["severity"] != "error":
            continue
        wanted = set(m["programme"].split("、"))
        if m.get("student_no") is None:
            hit = [t for t in files if _programme_of_item(t[1]) in wanted]
            own = [t for t in hit if t[2] == m["department"]]
            bad_tasks.update(own or hit)
            continue
        sid = int(np.flatnonzero(world.st["学号"] == m["student_no"])[0])
        hit = (disb["sid"] == sid) & disb["programme"].isin(list(wanted))
        if m.get("batch") is not None:  # a payment made twice names that batch's payments only
            hit &= disb["batch"].astype(str) == str(m["batch"])
        rows = np.flatnonzero(hit.to_numpy())
        for t, ss in files.items():
            about = _programme_of_item(t[1])
            if about is not None and about not in wanted:
                continue
            if any(s.table == "disbursement" and np.isin(s.rows, rows).any() for s in ss):
                bad_tasks.add(t)
    out = {}
    for t, ss in files.items():
        passed = t not in bad_tasks and not any(s.path in failing for s in ss)
        dates = sorted(s.modified.strftime("%Y%m%d") for s in ss)
        out[t] = {"passed": passed, "first_date": dates[0], "last_date": dates[-1]}
    return out


def task_truth(tasks, rounds: list[dict], as_ofs: list[dt.date]) -> list[dict]:
    """Per task item: the first round it was submitted in and its earliest file save date then; the first
    round it passed in (None if not yet), that round's as_of, the latest save date of its files then
    (``first_passed_date``), and ``days_late_at_first_pass`` = max(0, that round's as_of − 截止日期) in days:
    late as the centre sees it, at the round where the item first passed."""
    out = []
    for s, i, r, d in zip(tasks["子系统"], tasks["数据项"], tasks["责任部门"], tasks["截止日期"]):
        t = (s, i, r)
        item = {"子系统": s, "数据项": i, "责任部门": r, "截止日期": d, "first_submitted_round": None,
                "first_submitted_date": None, "first_passed_round": None, "first_passed_as_of": None,
                "first_passed_date": None, "days_late_at_first_pass": None}
        for n, status in enumerate(rounds, start=1):
            st = status.get(t)
            if st is None:
                continue
            if item["first_submitted_round"] is None:
                item["first_submitted_round"], item["first_submitted_date"] = n, st["first_date"]
            if st["passed"]:
                late = (dt.datetime.combine(as_ofs[n - 1], dt.time()) - dt.datetime.strptime(d, "%Y%m%d")).days
                item.update(first_passed_round=n, first_passed_as_of=as_ofs[n - 1].strftime("%Y%m%d"),
                            first_passed_date=st["last_date"], days_late_at_first_pass=max(0, late))
                break
        out.append(item)
    return out


# ---------------------------------------------------------------- the second round
def _late_fixer(world: World, planter: CellPlanter, status1: dict, rec_only: dict, deadlines: dict,
                mistakes1: list[dict], as_of: dt.date):
    """The first task (sorted; a college's first, else any department's) of the task table that failed in
    round 1 through cell errors, all of its plants fixable, with its deadline before round 1's as_of and
    no reconciliation error (``rec_only``: status with the rec plants alone)."""
    open_files = {m["file"] for m in mistakes1 if m["kind"] == "cell" and m["severity"] == "error"}
    by_task = {}
    for spot in planter.spots:
        for t in served_tasks(world, spot.sub):
            by_task.setdefault(t, []).append(spot)
    due = as_of.strftime("%Y%m%d")
    candidates = [t for t in sorted(status1) if t in deadlines and not status1[t]["passed"]
                  and rec_only[t]["passed"] and deadlines[t] < due]
    for t in sorted(candidates, key=lambda t: t[2] not in MAIN_COLLEGES):
        spots = by_task.get(t, [])
        files = {s.sub.path for s in spots}
        if not spots or not all(s.plant in FIXABLE for s in spots) or not files & open_files:
            continue
        return t, spots
    return None, []


def second_round(out: Path, world: World, planter: CellPlanter, rec_truth: list[dict], alloc_truth: list[dict],
                 truth1: dict, tasks, deadlines: dict, seed: int, as_of1: dt.date, merge_truth, write, sort_key) -> dict:
    """Mutate the planned submissions into round 2, write ``out/round2/`` and return its truth."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    as_of2 = as_of1 + dt.timedelta(days=ROUND2_DAYS)
    keys = Keys(world)
    subs = planter.subs
    status1 = task_status(world, subs, truth1["mistakes"])
    entries1 = planter.truth()
    before = {id(s): dict(s.overrides) for s in subs}

    rec_only = task_status(world, subs, [m for m in truth1["mistakes"] if m["kind"] != "cell"])
    late_task, forced = _late_fixer(world, planter, status1, rec_only, deadlines, truth1["mistakes"], as_of1)
    forced_ids = {id(s) for s in forced}
    fixable = [i for i, s in enumerate(planter.spots)
               if id(s) not in forced_ids and s.plant in FIXABLE and (s.pos, s.header) in s.sub.overrides]
    order = rng.permutation(len(fixable))
    fix = {fixable[int(j)] for k, j in enumerate(order) if k % KEEP_OPEN_EVERY != 0}
    fix |= {i for i, s in enumerate(planter.spots) if id(s) in forced_ids}
    withdrawn = {i for i, s in enumerate(planter.spots) if s.plant in WITHDRAWN}

    fixed_items = []
    for i in sorted(fix | withdrawn):
        spot = planter.spots[i]
        item = _cell_item(entries1[i], spot, keys)
        item["fix"] = "file not sent again" if i in withdrawn else "cell corrected"
        fixed_items.append(item)
        if i in fix:
            del spot.sub.overrides[(spot.pos, spot.header)]
    dropped = {id(planter.spots[i].sub) for i in withdrawn}
    kept = [s for i, s in enumerate(planter.spots) if i not in fix and i not in withdrawn]
    planter.spots = kept
    subs[:] = [s for s in subs if id(s) not in dropped]

    # New mistakes in rows not used before, away from the late department's files.
    planter.rng = rng
    n_old = len(planter.spots)
    data_subs = [s for s in subs if s.table in ("students", "difficulty", "disbursement", "loan") and s.raw is None
                 and s.other_sheet is None and not s.special and late_task not in served_tasks(world, s) and len(s.rows)]
    kinds = [k for k in KINDS if k.name in FIXABLE]
    for _ in range(200):
        if len(planter.spots) - n_old >= NEW_MISTAKES:
            break
        sub = data_subs[int(rng.integers(0, len(data_subs)))]
        table_kinds = [k for k in kinds if k.table == sub.table]
        kind = table_kinds[int(rng.integers(0, len(table_kinds)))]
        q = planter.free_position(sub)
        if q is not None:
            planter.plant(kind, sub, q)
    new_spots = planter.spots[n_old:]

    # Files that changed are saved again between the two as_of dates.
    limit = dt.datetime.combine(as_of2, dt.time(9, 0)) - dt.timedelta(days=1)
    late = set(truth1["late_submissions"])
    for s in subs:
        if s.overrides != before[id(s)]:
            when = dt.datetime.combine(as_of1, dt.time(0, 0)) + dt.timedelta(days=int(rng.integers(1, ROUND2_DAYS - 1)))
            s.modified = min(when, limit).replace(hour=int(rng.integers(8, 18)), minute=int(rng.integers(0, 60)))
            d = deadlines.get(s.task)
            if d and s.modified.strftime("%Y%m%d") > d:
                late.add(s.path)

    root = out / "round2"
    if root.exists():
        shutil.rmtree(root)
    write(world, subs, root / "submissions")
    shutil.copyfile(out / "tasks.xlsx", root / "tasks.xlsx")

    entries2 = planter.truth()
    mistakes = rec_truth + alloc_truth + entries2 + merge_truth(world, subs, rec_truth)
    mistakes.sort(key=sort_key)
    status2 = task_status(world, subs, mistakes)
    new_ids = {id(s) for s in new_spots}
    still = [_cell_item(e, s, keys) for e, s in zip(entries2, planter.spots) if id(s) not in new_ids]
    still += [_other_item(m) for m in mistakes if m["kind"] != "cell"]
    submitted = {s.task for s in subs if s.task}
    truth = dict(truth1)
    truth.update({
        "round": 2,
        "previous": "../truth.json",
        "as_of": as_of2.strftime("%Y%m%d"),
        "tasks_not_submitted": [{"子系统": s, "数据项": i, "责任部门": r, "截止日期": d, "late": d < as_of2.strftime("%Y%m%d")}
                                for s, i, r, d in zip(tasks["子系统"], tasks["数据项"], tasks["责任部门"], tasks["截止日期"])
                                if (s, i, r) not in submitted],
        "late_submissions": sorted(late),
        "late_fixed": None if late_task is None else {"子系统": late_task[0], "数据项": late_task[1],
                                                       "责任部门": late_task[2], "截止日期": deadlines[late_task]},
        "mistakes": mistakes,
        "changes": {"fixed": fixed_items,
                    "new": [_cell_item(e, s, keys) for e, s in zip(entries2, planter.spots) if id(s) in new_ids],
                    "still_open": still},
        "tasks": task_truth(tasks, [status1, status2], [as_of1, as_of2]),
    })
    (root / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return truth


def change_key(item: dict) -> tuple:
    """How a finding is identified across rounds: rule, file and the record's key (not the row)."""
    record = item.get("record")
    return item["rule"], item.get("file"), None if record is None else tuple(sorted(record.items()))
