"""Planted mistakes in files: cell, ID, bank-card and row mistakes, and template/file-level ones.

Every plant changes one cell (or adds one duplicated row) so that exactly one rule fires, and
records a truth entry ``{"kind": "cell", "file", "sheet", "row", "column", "field", "rule",
"severity", "plant"}`` (row = Excel row, column = letter; None where the rule has no cell).
Rows are chosen so that the mistake cannot ripple into reconciliation: students with no other
record (student table), difficult students without need-based payments (困难认定), payments of
programmes without allocation or standard (资助发放), loans.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np

from aidtools.codetables import load_code_tables
from aidtools.regions import region_table
from aidtools.rules import RULES
from aidtools.sample import people
from aidtools.sample.departments import Submission
from aidtools.sample.sheets import World
from aidtools.reading.xlsx_parts import column_letter

# Payments whose loss (a held-back row) changes no reconciliation figure.
SAFE_PROGRAMMES = ("校内奖学金", "临时困难补助", "勤工助学", "学费减免", "入学绿色通道", "服兵役国家教育资助",
                   "基层就业学费补偿贷款代偿")
LONG_MAJOR = "机械设计制造及其自动化（中外合作办学）（卓越工程师教育培养计划试点班）"
LONG_REASON = ("家庭经济十分困难，父亲常年患病卧床，需长期服药治疗，母亲在家务农并照顾老人，"
               "家中还有弟弟妹妹在读，全家收入仅靠几亩薄田，遇到旱灾收成很差，已向亲友借款两万余元，"
               "生活极为拮据，特申请认定为家庭经济困难学生，望学校给予帮助。")
SCHOOL_IDENTIFIER = "4121099999"  # the sample school's (made-up) 10-digit 学校标识码
LONG_BANK = "中国农业银行股份有限公司沈阳市和平区南京南街支行营业部（原南市场分理处）"


@dataclass
class Spot:
    """A planted change waiting for its final row number (rows may still be inserted)."""

    sub: Submission
    pos: int | None
    header: str | None
    rule: str
    plant: str
    severity: str | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    rule: str
    apply: Callable  # (planter, sub, pos) -> list[(header, value)] or None when it does not fit this row
    typed: bool = False  # needs typed cells (not possible in CSV)
    severity: str | None = None
    header: str | None = None  # where the finding is; default the first changed header


def _excel_number(digits: str) -> float:
    """What Excel keeps of a long digit string typed into a number cell: 15 significant digits."""
    return float(f"{int(digits):.15g}")


def _dashed(ymd: str) -> str:
    return f"{ymd[:4]}-{ymd[4:6]}-{ymd[6:]}"


def as_date(ymd: str) -> dt.date:
    """'20171120' → date(2017, 11, 20)."""
    return dt.date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))


class CellPlanter:
    """Plants cell and row mistakes into planned submissions and keeps the truth."""

    def __init__(self, rng: np.random.Generator, world: World, subs: list[Submission], touched: set[int]):
        self.rng, self.world, self.subs = rng, world, subs
        self.touched = touched
        self.spots: list[Spot] = []
        self.used: dict[str, set[int]] = {}
        self.specs = world.specs
        self._sids: dict[int, tuple] = {}
        self._eligible_cache: dict[int, tuple] = {}
        self._eligible_rows()

    # ------------------------------------------------------------ eligibility
    def _eligible_rows(self) -> None:
        w = self.world
        n = len(w.st["学号"])
        referenced = np.zeros(n, dtype=bool)
        for frame in (w.difficulty, w.disb, w.loans):
            referenced[frame["sid"].to_numpy()] = True
        touched = np.zeros(n, dtype=bool)
        touched[list(self.touched)] = True
        programmes = load_code_tables()["programme"]
        need = {e["name"] for e in programmes.entries if e.get("need_based") in ("yes", "warn")}
        needs_help = np.zeros(n, dtype=bool)
        needs_help[w.disb.loc[w.disb["programme"].isin(list(need)), "sid"].to_numpy()] = True
        self.ok_student = ~referenced & ~touched
        self.ok_difficult = ~needs_help & ~touched
        self.safe_payment = w.disb["programme"].isin(list(SAFE_PROGRAMMES)).to_numpy()

    def _fitting(self, sub: Submission) -> np.ndarray:
        """Positions of a submission whose change cannot ripple elsewhere (cached per rows array)."""
        cached = self._eligible_cache.get(id(sub))
        if cached is not None and cached[0] is sub.rows and cached[2] == sub.special:
            return cached[1]
        if sub.special or sub.raw is not None or sub.other_sheet is not None or sub.header_only:
            ok = np.zeros(len(sub.rows), dtype=bool)
        else:
            sids = self.sids(sub)
            touched = np.fromiter(self.touched, dtype=np.int64, count=len(self.touched))
            if sub.table == "students":
                ok = self.ok_student[sids]
            elif sub.table == "difficulty":
                ok = self.ok_difficult[sids]
            elif sub.table == "disbursement":
                ok = self.safe_payment[sub.rows] & ~np.isin(sids, touched)
            elif sub.table == "loan":
                ok = ~np.isin(sids, touched)
            else:
                ok = np.zeros(len(sub.rows), dtype=bool)
        pos = np.flatnonzero(ok)
        self._eligible_cache[id(sub)] = (sub.rows, pos, sub.special)
        return pos

    def eligible(self, sub: Submission) -> np.ndarray:
        """Positions of a submission where a plant may still go."""
        pos = self._fitting(sub)
        used = self.used.get(sub.path)
        return pos[~np.isin(pos, np.fromiter(used, dtype=np.int64, count=len(used)))] if used else pos

    def free_position(self, sub: Submission, attempts: int = 30) -> int | None:
        """A random fitting position not used yet (cheap for big files)."""
        pos = self._fitting(sub)
        if not len(pos):
            return None
        used = self.used.get(sub.path, set())
        for _ in range(attempts):
            q = int(pos[int(self.rng.integers(0, len(pos)))])
            if q not in used:
                return q
        return None

    # ------------------------------------------------------------ recording
    def mark(self, sub: Submission, pos: int) -> None:
        self.used.setdefault(sub.path, set()).add(int(pos))

    def set(self, sub: Submission, pos: int, header: str, value) -> None:
        sub.overrides[(int(pos), header)] = value

    def add(self, sub: Submission, pos, header, rule, plant, severity=None) -> None:
        self.spots.append(Spot(sub, None if pos is None else int(pos), header, rule, plant, severity))

    def insert_copy(self, sub: Submission, pos: int) -> int:
        """Duplicate the row at ``pos`` right below it; later positions shift by one."""
        sub.rows = np.insert(sub.rows, pos + 1, sub.rows[pos])
        for spot in self.spots:
            if spot.sub is sub and spot.pos is not None and spot.pos > pos:
                spot.pos += 1
        used = self.used.get(sub.path)
        if used:
            self.used[sub.path] = {p + 1 if p > pos else p for p in used}
        shifted = {}
        for (p, h), v in sub.overrides.items():
            shifted[(p + 1 if p > pos else p, h)] = v
        sub.overrides = shifted
        return pos + 1

    # ------------------------------------------------------------ values
    def sids(self, sub: Submission) -> np.ndarray:
        """Student rows behind a submission's rows (cached until its rows change)."""
        cached = self._sids.get(id(sub))
        if cached is None or cached[0] is not sub.rows:
            cached = self._sids[id(sub)] = (sub.rows, self.world.sids(sub))
        return cached[1]

    def sid(self, sub: Submission, pos: int) -> int:
        return int(self.sids(sub)[pos])

    def st(self, sub: Submission, pos: int, column: str) -> str:
        return str(self.world.st[column][self.sid(sub, pos)])

    def record(self, sub: Submission, pos: int):
        return self.world.table(sub.table).iloc[int(sub.rows[pos])]

    # ------------------------------------------------------------ planting
    def plant(self, kind: Kind, sub: Submission, pos: int) -> bool:
        if kind.typed and sub.writer == "csv":
            return False
        changes = kind.apply(self, sub, pos)
        if not changes:
            return False
        for header, value in changes:
            self.set(sub, pos, header, value)
        self.mark(sub, pos)
        self.add(sub, pos, kind.header or changes[0][0], kind.rule, kind.name, kind.severity)
        return True

    def truth(self) -> list[dict]:
        out = []
        for spot in self.spots:
            spec = self.specs.get(spot.sub.template) if spot.sub.template else None
            headers = spec.headers if spec else []
            column = column_letter(headers.index(spot.header)) if spot.header in headers else None
            row = None if spot.pos is None else (spec.first_data_row if spec else 2) + spot.pos
            if spot.pos == -1:  # the header row
                row = spec.header_row
            sheet = None
            if spec is not None and spot.sub.raw is None:
                sheet = spot.sub.sheet_name or spec.sheet
            out.append({"kind": "cell", "file": spot.sub.path, "sheet": sheet, "row": row, "column": column,
                        "field": spot.header, "rule": spot.rule,
                        "severity": spot.severity or RULES[spot.rule].severity, "plant": spot.plant})
        return out


