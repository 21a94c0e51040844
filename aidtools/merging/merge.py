"""Merging checked files into one import workbook per template, with provenance and accounting.

For each template: resubmitted files give way to the newest (:mod:`aidtools.merging.resubmissions`);
rows with errors are held back (or whole files, with ``hold_back_files``; files with file-level
errors always are); the rest are sorted by the template's unique keys, then source path and row; a
record that two files both carry is merged once (``merge.duplicate_across_files``); the rows are
written in the template's layout (:mod:`~aidtools.merging.import_workbook`), with a provenance
sidecar (:mod:`~aidtools.merging.provenance`) and a held-back workbook (:mod:`~aidtools.merging.held_back`).

Accounting, asserted on every run (:func:`check_accounting`), per file and per template::

    rows_read = rows_merged + rows_held_back + rows_superseded

where ``rows_read`` counts the data rows of every file of the template, ``rows_superseded`` the rows
of files replaced by a newer resubmission (never merged; zero for a file in use), and
``rows_held_back`` includes the second copy of a record two files carry (also in ``rows_duplicate``).
No source row is merged twice.

>>> import tempfile
>>> merge_reports([], tempfile.mkdtemp()).to_record()
{}
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from aidtools import findings as F
from aidtools.masking import mask_series
from aidtools.merging.held_back import write_held_back
from aidtools.merging.import_workbook import write_import_workbook
from aidtools.merging.official_template import OfficialTemplate, load_official_template
from aidtools.merging.names import legacy_names, output_names
from aidtools.merging.provenance import write_provenance
from aidtools.merging.resubmissions import find_supersessions, superseded_finding
from aidtools.merging.sources import original_values
from aidtools.reading.limits import DEFAULT_LIMITS
from aidtools.reading.xlsx_parts import column_letter
from aidtools.report import FileAccount, MergedTemplate, SubsystemPart
from aidtools.rules import RULES
from aidtools.specs import ROW_COLUMN, TemplateSpec, load_specs
from aidtools.subsystems import SUBSYSTEMS, UNKNOWN, SubsystemOf, students_of
from aidtools.writing.private import private_dir, write_failure_reason

log = logging.getLogger(__name__)

REREAD_THREADS = 2  # source files read again at once for the held-back rows' values as typed
MERGE_RULES = ("file.superseded", "merge.duplicate_across_files", "write.failed")
NUMERIC_TYPES = ("int", "amount", "decimal")
# Where a row came from, carried beside the template's columns (names cannot clash with Chinese headers).
META = ["_source", "_path", "_sha256", "_sheet", "_row", "_department", "_subsystem"]
class AccountingError(RuntimeError):
    """Rows read and rows written out do not add up: a bug, never a data problem."""


@dataclass
class SubsystemMerge:
    """One subsystem's import workbook of a template, with its held-back workbook and provenance."""

    subsystem: str
    rows_read: int = 0
    rows_merged: int = 0
    rows_held_back: int = 0
    rows_superseded: int = 0
    path: Path | None = None
    held_back_path: Path | None = None
    provenance_path: Path | None = None


@dataclass
class TemplateMerge:
    """One template's import workbook and its totals."""

    template: str
    title: str
    rows_read: int = 0
    rows_merged: int = 0
    rows_held_back: int = 0
    rows_superseded: int = 0
    rows_duplicate: int = 0  # of rows_held_back: records another file also carried
    rows_held_back_rec: int = 0  # of rows_held_back: held back for a reconciliation error
    official_template: str | None = None
    parts: dict[str, SubsystemMerge] = field(default_factory=dict)  # subsystem -> its files and counts
    files: list[FileAccount] = field(default_factory=list)

    def to_record(self, relative_to=None) -> MergedTemplate:
        """The run report's entry; paths relative to ``relative_to`` (``/`` separators) when given."""
        def as_str(path):
            return None if path is None else _shown(path, relative_to)

        parts = [SubsystemPart(subsystem=p.subsystem, rows_read=p.rows_read, rows_merged=p.rows_merged,
                               rows_held_back=p.rows_held_back, rows_superseded=p.rows_superseded,
                               path=as_str(p.path), held_back_path=as_str(p.held_back_path),
                               provenance_path=as_str(p.provenance_path)) for p in self.parts.values()]
        return MergedTemplate(
            template=self.template, title=self.title, rows_read=self.rows_read, rows_merged=self.rows_merged,
            rows_held_back=self.rows_held_back, rows_superseded=self.rows_superseded,
            rows_duplicate=self.rows_duplicate, rows_held_back_rec=self.rows_held_back_rec,
            official_template=self.official_template, parts=parts, files=[dataclasses.replace(f) for f in self.files])


