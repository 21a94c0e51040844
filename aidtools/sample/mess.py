"""Realistic mess at file and template level, each recorded in the truth with its rule.

- a resubmitted file (older and newer version of the same data; the older is superseded);
- a 0-byte workbook and a truncated copy (``file.unreadable``);
- an unrelated workbook (``file.unknown_template``);
- a renamed sheet, a renamed header, a template with no data rows;
- merged cells, a hidden row holding data, formulas (with and without a cached value);
- a college whose payment dates are Excel date cells.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from aidtools.sample.departments import MAIN_COLLEGES, STUDENT_AFFAIRS, Submission
from aidtools.sample.people import mobiles, staff_names
from aidtools.sample.plant import SAFE_PROGRAMMES, CellPlanter, Spot, as_date
from aidtools.sample.writers import Formula, SheetData

SUPERSEDED, RESUBMITTED = "superseded", "resubmitted"


def _candidates(p: CellPlanter, programme: str | None, min_rows: int, colleges_only: bool) -> list[Submission]:
    """Disbursement files (college files first) with no reconciliation plant and only safe payments."""
    touched = list(p.touched)
    prefix = {"勤工助学": "勤工助学", "临时困难补助": "临时困难补助", None: ""}[programme]
    out = []
    for sub in p.subs:
        if sub.table != "disbursement" or sub.special or sub.raw is not None or len(sub.rows) < min_rows:
            continue
        if colleges_only and (sub.department not in MAIN_COLLEGES or not sub.stem.startswith(prefix)):
            continue
        if not np.isin(p.world.disb["programme"].to_numpy()[sub.rows], SAFE_PROGRAMMES).all():
            continue
        if np.isin(p.sids(sub), touched).any():
            continue
        out.append(sub)
    return out


def _pick(p: CellPlanter, prefer: str, programme: str | None, min_rows: int = 1, writer: str = "openpyxl"):
    """The preferred college's file if it fits, else another fitting file (any department last)."""
    for files in (_candidates(p, programme, min_rows, True), _candidates(p, None, min_rows, True),
                  _candidates(p, None, min_rows, False)):
        files = [f for f in files if f.writer == writer]
        if files:
            break
    else:
        return None
    for f in files:
        if f.department == prefer:
            return f
    return files[int(p.rng.integers(0, len(files)))]


def make_mess(p: CellPlanter) -> dict:
    """Apply every file/template-level plant; returns {"superseded": [...], "resubmissions": [...]}."""
    info = {"superseded": [], "resubmissions": []}

    sub = _pick(p, "化学工程学院", "临时困难补助")
    if sub:
        sub.special, sub.sheet_name = "sheet renamed", "Sheet1"
        p.add(sub, None, None, "template.sheet_missing", "file.sheet_renamed")

    sub = _pick(p, "电气工程学院", "勤工助学")
    if sub:
        sub.special = "header renamed"
        sub.renamed_headers = {"身份证件号": "身份证号"}
        p.spots.append(_header_spot(sub, "身份证件号"))

    sub = _pick(p, "信息科学与工程学院", "勤工助学", min_rows=2)
    if sub:
        sub.special = "merged"
        pos = int(p.rng.integers(0, len(sub.rows) - 1))
        sub.merges.append((pos, pos + 1, "院系"))
        p.add(sub, pos, "院系", "template.merged_cells", "file.merged_college")
        # The lower cell of the merge is empty in the file: a required 院系 is missing there.
        p.add(sub, pos + 1, "院系", "cell.required", "file.merged_college_blank_below")

    sub = _pick(p, "机械工程学院", "临时困难补助", min_rows=2)
    if sub:
        sub.special = "hidden row"
        pos = int(p.rng.integers(0, len(sub.rows)))
        sub.hidden_rows.append(pos)
        p.add(sub, pos, None, "template.hidden_rows", "file.hidden_row")

    sub = _pick(p, "土木工程学院", "勤工助学", writer="xlsxwriter")
    if sub:
        sub.special = "formula"
        pos = int(p.rng.integers(0, len(sub.rows)))
        amount = int(p.record(sub, pos)["amount"])
        sub.overrides[(pos, "发放金额(元)")] = Formula(f"{amount // 12}*12", amount)
        p.add(sub, pos, "发放金额(元)", "template.formula", "file.formula_cached")

    # A formula without a cached value (openpyxl cannot store one) in an optional column.
    sub = next(s for s in p.subs if s.department == STUDENT_AFFAIRS and s.table == "difficulty")
    pos = p.eligible(sub)
    if len(pos):
        pos = int(p.rng.choice(pos))
        income = int(p.record(sub, pos)["income"])
        sub.overrides[(pos, "家庭年收入(元)")] = Formula(f"{income // 12}*12+{income % 12}")
        p.mark(sub, pos)
        p.add(sub, pos, "家庭年收入(元)", "template.formula", "file.formula_uncached")

    sub = _pick(p, "材料科学与工程学院", "勤工助学")
    if sub:
        sub.special = "excel dates"
        for pos in range(len(sub.rows)):
            sub.overrides[(pos, "发放日期")] = as_date(str(p.record(sub, pos)["date"]))
            p.add(sub, pos, "发放日期", "cell.date_format", "file.excel_date_cells")
        empty = Submission(sub.department, "临时困难补助发放（第二批）", "disbursement", "disbursement",
                           np.array([], dtype=int), sub.task, header_only=True, special="empty")
        p.subs.append(empty)
        p.add(empty, None, None, "template.empty", "file.header_only")

    source = _pick(p, "理学院", "临时困难补助")
    if source:
        copy = Submission(source.department, f"{source.stem} - 副本", None, "other", np.array([], dtype=int),
                          source.task, special="truncated")
        copy.copy_of = source  # bytes cut from the written source
        p.subs.append(copy)
        p.add(copy, None, None, "file.unreadable", "file.truncated_copy")

    zero = Submission("文法学院", "新建 Microsoft Excel 工作表", None, "other", np.array([], dtype=int), None,
                      raw=b"", special="zero bytes")
    p.subs.append(zero)
    p.add(zero, None, None, "file.unreadable", "file.zero_bytes")

    unknown = Submission("经济管理学院", "辅导员联系方式", None, "other", np.array([], dtype=int), None,
                         special="unknown template")
    unknown.other_sheet = _contacts_sheet(p)
    p.subs.append(unknown)
    p.add(unknown, None, None, "file.unknown_template", "file.contacts_list")

    info.update(resubmit(p))
    return info


