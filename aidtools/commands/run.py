"""``aidtools run SUBMISSIONS --out OUT [--tasks TASKS.xlsx] [OPTIONS]``: the main job, every step in a
row; every option of ``check``, ``merge`` and ``reconcile`` is an option of ``run``. OUT is written beside
itself and swapped in when complete (:mod:`aidtools.writing.staging`); a folder that is neither empty
nor a run's output is refused (exit 2), since it would be replaced whole."""
from __future__ import annotations

import sys
from pathlib import Path

from aidtools.commands.common import add_merge_arguments, add_option_arguments, add_reconcile_arguments, options_from
from aidtools.progress import progress_bar
from aidtools.writing.staging import NotAnOutputFolder

HELP = "完整流程：检查、反馈、合并、对账、报告 / the main job"
ORDER = 5


def add_arguments(p) -> None:
    p.add_argument("submissions", metavar="SUBMISSIONS", help="提交文件夹（每个部门一个子文件夹）")
    p.add_argument("--out", required=True, metavar="OUT", help="输出文件夹")
    p.add_argument("--tasks", metavar="TASKS.xlsx", help="任务分解表")
    add_option_arguments(p)
    add_merge_arguments(p)
    add_reconcile_arguments(p)
    p.add_argument("--no-html", action="store_true", help="不生成HTML报告")
    history = p.add_mutually_exclusive_group()
    history.add_argument("--history", metavar="PATH|URL",
                         help="历史库：SQLite 文件路径或数据库地址（默认：OUT 的上级目录中的 aidtools-history.sqlite）")
    history.add_argument("--no-history", action="store_true", help="本次运行不记入历史库")
    p.add_argument("--fail-on-errors", action="store_true",
                   help="有检查或对账错误时退出码为1（默认：流程完成即为0）")


def run(args) -> int:
    from aidtools.job import run_job

    if not Path(args.submissions).is_dir():
        print(f"找不到提交文件夹：{args.submissions}", file=sys.stderr)
        return 2
    if args.tasks and not Path(args.tasks).is_file():
        print(f"找不到任务分解表：{args.tasks}", file=sys.stderr)
        return 2
    from aidtools.history import default_location

    history = None if args.no_history else (args.history or str(default_location(args.out)))
    try:
        report = run_job(args.submissions, args.out, options_from(args), tasks=args.tasks, html=not args.no_html,
                         progress_bar=progress_bar("检查文件"), history=history)
    except (NotAnOutputFolder, NotADirectoryError) as e:
        print(e, file=sys.stderr)
        return 2
    s = report.summary
    print(f"共 {s.files} 个文件（{s.files_superseded} 个被重新提交取代），通过 {s.files_passed} 个；"
          f"检查错误 {s.errors} 条，警告 {s.warnings} 条；对账错误 {s.rec_errors} 条，警告 {s.rec_warnings} 条。")
    skipped = report.not_checked()
    if skipped:
        print(f"另有 {len(skipped)} 个文件未检查：" + "、".join(f.path for f in skipped[:10])
              + ("……" if len(skipped) > 10 else "") + "（原因和处理办法见报告和各部门反馈文件夹中的“未检查的文件.txt”）")
    for m in report.merge.values():
        superseded = f"，被重新提交取代 {m.rows_superseded} 行" if m.rows_superseded else ""
        rec = f"（其中对账错误 {m.rows_held_back_rec} 行）" if m.rows_held_back_rec else ""
        where = "；".join(f"{p.subsystem} {p.rows_merged} 行 → {p.path}" for p in m.parts)
        print(f"  {m.title}（{m.template}）：读取 {m.rows_read} 行，合并 {m.rows_merged} 行，暂缓 {m.rows_held_back} 行"
              f"{rec}{superseded}：{where}")
    out = Path(args.out)
    written = [out / name for name in ("report.html", "report.json", "report.xlsx") if (out / name).exists()]
    print("报告：" + "  ".join(str(p) for p in written))
    if report.history is not None:
        h = report.history
        since = (f"；与第 {h.previous_round} 轮相比：已改正 {len(h.fixed)} 条，新增 {len(h.new)} 条，"
                 f"仍未改正 {len(h.still_open)} 条") if h.previous_round else ""
        print(f"历史库：{h.store}（第 {h.round} 轮{since}）")
    elif history is not None:
        print("历史库：本轮未记录（见报告中的说明）", file=sys.stderr)
    return 1 if args.fail_on_errors and (s.errors or s.rec_errors) else 0