@dataclass
class MergeResult:
    templates: dict[str, TemplateMerge] = field(default_factory=dict)
    files: list[FileAccount] = field(default_factory=list)  # every input file, in input order
    findings: pd.DataFrame = field(default_factory=F.empty_frame)  # file.superseded, merge.duplicate_across_files
    notes: list[str] = field(default_factory=list)  # said to the user (Chinese)

    @property
    def superseded(self) -> list[str]:
        """Display paths of the files a newer resubmission replaced (never merged)."""
        return [a.path for a in self.files if a.status == "superseded"]

    def to_record(self, relative_to=None) -> dict[str, MergedTemplate]:
        """``{template: MergedTemplate}``: the ``merge`` part of the run report."""
        return {template: merged.to_record(relative_to) for template, merged in self.templates.items()}


def _shown(path, relative_to) -> str:
    path = Path(path)
    if relative_to is not None:
        try:
            return path.resolve().relative_to(Path(relative_to).resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def merge_reports(reports, out_dir, hold_back_files: bool = False, template_file=None, specs=None,
                  limits=DEFAULT_LIMITS, annotate: bool = True, supersessions=None,
                  reconciliation: pd.DataFrame | None = None) -> MergeResult:
    """Merge the checked files ``reports`` into ``out_dir``: per template an import workbook, its
    provenance sidecar and, when rows are held back, a held-back workbook.

    ``template_file``: the official template (path or :class:`OfficialTemplate`) for the template it
    matches; a header that differs from the spec raises :class:`OfficialTemplateError` before anything
    is written. ``annotate``: add this merge's findings (``file.superseded``,
    ``merge.duplicate_across_files``) to the reports' findings, replacing those of an earlier merge.
    ``supersessions``: the resubmissions found already (:func:`.resubmissions.find_supersessions`).
    ``reconciliation``: the reconciliation's findings frame; every record an error of it rests on is
    held back too (group-level findings about a programme × college hold none).
    """
    specs = specs or load_specs()
    reports = list(reports)
    official = template_file
    if template_file is not None and not isinstance(template_file, OfficialTemplate):
        official = load_official_template(template_file, specs, limits)
    out_dir = private_dir(out_dir)
    result = MergeResult(notes=[official.note] if official is not None and official.note else [])
    if supersessions is None:
        supersessions = find_supersessions(reports, specs)
    supersessions = {s.old: s for s in supersessions}
    found = {s.old: [F.to_frame([superseded_finding(reports, s)])] for s in supersessions.values()}

    by_template: dict[str, list[int]] = {}
    accounts: dict[int, FileAccount] = {}
    for index, report in enumerate(reports):
        if report.template in specs and report.table is not None:
            by_template.setdefault(report.template, []).append(index)
        else:
            accounts[index] = FileAccount(
                path=report.display_path, department=report.department, template=report.template,
                sha256=report.sha256, status="unusable", rows_read=int(report.rows), reason=unusable_reason(report))
    context = _Context(supersessions=supersessions, hold_back_files=hold_back_files, limits=limits, out_dir=out_dir,
                       subsystem_of=SubsystemOf.from_students(students_of(
                           [r for i, r in enumerate(reports) if i not in supersessions])),
                       rec_reasons=rec_reasons(reconciliation))
    for template in [t for t in specs if t in by_template]:
        spec = specs[template]
        use_official = official if official is not None and official.spec.id == template else None
        merged, file_accounts, duplicates = _merge_template(spec, reports, by_template[template], use_official, context)
        result.templates[template] = merged
        accounts.update(file_accounts)
        for index, frame in duplicates.items():
            found.setdefault(index, []).append(frame)
    for merged in result.templates.values():
        unknown = merged.parts.get(UNKNOWN)
        if unknown is not None and unknown.rows_read:
            result.notes.append(f"“{merged.title}”有 {unknown.rows_read} 行无法确定属于本专科还是研究生子系统（在校生库中没有"
                                f"这些学生，或没有在校生数据），放在“{UNKNOWN}”文件夹中，请核对后再导入。")
    if official is not None and official.spec.id not in by_template:
        result.notes.append(f"官方模板“{official.path.name}”对应的“{official.spec.title}”没有可合并的文件，未使用。")
    result.files = [accounts[i] for i in range(len(reports))]
    result.findings = F.concat([frame for i in sorted(found) for frame in found[i]])
    if annotate:
        for index, report in enumerate(reports):
            of_a_merge = report.findings["rule"].isin(MERGE_RULES)
            if index not in found and not of_a_merge.any():
                continue  # no merge finding, before or now: its findings stay as they are
            report.findings = F.concat([report.findings[~of_a_merge], *found.get(index, [])])
    check_accounting(result)
    return result


def unusable_reason(report) -> str | None:
    """Why a file cannot be merged: its first file-level errors, without the file name they may start
    with (the account names the file already).

    >>> import pandas as pd
    >>> from pathlib import Path
    >>> from aidtools.validate import FileReport
    >>> r = FileReport(path=Path("文学院/坏.xlsx"), display_path="文学院/坏.xlsx", department="文学院",
    ...                findings=F.to_frame([F.Finding(rule="file.unreadable", severity="error",
    ...                                               message="坏.xlsx：文件内容不是Excel工作簿。")]))
    >>> unusable_reason(r)
    '文件内容不是Excel工作簿。'
    """
    errors = report.findings.loc[report.findings["severity"] == "error", "message"].head(3).astype(str)
    names = tuple(dict.fromkeys(f"{name}{sep}" for name in (report.path.name, report.display_path) for sep in "：:"))
    reasons = [m[len(next(n for n in names if m.startswith(n))):] if m.startswith(names) else m for m in errors]
    return "；".join(r.strip() for r in reasons if r.strip()) or None


@dataclass
class _Context:
    """What every template's merge needs to know about the whole batch."""

    supersessions: dict
    hold_back_files: bool
    limits: object
    out_dir: Path
    subsystem_of: SubsystemOf
    rec_reasons: pd.DataFrame  # path, row, line: records a reconciliation error rests on


def _merge_template(spec, reports, indices, official, ctx: _Context):
    """One template: split each file's rows, merge, set duplicates aside, write per subsystem, account."""
    accounts: dict[int, FileAccount] = {}
    candidates, held, whole_file, superseded = [], [], {}, []
    for index in indices:
        report = reports[index]
        accounts[index] = FileAccount(path=report.display_path, department=report.department, template=spec.id,
                                      sha256=report.sha256, status="merged", rows_read=len(report.table))
        if index in ctx.supersessions:
            accounts[index].status, accounts[index].rows_superseded = "superseded", len(report.table)
            accounts[index].superseded_by = reports[ctx.supersessions[index].new].display_path
            superseded.append(ctx.subsystem_of.rows(report.table, spec.subsystem))
            continue
        to_merge, kept_back, reason = _split(report, spec, index, ctx)
        candidates.append(to_merge)
        held.append(kept_back)
        if reason:
            whole_file[index] = accounts[index].reason = reason

    merged = _sort(pd.concat(candidates, ignore_index=True) if candidates else _with_source(None, spec, None, -1), spec)
    merged, duplicates, duplicate_findings = _cross_file_duplicates(merged, spec)
    held = [h for h in held + [duplicates] if len(h)]
    held_rows = None
    if held:
        held_rows = _with_original_values(pd.concat(held, ignore_index=True), spec, reports, ctx.limits)
        held_rows = held_rows.sort_values(["_path", "_source", "_row"], kind="stable").reset_index(drop=True)
        # Duplicates of another file's records were not held back for a reconciliation error.
        held_rows["_rec"] = held_rows.reindex(columns=["_rec"])["_rec"].astype(object).fillna(False).astype(bool)
    if merged[["_source", "_row"]].duplicated().any():
        raise AccountingError(f"{spec.id}: 同一来源行被合并了两次")
    _settle(accounts, merged, held_rows, whole_file)

    in_path_order = sorted(indices, key=lambda i: (reports[i].display_path, i))
    outcome = TemplateMerge(template=spec.id, title=spec.title, files=[accounts[i] for i in in_path_order],
                            official_template=str(official.path) if official is not None else None,
                            rows_duplicate=len(duplicates),
                            rows_held_back_rec=int(held_rows["_rec"].sum()) if held_rows is not None else 0)
    for name in ("rows_read", "rows_merged", "rows_held_back", "rows_superseded"):
        setattr(outcome, name, sum(getattr(a, name) for a in outcome.files))
    superseded = pd.concat(superseded, ignore_index=True) if superseded else pd.Series(dtype=object)
    for index, frame in _write_outputs(outcome, spec, merged, held_rows, superseded, ctx.out_dir, official).items():
        duplicate_findings.setdefault(index, F.empty_frame())
        duplicate_findings[index] = F.concat([duplicate_findings[index], frame])
    log.info("合并%s：读取%d行 = 导入%d + 暂缓%d + 被取代%d", spec.id, outcome.rows_read, outcome.rows_merged,
             outcome.rows_held_back, outcome.rows_superseded)
    return outcome, accounts, duplicate_findings


def _split(report, spec: TemplateSpec, index: int, ctx: _Context):
    """A file's rows: (to merge, held back with their reasons, why the whole file is held back or None).

    Held back: rows with a check error, rows a reconciliation error rests on, or every row."""
    part = _with_source(report.table, spec, report, index)
    part["_subsystem"] = ctx.subsystem_of.rows(report.table, spec.subsystem).to_numpy(dtype=object)
    file_errors = report.file_level_errors()
    whole = None
    if len(file_errors):
        whole = "整个文件暂缓导入：" + "；".join(file_errors["message"])
    elif ctx.hold_back_files and report.errors:
        whole = f"整个文件暂缓导入：本文件有{report.errors}个错误（按“有错误的文件整体暂缓”设置，不导入其中任何一行）。"
    rec = ctx.rec_reasons[ctx.rec_reasons["path"] == report.display_path].set_index("row")["line"]
    on_rec = part["_row"].isin(rec.index).to_numpy()
    hold = np.ones(len(part), dtype=bool) if whole else (part["_row"].isin(report.error_rows()).to_numpy() | on_rec)
    kept_back = part[hold].copy()
    rows = kept_back["_row"].to_numpy()
    checks = _row_reasons(report, rows).reindex(rows).fillna("").to_numpy(dtype=object)
    reasons = pd.Series(checks, index=kept_back.index, dtype=object).str.cat(
        pd.Series(rec.reindex(rows).fillna("").to_numpy(dtype=object), index=kept_back.index), sep="\n").str.strip()
    kept_back["reasons"] = (whole + "\n" + reasons).str.strip() if whole else reasons
    kept_back["_rec"] = on_rec[hold]
    return part[~hold], kept_back, whole


def rec_reasons(findings: pd.DataFrame | None) -> pd.DataFrame:
    """path, row, line for every record a reconciliation error rests on (group-level rules excluded): the
    line names the rule, says what is wrong and lists the other records involved."""
    columns = ["path", "row", "line"]
    if findings is None or not len(findings):
        return pd.DataFrame(columns=columns)
    record_level = findings["rule"].map(lambda r: not RULES[r].group if r in RULES else True).astype(bool)
    errors = findings[(findings["severity"] == "error") & record_level]
    exploded = errors[["rule", "message", "sources"]].explode("sources")
    exploded = exploded[exploded["sources"].notna()]
    if not len(exploded):
        return pd.DataFrame(columns=columns)
    where = pd.Series([f"{s['path']}第{s['row']}行" for s in exploded["sources"]], index=exploded.index)
    involved = where.groupby(level=0).agg(lambda w: "、".join(w) if len(w) > 1 else "")
    title = exploded["rule"].map(lambda r: RULES[r].title if r in RULES else r)
    line = ("【对账错误】" + title + "（" + exploded["rule"] + "）：" + exploded["message"].astype(str)
            + involved.reindex(exploded.index).map(lambda w: f"（涉及的记录：{w}）" if w else ""))
    out = pd.DataFrame({"path": [s["path"] for s in exploded["sources"]],
                        "row": [int(s["row"]) for s in exploded["sources"]], "line": line.to_numpy(dtype=object)})
    return out.groupby(["path", "row"], as_index=False, sort=False)["line"].agg("\n".join)


def _settle(accounts: dict[int, FileAccount], merged, held_rows, whole_file: dict[int, str]) -> None:
    """Each file's merged and held-back counts and its status."""
    merged_counts = merged["_source"].value_counts()
    held_counts = held_rows["_source"].value_counts() if held_rows is not None else pd.Series(dtype=int)
    for index, account in accounts.items():
        if account.status == "superseded":
            continue
        account.rows_merged = int(merged_counts.get(index, 0))
        account.rows_held_back = int(held_counts.get(index, 0))
        if index in whole_file or (account.rows_held_back and not account.rows_merged):
            account.status = "held_back"
        else:
            account.status = "partly_held_back" if account.rows_held_back else "merged"


def _write_outputs(outcome: TemplateMerge, spec: TemplateSpec, merged, held_rows, superseded: pd.Series,
                   out_dir: Path, official) -> dict[int, pd.DataFrame]:
    """Per subsystem (``OUT/本专科/``, ``OUT/研究生/``, ``OUT/子系统未定/``): the import workbook, its
    provenance sidecar and the held-back workbook (an earlier run's files of a subsystem that has no
    rows now are removed, so nothing stale is left to import).

    A subsystem whose files cannot be written leaves none of them (no path in the report) and gives
    each source file of its rows a ``write.failed`` finding, returned by source index; the other
    subsystems and templates are written all the same."""
    failed: dict[int, pd.DataFrame] = {}
    suffix = official.suffix if official is not None else ".xlsx"
    held = held_rows if held_rows is not None else merged.iloc[0:0].assign(reasons=None)
    present = set(merged["_subsystem"]) | set(held["_subsystem"]) | set(superseded)
    for subsystem in [*SUBSYSTEMS, UNKNOWN]:
        folder = out_dir / subsystem
        names = output_names(spec, suffix)
        for name in legacy_names(spec, suffix):
            (folder / name).unlink(missing_ok=True)
        if subsystem not in present:
            for name in names:
                (folder / name).unlink(missing_ok=True)
            continue
        folder = private_dir(folder)
        mine, kept_back = merged[merged["_subsystem"] == subsystem], held[held["_subsystem"] == subsystem]
        part = SubsystemMerge(subsystem=subsystem, rows_merged=len(mine), rows_held_back=len(kept_back),
                              rows_superseded=int((superseded == subsystem).sum()))
        part.rows_read = part.rows_merged + part.rows_held_back + part.rows_superseded
        try:
            _write_part(part, spec, mine, kept_back, folder, names, official)
        except Exception as exc:  # one part's files never stop the merge
            log.debug("未能写入 %s/%s", subsystem, names[0], exc_info=True)
            for name in names:
                with contextlib.suppress(OSError):  # what is in the way may not be a file at all
                    (folder / name).unlink(missing_ok=True)
            part.path = part.provenance_path = part.held_back_path = None
            message = (f"未能生成“{spec.title}”{subsystem}的导入文件（{names[0]}）：{write_failure_reason(exc)}"
                       "本文件在其中的行没有写入任何导入文件，请处理后重新运行。")
            rows = pd.concat([mine, kept_back])
            for source, path in rows.groupby("_source")["_path"].first().items():
                failed[int(source)] = F.to_frame([F.Finding(rule="write.failed", message=message, path=path,
                                                            severity=RULES["write.failed"].severity)])
        outcome.parts[subsystem] = part
    return failed


def _write_part(part: SubsystemMerge, spec, mine, kept_back, folder: Path, names, official) -> None:
    part.path = write_import_workbook(spec, mine, folder / names[0], official)
    provenance = pd.DataFrame({
        "import_row": np.arange(spec.first_data_row, spec.first_data_row + len(mine)),
        "path": mine["_path"], "sha256": mine["_sha256"], "sheet": mine["_sheet"],
        "source_row": mine["_row"], "department": mine["_department"],
    })
    part.provenance_path = write_provenance(provenance, folder / names[1])
    if len(kept_back):
        part.held_back_path = write_held_back(spec, _held_columns(kept_back), folder / names[2])
    else:
        (folder / names[2]).unlink(missing_ok=True)


def _with_source(table, spec: TemplateSpec, report, index: int) -> pd.DataFrame:
    """The template's columns (by header) of a normalised table, plus where each row came from."""
    if table is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in spec.headers + META})
    part = pd.DataFrame({h: (table[c.key] if c.key in table.columns else None) for h, c in
                         ((c.header, c) for c in spec.columns)}, index=table.index).astype(object)
    part = part.where(part.notna(), None)
    part["_source"] = index
    part["_path"] = report.display_path
    part["_sha256"] = report.sha256
    part["_sheet"] = report.sheet
    part["_row"] = table[ROW_COLUMN].astype(int).to_numpy()
    part["_department"] = report.department
    return part.reset_index(drop=True)


