"""The layout of an Excel 97-2003 (.xls) template from its BIFF8 records.

Values come from python-calamine (through :func:`aidtools.reading.read_file`, with its limits);
what calamine does not give is read here from the ``Workbook`` stream (:mod:`aidtools.reading.cfb`
opens the compound file, :func:`aidtools.reading.biff.records` walks the records):

- FONT (colour index, bold), FORMAT (number format strings), XF (font, format, fill pattern and
  colour), PALETTE (a workbook's own colours; else Excel's default palette);
- per sheet: the XF of each cell of the first rows (LABELSST, LABEL, NUMBER, RK, BLANK, MULBLANK,
  MULRK), COLINFO (a column's default XF), MERGEDCELLS, and data validations (DV), whose list
  formula is an inline list (tStr) or a range (tArea3d through EXTERNSHEET, tArea, or a NAME).

Notes on .xls cells (NOTE/OBJ/TXO drawing records) are not read: the layout says so in ``notes``.
"""
from __future__ import annotations

import struct

from openpyxl.styles.colors import COLOR_INDEX

from aidtools.reading import read_file
from aidtools.reading.biff import records
from aidtools.reading.cfb import read_stream, stream_names
from aidtools.spec_from_template.layout import BookLayout, SheetLayout, Style, Validation

STYLED_ROWS = 30
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
                   14: "yyyy-mm-dd", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 22: "m/d/yy h:mm", 49: "@"}
DV_KINDS = {0: "any", 1: "whole", 2: "decimal", 3: "list", 4: "date", 5: "time", 6: "textLength", 7: "custom"}
DV_OPERATORS = {0: "between", 1: "notBetween", 2: "equal", 3: "notEqual", 4: "greaterThan", 5: "lessThan",
                6: "greaterThanOrEqual", 7: "lessThanOrEqual"}
_CELL_XF = {0x00FD, 0x0204, 0x0203, 0x027E, 0x0201, 0x0006, 0x0205}  # row, col, xf first


def _unicode(body: bytes, pos: int, length_bytes: int = 2) -> tuple[str, int]:
    """An XLUnicodeString (``length_bytes`` 2) or ShortXLUnicodeString (1) at ``pos``; (text, next pos)."""
    if pos + length_bytes + 1 > len(body):
        return "", len(body)
    cch = body[pos] if length_bytes == 1 else struct.unpack_from("<H", body, pos)[0]
    flags = body[pos + length_bytes]
    pos += length_bytes + 1
    if flags & 0x08:  # rich text runs
        pos += 2
    if flags & 0x04:  # East Asian phonetic block
        pos += 4
    if flags & 0x01:
        text = body[pos:pos + 2 * cch].decode("utf-16-le", "replace")
        return text, pos + 2 * cch
    return body[pos:pos + cch].decode("latin-1"), pos + cch


def _palette_rgb(index: int, palette: dict[int, str]) -> str | None:
    if index in palette:
        return palette[index]
    if index < len(COLOR_INDEX) and index < 64:
        return COLOR_INDEX[index][-6:].upper()
    return None  # 0x7FFF automatic, 0x40/0x41 system colours


class _Globals:
    def __init__(self):
        self.fonts: list[tuple[int, bool]] = []  # (colour index, bold)
        self.formats: dict[int, str] = dict(BUILTIN_FORMATS)
        self.xfs: list[tuple[int, int, int, int]] = []  # (font, format, fill pattern, fill colour)
        self.palette: dict[int, str] = {}
        self.sheets: list[tuple[int, bool, str]] = []  # (BOF offset, hidden, name)
        self.externsheets: list[int] = []  # XTI -> first sheet index
        self.names: list[tuple[str, bytes]] = []

    def style(self, xf: int) -> Style | None:
        if xf >= len(self.xfs):
            return None
        font_i, fmt, pattern, fill = self.xfs[xf]
        font_i = font_i - 1 if font_i >= 4 else font_i  # font index 4 does not exist
        colour, bold = self.fonts[font_i] if font_i < len(self.fonts) else (0x7FFF, False)
        fill_rgb = _palette_rgb(fill, self.palette) if pattern == 1 else None
        return Style(number_format=self.formats.get(fmt), font_rgb=_palette_rgb(colour, self.palette),
                     bold=bold, fill_rgb=fill_rgb)


