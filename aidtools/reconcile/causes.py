"""One cause, one finding: a reconciliation finding that a check error explains points to that error.

A bad 认定等级 in a hardship row makes every grant to that student look "not recognised as difficult";
a 学号 typed as ``0165-10110`` in the hardship table does the same. The cause is the check error, and
the reconciliation finding is its consequence. :func:`link_causes` gives such a finding
``caused_by`` (``[{"path", "row", "rule"}]``: the erroneous cells' rows) and a message that names the
cause; reports, the dashboard and progress then count it once, as its cause.

A check error explains a finding when it is an error

- on a record the finding rests on (its ``sources``), in a field the rule reads (:data:`OWN_FIELDS`); or
- on a record of the table the rule consults about the student (:data:`CONSULTED`: the hardship
  table for need-based aid, the enrolled-student table for status, level, grade and identity), in
  a field the rule reads there. That record is the student's by 学号, or by 身份证件号 when its 学号
  is itself wrong (the enrolled table gives the student's 身份证件号).

The work is joins over the findings frames, no loop over records.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.reconcile.tables import TEMPLATES
from aidtools.rules import RULES
from aidtools.specs import load_specs

# rule -> the keys of the finding's own records that the rule reads
OWN_FIELDS = {
    "rec.not_enrolled": ("student_no",),
    "rec.identity_mismatch": ("student_no", "name", "id_no"),
    "rec.not_difficult": ("student_no", "programme", "academic_year"),
    "rec.amount_standard": ("student_no", "programme", "academic_year", "amount", "tier"),
    "rec.exclusive_awards": ("student_no", "programme", "academic_year"),
    "rec.duplicate_payment": ("student_no", "programme", "academic_year", "batch"),
    "rec.status": ("student_no", "academic_year"),
    "rec.subsystem": ("student_no", "programme"),
    "rec.grade_eligibility": ("student_no", "programme", "academic_year"),
    "rec.tier_level": ("student_no", "tier", "academic_year"),
    "rec.department_mismatch": ("student_no", "college"),
}
# rule -> (the table consulted about the student, the keys of that table the rule reads)
CONSULTED = {
    "rec.not_difficult": ("difficulty", ("student_no", "level", "academic_year")),
    "rec.tier_level": ("difficulty", ("student_no", "level", "academic_year")),
    "rec.not_enrolled": ("student", ("student_no",)),
    "rec.identity_mismatch": ("student", ("student_no", "name", "id_no")),
    "rec.status": ("student", ("student_no", "status", "grade", "enrolled")),
    "rec.subsystem": ("student", ("student_no", "level")),
    "rec.grade_eligibility": ("student", ("student_no", "grade", "level", "enrolled")),
    "rec.department_mismatch": ("student", ("student_no", "college")),
}
TABLE_TITLES = {"student": "学生基本信息", "difficulty": "困难认定", "disbursement": "资助发放", "loan": "助学贷款",
                "allocation": "资金下达"}
CAUSE_COLUMNS = ["path", "row", "rule", "key", "field"]


def error_cells(reports, specs=None) -> pd.DataFrame:
    """Every check error on a data row: path, row, rule, key (the spec key of its column), field, template."""
    specs = specs or load_specs()
    frames = []
    for r in reports:
        f = r.findings
        if r.template not in TEMPLATES or not len(f):
            continue
        f = f[(f["severity"] == "error") & f["row"].notna() & f["field"].notna()]
        if not len(f):
            continue
        keys = {c.header: c.key for c in specs[r.template].columns} if r.template in specs else {}
        frames.append(pd.DataFrame({"path": f["path"].to_numpy(dtype=object), "row": f["row"].to_numpy(dtype=np.int64),
                                    "rule": f["rule"].to_numpy(dtype=object),
                                    "key": f["field"].map(keys).to_numpy(dtype=object),
                                    "field": f["field"].to_numpy(dtype=object), "template": r.template}))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CAUSE_COLUMNS + ["template"]})
    return pd.concat(frames, ignore_index=True)


def _sources(findings: pd.DataFrame) -> pd.DataFrame:
    """One row per (finding, source record): finding (its index), rule, student_no, path, row."""
    exploded = findings[["rule", "student_no", "academic_year", "sources"]].explode("sources")
    exploded = exploded[exploded["sources"].notna()]
    return pd.DataFrame({
        "finding": exploded.index.to_numpy(), "rule": exploded["rule"].to_numpy(dtype=object),
        "student_no": exploded["student_no"].to_numpy(dtype=object),
        "academic_year": exploded["academic_year"].to_numpy(dtype=object),
        "path": [s["path"] for s in exploded["sources"]],
        "row": np.array([s["row"] for s in exploded["sources"]], dtype=np.int64)})


def _allowed(frame: pd.DataFrame, fields: dict) -> np.ndarray:
    """Whether each (rule, key) pair of ``frame`` is one the rule reads."""
    pairs = {(rule, key) for rule, keys in fields.items() for key in keys}
    return np.array([(r, k) in pairs for r, k in zip(frame["rule"], frame["key"])], dtype=bool)


def _own_causes(sources: pd.DataFrame, errors: pd.DataFrame) -> pd.DataFrame:
    joined = sources.merge(errors, on=["path", "row"], suffixes=("", "_cell")).rename(columns={"rule_cell": "cause_rule"})
    return joined[_allowed(joined, OWN_FIELDS)].assign(table=lambda d: d["template"], own=True)


def _record_ids(tables: dict) -> pd.Series:
    """(path, row) -> 身份证件号 of every record of every table."""
    parts = [t[["_path", "_row", "id_no"]] for t in tables.values() if len(t) and "id_no" in t]
    if not parts:
        return pd.Series(dtype=object)
    every = pd.concat(parts, ignore_index=True).dropna(subset=["id_no"])
    return every.drop_duplicates(["_path", "_row"]).set_index(["_path", "_row"])["id_no"]


def _consulted_causes(sources: pd.DataFrame, errors: pd.DataFrame, tables: dict) -> list[pd.DataFrame]:
    """Errors on the records of the consulted table that belong to each finding's student: the records
    with the finding's 学号, or with the 身份证件号 of the records the finding rests on."""
    ids = _record_ids(tables)
    wanted = sources[sources["rule"].isin(list(CONSULTED))].copy()
    if not len(wanted):
        return []
    keys = pd.MultiIndex.from_arrays([wanted["path"], wanted["row"]])
    wanted["id_no"] = ids.reindex(keys).to_numpy(dtype=object) if len(ids) else None
    wanted = wanted.drop(columns=["path", "row"]).drop_duplicates(["finding", "student_no", "id_no"])
    wanted["table"] = wanted["rule"].map(lambda r: CONSULTED[r][0])
    out = []
    for table in sorted(set(wanted["table"])):
        rows = tables.get(table)
        if rows is None or not len(rows):
            continue
        rows = rows.reindex(columns=["student_no", "id_no", "academic_year", "_path", "_row"])
        mine = wanted[wanted["table"] == table]
        by_no = mine.dropna(subset=["student_no"]).drop(columns="id_no").merge(
            rows.drop(columns="id_no").dropna(subset=["student_no"]), on="student_no", suffixes=("", "_record"))
        by_id = mine.dropna(subset=["id_no"]).drop(columns="student_no").merge(
            rows.drop(columns="student_no").dropna(subset=["id_no"]), on="id_no", suffixes=("", "_record"))
        related = pd.concat([by_no, by_id], ignore_index=True).rename(columns={"_path": "path", "_row": "row"})
        # A record of another academic year explains nothing (a year cell that is itself wrong does).
        year, record_year = related["academic_year"], related["academic_year_record"]
        related = related[year.isna() | record_year.isna() | (year == record_year)]
        joined = related.merge(errors[errors["template"] == table], on=["path", "row"], suffixes=("", "_cell"))
        joined = joined.rename(columns={"rule_cell": "cause_rule"})
        if len(joined):
            fields = {rule: keys for rule, (t, keys) in CONSULTED.items() if t == table}
            out.append(joined[_allowed(joined, fields)].assign(table=table, own=False))
    return out


