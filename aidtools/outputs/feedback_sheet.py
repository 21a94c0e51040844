"""Marking cells in a worksheet's XML as it is: a forward scan to the rows that carry marks.

Only the marked rows are looked into: a marked cell gets its new style (``s``); a marked cell that is
not there (a required cell left empty) is inserted in column order, with the style Excel would give a
value typed into it (the row's, else the column's), and a missing row is inserted in row order.
``<legacyDrawing>`` (the notes) goes where CT_Worksheet wants it; the sheet's tab is unselected
(``问题清单`` is the selected one). Everything else stays byte for byte.

A mark inside a merged range goes to the range's top-left cell (the others cannot show a note); of
two marks on one cell the later one wins, as in the openpyxl copy.

Raises :class:`NotPatchable` for what it does not handle: a prefixed or non-UTF-8 part, cells or rows
whose ``r`` is missing or not the first attribute, rows or cells out of order, notes already there.

>>> xml = (b'<?xml version="1.0"?><worksheet xmlns="m"><sheetData><row r="1"><c r="A1" s="1" t="s"><v>0</v></c>'
...        b'<c r="C1"><v>2</v></c></row><row r="3"/></sheetData></worksheet>')
>>> out, notes = mark_sheet(xml, [Mark(1, "B", "error", "x", 38), Mark(1, "C", "error", "y", 38),
...                               Mark(2, "A", "warning", "z", 38), Mark(3, "A", "error", "w", 38)],
...                         lambda s, severity: 10 * s + (1 if severity == "error" else 2), "rId9")
>>> print(out.decode())  # doctest: +NORMALIZE_WHITESPACE
<?xml version="1.0"?><worksheet xmlns="m"><sheetData><row r="1"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" s="1"/><c r="C1" s="1"><v>2</v></c></row><row r="2"><c r="A2" s="2"/></row><row r="3"><c r="A3" s="1"/></row></sheetData><legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId9"/></worksheet>
>>> [n[0] for n in notes]
['B1', 'C1', 'A2', 'A3']
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np

from aidtools.outputs.not_patchable import NotPatchable
from aidtools.reading.xlsx_parts import column_index, column_letter

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROOT = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*(?:<\?xml(?:(?!\?>).)*?\?>\s*)?<worksheet[\s>]', re.S)
_ENCODING = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\bencoding=["\']([^"\']*)["\']')
_ROW = re.compile(rb'<row r="(\d+)"')
_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'\ss="(\d+)"')
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\sref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')
_COL = re.compile(rb"<col\b[^>]*>")
_ATTRIBUTE = re.compile(rb'\s(min|max|style|s|customFormat)="([^"]*)"')
_SPANS = re.compile(rb'\sspans="[^"]*"')
_TAB_SELECTED = re.compile(rb'(<sheetView\b[^>]*?)\stabSelected="(?:1|true)"')
# What CT_Worksheet puts after <legacyDrawing> (and the mc:AlternateContent Excel wraps controls in).
_AFTER_LEGACY = re.compile(rb"<(?:legacyDrawingHF|drawingHF|picture|oleObjects|controls|webPublishItems|tableParts|"
                           rb"extLst|mc:AlternateContent)[\s/>]")


@dataclass(frozen=True)
class Mark:
    """A cell to mark: 1-based row, column letters, ``error`` or ``warning``, the note and its height."""

    row: int
    column: str
    severity: str
    text: str
    height: int


def check_part(xml: bytes, what: str) -> None:
    """A worksheet we can scan as bytes: UTF-8, its elements unprefixed."""
    encoding = _ENCODING.match(xml)
    if encoding and encoding.group(1).lower().replace(b"-", b"") != b"utf8":
        raise NotPatchable(f"{what} is not UTF-8")
    if not _ROOT.match(xml):
        raise NotPatchable(f"{what}: not a plain worksheet (a prefixed namespace?)")


def _all_have_r(xml: bytes, tag: bytes) -> bool:
    """Every ``<c>`` (or ``<row>``) element has ``r`` as its first attribute."""
    with_r = xml.count(tag + b' r="')
    if xml.count(tag) == with_r:  # the usual case: one pass, no other tag starts so
        return True
    return len(re.findall(re.escape(tag) + rb"[\s>/]", xml)) == with_r


def clear_tab_selected(xml: bytes) -> bytes:
    """The sheet with no selected tab (only the sheet views before the cells are looked at)."""
    head = xml.find(b"<sheetData")
    head = len(xml) if head < 0 else head
    if b"tabSelected" not in xml[:head]:
        return xml
    cleared = _TAB_SELECTED.sub(rb"\1", xml[:head])
    if re.search(rb'tabSelected="(?:1|true)"', cleared):
        raise NotPatchable("a selected tab we cannot unselect (a prefixed sheet view?)")
    return cleared + xml[head:]


def _merged_anchors(marks: list[Mark], tail: bytes) -> list[Mark]:
    """Each mark inside a merged range moved to the range's top-left cell."""
    ranges = [m for m in _MERGE.finditer(tail) if m.group(3)]
    if not ranges or not marks:
        return marks
    rows = np.array([m.row for m in marks])
    cols = np.array([column_index(m.column) for m in marks])
    anchor_row, anchor_col = rows.copy(), cols.copy()
    for m in ranges:
        r1, r2 = sorted((int(m.group(2)), int(m.group(4))))
        c1, c2 = sorted((column_index(m.group(1).decode()), column_index(m.group(3).decode())))
        inside = (rows >= r1) & (rows <= r2) & (cols >= c1) & (cols <= c2)
        anchor_row[inside], anchor_col[inside] = r1, c1
    return [Mark(int(r), column_letter(int(c)), m.severity, m.text, m.height) if (r, c) != (m.row, cc) else m
            for m, r, c, cc in zip(marks, anchor_row, anchor_col, cols)]


