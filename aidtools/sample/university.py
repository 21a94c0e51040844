"""The sample university: campuses, colleges, majors, and its enrolled students (在校生库).

A main campus (主校区) with ten colleges and graduate programmes, and a branch campus (分校区)
with two colleges of its own (本科 and 专科). The student table is a dict of equal-length numpy
arrays (one per column), built with vectorised operations so that a million students fit in
seconds and a few hundred MB.

>>> [c.name for c in COLLEGES][:2]
['机械工程学院', '电气工程学院']
>>> sum(c.campus == BRANCH for c in COLLEGES)
2
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidtools.regions import region_table
from aidtools.sample import people

SCHOOL_CODE = "99999"
SCHOOL_NAME = "示例大学"
MAIN, BRANCH = "主校区", "分校区"
HOME_PROVINCE = "21"  # 辽宁


@dataclass(frozen=True)
class Major:
    name: str
    short: str  # class-name prefix: 机制1701
    level: str  # 本科 / 专科
    duration: float


@dataclass(frozen=True)
class College:
    code: str
    name: str
    campus: str
    majors: tuple[Major, ...]
    grad_majors: tuple[str, ...] = ()
    doctoral: bool = False

    @property
    def branch(self) -> bool:
        return self.campus == BRANCH


def _m(name, short, level="本科", duration=4.0):
    return Major(name, short, level, duration)


COLLEGES: list[College] = [
    College("01", "机械工程学院", MAIN, (_m("机械设计制造及其自动化", "机制"), _m("材料成型及控制工程", "成型"),
                                      _m("车辆工程", "车辆"), _m("工业设计", "工设")), ("机械工程", "车辆工程"), True),
    College("02", "电气工程学院", MAIN, (_m("电气工程及其自动化", "电气"), _m("自动化", "自动化"),
                                      _m("测控技术与仪器", "测控")), ("电气工程", "控制科学与工程"), True),
    College("03", "信息科学与工程学院", MAIN, (_m("计算机科学与技术", "计算机"), _m("软件工程", "软件"),
                                          _m("通信工程", "通信"), _m("电子信息工程", "电信")),
            ("计算机科学与技术", "信息与通信工程"), True),
    College("04", "材料科学与工程学院", MAIN, (_m("材料科学与工程", "材料"), _m("金属材料工程", "金材"),
                                          _m("冶金工程", "冶金")), ("材料科学与工程", "冶金工程"), True),
    College("05", "化学工程学院", MAIN, (_m("化学工程与工艺", "化工"), _m("应用化学", "应化"),
                                      _m("制药工程", "制药")), ("化学工程与技术",), False),
    College("06", "土木工程学院", MAIN, (_m("土木工程", "土木"), _m("工程管理", "工管"),
                                      _m("给排水科学与工程", "给排水"), _m("建筑学", "建筑", duration=5.0)),
            ("土木工程", "建筑与土木工程"), True),
    College("07", "经济管理学院", MAIN, (_m("会计学", "会计"), _m("工商管理", "工商"), _m("国际经济与贸易", "国贸"),
                                      _m("市场营销", "营销")), ("管理科学与工程", "工商管理"), False),
    College("08", "外国语学院", MAIN, (_m("英语", "英语"), _m("日语", "日语"), _m("俄语", "俄语")),
            ("外国语言文学",), False),
    College("09", "文法学院", MAIN, (_m("法学", "法学"), _m("汉语言文学", "汉语言"), _m("社会工作", "社工")),
            ("法学",), False),
    College("10", "理学院", MAIN, (_m("数学与应用数学", "数学"), _m("应用物理学", "应物"),
                                _m("信息与计算科学", "信计")), ("数学", "物理学"), False),
    College("11", "分校工程技术学院", BRANCH, (_m("机械电子工程", "机电本"), _m("机电一体化技术", "机电", "专科", 3.0),
                                          _m("电气自动化技术", "电自", "专科", 3.0))),
    College("12", "分校经贸学院", BRANCH, (_m("财务管理", "财管"), _m("会计", "会计专", "专科", 3.0),
                                      _m("电子商务", "电商", "专科", 3.0))),
]

LEVELS = np.array(["专科", "本科", "硕士研究生", "博士研究生"])
SUBSYSTEM_OF_LEVEL = {"专科": "本专科", "本科": "本专科", "硕士研究生": "研究生", "博士研究生": "研究生"}
STATUSES = np.array(["在读", "休学", "保留学籍", "退学", "毕业", "结业", "肄业"])

# Ethnicity mix of a Liaoning university; Uyghur and Kazakh students come from Xinjiang (65).
ETHNICITIES = ["汉族", "满族", "蒙古族", "回族", "朝鲜族", "锡伯族", "壮族", "土家族", "苗族", "维吾尔族", "哈萨克族"]
ETHNICITY_P = [0.845, 0.075, 0.02, 0.015, 0.012, 0.004, 0.006, 0.005, 0.004, 0.01, 0.004]
OTHER_PROVINCES = ["22", "23", "15", "13", "37", "41", "14", "34"]
POLITICAL_UG = (["中国共产主义青年团团员", "中国共产党党员", "中国共产党预备党员", "群众"], [0.82, 0.06, 0.04, 0.08])
POLITICAL_PG = (["中国共产主义青年团团员", "中国共产党党员", "中国共产党预备党员", "群众"], [0.45, 0.38, 0.05, 0.12])
HUKOU = (["农业户口", "非农业户口", "居民户口", ""], [0.4, 0.2, 0.3, 0.1])


def birth_counties(province: str, earliest_birth_year: int) -> np.ndarray:
    """County codes of a province that exist today and already existed in ``earliest_birth_year``.

    Codes ending in 00 (province/prefecture) and 01 (市辖区) are left out, as on real ID cards.
    """
    table = region_table()
    ok = (table["end"] == 9999) & (table["start"] <= earliest_birth_year)
    ok &= table.index.str.startswith(province) & ~table.index.str.endswith(("00", "01"))
    return np.array(table.index[ok], dtype="U6")


def _majors_frame() -> pd.DataFrame:
    rows = []
    for ci, c in enumerate(COLLEGES):
        for mi, m in enumerate(c.majors):
            rows.append({"college": ci, "major_no": mi + 1, "major": m.name, "short": m.short, "level": m.level,
                         "duration": m.duration, "branch": c.branch})
    return pd.DataFrame(rows)


def _grad_majors_frame() -> pd.DataFrame:
    rows = []
    for ci, c in enumerate(COLLEGES):
        for mi, name in enumerate(c.grad_majors):
            rows.append({"college": ci, "major_no": mi + 1, "major": name, "doctoral": c.doctoral})
    return pd.DataFrame(rows)


def _format_no(prefix: np.ndarray, serial: np.ndarray, width: int) -> np.ndarray:
    return np.strings.add(prefix, np.strings.zfill(serial.astype(f"U{width}"), width))


def build_students(rng: np.random.Generator, n: int, year0: int) -> dict[str, np.ndarray]:
    """The enrolled-student table for academic year ``year0``-``year0+1`` (columns → arrays).

    Besides the template columns it holds helper columns: ``college_idx``, ``subsystem``,
    ``bank_card``/``bank`` (the card aid is paid to) and ``male``.
    """
    level = rng.choice(4, size=n, p=[0.06, 0.72, 0.18, 0.04])
    ug = level <= 1
    majors = _majors_frame()
    gmajors = _grad_majors_frame()

    # Undergraduate majors: 专科 only at the branch campus; 本科 mostly at the main campus.
    major_row = np.empty(n, dtype=np.int64)
    zk = np.flatnonzero(level == 0)
    bk = np.flatnonzero(level == 1)
    zk_rows = np.flatnonzero((majors["level"] == "专科").to_numpy())
    bk_main = np.flatnonzero(((majors["level"] == "本科") & ~majors["branch"]).to_numpy())
    bk_branch = np.flatnonzero(((majors["level"] == "本科") & majors["branch"]).to_numpy())
    major_row[zk] = rng.choice(zk_rows, size=len(zk))
    at_branch = rng.random(len(bk)) < 0.1
    major_row[bk] = np.where(at_branch, rng.choice(bk_branch, size=len(bk)), rng.choice(bk_main, size=len(bk)))

    pg = np.flatnonzero(~ug)
    doctoral = level[pg] == 3
    g_all = np.arange(len(gmajors))
    g_doc = np.flatnonzero(gmajors["doctoral"].to_numpy())
    grad_row = np.where(doctoral, rng.choice(g_doc, size=len(pg)), rng.choice(g_all, size=len(pg)))

    college_idx = np.empty(n, dtype=np.int64)
    college_idx[ug] = majors["college"].to_numpy()[major_row[ug]]
    college_idx[pg] = gmajors["college"].to_numpy()[grad_row]
    major_name = np.empty(n, dtype=object)
    major_name[ug] = majors["major"].to_numpy()[major_row[ug]]
    major_name[pg] = gmajors["major"].to_numpy()[grad_row]
    major_no = np.empty(n, dtype=np.int64)
    major_no[ug] = majors["major_no"].to_numpy()[major_row[ug]]
    major_no[pg] = gmajors["major_no"].to_numpy()[grad_row]
    duration = np.empty(n, dtype=float)
    duration[ug] = majors["duration"].to_numpy()[major_row[ug]]
    master = level == 2
    duration[master] = np.where(rng.random(master.sum()) < 0.3, 2.5, 3.0)
    duration[level == 3] = 4.0

    # Grade and status: current students plus a few who graduated, left or are suspended.
    years_in = np.floor(rng.random(n) * np.ceil(duration)).astype(int)
    grade = year0 - years_in
    status = np.zeros(n, dtype=np.int64)  # 在读
    u = rng.random(n)
    status[u < 0.007] = 1  # 休学
    status[(u >= 0.007) & (u < 0.010)] = 2  # 保留学籍
    status[(u >= 0.010) & (u < 0.015)] = 3  # 退学
    left = (u >= 0.015) & (u < 0.045)  # graduated last summer, still in this year's table
    status[left] = np.where(rng.random(left.sum()) < 0.93, 4, rng.choice([5, 6], size=left.sum()))
    grade[left] = year0 - np.ceil(duration[left]).astype(int)

    # Sort by the parts of the 学号 (integers: cheap) so that every later column comes out in order.
    order = np.lexsort((major_no, college_idx, grade, level))
    level, ug, college_idx, major_no, duration, grade, status = (
        a[order] for a in (level, ug, college_idx, major_no, duration, grade, status))
    major_name = major_name[order].astype(str)
    major_row = np.where(ug, major_row[order], 0)

    campus = np.where(np.array([c.branch for c in COLLEGES])[college_idx], BRANCH, MAIN)

    # People: sex, ethnicity, origin, birth date, name, ID number.
    male = rng.random(n) < np.where(ug, 0.53, 0.5)
    eth = rng.choice(len(ETHNICITIES), size=n, p=ETHNICITY_P)
    ethnicity = np.array(ETHNICITIES)[eth]
    xinjiang = np.isin(ethnicity, ["维吾尔族", "哈萨克族"])
    province = np.where(rng.random(n) < 0.82, HOME_PROVINCE,
                        np.array(OTHER_PROVINCES)[rng.integers(0, len(OTHER_PROVINCES), n)])
    province = np.where(xinjiang, "65", province).astype("U2")
    region = np.empty(n, dtype="U6")
    for prov in np.unique(province):
        sel = np.flatnonzero(province == prov)
        counties = birth_counties(str(prov), 1984)
        region[sel] = counties[rng.integers(0, len(counties), size=len(sel))]
    age = np.select([level <= 1, level == 2, level == 3], [18, 22, 25]) + rng.choice(
        [-1, 0, 0, 0, 1, 1, 2], size=n) + np.where(level == 3, rng.integers(0, 4, n), 0)
    birth_year = grade - age
    start = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    birth = start + rng.integers(0, 365, size=n).astype("timedelta64[D]")
    id_no = people.id_numbers(rng, region, birth, male)
    name = np.where(xinjiang, people.minority_names(rng, male), people.han_names(rng, male))

    # 学号: grade + college + major + serial; the branch campus prefixes 0 and a two-digit year;
    # graduate students S (硕士) / B (博士) + grade + college + programme + serial.
    frame = pd.DataFrame({"level": level, "grade": grade, "college": college_idx, "major_no": major_no})
    serial = frame.groupby(["level", "grade", "college", "major_no"]).cumcount().to_numpy() + 1
    width = max(3, len(str(int(serial.max()))))
    college_code = np.array([c.code for c in COLLEGES])[college_idx]
    grade_str = grade.astype("U4")
    branch = campus == BRANCH
    ug_prefix = np.strings.add(np.strings.add(grade_str, college_code), np.strings.zfill(major_no.astype("U2"), 2))
    branch_prefix = np.strings.add(np.strings.add("0", np.strings.slice(grade_str, 2, 4)),
                                   np.strings.add(college_code, major_no.astype("U1")))
    pg_prefix = np.strings.add(np.strings.add(np.where(level == 3, "B", "S"), np.strings.add(grade_str, college_code)),
                               major_no.astype("U1"))
    prefix = np.where(ug, np.where(branch, branch_prefix, ug_prefix), pg_prefix)
    student_no = _format_no(prefix, serial, width)

    # Class: major abbreviation + two-digit grade + class number (about 30 per class).
    shorts = np.where(ug, majors["short"].to_numpy().astype("U8")[major_row], "")
    class_no = (serial - 1) // 30 + 1
    class_name = np.strings.add(np.strings.add(shorts, np.strings.slice(grade_str, 2, 4)),
                                np.strings.zfill(class_no.astype("U2"), 2))
    class_name = np.where(ug, class_name, "")

    pol_ug, p_ug = POLITICAL_UG
    pol_pg, p_pg = POLITICAL_PG
    political = np.where(ug, np.array(pol_ug)[rng.choice(4, n, p=p_ug)], np.array(pol_pg)[rng.choice(4, n, p=p_pg)])
    hukou = np.array(HUKOU[0])[rng.choice(len(HUKOU[0]), n, p=HUKOU[1])]
    origin = np.where(rng.random(n) < 0.95, region, "")
    mobile = np.where(rng.random(n) < 0.93, people.mobiles(rng, n), "")
    card, bank = people.bank_cards(rng, n)

    students = {
        "学校代码": np.full(n, SCHOOL_CODE),
        "学号": student_no,
        "姓名": name,
        "身份证件类型": np.full(n, "居民身份证"),
        "身份证件号": id_no,
        "性别": np.where(male, "男", "女"),
        "出生日期": people.ymd(birth),
        "民族": ethnicity,
        "政治面貌": political,
        "院系": np.array([c.name for c in COLLEGES])[college_idx],
        "专业": major_name,
        "班级": class_name,
        "年级": grade_str,
        "学制": duration,
        "学历层次": LEVELS[level],
        "入学年月": np.strings.add(grade_str, "09"),
        "学籍状态": STATUSES[status],
        "校区": campus,
        "户口性质": hukou,
        "生源地": origin,
        "手机号码": mobile,
        # helper columns (not written)
        "college_idx": college_idx,
        "level_idx": level,
        "grade": grade,
        "subsystem": np.where(ug, "本专科", "研究生"),
        "male": male,
        "bank_card": card,
        "bank": bank,
    }
    return students
