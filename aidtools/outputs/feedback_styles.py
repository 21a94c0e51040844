"""New cell styles appended to a workbook's ``xl/styles.xml``, everything already there kept as written.

The part is parsed (defusedxml) to read it and to check it, but changed as text: the new fonts, fills
and cell formats (``cellXfs``) are inserted before the closing tags and the ``count`` attributes
raised, so namespaces, ``mc:Ignorable`` and extensions stay exactly as the writer left them.

- :meth:`StylesPatch.marked`: the style of a marked cell, a copy of its own format ``s`` with the
  error or warning fill (``applyFill="1"``): its number format, font, borders and alignment stay.
- :meth:`StylesPatch.look`: the style of a ``问题清单`` cell (:data:`feedback_content.LOOKS`).

>>> xml = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
...        b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
...        b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
...        b'<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
...        b'<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>')
>>> styles = StylesPatch(xml)
>>> styles.marked(1, "error"), styles.marked(1, "error"), styles.marked(0, "warning")
(2, 2, 3)
>>> out = styles.result()
>>> b'<cellXfs count="4">' in out and b'<fills count="4">' in out
True
>>> b'<xf numFmtId="49" fontId="0" fillId="2" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1"/>' in out
True
"""
from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from defusedxml import ElementTree as SafeET

from aidtools.outputs.feedback_content import (ERROR_COLOR, SUMMARY_ERROR_COLOR, SUMMARY_OK_COLOR, WARNING_COLOR,
                                               Look)
from aidtools.outputs.not_patchable import NotPatchable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_M = "{" + MAIN + "}"
TEXT_FORMAT_ID = 49  # the built-in "@"
LINK_COLOR = "0563C1"  # Excel's hyperlink blue
FILL_COLORS = {"error": ERROR_COLOR, "warning": WARNING_COLOR}
_XF = re.compile(rb"<xf\b[^>]*/>|<xf\b(?:[^>]*[^/])?>.*?</xf>", re.S)
_COUNT = re.compile(rb'\scount="[^"]*"')


def _set_attribute(tag: bytes, name: bytes, value: bytes) -> bytes:
    """A start tag with attribute ``name`` set to ``value`` (replaced, or added before the end)."""
    pattern = re.compile(rb"\s" + name + rb'="[^"]*"')
    new = b" " + name + b'="' + value + b'"'
    if pattern.search(tag):
        return pattern.sub(lambda _: new, tag, count=1)
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end].rstrip() + new + tag[end:]


