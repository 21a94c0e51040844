"""``aidtools feedback PATH... --out DIR``: check, then write each department its feedback workbooks
(``OUT/<department>/<name>-反馈.xlsx``). Exit 0 when no file has errors, 1 when some have, 2 on a usage error."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from aidtools.commands.common import add_input_arguments, check_inputs, inputs_ok, limits_from, specs_from
from aidtools.outputs.feedback import write_all_feedback

HELP = "生成退回院系的反馈工作簿 / write feedback workbooks for the departments"
ORDER = 30


def add_arguments(p) -> None:
    add_input_arguments(p)
    p.add_argument("--out", required=True, metavar="DIR", help="输出目录（仅本人可读） / output folder (owner-only)")


def run(args) -> int:
    specs = specs_from(args)
    if not inputs_ok(args.paths):
        return 2
    limits = limits_from(args)
    reports = check_inputs(args.paths, args, specs, limits)
    written = write_all_feedback(reports, Path(args.out), limits=limits)
    per_department = Counter(r.department or "（根目录）" for r, p in zip(reports, written) if p is not None)
    print(f"已生成 {sum(per_department.values())} 个反馈文件，输出目录 {args.out}：")
    for department, n in sorted(per_department.items()):
        failed = sum(1 for r in reports if (r.department or "（根目录）") == department and not r.passed)
        print(f"  {department}：{n} 个文件，其中 {failed} 个未通过")
    for report, path in zip(reports, written):
        if path is None:
            print(f"  未能生成：{report.display_path}（文件在检查后被修改或无法读取）")
    return 1 if any(r.errors for r in reports) else 0
