"""The figures the report and dashboards show, as :class:`aidtools.report.Figures` records (aggregates
only: no student number, name or ID number ever reaches them). Colleges are called ``department``
and students at school ``enrolled`` in every record, as the readers call them.

- ``funds``: per programme, year and college (or 全校): allocated, paid, share, recipients, quota.
- ``programmes``: per programme and year: recipients, payments, paid, allocated, share (loans as
  国家助学贷款).
- ``coverage``: hardship coverage = students recognised difficult / students at school, per year,
  college and 学历层次.
- ``aided_share``: of the students recognised difficult in a year, how many received aid, per college.
- ``campus``: per year and 校区 (the branch campus on its own line): students, difficult, recipients,
  payments, paid, loans; allocated to the campus' colleges, paid against it and the share (the
  school-wide pots on a line ``全校`` of their own).
- ``fund_sources``: per programme, year and 资金来源: allocated (when the allocation table gives a source).
- ``totals``: headline numbers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.reconcile.campus import college_campus
from aidtools.reconcile.context import LEAVER_STATUSES, LEVEL_RANK, Context
from aidtools.reconcile.funds import SCHOOL_WIDE
from aidtools.reconcile.text import LOAN_PROGRAMME
from aidtools.report import (AidedLine, CampusLine, CoverageLine, Figures, FundSourceLine, FundsLine, ProgrammeLine,
                             Totals)

NOT_ENROLLED = "（不在在校生库）"
UNKNOWN = "（未填）"


def records(frame: pd.DataFrame, record, renames: dict | None = None) -> list:
    """A frame as a list of ``record`` instances of plain Python values (None for missing)."""
    frame = frame.rename(columns=renames or {})
    names = [f for f in record.__dataclass_fields__]
    out = []
    for rec in frame[names].astype(object).where(frame[names].notna(), None).to_dict("records"):
        for k, v in rec.items():
            if isinstance(v, np.generic):
                rec[k] = v.item()
            if isinstance(rec[k], float) and rec[k] != rec[k]:
                rec[k] = None
        out.append(record(**rec))
    return out


def _share(part, whole) -> pd.Series:
    whole = pd.Series(whole, dtype=float)
    return pd.Series(part, dtype=float) / whole.where(whole > 0)


def at_school(ctx: Context) -> pd.DataFrame:
    """Enrolled students still at school (not 退学/毕业/结业/肄业), one row per 学号."""
    if "at_school" not in ctx.extra:
        students = ctx.students
        ctx.extra["at_school"] = students[~students["status"].isin(LEAVER_STATUSES).to_numpy()]
    return ctx.extra["at_school"]


def difficult_rows(ctx: Context) -> pd.DataFrame:
    """Every student recognised difficult in a year, once per student and year."""
    if "difficult" not in ctx.extra:
        diff = ctx.difficulty
        rank = diff["level"].map(LEVEL_RANK).to_numpy(dtype=float)
        recognised = (rank < LEVEL_RANK["不困难"]) & (diff["ycode"].to_numpy() >= 0)
        ctx.extra["difficult"] = diff[recognised].drop_duplicates(["sid", "ycode"])
    return ctx.extra["difficult"]


def _year_names(ctx: Context, codes) -> np.ndarray:
    return np.r_[ctx.years.to_numpy(dtype=object), np.array([None], dtype=object)][np.asarray(codes)]


def coverage(ctx: Context) -> pd.DataFrame:
    columns = ["academic_year", "college", "level", "enrolled", "difficult", "share"]
    students = at_school(ctx)
    students = students.assign(college=students["college"].fillna(UNKNOWN), level=students["level"].fillna(UNKNOWN))
    enrolled = students.groupby(["college", "level"]).size().rename("enrolled").reset_index()
    if not len(ctx.years) or not len(enrolled):
        return pd.DataFrame(columns=columns)
    diff = difficult_rows(ctx)[["sid", "academic_year"]].merge(students[["sid", "college", "level"]], on="sid")
    difficult = diff.groupby(["academic_year", "college", "level"]).size().rename("difficult")
    grid = pd.DataFrame({"academic_year": list(ctx.years)}).merge(enrolled, how="cross")
    out = grid.join(difficult, on=["academic_year", "college", "level"])
    out["difficult"] = out["difficult"].fillna(0).astype("int64")
    out["share"] = _share(out["difficult"], out["enrolled"])
    return out[columns]


def aided_share(ctx: Context) -> pd.DataFrame:
    width = max(len(ctx.years), 1)
    diff = difficult_rows(ctx)[["sid", "ycode", "academic_year", "department"]]
    pay = ctx.disbursement
    paid = pay["ycode"].to_numpy() >= 0
    aided_keys = np.unique(pay["sid"].to_numpy()[paid] * width + pay["ycode"].to_numpy()[paid])
    keys = diff["sid"].to_numpy() * width + diff["ycode"].to_numpy()
    diff = diff.assign(aided=np.isin(keys, aided_keys), college=diff["department"].fillna(UNKNOWN))
    out = diff.groupby(["academic_year", "college"]).agg(difficult=("sid", "size"), aided=("aided", "sum")).reset_index()
    out["aided"] = out["aided"].astype("int64")
    out["share"] = _share(out["aided"], out["difficult"])
    return out


def _campus_codes(ctx: Context) -> tuple[np.ndarray, list]:
    """A campus code per student (sid) and the labels: enrolled campuses, then 未填, then 不在在校生库."""
    campus = ctx.per_student["campus"]
    codes, labels = pd.factorize(campus[ctx.per_student["enrolled"]])
    by_sid = np.full(ctx.n_students, len(labels) + 1, dtype=np.int64)  # not enrolled
    by_sid[ctx.per_student["enrolled"]] = np.where(codes < 0, len(labels), codes)  # blank campus
    return by_sid, list(labels) + [UNKNOWN, NOT_ENROLLED]


def campus(ctx: Context) -> pd.DataFrame:
    columns = ["academic_year", "campus", "students", "difficult", "recipients", "payments", "paid", "borrowers", "loans",
               "allocated", "paid_allocated", "share"]
    by_sid, labels = _campus_codes(ctx)
    students = pd.Series(by_sid[at_school(ctx)["sid"].to_numpy()]).value_counts().rename("students")

    def per_year(frame, **aggs):
        keyed = pd.DataFrame({"ycode": frame["ycode"].to_numpy(), "campus": by_sid[frame["sid"].to_numpy()],
                              "sid": frame["sid"].to_numpy(),
                              "amount": frame["amount_value"].to_numpy() if "amount_value" in frame else 0.0})
        return keyed[keyed["ycode"] >= 0].groupby(["ycode", "campus"]).agg(**aggs)

    parts = [per_year(difficult_rows(ctx), difficult=("sid", "size")),
             per_year(ctx.disbursement, recipients=("sid", "nunique"), payments=("sid", "size"), paid=("amount", "sum")),
             per_year(ctx.loan, borrowers=("sid", "nunique"), loans=("amount", "sum"))]
    # Every campus on every year's lines (largest campus first), even one with no aid yet.
    seen = set(students.index).union(*(set(p.index.get_level_values(1)) for p in parts))
    order = list(students.index) + sorted(seen - set(students.index))
    if not order:
        return pd.DataFrame(columns=columns)
    grid = pd.MultiIndex.from_product([range(len(ctx.years)) or [-1], order], names=["ycode", "campus"])
    out = pd.DataFrame(index=grid)
    for part in parts:
        out = out.join(part)
    out = out.reset_index()
    out["students"] = out["campus"].map(students).fillna(0).astype("int64")
    out["academic_year"] = _year_names(ctx, out["ycode"].to_numpy())
    out["campus"] = np.asarray(labels, dtype=object)[out["campus"].to_numpy()]
    for col in ("difficult", "recipients", "payments", "borrowers"):
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("paid", "loans"):
        out[col] = out[col].fillna(0.0).astype(float)
    return _campus_money(ctx, out)[columns]


def _campus_money(ctx: Context, lines: pd.DataFrame) -> pd.DataFrame:
    """The campus lines with allocated, paid_allocated and share: each compared programme × college
    unit of the funds under its college's campus (a college not in the enrolled table: 不在在校生库), the
    school-wide pots on an extra line 全校 per year."""
    units = ctx.extra["funds"]
    units = units[units["compared"].to_numpy(dtype=bool)]
    college = units["college"].to_numpy(dtype=object)
    known = set(ctx.students["college"].dropna())
    place = units["college"].map(college_campus(ctx)).to_numpy(dtype=object)
    place = np.where(pd.notna(place), place, np.where(np.isin(college, list(known)), UNKNOWN, NOT_ENROLLED))
    place = np.where(college == SCHOOL_WIDE, SCHOOL_WIDE, place)
    money = (pd.DataFrame({"ycode": units["ycode"].to_numpy(), "campus": place, "allocated": units["allocated"].to_numpy(),
                           "paid_allocated": units["paid"].to_numpy()})
             .groupby(["ycode", "campus"], sort=False).agg(allocated=("allocated", "sum"),
                                                           paid_allocated=("paid_allocated", "sum")).reset_index())
    # Every year's lines in the order they had, then the new campuses (全校 last) of that year.
    lines = lines.assign(_order=np.arange(len(lines)))
    out = lines.merge(money, on=["ycode", "campus"], how="outer")
    new = out["_order"].isna().to_numpy()
    out["_order"] = np.where(new, len(lines) + (out["campus"] == SCHOOL_WIDE).to_numpy(), out["_order"])
    out = out.sort_values(["ycode", "_order"], kind="stable").reset_index(drop=True)
    out["academic_year"] = _year_names(ctx, out["ycode"].to_numpy())
    for col in ("students", "difficult", "recipients", "payments", "borrowers"):
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("paid", "loans", "paid_allocated"):
        out[col] = out[col].fillna(0.0).astype(float)
    out["share"] = _share(out["paid_allocated"], out["allocated"])
    return out


def fund_sources(ctx: Context) -> pd.DataFrame:
    """Allocated money per programme, academic year and 资金来源 (blank source: 未填); no lines when the
    allocation table gives no source at all."""
    columns = ["programme", "academic_year", "source", "allocated"]
    alloc = ctx.allocation
    keep = ((alloc["pcode"].to_numpy() >= 0) & (alloc["ycode"].to_numpy() >= 0)
            & ~np.isnan(alloc["amount_value"].to_numpy()))
    alloc = alloc[keep]
    if not alloc["fund_source"].notna().any():
        return pd.DataFrame(columns=columns)
    rows = pd.DataFrame({"pcode": alloc["pcode"].to_numpy(), "ycode": alloc["ycode"].to_numpy(),
                         "source": alloc["fund_source"].where(alloc["fund_source"].notna(), UNKNOWN).to_numpy(dtype=object),
                         "allocated": alloc["amount_value"].to_numpy()})
    order = {name: i for i, name in enumerate(_source_names())}
    out = rows.groupby(["ycode", "pcode", "source"], sort=False)["allocated"].sum().reset_index()
    out = out.assign(_rank=out["source"].map(order).fillna(len(order))).sort_values(["ycode", "pcode", "_rank", "source"])
    out["programme"] = ctx.programmes.index.to_numpy(dtype=object)[out["pcode"].to_numpy()]
    out["academic_year"] = _year_names(ctx, out["ycode"].to_numpy())
    return out[columns].reset_index(drop=True)


def _source_names() -> list[str]:
    from aidtools.codetables import load_code_tables
    return [e["name"] for e in load_code_tables()["fund_source"].entries]


def programmes(ctx: Context, funds: pd.DataFrame) -> pd.DataFrame:
    """Per programme (loans last, as 国家助学贷款) and year: recipients, payments, paid, allocated."""
    names = np.r_[ctx.programmes.index.to_numpy(dtype=object), np.array([LOAN_PROGRAMME], dtype=object)]
    parts = []
    for frame in (ctx.disbursement, ctx.loan):
        keep = (frame["pcode"].to_numpy() >= 0) & (frame["ycode"].to_numpy() >= 0)
        parts.append(pd.DataFrame({c: frame[c].to_numpy()[keep] for c in ("pcode", "ycode", "sid", "amount_value")}))
    rows = pd.concat(parts, ignore_index=True)
    out = rows.groupby(["pcode", "ycode"]).agg(recipients=("sid", "nunique"), payments=("sid", "size"),
                                               paid=("amount_value", "sum"))
    allocated = funds[funds["compared"]].groupby(["pcode", "ycode"])["allocated"].sum()
    out = out.join(allocated, how="outer").reset_index().sort_values(["ycode", "pcode"])
    out["programme"] = names[out["pcode"].to_numpy()]
    out["academic_year"] = _year_names(ctx, out["ycode"].to_numpy())
    out[["recipients", "payments"]] = out[["recipients", "payments"]].fillna(0).astype("int64")
    out["paid"] = out["paid"].fillna(0.0)
    out["share"] = _share(out["paid"], out["allocated"])
    return out[["programme", "academic_year", "recipients", "payments", "paid", "allocated", "share"]].reset_index(drop=True)


def totals(ctx: Context, funds: pd.DataFrame) -> Totals:
    compared = funds[funds["compared"]]
    allocated = float(compared["allocated"].sum())
    paid_compared = float(compared["paid"].sum())
    return Totals(
        enrolled=int(len(at_school(ctx))),
        difficult=int(len(difficult_rows(ctx))),
        recipients=int(ctx.disbursement["sid"].nunique()),
        payments=int(len(ctx.disbursement)),
        paid=float(np.nansum(ctx.disbursement["amount_value"].to_numpy())) if len(ctx.disbursement) else 0.0,
        allocated=allocated,
        paid_compared=paid_compared,
        paid_share=paid_compared / allocated if allocated > 0 else None,
        borrowers=int(ctx.loan["sid"].nunique()),
        loans=float(np.nansum(ctx.loan["amount_value"].to_numpy())) if len(ctx.loan) else 0.0,
    )


def figures(ctx: Context) -> Figures:
    funds = ctx.extra["funds"]
    college = {"college": "department"}
    return Figures(
        academic_years=list(ctx.years),
        notes=list(ctx.extra.get("notes", [])),  # checks not run for want of a table
        totals=totals(ctx, funds),
        funds=records(funds, FundsLine, college),
        programmes=records(programmes(ctx, funds), ProgrammeLine),
        coverage=records(coverage(ctx), CoverageLine, college),
        aided_share=records(aided_share(ctx), AidedLine, college),
        campus=records(campus(ctx), CampusLine, {"students": "enrolled"}),
        fund_sources=records(fund_sources(ctx), FundSourceLine),
    )
