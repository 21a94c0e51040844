"""argparse in Chinese: every line argparse itself writes (``usage:``, the section titles, ``-h``'s help,
its error messages) comes out in Chinese.

argparse takes each of its texts through ``gettext`` (its module globals ``_`` and ``ngettext``), and
Python ships no Chinese catalogue for it; :func:`chinese` puts :func:`gettext` and :func:`ngettext`
(this module's catalogue, :data:`MESSAGES`) in their place while the block runs and then restores them,
so nothing outside the command line is changed. A text the catalogue does not know stays as it is.

>>> import argparse
>>> with chinese():
...     parser = argparse.ArgumentParser(prog="aidtools", add_help=False)
...     _ = parser.add_argument("--out", required=True)
...     print(parser.format_usage().strip())
用法：aidtools --out OUT
>>> gettext("the following arguments are required: %s") % "--out"
'缺少必需的参数：--out'
"""
from __future__ import annotations

import argparse
import contextlib

# argparse's own texts (Python 3.9-3.13) -> Chinese; the %-placeholders are kept as they are.
MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "以下参数必须给出一个：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "此选项不接受取值：%r",
    "expected one argument": "需要一个取值",
    "expected at most one argument": "最多只能有一个取值",
    "expected at least one argument": "至少需要一个取值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "unexpected option string: %s": "意外的选项：%s",
    "invalid %(type)s value: %(value)r": "取值无效（应为 %(type)s）：%(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "invalid choice: %(value)r, maximum choices: %(choices)s": "无效的选择：%(value)r（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的命令 %(parser_name)r（可选：%(choices)s）",
    "%(prog)s: error: %(message)s\n": "%(prog)s：用法错误：%(message)s\n",
}
PLURALS = {("expected %s argument", "expected %s arguments"): "需要 %s 个取值"}


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    chinese_text = PLURALS.get((singular, plural))
    if chinese_text is not None:
        return chinese_text
    return singular if n == 1 else plural


@contextlib.contextmanager
def chinese():
    """argparse speaks Chinese while the block runs (parsers built and used inside it)."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = gettext, ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved
