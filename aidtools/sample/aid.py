"""Hardship recognition (困难学生库), disbursements (受助学生库), loans and allocations.

Records are pandas frames of numbers and short category strings that point at students by row
(``sid``); names, ID numbers and cards are looked up only when a file is written. Every programme
respects eligibility: need-based aid only to recognised difficult students, 国家奖学金/励志 not to
first-year students and not both to one student, programmes only to their subsystem, aid only to
在读 students, amounts at the policy standards (:mod:`aidtools.policy`).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from aidtools.policy import standard
from aidtools.sample import people
from aidtools.sample.university import COLLEGES, SCHOOL_CODE

LEVELS = ["特别困难", "困难", "一般困难"]
TIER_OF_LEVEL = {"特别困难": "一等", "困难": "二等", "一般困难": "三等"}
FLAGS = ["建档立卡贫困家庭", "最低生活保障家庭", "特困供养人员", "孤残学生", "烈士子女", "家庭经济困难残疾学生及残疾人子女"]
FLAG_P = np.array([0.4, 0.3, 0.05, 0.08, 0.02, 0.15])
REASONS = {
    "特别困难": ["建档立卡贫困家庭，父母务农，收入微薄", "单亲家庭，母亲长期患病无劳动能力", "父亲重病，医疗支出大，家庭负债",
             "农村低保家庭，家中有老人需赡养", "孤儿，由祖父母抚养"],
    "困难": ["父母务农，家中有两名子女在读", "父母下岗，靠打零工维持生活", "家庭遭受自然灾害，农作物绝收",
           "母亲无固定收入，父亲收入较低", "家庭成员患慢性病，长期服药"],
    "一般困难": ["家庭收入较低，兄弟姐妹多", "父母收入不稳定", "家住偏远农村，收入来源单一", "父亲务工收入低，学费负担较重"],
}
INCOME_RANGE = {"特别困难": (2000, 15000), "困难": (10000, 30000), "一般困难": (20000, 45000), "不困难": (40000, 90000)}


def day_of(year: int, month: int, day: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}")


def random_dates(rng: np.random.Generator, n: int, lo: np.datetime64, hi: np.datetime64) -> np.ndarray:
    """Uniform dates lo..hi (inclusive) as YYYYMMDD integers."""
    span = int((hi - lo).astype(int)) + 1
    return people.ymd_int(lo + rng.integers(0, span, size=n).astype("timedelta64[D]"))


def academic_year(year0: int) -> str:
    return f"{year0}-{year0 + 1}"


def _pick(rng: np.random.Generator, pool: np.ndarray, share: float, minimum: int = 0) -> np.ndarray:
    """A random subset of ``pool`` of about ``share`` of it (at least ``minimum``), sorted."""
    k = min(len(pool), max(minimum, int(round(share * len(pool)))))
    return np.sort(rng.choice(pool, size=k, replace=False)) if k else pool[:0]


# ------------------------------------------------------------------ difficulty
def recognise_difficulty(rng: np.random.Generator, st: dict, year0: int) -> pd.DataFrame:
    """One row per recognised student (and a few rejected applicants at 不困难)."""
    active = (st["学籍状态"] == "在读") & st["enrolled"]
    ug = st["subsystem"] == "本专科"
    chance = np.where(ug, 0.28, 0.15)
    difficult = np.flatnonzero(active & (rng.random(len(ug)) < chance))
    levels = np.array(LEVELS)[rng.choice(3, size=len(difficult), p=[0.3, 0.4, 0.3])]
    others = np.flatnonzero(active & ~np.isin(np.arange(len(ug)), difficult))
    rejected = _pick(rng, others, 0.015, minimum=2)
    sid = np.concatenate([difficult, rejected])
    level = np.concatenate([levels, np.full(len(rejected), "不困难")])
    n = len(sid)
    flags = np.zeros((n, len(FLAGS)), dtype=bool)
    special = np.flatnonzero((level == "特别困难") & (rng.random(n) < 0.45))
    flags[special, rng.choice(len(FLAGS), size=len(special), p=FLAG_P)] = True
    second = special[rng.random(len(special)) < 0.1]
    flags[second, rng.choice(len(FLAGS), size=len(second), p=FLAG_P)] = True
    lo = np.array([INCOME_RANGE[lv][0] for lv in level])
    hi = np.array([INCOME_RANGE[lv][1] for lv in level])
    income = (np.round((lo + rng.random(n) * (hi - lo)) / 100) * 100).astype(np.int64)
    reason = np.array([REASONS[lv][i % len(REASONS[lv])] if lv in REASONS else "" for lv, i in
                       zip(level.tolist(), rng.integers(0, 100, size=n).tolist())], dtype=object)
    grad = st["subsystem"][sid] == "研究生"
    dates = np.where(grad, random_dates(rng, n, day_of(year0, 10, 8), day_of(year0, 10, 31)),
                     random_dates(rng, n, day_of(year0, 9, 15), day_of(year0, 10, 20)))
    frame = pd.DataFrame({"sid": sid, "level": level, "family_size": rng.integers(2, 8, size=n),
                          "income": income, "reason": reason, "date": dates})
    for k, flag in enumerate(FLAGS):
        frame[flag] = flags[:, k]
    return frame.sort_values("sid", kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------ disbursements
def _rows(sids, programme, amount, dates, batch=1, tier="") -> pd.DataFrame:
    n = len(sids)
    return pd.DataFrame({
        "sid": np.asarray(sids, dtype=np.int64),
        "programme": programme,
        "tier": np.broadcast_to(np.asarray(tier, dtype=object), (n,)).copy() if n else np.array([], dtype=object),
        "amount": np.broadcast_to(np.asarray(amount, dtype=np.int64), (n,)).copy() if n else np.array([], dtype=np.int64),
        "date": np.asarray(dates, dtype=np.int64),
        "batch": np.broadcast_to(np.asarray(batch, dtype=np.int64), (n,)).copy() if n else np.array([], dtype=np.int64),
    })


@lru_cache(maxsize=None)
def amount_of(programme: str, level: str, year: str, tier: str = "") -> int:
    """The policy amount (fixed award, tier, minimum or cap) for one programme, level and year."""
    row = standard(programme, level, year, tier=tier, school=SCHOOL_CODE if tier else "")
    if row is None:
        raise ValueError(f"policy.csv 没有 {programme} {level} {tier} 在 {year} 的标准")
    return int(row["amount"])


def disburse(rng: np.random.Generator, st: dict, difficulty: pd.DataFrame, year0: int) -> pd.DataFrame:
    """Every payment of every programme in academic year ``year0``-``year0+1``."""
    year = academic_year(year0)
    n = len(st["学号"])
    active = (st["学籍状态"] == "在读") & st["enrolled"]
    ug = st["subsystem"] == "本专科"
    first_year = st["grade"] == year0
    level_of = np.full(n, "", dtype=object)
    recognised = difficulty[difficulty["level"] != "不困难"]
    level_of[recognised["sid"].to_numpy()] = recognised["level"].to_numpy()
    hard = level_of != ""
    parts = []

    # 国家奖学金 (not need-based) and 国家励志奖学金 (need-based): second year and above, never both.
    seniors = np.flatnonzero(active & ug & ~first_year)
    national = _pick(rng, seniors, 0.004, minimum=2)
    parts.append(_rows(national, "国家奖学金", amount_of("国家奖学金", "本专科", year),
                       random_dates(rng, len(national), day_of(year0, 11, 20), day_of(year0, 11, 28))))
    candidates = np.setdiff1d(np.flatnonzero(active & ug & ~first_year & hard), national)
    inspire = _pick(rng, candidates, 0.12, minimum=2)
    parts.append(_rows(inspire, "国家励志奖学金", amount_of("国家励志奖学金", "本专科", year),
                       random_dates(rng, len(inspire), day_of(year0, 11, 22), day_of(year0, 11, 30))))

    # 国家助学金: most difficult undergraduates, tier by level, two equal batches.
    grant = _pick(rng, np.flatnonzero(active & ug & hard), 0.8, minimum=4)
    tiers = np.array([TIER_OF_LEVEL[lv] for lv in level_of[grant]], dtype=object)
    tier_amount = {t: amount_of("国家助学金", "本专科", year, t) for t in ("一等", "二等", "三等")}
    half = np.array([tier_amount[t] // 2 for t in tiers], dtype=np.int64)
    parts.append(_rows(grant, "国家助学金", half, random_dates(rng, len(grant), day_of(year0, 10, 24), day_of(year0, 10, 27)),
                       1, tiers))
    parts.append(_rows(grant, "国家助学金", [tier_amount[t] - h for t, h in zip(tiers, half)],
                       random_dates(rng, len(grant), day_of(year0 + 1, 4, 18), day_of(year0 + 1, 4, 20)), 2, tiers))

    # 学费减免 and 入学绿色通道 (need-based, both subsystems).
    waiver = _pick(rng, np.flatnonzero(active & (level_of == "特别困难")), 0.1, minimum=2)
    parts.append(_rows(waiver, "学费减免", rng.choice([1500, 2000, 2500, 3000], size=len(waiver)),
                       random_dates(rng, len(waiver), day_of(year0, 10, 9), day_of(year0, 10, 20))))
    green = _pick(rng, np.flatnonzero(active & ug & first_year & hard), 0.3, minimum=2)
    parts.append(_rows(green, "入学绿色通道", rng.choice([1000, 1500, 2000], size=len(green)),
                       random_dates(rng, len(green), day_of(year0, 9, 2), day_of(year0, 9, 8))))

    # 勤工助学: monthly pay for some difficult students, a batch per month worked (Oct..Jun).
    workers = _pick(rng, np.flatnonzero(active & hard), 0.15, minimum=3)
    months = rng.integers(2, 10, size=len(workers))
    first_month = rng.integers(1, 11 - months)
    sid = np.repeat(workers, months)
    offset = np.arange(len(sid)) - np.repeat(np.cumsum(months) - months, months)
    batch = np.repeat(first_month, months) + offset  # 1 = October ... 9 = June
    pay_month = np.array([day_of(year0 + (9 + m) // 12, (9 + m) % 12 + 1, 10) for m in range(1, 10)])  # next month
    dates = people.ymd_int(pay_month[batch - 1])
    hours = rng.integers(20, 41, size=len(sid))
    parts.append(_rows(sid, "勤工助学", hours * 12, dates, batch))

    # 临时困难补助 (warning-level need-based: paid to difficult students).
    relief = _pick(rng, np.flatnonzero(active & hard), 0.06, minimum=3)
    parts.append(_rows(relief, "临时困难补助", rng.choice([500, 800, 1000, 1500, 2000], size=len(relief)),
                       random_dates(rng, len(relief), day_of(year0, 9, 15), day_of(year0 + 1, 6, 30))))

    # 校内奖学金 (undergraduates, not need-based).
    school = _pick(rng, np.flatnonzero(active & ug & ~first_year), 0.08, minimum=3)
    parts.append(_rows(school, "校内奖学金", rng.choice([500, 1000, 2000], size=len(school), p=[0.5, 0.35, 0.15]),
                       random_dates(rng, len(school), day_of(year0, 12, 10), day_of(year0, 12, 20))))

    # 服兵役国家教育资助 and 基层就业学费补偿贷款代偿: a handful, within the annual caps.
    veterans = _pick(rng, np.flatnonzero(active & ug & ~first_year), 0.002, minimum=1)
    cap_ug = amount_of("服兵役国家教育资助", "本专科", year)
    parts.append(_rows(veterans, "服兵役国家教育资助", rng.choice([cap_ug // 2, cap_ug * 3 // 4, cap_ug], size=len(veterans)),
                       random_dates(rng, len(veterans), day_of(year0, 10, 10), day_of(year0, 10, 20))))
    grassroots = _pick(rng, np.flatnonzero(active & ug & ~first_year), 0.001, minimum=2)
    caps = np.where(ug[grassroots], amount_of("基层就业学费补偿贷款代偿", "本专科", year),
                    amount_of("基层就业学费补偿贷款代偿", "研究生", year))
    parts.append(_rows(grassroots, "基层就业学费补偿贷款代偿", caps * rng.choice([3, 4], size=len(grassroots)) // 4,
                       random_dates(rng, len(grassroots), day_of(year0 + 1, 5, 10), day_of(year0 + 1, 5, 25))))

    # Graduate programmes.
    grads = np.flatnonzero(active & ~ug)
    doctoral = st["学历层次"] == "博士研究生"
    level_name = np.where(doctoral, "博士研究生", "硕士研究生")
    national_pg = _pick(rng, np.flatnonzero(active & ~ug & ~first_year), 0.03, minimum=2)
    parts.append(_rows(national_pg, "研究生国家奖学金",
                       [amount_of("研究生国家奖学金", lv, year) for lv in level_name[national_pg]],
                       random_dates(rng, len(national_pg), day_of(year0, 12, 18), day_of(year0, 12, 22))))
    academic = _pick(rng, grads, 0.7, minimum=3)
    atiers = np.array(["一等", "二等", "三等"], dtype=object)[rng.choice(3, size=len(academic), p=[0.2, 0.4, 0.4])]
    parts.append(_rows(academic, "研究生学业奖学金", [amount_of("研究生学业奖学金", "研究生", year, t) for t in atiers],
                       random_dates(rng, len(academic), day_of(year0, 11, 10), day_of(year0, 11, 15)), 1, atiers))
    stipend = np.array([amount_of("研究生国家助学金", lv, year) for lv in level_name[grads]], dtype=np.int64)
    parts.append(_rows(grads, "研究生国家助学金", stipend // 2,
                       random_dates(rng, len(grads), day_of(year0, 9, 26), day_of(year0, 9, 28)), 1))
    parts.append(_rows(grads, "研究生国家助学金", stipend - stipend // 2,
                       random_dates(rng, len(grads), day_of(year0 + 1, 3, 26), day_of(year0 + 1, 3, 28)), 2))

    frame = pd.concat(parts, ignore_index=True)
    frame["tier"] = frame["tier"].fillna("").astype(object)
    frame["college"] = st["院系"][frame["sid"].to_numpy()].astype(object)
    return frame


# ------------------------------------------------------------------ loans
def lend(rng: np.random.Generator, st: dict, difficulty: pd.DataFrame, year0: int) -> pd.DataFrame:
    """国家助学贷款: mostly 生源地信用助学贷款, within the annual caps of policy.csv."""
    year = academic_year(year0)
    n = len(st["学号"])
    active = (st["学籍状态"] == "在读") & st["enrolled"]
    ug = st["subsystem"] == "本专科"
    hard = np.zeros(n, dtype=bool)
    hard[difficulty.loc[difficulty["level"] != "不困难", "sid"].to_numpy()] = True
    borrowers = np.flatnonzero(active & (rng.random(n) < np.where(hard, 0.4, 0.03)))
    k = len(borrowers)
    cap = np.where(ug[borrowers], amount_of("国家助学贷款", "本专科", year), amount_of("国家助学贷款", "研究生", year))
    amount = (cap * rng.choice([0.75, 1.0, 1.0, 1.0], size=k)).astype(np.int64) // 500 * 500
    campus_loan = rng.random(k) < 0.15
    serial = np.arange(1, k + 1)
    region = st["身份证件号"][borrowers].astype("U6")
    contract = np.where(campus_loan,
                        np.strings.add(f"XYD{year0}", np.strings.zfill(serial.astype("U7"), 7)),
                        np.strings.add(np.strings.add(region, str(year0)), np.strings.zfill(serial.astype("U7"), 7)))
    return pd.DataFrame({
        "sid": borrowers,
        "loan_type": np.where(campus_loan, "校园地国家助学贷款", "生源地信用助学贷款").astype(object),
        "contract": contract.astype(object),
        "amount": amount,
        "bank": np.where(campus_loan, "中国银行", "国家开发银行").astype(object),
        "date": np.where(campus_loan, random_dates(rng, k, day_of(year0, 11, 1), day_of(year0, 11, 30)),
                         random_dates(rng, k, day_of(year0, 10, 8), day_of(year0, 12, 15))),
    })


# ------------------------------------------------------------------ allocations
ALLOCATED = {  # programme -> (per college?, fund sources with shares)
    "国家奖学金": (True, [("中央财政", 1.0)]),
    "国家励志奖学金": (True, [("中央财政", 0.8), ("地方财政", 0.2)]),
    "国家助学金": (True, [("中央财政", 0.8), ("地方财政", 0.2)]),
    "研究生国家奖学金": (True, [("中央财政", 1.0)]),
    "研究生学业奖学金": (True, [("中央财政", 0.6), ("学校", 0.4)]),
    "研究生国家助学金": (False, [("中央财政", 0.75), ("地方财政", 0.25)]),
}
NOTICE = {"中央财政": "财教〔{y}〕{n}号", "地方财政": "辽财教〔{y}〕{n}号", "学校": "校财字〔{y}〕{n}号"}


def allocate(rng: np.random.Generator, disbursed: pd.DataFrame, year0: int) -> pd.DataFrame:
    """资金下达 rows that match what was paid: per programme and college (or 全校), per fund source.

    The quota (名额) sits on the first fund source's row; it counts distinct recipients.
    """
    rows = []
    year = academic_year(year0)
    notice_no = {(prog, src): int(n) for (prog, src), n in zip(
        [(p, s) for p, (_, srcs) in ALLOCATED.items() for s, _ in srcs],
        rng.integers(10, 400, size=sum(len(s) for _, s in ALLOCATED.values())))}
    order = {c.name: i for i, c in enumerate(COLLEGES)}
    for programme, (per_college, sources) in ALLOCATED.items():
        paid = disbursed[disbursed["programme"] == programme]
        if not len(paid):
            continue
        if per_college:
            groups = paid.groupby("college", sort=False).agg(amount=("amount", "sum"), quota=("sid", "nunique"))
            groups = groups.sort_index(key=lambda idx: idx.map(lambda c: order.get(c, 99)))
        else:
            groups = pd.DataFrame({"amount": [paid["amount"].sum()], "quota": [paid["sid"].nunique()]}, index=["全校"])
        month = 7 if programme.startswith("研究生") else 8
        for college, g in groups.iterrows():
            total = int(g["amount"])
            remaining = total
            for k, (source, share) in enumerate(sources):
                part = remaining if k == len(sources) - 1 else int(round(total * share / 100)) * 100
                part = min(part, remaining)
                remaining -= part
                if part <= 0:
                    continue
                rows.append({"programme": programme, "college": college, "fund_source": source,
                             "notice": NOTICE[source].format(y=year0, n=notice_no[(programme, source)]),
                             "date": year0 * 10000 + month * 100 + 15 + k, "quota": int(g["quota"]) if k == 0 else None,
                             "amount": part, "academic_year": year})
    return pd.DataFrame(rows)
