"""Planted reconciliation (两线三库) mistakes: one record-level change per ``rec.*`` rule.

Each plant touches a student who has no other record that could make a second rule fire
(or a record whose only effect is the planted rule), and returns the truth entry:
``{"kind": "rec", "rule", "student_no", "programme", "academic_year", "department"}`` where
department is the student's college in the enrolled table (or the allocation's college).
The students used are returned too, so that cell plants stay away from them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.rules import RULES
from aidtools.sample import names as N
from aidtools.sample.departments import BRANCH_OFFICE, GRADUATE_SCHOOL
from aidtools.sample.university import BRANCH


def _entry(rule: str, st: dict, sid: int | None, programme: str, year: str, department: str | None = None,
           **extra) -> dict:
    entry = {"kind": "rec", "rule": rule, "severity": RULES[rule].severity,
             "student_no": None if sid is None else str(st["学号"][sid]), "programme": programme,
             "academic_year": year, "department": department if department is not None else str(st["院系"][sid])}
    entry.update(extra)
    return entry


class RecPlanter:
    """Adds planted records to ``disb`` (and edits a few) before files are planned."""

    def __init__(self, rng: np.random.Generator, st: dict, difficulty: pd.DataFrame, disb: pd.DataFrame,
                 loans: pd.DataFrame, year0: int):
        self.rng, self.st, self.year0 = rng, st, year0
        self.year = f"{year0}-{year0 + 1}"
        self.difficulty = difficulty
        self.disb = disb.copy()
        self.disb["name_override"] = None
        self.disb["sender_override"] = None
        self.new_rows: list[dict] = []
        self.truth: list[dict] = []
        self.touched: set[int] = set()
        n = len(st["学号"])
        referenced = np.zeros(n, dtype=bool)
        for frame in (difficulty, disb, loans):
            referenced[frame["sid"].to_numpy()] = True
        self.referenced = referenced
        self.level = np.full(n, "", dtype=object)
        rec = difficulty[difficulty["level"] != "不困难"]
        self.level[rec["sid"].to_numpy()] = rec["level"].to_numpy()
        self.main_ug = (st["subsystem"] == "本专科") & (st["校区"] != BRANCH) & st["enrolled"]
        self.active = st["学籍状态"] == "在读"

    # ------------------------------------------------------------ helpers
    def _choose(self, mask: np.ndarray) -> int:
        pool = np.flatnonzero(mask & ~np.isin(np.arange(len(mask)), list(self.touched)))
        if not len(pool):
            raise RuntimeError("样本太小，无法埋设全部核对错误；请增加学生人数")
        sid = int(self.rng.choice(pool))
        self.touched.add(sid)
        return sid

    def _fresh(self, extra=True) -> np.ndarray:
        """Main-campus undergraduates in 在读 with no record at all."""
        return self.main_ug & self.active & ~self.referenced & extra

    def _pay(self, sid: int, programme: str, amount: int, date: int, batch: int = 1, tier: str = "",
             college: str | None = None, name: str | None = None, sender: str | None = None) -> None:
        self.new_rows.append({"sid": sid, "programme": programme, "tier": tier, "amount": amount, "date": date,
                              "batch": batch, "college": college or str(self.st["院系"][sid]),
                              "name_override": name, "sender_override": sender})

    def _date(self, month: int, day: int) -> int:
        year = self.year0 if month >= 9 else self.year0 + 1
        return year * 10000 + month * 100 + day

    # ------------------------------------------------------------ the plants
    def plant(self) -> None:
        st, y0 = self.st, self.year0
        ug_senior = st["grade"] < y0
        hard = self.level != ""

        sid = self._choose(~st["enrolled"] & self.active & (st["subsystem"] == "本专科") & (st["校区"] != BRANCH))
        self._pay(sid, "校内奖学金", 1000, self._date(12, 15))
        self.truth.append(_entry("rec.not_enrolled", st, sid, "校内奖学金", self.year))

        sid = self._choose(self._fresh())
        name = str(st["姓名"][sid])
        wrong = name[:-1] + next(c for c in N.GIVEN_NEUTRAL if c != name[-1] and c not in name)
        self._pay(sid, "校内奖学金", 500, self._date(12, 16), name=wrong)
        self.truth.append(_entry("rec.identity_mismatch", st, sid, "校内奖学金", self.year))

        sid = self._choose(self._fresh())
        self._pay(sid, "学费减免", 2000, self._date(10, 16))
        self.truth.append(_entry("rec.not_difficult", st, sid, "学费减免", self.year))

        sid = self._choose(self._fresh(ug_senior))
        self._pay(sid, "国家奖学金", 10000, self._date(11, 24))
        self.truth.append(_entry("rec.amount_standard", st, sid, "国家奖学金", self.year))

        paid = set(self.disb.loc[self.disb["programme"].isin(["国家奖学金", "国家励志奖学金"]), "sid"].tolist())
        sid = self._choose(self.main_ug & self.active & ug_senior & hard & ~np.isin(np.arange(len(hard)), list(paid)))
        self._pay(sid, "国家奖学金", 8000, self._date(11, 24))
        self._pay(sid, "国家励志奖学金", 5000, self._date(11, 26))
        self.truth.append(_entry("rec.exclusive_awards", st, sid, "国家奖学金、国家励志奖学金", self.year))

        sid = self._choose(self.main_ug & self.active & (st["grade"] == y0) & hard & ~np.isin(np.arange(len(hard)), list(paid)))
        self._pay(sid, "国家励志奖学金", 5000, self._date(11, 27))
        self.truth.append(_entry("rec.grade_eligibility", st, sid, "国家励志奖学金", self.year))

        self._duplicate_payment()

        for status in ("退学", "休学"):
            pool = self.main_ug & ~self.referenced & (st["学籍状态"] == status)
            sid = self._choose(pool if pool.any() else self._fresh())
            st["学籍状态"][sid] = status  # a small sample may have nobody with this status yet
            self._pay(sid, "校内奖学金", 1000, self._date(12, 14))
            self.truth.append(_entry("rec.status", st, sid, "校内奖学金", self.year,
                                     severity="error" if status == "退学" else "warning", status=status))

        sid = self._choose(self._fresh())
        self._pay(sid, "研究生国家助学金", 3000, self._date(9, 27), sender=GRADUATE_SCHOOL)
        self.truth.append(_entry("rec.subsystem", st, sid, "研究生国家助学金", self.year))

        self._tier_level()

        sid = self._choose(self._fresh(np.strings.find(st["院系"], "工程学院") >= 0))
        college = str(st["院系"][sid])
        self._pay(sid, "校内奖学金", 500, self._date(12, 17), college=college.replace("工程学院", "学院"))
        self.truth.append(_entry("rec.department_mismatch", st, sid, "校内奖学金", self.year,
                                 record_department=college.replace("工程学院", "学院")))

        # The branch campus' 学生处 sends a main-campus student's scholarship.
        sid = self._choose(self._fresh())
        self._pay(sid, "校内奖学金", 500, self._date(12, 18), sender=BRANCH_OFFICE)
        self.truth.append(_entry("rec.campus_scope", st, sid, "校内奖学金", self.year, paid_by=BRANCH_OFFICE))

    def _duplicate_payment(self) -> None:
        """A 勤工助学 month paid by the student's college and again by another college."""
        d = self.disb
        colleges = sorted(set(self.st["院系"][self.main_ug].tolist()))
        cand = d[(d["programme"] == "勤工助学") & d["college"].isin(colleges)
                 & ~d["sid"].isin(list(self.touched))]
        if not len(cand):
            raise RuntimeError("样本太小：没有可用的勤工助学记录")
        row = cand.iloc[int(self.rng.integers(0, len(cand)))]
        sid = int(row["sid"])
        self.touched.add(sid)
        other = next(c for c in colleges if c != row["college"])
        self._pay(sid, "勤工助学", int(row["amount"]), int(row["date"]), int(row["batch"]), sender=other)
        self.truth.append(_entry("rec.duplicate_payment", self.st, sid, "勤工助学", self.year, paid_by=other,
                                 batch=int(row["batch"])))

    def _tier_level(self) -> None:
        """国家助学金 一等 to a 一般困难 student (both batches)."""
        d = self.disb
        sids = d.loc[(d["programme"] == "国家助学金") & (d["tier"] == "三等"), "sid"]
        ok = self.main_ug[sids.to_numpy()] & (self.level[sids.to_numpy()] == "一般困难")
        ok &= ~sids.isin(list(self.touched)).to_numpy()
        cand = np.unique(sids.to_numpy()[ok])
        if not len(cand):
            raise RuntimeError("样本太小：没有一般困难的国家助学金受助学生")
        sid = int(self.rng.choice(cand))
        self.touched.add(sid)
        rows = d.index[(d["sid"] == sid) & (d["programme"] == "国家助学金")]
        d.loc[rows, "tier"] = "一等"
        d.loc[rows, "amount"] = 2000
        self.truth.append(_entry("rec.tier_level", self.st, sid, "国家助学金", self.year))

    def result(self) -> pd.DataFrame:
        added = pd.DataFrame(self.new_rows)
        return pd.concat([self.disb, added], ignore_index=True)


