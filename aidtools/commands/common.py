"""Arguments several commands share."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from aidtools.errors import UserError
from aidtools.reading.limits import Limits

if TYPE_CHECKING:
    from aidtools.steps import Options


def as_of_date(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应为YYYYMMDD：{text}") from exc


def add_input_arguments(p) -> None:
    """The paths to check and every option of the steps that every command takes."""
    p.add_argument("paths", nargs="+", metavar="PATH", help="文件或文件夹（递归） / files or folders")
    add_option_arguments(p)


def add_option_arguments(p) -> None:
    """Options of :class:`aidtools.steps.Options` that every command shares."""
    p.add_argument("--specs", action="append", default=[], metavar="DIR", help="额外的模板定义目录 / extra spec folder")
    p.add_argument("--as-of", type=as_of_date, default=None, metavar="YYYYMMDD", help="以此日期为“今天” / treat as today")
    p.add_argument("--max-rows", type=int, default=Limits.max_rows, help="每个工作表的最大行数")
    p.add_argument("--max-uncompressed-mb", type=int, default=Limits.max_uncompressed_bytes // 1024**2,
                   help="工作簿解压后的最大体积(MB)")
    p.add_argument("--workers", type=workers_count, default=1, metavar="N",
                   help="同时检查文件的进程数，0 = 每个CPU核一个（默认1） / processes checking files at once, 0: one per core")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="Dask 集群调度器地址（如 tcp://10.0.0.5:8786）：在集群的工作进程上读取和检查文件；"
                        "提交文件夹须在各工作节点的同一路径可读 / check files on a dask.distributed cluster")


def add_merge_arguments(p) -> None:
    p.add_argument("--hold-back-files", action="store_true",
                   help="有错误的文件整体暂缓（默认只暂缓有错误的行） / hold back every file that has an error")
    p.add_argument("--template-file", metavar="OFFICIAL",
                   help="国家系统下发的官方模板(.xlsx/.xlsm/.xls)，数据写在其表头下方 / the official template to fill")


def add_reconcile_arguments(p) -> None:
    p.add_argument("--school", metavar="CODE", help="学校代码（默认取在校生表中的学校代码） / school code for school-set standards")


def workers_count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"进程数应为0或正整数：{text}")
    return n


class UsageError(UserError):
    """A command line that cannot be run as given; :func:`aidtools.cli.main` prints it and exits 2."""


def options_from(args) -> Options:
    """The steps' options from the command line (options a command does not take keep their defaults).

    Raises :class:`UsageError` (in Chinese) for a bad spec folder or official template."""
    from aidtools.steps import Options

    options = Options(specs=specs_from(args), limits=limits_from(args), workers=args.workers, as_of=args.as_of,
                      hold_back_files=getattr(args, "hold_back_files", False), school=getattr(args, "school", None),
                      scheduler=getattr(args, "scheduler", None))
    if getattr(args, "template_file", None):
        from aidtools.merging import OfficialTemplateError, load_official_template
        try:  # before any file is checked or written
            options.template_file = load_official_template(args.template_file, options.specs, options.limits)
        except OfficialTemplateError as exc:
            raise UsageError(str(exc)) from exc
    return options


def read_first_ahead(args) -> None:
    """Start reading the command's first PATH when it is a file checked in this process, and return
    once it has passed its safety checks, so that the imports the command makes next overlap the
    file's parse (:mod:`aidtools.reading.read_ahead`). Call it before importing the steps."""
    if args.workers != 1 or getattr(args, "scheduler", None) or not args.paths:
        return
    from aidtools.reading import read_ahead
    from aidtools.reading.workbook import SUFFIXES

    first = Path(args.paths[0])
    if first.suffix.lower() in SUFFIXES and first.is_file():
        read_ahead.start(first, limits_from(args)).wait_scanned()


def check_batch(args, options: Options):
    """Check the command's paths with a progress bar (:func:`aidtools.steps.check`)."""
    from aidtools import steps
    from aidtools.progress import progress_bar
    from aidtools.reading import read_ahead

    try:
        return steps.check(args.paths, options, progress_bar("检查文件"))
    finally:
        read_ahead.discard()


def limits_from(args) -> Limits:
    return Limits(max_rows=args.max_rows, max_uncompressed_bytes=args.max_uncompressed_mb * 1024**2)


def specs_from(args):
    from aidtools.specs import SpecError, load_specs

    try:
        return load_specs(args.specs)
    except SpecError as exc:
        raise UsageError(f"模板定义错误：{exc}") from exc


def inputs_ok(paths) -> bool:
    """Every path exists and there is at least one file to read; otherwise say so (exit 2 follows)."""
    from aidtools.inventory import take_inventory

    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        print(f"找不到：{', '.join(missing)}", file=sys.stderr)
        return False
    inventory = take_inventory(paths)
    if not inventory.targets:
        print(inventory.nothing_to_check(), file=sys.stderr)
        return False
    return True
