"""``aidtools template ID OUT``: the template to hand to departments.

When the spec has an official template registered (``template_file``, written beside the spec by
``aidtools spec from-template``), OUT is a byte-for-byte copy of it: what departments receive is the
national system's own file. Otherwise OUT is our own blank (:mod:`aidtools.outputs.blank_template`).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

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
    spec = specs[args.template_id]
    if spec.template_file:
        official = Path(spec.template_file)
        out = Path(args.out)
        if out.suffix.lower() != official.suffix.lower():
            out = out.with_suffix(official.suffix.lower())
            print(f"官方模板是{official.suffix}文件，已保存为“{out.name}”（不改变格式，以免丢失宏和格式）。")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(official, out)
        print(f"已复制官方模板（{spec.title}，版本{spec.version}）：{out}")
        return 0
    out = write_blank_template(spec, args.out)
    print(f"已生成空白模板：{out}")
    return 0
