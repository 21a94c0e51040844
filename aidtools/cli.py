"""The ``aidtools`` command. Exit status: 0 no errors, 1 errors found, 2 usage error.

Each subcommand lives in :mod:`aidtools.commands` as a module with ``HELP``, ``ORDER``,
``add_arguments(parser)`` and ``run(args) -> int``; this file finds and wires them together.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from aidtools import __version__



def command_modules():
    """Every module of :mod:`aidtools.commands` that defines ``HELP``, ``add_arguments`` and ``run``."""
    import pkgutil

    import aidtools.commands as package
    modules = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"aidtools.commands.{info.name}")
        if hasattr(module, "HELP") and hasattr(module, "run"):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2, in Chinese first
        self.print_usage(sys.stderr)
        self.exit(2, f"用法错误 / usage error: {message}\n")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="aidtools", description="学生资助数据检查、对账与合并工具 / student aid data toolkit")
    parser.add_argument("--version", action="version", version=f"aidtools {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="详细日志 / verbose log")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for module in command_modules():
        name = module.__name__.rsplit(".", 1)[1]
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    from aidtools.errors import UserError
    from aidtools.logs import setup_logging
    setup_logging(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return int(args._module.run(args) or 0)
    except UserError as exc:  # UsageError, SchedulerError …
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
