"""``aidtools merge PATH... --out DIR [--hold-back-files] [--template-file F]``: check, then merge the
passing rows into one import workbook per template, with provenance and a held-back list.
Exit 0 when no file has errors, 1 when some have (their rows were held back), 2 on a usage error."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from aidtools.commands.common import add_input_arguments, check_inputs, inputs_ok, limits_from, specs_from
from aidtools.merging import OfficialTemplateError, load_official_template, merge_reports
from aidtools.writing.private import save_private
from aidtools.merging.merge import STATUS_TEXT

HELP = "合并为国家系统导入文件 / merge into the national system's import workbooks"
ORDER = 40
RESULT_FILE = "merge.json"


def add_arguments(p) -> None:
    add_input_arguments(p)
    p.add_argument("--out", required=True, metavar="DIR", help="输出目录（仅本人可读） / output folder (owner-only)")
    p.add_argument("--hold-back-files", action="store_true",
                   help="有错误的文件整体暂缓（默认只暂缓有错误的行） / hold back every file that has an error")
    p.add_argument("--template-file", metavar="OFFICIAL",
                   help="国家系统下发的官方模板(.xlsx/.xlsm/.xls)，数据写在其表头下方 / the official template to fill")


def summary_lines(result, out: Path) -> list[str]:
    lines = [f"合并结果（输出目录 {out}）："]
    for merged in result.templates.values():
        lines.append(f"  {merged.title}（{merged.template}）：读取 {merged.rows_read} 行 = 导入 {merged.rows_merged}"
                     f" + 暂缓 {merged.rows_held_back} + 被取代 {merged.rows_superseded} → {merged.path}")
        if merged.rows_duplicate:
            lines.append(f"    其中 {merged.rows_duplicate} 行与其他文件的记录重复，只导入了一次")
        if merged.held_back_path:
            lines.append(f"    暂缓清单：{merged.held_back_path}")
        lines.append(f"    来源记录：{merged.provenance_path}")
    superseded = [a for a in result.files if a.status == "superseded"]
    if superseded:
        lines.append("被重新提交的文件取代（未导入）：")
        lines += [f"  {a.path} → 使用 {a.superseded_by}" for a in superseded]
    whole = [a for a in result.files if a.status in ("held_back", "unusable")]
    if whole:
        lines.append("未导入任何行的文件：")
        lines += [f"  {a.path}：{STATUS_TEXT[a.status]}（{a.reason or '所有行都有错误'}）" for a in whole]
    lines += result.notes
    return lines


def run(args) -> int:
    specs = specs_from(args)
    if not inputs_ok(args.paths):
        return 2
    limits = limits_from(args)
    official = None
    if args.template_file:
        try:  # before any file is checked or written
            official = load_official_template(args.template_file, specs, limits)
        except OfficialTemplateError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    reports = check_inputs(args.paths, args, specs, limits)
    out = Path(args.out)
    result = merge_reports(reports, out, hold_back_files=args.hold_back_files, template_file=official, specs=specs,
                           limits=limits)
    data = {"merge": result.to_dict(relative_to=out), "superseded": result.superseded, "notes": result.notes}
    text = json.dumps(data, ensure_ascii=False, indent=1)
    save_private(lambda p: p.write_text(text, encoding="utf-8"), out / RESULT_FILE)
    print("\n".join(summary_lines(result, out)))
    return 1 if any(r.errors for r in reports) else 0
