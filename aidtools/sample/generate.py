"""Generate the synthetic university's submissions, task table and the truth of planted mistakes.

``truth.json`` holds the parameters (seed, students, year, error_rate, as_of) and ``mistakes``:

- ``{"kind": "cell", "file", "sheet", "row", "column", "field", "rule", "severity", "plant"}`` for
  file, template, cell, ID, card and row mistakes (file relative to ``submissions/``, '/' separated;
  row is the Excel row, column the letter; None where the rule has no row or column);
- ``{"kind": "rec", "rule", "severity", "student_no", "programme", "academic_year", "department"}``
  for reconciliation mistakes (department = the college; student_no None for allocation rules);
- ``{"kind": "merge", "rule", "files", "student_no", "programme", "academic_year", "batch"}`` for a
  record sent by two departments (merged once).

``superseded`` lists the files replaced by a resubmission; their contents are not in the truth.

With ``rounds=2`` the same university is also written two weeks later into ``OUT/round2/``
(:mod:`aidtools.sample.rounds`); round 1 is byte for byte what ``rounds=1`` writes.
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np

from aidtools.rules import RULES
from aidtools.sample import aid, departments, mess, people
from aidtools.sample.plant import CellPlanter, plant_allocation_space, plant_cells
from aidtools.sample.plant_rec import RecPlanter, plant_allocations
from aidtools.sample.sheets import World, sheet_for
from aidtools.sample.university import BRANCH, SCHOOL_CODE, SCHOOL_NAME, build_students
from aidtools.sample.writers import BookInfo, SheetData, write_book
from aidtools.specs import load_specs

DEFAULT_ERROR_RATE = 0.01
LATE_SUBMISSION = "文法学院"  # sends its 勤工助学 file two days after the deadline


def _as_of(year0: int) -> dt.date:
    """The date the sample is looked at: mid-July of the academic year's second calendar year."""
    return dt.date(year0 + 1, 7, 15)


def _streams(seed: int) -> dict[str, np.random.Generator]:
    names = ["students", "aid", "loans", "rec", "alloc", "cells", "mess", "times", "tasks"]
    return {n: np.random.default_rng(s) for n, s in zip(names, np.random.SeedSequence(seed).spawn(len(names)))}


def _outsiders(rng: np.random.Generator, st: dict, k: int) -> None:
    """Mark ``k`` students as missing from the enrolled table (their records will not match)."""
    pool = np.flatnonzero((st["学籍状态"] == "在读") & (st["subsystem"] == "本专科") & (st["校区"] != BRANCH))
    st["enrolled"] = np.ones(len(st["学号"]), dtype=bool)
    st["enrolled"][rng.choice(pool, size=min(k, len(pool)), replace=False)] = False


