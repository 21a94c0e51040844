"""Benchmark inputs: synthetic students, difficulty records and disbursements, built with numpy over
whole columns (a million students in seconds), written as template workbooks and cached.

Every identity number carries a valid GB 11643 check character and a county code that existed in the
birth year; every bank card passes Luhn. A small share of rows (``error_rate``) carries the mistakes
departments really make (wrong check character, stray space, 汉 for 汉族, short mobile, 性别 against
the ID number, blank 民族), so the findings path is measured too, not only the happy path.

>>> frame = student_frame(50, seed=1, error_rate=0)
>>> frame.shape, frame["学号"].is_unique, bool(frame["身份证件号"].str.len().eq(18).all())
((50, 21), True, True)
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

import fastxlsx
from aidtools.regions import region_table
from aidtools.specs import load_specs

DATA_DIR = Path(__file__).resolve().parent / "data"
SCHOOL_CODE = "99999"
YEAR = "2017-2018"  # the academic year of difficulty records and disbursements
AS_OF = dt.date(2018, 6, 30)  # "today" for reconciliation and the whole run: late in YEAR
TITLES = {"student": "学生基本信息", "difficulty": "困难认定", "disbursement": "资助发放", "allocation": "资金下达"}

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_CHARS = np.array(list("10X98765432"))
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯鹏飞鑫博文晨阳雪梅琳颖婷欣怡佳慧子轩涵宁瑞泽思远诗雨梓萱")
_COLLEGES = [
    ("机械工程学院", ["机械设计制造及其自动化", "车辆工程", "工业设计"], "机制"),
    ("电气工程学院", ["电气工程及其自动化", "自动化"], "电气"),
    ("信息科学与工程学院", ["计算机科学与技术", "软件工程", "通信工程"], "计算机"),
    ("土木工程学院", ["土木工程", "给排水科学与工程"], "土木"),
    ("经济管理学院", ["会计学", "市场营销", "国际经济与贸易"], "会计"),
    ("外国语学院", ["英语", "日语"], "英语"),
    ("理学院", ["数学与应用数学", "应用物理学"], "数学"),
    ("材料科学与工程学院", ["材料科学与工程", "高分子材料与工程"], "材料"),
    ("化学工程学院", ["化学工程与工艺", "制药工程"], "化工"),
    ("艺术设计学院", ["视觉传达设计", "环境设计"], "视传"),
    ("法学院", ["法学"], "法学"),
    ("建筑学院", ["建筑学", "城乡规划"], "建筑"),
]
_ETHNIC = ["汉族"] * 90 + ["满族", "回族", "蒙古族", "朝鲜族", "壮族", "土家族", "苗族", "维吾尔族", "彝族", "藏族"]
_BANKS = ["中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "中国邮政储蓄银行"]


def _digits(strings: np.ndarray, width: int) -> np.ndarray:
    """Equal-length digit strings as an (n, width) int matrix."""
    joined = "".join(strings.tolist()).encode("ascii")
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, width).astype(np.int64) - 48


def _zfill(numbers: np.ndarray, width: int) -> np.ndarray:
    return pd.Series(numbers).astype(str).str.zfill(width).to_numpy(dtype=object)


def _cat(*parts) -> np.ndarray:
    """Element-wise string concatenation of arrays; a plain str part is repeated on every row."""
    n = next(len(p) for p in parts if not isinstance(p, str))
    out = pd.Series([""] * n, dtype=object)
    for p in parts:
        out = out + (p if isinstance(p, str) else pd.Series(np.asarray(p, dtype=object)).astype(str))
    return out.to_numpy(dtype=object)


def id_check_chars(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters for 17-digit strings."""
    return _CHECK_CHARS[(_digits(first17, 17) @ _WEIGHTS) % 11]


def luhn_complete(bodies: np.ndarray) -> np.ndarray:
    """Each 18-digit body plus the Luhn digit that makes a valid 19-digit card."""
    d = _digits(bodies, 18)
    # With the check digit appended, body positions counted from the right 1, 3, 5... are doubled.
    doubled = d[:, ::-1][:, 0::2] * 2
    total = np.where(doubled > 9, doubled - 9, doubled).sum(axis=1) + d[:, ::-1][:, 1::2].sum(axis=1)
    return _cat(bodies, ((10 - total % 10) % 10).astype(str))


