"""The terminal summary of a reconciliation: per rule the count and a few examples, then the money.

Messages pass through :func:`~aidtools.masking.mask_text` and :func:`~aidtools.masking.mask_names` once
more, since terminals end up in logs.
"""
from __future__ import annotations

from aidtools.findings import severity_label
from aidtools.masking import mask_names, mask_text
from aidtools.rules import RULES


def summary_lines(result, max_examples: int = 3) -> list[str]:
    """Chinese lines for the terminal from a :class:`~aidtools.reconcile.Reconciliation`."""
    found = result.findings
    lines = ["对账结果（两线三库：资金下达—发放，在校生—困难认定—受助学生）："]
    if not len(found):
        lines.append("  未发现问题。")
    else:
        groups = found.groupby(["severity", "rule"], sort=False)
        for (severity, rule), part in groups:
            title = RULES[rule].title if rule in RULES else ""
            lines.append(f"  [{severity_label(severity)}] {rule:24} {len(part):6} 条  {title}")
            for rec in part.head(max_examples).itertuples():
                who = f"学号{rec.student_no}" if rec.student_no else (rec.programme or "")
                lines.append(f"      {rec.department or '—'}  {who}：{mask_names(mask_text(rec.message))}")
            if len(part) > max_examples > 0:
                lines.append(f"      ……另有 {len(part) - max_examples} 条")
    for note in result.figures.notes:
        lines.append(f"  注意：{note}")
    totals = result.figures.totals
    lines.append("")
    lines.append(f"共 错误 {result.count('error')} 条，警告 {result.count('warning')} 条，提示 {result.count('info')} 条。")
    if totals.allocated:
        lines.append(f"资金：有下达记录的项目共下达 {totals.allocated:,.2f} 元，已发放 "
                     f"{totals.paid_compared:,.2f} 元（{totals.paid_compared / totals.allocated:.1%}）。")
    lines.append(f"学生：在校 {totals.enrolled} 人，认定困难 {totals.difficult} 人次，"
                 f"受助 {totals.recipients} 人，发放 {totals.paid:,.2f} 元；"
                 f"贷款 {totals.borrowers} 人，{totals.loans:,.2f} 元。")
    return lines