def _row_reasons(report, rows) -> pd.Series:
    """Excel row (of ``rows``) -> the row's errors and warnings, one per line, each with its cell."""
    f = report.findings
    f = f[f["severity"].isin(["error", "warning"]) & f["row"].isin(rows)]
    if not len(f):
        return pd.Series(dtype=object)
    rows = f["row"].astype(int)
    level = "【" + f["severity"].map(F.severity_label) + "】"
    cell = f["column"].fillna("").astype(str) + rows.astype(str) + np.where(
        f["field"].notna(), "“" + f["field"].fillna("").astype(str) + "”", "")
    where = pd.Series(np.where(f["column"].notna(), cell, "第" + rows.astype(str) + "行"), index=f.index)
    lines = level + where + "：" + f["message"].astype(str)
    return lines.groupby(rows).agg("\n".join)


def unique_headers(spec: TemplateSpec) -> list[str]:
    """The template's unique-key columns, first key first, each once."""
    return list(dict.fromkeys(h for key in spec.unique for h in key))


def _sort(frame: pd.DataFrame, spec: TemplateSpec) -> pd.DataFrame:
    """Unique-key columns (numbers as numbers), then source path, row and input order: stable across runs."""
    numeric = {h for h in unique_headers(spec) if spec.column(h).type in NUMERIC_TYPES} | {"_row", "_source"}

    def key(values: pd.Series) -> pd.Series:
        return pd.to_numeric(values, errors="coerce") if values.name in numeric else values.astype("string")

    by = unique_headers(spec) + ["_path", "_row", "_source"]
    return frame.sort_values(by, key=key, na_position="last", kind="stable").reset_index(drop=True)