def _counties() -> np.ndarray:
    """County codes valid from before 1990 until now: correct for any student's birth year."""
    table = region_table()
    ok = (table["start"] == 0) & (table["end"] == 9999) & ~table.index.str.endswith("00")
    return table.index[ok].to_numpy(dtype=object)


def _names(rng, n: int) -> np.ndarray:
    surname = rng.choice(np.array(_SURNAMES, dtype=object), n)
    given1 = rng.choice(np.array(_GIVEN, dtype=object), n)
    given2 = np.where(rng.random(n) < 0.6, rng.choice(np.array(_GIVEN, dtype=object), n), "")
    return _cat(surname, given1, given2)


def _unique_ids(rng, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ID numbers, birth dates YYYYMMDD, male) for n distinct people born 1995-2000."""
    counties = _counties()
    region = rng.choice(counties, n)
    days = rng.integers(0, (np.datetime64("2000-12-31") - np.datetime64("1995-01-01")).astype(int), n)
    birth = (np.datetime64("1995-01-01") + days).astype("datetime64[D]")
    birth = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "").astype(object)
    order = rng.integers(0, 1000, n)
    while True:
        first17 = _cat(region, birth, _zfill(order, 3))
        dup = pd.Series(first17).duplicated().to_numpy()
        if not dup.any():
            break
        order[dup] = rng.integers(0, 1000, int(dup.sum()))
    return _cat(first17, id_check_chars(first17)), birth, (order % 2 == 1)


def student_frame(n: int, seed: int = 2017, error_rate: float = 0.005) -> pd.DataFrame:
    """``n`` students as a department types them into the 学生基本信息 template (all cells text)."""
    rng = np.random.default_rng(seed)
    ids, birth, male = _unique_ids(rng, n)
    college_no = rng.integers(0, len(_COLLEGES), n)
    colleges = np.array([c[0] for c in _COLLEGES], dtype=object)[college_no]
    major_pick = rng.integers(0, 3, n)
    majors = np.array([[c[1][k % len(c[1])] for k in range(3)] for c in _COLLEGES], dtype=object)[college_no, major_pick]
    short = np.array([c[2] for c in _COLLEGES], dtype=object)[college_no]
    grade = rng.integers(2014, 2018, n).astype(str).astype(object)
    serial = rng.permutation(n)
    frame = pd.DataFrame({
        "学校代码": SCHOOL_CODE,
        "学号": _cat(grade, _zfill(college_no + 1, 2), _zfill(serial, 7)),
        "姓名": _names(rng, n),
        "身份证件类型": "居民身份证",
        "身份证件号": ids,
        "性别": np.where(male, "男", "女").astype(object),
        "出生日期": birth,
        "民族": rng.choice(np.array(_ETHNIC, dtype=object), n),
        "政治面貌": np.where(rng.random(n) < 0.85, "中国共产主义青年团团员", "群众").astype(object),
        "院系": colleges,
        "专业": majors,
        "班级": _cat(short, pd.Series(grade).str.slice(2, 4).to_numpy(dtype=object), _zfill(rng.integers(1, 6, n), 2)),
        "年级": grade,
        "学制": "4",
        "学历层次": "本科",
        "入学年月": _cat(grade, "09"),
        "学籍状态": np.where(rng.random(n) < 0.99, "在读", "休学").astype(object),
        "校区": np.where(college_no < 10, "主校区", "分校区").astype(object),
        "户口性质": rng.choice(np.array(["农业户口", "非农业户口", "居民户口"], dtype=object), n),
        "生源地": pd.Series(ids).str.slice(0, 6).to_numpy(dtype=object),
        "手机号码": _cat("1", rng.integers(3, 10, n).astype(str), _zfill(rng.integers(0, 10**9, n), 9)),
    })
    return _inject_errors(frame, rng, error_rate)


def _inject_errors(frame: pd.DataFrame, rng, error_rate: float) -> pd.DataFrame:
    """Typical mistakes on a share of rows, one kind per affected row."""
    n = len(frame)
    hit = np.flatnonzero(rng.random(n) < error_rate)
    kinds = rng.integers(0, 6, len(hit))
    for kind, rows in enumerate(np.split(hit[np.argsort(kinds, kind="stable")], np.cumsum(np.bincount(kinds, minlength=6))[:-1])):
        if not len(rows):
            continue
        if kind == 0:  # one digit mistyped: the check character no longer fits
            ids = frame.loc[rows, "身份证件号"].astype(str)
            frame.loc[rows, "身份证件号"] = ids.str.slice(0, 17) + np.where(ids.str.slice(17) == "1", "2", "1")
        elif kind == 1:
            frame.loc[rows, "姓名"] = frame.loc[rows, "姓名"] + " "
        elif kind == 2:
            frame.loc[rows, "民族"] = "汉"
        elif kind == 3:
            frame.loc[rows, "手机号码"] = frame.loc[rows, "手机号码"].str.slice(0, 10)
        elif kind == 4:
            frame.loc[rows, "性别"] = np.where(frame.loc[rows, "性别"] == "男", "女", "男")
        else:
            frame.loc[rows, "民族"] = None
    return frame


def difficulty_frame(students: pd.DataFrame, seed: int = 1, share: float = 0.25) -> pd.DataFrame:
    """A quarter of the students recognised for ``YEAR`` (困难认定 template)."""
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(students), int(len(students) * share), replace=False))
    s = students.iloc[pick].reset_index(drop=True)
    n = len(s)
    level = rng.choice(np.array(["特别困难", "困难", "一般困难"], dtype=object), n, p=[0.25, 0.4, 0.35])
    flag = np.where((level == "特别困难") & (rng.random(n) < 0.3), "是", None)
    frame = pd.DataFrame({
        "学号": s["学号"], "姓名": s["姓名"], "身份证件号": s["身份证件号"], "认定学年": YEAR,
        "建档立卡贫困家庭": flag, "最低生活保障家庭": None, "特困供养人员": None, "孤残学生": None, "烈士子女": None,
        "家庭经济困难残疾学生及残疾人子女": None,
        "家庭人口数": rng.integers(2, 7, n).astype(str).astype(object),
        "家庭年收入(元)": (rng.integers(5, 60, n) * 1000).astype(str).astype(object),
        "认定等级": level, "认定日期": "20170925", "认定原因": "家庭收入低，经班级评议小组评议认定",
    })
    return frame


def disbursement_frame(students: pd.DataFrame, difficulty: pd.DataFrame, payments: int, seed: int = 2) -> pd.DataFrame:
    """About ``payments`` payments in ``YEAR``: 国家助学金 in monthly batches to difficult students,
    学费减免/勤工助学 in batches, and a few scholarships (资助发放 template)."""
    rng = np.random.default_rng(seed)
    level_tier = {"特别困难": "一等", "困难": "二等", "一般困难": "三等"}
    tier_amount = {"一等": 4000, "二等": 3000, "三等": 2000}
    months = ["20170930", "20171031", "20171130", "20171231", "20180131",
              "20180228", "20180331", "20180430", "20180531", "20180630"]
    grant_batches = 10
    # 国家助学金: every difficult student, ten monthly batches.
    d = difficulty
    tiers = d["认定等级"].map(level_tier).to_numpy(dtype=object)
    grants = pd.DataFrame({
        "学号": np.repeat(d["学号"].to_numpy(), grant_batches),
        "资助项目": "国家助学金",
        "资助档次": np.repeat(tiers, grant_batches),
        "发放金额(元)": np.repeat(pd.Series(tiers).map(tier_amount).to_numpy() // grant_batches, grant_batches).astype(str),
        "发放日期": np.tile(np.array(months, dtype=object), len(d)),
        "发放批次": np.tile(np.arange(1, grant_batches + 1), len(d)).astype(str),
    })
    # 勤工助学: the rest of the payments, monthly, to students picked at random (needs no recognition).
    rest = max(payments - len(grants) - len(d) // 10, 0)
    workers = rng.choice(len(students), max(rest // grant_batches, 1), replace=False)
    work = pd.DataFrame({
        "学号": np.repeat(students["学号"].to_numpy()[workers], grant_batches),
        "资助项目": "勤工助学", "资助档次": None,
        "发放金额(元)": np.repeat((rng.integers(2, 9, len(workers)) * 50).astype(str), grant_batches),
        "发放日期": np.tile(np.array(months, dtype=object), len(workers)),
        "发放批次": np.tile(np.arange(1, grant_batches + 1), len(workers)).astype(str),
    })
    # 国家励志奖学金: one payment to a tenth of the difficult students in their second year or later.
    senior = d[~d["学号"].str.startswith("2017")]
    award = senior.iloc[rng.choice(len(senior), min(len(senior), len(d) // 10), replace=False)] if len(senior) else senior
    awards = pd.DataFrame({"学号": award["学号"].to_numpy(), "资助项目": "国家励志奖学金", "资助档次": None,
                           "发放金额(元)": "5000", "发放日期": "20171215", "发放批次": "1"})
    pay = pd.concat([grants, work, awards], ignore_index=True)
    who = students.set_index("学号").loc[pay["学号"], ["姓名", "身份证件号", "院系"]].reset_index(drop=True)
    n = len(pay)
    cards = luhn_complete(_cat("622202", _zfill(rng.integers(0, 10**12, n), 12)))
    frame = pd.DataFrame({
        "学号": pay["学号"], "姓名": who["姓名"], "身份证件号": who["身份证件号"], "院系": who["院系"],
        "资助项目": pay["资助项目"], "资助学年": YEAR, "资助档次": pay["资助档次"], "发放金额(元)": pay["发放金额(元)"],
        "发放日期": pay["发放日期"], "发放批次": pay["发放批次"], "银行卡号": cards,
        "开户银行": rng.choice(np.array(_BANKS, dtype=object), n),
    })
    return frame


def allocation_frame(disbursements: pd.DataFrame) -> pd.DataFrame:
    """Money allocated per programme and college: what was paid, rounded up (资金下达 template)."""
    paid = disbursements.assign(amount=pd.to_numeric(disbursements["发放金额(元)"])).groupby(
        ["资助项目", "院系"], as_index=False)["amount"].sum()
    return pd.DataFrame({
        "资助项目": paid["资助项目"], "资助学年": YEAR, "院系": paid["院系"], "资金来源": "中央财政",
        "下达文号": "辽财教〔2017〕100号", "下达日期": "20170901", "名额": None,
        "下达金额(元)": (np.ceil(paid["amount"] / 10000) * 10000).astype(int).astype(str),
    })


def write_workbook(frame: pd.DataFrame, path: Path, sheet: str) -> Path:
    """Every cell as a shared-string text cell, header in row 1 (fast; see :mod:`fastxlsx`)."""
    return fastxlsx.write(frame, path, sheet)


def write_workbook_xlsxwriter(frame: pd.DataFrame, path: Path, sheet: str) -> Path:
    """The same with xlsxwriter (constant memory, inline strings): the cross-check, too slow for 1M."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False,
                                          "strings_to_formulas": False, "strings_to_urls": False})
    ws = book.add_worksheet(sheet)
    text = book.add_format({"num_format": "@"})
    ws.set_column(0, frame.shape[1] - 1, 16, text)
    ws.write_row(0, 0, list(frame.columns))
    values = frame.astype(object).where(frame.notna(), None).to_numpy()
    for r, row in enumerate(values.tolist(), start=1):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, v)
    book.close()
    os.replace(tmp, path)
    return path


