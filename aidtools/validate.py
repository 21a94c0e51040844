"""Check files: read → recognise the template → prepare columns → type checks → row rules.

>>> reports = check_paths([])
>>> reports
[]
"""
from __future__ import annotations

import datetime as dt
import gc
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas._libs import lib

from aidtools import findings as F
from aidtools.checks.body import data_body
from aidtools.checks.columns import Column, prepare
from aidtools.checks.hits import Hits
from aidtools.checks.rows import run_row_rules
from aidtools.checks.structure import check_structure
from aidtools.checks.types import TYPE_CHECKS
from aidtools.findings import Finding
from aidtools.inventory import Inventory, Target, department_of, display_of, take_inventory
from aidtools.masking import mask_text
from aidtools.reading import Limits, UnreadableFile, read_file
from aidtools.reading.limits import DEFAULT_LIMITS
from aidtools.reading.xlsx_parts import column_letter
from aidtools.recognize import recognise
from aidtools.report import FileResult, InputFile
from aidtools.rules import RULES
from aidtools.specs import ROW_COLUMN, TemplateSpec, load_specs

log = logging.getLogger(__name__)

__all__ = ["FileReport", "ROW_COLUMN", "check_file", "check_paths", "discover"]


@dataclass
class FileReport:
    """Everything known about one checked file; ``table`` holds its normalised rows."""

    path: Path
    display_path: str
    department: str
    sha256: str | None = None
    size: int = 0
    format: str | None = None
    template: str | None = None
    title: str | None = None  # the template's Chinese title
    spec_version: str | None = None
    sheet: str | None = None
    rows: int = 0
    findings: pd.DataFrame = field(default_factory=F.empty_frame)
    table: pd.DataFrame | None = None  # columns: spec keys + _row; values normalised
    mtime: float = 0.0
    writer: str | None = None
    readable: bool = True
    reason: str | None = None  # why it is unreadable (UnreadableFile.reason)

    @property
    def errors(self) -> int:
        return F.count(self.findings, "error")

    @property
    def warnings(self) -> int:
        return F.count(self.findings, "warning")

    @property
    def passed(self) -> bool:
        return self.readable and self.template is not None and self.errors == 0

    def error_rows(self) -> set[int]:
        """Excel rows with at least one error finding."""
        f = self.findings
        rows = f.loc[(f["severity"] == "error") & f["row"].notna(), "row"]
        return set(int(r) for r in rows)

    def file_level_errors(self) -> pd.DataFrame:
        """Errors not tied to a data row (unreadable, unknown template, headers, sheet name)."""
        f = self.findings
        whole_file = f["rule"].map(lambda rule: RULES[rule].scope in ("file", "template") if rule in RULES else False)
        return f[(f["severity"] == "error") & whole_file.astype(bool)]

    def to_record(self, superseded: bool = False) -> FileResult:
        """The file as the run report holds it (:class:`aidtools.report.FileResult`)."""
        return FileResult(
            path=self.display_path, department=self.department, template=self.template,
            template_title=self.title, spec_version=self.spec_version, format=self.format, sheet=self.sheet,
            sha256=self.sha256, rows=int(self.rows), errors=self.errors, warnings=self.warnings, passed=self.passed,
            superseded=superseded, findings=F.from_frame(self.findings))

    def input_record(self) -> InputFile:
        modified = dt.datetime.fromtimestamp(self.mtime).isoformat(timespec="seconds") if self.mtime else None
        return InputFile(path=self.display_path, sha256=self.sha256, size=int(self.size), modified=modified)


class SheetContext:
    """What the row rules see: the spec, the prepared columns by header, the findings so far."""

    def __init__(self, spec, columns, hits, today, specs, excel_rows, headers):
        self.spec: TemplateSpec = spec
        self.columns: dict[str, Column] = columns
        self.hits: Hits = hits
        self.today: dt.date = today
        self.specs = specs
        self.excel_rows = excel_rows
        self.n = len(excel_rows)
        self._headers = headers

    def values_of(self, header: str) -> pd.Series | None:
        col = self.columns.get(header)
        return None if col is None else col.value

    def header_at(self, index: int | None) -> str | None:
        if index is None or index >= len(self._headers):
            return None
        return self._headers[index] or None