def build_world(students: int, seed: int, year0: int):
    """The university, its records, and the reconciliation plants (before files are planned)."""
    rngs = _streams(seed)
    specs = load_specs()
    st = build_students(rngs["students"], students, year0)
    _outsiders(rngs["students"], st, max(2, students // 2000))
    difficulty = aid.recognise_difficulty(rngs["aid"], st, year0)
    disb = aid.disburse(rngs["aid"], st, difficulty, year0)
    late = (disb["programme"] == "临时困难补助") & (disb["college"] == departments.LATE_COLLEGE)
    disb = disb[~late.to_numpy()].reset_index(drop=True)  # not sent yet
    loans = aid.lend(rngs["loans"], st, difficulty, year0)
    rec = RecPlanter(rngs["rec"], st, difficulty, disb, loans, year0)
    rec.plant()
    year = aid.academic_year(year0)
    disb = departments.route_disbursements(st, rec.result(), year)
    alloc = aid.allocate(rngs["alloc"], disb, year0)
    alloc, alloc_truth = plant_allocations(rngs["alloc"], alloc, year)
    world = World(st, difficulty, disb, loans, alloc, year0, specs)
    return world, rngs, rec, alloc_truth


def _merge_truth(world: World, subs, rec_truth) -> list[dict]:
    """The record paid twice (rec.duplicate_payment) is also one merge.duplicate_across_files."""
    out = []
    for entry in rec_truth:
        if entry["rule"] != "rec.duplicate_payment":
            continue
        sid = int(np.flatnonzero(world.st["学号"] == entry["student_no"])[0])
        d = world.disb
        hit = ((d["sid"] == sid) & (d["programme"] == entry["programme"]) & (d["batch"] == entry["batch"])).to_numpy()
        files = sorted(s.path for s in subs if s.table == "disbursement" and hit[s.rows].any())
        out.append({"kind": "merge", "rule": "merge.duplicate_across_files",
                    "severity": RULES["merge.duplicate_across_files"].severity, "files": files, "student_no": entry["student_no"],
                    "programme": entry["programme"], "academic_year": entry["academic_year"], "batch": entry["batch"]})
    return out


def _write_tasks(path: Path, tasks, info: BookInfo) -> None:
    """The task table in the school's own layout: the spec's columns the table has (no 模板)."""
    spec = load_specs()["tasks"]
    headers = [h for h in spec.headers if h in tasks.columns]
    columns = [np.asarray(tasks[h].to_numpy(), dtype=str) for h in headers]
    write_book(path, [SheetData(spec.sheet, headers, columns)], info, "openpyxl")


def _write_submissions(world: World, subs, root: Path, fast_cells: int) -> None:
    """Every planned file; a truncated copy is cut from its source's bytes once that is written."""
    sources = {s.copy_of.path for s in subs if s.copy_of is not None}
    kept = {}
    for sub in sorted(subs, key=lambda s: s.copy_of is not None):
        path = root / sub.path
        if sub.copy_of is not None:
            data = kept[sub.copy_of.path]
            sub.raw = data[: int(len(data) * 0.6)]
        if sub.raw is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(sub.raw)
            stamp = calendar.timegm(sub.modified.timetuple())
            os.utime(path, (stamp, stamp))
            continue
        write_book(path, [sheet_for(world, sub)], BookInfo(sub.modified, creator=sub.department), sub.writer, fast_cells)
        if sub.path in sources:
            kept[sub.path] = path.read_bytes()


def _mistake_key(m: dict) -> tuple:
    return (m["kind"], m.get("file") or "", m.get("row") or 0, m.get("column") or "", m["rule"],
            m.get("student_no") or "", m.get("programme") or "", m.get("department") or "")


def _clean(out: Path) -> None:
    for name in ("submissions", "tasks.xlsx", "truth.json", "round2"):
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def generate(out_dir, students: int = 3000, seed: int = 2017, error_rate: float = DEFAULT_ERROR_RATE,
             year: str = "2017-2018", fast_cells: int = 20_000, rounds: int = 1) -> dict:
    """Write ``OUT/submissions/<部门>/<file>``, ``OUT/tasks.xlsx`` and ``OUT/truth.json``.

    ``students`` enrolled students (plus graduates and leavers of the year), deterministic for a
    ``seed``; about ``error_rate`` of the data rows get one planted mistake, and every rule gets at
    least one. Returns a summary (counts by department, template and rule). ``rounds=2`` also writes
    ``OUT/round2/`` (:func:`aidtools.sample.rounds.second_round`); the summary then has ``round2``.
    """
    if rounds not in (1, 2):
        raise ValueError(f"rounds 只能为1或2，收到 {rounds!r}")
    if not re.fullmatch(r"\d{4}-\d{4}", year) or int(year[5:]) != int(year[:4]) + 1:
        raise ValueError(f"学年格式应为YYYY-YYYY（如2017-2018），收到 {year!r}")
    if students < 300:
        raise ValueError("students 至少为300：每条规则都要埋设一处错误")
    year0 = int(year[:4])
    as_of = _as_of(year0)
    out = Path(out_dir)
    world, rngs, rec, alloc_truth = build_world(students, seed, year0)
    subs = departments.plan(world.st, world.difficulty, world.disb, world.loans, world.alloc, world.year)

    planter = CellPlanter(rngs["cells"], world, subs, rec.touched)
    planter.rng = rngs["mess"]
    mess_info = mess.make_mess(planter)
    planter.rng = rngs["cells"]
    plant_cells(planter, error_rate)
    plant_allocation_space(planter)

    staff = lambda n: people.staff_names(rngs["tasks"], n)  # noqa: E731
    tasks = departments.tasks(year0, staff, {s.task for s in subs if s.task})
    deadlines = {(s, i, r): d for s, i, r, d in zip(tasks["子系统"], tasks["数据项"], tasks["责任部门"], tasks["截止日期"])}
    late = {s.path for s in subs if s.department == LATE_SUBMISSION and s.stem.startswith("勤工助学")}
    planter.rng = rngs["times"]
    mess.modified_times(planter, deadlines, as_of, late)

    _clean(out)
    _write_submissions(world, subs, out / "submissions", fast_cells)
    _write_tasks(out / "tasks.xlsx", tasks, BookInfo(dt.datetime(year0, 9, 20, 10, 0), creator="学生资助管理中心"))

    mistakes = rec.truth + alloc_truth + planter.truth() + _merge_truth(world, subs, rec.truth)
    mistakes.sort(key=_mistake_key)
    submitted = {s.task for s in subs if s.task}
    truth = {
        "generator": "aidtools.sample",
        "school_code": SCHOOL_CODE,
        "school": SCHOOL_NAME,
        "seed": seed,
        "students": students,
        "year": year,
        "error_rate": error_rate,
        "as_of": as_of.strftime("%Y%m%d"),
        "root": "submissions",
        "superseded": mess_info.get("superseded", []),
        "resubmissions": mess_info.get("resubmissions", []),
        "tasks_not_submitted": [{"子系统": s, "数据项": i, "责任部门": r, "截止日期": d,
                                 "late": d < as_of.strftime("%Y%m%d")}
                                for s, i, r, d in zip(tasks["子系统"], tasks["数据项"], tasks["责任部门"], tasks["截止日期"])
                                if (s, i, r) not in submitted],
        "late_submissions": sorted(late),
        "mistakes": mistakes,
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    summary = summarise(out, truth, subs)
    if rounds == 2:
        from aidtools.sample.rounds import second_round

        truth2 = second_round(out, world, planter, rec.truth, alloc_truth, truth, tasks, deadlines, seed, as_of,
                              _merge_truth, lambda w, ss, root: _write_submissions(w, ss, root, fast_cells), _mistake_key)
        summary["round2"] = summarise(out / "round2", truth2, planter.subs)
        summary["round2"]["changes"] = {k: len(v) for k, v in truth2["changes"].items()}
    return summary


def summarise(out: Path, truth: dict, files) -> dict:
    templates = sorted({s.template for s in files if s.template})
    return {
        "out": str(out),
        "students": truth["students"],
        "seed": truth["seed"],
        "year": truth["year"],
        "files": len(files),
        "files_by_department": dict(sorted(Counter(s.department for s in files).items())),
        "rows_by_template": {t: int(sum(len(s.rows) for s in files if s.template == t)) for t in templates},
        "mistakes": len(truth["mistakes"]),
        "mistakes_by_rule": dict(sorted(Counter(m["rule"] for m in truth["mistakes"]).items())),
        "superseded": truth["superseded"],
    }
