"""Browsing findings: dropdowns for department, template, rule and severity over a findings table,
and one file's findings next to its rows.

Each class keeps the state a test can read (``filtered()``, ``rows()``, ``records()``) apart from
what it displays.
"""
from __future__ import annotations

import ipywidgets as W
import pandas as pd
from IPython.display import display

from aidtools.findings import severity_label
from aidtools.views import ALL, LABELS, mask_student_no

SHOWN = ["path", "department", "template", "rule", "severity", "sheet", "row", "column", "field", "value", "message"]


def _choices(values: pd.Series) -> list[str]:
    return [ALL] + sorted({str(v) for v in values.dropna() if str(v) != ""})


class FindingsBrowser:
    """Findings filtered by department, template, rule and severity; the table below follows the dropdowns."""

    FILTERS = (("department", "部门"), ("template", "模板"), ("rule", "规则"), ("severity", "级别"))

    def __init__(self, findings: pd.DataFrame, max_rows: int = 200):
        self.findings = findings.reset_index(drop=True)
        self.max_rows = max_rows
        self.dropdowns = {}
        for column, label in self.FILTERS:
            values = self.findings[column] if column in self.findings.columns else pd.Series([], dtype=object)
            options = _choices(values)
            if column == "severity":
                options = [(ALL, ALL)] + [(severity_label(v), v) for v in options[1:]]
            dropdown = W.Dropdown(options=options, value=ALL, description=label, layout=W.Layout(width="260px"))
            dropdown.add_class(f"aid-filter-{column}")
            dropdown.observe(lambda _: self.refresh(), names="value")
            self.dropdowns[column] = dropdown
        self.department, self.template = self.dropdowns["department"], self.dropdowns["template"]
        self.rule, self.severity = self.dropdowns["rule"], self.dropdowns["severity"]
        self.count = W.HTML()
        self.output = W.Output()
        self.widget = W.VBox([W.HBox(list(self.dropdowns.values())[:2]), W.HBox(list(self.dropdowns.values())[2:]),
                              self.count, self.output])
        self.widget.add_class("aid-findings-browser")
        self.refresh()

    @classmethod
    def from_report(cls, report, **options) -> "FindingsBrowser":
        """The findings of the files in use of a :class:`aidtools.report.RunReport`."""
        from aidtools.views import findings_frame
        return cls(findings_frame(report), **options)

    def filtered(self) -> pd.DataFrame:
        """The findings the dropdowns currently select."""
        keep = pd.Series(True, index=self.findings.index)
        for column, dropdown in self.dropdowns.items():
            if dropdown.value != ALL and column in self.findings.columns:
                keep &= self.findings[column].astype(str) == dropdown.value
        return self.findings[keep]

    def refresh(self) -> None:
        chosen = self.filtered()
        errors = int((chosen["severity"] == "error").sum()) if "severity" in chosen else 0
        self.count.value = (f"共 <b>{len(chosen)}</b> 条（错误 {errors} 条）"
                            + (f"，下表显示前 {self.max_rows} 条" if len(chosen) > self.max_rows else ""))
        shown = chosen[[c for c in SHOWN if c in chosen.columns]].head(self.max_rows)
        shown = shown.assign(severity=shown["severity"].map(severity_label)) if "severity" in shown else shown
        self.output.clear_output()
        with self.output:
            display(shown.rename(columns=LABELS).style.hide(axis="index"))

    def _ipython_display_(self):
        display(self.widget)


class FileViewer:
    """Pick a file: its findings on the left, its rows (personal data masked, rows with errors marked) on the right."""

    def __init__(self, reports, specs=None, max_rows: int = 100):
        from aidtools.specs import load_specs
        self.reports = {r.display_path: r for r in reports}
        self.specs = specs or load_specs()
        self.max_rows = max_rows
        ordered = sorted(self.reports, key=lambda p: (-self.reports[p].errors, p))
        self.file = W.Dropdown(options=ordered, description="文件", layout=W.Layout(width="640px"))
        self.file.add_class("aid-file")
        self.only_errors = W.Checkbox(value=True, description="只看有错误的行")
        self.info = W.HTML()
        self.left, self.right = W.Output(), W.Output()
        self.left.layout = W.Layout(width="45%", overflow="auto")
        self.right.layout = W.Layout(width="55%", overflow="auto")
        self.file.observe(lambda _: self.refresh(), names="value")
        self.only_errors.observe(lambda _: self.refresh(), names="value")
        self.widget = W.VBox([W.HBox([self.file, self.only_errors]), self.info, W.HBox([self.left, self.right])])
        self.widget.add_class("aid-file-viewer")
        self.refresh()

    def rows(self) -> pd.DataFrame:
        """The chosen file's rows as shown on the right."""
        from aidtools.widgets.records import error_rows_marked
        report = self.reports.get(self.file.value)
        if report is None:
            return pd.DataFrame()
        table = error_rows_marked(report, self.specs)
        if self.only_errors.value:
            table = table[table["问题"] != ""]
        return table

    def refresh(self) -> None:
        report = self.reports.get(self.file.value)
        self.left.clear_output()
        self.right.clear_output()
        if report is None:
            self.info.value = "没有文件"
            return
        self.info.value = (f"<b>{report.display_path}</b>：模板 {report.template or '未识别'}，"
                           f"{report.rows} 行数据，错误 {report.errors} 条，警告 {report.warnings} 条")
        from aidtools.widgets.records import reports_findings
        findings = reports_findings([report])[["row", "column", "field", "rule", "severity", "message"]]
        with self.left:
            display(findings.head(self.max_rows).rename(columns=LABELS).style.hide(axis="index"))
        with self.right:
            display(self.rows().head(self.max_rows).style.hide(axis="index"))

    def _ipython_display_(self):
        display(self.widget)


