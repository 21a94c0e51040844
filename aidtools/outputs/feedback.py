"""Feedback workbooks: each department gets its own workbook back with every problem marked.

A copy of the submitted workbook (the original is never touched; a file with no finding gets the list
alone, see below) where each cell with an error is filled red and each cell with a warning yellow,
with a cell comment giving the message; a first sheet ``问题清单`` with a summary line (rows, errors, warnings, passed or not) and every finding with
a link to its cell. The template sheet is kept exactly as it was, so the department fixes the
marked cells in place and sends the same file back; our own check recognises it again (the
``问题清单`` sheet has no template header) and finds the same problems until they are fixed.

- ``.xlsx``/``.xlsm``: the submitted package patched in place (:mod:`aidtools.outputs.feedback_patch`):
  only the styles, the marked sheets, their notes, ``问题清单`` and the package's lists of parts
  change; every other part (macros, drawings, data validations, cached formula results) is copied
  byte for byte, and an ``.xlsm`` stays ``.xlsm``. Where the patcher does not go (strict OOXML, a
  feedback workbook sent back, notes already on a marked sheet, text openpyxl's copy shows
  differently, anything it cannot parse; the reason is in the debug log) the workbook is copied with
  openpyxl instead (``.xlsm`` with its macros, ``keep_vba``), the same marks and the same list.
- ``.xls`` and ``.csv`` (openpyxl cannot open them), and workbooks openpyxl fails on: a new
  ``.xlsx`` with every sheet's data as text cells and the same marks. A CSV's data sheet takes the
  template's sheet name, so the file can be sent back as is.
- An unreadable file: a workbook with the ``问题清单`` sheet alone.
- A file with no finding at all (its own, or the reconciliation's on its rows): a small ``.xlsx``
  with the ``问题清单`` sheet alone, whose first line names the file and says 检查通过; there is
  nothing in the file to mark, so no copy of it.

Files go to ``OUT/<department>/<name>-反馈<ext>`` in owner-only folders.

With ``rounds`` (a :class:`FindingRounds` from the history) each finding, the file's own and the
reconciliation's, says whether it is new this round (``【新】``) or still not fixed since an earlier one
(``【未改正（第N轮起）】``): at the head of its cell comment and in the ``轮次`` column of ``问题清单``.

>>> feedback_name("国家助学金发放.xls", "xls")
'国家助学金发放-反馈.xlsx'
>>> feedback_name("学生.xlsm", "xlsm"), feedback_name("学生.xlsm", "xlsm", copy=False)
('学生-反馈.xlsm', '学生-反馈.xlsx')
>>> rounds = FindingRounds(current=3, first={("文学院/学生.xlsx", 5, "id.checksum"): 1})
>>> rounds.tag("文学院/学生.xlsx", 5, "id.checksum"), rounds.tag("文学院/学生.xlsx", 6, "cell.required")
('【未改正（第1轮起）】', '【新】')
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
import logging
import zipfile
from collections import Counter
import re
import warnings
from pathlib import Path, PurePath
from xml.sax.saxutils import escape as xml_escape

import openpyxl
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from python_calamine import CalamineWorkbook

from aidtools import findings as F
from aidtools.outputs.feedback_content import (COMMENT_AUTHOR, CROSS_TITLE, ERROR_COLOR, ISSUES_SHEET,  # noqa: F401
                                               LIST_HEADER_ROW, LIST_HEADERS, LIST_WIDTHS, LOOKS, NOTE_WIDTH,
                                               ROUNDS_HEADER, ROUNDS_WIDTH, SUMMARY_ERROR_COLOR, SUMMARY_OK_COLOR,
                                               WARNING_COLOR, IssueList, cell_marks, issue_list, note, summary_line)
from aidtools.outputs.feedback_patch import NotPatchable, open_package
from aidtools.outputs.zip_members import rewrite
from aidtools.merging.sources import sheet_as_text
from aidtools.reading import UnreadableFile, read_file, xlsx_parts
from aidtools.reading.workbook import sha256_of
from aidtools.reading.xlsx_parts import column_index, column_letter
from aidtools.reading.limits import DEFAULT_LIMITS
from aidtools.rules import RULES
from aidtools.specs import load_specs
from aidtools.writing.cells import CELL_LIMIT, WRAP, safe_loaded_text, safe_sheet_title, write_text, write_value
from aidtools.writing.private import safe_name, save_private, write_failure_reason

log = logging.getLogger(__name__)

NAME_SUFFIX = "-反馈"
PATCH = True  # patch an .xlsx/.xlsm package in place where the patcher can (write_feedback ``patch``)
ERROR_FILL = PatternFill("solid", fgColor=ERROR_COLOR)
WARNING_FILL = PatternFill("solid", fgColor=WARNING_COLOR)
NO_FILL = PatternFill(fill_type=None)
FONTS = {"bold": Font(bold=True), "title": Font(bold=True, size=12),
         "summary_error": Font(bold=True, size=12, color=SUMMARY_ERROR_COLOR),
         "summary_ok": Font(bold=True, size=12, color=SUMMARY_OK_COLOR)}
NEW_TAG = "【新】"


@dataclass(frozen=True)
class FindingRounds:
    """Which round each finding of the run first appeared in, for the feedback workbooks.

    ``current``: this run's round number. ``first``: (display path, Excel row, rule) → the round the
    finding first appeared in (row ``None`` for a finding about the whole file). A finding of an earlier
    round is still open (``【未改正（第N轮起）】``); one of this round, or not in ``first``, is new
    (``【新】``). The reconciliation findings marked on a file's rows are keyed the same way, by the
    file's display path and the row of that file.
    """

    current: int
    first: dict[tuple[str, int | None, str], int] = field(default_factory=dict)

    def tag(self, path: str, row, rule: str) -> str:
        row = None if row is None or pd.isna(row) else int(row)
        first = self.first.get((path, row, rule))
        if first is None or first >= self.current:
            return NEW_TAG
        return f"【未改正（第{first}轮起）】"

    @classmethod
    def from_history(cls, history) -> "FindingRounds":
        """From a :class:`aidtools.report.HistoryResult`: its new and still-open findings, by path, row and rule."""
        first = {}
        for tracked in [*history.new, *history.still_open]:
            if tracked.path is not None:
                first[(tracked.path, tracked.row, tracked.rule)] = (tracked.first_round if tracked.first_round
                                                                   is not None else history.round)
        return cls(current=history.round, first=first)


class FeedbackError(RuntimeError):
    """The feedback workbook cannot be written (the file changed since it was checked)."""


def feedback_name(name: str, fmt: str | None, copy: bool = True) -> str:
    """``名称-反馈.xlsx`` (``.xlsm`` for a copy of a macro workbook, which keeps its macros; a file that
    passed with no finding gets ``问题清单`` alone, always ``.xlsx``)."""
    suffix = ".xlsm" if fmt == "xlsm" and copy else ".xlsx"
    return f"{PurePath(name).stem}{NAME_SUFFIX}{suffix}"


def list_only(report, cross: pd.DataFrame | None = None) -> bool:
    """A file read without a single finding, its own or the reconciliation's on its rows: its feedback
    is the ``问题清单`` sheet alone, saying it passed (no copy of the file: nothing in it to mark)."""
    return bool(report.readable and not len(report.findings) and (cross is None or not len(cross)))


def feedback_path(report, out_dir, cross: pd.DataFrame | None = None) -> Path:
    """``OUT/<department>/<name>-反馈<ext>`` (files outside a department folder go to ``OUT``)."""
    folder = Path(out_dir) / safe_name(report.department) if report.department else Path(out_dir)
    return folder / feedback_name(report.path.name, report.format, copy=not list_only(report, cross))


def write_feedback(report, out_dir, target=None, limits=DEFAULT_LIMITS, cross: pd.DataFrame | None = None,
                   rounds: FindingRounds | None = None, patch: bool | None = None) -> Path:
    """Write the feedback workbook of one checked file and return its path.

    ``cross``: the reconciliation (两线三库) findings on this file's records
    (:func:`aidtools.reconcile.by_record.record_findings`), marked and listed beside the file's own.
    ``rounds``: whether each finding is new or still open since an earlier round (:class:`FindingRounds`).
    ``patch``: an .xlsx/.xlsm is patched in place where :mod:`aidtools.outputs.feedback_patch` can
    (the default, :data:`PATCH`), else copied with openpyxl; False: always the openpyxl copy."""
    target = Path(target) if target is not None else feedback_path(report, out_dir, cross)
    findings = report.findings.copy()
    cross = cross.copy() if cross is not None else F.empty_frame()
    if list_only(report, cross):
        _same_file(report, report.path.read_bytes())  # "passed" is said of the file as it was checked
        log.debug("反馈 %s：没有任何问题，只写问题清单", report.display_path)
        wb = Workbook()
        wb.remove(wb.active)
        _write_issue_list(wb, issue_list(report, findings, cross, [], list_only=True))
        return save_private(wb.save, target)
    if not (PATCH if patch is None else patch):
        log.debug("反馈 %s：openpyxl副本（未启用修补）", report.display_path)
    elif not report.readable or report.format not in ("xlsx", "xlsm"):
        log.debug("反馈 %s：openpyxl副本（%s）", report.display_path,
                  "无法读取：只有问题清单" if not report.readable else f"{report.format}：文本副本")
    else:
        patched = _patched(report, findings, cross, rounds)
        if patched is not None:
            return save_private(lambda path: path.write_bytes(patched), target)
    wb, sheet_names = _open_copy(report, limits)
    _clear_earlier_feedback(wb, report)
    if sheet_names:
        findings["sheet"] = findings["sheet"].replace(sheet_names)
        cross["sheet"] = cross["sheet"].replace(sheet_names)
    if rounds is not None:
        findings, cross = (_with_rounds(frame, report.display_path, rounds) for frame in (findings, cross))
    marked = F.concat([findings, cross])  # the canonical columns only: tag again
    _mark_cells(wb, _with_rounds(marked, report.display_path, rounds) if rounds is not None else marked)
    _write_issue_list(wb, issue_list(report, findings, cross, wb.sheetnames))
    if getattr(wb, "vba_archive", None) is None and target.suffix.lower() == ".xlsm":
        target = target.with_suffix(".xlsx")  # a text copy of a macro workbook has no macros to keep
    results = _formula_results(report, findings, sheet_names)

    def write(path):
        wb.save(path)
        if results:
            keep_formula_results(path, results)

    return save_private(write, target)


def _patched(report, findings: pd.DataFrame, cross: pd.DataFrame, rounds) -> bytes | None:
    """The feedback workbook as the submitted package patched (:mod:`aidtools.outputs.feedback_patch`),
    or None (the reason in the debug log) where the openpyxl copy is to be made instead."""
    data = report.path.read_bytes()
    _same_file(report, data)
    try:
        package = open_package(data)
        if rounds is not None:
            findings, cross = (_with_rounds(frame, report.display_path, rounds) for frame in (findings, cross))
        marked = F.concat([findings, cross]) if len(cross) else findings
        marks = cell_marks(_with_rounds(marked, report.display_path, rounds) if rounds is not None else marked,
                           package.sheet_names)
        notes = [note(text) for text in marks["text"]]
        marks = marks.assign(text=[text for text, _ in notes], height=[height for _, height in notes])
        out = package.patched(marks, issue_list(report, findings, cross, package.sheet_names))
    except NotPatchable as exc:
        log.debug("反馈 %s：openpyxl副本（%s）", report.display_path, exc)
        return None
    except Exception:  # a bug or a package we did not foresee: the openpyxl copy is always there
        log.debug("反馈 %s：openpyxl副本（修补失败）", report.display_path, exc_info=True)
        return None
    log.debug("反馈 %s：修补原文件（%d个标注）", report.display_path, len(marks))
    return out


def write_all_feedback(reports, out_dir, limits=DEFAULT_LIMITS, cross: dict | None = None,
                       rounds: FindingRounds | None = None, writers: dict | None = None) -> list[Path | None]:
    """One feedback workbook per report (same order; None where one could not be written); ``cross``
    maps a display path to the reconciliation findings on that file's records; ``rounds`` (one for the
    whole run: its keys carry the display path) marks each finding new or still open. ``writers``: display
    path -> ``write(target) -> Path`` for the workbooks made elsewhere (on a cluster's workers,
    :func:`aidtools.outputs.feedback_cluster.feedback_on_cluster`); the others are written here.

    A file whose workbook cannot be written (whatever the reason) gets a ``write.failed`` finding and
    the others are still written."""
    out = []
    cross = cross or {}
    for report, target in zip(reports, feedback_targets(reports, out_dir, cross)):
        try:
            write = (writers or {}).get(report.display_path)
            out.append(write(target) if write is not None else
                       write_feedback(report, out_dir, target=target, limits=limits,
                                      cross=cross.get(report.display_path), rounds=rounds))
        except Exception as exc:  # one file's feedback never stops the others
            # the library's text to the debug log only; the commands show the finding itself
            log.debug("未能生成反馈文件 %s", report.display_path, exc_info=True)
            reason = exc.args[0] if isinstance(exc, FeedbackError) else write_failure_reason(exc)
            message = f"未能生成本文件的反馈工作簿：{reason}"
            report.findings = F.concat([report.findings, F.to_frame([F.Finding(
                rule="write.failed", severity=RULES["write.failed"].severity, message=message,
                path=report.display_path)])])
            out.append(None)
    return out


def feedback_targets(reports, out_dir, cross: dict | None = None) -> list[Path]:
    """Where each report's feedback goes, never two at one path.

    ``名单.xls`` and ``名单.xlsx`` in one folder would both become ``名单-反馈.xlsx``: the file whose
    own extension the output has keeps the plain name, the other is tagged (``名单-xls-反馈.xlsx``);
    same-named files from different folder arguments are numbered.
    """
    cross = cross or {}
    natural = [feedback_path(r, out_dir, cross.get(r.display_path)) for r in reports]
    clashes = Counter(natural)
    tagged = []
    for report, target in zip(reports, natural):
        if clashes[target] > 1 and report.path.suffix.lower() != target.suffix:
            extension = report.path.suffix.lstrip(".").lower() or "file"
            target = target.with_name(f"{report.path.stem}-{extension}{NAME_SUFFIX}{target.suffix}")
        tagged.append(target)
    seen: Counter = Counter()
    out = []
    for target in tagged:
        seen[target] += 1
        out.append(target if seen[target] == 1 else target.with_name(f"{target.stem}({seen[target]}){target.suffix}"))
    return out


def _open_copy(report, limits):
    """The workbook to mark: (openpyxl workbook, {sheet name in findings: sheet name in the copy})."""
    if not report.readable:
        wb = Workbook()
        wb.remove(wb.active)
        return wb, {}
    if report.format in ("xlsx", "xlsm"):
        data = report.path.read_bytes()
        _same_file(report, data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # parts openpyxl drops, e.g. slicers
                wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=report.format == "xlsm")
            make_safe(wb)
            return wb, {}
        except Exception as exc:  # openpyxl rejects some files calamine reads (strict OOXML, odd writers)
            log.warning("openpyxl无法打开 %s（%s），改为生成文本副本", report.display_path, type(exc).__name__)
    return _text_copy(report, limits)


def _same_file(report, data: bytes) -> None:
    if report.sha256 and sha256_of(data) != report.sha256:
        raise FeedbackError(f"“{report.display_path}”在检查后被修改过，请重新检查后再生成反馈文件。")


def sheet_title(name: str) -> str:
    """A valid Excel sheet name (:func:`aidtools.writing.cells.safe_sheet_title`)."""
    return safe_sheet_title(name)


def make_safe(wb) -> None:
    """Every text cell and comment of a workbook openpyxl loaded, as :func:`safe_loaded_text` has it:
    Excel's escapes of control characters (how xlsxwriter stores them) shown visibly, over-long text cut."""
    for ws in wb.worksheets:
        for cell in ws._cells.values():  # the cells that exist (iter_rows would create the empty ones)
            value = cell._value
            if cell.data_type == "s" and type(value) is str and ("_x" in value or len(value) > CELL_LIMIT):
                cell._value = safe_loaded_text(value)
            comment = getattr(cell, "comment", None)
            if comment is not None and comment.author != COMMENT_AUTHOR:
                comment.text = safe_loaded_text(comment.text or "")


