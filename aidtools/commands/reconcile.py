"""``aidtools reconcile PATH... [--json FILE] [--as-of YYYYMMDD]``: check the files, then reconcile
the tables across them (两线三库); exit 1 if reconciliation finds any error."""
from __future__ import annotations


from aidtools.commands.common import add_input_arguments, check_inputs, inputs_ok, specs_from
from aidtools.outputs.json_report import versions, write_json
from aidtools.reconcile import reconcile
from aidtools.reconcile.summary import summary_lines

HELP = "两线三库对账 / reconcile enrolled, difficulty, aid, loan and allocation tables"
ORDER = 30


def add_arguments(p) -> None:
    add_input_arguments(p)
    p.add_argument("--json", metavar="FILE", help="把对账结果写成JSON / write findings and figures as JSON")
    p.add_argument("--school", metavar="CODE", help="学校代码（默认取在校生表中的学校代码） / school code for school-set standards")
    p.add_argument("--examples", type=int, default=3, metavar="N", help="每条规则显示的示例数")


def run(args) -> int:
    specs = specs_from(args)
    if not inputs_ok(args.paths):
        return 2
    reports = check_inputs(args.paths, args, specs)
    by_template: dict[str, int] = {}
    for r in reports:
        by_template[r.template or "未识别"] = by_template.get(r.template or "未识别", 0) + 1
    cell_errors = sum(r.errors for r in reports)
    print(f"已检查 {len(reports)} 个文件（" + "，".join(f"{k} {v}个" for k, v in sorted(by_template.items()))
          + f"），单元格检查错误 {cell_errors} 条（详见 aidtools check）；对账使用关键字段有效的全部行。")
    result = reconcile(reports, as_of=args.as_of, school=args.school)
    print("\n".join(summary_lines(result, max_examples=max(args.examples, 0))))
    if args.json:
        payload = result.to_dict()
        payload["versions"] = versions(specs)
        write_json(payload, args.json)
        print(f"JSON报告：{args.json}")
    return 1 if result.errors else 0