class ReconciliationBrowser:
    """``rec.*`` findings by rule and college; pick one to see the records behind it (personal data masked).

    ``findings`` is the reconciliation's findings frame (:attr:`aidtools.reconcile.Reconciliation.findings`:
    rule, severity, student_no, programme, academic_year, department, message, sources = [{"path", "row"}]);
    ``reports`` are the checked files the sources name.
    """

    def __init__(self, findings: pd.DataFrame, reports, specs=None, max_rows: int = 300):
        from aidtools.specs import load_specs
        self.findings = findings.reset_index(drop=True)
        self.reports = list(reports)
        self.specs = specs or load_specs()
        self.max_rows = max_rows
        self.rule = W.Dropdown(options=_choices(self.findings.get("rule", pd.Series([], dtype=object))),
                               value=ALL, description="规则", layout=W.Layout(width="300px"))
        self.department = W.Dropdown(options=_choices(self.findings.get("department", pd.Series([], dtype=object))),
                                     value=ALL, description="院系", layout=W.Layout(width="300px"))
        self.rule.add_class("aid-filter-rule")
        self.department.add_class("aid-filter-department")
        self.choice = W.Select(options=[], rows=10, description="问题", layout=W.Layout(width="95%"))
        self.choice.add_class("aid-rec-choice")
        self.count = W.HTML()
        self.records_out = W.Output()
        self.rule.observe(lambda _: self._fill(), names="value")
        self.department.observe(lambda _: self._fill(), names="value")
        self.choice.observe(lambda _: self.show(), names="value")
        self.widget = W.VBox([W.HBox([self.rule, self.department]), self.count, self.choice,
                              W.HTML("<b>相关记录（个人信息已脱敏）：</b>"), self.records_out])
        self.widget.add_class("aid-rec-browser")
        self._fill()

    def filtered(self) -> pd.DataFrame:
        keep = pd.Series(True, index=self.findings.index)
        for column, dropdown in (("rule", self.rule), ("department", self.department)):
            if dropdown.value != ALL and column in self.findings.columns:
                keep &= self.findings[column].astype(str) == dropdown.value
        return self.findings[keep]

    def _fill(self) -> None:
        from aidtools.masking import mask_text
        chosen = self.filtered().head(self.max_rows)
        self.count.value = f"共 <b>{len(self.filtered())}</b> 条" + (
            f"，列表显示前 {self.max_rows} 条" if len(self.filtered()) > self.max_rows else "")
        students = mask_student_no(chosen["student_no"]) if len(chosen) else chosen["student_no"]
        labels = [f"[{severity_label(r.severity)}] {r.rule} {r.department or ''} "
                  f"{student or ''}：{mask_text(r.message)}" for r, student in zip(chosen.itertuples(), students)]
        self.choice.options = list(zip(labels, chosen.index))
        self.choice.value = chosen.index[0] if len(chosen) else None
        self.show()

    def records(self) -> pd.DataFrame:
        """The records behind the chosen finding."""
        from aidtools.widgets.records import source_rows
        if self.choice.value is None:
            return pd.DataFrame()
        sources = self.findings.loc[self.choice.value, "sources"] if "sources" in self.findings else []
        return source_rows(self.reports, sources if isinstance(sources, list) else [], self.specs)

    def show(self) -> None:
        self.records_out.clear_output()
        with self.records_out:
            rows = self.records()
            display(rows.style.hide(axis="index") if len(rows) else "（没有可显示的记录）")

    def _ipython_display_(self):
        display(self.widget)