def _text_copy(report, limits):
    """A new workbook with every sheet of the file as text cells."""
    try:
        book = read_file(report.path, limits)
    except UnreadableFile as exc:
        raise FeedbackError(exc.message) from exc
    if book.sha256 != report.sha256:
        raise FeedbackError(f"“{report.display_path}”在检查后被修改过，请重新检查后再生成反馈文件。")
    wb = Workbook()
    wb.remove(wb.active)
    names = {}
    # A CSV's one sheet takes the template's sheet name, so that the copy can be sent back as it is.
    spec = load_specs().get(report.template) if report.template and book.format == "csv" else None
    for name in book.sheet_names:
        sheet = book.sheets[name]
        title = spec.sheet if spec is not None else sheet_title(name)
        names[name] = title
        ws = wb.create_sheet(title)
        if sheet.hidden:
            ws.sheet_state = "hidden"
        text = sheet_as_text(sheet.rows)
        for r, values in enumerate(text.itertuples(index=False, name=None), start=1):
            for c, value in enumerate(values, start=1):
                write_text(ws, r, c, value)
    return wb, names


def _clear_earlier_feedback(wb, report) -> None:
    """A feedback workbook sent back and checked again: drop our old list, and our comments and fills."""
    if ISSUES_SHEET not in wb.sheetnames or ISSUES_SHEET == report.sheet:
        return  # not one of ours: nothing to clear, and no need to visit every cell
    wb.remove(wb[ISSUES_SHEET])
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == COMMENT_AUTHOR:
                    cell.comment = None
                    if str(cell.fill.fgColor.rgb)[-6:] in (ERROR_COLOR, WARNING_COLOR):
                        cell.fill = NO_FILL