def _message(causes: pd.DataFrame, original: pd.Series) -> pd.Series:
    """finding -> "该生的困难认定记录（…第33行）认定等级有误（不在代码表中），因此对账显示…。请先修正该处…".

    A cause on a record the finding rests on keeps the rule's own message after it (what it says is
    still true of that record); a cause in the consulted table replaces it (the record is there)."""
    first = causes.sort_values(["finding", "own", "path", "row"], ascending=[True, False, True, True],
                               kind="stable").drop_duplicates("finding")
    titles = first["cause_rule"].map(lambda r: RULES[r].title if r in RULES else r)
    where = first["table"].map(TABLE_TITLES).fillna("") + "记录（" + first["path"] + "第" + first["row"].astype(str) + "行）"
    more = causes.groupby("finding")[["path", "row"]].apply(lambda g: len(g.drop_duplicates())).reindex(first["finding"])
    extra = np.where(more.to_numpy() > 1, "等" + more.astype(str).to_numpy() + "处", "")
    consequence = first["rule"].map(lambda r: RULES[r].title if r in RULES else r)
    text = ("该生的" + where + first["field"].astype(str) + "有误（" + titles + "）" + extra + "，因此对账显示“"
            + consequence + "”。请先修正该处，修正后重新核对。")
    kept = np.where(first["own"].to_numpy(dtype=bool), original.reindex(first["finding"]).to_numpy(dtype=object), "")
    return pd.Series((text + kept).to_numpy(), index=first["finding"].to_numpy())


def link_causes(findings: pd.DataFrame, reports, tables: dict, specs=None) -> pd.DataFrame:
    """``findings`` (the reconciliation's findings frame) with ``caused_by`` filled where a check error
    explains a finding, and its message naming that cause instead of the consequence ("没有该生本学年的
    困难认定记录" is wrong when the record is there with a bad 认定等级)."""
    findings = findings.copy()
    findings["caused_by"] = None
    errors = error_cells(reports, specs)
    record_level = findings[findings["rule"].map(lambda r: not RULES[r].group if r in RULES else True)]
    if not len(errors) or not len(record_level):
        return findings
    sources = _sources(record_level)
    parts = [_own_causes(sources, errors), *_consulted_causes(sources, errors, tables)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return findings
    causes = pd.concat(parts, ignore_index=True).drop_duplicates(["finding", "path", "row", "cause_rule"])
    causes = causes.sort_values(["finding", "path", "row", "cause_rule"], kind="stable")
    linked = causes.groupby("finding").apply(
        lambda g: [{"path": p, "row": int(r), "rule": q} for p, r, q in zip(g["path"], g["row"], g["cause_rule"])],
        include_groups=False)
    findings.loc[linked.index, "caused_by"] = pd.Series(list(linked), index=linked.index, dtype=object)
    message = _message(causes, findings["message"])
    findings.loc[message.index, "message"] = message
    return findings