def _cross_file_duplicates(merged: pd.DataFrame, spec: TemplateSpec):
    """Rows whose unique key an earlier (by sort order) row from another file already has.

    Returns (rows kept, rows set aside with their reasons, {source index: findings frame}).
    """
    dropped = np.zeros(len(merged), dtype=bool)
    reasons = pd.Series("", index=merged.index, dtype=object)
    frames = []
    for key in spec.unique:
        live = merged[~dropped & merged[key].notna().all(axis=1).to_numpy()]
        repeat = live.duplicated(subset=key, keep="first")
        if not repeat.any():
            continue
        first = pd.Series(live.index, index=live.index).groupby([live[h] for h in key], sort=False).transform("first")
        dup_index, kept_index = live.index[repeat.to_numpy()], first[repeat].to_numpy()
        dup, kept = merged.loc[dup_index], merged.loc[kept_index]
        same = (dup[spec.headers].fillna("").to_numpy() == kept[spec.headers].fillna("").to_numpy()).all(axis=1)
        label = "+".join(key)
        kept_at = "“" + kept["_path"].to_numpy() + "”第" + kept["_row"].astype(str).to_numpy() + "行"
        dup_at = "“" + dup["_path"].to_numpy() + "”第" + dup["_row"].astype(str).to_numpy() + "行"
        message = (f"“{label}”与" + kept_at + np.where(same, "相同，内容完全一致。", "相同，但其他内容不一致，请核对哪一条正确。")
                   + "同一记录只导入一次：已导入" + kept_at + "，本行（" + dup_at + "）暂缓导入。")
        frame = pd.DataFrame({
            "rule": "merge.duplicate_across_files", "severity": RULES["merge.duplicate_across_files"].severity,
            "message": message, "path": dup["_path"].to_numpy(), "sheet": dup["_sheet"].to_numpy(),
            "row": dup["_row"].to_numpy(), "column": column_letter(spec.headers.index(key[0])), "field": key[0],
            "value": mask_series(dup[key[0]].reset_index(drop=True), spec.column(key[0]).personal_kind).to_numpy(),
            "_source": dup["_source"].to_numpy(),
        })
        frames.append(frame)
        reasons[dup_index] = f"【{F.severity_label('warning')}】" + pd.Series(message, index=dup_index)
        dropped[merged.index.get_indexer(dup_index)] = True
    set_aside = merged[dropped].copy()
    set_aside["reasons"] = reasons[dropped]
    by_source = {}
    if frames:
        every = pd.concat(frames, ignore_index=True)
        for index, part in every.groupby("_source", sort=True):
            by_source[int(index)] = F.normalise_frame(part.drop(columns="_source").reset_index(drop=True))
    return merged[~dropped].reset_index(drop=True), set_aside.reset_index(drop=True), by_source