def _column_styles(head: bytes) -> list[tuple[int, int, int]]:
    """(first, last, style) of the ``<col>`` ranges that have a style (1-based columns)."""
    out = []
    for tag in _COL.findall(head):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if b"style" in attributes and b"min" in attributes:
            out.append((int(attributes[b"min"]), int(attributes.get(b"max", attributes[b"min"])),
                        int(attributes[b"style"])))
    return out


def _new_cell_style(row_tag: bytes, column: int, columns) -> int:
    """The format Excel gives a value typed into an empty cell: the row's, else its column's, else 0."""
    attributes = dict(_ATTRIBUTE.findall(row_tag))
    if attributes.get(b"customFormat") in (b"1", b"true") and b"s" in attributes:
        return int(attributes[b"s"])
    for first, last, style in columns:
        if first <= column + 1 <= last:
            return style
    return 0


def _set_style(tag: bytes, s: int) -> bytes:
    new = b' s="%d"' % s
    if _STYLE.search(tag):
        return _STYLE.sub(lambda _: new, tag, count=1)
    end = tag.index(b'"', tag.index(b' r="') + 4) + 1  # right after r="..."
    return tag[:end] + new + tag[end:]


def _patched_row(element: bytes, row: int, marks: list[Mark], style, columns) -> bytes:
    """A ``<row>`` element with its marks: cells restyled or inserted in column order."""
    if element.endswith(b"/>"):
        start, body = element[:-2].rstrip() + b">", b""
    else:
        cut = element.index(b">") + 1
        start, body = element[:cut], element[cut:-len(b"</row>")]
    cells = [(m.start(), column_index(m.group(1).decode()), m.group(2)) for m in _CELL.finditer(body)]
    positions = [c[1] for c in cells]
    if any(number != b"%d" % row for _, _, number in cells) or positions != sorted(set(positions)):
        raise NotPatchable(f"row {row}: cells of another row or out of order")
    edits = []
    for mark in marks:
        column = column_index(mark.column)
        k = bisect.bisect_left(positions, column)
        if k < len(cells) and positions[k] == column:
            at = cells[k][0]
            end = body.index(b">", at) + 1
            tag = body[at:end]
            found = _STYLE.search(tag)
            edits.append((at, end, _set_style(tag, style(int(found.group(1)) if found else 0, mark.severity))))
        else:
            at = cells[k][0] if k < len(cells) else len(body)
            s = style(_new_cell_style(start, column, columns), mark.severity)
            edits.append((at, at, b'<c r="%s%d" s="%d"/>' % (mark.column.encode(), row, s)))
            start = _SPANS.sub(b"", start)  # an optional hint, which the new cell may fall outside of
    return start + _apply(body, edits) + b"</row>"


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each (start, end, replacement) done; the edits in order and not overlapping."""
    out, last = [], 0
    for start, end, new in edits:
        out += [data[last:start], new]
        last = end
    out.append(data[last:])
    return b"".join(out)


def mark_sheet(xml: bytes, marks: list[Mark], style, drawing_id: str) -> tuple[bytes, list[tuple[str, int, int, str, int]]]:
    """The worksheet ``xml`` with ``marks`` (``style(s, severity)``: the new format of a cell of format
    ``s``) and a ``<legacyDrawing r:id=drawing_id>``; and the notes, (reference, 0-based row, 0-based
    column, text, height) in row then column order, for the comments part and its drawing."""
    check_part(xml, "a marked sheet")
    if b"<legacyDrawing" in xml:
        raise NotPatchable("the marked sheet already has notes or a legacy drawing")
    if not (_all_have_r(xml, b"<c") and _all_have_r(xml, b"<row")):
        raise NotPatchable("cells or rows without r= as their first attribute")
    opening = re.search(rb"<sheetData\s*(/?)>", xml)
    if opening is None:
        raise NotPatchable("no sheetData")
    if opening.group(1):  # <sheetData/>
        xml = xml[:opening.start()] + b"<sheetData></sheetData>" + xml[opening.end():]
        opening = re.search(rb"<sheetData\s*>", xml)
    begin = opening.end()
    end = xml.find(b"</sheetData>", begin)
    if end < 0:
        raise NotPatchable("sheetData not closed")
    marks = _merged_anchors(marks, xml[end:])
    latest = {(m.row, column_index(m.column)): m for m in marks}  # the later of two marks on one cell wins
    ordered = [latest[key] for key in sorted(latest)]
    columns = _column_styles(xml[:begin])
    edits = []
    pos = begin
    k = 0
    while k < len(ordered):
        row = ordered[k].row
        j = k
        while j < len(ordered) and ordered[j].row == row:
            j += 1
        in_row = ordered[k:j]
        k = j
        tag = b'<row r="%d"' % row
        at = xml.find(tag, pos, end)
        if at < 0:
            if xml.find(tag, begin, pos) >= 0:
                raise NotPatchable("rows out of order")
            at = end
            for m in _ROW.finditer(xml, pos, end):  # the first row below: only for a row that is missing
                if int(m.group(1)) > row:
                    at = m.start()
                    break
                if int(m.group(1)) == row:
                    raise NotPatchable("rows out of order")
            new = _patched_row(b'<row r="%d"/>' % row, row, in_row, style, columns)
            edits.append((at, at, new))
            pos = at
            continue
        tag_end = xml.index(b">", at) + 1
        if xml[tag_end - 2:tag_end] == b"/>":
            element_end = tag_end
        else:
            close = xml.find(b"</row>", tag_end, end)
            if close < 0:
                raise NotPatchable(f"row {row} not closed")
            element_end = close + len(b"</row>")
        edits.append((at, element_end, _patched_row(xml[at:element_end], row, in_row, style, columns)))
        pos = element_end
    after = _AFTER_LEGACY.search(xml, end)
    at = after.start() if after else xml.rindex(b"</worksheet>")
    root = _ROOT.match(xml).group(0)
    root_tag = xml[:xml.index(b">", len(root) - 1) + 1]
    declared = f'xmlns:r="{REL}"'.encode() in root_tag
    legacy = (b'<legacyDrawing r:id="%s"/>' if declared else
              b'<legacyDrawing xmlns:r="' + REL.encode() + b'" r:id="%s"/>') % drawing_id.encode()
    edits.append((at, at, legacy))
    out = clear_tab_selected(_apply(xml, edits))
    notes = [(f"{m.column}{m.row}", m.row - 1, column_index(m.column), m.text, m.height) for m in ordered]
    return out, notes
