"""The fast feedback copy: the department's .xlsx/.xlsm package with only the parts that change patched.

Every zip member we do not change is copied as stored (:mod:`aidtools.outputs.zip_members`), so
macros, drawings, data validations, cached formula results and whatever else the file holds stay as
the department sent them. What changes:

- ``xl/styles.xml``: the two fills, a copy of each marked cell's format with its fill, the styles of
  ``问题清单`` (:mod:`aidtools.outputs.feedback_styles`);
- each marked sheet: its marked cells restyled or inserted, a ``<legacyDrawing>``
  (:mod:`aidtools.outputs.feedback_sheet`), its rels, a new comments part and VML drawing
  (:mod:`aidtools.outputs.feedback_parts`);
- ``问题清单``: a new worksheet, first in ``workbook.xml``, the selected and active tab (the other
  sheets' tabs unselected, ``localSheetId`` of defined names moved up by one);
- ``[Content_Types].xml`` and ``xl/_rels/workbook.xml.rels``: the new parts.

:func:`open_package` refuses (:class:`NotPatchable`, the reason for the debug log) what the openpyxl
copy handles instead: strict OOXML, one of our own feedback workbooks (it has ``问题清单``), text that
openpyxl's copy would change (:func:`aidtools.outputs.feedback.make_safe`: Excel's escapes of control
characters, text over 32,767 characters, found by a byte scan), a part that does not parse; and
:meth:`Package.patched` a marked sheet with notes already, cells without ``r``, anything unexpected.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
from defusedxml import ElementTree as SafeET

from aidtools.outputs.feedback_content import ISSUES_SHEET, IssueList
from aidtools.outputs.feedback_parts import comments_xml, list_sheet_xml, vml_blocks, vml_xml
from aidtools.outputs.feedback_sheet import Mark, clear_tab_selected, mark_sheet
from aidtools.outputs.feedback_styles import StylesPatch
from aidtools.outputs.not_patchable import NotPatchable
from aidtools.outputs.zip_members import rewrite
from aidtools.writing.cells import CELL_LIMIT

__all__ = ["NotPatchable", "Package", "open_package"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
# Excel's escape of a character a worksheet cannot hold (C0 controls but tab/LF/CR, surrogates, U+FFFE/F):
# openpyxl's copy shows those visibly (make_safe), so a file that has one takes that copy.
_UNSAFE_ESCAPE = re.compile(rb"_x(?:000[0-8BbCcEeFf]|001[0-9A-Fa-f]|[Dd][89A-Fa-f][0-9A-Fa-f]{2}|[Ff]{3}[EeFf])_")
_IDMAP = re.compile(rb'<o:idmap\b[^>]*\bdata="([0-9,\s]*)"')


def _parse(data: bytes, what: str):
    try:
        return SafeET.fromstring(data)
    except Exception as exc:
        raise NotPatchable(f"{what} does not parse ({type(exc).__name__})") from exc


def _target(base_dir: str, target: str) -> str:
    """A relationship's target as a part name."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base_dir, target))


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _longest(xml: bytes, starts: tuple[bytes, ...], stop: bytes | None = None) -> int:
    """The most bytes between two successive element starts (``b"<si"`` and the like, each followed by
    a space, ``>`` or ``/``): an upper bound of the characters of any one text there."""
    end = xml.find(stop) if stop else -1
    end = len(xml) if end < 0 else end
    if end <= CELL_LIMIT:
        return end
    arr = np.frombuffer(xml, dtype=np.uint8, count=end)
    at = np.flatnonzero(arr[:-3] == ord("<"))
    hits = np.zeros(len(at), dtype=bool)
    for start in starts:
        ok = np.ones(len(at), dtype=bool)
        for k, byte in enumerate(start[1:], start=1):
            ok &= arr[at + k] == byte
        follow = arr[np.minimum(at + len(start), end - 1)]
        ok &= (follow == ord(" ")) | (follow == ord(">")) | (follow == ord("/"))
        hits |= ok
    bounds = np.concatenate(([0], at[hits], [end]))
    return int(np.diff(bounds).max())