def _with_original_values(held: pd.DataFrame, spec: TemplateSpec, reports, limits) -> pd.DataFrame:
    """Replace the normalised values of held-back rows by the values as typed in the source file."""
    groups = list(held.groupby("_source", sort=False))
    # Each file is read again (python-calamine parses without the GIL): two at a time.
    with ThreadPoolExecutor(max_workers=REREAD_THREADS) as pool:
        typed_values = list(pool.map(lambda group: original_values(reports[int(group[0])], spec,
                                                                   group[1]["_row"].unique(), limits), groups))
    parts = []
    for (index, part), typed in zip(groups, typed_values):
        if typed is None:
            parts.append(part.assign(reasons=part["reasons"] + "\n（源文件在检查后被修改或无法再次读取，"
                                                              "以上列出的是检查时规范化后的值）"))
            continue
        values = typed.reindex(part["_row"].to_numpy())[spec.headers].astype(object)
        values.index = part.index
        parts.append(pd.concat([part.drop(columns=spec.headers), values.where(values.notna(), None)], axis=1))
    return pd.concat(parts)[held.columns]


def _held_columns(held: pd.DataFrame) -> pd.DataFrame:
    return held.rename(columns={"_department": "department", "_path": "path", "_sheet": "sheet", "_row": "source_row"})