class StylesPatch:
    """``styles.xml`` with the styles asked for appended (:meth:`result`)."""

    def __init__(self, xml: bytes):
        try:
            root = SafeET.fromstring(xml)
        except Exception as exc:
            raise NotPatchable(f"styles.xml does not parse ({type(exc).__name__})") from exc
        if root.tag != _M + "styleSheet" or not re.search(rb"<styleSheet[\s>]", xml):
            raise NotPatchable("styles.xml is not a plain SpreadsheetML style sheet")
        self.xml = xml
        self.sections = {name: self._section(name) for name in (b"fonts", b"fills", b"cellXfs")}
        counts = {name: len(root.find(_M + name.decode())) for name in self.sections}
        body = xml[self.sections[b"cellXfs"][1]:self.sections[b"cellXfs"][2]]
        self.xfs = [m.group(0) for m in _XF.finditer(body)]
        if len(self.xfs) != counts[b"cellXfs"] or not self.xfs or not counts[b"fonts"]:
            raise NotPatchable("styles.xml: cell formats not as expected")
        self.counts = counts
        self.has_style_xf = root.find(_M + "cellStyleXfs") is not None and len(root.find(_M + "cellStyleXfs"))
        self.base_font = self._base_font(root.find(_M + "fonts")[0])
        self.added = {b"fonts": [], b"fills": [], b"cellXfs": []}
        self._fills: dict[str, int] = {}
        self._fonts: dict[str, int] = {}
        self._marked: dict[tuple[int, str], int] = {}
        self._looks: dict[tuple[Look, bool], int] = {}

    def _section(self, name: bytes) -> tuple[int, int, int]:
        """(start of the opening tag, end of it, start of the closing tag) of a section."""
        opening = re.search(rb"<" + name + rb"\b[^>]*>", self.xml)
        if opening is None or opening.group(0).endswith(b"/>"):
            raise NotPatchable(f"styles.xml has no {name.decode()} to add to")
        closing = self.xml.find(b"</" + name + b">", opening.end())
        if closing < 0:
            raise NotPatchable(f"styles.xml: {name.decode()} not closed")
        return opening.start(), opening.end(), closing

    @staticmethod
    def _base_font(font) -> dict[str, str]:
        """The default font's size, name, family, charset and scheme (the new fonts keep them)."""
        out = {}
        for child in font:
            key = child.tag.removeprefix(_M)
            if key in ("sz", "name", "family", "charset", "scheme") and child.get("val") is not None:
                out[key] = child.get("val")
        return out

    def _add(self, section: bytes, xml: bytes) -> int:
        self.added[section].append(xml)
        return self.counts[section] + len(self.added[section]) - 1

    def fill(self, kind: str) -> int:
        """The id of the solid error or warning fill."""
        if kind not in self._fills:
            rgb = FILL_COLORS[kind].encode()
            self._fills[kind] = self._add(b"fills", b'<fill><patternFill patternType="solid"><fgColor rgb="FF' + rgb
                                          + b'"/><bgColor indexed="64"/></patternFill></fill>')
        return self._fills[kind]

    def font(self, kind: str) -> int:
        """The id of a ``问题清单`` font: bold, title (bold 12pt), the summary's (bold 12pt red or
        black), link (blue, underlined)."""
        if kind not in self._fonts:
            base = self.base_font
            size = "12" if kind in ("title", "summary_error", "summary_ok") else base.get("sz", "11")
            color = {"summary_error": SUMMARY_ERROR_COLOR, "summary_ok": SUMMARY_OK_COLOR, "link": LINK_COLOR}.get(kind)
            xml = "<font>" + ("<u/>" if kind == "link" else "<b/>") + f'<sz val={quoteattr(size)}/>'
            if color:
                xml += f'<color rgb="FF{color}"/>'
            for key in ("name", "family", "charset", "scheme"):
                if key in base:
                    xml += f"<{key} val={quoteattr(base[key])}/>"
            self._fonts[kind] = self._add(b"fonts", (xml + "</font>").encode("utf-8"))
        return self._fonts[kind]

    def marked(self, s: int, severity: str) -> int:
        """The style of a cell of format ``s`` marked as an ``error`` or a ``warning``."""
        key = (s, severity)
        if key not in self._marked:
            if not 0 <= s < len(self.xfs):
                raise NotPatchable(f"a cell refers to style {s}, which styles.xml does not have")
            xf = self.xfs[s]
            end = xf.index(b">") + 1
            tag = _set_attribute(xf[:end], b"fillId", str(self.fill(severity)).encode())
            self._marked[key] = self._add(b"cellXfs", _set_attribute(tag, b"applyFill", b"1") + xf[end:])
        return self._marked[key]

    def look(self, look: Look, quote: bool = False) -> int:
        """The style of a ``问题清单`` cell with ``look`` (``quote``: a leading apostrophe, text that
        looks like a formula); 0 for the workbook's default."""
        if not (look.text_format or look.font or look.fill or look.wrap or quote):
            return 0
        key = (look, quote)
        if key not in self._looks:
            attributes = [f'numFmtId="{TEXT_FORMAT_ID if look.text_format else 0}"',
                          f'fontId="{self.font(look.font) if look.font else 0}"',
                          f'fillId="{self.fill(look.fill) if look.fill else 0}"', 'borderId="0"']
            if self.has_style_xf:
                attributes.append('xfId="0"')
            attributes += [a for a, on in (('applyNumberFormat="1"', look.text_format), ('applyFont="1"', look.font),
                                           ('applyFill="1"', look.fill), ('applyAlignment="1"', look.wrap),
                                           ('quotePrefix="1"', quote)) if on]
            inner = '<alignment vertical="top" wrapText="1"/>' if look.wrap else ""
            xml = "<xf " + " ".join(attributes) + (f">{inner}</xf>" if inner else "/>")
            self._looks[key] = self._add(b"cellXfs", xml.encode())
        return self._looks[key]

    def result(self) -> bytes:
        """``styles.xml`` with everything asked for appended and the counts right."""
        xml = self.xml
        for name, (start, end, closing) in sorted(self.sections.items(), key=lambda item: -item[1][0]):
            added = self.added[name]
            if not added:
                continue
            count = str(self.counts[name] + len(added)).encode()
            opening = _set_attribute(xml[start:end], b"count", count)
            xml = xml[:start] + opening + xml[end:closing] + b"".join(added) + xml[closing:]
        return xml