def _read_globals(g: _Globals, kind: int, body: bytes) -> None:
    if kind == 0x0031 and len(body) >= 8:  # FONT
        _, _, colour, weight = struct.unpack_from("<HHHH", body, 0)
        g.fonts.append((colour, weight >= 700))
    elif kind == 0x041E and len(body) >= 3:  # FORMAT
        (ifmt,) = struct.unpack_from("<H", body, 0)
        g.formats[ifmt], _ = _unicode(body, 2)
    elif kind == 0x00E0 and len(body) >= 20:  # XF
        font_i, fmt = struct.unpack_from("<HH", body, 0)
        (d14,) = struct.unpack_from("<I", body, 14)
        (w18,) = struct.unpack_from("<H", body, 18)
        g.xfs.append((font_i, fmt, (d14 >> 26) & 0x3F, w18 & 0x7F))
    elif kind == 0x0092 and len(body) >= 2:  # PALETTE: colours 8..
        (count,) = struct.unpack_from("<H", body, 0)
        for i in range(min(count, (len(body) - 2) // 4)):
            r, gg, b = body[2 + 4 * i:5 + 4 * i]
            g.palette[8 + i] = f"{r:02X}{gg:02X}{b:02X}"
    elif kind == 0x0085 and len(body) >= 8:  # BOUNDSHEET
        offset, hidden, sheet_type = struct.unpack_from("<IBB", body, 0)
        name, _ = _unicode(body, 6, 1)
        if sheet_type == 0:
            g.sheets.append((offset, bool(hidden & 0x03), name))
    elif kind == 0x0017 and len(body) >= 2:  # EXTERNSHEET
        (count,) = struct.unpack_from("<H", body, 0)
        for i in range(min(count, (len(body) - 2) // 6)):
            _, first, _ = struct.unpack_from("<HHH", body, 2 + 6 * i)
            g.externsheets.append(first)
    elif kind == 0x0018 and len(body) >= 14:  # NAME
        _, _, cch, cce = struct.unpack_from("<HBBH", body, 0)
        flags = body[14] if len(body) > 14 else 0
        start = 15
        if flags & 0x01:
            name = body[start:start + 2 * cch].decode("utf-16-le", "replace")
            start += 2 * cch
        else:
            name = body[start:start + cch].decode("latin-1")
            start += cch
        g.names.append((name, body[start:start + cce]))


def parse_list_formula(rgce: bytes, externsheets: list[int]) -> tuple[str, object] | None:
    """A DV list formula: ("inline", [items]), ("area", (sheet index or None, r0, c0, r1, c1)),
    ("name", 0-based NAME index), or None when it is something else (INDIRECT, OFFSET...)."""
    if not rgce:
        return None
    token = rgce[0]
    if token == 0x17 and len(rgce) >= 3:  # tStr
        text, _ = _unicode(rgce, 1, 1)
        return "inline", [v.strip() for v in text.split("\0") if v.strip()]
    if token in (0x3B, 0x5B, 0x7B) and len(rgce) >= 11:  # tArea3d
        ixti, r0, r1, c0, c1 = struct.unpack_from("<HHHHH", rgce, 1)
        sheet = externsheets[ixti] if ixti < len(externsheets) else None
        return "area", (sheet, r0, c0 & 0x3FFF, r1, c1 & 0x3FFF)
    if token in (0x3A, 0x5A, 0x7A) and len(rgce) >= 7:  # tRef3d
        ixti, r, c = struct.unpack_from("<HHH", rgce, 1)
        sheet = externsheets[ixti] if ixti < len(externsheets) else None
        return "area", (sheet, r, c & 0x3FFF, r, c & 0x3FFF)
    if token in (0x25, 0x45, 0x65) and len(rgce) >= 9:  # tArea (same sheet)
        r0, r1, c0, c1 = struct.unpack_from("<HHHH", rgce, 1)
        return "area", (None, r0, c0 & 0x3FFF, r1, c1 & 0x3FFF)
    if token in (0x23, 0x43, 0x63) and len(rgce) >= 5:  # tName
        (index,) = struct.unpack_from("<I", rgce, 1)
        return "name", index - 1
    return None


def _number(rgce: bytes):
    if rgce[:1] == b"\x1e" and len(rgce) >= 3:  # tInt
        return struct.unpack_from("<H", rgce, 1)[0]
    if rgce[:1] == b"\x1f" and len(rgce) >= 9:  # tNum
        return struct.unpack_from("<d", rgce, 1)[0]
    return None


def parse_dv(body: bytes) -> tuple[Validation, bytes, bytes]:
    """One DV record: the validation (formula texts left empty) and its two formulas' tokens."""
    (flags,) = struct.unpack_from("<I", body, 0)
    pos = 4
    strings = []
    for _ in range(4):
        text, pos = _unicode(body, pos)
        strings.append(None if text in ("", "\0") else text)
    formulas = []
    for _ in range(2):
        (cce,) = struct.unpack_from("<H", body, pos)
        formulas.append(body[pos + 4:pos + 4 + cce])
        pos += 4 + cce
    (count,) = struct.unpack_from("<H", body, pos)
    ranges = []
    for i in range(count):
        r0, r1, c0, c1 = struct.unpack_from("<HHHH", body, pos + 2 + 8 * i)
        ranges.append((r0, c0, r1, c1))
    v = Validation(kind=DV_KINDS.get(flags & 0x0F, "any"), operator=DV_OPERATORS.get((flags >> 20) & 0x0F),
                   ranges=ranges, error_title=strings[1], error=strings[3], prompt=strings[2])
    for name, rgce in zip(("formula1", "formula2"), formulas):
        number = _number(rgce)
        if number is not None:
            setattr(v, name, f"{number:g}")
    return v, formulas[0], formulas[1]


def read_xls_layout(path) -> BookLayout:
    book = read_file(path)
    data = open(path, "rb").read()
    names = stream_names(data)
    stream = read_stream(data, "Workbook" if "Workbook" in names else "Book")
    g = _Globals()
    substreams: dict[int, list[tuple[int, bytes]]] = {}
    in_globals, current = True, None
    for offset, kind, body in records(stream):
        if in_globals:
            if kind == 0x000A:  # EOF of the globals substream
                in_globals = False
                wanted = {s[0] for s in g.sheets}
            else:
                _read_globals(g, kind, body)
            continue
        if kind == 0x0809:  # BOF: a sheet (or a chart, macro sheet... whose records are not ours)
            current = offset if offset in wanted else None
            if current is not None:
                substreams[current] = []
        elif current is not None:
            substreams[current].append((kind, body))
    layout = BookLayout(path=str(path), format="xls", sheets=[])
    pending = []
    for index, (offset, hidden, name) in enumerate(g.sheets):
        raw = book.sheets.get(name)
        sheet = SheetLayout(name=name, hidden=hidden or bool(raw is not None and raw.hidden),
                            rows=[list(r) for r in raw.rows] if raw is not None else [])
        for kind, body in substreams.get(offset, []):
            if kind in _CELL_XF and len(body) >= 6:
                row, col, xf = struct.unpack_from("<HHH", body, 0)
                if row < STYLED_ROWS:
                    style = g.style(xf)
                    if style is not None:
                        sheet.styles[(row, col)] = style
            elif kind in (0x00BE, 0x00BD) and len(body) >= 6:  # MULBLANK, MULRK
                row, first = struct.unpack_from("<HH", body, 0)
                (last,) = struct.unpack_from("<H", body, len(body) - 2)
                step = 2 if kind == 0x00BE else 6
                if row < STYLED_ROWS:
                    for k, col in enumerate(range(first, last + 1)):
                        pos = 4 + k * step
                        if pos + 2 <= len(body) - 2:
                            style = g.style(struct.unpack_from("<H", body, pos)[0])
                            if style is not None:
                                sheet.styles[(row, col)] = style
            elif kind == 0x007D and len(body) >= 8:  # COLINFO
                first, last, _, xf = struct.unpack_from("<HHHH", body, 0)
                style = g.style(xf)
                if style is not None and xf > 15:  # 15 is the default cell XF
                    for col in range(first, min(last, 255) + 1):
                        sheet.column_styles[col] = style
            elif kind == 0x00E5 and len(body) >= 2:  # MERGEDCELLS
                (count,) = struct.unpack_from("<H", body, 0)
                for i in range(min(count, (len(body) - 2) // 8)):
                    r0, r1, c0, c1 = struct.unpack_from("<HHHH", body, 2 + 8 * i)
                    sheet.merged.append((r0, c0, r1, c1))
            elif kind == 0x01BE and len(body) >= 12:  # DV
                try:
                    v, f1, _ = parse_dv(body)
                except struct.error:
                    layout.notes.append(f"工作表“{name}”中有一条数据验证无法读取，已忽略。")
                    continue
                sheet.validations.append(v)
                if v.kind == "list":
                    pending.append((v, parse_list_formula(f1, g.externsheets), index))
        layout.sheets.append(sheet)
    for v, parsed, own in pending:
        if parsed and parsed[0] == "name" and 0 <= parsed[1] < len(g.names):
            parsed = parse_list_formula(g.names[parsed[1]][1], g.externsheets)
        if not parsed:
            continue
        if parsed[0] == "inline":
            v.values = parsed[1]
            v.formula1 = '"' + ",".join(parsed[1]) + '"'
            continue
        if parsed[0] != "area":
            continue
        sheet_i, r0, c0, r1, c1 = parsed[1]
        sheet_i = own if sheet_i is None else sheet_i
        if sheet_i < len(layout.sheets):
            source = layout.sheets[sheet_i]
            v.source_sheet = source.name
            v.values = [x for c in range(c0, c1 + 1) for x in source.column_values(c, r0, r1)]
    if any(kind == 0x001C for body in substreams.values() for kind, _ in body):
        layout.notes.append("Excel 97-2003(.xls)模板中表头单元格的批注无法读取：列说明请对照模板人工补充。")
    return layout