# ---------------------------------------------------------------- student-table kinds
def _s_required(p, sub, pos):
    return [("专业", "")]


def _s_ethnicity(p, sub, pos):
    hint = {"汉族": "汉", "蒙古族": "蒙族", "维吾尔族": "维族"}.get(p.st(sub, pos, "民族"))
    return [("民族", hint)] if hint else None


def _s_political(p, sub, pos):
    return [("政治面貌", "少先队员")]


def _s_length(p, sub, pos):
    return [("专业", LONG_MAJOR)]


def _s_mobile(p, sub, pos):
    mobile = p.st(sub, pos, "手机号码")
    return [("手机号码", mobile[:10])] if mobile else None


def _s_region(p, sub, pos):
    origin = p.st(sub, pos, "生源地")
    return [("生源地", origin[:5])] if origin else None


def _s_whitespace(p, sub, pos):
    major = p.st(sub, pos, "专业")
    return [("专业", major + " " if p.rng.random() < 0.5 else "\u3000" + major)]


def _s_number_id(p, sub, pos):
    id_no = p.st(sub, pos, "身份证件号")
    return None if id_no.endswith("X") else [("身份证件号", _excel_number(id_no))]


def _s_number_no_kept(p, sub, pos):
    no = p.st(sub, pos, "学号")
    return [("学号", int(no))] if no.isdigit() and not no.startswith("0") else None