def _spec_sheet(template: str) -> str:
    return load_specs()[template].sheet


def student_workbook(n: int, seed: int = 2017, data_dir: Path = DATA_DIR, typed: str = "") -> Path:
    """The cached student workbook of ``n`` rows (generated on first use). Every cell is text, as the
    template's text format keeps it; ``typed="typed"``: 学制 typed as numbers in every row, as many
    departments do (still the Arrow route); ``"mixed"``: in every other row (a column mixing text
    and numbers: calamine's rows)."""
    path = Path(data_dir) / f"students_{n}_s{seed}{'_' + typed if typed else ''}.xlsx"
    if not path.exists():
        frame = student_frame(n, seed)
        numbers = pd.to_numeric(frame["学制"], errors="coerce").astype(object)
        numbers = numbers.where(numbers.notna(), None)
        if typed == "mixed":
            numbers[1::2] = None
        fastxlsx.write(frame, path, _spec_sheet("student"), numbers={"学制": numbers.to_numpy()} if typed else None)
    return path


def province_folder(files: int, n: int, data_dir: Path = DATA_DIR) -> Path:
    """A folder of ``files`` student workbooks of ``n`` rows each, one per university (own seeds)."""
    folder = Path(data_dir) / f"province_{files}x{n}"
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        target = folder / f"{10000 + k}" / "学生基本信息.xlsx"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            src = student_workbook(n, seed=3000 + k, data_dir=data_dir)
            shutil.move(src, target)  # the folder owns it; no second copy on disk
    return folder


