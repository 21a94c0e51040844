"""Which department sends what, in which file: the submission plan and the task table.

学生处 sends the main campus' undergraduate data, 研究生院 the graduate data, 财务处 the
allocations, 招生就业处 the 基层就业 compensation, the branch campus' 分校学生处 all of its own
data, and each main-campus college its 勤工助学 and 临时困难补助 payments. File names are the ones
people type (``国家助学金发放-第1批.xlsx``); a few departments use other tools
(:data:`WRITER_OF`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aidtools.sample.university import BRANCH, COLLEGES

STUDENT_AFFAIRS, GRADUATE_SCHOOL, FINANCE, CAREERS, BRANCH_OFFICE = "学生处", "研究生院", "财务处", "招生就业处", "分校学生处"
MAIN_COLLEGES = [c.name for c in COLLEGES if c.campus != BRANCH]

# Departments whose files come from other tools than openpyxl.
WRITER_OF = {"土木工程学院": "xlsxwriter", "外国语学院": "xls", CAREERS: "csv"}
EXTENSION = {"xls": ".xls", "csv": ".csv"}

# The college that has not sent its 临时困难补助 yet (late at the as-of date).
LATE_COLLEGE = "经济管理学院"
COLLEGE_PROGRAMMES = ("勤工助学", "临时困难补助")
COLLEGE_FILE = {"勤工助学": "勤工助学酬金发放", "临时困难补助": "临时困难补助发放"}


@dataclass
class Submission:
    """One file a department sends; ``rows`` are positions in the table named by ``table``."""

    department: str
    stem: str  # file name without extension
    template: str | None
    table: str  # students / difficulty / disbursement / loan / allocation / other
    rows: np.ndarray
    task: tuple[str, str, str] | None = None  # (子系统, 数据项, 责任部门) in the task table
    writer: str = "openpyxl"
    modified: dt.datetime | None = None
    sheet_name: str | None = None  # a renamed sheet
    renamed_headers: dict = field(default_factory=dict)  # spec header -> header written
    overrides: dict = field(default_factory=dict)  # (position, spec header) -> value
    merges: list = field(default_factory=list)  # (first position, last position, spec header)
    hidden_rows: list = field(default_factory=list)
    raw: bytes | None = None  # bytes written as they are (corrupt or empty files)
    header_only: bool = False
    other_sheet: object = None  # a SheetData for files that follow no template
    special: str | None = None  # what is unusual about this file (no random plants here)
    copy_of: object = None  # for a truncated copy: the Submission whose written bytes it cuts

    @property
    def extension(self) -> str:
        return EXTENSION.get(self.writer, ".xlsx")

    @property
    def path(self) -> str:
        """Path relative to the submissions folder, '/' separated."""
        return f"{self.department}/{self.stem}{self.extension}"


def sender_of(programme: str, subsystem: str, campus: str, college: str) -> str:
    if programme == "基层就业学费补偿贷款代偿":
        return CAREERS
    if campus == BRANCH:
        return BRANCH_OFFICE
    if programme in COLLEGE_PROGRAMMES:
        return college
    return GRADUATE_SCHOOL if subsystem == "研究生" else STUDENT_AFFAIRS


def file_stem(sender: str, programme: str, batch: int, year: str) -> str:
    if sender == CAREERS:
        return "基层就业学费补偿贷款代偿"
    if sender == BRANCH_OFFICE:
        if programme == "国家助学金":
            return f"分校区国家助学金发放（第{batch}批）"
        return f"分校区{programme}"
    if sender == GRADUATE_SCHOOL:
        if programme == "研究生国家助学金":
            return f"研究生国家助学金发放（{'秋季' if batch == 1 else '春季'}学期）"
        return {"学费减免": "研究生学费减免名单"}.get(programme, f"{programme}发放")
    if sender == STUDENT_AFFAIRS:
        return {
            "国家奖学金": f"{year}学年国家奖学金发放",
            "国家励志奖学金": f"{year}学年国家励志奖学金发放",
            "国家助学金": f"国家助学金发放-第{batch}批",
            "学费减免": "学费减免名单",
            "入学绿色通道": f"{year[:4]}级新生入学绿色通道",
            "校内奖学金": "校内奖学金发放",
            "服兵役国家教育资助": "服兵役国家教育资助",
        }.get(programme, programme)
    return COLLEGE_FILE.get(programme, programme)


def route_disbursements(st: dict, disb: pd.DataFrame, year: str) -> pd.DataFrame:
    """Add ``sender`` and ``stem`` columns (a ``sender_override`` column wins where set)."""
    sid = disb["sid"].to_numpy()
    keys = pd.DataFrame({"programme": disb["programme"].to_numpy(), "subsystem": st["subsystem"][sid],
                         "campus": st["校区"][sid], "college": st["院系"][sid], "batch": disb["batch"].to_numpy()})
    # Few distinct combinations: decide once per combination, then broadcast.
    combos = keys.drop_duplicates().reset_index(drop=True)
    combos["sender"] = [sender_of(p, s, c, col) for p, s, c, col in
                        zip(combos["programme"], combos["subsystem"], combos["campus"], combos["college"])]
    combos["stem"] = [file_stem(snd, p, b, year) for snd, p, b in zip(combos["sender"], combos["programme"], combos["batch"])]
    merged = keys.merge(combos, on=list(keys.columns), how="left")
    out = disb.copy()
    out["sender"] = merged["sender"].to_numpy()
    out["stem"] = merged["stem"].to_numpy()
    if "sender_override" in out:
        moved = out["sender_override"].notna()
        out.loc[moved, "sender"] = out.loc[moved, "sender_override"]
        out.loc[moved, "stem"] = [file_stem(s, p, b, year) for s, p, b in
                                  zip(out.loc[moved, "sender"], out.loc[moved, "programme"], out.loc[moved, "batch"])]
    return out


def _subsystem_of_stem(sender: str, programme: str) -> str:
    return "研究生" if (sender == GRADUATE_SCHOOL or programme.startswith("研究生")) else "本专科"


def plan(st: dict, difficulty: pd.DataFrame, disb: pd.DataFrame, loans: pd.DataFrame, alloc: pd.DataFrame,
         year: str) -> list[Submission]:
    """Every regular submission (before any planted mistake), with its rows."""
    subs: list[Submission] = []
    enrolled = st["enrolled"]
    branch = st["校区"] == BRANCH
    grad = st["subsystem"] == "研究生"

    # 学生基本信息: 学生处 by grade, 研究生院 one file, 分校学生处 one file.
    main_ug = np.flatnonzero(enrolled & ~branch & ~grad)
    for grade in sorted(set(st["年级"][main_ug].tolist())):
        rows = main_ug[st["年级"][main_ug] == grade]
        subs.append(Submission(STUDENT_AFFAIRS, f"{grade}级学生基本信息", "student", "students", rows,
                               ("本专科", "学生基本信息", STUDENT_AFFAIRS)))
    subs.append(Submission(GRADUATE_SCHOOL, "研究生基本信息", "student", "students", np.flatnonzero(enrolled & grad),
                           ("研究生", "学生基本信息", GRADUATE_SCHOOL)))
    subs.append(Submission(BRANCH_OFFICE, "分校区学生基本信息", "student", "students", np.flatnonzero(enrolled & branch),
                           ("本专科", "学生基本信息", BRANCH_OFFICE)))

    # 困难认定.
    dsid = difficulty["sid"].to_numpy()
    for dept, stem, mask, task in (
            (STUDENT_AFFAIRS, f"{year}学年家庭经济困难学生认定名单", ~branch[dsid] & ~grad[dsid], ("本专科", "家庭经济困难学生认定", STUDENT_AFFAIRS)),
            (GRADUATE_SCHOOL, "研究生家庭经济困难认定", grad[dsid], ("研究生", "家庭经济困难学生认定", GRADUATE_SCHOOL)),
            (BRANCH_OFFICE, "分校区家庭经济困难学生认定", branch[dsid], ("本专科", "家庭经济困难学生认定", BRANCH_OFFICE))):
        subs.append(Submission(dept, stem, "difficulty", "difficulty", np.flatnonzero(mask), task))

    # 资助发放: one file per (sender, stem), rows in the order of the records.
    order = disb.reset_index(drop=True)
    for (sender, stem), group in order.groupby(["sender", "stem"], sort=True):
        programme = group["programme"].iloc[0]
        if sender in MAIN_COLLEGES:
            task = ("本专科", f"{programme}发放", sender)
        elif sender == BRANCH_OFFICE:
            task = ("本专科", "资助发放", sender)
        else:
            task = (_subsystem_of_stem(sender, programme), f"{programme}发放", sender)
        subs.append(Submission(sender, stem, "disbursement", "disbursement", group.index.to_numpy(), task,
                               writer=WRITER_OF.get(sender, "openpyxl")))

    # 国家助学贷款.
    lsid = loans["sid"].to_numpy()
    for dept, stem, mask, task in (
            (STUDENT_AFFAIRS, f"{year[:4]}年国家助学贷款", ~branch[lsid] & ~grad[lsid], ("本专科", "国家助学贷款", STUDENT_AFFAIRS)),
            (GRADUATE_SCHOOL, "研究生国家助学贷款", grad[lsid], ("研究生", "国家助学贷款", GRADUATE_SCHOOL)),
            (BRANCH_OFFICE, "分校区国家助学贷款", branch[lsid], ("本专科", "国家助学贷款", BRANCH_OFFICE))):
        subs.append(Submission(dept, stem, "loan", "loan", np.flatnonzero(mask), task))

    # 资金下达.
    subs.append(Submission(FINANCE, f"{year}学年学生资助资金下达", "allocation", "allocation", np.arange(len(alloc)),
                           ("本专科", "资金下达", FINANCE)))
    for sub in subs:
        sub.writer = WRITER_OF.get(sub.department, sub.writer)
    return subs


# ------------------------------------------------------------------ the task table
def tasks(year0: int, staff, planned: set) -> pd.DataFrame:
    """任务分解表 for both subsystems in the school's own layout (附件1 本专科, 附件2 研究生): 子系统, 数据项,
    责任部门, 协助部门, 数据填报员, 数据审核员, 截止日期, with no 模板 column (the 数据项 says which template).

    The same 数据项 is listed once for each department that sends it: 学生基本信息 for 学生处 and for the
    branch campus' 分校学生处, 临时困难补助发放 and 勤工助学发放 for each college. College and graduate
    items appear where there is something to report (``planned`` holds the (子系统, 数据项, 责任部门) of the
    planned files), and for the late college; the 研究生 基层就业 item is not due yet at the as-of date
    and has no file.
    """
    y1 = year0 + 1
    rows = [
        ("本专科", "学生基本信息", STUDENT_AFFAIRS, "教务处、各学院", f"{year0}1010"),
        ("本专科", "学生基本信息", BRANCH_OFFICE, "", f"{year0}1010"),
        ("本专科", "家庭经济困难学生认定", STUDENT_AFFAIRS, "各学院", f"{year0}1031"),
        ("本专科", "家庭经济困难学生认定", BRANCH_OFFICE, "", f"{year0}1031"),
        ("本专科", "入学绿色通道发放", STUDENT_AFFAIRS, "财务处", f"{year0}0930"),
        ("本专科", "学费减免发放", STUDENT_AFFAIRS, "财务处", f"{year0}1031"),
        ("本专科", "服兵役国家教育资助发放", STUDENT_AFFAIRS, "财务处", f"{year0}1031"),
        ("本专科", "国家奖学金发放", STUDENT_AFFAIRS, "财务处、各学院", f"{year0}1205"),
        ("本专科", "国家励志奖学金发放", STUDENT_AFFAIRS, "财务处、各学院", f"{year0}1205"),
        ("本专科", "校内奖学金发放", STUDENT_AFFAIRS, "各学院", f"{year0}1231"),
        ("本专科", "国家助学贷款", STUDENT_AFFAIRS, "财务处", f"{year0}1231"),
        ("本专科", "国家助学贷款", BRANCH_OFFICE, "", f"{year0}1231"),
        ("本专科", "国家助学金发放", STUDENT_AFFAIRS, "财务处", f"{y1}0430"),
        ("本专科", "资助发放", BRANCH_OFFICE, "", f"{y1}0430"),
        ("本专科", "资金下达", FINANCE, "学生处、研究生院", f"{y1}0331"),  # both subsystems
        ("本专科", "基层就业学费补偿贷款代偿发放", CAREERS, "财务处", f"{y1}0630"),
    ]
    for programme, deadline in (("临时困难补助", f"{y1}0705"), ("勤工助学", f"{y1}0712")):
        for college in MAIN_COLLEGES:
            task = ("本专科", f"{programme}发放", college)
            if task in planned or (programme == "临时困难补助" and college == LATE_COLLEGE):
                rows.append((*task, "学生处", deadline))
    rows += [
        ("研究生", "学生基本信息", GRADUATE_SCHOOL, "各学院", f"{year0}1010"),
        ("研究生", "家庭经济困难学生认定", GRADUATE_SCHOOL, "各学院", f"{year0}1031"),
        ("研究生", "学费减免发放", GRADUATE_SCHOOL, "财务处", f"{year0}1031"),  # if any
        ("研究生", "研究生学业奖学金发放", GRADUATE_SCHOOL, "财务处", f"{year0}1130"),
        ("研究生", "研究生国家奖学金发放", GRADUATE_SCHOOL, "财务处", f"{year0}1231"),
        ("研究生", "国家助学贷款", GRADUATE_SCHOOL, "财务处", f"{year0}1231"),
        ("研究生", "研究生国家助学金发放", GRADUATE_SCHOOL, "财务处", f"{y1}0430"),
        # Not due yet at the as-of date, and not submitted.
        ("研究生", "基层就业学费补偿贷款代偿发放", CAREERS, "研究生院、财务处", f"{y1}0831"),
    ]
    rows = [r for r in rows if r[0] == "本专科" or r[1] != "学费减免发放" or ("研究生", "学费减免发放", GRADUATE_SCHOOL) in planned]
    frame = pd.DataFrame(rows, columns=["子系统", "数据项", "责任部门", "协助部门", "截止日期"])
    # Each responsible department names one data filler and one data auditor (two different people).
    departments = list(dict.fromkeys(frame["责任部门"]))
    names = list(dict.fromkeys(staff(len(departments) * 6)))
    pairs = {d: (names[(2 * i) % len(names)], names[(2 * i + 1) % len(names)]) for i, d in enumerate(departments)}
    frame.insert(4, "数据填报员", [pairs[d][0] for d in frame["责任部门"]])
    frame.insert(5, "数据审核员", [pairs[d][1] for d in frame["责任部门"]])
    return frame
