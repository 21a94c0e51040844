"""``aidtools check PATH... [--json FILE]``: check files and folders; exit 1 if any error."""
from __future__ import annotations

from aidtools.commands.common import add_input_arguments, read_first_ahead, check_batch, inputs_ok, options_from

HELP = "检查提交的文件 / check submitted files"
ORDER = 20


def add_arguments(p) -> None:
    add_input_arguments(p)
    p.add_argument("--json", metavar="FILE", help="把检查结果写成JSON（report.json 的格式） / write the JSON report")
    p.add_argument("--quiet", action="store_true", help="只输出汇总")


def run(args) -> int:
    read_first_ahead(args)  # before the imports: they overlap the file's parse
    from aidtools import steps
    from aidtools.outputs.terminal import summary_lines
    from aidtools.report import write_report

    options = options_from(args)
    if not inputs_ok(args.paths):
        return 2
    batch = check_batch(args, options)
    lines = summary_lines(batch.reports, max_examples=0 if args.quiet else 5)
    print("\n".join(lines))
    if args.json:
        write_report(steps.report(batch, "check"), args.json)
        print(f"JSON报告：{args.json}")
    return 1 if any(r.errors for r in batch.reports) else 0