def _header_spot(sub: Submission, header: str) -> Spot:
    return Spot(sub, -1, header, "template.header_mismatch", "file.header_renamed")


def _contacts_sheet(p: CellPlanter) -> SheetData:
    """A counsellors' contact list: a workbook that follows no template."""
    n = 6
    names = staff_names(p.rng, n)
    phones = mobiles(p.rng, n).tolist()
    colleges = list(np.array(MAIN_COLLEGES)[p.rng.choice(len(MAIN_COLLEGES), size=n, replace=False)])
    return SheetData("Sheet1", ["序号", "学院", "辅导员", "办公电话", "手机"],
                     [list(range(1, n + 1)), colleges, names,
                      [f"024-8{int(x):07d}" for x in p.rng.integers(0, 10**7, size=n)], phones])


def resubmit(p: CellPlanter) -> dict:
    """学生处 sends 国家助学金 batch 1, finds two mistakes, and sends a corrected file."""
    newer = next((s for s in p.subs if s.department == STUDENT_AFFAIRS and s.stem == "国家助学金发放-第1批"), None)
    if newer is None or len(newer.rows) < 2:
        return {}
    older = Submission(newer.department, newer.stem, newer.template, newer.table, newer.rows.copy(), newer.task,
                       writer=newer.writer, special=SUPERSEDED)
    newer.stem = "国家助学金发放-第1批（更正）"
    newer.special = RESUBMITTED
    a, b = (int(x) for x in p.rng.choice(len(newer.rows), size=2, replace=False))
    card = p.st(newer, a, "bank_card")
    older.overrides[(a, "银行卡号")] = card[:-1] + str((int(card[-1]) + 5) % 10)  # a mistyped digit
    older.overrides[(b, "发放金额(元)")] = int(p.record(newer, b)["amount"]) * 10
    p.subs.insert(p.subs.index(newer), older)
    return {"superseded": [older.path], "resubmissions": [{"older": older.path, "newer": newer.path}]}


def modified_times(p: CellPlanter, deadlines: dict, as_of: dt.date, late: set) -> None:
    """Workbook save times: a few days after the last date in the file, before the deadline."""
    world = p.world
    limit = dt.datetime.combine(as_of, dt.time(9, 0)) - dt.timedelta(days=1)
    for sub in p.subs:
        deadline = deadlines.get(sub.task)
        deadline = dt.datetime.strptime(deadline, "%Y%m%d") if deadline else limit
        when = deadline - dt.timedelta(days=int(p.rng.integers(1, 6)))
        if sub.table in ("difficulty", "disbursement", "loan") and len(sub.rows):
            last = int(world.table(sub.table)["date"].to_numpy()[sub.rows].max())
            last = dt.datetime.strptime(str(last), "%Y%m%d")
            when = min(when, last + dt.timedelta(days=int(p.rng.integers(2, 9))))
        if sub.path in late:
            when = deadline + dt.timedelta(days=2)
        when = min(when, limit).replace(hour=int(p.rng.integers(8, 18)), minute=int(p.rng.integers(0, 60)))
        sub.modified = when
    for s in p.subs:
        if s.special == SUPERSEDED:
            newer = next(n for n in p.subs if n.special == RESUBMITTED and n.department == s.department)
            s.modified = newer.modified - dt.timedelta(days=5)
