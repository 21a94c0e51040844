"""``aidtools templates [--json]``: the known template specs."""
from __future__ import annotations

import json

from aidtools.commands.common import specs_from

HELP = "列出模板 / list the template specs"
ORDER = 10


def add_arguments(p) -> None:
    p.add_argument("--json", action="store_true", help="输出JSON（含每列类型和代码表取值）")
    p.add_argument("--specs", action="append", default=[], metavar="DIR")


def run(args) -> int:
    specs = specs_from(args)
    if args.json:
        print(json.dumps([s.to_dict() for s in specs.values()], ensure_ascii=False, indent=1))
        return 0
    print(f"{'模板':14} {'版本':8} {'工作表':10} {'列数':4}  标题")
    for s in specs.values():
        print(f"{s.id:14} {s.version:8} {s.sheet:10} {len(s.columns):4}  {s.title}（{s.subsystem}）")
    return 0
