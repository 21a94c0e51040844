"""``aidtools feedback PATH... --out DIR``: check, then write each department its feedback workbooks
(``OUT/<department>/<name>-反馈.xlsx``), with the cells the checks and the reconciliation (两线三库)
found wrong marked. Files a newer resubmission replaces get none.
Exit 0 when no file has errors, 1 when some have, 2 on a usage error."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from aidtools.commands.common import add_input_arguments, read_first_ahead, check_batch, inputs_ok, options_from

HELP = "生成退回院系的反馈工作簿 / write feedback workbooks for the departments"
ORDER = 30
NO_DEPARTMENT = "（根目录）"


def add_arguments(p) -> None:
    add_input_arguments(p)
    p.add_argument("--out", required=True, metavar="DIR", help="输出目录（仅本人可读） / output folder (owner-only)")


def run(args) -> int:
    read_first_ahead(args)  # before the imports: they overlap the file's parse
    from aidtools import steps

    options = options_from(args)
    if not inputs_ok(args.paths):
        return 2
    batch = check_batch(args, options)
    written = steps.feedback(batch, Path(args.out), steps.reconcile(batch))
    per_department = Counter(r.department or NO_DEPARTMENT for r, p in written if p is not None)
    print(f"已生成 {sum(per_department.values())} 个反馈文件，输出目录 {args.out}：")
    for department, n in sorted(per_department.items()):
        failed = sum(1 for r, _ in written if (r.department or NO_DEPARTMENT) == department and not r.passed)
        print(f"  {department}：{n} 个文件，其中 {failed} 个未通过")
    for report, path in written:
        if path is None:
            reasons = report.findings.loc[report.findings["rule"] == "write.failed", "message"]
            print(f"  {report.display_path}：{reasons.iloc[-1] if len(reasons) else '未能生成反馈工作簿。'}")
    if batch.superseded:
        print(f"  被重新提交取代、未生成反馈的文件：{'、'.join(sorted(batch.superseded))}")
    return 1 if any(r.errors for r in batch.reports) else 0
