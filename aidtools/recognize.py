"""Which template is this workbook? Decided from the header row, whatever the file is called.

The best (sheet, spec) pair by header overlap wins. Close enough (half the headers or more in
common) is that template with a precise list of differences; less is ``file.unknown_template``
naming the closest template and what differs.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pandas as pd

from aidtools.findings import Finding
from aidtools.normalize import clean_series
from aidtools.reading.model import Workbook
from aidtools.reading.xlsx_parts import column_letter
from aidtools.rules import RULES
from aidtools.specs import TemplateSpec

MATCH_THRESHOLD = 0.5


@dataclass
class Recognition:
    spec: TemplateSpec | None
    sheet: str | None
    headers: list[str] = field(default_factory=list)  # the sheet's header row as found
    column_map: dict[str, int] = field(default_factory=dict)  # spec header -> 0-based column in the sheet
    findings: list[Finding] = field(default_factory=list)
    score: float = 0.0


def header_row(rows: list[list], spec: TemplateSpec) -> list[str]:
    index = spec.header_row - 1
    if index >= len(rows):
        return []
    # One vectorised clean over the row (per-cell clean_text cost ~10 ms a cell, per spec and sheet).
    # A line break inside a header cell only lays the header out on two lines: it is not part of the name.
    raw = pd.Series(["" if v is None else str(v).replace("\r", "").replace("\n", "") for v in rows[index]], dtype=object)
    cells = clean_series(raw).tolist() if len(raw) else []
    while cells and not cells[-1]:
        cells.pop()
    return cells


def expected_headers(found: list[str], spec: TemplateSpec) -> list[str]:
    """The spec's headers this file must have: a column that may be absent counts only when present."""
    return [c.header for c in spec.columns if not c.may_be_absent or c.header in found]


def _score(found: list[str], spec: TemplateSpec) -> float:
    found_set = {h for h in found if h}
    want = set(expected_headers(found, spec))
    if not found_set:
        return 0.0
    return len(found_set & want) / len(found_set | want)


def _previous_score(found: list[str], spec: TemplateSpec) -> float:
    """How well the header matches the spec's previous version (last year's template), if it has one."""
    previous = (spec.previous or {}).get("headers")
    found_set = {h for h in found if h}
    if not previous or not found_set:
        return 0.0
    want = set(previous)
    return len(found_set & want) / len(found_set | want)


def previous_findings(found: list[str], spec: TemplateSpec, display_path: str, sheet: str) -> list[Finding]:
    """A file filled on last year's template: each column to change, said as such."""
    renamed = dict((spec.previous or {}).get("renamed") or {})
    version = (spec.previous or {}).get("version", "")
    intro = f"这是按上一版模板（版本{version}）填写的文件，今年的模板（版本{spec.version}）"
    rule = RULES["template.previous_version"]
    out = []
    translated = []
    for k, h in enumerate(found):
        if h in renamed and renamed[h] not in found:
            out.append(Finding(rule="template.previous_version", severity=rule.severity, path=display_path, sheet=sheet,
                               row=spec.header_row, column=column_letter(k), field=h,
                               message=f"{intro}把第{k + 1}列“{h}”改名为“{renamed[h]}”：请把表头改为“{renamed[h]}”。"))
            translated.append(renamed[h])
        else:
            translated.append(h)
    for col, text in differences(translated, spec):
        out.append(Finding(rule="template.previous_version", severity=rule.severity, path=display_path, sheet=sheet,
                           row=spec.header_row, column=column_letter(col) if col is not None else None,
                           field=found[col] if col is not None and col < len(found) else None,
                           message=f"{intro}与它不同：{text}。请改用今年的模板（国家系统导入时会报“数据标题错误/行列不一致”）。"))
    return out