def university_frames(students: int, payments: int, seed: int = 2017) -> dict[str, pd.DataFrame]:
    """Template id → the frame as typed: a university for reconciliation and the whole run."""
    enrolled = student_frame(students, seed, error_rate=0)
    difficult = difficulty_frame(enrolled, seed + 1)
    paid = disbursement_frame(enrolled, difficult, payments, seed + 2)
    return {"student": enrolled, "difficulty": difficult, "disbursement": paid, "allocation": allocation_frame(paid)}


def _by_department(frames: dict[str, pd.DataFrame]):
    """(template, department, file name, rows) the way departments submit: one file per college and
    template, plus the finance office's allocations."""
    college_by_no = frames["student"].set_index("学号")["院系"]
    for template in ("student", "difficulty", "disbursement"):
        frame = frames[template]
        college = frame["院系"] if "院系" in frame else frame["学号"].map(college_by_no)
        for name, part in frame.groupby(college.to_numpy(), sort=True):
            yield template, name, f"{name}{TITLES[template]}.xlsx", part.reset_index(drop=True)
    yield "allocation", "财务处", f"{TITLES['allocation']}.xlsx", frames["allocation"]


def university_folder(students: int, payments: int, data_dir: Path = DATA_DIR, seed: int = 2017) -> Path:
    """Submissions as departments send them: one folder per college, each with its 学生基本信息,
    困难认定 and 资助发放 workbooks, plus the finance office's 资金下达 (dozens of files)."""
    folder = Path(data_dir) / f"university_{students}_{payments}"
    done = folder / ".complete"
    if done.exists():
        return folder
    for template, department, name, part in _by_department(university_frames(students, payments, seed)):
        write_workbook(part, folder / department / name, _spec_sheet(template))
    done.write_text("ok\n")
    return folder


