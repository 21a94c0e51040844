"""Reconciliation findings on the records they rest on: what each department's feedback marks.

A ``rec.*`` finding names its records in ``sources``; :func:`record_findings` gives every checked file
the findings about its own rows, one per (finding, record), placed on the cell that shows what is wrong
(:data:`MARKED`: the amount for an amount off the standard, the 资助项目 for aid the student may not
have, the 学号 otherwise), with the other records involved said in the message.

>>> import pandas as pd
>>> from aidtools import findings as F
>>> found = F.to_frame([F.Finding("rec.exclusive_awards", "error", "两项不能兼得。", student_no="S1",
...     sources=(F.Source("文学院/a.xlsx", 3), F.Source("法学院/b.xlsx", 5)))])
>>> mine = record_findings(found, {"文学院/a.xlsx": ("disbursement", "资助发放")})["文学院/a.xlsx"]
>>> mine[["row", "column", "field"]].values.tolist()
[[3, 'E', '资助项目']]
>>> mine["message"].iloc[0]
'两项不能兼得。（同一问题的其他记录：法学院/b.xlsx第5行）'
"""
from __future__ import annotations

import pandas as pd

from aidtools import findings as F
from aidtools.reading.xlsx_parts import column_letter
from aidtools.specs import load_specs

# rule -> the key of the record's cell that a department's feedback marks
MARKED = {
    "rec.amount_standard": "amount", "rec.exclusive_awards": "programme", "rec.duplicate_payment": "programme",
    "rec.not_difficult": "programme", "rec.subsystem": "programme", "rec.grade_eligibility": "programme",
    "rec.tier_level": "tier", "rec.department_mismatch": "college", "rec.over_allocation": "amount",
    "rec.over_quota": "quota", "rec.under_spent": "amount",
}


def record_findings(findings: pd.DataFrame, files: dict[str, tuple[str, str | None]], specs=None) -> dict[str, pd.DataFrame]:
    """``files``: display path -> (template, sheet) of the checked files. Returns display path -> a
    findings frame of the reconciliation findings on that file's records."""
    specs = specs or load_specs()
    if not len(findings):
        return {}
    exploded = findings.explode("sources")
    exploded = exploded[exploded["sources"].notna()].copy()
    if not len(exploded):
        return {}
    where = [(s["path"], int(s["row"])) for s in exploded["sources"]]
    exploded["path"] = [p for p, _ in where]
    exploded["row"] = [r for _, r in where]
    labels = pd.Series([f"{p}第{r}行" for p, r in zip(exploded["path"], exploded["row"])], index=exploded.index)
    everyone = labels.groupby(level=0).agg(list)
    others = [[w for w in everyone[i] if w != me] for i, me in zip(exploded.index, labels)]
    exploded["message"] = [m + (f"（同一问题的其他记录：{'、'.join(o)}）" if o else "")
                           for m, o in zip(exploded["message"], others)]
    exploded = exploded[exploded["path"].isin(list(files))]
    out = {}
    for path, mine in exploded.groupby("path", sort=False):
        template, sheet = files[path]
        spec = specs.get(template)
        if spec is None:
            continue
        keys = {c.key: c.header for c in spec.columns}
        fields = mine["rule"].map(MARKED).where(lambda k: k.isin(list(keys)), "student_no")
        fields = fields.where(fields.isin(list(keys)), spec.columns[0].key)
        headers = fields.map(keys)
        mine = mine.assign(sheet=sheet, field=headers, column=headers.map(lambda h: column_letter(spec.headers.index(h))),
                           value=mine["student_no"])
        out[path] = F.normalise_frame(mine.reset_index(drop=True))
    return out
