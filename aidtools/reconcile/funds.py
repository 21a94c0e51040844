"""Money allocated against money paid (资金拨付信息流 vs 受助学生信息流), per programme, academic
year and college: ``rec.over_allocation``, ``rec.over_quota`` and ``rec.under_spent``.

The unit of comparison is the allocation's: allocation rows are summed per (programme, year,
院系). A ``全校`` row is a school-wide pot: when a programme and year has one, the whole school's
payments are compared with everything allocated for that programme and year, on one line
``全校``. Payments count under the student's enrolled college (the record's own 院系 when the
student is not enrolled). Programmes and years with no allocation at all are not compared (they
appear in the figures with no allocated amount).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.reconcile.context import Context, obj
from aidtools.reconcile.results import collapse, finish
from aidtools.reconcile.text import percent, s, yuan

SCHOOL_WIDE = "全校"
UNIT = ["programme", "academic_year", "college"]
KEYS = ["pcode", "ycode", "college"]  # the unit by codes: integers group fastest
TOLERANCE = 0.005


def _paid_rows(ctx: Context) -> pd.DataFrame:
    pay = ctx.disbursement
    keep = ((pay["pcode"].to_numpy() >= 0) & (pay["ycode"].to_numpy() >= 0)
            & ~np.isnan(pay["amount_value"].to_numpy()) & pd.notna(pay["department"].to_numpy()))
    return pay[keep]


def _pair(ctx: Context, frame: pd.DataFrame) -> np.ndarray:
    """(programme, year) of each row as one integer."""
    return frame["pcode"].to_numpy() * max(len(ctx.years), 1) + frame["ycode"].to_numpy()


def _units_of(ctx: Context, frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows' unit keys (pcode, ycode, college), with 全校 for school-wide pots, plus what
    the sums need."""
    alloc = ctx.allocation
    wide = np.unique(_pair(ctx, alloc[(alloc["college"] == SCHOOL_WIDE).to_numpy()]))
    unit = np.where(np.isin(_pair(ctx, frame), wide), SCHOOL_WIDE, frame[column].to_numpy(dtype=object))
    cols = {k: frame[k].to_numpy() for k in ("pcode", "ycode", "sid", "amount_value", "quota_value", "_path", "_row")
            if k in frame.columns}
    out = pd.DataFrame(cols, index=frame.index)
    out["college"] = obj(unit, frame.index)
    return out


def _names(ctx: Context, units: pd.DataFrame) -> pd.DataFrame:
    """Programme and year names for the code columns of ``units``."""
    programmes = np.r_[ctx.programmes.index.to_numpy(dtype=object), np.array([None], dtype=object)]
    years = np.r_[ctx.years.to_numpy(dtype=object), np.array([None], dtype=object)]
    return units.assign(programme=obj(programmes[units["pcode"].to_numpy()], units.index),
                        academic_year=obj(years[units["ycode"].to_numpy()], units.index))


def fund_units(ctx: Context) -> pd.DataFrame:
    """One line per unit: programme, academic_year, college, allocated, quota, paid, payments,
    recipients, share, compared (whether the programme and year has allocations at all)."""
    alloc = ctx.allocation
    alloc = _units_of(ctx, alloc[~np.isnan(alloc["amount_value"].to_numpy()) & (alloc["pcode"].to_numpy() >= 0)
                                 & (alloc["ycode"].to_numpy() >= 0)], "college")
    pay = _units_of(ctx, _paid_rows(ctx), "department")
    allocated = alloc.groupby(KEYS).agg(allocated=("amount_value", "sum"), quota=("quota_value", "sum"),
                                        quota_rows=("quota_value", "count"))
    # A quota is only compared where one was given.
    allocated["quota"] = allocated["quota"].where(allocated["quota_rows"] > 0)
    paid = pay.groupby(KEYS).agg(paid=("amount_value", "sum"), payments=("amount_value", "size"),
                                 recipients=("sid", "nunique"))
    units = allocated.drop(columns="quota_rows").join(paid, how="outer").reset_index()
    units["compared"] = np.isin(_pair(ctx, units), np.unique(_pair(ctx, alloc)))
    units["allocated"] = units["allocated"].where(~units["compared"] | units["allocated"].notna(), 0.0)
    units[["paid", "payments", "recipients"]] = units[["paid", "payments", "recipients"]].fillna(0)
    units[["payments", "recipients"]] = units[["payments", "recipients"]].astype("int64")
    units["share"] = units["paid"] / units["allocated"].where(units["allocated"] > 0)
    units = _names(ctx, units)
    columns = UNIT + ["allocated", "quota", "paid", "payments", "recipients", "share", "compared", "pcode", "ycode"]
    return units.sort_values(UNIT, kind="stable").reset_index(drop=True)[columns]


