"""``aidtools template ID OUT.xlsx``: a blank template to hand to departments."""
from __future__ import annotations

import sys

from aidtools.commands.common import specs_from

HELP = "生成空白模板 / write a blank template for departments"
ORDER = 11


def add_arguments(p) -> None:
    p.add_argument("template_id", metavar="ID", help="模板编号，如 student")
    p.add_argument("out", metavar="OUT.xlsx")
    p.add_argument("--specs", action="append", default=[], metavar="DIR")


def run(args) -> int:
    from aidtools.outputs.blank_template import write_blank_template  # openpyxl: only when a template is written

    specs = specs_from(args)
    if args.template_id not in specs:
        print(f"没有模板“{args.template_id}”。可用：{', '.join(specs)}", file=sys.stderr)
        return 2
    out = write_blank_template(specs[args.template_id], args.out)
    print(f"已生成空白模板：{out}")
    return 0