def check_accounting(result: MergeResult) -> None:
    """Raise :class:`AccountingError` unless read = merged + held back + superseded, per file and per template."""
    problems = []
    for account in result.files:
        if account.rows_read != account.rows_merged + account.rows_held_back + account.rows_superseded:
            problems.append(f"{account.path}: 读取{account.rows_read}行 ≠ 导入{account.rows_merged} + 暂缓"
                            f"{account.rows_held_back} + 被取代{account.rows_superseded}")
    for template, merged in result.templates.items():
        for name in ("rows_read", "rows_merged", "rows_held_back", "rows_superseded"):
            if getattr(merged, name) != sum(getattr(a, name) for a in merged.files):
                problems.append(f"{template}: {name} 与各文件之和不符")
        if merged.rows_read != merged.rows_merged + merged.rows_held_back + merged.rows_superseded:
            problems.append(f"{template}: 读取{merged.rows_read}行 ≠ 导入 + 暂缓 + 被取代")
        for name in ("rows_read", "rows_merged", "rows_held_back", "rows_superseded"):
            if getattr(merged, name) != sum(getattr(p, name) for p in merged.parts.values()):
                problems.append(f"{template}: {name} 与各子系统之和不符")
    if problems:
        raise AccountingError("合并行数对不上：" + "；".join(problems))