def _with_rounds(findings: pd.DataFrame, path: str, rounds: FindingRounds) -> pd.DataFrame:
    """The findings with a ``rounds`` column: 【新】 or 【未改正（第N轮起）】."""
    return findings.assign(rounds=[rounds.tag(path, row, rule) for row, rule in zip(findings["row"], findings["rule"])])


def _mark_cells(wb, findings: pd.DataFrame) -> None:
    for mark in cell_marks(findings, wb.sheetnames).itertuples(index=False):
        cell = _anchor(wb[mark.sheet], f"{mark.column}{mark.row}")
        cell.fill = ERROR_FILL if mark.severity == "error" else WARNING_FILL
        earlier = cell.comment.text if cell.comment is not None and cell.comment.author != COMMENT_AUTHOR else None
        text, height = note(mark.text, earlier)
        cell.comment = Comment(text, COMMENT_AUTHOR, width=NOTE_WIDTH, height=height)


def _anchor(ws, coordinate: str):
    """The cell to mark: inside a merged range that is the range's top-left cell (the others take no comment)."""
    cell = ws[coordinate]
    if isinstance(cell, MergedCell):
        for merged in ws.merged_cells.ranges:
            if coordinate in merged:
                return ws.cell(row=merged.min_row, column=merged.min_col)
    return cell


