"""Recording a run as a round: its inputs, findings (masked), merge accounting and task progress, in one
transaction.

A finding's identity (``key``) is a digest of its rule, department, template, record and field: the
record is the template's first unique key (``spec.unique[0]``: 学号 + 资助项目 + 资助学年 + 发放批次 …)
read from the row's normalised values, never the row number (a row whose key is blank falls back to
its row); a reconciliation finding's record is its student, programme and academic year, its department
the one it names; a file-level finding's record is empty (the file's department and template). Only
findings of the files in use count: a superseded file's findings are not recorded.
"""
from __future__ import annotations

import hashlib
import json

import pandas as pd
import sqlalchemy as sa

from aidtools.history import tables as T
from aidtools.masking import mask, mask_names, mask_text

_SEP = "\x1f"


def digest(*parts) -> str:
    text = _SEP.join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(("aidtools-history" + _SEP + text).encode("utf-8")).hexdigest()


def short_student_no(value) -> str | None:
    """学号 with its first 3 and last 3 characters (as leaders' pages show it)."""
    if value is None:
        return None
    text = str(value)
    return text[:3] + "*" * (len(text) - 6) + text[-3:] if len(text) > 6 else "*" * len(text)


def _display(value, column) -> str:
    if value is None:
        return ""
    kind = column.personal_kind if column is not None else None
    if column is not None and column.type == "student_no":
        return short_student_no(value)
    if kind:
        return mask(value, kind) or ""
    return mask_names(mask_text(str(value))) or ""


def _clean(value):
    if value is None:
        return None
    if not isinstance(value, (str, list, tuple, dict)) and pd.isna(value):
        return None
    return value


class _KeyReader:
    """The record key of an Excel row of a checked file, from its normalised table."""

    def __init__(self, report, spec):
        self.columns = []
        self.rows = {}
        if spec is None or report.table is None or "_row" not in report.table.columns:
            return
        headers = spec.unique[0] if spec.unique else []
        cols = [spec.column(h) for h in headers if h in spec.headers]
        cols = [c for c in cols if c.key in report.table.columns]
        self.columns = cols
        if cols:
            sub = report.table[["_row"] + [c.key for c in cols]]
            for rec in sub.itertuples(index=False):
                self.rows[int(rec[0])] = tuple(_clean(v) for v in rec[1:])

    def key(self, row) -> tuple[str | None, str | None]:
        """(raw key text for the digest, masked display), or (None, None) for a file-level finding."""
        if row is None:
            return None, None
        values = self.rows.get(int(row))
        if not values or any(v is None or str(v) == "" for v in values):
            return f"行{int(row)}", f"第{int(row)}行"
        raw = _SEP.join(str(v) for v in values)
        shown = " / ".join(_display(v, c) for v, c in zip(values, self.columns))
        return raw, shown


def check_rows(batch, report) -> list[dict]:
    """Every check finding of the files in use, as rows of ``findings``."""
    specs = batch.options.specs
    superseded = batch.superseded
    checked = {r.display_path: r for r in batch.reports}
    out = []
    for f in report.files:
        if f.superseded or f.path in superseded:
            continue
        reader = _KeyReader(checked[f.path], specs.get(f.template)) if f.path in checked else _KeyReader(None, None)
        for x in f.findings:
            raw, shown = reader.key(x.row)
            record_digest = digest(raw) if raw is not None else None
            out.append(dict(
                key=digest("check", x.rule, f.department, f.template, raw, x.field), kind="check", rule=x.rule,
                severity=x.severity, department=f.department, template=f.template, record_digest=record_digest,
                record=shown, field=x.field, path=f.path, row=x.row, value=mask_names(mask_text(x.value)),
                message=mask_names(mask_text(x.message)), caused=False))
    return out


def rec_rows(report) -> list[dict]:
    """Every reconciliation finding, as rows of ``findings``."""
    if report.reconciliation is None:
        return []
    template_of = {f.path: f.template for f in report.files}
    department_of = {f.path: f.department for f in report.files}
    out = []
    for x in report.reconciliation.findings:
        first = x.sources[0] if x.sources else None
        template = template_of.get(first.path) if first else None
        department = x.department or (department_of.get(first.path) if first else None)
        parts = (x.student_no, x.programme, x.academic_year)
        raw = _SEP.join("" if p is None else str(p) for p in parts)
        shown = " / ".join(p for p in (short_student_no(x.student_no), x.programme, x.academic_year) if p)
        out.append(dict(
            key=digest("rec", x.rule, department, template, raw), kind="rec", rule=x.rule, severity=x.severity,
            department=department, template=template, record_digest=digest(raw), record=shown or None, field=None,
            path=first.path if first else None, row=first.row if first else None,
            value=mask_names(mask_text(x.value)), message=mask_names(mask_text(x.message)),
            caused=bool(x.caused_by)))
    return out


def next_round(conn) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(T.rounds.c.round), 0))).scalar()) + 1


def record(store, batch, report, run=None) -> int:
    """Record ``report`` (with the ``batch`` it came from) as the next round; returns its number. With
    ``run`` (:class:`~aidtools.history.settle.Run`) the round is pending until :func:`~aidtools.history.settle.confirm`
    says the run's output is in place; without, it is complete at once."""
    import datetime as dt

    from aidtools.history.settle import run_columns

    used = {r.display_path for r in batch.in_use()}
    rows_of = {r.display_path: int(r.rows) for r in batch.reports}
    checks, recs = check_rows(batch, report), rec_rows(report)
    s = report.summary
    with store.write() as conn:
        number = next_round(conn)
        conn.execute(T.rounds.insert().values(
            round=number, recorded_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            as_of=report.as_of, command=report.command, submissions=report.submissions,
            aidtools_version=report.aidtools_version,
            specs_version=json.dumps({k: f"{v.version} {v.digest}" for k, v in report.versions.specs.items()},
                                     ensure_ascii=False, sort_keys=True),
            policy_version=report.versions.policy, files=s.files, rows=s.rows, errors=s.errors,
            rec_errors=s.rec_errors, **run_columns(run)))
        files = {f.path: f for f in report.files}
        inputs = [dict(round=number, path=i.path, department=files[i.path].department if i.path in files else None,
                       template=files[i.path].template if i.path in files else None, sha256=i.sha256,
                       size=i.size, modified=i.modified, rows=rows_of.get(i.path, 0), superseded=i.path not in used)
                  for i in report.inputs]
        if inputs:
            conn.execute(T.inputs.insert(), inputs)
        found = [dict(row, round=number) for row in checks + recs]
        if found:
            conn.execute(T.findings.insert(), found)
        accounts = [dict(round=number, template=a.template, path=a.path, department=a.department, status=a.status,
                         rows_read=a.rows_read, rows_merged=a.rows_merged, rows_held_back=a.rows_held_back,
                         rows_superseded=a.rows_superseded)
                    for m in report.merge.values() for a in m.files]
        if accounts:
            conn.execute(T.merge_accounts.insert(), accounts)
        items = [dict(round=number, subsystem=p.subsystem, item=p.item, template=p.template, programme=p.programme,
                      department=p.department, deadline=p.deadline, status=p.status, files=p.files, errors=p.errors,
                      rec_errors=p.rec_errors, days_overdue=p.days_overdue) for p in report.progress]
        if items:
            conn.execute(T.progress.insert(), items)
    return number