def plant_allocations(rng: np.random.Generator, alloc: pd.DataFrame, year: str) -> tuple[pd.DataFrame, list[dict]]:
    """Over-allocation, under-spending and an over-quota on three different (programme, college) pots."""
    alloc = alloc.copy()
    truth = []
    used = set()

    def pick(programme: str, need_quota: int = 0):
        rows = alloc[(alloc["programme"] == programme) & (alloc["college"] != "全校") & alloc["quota"].notna()
                     & (alloc["quota"].fillna(0) >= need_quota)]
        rows = rows[~rows["college"].isin(used)]
        if not len(rows):
            raise RuntimeError(f"样本太小：{programme} 没有可用的下达记录")
        index = rows.index[int(rng.integers(0, len(rows)))]
        used.add(alloc.at[index, "college"])
        return index

    i = pick("国家助学金")
    cut = min(1000, int(alloc.at[i, "amount"]) - 100)
    alloc.at[i, "amount"] -= cut
    truth.append({"kind": "rec", "rule": "rec.over_allocation", "severity": RULES["rec.over_allocation"].severity,
                  "student_no": None, "programme": "国家助学金", "academic_year": year,
                  "department": alloc.at[i, "college"]})
    i = pick("国家励志奖学金")
    alloc.at[i, "amount"] += 5000
    truth.append({"kind": "rec", "rule": "rec.under_spent", "severity": RULES["rec.under_spent"].severity,
                  "student_no": None, "programme": "国家励志奖学金", "academic_year": year,
                  "department": alloc.at[i, "college"]})
    i = pick("国家助学金", need_quota=2)
    alloc.at[i, "quota"] = int(alloc.at[i, "quota"]) - 1
    truth.append({"kind": "rec", "rule": "rec.over_quota", "severity": RULES["rec.over_quota"].severity,
                  "student_no": None, "programme": "国家助学金", "academic_year": year,
                  "department": alloc.at[i, "college"]})
    return alloc, truth
