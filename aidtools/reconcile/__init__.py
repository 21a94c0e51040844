"""Reconciliation across the tables (两线三库): enrolled students, difficulty recognition,
disbursements, loans and fund allocations, after the cell checks.

:func:`reconcile` takes the :class:`~aidtools.validate.FileReport` of every checked file, stacks each
template's rows (:mod:`.tables`), keys them by student and year (:mod:`.context`) and runs the
``rec.*`` rules of ``data/rules.yaml``: who is who (:mod:`.identity`), who may receive what
(:mod:`.eligibility`), how much and how often (:mod:`.amounts`), money allocated against paid
(:mod:`.funds`) and who may send which campus' records (:mod:`.campus`); then the figures for
reports and dashboards (:mod:`.figures`).

Every row whose key fields are valid takes part, whatever other cells of it failed: a bad cell
elsewhere does not hide a reconciliation fault, and a row whose 学号 is invalid cannot be joined
and is left to its cell findings.

>>> result = reconcile([])
>>> len(result.findings), result.errors
(0, 0)
>>> result.figures.totals.enrolled
0
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import pandas as pd

from aidtools import findings as F
from aidtools.reconcile import amounts, campus, eligibility, funds, identity
from aidtools.reconcile.context import Context, build_context
from aidtools.reconcile.figures import figures as build_figures
from aidtools.reconcile.results import combine
from aidtools.reconcile.tables import TEMPLATES, gather
from aidtools.report import Figures, ReconciliationResult

log = logging.getLogger(__name__)

__all__ = ["reconcile", "reconcile_tables", "Reconciliation", "TEMPLATES", "gather"]


@dataclass
class Reconciliation:
    """Findings (a findings frame, :data:`aidtools.findings.FIELDS`), figures and the tables used.

    Counts (:meth:`count`, :attr:`errors`) leave out findings a check error explains (``caused_by``):
    those count as their cause."""

    findings: pd.DataFrame
    figures: Figures
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def count(self, severity: str) -> int:
        return F.count(F.independent(self.findings), severity)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    def to_record(self) -> ReconciliationResult:
        """The reconciliation as the run report holds it."""
        return ReconciliationResult(findings=F.from_frame(self.findings), figures=self.figures)


def reconcile_tables(tables: dict[str, pd.DataFrame], as_of: dt.date | None = None,
                     school: str | None = None) -> Reconciliation:
    """Reconcile already gathered tables (see :func:`.tables.gather`)."""
    ctx: Context = build_context(tables, as_of=as_of, school=school)
    found = []
    for module in (identity, eligibility, amounts, funds, campus):
        found.extend(module.check(ctx))
    findings = combine(found)
    log.info("对账完成：%d 条错误，%d 条警告，%d 条提示", (findings["severity"] == "error").sum(),
             (findings["severity"] == "warning").sum(), (findings["severity"] == "info").sum())
    return Reconciliation(findings=findings, figures=build_figures(ctx), tables=tables)


def reconcile(reports, as_of: dt.date | None = None, school: str | None = None, superseded=None) -> Reconciliation:
    """Reconcile the tables of the checked files ``reports``.

    ``as_of`` is "today" (it marks the academic year still running); ``school`` overrides the
    学校代码 used for school-set standards; ``superseded`` is a set of paths to leave out.
    """
    reports = list(reports)
    from aidtools.reconcile.causes import link_causes

    result = reconcile_tables(gather(reports, superseded=superseded), as_of=as_of, school=school)
    result.findings = link_causes(result.findings, reports, result.tables)
    return result