def sample_university(students: int, seed: int = 7, data_dir: Path = DATA_DIR) -> tuple[Path, str]:
    """``aidtools sample`` at ``students`` (its planted mistakes, resubmissions and broken files, as a real
    round has them): the submissions folder and its as-of date (YYYYMMDD)."""
    import json

    from aidtools.sample import generate

    folder = Path(data_dir) / f"sample_{students}_{seed}"
    done = folder / ".complete"
    if not done.exists():
        generate(folder, students=students, seed=seed)
        done.write_text("ok\n")
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return folder / "submissions", truth["as_of"]


def university_reports(students: int, payments: int, seed: int = 2017):
    """The same university as checked reports, built in memory (no workbook written or read): what
    ``reconcile`` receives after ``check``. Every generated value is already in normalised form, so
    the tables equal those ``check_file`` makes from the workbooks (``run.py --quick`` verifies)."""
    from aidtools.validate import ROW_COLUMN, FileReport

    specs = load_specs()
    reports = []
    for template, department, name, part in _by_department(university_frames(students, payments, seed)):
        spec = specs[template]
        table = pd.DataFrame({c.key: part[c.header].astype(object).where(part[c.header].notna(), None)
                              for c in spec.columns})
        table[ROW_COLUMN] = np.arange(spec.first_data_row, spec.first_data_row + len(part))
        reports.append(FileReport(path=Path(department) / name, display_path=f"{department}/{name}",
                                  department=department, template=template, spec_version=spec.version,
                                  sheet=spec.sheet, rows=len(part), table=table))
    return reports
