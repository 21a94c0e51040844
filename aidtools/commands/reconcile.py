"""``aidtools reconcile PATH... [--json FILE] [--as-of YYYYMMDD]``: check the files, then reconcile
the tables across them (两线三库), leaving out files a newer resubmission replaces; exit 1 if
reconciliation finds any error."""
from __future__ import annotations

from collections import Counter

from aidtools.commands.common import (add_input_arguments, add_reconcile_arguments, check_batch, inputs_ok,
                                      options_from, read_first_ahead)

HELP = "两线三库对账 / reconcile enrolled, difficulty, aid, loan and allocation tables"
ORDER = 30


def add_arguments(p) -> None:
    add_input_arguments(p)
    add_reconcile_arguments(p)
    p.add_argument("--json", metavar="FILE", help="把对账结果写成JSON（report.json 的格式） / write the JSON report")
    p.add_argument("--examples", type=int, default=3, metavar="N", help="每条规则显示的示例数")


def run(args) -> int:
    read_first_ahead(args)  # before the imports: they overlap the file's parse
    from aidtools import steps
    from aidtools.reconcile.summary import summary_lines  # the reconciliation: only for this command
    from aidtools.report import write_report

    options = options_from(args)
    if not inputs_ok(args.paths):
        return 2
    batch = check_batch(args, options)
    by_template = Counter(f"{r.title}（{r.template}）" if r.template else "未识别" for r in batch.reports)
    cell_errors = sum(r.errors for r in batch.in_use())
    superseded = f"，{len(batch.superseded)} 个被重新提交取代的文件不参与对账" if batch.superseded else ""
    print(f"已检查 {len(batch.reports)} 个文件（" + "，".join(f"{k} {v}个" for k, v in sorted(by_template.items()))
          + f"）{superseded}；单元格检查错误 {cell_errors} 条（详见 aidtools check）；对账使用关键字段有效的全部行。")
    result = steps.reconcile(batch)
    print("\n".join(summary_lines(result, max_examples=max(args.examples, 0))))
    if args.json:
        write_report(steps.report(batch, "reconcile", reconciliation=result), args.json)
        print(f"JSON报告：{args.json}")
    return 1 if result.errors else 0
