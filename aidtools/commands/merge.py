"""``aidtools merge PATH... --out DIR [--hold-back-files] [--template-file F]``: check, then merge the
passing rows into one import workbook per template and subsystem (``OUT/本专科/``, ``OUT/研究生/``), with
provenance and a held-back list; as in ``run``, the tables are reconciled first and the records a
reconciliation error rests on are held back too. The run report goes to ``OUT/merge.json``. As with
``run``, OUT is written beside itself and swapped in when complete (:mod:`aidtools.writing.staging`);
a folder that is neither empty nor a merge's output (``merge.json``) is refused.
Exit 0 when no file has errors, 1 when some have (their rows were held back), 2 on a usage error."""
from __future__ import annotations

import sys
from pathlib import Path

from aidtools.commands.common import add_input_arguments, read_first_ahead, add_merge_arguments, check_batch, inputs_ok, options_from
from aidtools.writing.cells import safe_text
from aidtools.writing.staging import NotAnOutputFolder, check_replaceable, staged

HELP = "合并为国家系统导入文件 / merge into the national system's import workbooks"
ORDER = 40
RESULT_FILE = "merge.json"


def add_arguments(p) -> None:
    add_input_arguments(p)
    p.add_argument("--out", required=True, metavar="DIR", help="输出目录（仅本人可读） / output folder (owner-only)")
    add_merge_arguments(p)


def summary_lines(result, out: Path) -> list[str]:
    from aidtools.report import MERGE_STATES

    lines = [f"合并结果（输出目录 {out}）："]
    for merged in result.templates.values():
        lines.append(f"  {merged.title}（{merged.template}）：读取 {merged.rows_read} 行 = 导入 {merged.rows_merged}"
                     f" + 暂缓 {merged.rows_held_back} + 被取代 {merged.rows_superseded}")
        if merged.rows_held_back_rec:
            lines.append(f"    暂缓的行中 {merged.rows_held_back_rec} 行因对账（两线三库）错误暂缓")
        if merged.rows_duplicate:
            lines.append(f"    其中 {merged.rows_duplicate} 行与其他文件的记录重复，只导入了一次")
        for part in merged.parts.values():
            lines.append(f"    {part.subsystem}：导入 {part.rows_merged} 行 → {part.path}")
            if part.held_back_path:
                lines.append(f"      暂缓清单：{part.held_back_path}")
            lines.append(f"      来源记录：{part.provenance_path}")
    superseded = [a for a in result.files if a.status == "superseded"]
    if superseded:
        lines.append("被重新提交的文件取代（未导入）：")
        lines += [f"  {a.path} → 使用 {a.superseded_by}" for a in superseded]
    whole = [a for a in result.files if a.status in ("held_back", "unusable")]
    if whole:
        lines.append("未导入任何行的文件：")
        lines += [f"  {a.path}：{MERGE_STATES[a.status]}。{a.reason or '所有行都有错误。'}" for a in whole]
    lines += result.notes
    return [safe_text(line) for line in lines]  # names are data: none may drive the terminal


def moved(result, stage: Path, out: Path) -> None:
    """Point the merge result's file paths from the staging folder to ``out``, where they now are."""
    for merged in result.templates.values():
        for part in merged.parts.values():
            for name in ("path", "held_back_path", "provenance_path"):
                path = getattr(part, name)
                if path is not None:
                    setattr(part, name, out / Path(path).relative_to(stage))


def run(args) -> int:
    read_first_ahead(args)  # before the imports: they overlap the file's parse
    from aidtools import steps
    from aidtools.report import write_report

    options = options_from(args)
    if not inputs_ok(args.paths):
        return 2
    out = Path(args.out)
    try:
        check_replaceable(out, (RESULT_FILE,))
    except (NotAnOutputFolder, NotADirectoryError) as e:
        print(e, file=sys.stderr)
        return 2
    batch = check_batch(args, options)
    reconciliation = steps.reconcile(batch)
    with staged(out, (RESULT_FILE,)) as stage:
        result = steps.merge(batch, stage, reconciliation)
        write_report(steps.report(batch, "merge", reconciliation=reconciliation, merged=result, out=stage),
                     stage / RESULT_FILE)
    moved(result, stage, out)
    print("\n".join(summary_lines(result, out)))
    return 1 if any(r.errors for r in batch.reports) else 0
