"""The parts the package patcher adds to a workbook, as XML: the ``问题清单`` worksheet, and for each
marked sheet its comments part and the VML drawing that shows the notes (as openpyxl writes them:
320 px wide, hidden until the mouse is on the cell).

Text is written as :func:`aidtools.writing.cells.cell_text` has it (safe, Excel's escapes escaped),
formula-like text with a leading apostrophe (``quotePrefix``), as :func:`write_text` does with openpyxl.

>>> from aidtools.outputs.feedback_content import IssueList, ListCell
>>> xml = list_sheet_xml(IssueList([ListCell(1, 1, "=1+2", "text"), ListCell(1, 2, 3, "number")], [6, 8]),
...                      lambda look, quote: 7 if quote else 5)
>>> b'<c r="A1" s="7" t="inlineStr"><is><t xml:space="preserve">=1+2</t></is></c><c r="B1"><v>3</v></c>' in xml
True
>>> b'<comment ref="C3" authorId="0" shapeId="0">' in comments_xml([("C3", "a<b")]) and b"a&lt;b" in comments_xml([("C3", "a<b")])
True
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from aidtools.outputs.feedback_content import COMMENT_AUTHOR, LOOKS, NOTE_WIDTH, IssueList
from aidtools.reading.xlsx_parts import column_letter
from aidtools.writing.cells import cell_text, is_formula_like

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHAPES_PER_BLOCK = 1024  # VML shape ids come in blocks of 1024 (o:idmap)


def _text(value: str) -> str:
    return escape(value)


def _cell(ref: str, item, style) -> str:
    look = LOOKS[item.look]
    if look.number:
        return f'<c r="{ref}"><v>{item.value!r}</v></c>'
    if item.value is None:
        s = style(look, False)
        return f'<c r="{ref}" s="{s}"/>' if s else ""
    stored = cell_text(item.value)
    s = style(look, is_formula_like(stored) and item.link is None)
    attribute = f' s="{s}"' if s else ""
    return f'<c r="{ref}"{attribute} t="inlineStr"><is><t xml:space="preserve">{_text(stored)}</t></is></c>'


def list_sheet_xml(content: IssueList, style) -> bytes:
    """The ``问题清单`` worksheet: selected, frozen below the header, with its column widths and internal
    links. ``style(look, quote)`` gives the ``s`` index of a look (:meth:`StylesPatch.look`)."""
    rows: dict[int, list[str]] = {}
    links = []
    last_column = len(content.widths)
    for item in sorted(content.cells, key=lambda c: (c.row, c.column)):
        ref = f"{column_letter(item.column - 1)}{item.row}"
        rows.setdefault(item.row, []).append(_cell(ref, item, style))
        last_column = max(last_column, item.column)
        if item.link is not None:
            links.append(f"<hyperlink ref={quoteattr(ref)} location={quoteattr(item.link)}/>")
    last_row = max(rows, default=1)
    top = content.freeze_row
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                   for c, w in enumerate(content.widths, start=1))
    xml = (DECLARATION + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
           f'<dimension ref="A1:{column_letter(last_column - 1)}{last_row}"/>'
           '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
           f'<pane ySplit="{top - 1}" topLeftCell="A{top}" activePane="bottomLeft" state="frozen"/>'
           f'<selection pane="bottomLeft" activeCell="A{top}" sqref="A{top}"/></sheetView></sheetViews>'
           '<sheetFormatPr defaultRowHeight="15"/>'
           + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
           + "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in sorted(rows.items()))
           + "</sheetData>" + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
           + '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>')
    return xml.encode("utf-8")


def comments_xml(notes: list[tuple[str, str]]) -> bytes:
    """A comments part: (cell reference, text) each, all by :data:`COMMENT_AUTHOR`."""
    body = "".join(f'<comment ref="{ref}" authorId="0" shapeId="0"><text><t xml:space="preserve">{_text(text)}'
                   "</t></text></comment>" for ref, text in notes)
    return (DECLARATION + f'<comments xmlns="{MAIN}"><authors><author>{COMMENT_AUTHOR}</author></authors>'
            f"<commentList>{body}</commentList></comments>").encode("utf-8")


def vml_blocks(n: int) -> int:
    """How many blocks of shape ids ``n`` notes take."""
    return (n + 2) // SHAPES_PER_BLOCK + 1


def vml_xml(notes: list[tuple[int, int, int]], block: int) -> bytes:
    """The VML drawing of a sheet's notes: (0-based row, 0-based column, height in px) each; its shape
    ids start in id block ``block`` (taking :func:`vml_blocks` blocks, none another drawing uses)."""
    blocks = ",".join(str(b) for b in range(block, block + vml_blocks(len(notes))))
    first = block * SHAPES_PER_BLOCK + 2
    shapes = "".join(
        f'<v:shape id="_x0000_s{first + i:04d}" type="#_x0000_t202" style="position:absolute; margin-left:59.25pt;'
        f'margin-top:1.5pt;width:{NOTE_WIDTH}px;height:{height}px;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
        'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/>'
        '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False'
        f"</x:AutoFill><x:Row>{row}</x:Row><x:Column>{column}</x:Column></x:ClientData></v:shape>"
        for i, (row, column, height) in enumerate(notes))
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{blocks}"/></o:shapelayout>'
            '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
            '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            f"{shapes}</xml>").encode("utf-8")