def _sources(ctx: Context, units: pd.DataFrame) -> pd.DataFrame:
    """``units`` with ``sources``: the allocation rows behind each unit, or, when nothing was
    allocated to it, the payments that went there."""
    rows = _units_of(ctx, ctx.allocation, "college").merge(units[KEYS], on=KEYS)
    out = units.merge(collapse(rows, KEYS)[KEYS + ["sources"]], on=KEYS, how="left")
    missing = out["sources"].isna().to_numpy()
    if missing.any():
        paid_rows = _units_of(ctx, _paid_rows(ctx), "department").merge(out.loc[missing, KEYS], on=KEYS)
        by_payment = collapse(paid_rows, KEYS).set_index(KEYS)["sources"]
        keys = pd.MultiIndex.from_frame(out.loc[missing, KEYS])
        out.loc[missing, "sources"] = pd.Series(list(by_payment.reindex(keys)), index=out.index[missing])
    out["sources"] = [v if isinstance(v, list) else [] for v in out["sources"]]
    return out


def _label(units: pd.DataFrame) -> pd.Series:
    return s(units["academic_year"]) + "学年" + s(units["programme"]) + "（" + s(units["college"]) + "）"


def check(ctx: Context) -> list[pd.DataFrame]:
    units = fund_units(ctx)
    ctx.extra["funds"] = units
    units = units[units["compared"]]
    over = units[units["paid"] > units["allocated"] + TOLERANCE]
    quota = units[units["quota"].notna() & (units["recipients"] > units["quota"])]
    under = units[(units["allocated"] > 0) & (units["paid"] < units["allocated"] - TOLERANCE)]
    out = []
    if len(over):
        over = _sources(ctx, over)
        msg = (_label(over) + "已发放" + yuan(over["paid"]) + "元，超过下达金额" + yuan(over["allocated"]) + "元（超出"
               + yuan(over["paid"] - over["allocated"]) + "元）。请核对资金下达和发放记录。")
        out.append(finish(over.assign(department=over["college"]), "rec.over_allocation", msg))
    if len(quota):
        quota = _sources(ctx, quota)
        msg = (_label(quota) + "受助" + s(quota["recipients"].astype(int)) + "人，超过名额"
               + s(quota["quota"].astype(int)) + "人。请核对名额和受助名单。")
        out.append(finish(quota.assign(department=quota["college"]), "rec.over_quota", msg))
    if len(under):
        under = _sources(ctx, under)
        open_year = _year_open(ctx, under["academic_year"])
        note = pd.Series(np.where(open_year, "（本学年尚未结束）", ""), index=under.index)
        msg = (_label(under) + "下达" + yuan(under["allocated"]) + "元，已发放" + yuan(under["paid"]) + "元（"
               + percent(under["share"]) + "），尚余" + yuan(under["allocated"] - under["paid"]) + "元" + note
               + "。请确认剩余资金的安排。")
        out.append(finish(under.assign(department=under["college"]), "rec.under_spent", msg))
    return out


def _year_open(ctx: Context, years: pd.Series) -> np.ndarray:
    """Whether ``as_of`` falls inside each academic year (1 Sep .. 31 Aug)."""
    if ctx.as_of is None:
        return np.zeros(len(years), dtype=bool)
    start = pd.to_numeric(years.str.slice(0, 4), errors="coerce").to_numpy()
    as_of = ctx.as_of
    current = as_of.year if as_of.month >= 9 else as_of.year - 1
    return start == current