def _formula_results(report, findings: pd.DataFrame, sheet_names) -> dict[str, dict[str, object]]:
    """{sheet: {cell: the result Excel cached}} for the formula cells of the data area (``template.formula``).

    openpyxl saves formulas without their last results; Excel recalculates them on opening, but our
    own check reads the results, so they are put back (:func:`keep_formula_results`).
    """
    cells = findings[(findings["rule"] == "template.formula") & findings["row"].notna() & findings["column"].notna()]
    if not len(cells) or report.format not in ("xlsx", "xlsm"):
        return {}
    book = CalamineWorkbook.from_filelike(io.BytesIO(report.path.read_bytes()))
    reverse = {new: old for old, new in sheet_names.items()}
    out: dict[str, dict[str, object]] = {}
    for sheet, group in cells.groupby("sheet"):
        rows = book.get_sheet_by_name(reverse.get(sheet, sheet)).to_python(skip_empty_area=False)
        for f in group.itertuples(index=False):
            r, c = int(f.row) - 1, column_index(f.column)
            if r < len(rows) and c < len(rows[r]) and rows[r][c] not in (None, ""):
                out.setdefault(sheet, {})[f"{f.column}{int(f.row)}"] = rows[r][c]
    return out


_FORMULA_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)>(<f[^>]*/>|<f[^>]*>[^<]*</f>)<v\s*/></c>')