class Package:
    """A submitted .xlsx/.xlsm opened for patching (:func:`open_package`)."""

    def __init__(self, data: bytes):
        self.data = data
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self.names = {info.filename for info in self.zip.infolist()}
        except Exception as exc:
            raise NotPatchable(f"not a zip we can read ({type(exc).__name__})") from exc
        self.lower = {name.lower() for name in self.names}
        self.cache: dict[str, bytes] = {}
        office = [r for r in self._rels("_rels/.rels", "") if r[0].endswith("/officeDocument")]
        if len(office) != 1 or office[0][1] != "xl/workbook.xml":
            raise NotPatchable("the workbook part is not xl/workbook.xml")
        workbook = self.read("xl/workbook.xml")
        if b"purl.oclc.org/ooxml" in workbook:
            raise NotPatchable("strict OOXML")
        if not re.search(rb"<workbook[\s>]", workbook):
            raise NotPatchable("workbook.xml uses a namespace prefix")
        root = _parse(workbook, "workbook.xml")
        rels = {rid: (kind, target) for kind, target, rid in self._rels("xl/_rels/workbook.xml.rels", "xl")}
        self.sheets = []  # (name, sheetId, part, kind)
        for sheet in root.iter(_MAIN + "sheet"):
            kind, part = rels.get(sheet.get(_R + "id"), ("", ""))
            self.sheets.append((sheet.get("name", ""), sheet.get("sheetId", "0"), part, kind.rsplit("/", 1)[-1]))
        self.sheet_names = [name for name, _, _, kind in self.sheets if kind == "worksheet"]
        if ISSUES_SHEET in [name for name, *_ in self.sheets]:
            raise NotPatchable("already a feedback workbook (it has 问题清单)")
        listed = root.find(_MAIN + "sheets")
        if listed is None or not len(listed) or any(not part or part not in self.names for _, _, part, _ in self.sheets):
            raise NotPatchable("a sheet's part is missing")
        self.rels = rels
        styles = [target for kind, target in rels.values() if kind.endswith("/styles")]
        if len(styles) != 1 or styles[0] not in self.names:
            raise NotPatchable("no styles part")
        self.styles_part = styles[0]
        self._check_text([target for kind, target in rels.values() if kind.endswith("/sharedStrings")])

    def read(self, name: str) -> bytes:
        if name not in self.cache:
            try:
                self.cache[name] = self.zip.read(name)
            except Exception as exc:
                raise NotPatchable(f"{name} cannot be read ({type(exc).__name__})") from exc
        return self.cache[name]

    def _rels(self, path: str, base: str) -> list[tuple[str, str, str]]:
        """(type, target part, id) of each relationship in the rels part ``path`` (none if it is not there)."""
        if path not in self.names:
            return []
        root = _parse(self.read(path), path)
        return [(r.get("Type", ""), _target(base, r.get("Target", "")) if r.get("TargetMode") != "External"
                 else "", r.get("Id", "")) for r in root.iter(_PKG + "Relationship")]

    def _check_text(self, shared: list[str]) -> None:
        """Refuse text openpyxl's copy would change: Excel's escapes of unsafe characters, over-long text."""
        comments = [n for n in self.names if posixpath.basename(n).lower().startswith("comment") and n.endswith(".xml")]
        parts = [(name, (b"<si",), None) for name in shared if name in self.names]
        parts += [(part, (b"<c",), b"</sheetData>") for _, _, part, kind in self.sheets if kind == "worksheet"]
        parts += [(name, (b"<comment",), None) for name in comments]
        for name, starts, stop in parts:
            xml = self.read(name)
            if _UNSAFE_ESCAPE.search(xml):
                raise NotPatchable(f"{name}: Excel escapes of control characters (shown visibly by the openpyxl copy)")
            if _longest(xml, starts, stop) > CELL_LIMIT:
                raise NotPatchable(f"{name}: text that may be over {CELL_LIMIT} characters")

    def _free(self, pattern: str, start: int = 1) -> str:
        """The first part name ``pattern.format(n)`` not in the package (any case)."""
        n = start
        while pattern.format(n).lower() in self.lower:
            n += 1
        name = pattern.format(n)
        self.lower.add(name.lower())
        return name

    def _vml_block(self) -> int:
        """The first block of VML shape ids no drawing in the package uses."""
        used = [0]
        for name in self.names:
            if name.lower().endswith(".vml"):
                for found in _IDMAP.findall(self.read(name)):
                    used += [int(b) for b in found.replace(b" ", b"").split(b",") if b]
        return max(used) + 1

    def patched(self, marks: pd.DataFrame, content: IssueList) -> bytes:
        """The feedback workbook: ``marks`` (:func:`feedback_content.cell_marks` with ``height``) on
        the sheets, ``content`` as the first sheet ``问题清单``."""
        styles = StylesPatch(self.read(self.styles_part))
        replaced: dict[str, bytes] = {}
        added: list[tuple[str, bytes]] = []
        overrides: list[tuple[str, str]] = []
        block = self._vml_block()
        by_sheet = {sheet: group for sheet, group in marks.groupby("sheet", sort=False)} if len(marks) else {}
        for name, _, part, kind in self.sheets:
            if name in by_sheet and kind == "worksheet":
                group = by_sheet[name]
                rels_path = _rels_path(part)
                rels = self._rels(rels_path, posixpath.dirname(part))
                if any(kind.endswith(("/comments", "/threadedComment")) for kind, _, _ in rels):
                    raise NotPatchable(f"sheet {part} already has comments")
                ids = {rid for _, _, rid in rels}
                comment_id, drawing_id = (self._free_id(ids), self._free_id(ids))
                sheet_marks = [Mark(int(m.row), str(m.column), m.severity, m.text, int(m.height))
                               for m in group.itertuples(index=False)]
                xml, notes = mark_sheet(self.read(part), sheet_marks, styles.marked, drawing_id)
                comments = self._free("xl/comments{}.xml")
                drawing = self._free("xl/drawings/vmlDrawing{}.vml")
                replaced[part] = xml
                added += [(comments, comments_xml([(ref, text) for ref, _, _, text, _ in notes])),
                          (drawing, vml_xml([(row, col, height) for _, row, col, _, height in notes], block))]
                block += vml_blocks(len(notes))
                overrides.append(("/" + comments, COMMENTS_TYPE))
                folder = posixpath.dirname(part)
                new_rels = [(comment_id, "comments", posixpath.relpath(comments, folder)),
                            (drawing_id, "vmlDrawing", posixpath.relpath(drawing, folder))]
                patched_rels = self._with_relationships(rels_path, new_rels)
                if rels_path in self.names:
                    replaced[rels_path] = patched_rels
                else:
                    added.append((rels_path, patched_rels))
            else:
                head = self.read(part)
                cleared = clear_tab_selected(head)
                if cleared is not head:
                    replaced[part] = cleared
        missing = set(by_sheet) - {name for name, _, _, kind in self.sheets if kind == "worksheet"}
        if missing:
            raise NotPatchable("marks on a sheet the package does not have")
        list_part = self._free("xl/worksheets/sheet{}.xml")
        added.append((list_part, list_sheet_xml(content, styles.look)))
        overrides.append(("/" + list_part, WORKSHEET_TYPE))
        replaced[self.styles_part] = styles.result()
        book_rels = self._rels("xl/_rels/workbook.xml.rels", "xl")
        list_id = self._free_id({rid for _, _, rid in book_rels})
        replaced["xl/_rels/workbook.xml.rels"] = self._with_relationships(
            "xl/_rels/workbook.xml.rels", [(list_id, "worksheet", posixpath.relpath(list_part, "xl"))])
        replaced["xl/workbook.xml"] = self._workbook(list_id)
        replaced["[Content_Types].xml"] = self._content_types(overrides, vml=len(by_sheet) > 0)
        for name, xml in [*added, *((n, x) for n, x in replaced.items() if n not in self.sheet_parts())]:
            _parse(xml, f"the new {name}")  # everything small we wrote parses (the sheets are checked by tests)
        out = io.BytesIO()
        try:
            rewrite(self.data, replaced, added, out)
        except ValueError as exc:
            raise NotPatchable(f"zip: {exc}") from exc
        return out.getvalue()

    def sheet_parts(self) -> set[str]:
        return {part for _, _, part, _ in self.sheets}

    @staticmethod
    def _free_id(ids: set[str]) -> str:
        n = 1
        while f"rId{n}" in ids:
            n += 1
        ids.add(f"rId{n}")
        return f"rId{n}"

    def _with_relationships(self, path: str, new: list[tuple[str, str, str]]) -> bytes:
        lines = "".join(f'<Relationship Id="{rid}" Type="{RELATIONSHIP}{kind}" Target={quoteattr(target)}/>'
                        for rid, kind, target in new)
        if path not in self.names:
            return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
                    f'"http://schemas.openxmlformats.org/package/2006/relationships">{lines}</Relationships>').encode()
        xml = self.read(path)
        closing = xml.rfind(b"</Relationships>")
        if closing < 0:
            empty = re.search(rb"<Relationships\b[^>]*/>", xml)
            if empty is None:
                raise NotPatchable(f"{path}: no Relationships")
            return (xml[:empty.end() - 2] + b">" + lines.encode() + b"</Relationships>" + xml[empty.end():])
        return xml[:closing] + lines.encode() + xml[closing:]

    def _workbook(self, list_id: str) -> bytes:
        """workbook.xml with ``问题清单`` first, selected and active."""
        xml = self.read("xl/workbook.xml")
        prefix = re.search(rb"<sheet\b[^>]*?\s([A-Za-z_][\w.-]*):id=", xml)
        sheets = re.search(rb"<sheets\s*>", xml)
        if prefix is None or sheets is None:
            raise NotPatchable("workbook.xml: sheets not as expected")
        ids = [int(s) for _, s, _, _ in self.sheets if str(s).isdigit()]
        entry = (f'<sheet name="{escape(ISSUES_SHEET)}" sheetId="{max(ids, default=0) + 1}" '
                 f'{prefix.group(1).decode()}:id="{list_id}"/>').encode("utf-8")
        xml = xml[:sheets.end()] + entry + xml[sheets.end():]
        xml = re.sub(rb'(<definedName\b[^>]*?\slocalSheetId=")(\d+)"',
                     lambda m: m.group(1) + str(int(m.group(2)) + 1).encode() + b'"', xml)
        if re.search(rb"<workbookView\b", xml):
            xml = re.sub(rb"<workbookView\b[^>]*>", lambda m: re.sub(rb'\s(?:activeTab|firstSheet)="\d+"', b"",
                                                                     m.group(0)), xml)
        else:
            at = re.search(rb"<sheets\s*>", xml).start()
            xml = xml[:at] + b"<bookViews><workbookView/></bookViews>" + xml[at:]
        return xml

    def _content_types(self, overrides: list[tuple[str, str]], vml: bool) -> bytes:
        xml = self.read("[Content_Types].xml")
        root = _parse(xml, "[Content_Types].xml")
        defaults = {d.get("Extension", "").lower() for d in root.iter(_CT + "Default")}
        lines = '<Default Extension="vml" ContentType="%s"/>' % VML_TYPE if vml and "vml" not in defaults else ""
        lines += "".join(f"<Override PartName={quoteattr(name)} ContentType={quoteattr(kind)}/>"
                         for name, kind in overrides)
        closing = xml.rfind(b"</Types>")
        if closing < 0:
            raise NotPatchable("[Content_Types].xml: no Types")
        return xml[:closing] + lines.encode("utf-8") + xml[closing:]


def open_package(data: bytes) -> Package:
    """The package, if the patcher handles it; else :class:`NotPatchable` says why."""
    return Package(data)
