"""The rows behind findings, for analysts: a checked file's rows with Chinese headers and personal
columns masked, the rows behind a reconciliation finding, and the rows held back from the merge.

Everything here reads :class:`aidtools.validate.FileReport` objects (the checked files in memory),
not ``report.json``; personal columns (ID numbers, bank cards, mobiles, income) are masked with
:func:`aidtools.masking.mask_series`, so a notebook saved with its outputs holds no full number.
"""
from __future__ import annotations

import pandas as pd

from aidtools.masking import mask_series, mask_text
from aidtools.specs import PERSONAL_BY_TYPE, load_specs
from aidtools.specs import ROW_COLUMN

ROW_LABEL = "行"


def _personal_kind(column) -> str | None:
    return column.personal or PERSONAL_BY_TYPE.get(column.type)


def masked_table(report, specs=None) -> pd.DataFrame:
    """The file's normalised rows: Excel row number first (``行``), template headers, personal data masked."""
    table = getattr(report, "table", None)
    if table is None or report.template is None:
        return pd.DataFrame(columns=[ROW_LABEL])
    specs = specs or load_specs()
    spec = specs.get(report.template)
    out = pd.DataFrame({ROW_LABEL: table[ROW_COLUMN].to_numpy()})
    for column in spec.columns if spec else []:
        if column.key in table.columns:
            out[column.header] = mask_series(table[column.key].astype(object), _personal_kind(column)).to_numpy()
    return out


def _rule_titles() -> dict[str, str]:
    from aidtools.rules import RULES

    return {rid: rule.title for rid, rule in RULES.items()}


def error_rows_marked(report, specs=None) -> pd.DataFrame:
    """:func:`masked_table` with a first column 问题 naming, by their Chinese titles, the rules that hit each row."""
    table = masked_table(report, specs)
    findings = report.findings
    hits = findings[findings["row"].notna()]
    titles = _rule_titles()
    rules = hits.groupby(hits["row"].astype(int))["rule"].agg(
        lambda r: "、".join(titles.get(x, x) for x in sorted(set(r))))
    table.insert(0, "问题", table[ROW_LABEL].map(rules).fillna(""))
    return table


def by_path(reports) -> dict:
    """FileReports by their display path (the path findings and sources name)."""
    return {r.display_path: r for r in reports}


def source_rows(reports, sources, specs=None) -> pd.DataFrame:
    """The rows a reconciliation finding rests on: ``sources`` = [{"path", "row"}], rows masked."""
    files = by_path(reports)
    specs = specs or load_specs()
    frames = []
    for source in sources or []:
        report = files.get(source.get("path"))
        if report is None:
            continue
        table = masked_table(report, specs)
        rows = table[table[ROW_LABEL] == source.get("row")]
        frames.append(rows.assign(文件=report.display_path, 部门=report.department))
    if not frames:
        return pd.DataFrame(columns=["文件", "部门", ROW_LABEL])
    out = pd.concat(frames, ignore_index=True)
    first = ["文件", "部门", ROW_LABEL]
    return out[first + [c for c in out.columns if c not in first]]


def held_back_rows(reports, cross: dict | None = None) -> pd.DataFrame:
    """Every data row the merge holds back for a finding: rows with a check error and, with ``cross``
    (display path -> reconciliation findings on its records), rows a reconciliation error rests on;
    with the rules (Chinese title and id) and messages."""
    columns = ["文件", "部门", "模板", ROW_LABEL, "规则", "说明"]
    titles = _rule_titles()
    frames = []
    cross = cross or {}
    for r in reports:
        f = pd.concat([r.findings, cross.get(r.display_path, r.findings.iloc[0:0])], ignore_index=True)
        errors = f[(f["severity"] == "error") & f["row"].notna()]
        if r.template is None or errors.empty:
            continue
        grouped = errors.groupby(errors["row"].astype(int)).agg(
            规则=("rule", lambda v: "、".join(f"{titles.get(x, x)}（{x}）" for x in sorted(set(v)))),
            说明=("message", lambda v: "；".join(dict.fromkeys(mask_text(m) for m in v))))
        grouped = grouped.rename_axis(ROW_LABEL).reset_index()
        frames.append(grouped.assign(文件=r.display_path, 部门=r.department, 模板=r.title or r.template))
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def reports_findings(reports) -> pd.DataFrame:
    """All findings of the reports in one frame, with the file's department and template; text masked."""
    frames = [r.findings.assign(department=r.department, template=r.template or "（未识别）") for r in reports]
    frames = [f for f in frames if len(f)]
    if not frames:
        from aidtools.findings import empty_frame
        return empty_frame().assign(department=None, template=None)
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].map(lambda v: mask_text(v) if isinstance(v, str) else v)
    out["message"] = out["message"].map(lambda v: mask_text(v) if isinstance(v, str) else v)
    return out


def by_field(frame: pd.DataFrame, at_most: int = 4) -> pd.DataFrame:
    """A few records (at most ``at_most``) one to a column, a field to a row (字段, then 内容 or 记录 1, 记录 2 …),
    so that a record with many fields reads down the page instead of running off its right edge; fields
    empty in every record are left out. More records stay one to a row.

    >>> by_field(pd.DataFrame({"文件": ["a.xlsx"], "行": [3], "备注": [None]})).values.tolist()
    [['文件', 'a.xlsx'], ['行', 3]]
    """
    if frame.empty or len(frame) > at_most:
        return frame
    out = frame.reset_index(drop=True).astype(object).T
    out.columns = ["内容"] if len(frame) == 1 else [f"记录 {k + 1}" for k in range(len(frame))]
    filled = out.apply(lambda column: column.map(lambda v: v is not None and not (isinstance(v, float) and pd.isna(v))
                                                 and str(v).strip() != ""))
    return out[filled.any(axis=1)].rename_axis("字段").reset_index()

