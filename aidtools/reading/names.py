"""File and folder names as text a report, a workbook and pandas can hold.

A name that is not UTF-8 (a zip made on a Chinese Windows keeps its names in GBK) comes from the
operating system with its bytes as lone surrogates (Python's ``surrogateescape``), which no UTF-8
file, worksheet or Arrow string can hold. :func:`readable_name` decodes those bytes as GBK, the usual
case, and otherwise shows the bytes it cannot decode as ``�``.

>>> readable_name("学生.xlsx")
'学生.xlsx'
>>> readable_name("学生.xlsx".encode("gbk").decode("utf-8", "surrogateescape"))
'学生.xlsx'
>>> readable_name(b"bad\\xff.csv".decode("utf-8", "surrogateescape"))
'bad�.csv'
"""
from __future__ import annotations

import os

FALLBACK_ENCODINGS = ("gbk",)


def readable_name(name: str) -> str:
    """``name`` as text; a path (``/`` separators) component by component."""
    if "/" in name:
        return "/".join(map(readable_name, name.split("/")))
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        raw = os.fsencode(name)
    except UnicodeEncodeError:  # a surrogate that no bytes stand for: not from the file system
        return name.encode("utf-8", "replace").decode("utf-8").replace("?", "\ufffd")
    for encoding in FALLBACK_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")
