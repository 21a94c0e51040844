"""How much, and how often: a student's yearly total per programme against the policy standard
(``rec.amount_standard``), and one payment filed twice by two files or departments
(``rec.duplicate_payment``).

Standards come from :func:`aidtools.policy.standards_table` (``data/policy.csv``): ``fixed`` amounts
must be met exactly, ``cap`` amounts not exceeded; ``average``, ``minimum`` and ``hourly`` figures
are not checked per student. The student's 学历层次 picks the standard's level
(:data:`aidtools.policy.LEVELS_OF`: 硕士研究生 tries 硕士研究生, then 研究生); tiered programmes use
the school's tier rows (keyed by 学校代码) for the record's 资助档次, else the untiered row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.policy import LEVELS_OF, load_policy, standards_table
from aidtools.reconcile.context import Context, obj
from aidtools.reconcile.results import collapse, finish
from aidtools.reconcile.text import LOAN_PROGRAMME, s, yuan

CHECKED_KINDS = ("fixed", "cap")
TOLERANCE = 0.005  # amounts carry two decimals at most
STANDARD_KEYS = ["school", "programme", "level", "tier", "academic_year"]


def _group_codes(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Dense group numbers of ``cols`` (missing values form their own group)."""
    return frame.groupby(cols, sort=False, dropna=False).ngroup().to_numpy()


def resolve_standards(groups: pd.DataFrame, years) -> pd.DataFrame:
    """Standard amount and kind for each group's (school, programme, level, tier, year).

    ``groups`` has columns school, programme, e_level, tier, academic_year, tiered. The few distinct
    combinations are resolved once and mapped back, so the cost does not grow with students.
    """
    # pcode and ycode stand for programme and year (and pcode decides ``tiered``): integers group fastest.
    combos_id = _group_codes(groups, ["school", "pcode", "e_level", "tier", "ycode"])
    first = np.unique(combos_id, return_index=True)[1]
    combos = groups.iloc[first][["school", "programme", "e_level", "tier", "academic_year", "tiered"]].reset_index(drop=True)
    combos.index = combos_id[first]
    table = pd.concat([standards_table(years, school=school).assign(school=school)
                       for school in combos["school"].fillna("").unique()], ignore_index=True)
    table = table[table["kind"].notna()][STANDARD_KEYS + ["amount", "kind", "notice"]]
    amount = pd.Series(np.nan, index=combos.index)
    kind = pd.Series(None, index=combos.index, dtype=object)
    tier = combos["tier"].where(combos["tiered"] & combos["tier"].notna(), "").astype(str)
    attempts = [(i, t) for t in ("own", "") for i in (0, 1)]  # tier rows first, then the untiered row
    for option, tier_choice in attempts:
        level = combos["e_level"].map({k: v[option] for k, v in LEVELS_OF.items() if len(v) > option})
        probe = pd.DataFrame({"school": combos["school"].fillna(""), "programme": combos["programme"], "level": level,
                              "tier": tier if tier_choice == "own" else "", "academic_year": combos["academic_year"]},
                             index=combos.index)
        found = probe.reset_index().merge(table, on=STANDARD_KEYS, how="inner").set_index("index")
        found = found[~found.index.duplicated()]
        todo = kind.loc[found.index].isna()
        hit = found.index[todo.to_numpy()]
        amount.loc[hit] = found.loc[hit, "amount"]
        kind.loc[hit] = found.loc[hit, "kind"]
    return pd.DataFrame({"standard": amount.reindex(combos_id).to_numpy(),
                         "kind": kind.reindex(combos_id).to_numpy()}, index=groups.index)


def _totals(ctx: Context, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per (student, programme, year): the total and the first row's attributes."""
    rows = rows.assign(_g=_group_codes(rows, ["sid", "pcode", "ycode"]))
    totals = rows.groupby("_g")["amount_value"].sum()
    # The tier of a group: its first non-blank one (batches normally share it).
    tiers = rows[rows["tier"].notna()].drop_duplicates("_g").set_index("_g")["tier"]
    groups = rows.drop_duplicates("_g").set_index("_g")
    groups["total"] = totals
    groups["tier"] = tiers.reindex(groups.index)
    tiered = np.r_[ctx.programmes["tiered"].to_numpy(dtype=bool), False]  # the last code: loans
    groups["tiered"] = tiered[groups["pcode"].to_numpy()]
    groups["e_level"] = obj(ctx.at(groups, "level"), groups.index)
    school = ctx.at(groups, "school")
    groups["school"] = obj(np.where(pd.isna(school), "", school), groups.index)
    return groups, rows


def _checked_codes(ctx: Context) -> np.ndarray:
    """Programme codes with a fixed or capped standard anywhere in the policy file (loans last):
    only their payments need totalling."""
    policy = load_policy()
    names = set(policy.loc[policy["kind"].isin(CHECKED_KINDS), "programme"])
    codes = [i for i, name in enumerate(ctx.programmes.index) if name in names]
    return np.array(codes + ([len(ctx.programmes)] if LOAN_PROGRAMME in names else []), dtype=np.int64)


def amount_standard(ctx: Context) -> pd.DataFrame | None:
    """Per student, programme and year: the total against a fixed award or a cap (loans included)."""
    columns = ["sid", "pcode", "student_no", "programme", "academic_year", "ycode", "tier", "amount_value",
               "department", "enrolled", "_path", "_row"]
    parts = []
    checked = _checked_codes(ctx)
    for rows in (ctx.disbursement, ctx.loan):
        keep = (np.isin(rows["pcode"].to_numpy(), checked) & (rows["ycode"].to_numpy() >= 0)
                & ~np.isnan(rows["amount_value"].to_numpy()))
        parts.append(rows.loc[keep, columns])
    rows = pd.concat(parts, ignore_index=True)
    # The level is the enrolled student's: without it there is no standard to hold the total to.
    rows = rows[pd.notna(ctx.at(rows, "level"))]
    if not len(rows):
        return None
    groups, rows = _totals(ctx, rows)
    std = resolve_standards(groups, list(ctx.years))
    groups = groups.join(std)
    total, limit = groups["total"].to_numpy(), groups["standard"].to_numpy()
    fixed = (groups["kind"] == "fixed").to_numpy() & (np.abs(total - limit) > TOLERANCE)
    capped = (groups["kind"] == "cap").to_numpy() & (total > limit + TOLERANCE)
    bad = groups[fixed | capped]
    if not len(bad):
        return None
    hits = collapse(rows[rows["_g"].isin(bad.index)], ["_g"])
    hits = hits.drop(columns=["tier"]).join(bad[["total", "standard", "kind", "tier"]], on="_g")
    label = s(hits["programme"]) + s(hits["tier"])
    batches = pd.Series(np.where(hits["n_rows"] > 1, "（" + s(hits["n_rows"]) + "笔）", ""), index=hits.index)
    is_fixed = (hits["kind"] == "fixed").to_numpy()
    rule = pd.Series(np.where(is_fixed, "，与资助标准" + yuan(hits["standard"]) + "元不符",
                              "，超过每生每年上限" + yuan(hits["standard"]) + "元"), index=hits.index)
    msg = (s(hits["academic_year"]) + "学年学号" + s(hits["student_no"]) + "的" + label + "合计" + yuan(hits["total"])
           + "元" + batches + rule + "。请按资助标准核对发放金额。")
    return finish(hits, "rec.amount_standard", msg)


def duplicate_payment(ctx: Context) -> pd.DataFrame | None:
    """The same student, programme, year and batch in two files (so also two departments)."""
    pay = ctx.disbursement
    keys = ["sid", "pcode", "ycode", "batch"]
    valid = (pay["pcode"].to_numpy() >= 0) & (pay["ycode"].to_numpy() >= 0) & pay["batch"].notna().to_numpy()
    pay = pay[valid]
    if not len(pay):
        return None
    group = _group_codes(pay, keys)
    # Only repeated keys can be paid twice: look at paths among those few rows.
    repeated = pd.Series(group).duplicated(keep=False).to_numpy()
    if not repeated.any():
        return None
    per_file = pd.DataFrame({"g": group[repeated], "path": pay["_path"].to_numpy()[repeated]}).drop_duplicates()
    files = per_file["g"].value_counts()
    twice = files.index[files > 1].to_numpy()
    chosen = repeated & np.isin(group, twice)
    if not chosen.any():
        return None
    rows = pay[chosen].assign(_g=group[chosen])
    hits = collapse(rows, ["_g"])
    places = (rows[rows["_department"].notna().to_numpy()].drop_duplicates(["_g", "_department"])
              .sort_values(["_g", "_department"]).groupby("_g")["_department"].agg("、".join))
    where = hits["_g"].map(places)
    place = ("（" + s(where) + "）").where(where.notna() & (s(where) != ""), "")
    msg = (s(hits["academic_year"]) + "学年学号" + s(hits["student_no"]) + "的" + s(hits["programme"]) + "第"
           + s(hits["batch"]) + "批在" + s(hits["_g"].map(files)) + "个文件中重复发放" + place
           + "。同一学生、项目、学年、批次只能发放一次，请核对并删除重复记录。")
    return finish(hits, "rec.duplicate_payment", msg)


def check(ctx: Context) -> list[pd.DataFrame]:
    return [amount_standard(ctx), duplicate_payment(ctx)]