def discover(paths, limits: Limits = DEFAULT_LIMITS) -> list[Target]:
    """Every file to check under the given files/folders, workbooks inside .zip files included
    (:func:`aidtools.inventory.take_inventory`, which also names everything else found)."""
    return take_inventory(paths, limits).targets


@contextmanager
def _collection_paused():
    """Python's automatic cycle collection paused while one file is read and checked: the millions
    of row lists and object arrays a large sheet creates set off full collections that find nothing
    to free (4 s of a 1M-row check; peak memory measured the same). The previous state comes back
    afterwards, also when the caller had switched collection off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_file(path, root=None, specs=None, as_of: dt.date | None = None, limits: Limits = DEFAULT_LIMITS,
               display: str | None = None, department: str | None = None) -> FileReport:
    """Check one file. Never raises for a bad file: that becomes a ``file.unreadable`` finding.
    ``display`` and ``department`` name a file extracted from a zip as the zip's."""
    with _collection_paused():
        return _check_file(path, root, specs, as_of, limits, display, department)


def check_target(target: Target, specs=None, as_of: dt.date | None = None, limits: Limits = DEFAULT_LIMITS) -> FileReport:
    return check_file(target.path, target.root, specs, as_of, limits, target.display, target.department)


def _check_file(path, root, specs, as_of, limits, display=None, department=None) -> FileReport:
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    specs = specs or load_specs()
    today = as_of or dt.date.today()
    display = display if display is not None else display_of(path, root)
    department = department if department is not None else department_of(path, root)
    report = FileReport(path=path, display_path=display, department=department)
    try:
        report.mtime = path.stat().st_mtime
    except OSError:
        pass
    try:
        book = read_file(path, limits)
    except UnreadableFile as exc:
        report.readable = False
        report.reason = exc.reason
        report.findings = F.to_frame([Finding(rule="file.unreadable", severity=RULES["file.unreadable"].severity,
                                              message=exc.message, path=display)])
        log.debug("%s", mask_text(exc.message))  # every command shows the finding itself: once
        return report
    report.sha256, report.size, report.format, report.writer = book.sha256, book.size, book.format, book.writer
    recognition = recognise(book, specs, display)
    frames = [F.to_frame(recognition.findings)]
    spec = recognition.spec
    if spec is None:
        report.findings = F.concat(frames)
        return report
    report.template, report.spec_version, report.sheet = spec.id, spec.version, recognition.sheet
    report.title = spec.title
    sheet = book.sheets[recognition.sheet]
    table, hits, rows = _check_sheet(sheet, spec, recognition, display, today, specs, limits)
    report.rows = rows
    report.table = table
    frames.append(hits.frame())
    if rows == 0:
        frames.append(F.to_frame([Finding(rule="template.empty", severity=RULES["template.empty"].severity, path=display,
                                          sheet=recognition.sheet, message=f"已识别为“{spec.title}”模板，但没有数据行。请在表头下方填写数据后提交。")]))
    found = F.concat(frames)
    found["path"] = display
    report.findings = found.sort_values(["row", "column", "rule"], na_position="first", kind="stable").reset_index(drop=True)
    return report


# Types whose check reads other cells of the row (id_no: 证件类型) or a file-wide statistic
# (student_no: the commonest length): checked row by row. Every other column is a pure function of
# the cell, so it is checked once per distinct (type, value) and the outcome broadcast to the rows.
_ROW_LEVEL_TYPES = {"id_no", "student_no"}


class _UniqueContext:
    """What a pure column check may ask of the context: only ``today``."""

    def __init__(self, today):
        self.today = today

    def values_of(self, header):
        return None


def _expand_hits(frames: list[pd.DataFrame], codes: np.ndarray, excel_rows: np.ndarray) -> list[pd.DataFrame]:
    """Findings made on distinct values (``row`` = the value's code) → one finding per row holding it.
    Most columns have no findings: the rows are sorted by code only for one that has."""
    if not frames:
        return []
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out = []
    for frame in frames:
        at = frame["row"].to_numpy(dtype=np.int64)
        reps = counts[at]
        which = np.repeat(np.arange(len(frame)), reps)
        within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        rows = order[np.repeat(starts[at], reps) + within]
        expanded = frame.iloc[which].reset_index(drop=True)
        expanded["row"] = excel_rows[rows]
        out.append(expanded)
    return out


