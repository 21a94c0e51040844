"""``aidtools check PATH... [--json FILE]``: check files and folders; exit 1 if any error."""
from __future__ import annotations

import sys

from aidtools.commands.common import add_input_arguments, limits_from, specs_from
from aidtools.outputs.json_report import check_report, write_json
from aidtools.outputs.terminal import summary_lines
from aidtools.progress import progress_bar
from aidtools.validate import check_paths, discover

HELP = "检查提交的文件 / check submitted files"
ORDER = 20


def add_arguments(p) -> None:
    add_input_arguments(p)
    p.add_argument("--json", metavar="FILE", help="把检查结果写成JSON / write the JSON report")
    p.add_argument("--quiet", action="store_true", help="只输出汇总")


def run(args) -> int:
    specs = specs_from(args)
    missing = [p for p in args.paths if not __import__("pathlib").Path(p).exists()]
    if missing:
        print(f"找不到：{', '.join(missing)}", file=sys.stderr)
        return 2
    if not discover(args.paths):
        print("没有找到可检查的文件（.xlsx/.xlsm/.xls/.csv）。", file=sys.stderr)
        return 2
    reports = check_paths(args.paths, specs=specs, as_of=args.as_of, limits=limits_from(args),
                          progress=progress_bar("检查文件"))
    lines = summary_lines(reports, max_examples=0 if args.quiet else 5)
    print("\n".join(lines))
    if args.json:
        write_json(check_report(reports, specs), args.json)
        print(f"JSON报告：{args.json}")
    return 1 if any(r.errors for r in reports) else 0
