"""The terminal summary: one line per file, then findings per rule. Values are masked already;
messages are passed through :func:`~aidtools.masking.mask_text` as well, since terminals end up in logs,
and every line through :func:`~aidtools.writing.cells.safe_text`: a file name holding ``\x1b[...`` must
not drive the terminal."""
from __future__ import annotations

from aidtools import findings as F
from aidtools.masking import mask_text
from aidtools.rules import RULES
from aidtools.writing.cells import safe_text


def summary_lines(reports, max_examples: int = 3) -> list[str]:
    lines = []
    for r in reports:
        state = "通过" if r.passed else "未通过"
        tmpl = f"{r.title}（{r.template}）" if r.template else "未识别"
        lines.append(f"[{state}] {mask_text(r.display_path)}  模板：{tmpl}  行数 {r.rows}  错误 {r.errors}  警告 {r.warnings}")
        if len(r.findings):
            shown = r.findings[r.findings["severity"] != "info"].head(max_examples)
            for f in F.from_frame(shown):
                where = f"{f.sheet or ''}!{f.column or ''}{f.row or ''}".strip("!")
                lines.append(f"    {F.severity_label(f.severity)}  {f.rule:24} {where:12} {mask_text(f.message)}")
            extra = len(r.findings) - len(shown)
            if extra > 0:
                lines.append(f"    ……另有 {extra} 条")
    allf = F.concat([r.findings for r in reports])
    if len(allf):
        lines.append("")
        lines.append("按规则汇总：")
        by_rule = allf.groupby(["rule", "severity"]).size().reset_index(name="n")
        by_rule = by_rule.assign(rank=F.severity_rank(by_rule["severity"])).sort_values(["rank", "n"],
                                                                                        ascending=[True, False])
        for rec in by_rule.itertuples():
            title = RULES[rec.rule].title if rec.rule in RULES else ""
            lines.append(f"  {F.severity_label(rec.severity)}  {rec.rule:26} {rec.n:6}  {title}")
    files = len(reports)
    passed = sum(r.passed for r in reports)
    lines.append("")
    lines.append(f"共 {files} 个文件，通过 {passed} 个；错误 {F.count(allf, 'error')} 条，警告 {F.count(allf, 'warning')} 条。")
    return [safe_text(line) for line in lines]