def _same_text(a: np.ndarray, b: np.ndarray) -> bool:
    """Two object arrays of str (None for blank) with equal values, cell by cell."""
    return (len(a) == len(b) and lib.is_string_array(a, skipna=True) and lib.is_string_array(b, skipna=True)
            and bool((a == b).all()))


def _expand_column(col: Column, raw: pd.Series, codes: np.ndarray) -> Column:
    """The column of distinct values, row by row again. ``text``, ``clean`` and ``value`` are mostly
    the same values (nothing to clean, nothing rejected): compared on the distinct values, such a
    series is expanded once and shared (none is ever assigned into: :class:`Column`). The arrays taken
    are fresh: the Series wrap them (``copy=False``) instead of copying each once more."""
    done: list[tuple[np.ndarray, pd.Series]] = []

    def take(series):
        if series is None:
            return None
        values = series.to_numpy(dtype=object)
        for seen, expanded in done:
            if _same_text(values, seen):
                return expanded
        expanded = pd.Series(values[codes], dtype=object, copy=False)
        done.append((values, expanded))
        return expanded
    col.raw = raw
    col.kind = pd.Series(col.kind.to_numpy(dtype=object)[codes], dtype=object, copy=False)
    col.text, col.clean, col.value = take(col.text), take(col.clean), take(col.value)
    distinct = len(col.empty)
    col.empty, col.bad = col.empty[codes], col.bad[codes]
    col.extra = {k: (v[codes] if isinstance(v, np.ndarray) and len(v) == distinct else v) for k, v in col.extra.items()}
    return col


def _check_sheet(sheet, spec, recognition, display, today, specs, limits):
    width = max(len(recognition.headers), max(recognition.column_map.values(), default=-1) + 1)
    body = data_body(sheet, spec.first_data_row - 1, width)
    excel_rows = body.excel_rows
    hits = Hits(display, sheet.name, excel_rows)
    columns: dict[str, Column] = {}
    pure_ctx = _UniqueContext(today)
    for col_spec in spec.columns:
        index = recognition.column_map.get(col_spec.header)
        if index is None:
            continue
        letter = column_letter(index)
        if col_spec.type not in _ROW_LEVEL_TYPES and body.n:
            distinct = body.distinct(index)
            if distinct is not None and len(distinct.values) * 2 <= body.n:
                found = Hits(display, sheet.name, np.arange(len(distinct.values)))
                col = prepare(distinct.values, col_spec, letter, found, limits.max_cell_chars)
                TYPE_CHECKS[col_spec.type](col, found, pure_ctx)
                col.extra["checked"] = True
                hits.frames.extend(_expand_hits(found.frames, distinct.codes, excel_rows))
                columns[col_spec.header] = _expand_column(col, distinct.full(), distinct.codes)
                continue
        columns[col_spec.header] = prepare(body.raw(index), col_spec, letter, hits, limits.max_cell_chars)
    ctx = SheetContext(spec, columns, hits, today, specs, excel_rows, recognition.headers)
    # id_no last: it reads the normalised 证件类型 of its row.
    for col in sorted(columns.values(), key=lambda c: c.spec.type == "id_no"):
        if not col.extra.pop("checked", False):
            TYPE_CHECKS[col.spec.type](col, hits, ctx)
    run_row_rules(ctx)
    check_structure(ctx, sheet, set(recognition.column_map.values()))
    # copy=False: the columns stay apart, not copied into one block of 100,000 × columns objects.
    table = pd.DataFrame({c.spec.key: c.value for c in columns.values()}, copy=False)
    table[ROW_COLUMN] = excel_rows
    return table, hits, body.n


def check_paths(paths, specs=None, as_of: dt.date | None = None, limits: Limits = DEFAULT_LIMITS,
                progress=None, inventory: Inventory | None = None) -> list[FileReport]:
    """Check every file under ``paths`` (the ``inventory`` of them, when taken already); one report
    per file, in path order. The batch never stops."""
    specs = specs or load_specs()
    files = (inventory or take_inventory(paths, limits)).targets
    reports = []
    iterator = progress(files) if progress else files
    for target in iterator:
        reports.append(check_target(target, specs, as_of, limits))
    return reports
