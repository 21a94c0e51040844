"""``aidtools sample OUT [--students N] [--seed S] [--error-rate R] [--year 2017-2018] [--rounds 2]``: a
synthetic university (submissions folder, task table and the list of planted mistakes); ``--rounds 2``
also writes the same university two weeks later into ``OUT/round2/``. All data is synthetic."""
from __future__ import annotations

import re
import sys

HELP = "生成模拟高校数据（含预埋错误） / generate a synthetic university"
ORDER = 60


def add_arguments(p) -> None:
    p.add_argument("out", metavar="OUT")
    p.add_argument("--students", type=int, default=3000, help="学生人数（默认3000）")
    p.add_argument("--seed", type=int, default=2017, help="随机种子（同一种子生成完全相同的文件）")
    p.add_argument("--error-rate", type=float, default=None, help="预埋错误的行比例")
    p.add_argument("--year", default="2017-2018", help="学年，如2017-2018")
    p.add_argument("--rounds", type=int, choices=(1, 2), default=1,
                   help="轮次：2 = 另写两周后的第二轮（OUT/round2，多数错误已改正、少量新错误）")


def run(args) -> int:
    from aidtools.sample import generate

    m = re.fullmatch(r"(\d{4})-(\d{4})", args.year)
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        print(f"学年格式应为如2017-2018：{args.year}", file=sys.stderr)
        return 2
    if args.students < 300:
        print("学生人数至少为300（少于此数无法为每条规则各埋一个错误）", file=sys.stderr)
        return 2
    kwargs = dict(students=args.students, seed=args.seed, year=args.year, rounds=args.rounds)
    if args.error_rate is not None:
        kwargs["error_rate"] = args.error_rate
    generate(args.out, **kwargs)
    print(f"已生成模拟数据：{args.out}/submissions（提交文件）、tasks.xlsx（任务分解表）、truth.json（预埋错误清单）")
    if args.rounds == 2:
        print(f"第二轮：{args.out}/round2（submissions、tasks.xlsx、truth.json，含 changes 与 tasks）")
    return 0