def _s_number_no_lost(p, sub, pos):
    no = p.st(sub, pos, "学号")
    return [("学号", int(no))] if no.isdigit() and no.startswith("0") else None


def _s_type(p, sub, pos):
    return [("学制", {4.0: "四年", 3.0: "三年", 5.0: "五年"}.get(float(p.world.st["学制"][p.sid(sub, pos)]), "两年半"))]


def _s_range(p, sub, pos):
    return [("学制", 9)]


def _s_birth_text(p, sub, pos):
    return [("出生日期", _dashed(p.st(sub, pos, "出生日期")))]


def _s_birth_cell(p, sub, pos):
    return [("出生日期", as_date(p.st(sub, pos, "出生日期")))]


def _new_id(body17: str) -> str:
    return str(people.with_check_char(np.array([body17]))[0])


def _s_id_length(p, sub, pos):
    id_no = p.st(sub, pos, "身份证件号")
    return [("身份证件号", id_no[:14] + id_no[15:])]


def _s_id_checksum(p, sub, pos):
    id_no = p.st(sub, pos, "身份证件号")
    wrong = "0123456789X".replace(id_no[17], "")[int(p.rng.integers(0, 10))]
    return [("身份证件号", id_no[:17] + wrong)]


def _s_id_birth(p, sub, pos):
    id_no = p.st(sub, pos, "身份证件号")
    year = id_no[6:10]
    bad = year + ("0230" if p.rng.random() < 0.5 else "1305")
    return [("身份证件号", _new_id(id_no[:6] + bad + id_no[14:17]))]


def _s_id_region(p, sub, pos):
    id_no = p.st(sub, pos, "身份证件号")
    return [("身份证件号", _new_id("98" + id_no[2:17]))]


def _unknown_county(province: str) -> str:
    codes = set(region_table().index)
    for tail in range(9999, 0, -1):
        code = f"{province}{tail:04d}"
        if code not in codes:
            return code
    raise RuntimeError("no unused county code")


def _s_id_county(p, sub, pos):
    id_no = p.st(sub, pos, "身份证件号")
    return [("身份证件号", _new_id(_unknown_county(id_no[:2]) + id_no[6:17]))]


def _s_id_old(p, sub, pos):
    id_no = p.st(sub, pos, "身份证件号")
    return [("身份证件号", id_no[:6] + id_no[8:14] + id_no[14:17])]


def _s_id_temporary(p, sub, pos):
    """A school-made temporary number: 999 + 10-digit school identifier + 5-digit serial."""
    return [("身份证件号", f"999{SCHOOL_IDENTIFIER}{int(p.rng.integers(1, 100000)):05d}")]


def _s_sex(p, sub, pos):
    return [("性别", "女" if p.st(sub, pos, "性别") == "男" else "男")]


