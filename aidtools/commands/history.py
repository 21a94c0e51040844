"""``aidtools history [list]`` (the rounds, one line each) and ``aidtools history diff [A] [B] [--json FILE]``
(what changed from round A to round B, per department; default the last two rounds). Both read the
history ``--history PATH|URL`` (default: ``aidtools-history.sqlite`` in the current folder, or
``$AIDTOOLS_HISTORY``)."""
from __future__ import annotations


import json
import os
import sys
from pathlib import Path

HELP = "历史库：各轮次列表与两轮之间的变化 / the history of rounds"
ORDER = 60


def add_arguments(p) -> None:
    p.add_argument("action", nargs="?", choices=["list", "diff"], default="list",
                   help="list：列出各轮次（默认）；diff：两轮之间的变化")
    p.add_argument("rounds", nargs="*", type=int, metavar="ROUND", help="diff 的两个轮次 A B（默认：最近两轮）")
    p.add_argument("--history", metavar="PATH|URL", default=os.environ.get("AIDTOOLS_HISTORY"),
                   help="历史库：SQLite 文件路径或数据库地址（默认：当前目录下的 aidtools-history.sqlite）")
    p.add_argument("--json", metavar="FILE", help="diff：把变化写成 JSON 文件")


def _target(args) -> str | None:
    from aidtools.history import DEFAULT_NAME
    from aidtools.history.store import is_url

    target = args.history or DEFAULT_NAME
    if not is_url(target):
        path = Path(target)
        if path.is_dir():
            path = path / DEFAULT_NAME
        if not path.is_file():
            print(f"找不到历史库：{path}（用 --history PATH|URL 指定；aidtools run 默认把它写在 --out 的上级目录）",
                  file=sys.stderr)
            return None
    return target


def _title(rule: str) -> str:
    from aidtools.rules import RULES

    return RULES[rule].title if rule in RULES else ""


def _template(template: str | None) -> str:
    """The template's Chinese title (its id when it is not a known spec)."""
    from aidtools.views import template_titles

    return template_titles().get(template, template or "") if template else ""


def _line(f) -> str:
    from aidtools.findings import severity_label

    where = f"{_template(f.template)} {f.record or f.path or ''}".strip()
    since = f"（自第 {f.first_round} 轮）" if f.first_round is not None else ""
    return f"    [{severity_label(f.severity)}] {f.rule} {_title(f.rule)}：{where}{' ' + f.field if f.field else ''}{since}"


def _item(f, with_first: bool) -> dict:
    out = {"rule": f.rule, "title": _title(f.rule), "severity": f.severity, "department": f.department,
           "template": f.template, "record": f.record, "key": f.key, "field": f.field, "path": f.path, "row": f.row,
           "message": f.message}
    if with_first:
        out["first_round"] = f.first_round
    return out


def run(args) -> int:
    from aidtools.history import HistoryError, diff_rounds, list_rounds, open_store
    from aidtools.history.settle import pending, settle

    target = _target(args)
    if target is None:
        return 2
    try:
        store = open_store(target)
    except HistoryError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        for line in settle(store):  # rounds that killed runs left pending
            print(f"历史库：{line}", file=sys.stderr)
        rounds = list_rounds(store)
        if args.action == "list":
            if args.rounds:
                print("list 不需要轮次参数", file=sys.stderr)
                return 2
            print(f"历史库：{store.display}，共 {len(rounds)} 轮")
            for r in rounds:
                print(f"第 {r.round} 轮  记录于 {r.recorded_at}  截至 {r.as_of}  文件 {r.files} 个  数据 {r.rows} 行  "
                      f"检查错误 {r.errors} 条  对账错误 {r.rec_errors} 条  任务 {r.items_passed}/{r.items} 项已通过")
            for p in pending(store):
                print(f"（第 {p['round']} 轮未计入：{p['host']} 上的运行尚未完成，输出文件夹 {p['out']}）")
            return 0
        numbers = [r.round for r in rounds]
        if len(args.rounds) > 2:
            print("diff 最多两个轮次：A B", file=sys.stderr)
            return 2
        if len(args.rounds) == 2:
            a, b = args.rounds
        elif len(args.rounds) == 1:
            b = args.rounds[0]
            a = max([n for n in numbers if n < b], default=None)
        else:
            b = numbers[-1] if numbers else None
            a = numbers[-2] if len(numbers) > 1 else None
        missing = [n for n in (a, b) if n is not None and n not in numbers]
        if b is None or missing:
            print(f"历史库中没有第 {'、'.join(map(str, missing))} 轮" if missing else "历史库中还没有任何轮次",
                  file=sys.stderr)
            return 2
        fixed, new, still = diff_rounds(store, a, b)
        print(f"第 {a if a is not None else '-'} 轮 → 第 {b} 轮：已改正 {len(fixed)} 条，新增 {len(new)} 条，"
              f"仍未改正 {len(still)} 条")
        departments = sorted({f.department or "" for f in fixed + new + still})
        for dept in departments:
            mine = [(label, [f for f in found if (f.department or "") == dept])
                    for label, found in (("已改正", fixed), ("新增", new), ("仍未改正", still))]
            print(f"{dept or '（未知部门）'}：" + "，".join(f"{label} {len(found)} 条" for label, found in mine))
            for label, found in mine:
                if found:
                    print(f"  {label}：")
                    for f in found:
                        print(_line(f))
        if args.json:
            data = {"from": a, "to": b, "fixed": [_item(f, False) for f in fixed], "new": [_item(f, False) for f in new],
                    "still_open": [_item(f, True) for f in still]}
            Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return 0
    finally:
        store.close()
