"""Writing cells safely with openpyxl: text stays text, nothing a department typed ever runs, and no
text can stop a workbook from being written.

Text starting with ``=``, ``+``, ``-`` or ``@`` would be taken for a formula by Excel (formula
injection: ``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``). We store it as a string cell with the
``quotePrefix`` style, which is what Excel itself does when a user types a leading apostrophe.

Every text a writer puts in a file (cell, comment, sheet name, CSV value) first goes through
:func:`safe_text`: characters a worksheet cannot hold (C0 controls but tab, line feed and carriage
return; lone surrogates, which UTF-8 cannot encode; U+FFFE/U+FFFF, which XML forbids) are replaced
*visibly*: a control by its Unicode "control picture" (``\\x07`` → ``␇``, ``\\x00`` → ``␀``), anything
else by ``�``; text longer than Excel's 32,767 characters is cut and ends with
:data:`CUT_MARK`. Excel's own escapes (``_x0007_``, as xlsxwriter stores a control) are decoded by
Excel and python-calamine, so in text openpyxl read from a workbook they are replaced too
(:func:`safe_loaded_text`).

>>> from openpyxl import Workbook
>>> ws = Workbook().active
>>> cell = write_text(ws, 1, 1, "=HYPERLINK(\\"http://x\\")")
>>> cell.data_type, cell.quotePrefix
('s', True)
>>> safe_text("王\\x07五"), safe_text("a\\ud800b"), safe_text("ok\\tok")
('王␇五', 'a�b', 'ok\\tok')
>>> len(safe_text("x" * 40_000)), safe_text("x" * 40_000).endswith(CUT_MARK)
(32767, True)
>>> unsafe_characters("王\\x07五\\x00")
['U+0007', 'U+0000']
>>> safe_loaded_text("赵_x001B_六"), safe_loaded_text("_x005F_x0007_ stays"), safe_loaded_text("_x005F_x005F_x0007_")
('赵␛六', '_x005F_x0007_ stays', '_x005F_x005F␇')
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl only when a cell is written: the checks use the text functions alone
    from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_FORMAT = "@"
CELL_LIMIT = 32_767  # Excel's limit on the characters of one cell
CUT_MARK = "…【超过32767个字符，以下已截断】"
REPLACEMENT = "\ufffd"
# What a worksheet (XML 1.0 in UTF-8) cannot hold: C0 controls but \t \n \r, lone surrogates, U+FFFE/U+FFFF.
UNSAFE_BUT_NUL = "\x01-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
UNSAFE = "\x00" + UNSAFE_BUT_NUL
UNSAFE_RE = re.compile(f"[{UNSAFE}]")
# Excel's escape of a character in cell text, decoded left to right by Excel and python-calamine (not by
# openpyxl); ``_x005F_`` escapes the underscore, so ``_x005F_x0007_`` is the literal text "_x0007_".
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def shown_as(code: int) -> str:
    """How :func:`safe_text` shows the unsafe character ``chr(code)``: ``7`` → ``"␇"``, U+D800 → ``"�"``."""
    return chr(0x2400 + code) if code < 0x20 else REPLACEMENT


def _picture(match: re.Match) -> str:
    return shown_as(ord(match.group(0)))


def unsafe_characters(text) -> list[str]:
    """The unsafe characters of ``text`` as ``U+XXXX``, each once, in order of appearance."""
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(f"U+{ord(c):04X}" for c in UNSAFE_RE.findall(text)))


def safe_text(text, limit: int = CELL_LIMIT) -> str:
    """``text`` (made a ``str``) with every unsafe character replaced visibly and cut to ``limit``."""
    text = text if isinstance(text, str) else str(text)
    if UNSAFE_RE.search(text):
        text = UNSAFE_RE.sub(_picture, text)
    if len(text) > limit:
        text = text[: limit - len(CUT_MARK)] + CUT_MARK
    return text


def safe_loaded_text(text: str) -> str:
    """Text as openpyxl read it from a workbook: Excel's escapes of unsafe characters replaced too."""
    if "_x" in text:
        text = _ESCAPE_RE.sub(_decoded_if_unsafe, text)
    return safe_text(text)


def _decoded_if_unsafe(match: re.Match) -> str:
    """An escape as Excel reads it when that is an unsafe character (shown visibly), else as it is."""
    character = chr(int(match.group(1), 16))
    return shown_as(ord(character)) if UNSAFE_RE.match(character) else match.group(0)


def safe_sheet_title(name, fallback: str = "Sheet1") -> str:
    """A valid sheet name: safe text, none of ``[]:*?/\\``, at most 31 characters, no quote at either end."""
    title = _SHEET_TITLE_BAD.sub("_", safe_text(name))[:31].strip("'")
    return title or fallback


_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


# Text that reads like one of Excel's escapes must have its underscore escaped, or Excel (and calamine)
# would read ``_x0041_`` as ``A``: what xlsxwriter does too.
_LOOKS_ESCAPED_RE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def cell_text(value) -> str:
    """The text to store in a cell so that Excel shows :func:`safe_text` of ``value``.

    >>> cell_text("王\x07五"), cell_text("_x0041_"), cell_text("_x005F_x0000_")
    ('王␇五', '_x005F_x0041_', '_x005F_x005F_x005F_x0000_')
    """
    text = safe_text(value)
    if "_x" not in text:
        return text
    limit = CELL_LIMIT
    while True:  # the escapes lengthen the text: cut it so that the stored form fits in a cell too
        stored = _LOOKS_ESCAPED_RE.sub("_x005F_", text)
        if len(stored) <= CELL_LIMIT:
            return stored
        limit -= len(stored) - CELL_LIMIT
        text = safe_text(value, limit)


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def write_text(ws, row: int, column: int, value, text_format: bool = True) -> Cell:
    """Write ``value`` as a text cell (never a formula, always :func:`safe_text`); ``None`` leaves a
    blank text-formatted cell."""
    cell = ws.cell(row=row, column=column)
    if value is None:
        cell.value = None
    else:
        cell.value = cell_text(value)
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True
    if text_format:
        cell.number_format = TEXT_FORMAT
    return cell


def write_value(ws, row: int, column: int, value) -> Cell:
    """Numbers stay numbers; any text goes through :func:`write_text`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell = ws.cell(row=row, column=column)
        cell.value = value
        return cell
    return write_text(ws, row, column, value, text_format=False)


def csv_safe(value):
    """For CSV output: :func:`safe_text`, and a leading apostrophe keeps spreadsheet programs from
    evaluating the text.

    >>> csv_safe("=1+1"), csv_safe("张三"), csv_safe(3)
    ("'=1+1", '张三', 3)
    """
    if isinstance(value, str):
        value = safe_text(value)
        if is_formula_like(value):
            return "'" + value
    return value


def __getattr__(name: str):
    if name == "WRAP":  # wrapped text, top-aligned: openpyxl's Alignment, made on first use
        from openpyxl.styles import Alignment

        globals()["WRAP"] = wrap = Alignment(wrap_text=True, vertical="top")
        return wrap
    raise AttributeError(f"module 'aidtools.writing.cells' has no attribute {name!r}")