def _s_birth_mismatch(p, sub, pos):
    birth = as_date(p.st(sub, pos, "出生日期"))
    other = birth - dt.timedelta(days=int(p.rng.integers(1, 40)))
    return [("出生日期", other.strftime("%Y%m%d"))]


def _s_enrol_month(p, sub, pos):
    grade = int(p.st(sub, pos, "年级"))
    return [("入学年月", f"{grade - 1}09")]


def _s_school_code(p, sub, pos):
    return [("学校代码", "99998")] if sub.rows.size >= 3 else None


# ---------------------------------------------------------------- difficulty kinds
def _level(p, sub, pos) -> str:
    return str(p.record(sub, pos)["level"])


def _d_flag_no(p, sub, pos):
    return [("孤残学生", "否")] if _level(p, sub, pos) in ("特别困难", "困难") and not p.record(sub, pos)["孤残学生"] else None


def _d_length(p, sub, pos):
    return [("认定原因", LONG_REASON)] if _level(p, sub, pos) != "不困难" else None


def _d_required(p, sub, pos):
    return [("认定原因", "")] if _level(p, sub, pos) != "不困难" else None


def _d_type(p, sub, pos):
    return [("家庭人口数", "四口")]


def _d_range(p, sub, pos):
    return [("家庭人口数", 25)]


def _d_date_text(p, sub, pos):
    ymd = str(p.record(sub, pos)["date"])
    return [("认定日期", f"{ymd[:4]}/{int(ymd[4:6])}/{int(ymd[6:])}")]


def _d_date_cell(p, sub, pos):
    return [("认定日期", as_date(str(p.record(sub, pos)["date"])))]


def _d_code(p, sub, pos):
    return [("认定等级", "贫困")] if _level(p, sub, pos) != "不困难" else None


def _d_window(p, sub, pos):
    return [("认定日期", f"{p.world.year0}0825")]


def _d_special_rejected(p, sub, pos):
    return [("最低生活保障家庭", "是")] if _level(p, sub, pos) == "不困难" else None


def _d_special_general(p, sub, pos):
    return [("建档立卡贫困家庭", "是")] if _level(p, sub, pos) == "一般困难" else None


def _d_whitespace(p, sub, pos):
    reason = str(p.record(sub, pos)["reason"])
    return [("认定原因", reason + "\n")] if reason else None


def _d_duplicate(p, sub, pos):
    if str(p.record(sub, pos)["level"]) == "":
        return None
    return "insert"


# ---------------------------------------------------------------- disbursement kinds
def _p_luhn(p, sub, pos):
    card = p.st(sub, pos, "bank_card")
    last = (int(card[-1]) + 1 + int(p.rng.integers(0, 8))) % 10
    return [("银行卡号", card[:-1] + str(last))]


def _p_whitespace(p, sub, pos):
    return [("开户银行", p.st(sub, pos, "bank") + " ")]


def _p_date_text(p, sub, pos):
    return [("发放日期", _dashed(str(p.record(sub, pos)["date"])))]


def _p_date_cell(p, sub, pos):
    return [("发放日期", as_date(str(p.record(sub, pos)["date"])))]


def _p_type(p, sub, pos):
    return [("发放金额(元)", f"{int(p.record(sub, pos)['amount'])}元")]


def _p_range(p, sub, pos):
    return [("发放批次", 13)]


def _p_required(p, sub, pos):
    return [("开户银行", "")]


def _p_code(p, sub, pos):
    wrong = {"临时困难补助": "临时补助", "勤工助学": "勤工俭学", "校内奖学金": "校级奖学金"}.get(str(p.record(sub, pos)["programme"]))
    return [("资助项目", wrong)] if wrong else None


def _p_tier(p, sub, pos):
    return [("资助档次", "一等")]


def _p_window(p, sub, pos):
    return [("发放日期", f"{p.world.year0}0820")]


def _p_length(p, sub, pos):
    return [("开户银行", LONG_BANK)]


def _p_number_id(p, sub, pos):
    return _s_number_id(p, sub, pos)


def _p_number_no(p, sub, pos):
    return _s_number_no_kept(p, sub, pos)


def _p_number_card(p, sub, pos):
    card = p.st(sub, pos, "bank_card")
    return [("银行卡号", _excel_number(card))] if len(card) > 15 else None


# ---------------------------------------------------------------- loan kinds
def _l_code(p, sub, pos):
    return [("贷款类型", "生源地贷款")]


def _l_required(p, sub, pos):
    return [("经办银行", "")]


def _l_type(p, sub, pos):
    return [("贷款金额(元)", "八千")]


def _l_duplicate(p, sub, pos):
    if pos == 0 or (pos - 1) in p.used.get(sub.path, set()):
        return None
    p.mark(sub, pos - 1)
    return [("合同编号", str(p.record(sub, pos - 1)["contract"]))]


def _l_date_text(p, sub, pos):
    ymd = str(p.record(sub, pos)["date"])
    return [("放款日期", f"{ymd[:4]}.{int(ymd[4:6])}.{int(ymd[6:])}")]


def _l_whitespace(p, sub, pos):
    return [("经办银行", " " + str(p.record(sub, pos)["bank"]))]


KINDS = [
    Kind("student.blank_major", "students", "cell.required", _s_required),
    Kind("student.ethnicity_short", "students", "cell.code", _s_ethnicity),
    Kind("student.political_unknown", "students", "cell.code", _s_political),
    Kind("student.major_too_long", "students", "cell.length", _s_length),
    Kind("student.mobile_10_digits", "students", "cell.pattern", _s_mobile),
    Kind("student.origin_5_digits", "students", "cell.pattern", _s_region),
    Kind("student.major_spaces", "students", "cell.whitespace", _s_whitespace),
    Kind("student.id_as_number", "students", "cell.number_stored", _s_number_id, typed=True),
    Kind("student.no_as_number", "students", "cell.number_stored", _s_number_no_kept, typed=True, severity="warning"),
    Kind("student.no_lost_zero", "students", "cell.number_stored", _s_number_no_lost, typed=True),
    Kind("student.duration_words", "students", "cell.type", _s_type),
    Kind("student.duration_9", "students", "cell.range", _s_range),
    Kind("student.birth_dashed", "students", "cell.date_format", _s_birth_text),
    Kind("student.birth_date_cell", "students", "cell.date_format", _s_birth_cell, typed=True),
    Kind("student.id_17_chars", "students", "id.length", _s_id_length),
    Kind("student.id_checksum", "students", "id.checksum", _s_id_checksum),
    Kind("student.id_birth_invalid", "students", "id.birth_date", _s_id_birth),
    Kind("student.id_province", "students", "id.region", _s_id_region),
    Kind("student.id_county", "students", "id.county", _s_id_county),
    Kind("student.id_15_digits", "students", "id.old_format", _s_id_old),
    Kind("student.id_temporary", "students", "id.temporary", _s_id_temporary),
    Kind("student.sex_flipped", "students", "row.sex_mismatch", _s_sex),
    Kind("student.birth_differs", "students", "row.birth_mismatch", _s_birth_mismatch),
    Kind("student.enrol_month", "students", "row.rule", _s_enrol_month, severity="warning"),
    Kind("student.school_code", "students", "row.rule", _s_school_code),
    Kind("difficulty.flag_no", "difficulty", "cell.flag_no", _d_flag_no),
    Kind("difficulty.reason_too_long", "difficulty", "cell.length", _d_length),
    Kind("difficulty.reason_blank", "difficulty", "cell.required", _d_required),
    Kind("difficulty.family_words", "difficulty", "cell.type", _d_type),
    Kind("difficulty.family_25", "difficulty", "cell.range", _d_range),
    Kind("difficulty.date_slashes", "difficulty", "cell.date_format", _d_date_text),
    Kind("difficulty.date_cell", "difficulty", "cell.date_format", _d_date_cell, typed=True),
    Kind("difficulty.level_unknown", "difficulty", "cell.code", _d_code),
    Kind("difficulty.date_before_year", "difficulty", "row.rule", _d_window),
    Kind("difficulty.group_rejected", "difficulty", "row.rule", _d_special_rejected),
    Kind("difficulty.group_general", "difficulty", "row.rule", _d_special_general, severity="warning"),
    Kind("difficulty.reason_newline", "difficulty", "cell.whitespace", _d_whitespace),
    Kind("difficulty.duplicate_row", "difficulty", "row.duplicate", _d_duplicate, header="学号"),
    Kind("payment.card_luhn", "disbursement", "bank.luhn", _p_luhn),
    Kind("payment.bank_space", "disbursement", "cell.whitespace", _p_whitespace),
    Kind("payment.date_dashed", "disbursement", "cell.date_format", _p_date_text),
    Kind("payment.date_cell", "disbursement", "cell.date_format", _p_date_cell, typed=True),
    Kind("payment.amount_yuan", "disbursement", "cell.type", _p_type),
    Kind("payment.batch_13", "disbursement", "cell.range", _p_range),
    Kind("payment.bank_blank", "disbursement", "cell.required", _p_required),
    Kind("payment.programme_unknown", "disbursement", "cell.code", _p_code),
    Kind("payment.tier_not_tiered", "disbursement", "row.rule", _p_tier),
    Kind("payment.date_before_year", "disbursement", "row.rule", _p_window),
    Kind("payment.bank_too_long", "disbursement", "cell.length", _p_length),
    Kind("payment.id_as_number", "disbursement", "cell.number_stored", _p_number_id, typed=True),
    Kind("payment.no_as_number", "disbursement", "cell.number_stored", _p_number_no, typed=True, severity="warning"),
    Kind("payment.card_as_number", "disbursement", "cell.number_stored", _p_number_card, typed=True),
    Kind("loan.type_unknown", "loan", "cell.code", _l_code),
    Kind("loan.bank_blank", "loan", "cell.required", _l_required),
    Kind("loan.amount_words", "loan", "cell.type", _l_type),
    Kind("loan.contract_repeated", "loan", "row.duplicate", _l_duplicate),
    Kind("loan.date_dots", "loan", "cell.date_format", _l_date_text),
    Kind("loan.bank_space", "loan", "cell.whitespace", _l_whitespace),
]


