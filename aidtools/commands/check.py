"""``aidtools check PATH... [--json FILE]``: check files and folders; exit 1 if any error."""
from __future__ import annotations


from aidtools.commands.common import add_input_arguments, check_inputs, inputs_ok, specs_from
from aidtools.outputs.json_report import check_report, write_json
from aidtools.outputs.terminal import summary_lines

HELP = "检查提交的文件 / check submitted files"
ORDER = 20


def add_arguments(p) -> None:
    add_input_arguments(p)
    p.add_argument("--json", metavar="FILE", help="把检查结果写成JSON / write the JSON report")
    p.add_argument("--quiet", action="store_true", help="只输出汇总")


def run(args) -> int:
    specs = specs_from(args)
    if not inputs_ok(args.paths):
        return 2
    reports = check_inputs(args.paths, args, specs)
    lines = summary_lines(reports, max_examples=0 if args.quiet else 5)
    print("\n".join(lines))
    if args.json:
        write_json(check_report(reports, specs), args.json)
        print(f"JSON报告：{args.json}")
    return 1 if any(r.errors for r in reports) else 0