def _cached(value) -> tuple[str, str]:
    """(type attribute, text of ``<v>``) of a formula result."""
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, (int, float)):
        return "", repr(float(value)) if isinstance(value, float) and not value.is_integer() else str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        serial = (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
        return "", repr(serial) if not serial.is_integer() else str(int(serial))
    return ' t="str"', xml_escape(str(value))


def keep_formula_results(path: Path, results: dict[str, dict[str, object]]) -> None:
    """Write each formula's cached result into the saved workbook at ``path``: its sheet parts rewritten,
    every other member copied as stored (:func:`aidtools.outputs.zip_members.rewrite`)."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: part for name, part, _ in xlsx_parts.sheet_parts(archive, path.name)}
        patch = {parts[sheet]: values for sheet, values in results.items() if sheet in parts}
        sheets = {part: archive.read(part).decode("utf-8") for part in patch}

    def fill(match: re.Match, values) -> str:
        coordinate, attributes, formula = match.groups()
        if coordinate not in values:
            return match.group(0)
        kind, text = _cached(values[coordinate])
        attributes = re.sub(r'\s+t="[^"]*"', "", attributes)
        return f'<c r="{coordinate}"{attributes}{kind}>{formula}<v>{text}</v></c>'

    replaced = {part: _FORMULA_CELL.sub(lambda m, v=values: fill(m, v), sheets[part]).encode("utf-8")
                for part, values in patch.items()}
    with path.open("wb") as out:
        rewrite(data, replaced, [], out)


def _write_issue_list(wb, content: IssueList) -> None:
    """``问题清单`` as the first, active sheet of ``wb``, from :func:`issue_list`."""
    ws = wb.create_sheet(ISSUES_SHEET, 0)
    for item in content.cells:
        look = LOOKS[item.look]
        if look.number:
            cell = write_value(ws, item.row, item.column, item.value)
            continue
        cell = write_text(ws, item.row, item.column, item.value, text_format=look.text_format or item.link is not None)
        if item.link is not None:
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=item.link)
            cell.style = "Hyperlink"
        elif look.font:
            cell.font = FONTS[look.font]
        if look.fill:
            cell.fill = ERROR_FILL if look.fill == "error" else WARNING_FILL
        if look.wrap:
            cell.alignment = WRAP
    for c, width in enumerate(content.widths, start=1):
        ws.column_dimensions[column_letter(c - 1)].width = width
    ws.freeze_panes = ws.cell(row=content.freeze_row, column=1)
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False  # one selected tab, or Excel groups the sheets