def plant_duplicate(p: CellPlanter, kind: Kind, sub: Submission, pos: int) -> bool:
    if kind.apply(p, sub, pos) != "insert":
        return False
    new = p.insert_copy(sub, pos)
    p.mark(sub, pos)
    p.mark(sub, new)
    p.add(sub, new, kind.header, kind.rule, kind.name, kind.severity)
    return True


def plant_cells(p: CellPlanter, error_rate: float) -> None:
    """One of every kind, then about ``error_rate`` of all data rows: files drawn by their size,
    a kind of that file's table, a fitting row."""
    duplicate = [k for k in KINDS if k.name == "difficulty.duplicate_row"]
    others = [k for k in KINDS if k.name != "difficulty.duplicate_row"]
    data_subs = [s for s in p.subs if s.table in ("students", "difficulty", "disbursement", "loan")
                 and s.raw is None and s.other_sheet is None and not s.special]
    total = sum(len(s.rows) for s in data_subs)
    extra = int(round(error_rate * total))
    weights = np.array([len(s.rows) for s in data_subs], dtype=float)
    chosen = p.rng.choice(len(data_subs), size=extra, p=weights / weights.sum()) if extra and weights.sum() else []
    by_table = {t: [k for k in KINDS if k.table == t] for t in ("students", "difficulty", "disbursement", "loan")}
    plan = [(data_subs[i], by_table[data_subs[i].table][int(p.rng.integers(0, len(by_table[data_subs[i].table])))])
            for i in chosen]

    # Inserted rows first, so that no later position shifts.
    for kind in duplicate:
        _place(p, kind, structural=True)
    for sub, kind in plan:
        if kind in duplicate:
            q = p.free_position(sub)
            if q is not None:
                plant_duplicate(p, kind, sub, q)
    for kind in others:
        _place(p, kind)
    for sub, kind in plan:
        if kind not in duplicate:
            for _ in range(5):
                q = p.free_position(sub)
                if q is None or p.plant(kind, sub, q):
                    break


def _place(p: CellPlanter, kind: Kind, structural: bool = False) -> bool:
    subs = [s for s in p.subs if s.table == kind.table and not (kind.typed and s.writer == "csv")]
    for i in p.rng.permutation(len(subs)):
        sub = subs[i]
        pos = p.eligible(sub)
        if not len(pos):
            continue
        for q in pos[p.rng.permutation(len(pos))[:40]]:
            done = plant_duplicate(p, kind, sub, int(q)) if structural else p.plant(kind, sub, int(q))
            if done:
                return True
    return False


def plant_allocation_space(p: CellPlanter) -> None:
    """A stray space after a notice number in the finance office's allocation file."""
    sub = next(s for s in p.subs if s.table == "allocation")
    pos = int(p.rng.integers(0, len(sub.rows)))
    p.set(sub, pos, "下达文号", str(p.record(sub, pos)["notice"]) + " ")
    p.mark(sub, pos)
    p.add(sub, pos, "下达文号", "cell.whitespace", "allocation.notice_space")