def differences(found: list[str], spec: TemplateSpec) -> list[tuple[int | None, str]]:
    """Each difference as (0-based column in the file or None, Chinese description)."""
    want = expected_headers(found, spec)
    out: list[tuple[int | None, str]] = []
    matcher = difflib.SequenceMatcher(a=want, b=found, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and (a1 - a0) == (b1 - b0):
            for k in range(a1 - a0):
                w, f = want[a0 + k], found[b0 + k]
                if f in want:
                    out.append((b0 + k, f"第{b0 + k + 1}列应为“{w}”，实际为“{f}”（列的顺序被调换）"))
                elif f == "":
                    out.append((b0 + k, f"第{b0 + k + 1}列表头为空，应为“{w}”"))
                else:
                    out.append((b0 + k, f"第{b0 + k + 1}列表头“{f}”应为“{w}”（列被改名）"))
            continue
        for k in range(a0, a1):
            w = want[k]
            if w in found:
                out.append((found.index(w), f"列“{w}”位置不对：应在第{k + 1}列，实际在第{found.index(w) + 1}列"))
            else:
                out.append((None, f"缺少列“{w}”（应在第{k + 1}列）"))
        for k in range(b0, b1):
            f = found[k]
            if f not in want:
                out.append((k, f"多出列“{f}”（第{k + 1}列），模板中没有这一列" if f else f"第{k + 1}列表头为空但有内容"))
    # A column both deleted and re-added elsewhere is reported once.
    seen, unique = set(), []
    for item in out:
        if item[1] not in seen:
            seen.add(item[1])
            unique.append(item)
    return unique


def recognise(book: Workbook, specs: dict[str, TemplateSpec], display_path: str) -> Recognition:
    best: tuple[float, int, str, TemplateSpec] | None = None
    depth = max((spec.header_row for spec in specs.values()), default=1)
    for order, sheet_name in enumerate(book.sheet_names):
        rows = book.sheets[sheet_name].head(depth)
        by_row: dict[int, list[str]] = {}  # most specs share header row 1: clean it once per sheet
        for spec in specs.values():
            if spec.header_row not in by_row:
                by_row[spec.header_row] = header_row(rows, spec)
            found = by_row[spec.header_row]
            score = max(_score(found, spec), _previous_score(found, spec))
            # Prefer the higher score, then the sheet named as the template wants, then the earlier sheet.
            key = (score, sheet_name == spec.sheet, -order)
            if best is None or key > (best[0], best[2] == best[3].sheet, -best[1]):
                best = (score, order, sheet_name, spec)
    if best is None or best[0] == 0:
        return Recognition(None, None, findings=[Finding(
            rule="file.unknown_template", severity=RULES["file.unknown_template"].severity, path=display_path,
            message="找不到任何模板的表头（第1行为空或没有可识别的列名）。请使用资助中心下发的模板填写。")])
    score, _, sheet_name, spec = best
    found = header_row(book.sheets[sheet_name].head(spec.header_row), spec)
    diffs = differences(found, spec)
    if score < MATCH_THRESHOLD:
        listing = "；".join(d for _, d in diffs[:8]) + ("……" if len(diffs) > 8 else "")
        return Recognition(None, sheet_name, headers=found, score=score, findings=[Finding(
            rule="file.unknown_template", severity=RULES["file.unknown_template"].severity, path=display_path,
            sheet=sheet_name, row=spec.header_row,
            message=f"表头不属于任何已知模板。最接近的是“{spec.title}”（{spec.id}），差异：{listing}。"
                    "请使用资助中心下发的模板，不要改动表头。")], )
    rec = Recognition(spec, sheet_name, headers=found, score=score)
    rec.column_map = {h: found.index(h) for h in spec.headers if h in found}
    last_year = _previous_score(found, spec) > _score(found, spec)
    if last_year:  # its renamed columns are still checked, under this year's names
        for old, new in ((spec.previous or {}).get("renamed") or {}).items():
            if old in found and new not in rec.column_map:
                rec.column_map[new] = found.index(old)
    if book.format != "csv" and sheet_name != spec.sheet:
        rec.findings.append(Finding(
            rule="template.sheet_missing", severity=RULES["template.sheet_missing"].severity, path=display_path,
            sheet=sheet_name,
            message=f"缺少工作表“{spec.sheet}”：数据在工作表“{sheet_name}”中。请把工作表改名为“{spec.sheet}”"
                    "（国家系统导入时会报“数据标题错误”）。"))
    if last_year:
        rec.findings.extend(previous_findings(found, spec, display_path, sheet_name))
        diffs = []
    for col, text in diffs:
        rec.findings.append(Finding(
            rule="template.header_mismatch", severity=RULES["template.header_mismatch"].severity, path=display_path,
            sheet=sheet_name, row=spec.header_row, column=column_letter(col) if col is not None else None,
            field=found[col] if col is not None and col < len(found) else None,
            message=f"{text}。请恢复模板原有表头（国家系统导入时会报“数据标题错误/行列不一致”）。"))
    return rec
