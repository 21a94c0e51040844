"""Arguments several commands share."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from aidtools.reading.limits import Limits
from aidtools.specs import SpecError, load_specs


def as_of_date(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应为YYYYMMDD：{text}") from exc


def add_input_arguments(p) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="文件或文件夹（递归） / files or folders")
    p.add_argument("--specs", action="append", default=[], metavar="DIR", help="额外的模板定义目录 / extra spec folder")
    p.add_argument("--as-of", type=as_of_date, default=None, metavar="YYYYMMDD", help="以此日期为“今天” / treat as today")
    p.add_argument("--max-rows", type=int, default=Limits.max_rows, help="每个工作表的最大行数")
    p.add_argument("--max-uncompressed-mb", type=int, default=Limits.max_uncompressed_bytes // 1024**2,
                   help="工作簿解压后的最大体积(MB)")
    add_workers_argument(p)


def workers_count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"进程数应为0或正整数：{text}")
    return n


def add_workers_argument(p) -> None:
    p.add_argument("--workers", type=workers_count, default=1, metavar="N",
                   help="同时检查文件的进程数，0 = 每个CPU核一个（默认1） / processes checking files at once, 0: one per core")


def check_inputs(paths, args, specs, limits: Limits | None = None):
    """Check ``paths`` as the command's arguments say: one process, or ``--workers`` processes
    (:func:`aidtools.parallel.check_paths_parallel`, same reports in the same order)."""
    from aidtools.parallel import check_paths_parallel
    from aidtools.progress import progress_bar
    from aidtools.validate import check_paths

    limits = limits or limits_from(args)
    progress = progress_bar("检查文件")
    workers = getattr(args, "workers", 1)
    if workers == 1:
        return check_paths(paths, specs=specs, as_of=args.as_of, limits=limits, progress=progress)
    return check_paths_parallel(paths, workers=workers or None, specs=specs, as_of=args.as_of, limits=limits,
                                progress=progress)


def limits_from(args) -> Limits:
    return Limits(max_rows=args.max_rows, max_uncompressed_bytes=args.max_uncompressed_mb * 1024**2)


def specs_from(args):
    try:
        return load_specs(args.specs)
    except SpecError as exc:
        raise SystemExit(f"模板定义错误：{exc}")


def inputs_ok(paths) -> bool:
    """Every path exists and there is at least one file to read; otherwise say so (exit 2 follows)."""
    from aidtools.validate import discover

    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        print(f"找不到：{', '.join(missing)}", file=sys.stderr)
        return False
    if not discover(paths):
        print("没有找到可读取的文件（.xlsx/.xlsm/.xls/.csv）。", file=sys.stderr)
        return False
    return True
