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
from aidtools.views import ALL, findings_table, reconciliation_labels, template_titles
from aidtools.widgets.tableview import TableView


def _choices(values: pd.Series) -> list[str]:
    return [ALL] + sorted({str(v) for v in values.dropna() if str(v) != ""})


def _options(column: str, values: pd.Series) -> list:
    """Dropdown options of a filter: 全部, then the values present, shown by their Chinese names."""
    present = _choices(values)[1:]
    if column == "severity":
        from aidtools.findings import severity_rank
        present = sorted(present, key=lambda v: severity_rank(pd.Series([v])).iloc[0])
        return [(ALL, ALL)] + [(severity_label(v), v) for v in present]
    if column == "template":
        return [(ALL, ALL)] + [(template_titles().get(v, v), v) for v in present]
    if column == "rule":
        from aidtools.rules import RULES
        return [(ALL, ALL)] + [(f"{RULES[v].title}（{v}）" if v in RULES else v, v) for v in present]
    return [(ALL, ALL)] + [(v, v) for v in present]


class Filters:
    """Dependent dropdowns over a frame: each offers only the values that exist with the others' choices,
    so no combination shows nothing; ``on_change`` is called once per change."""

    def __init__(self, frame: pd.DataFrame, filters, on_change, width: str = "300px"):
        self.frame = frame
        self.on_change = on_change
        self.dropdowns: dict[str, W.Dropdown] = {}
        self._busy = False
        for column, label in filters:
            dropdown = W.Dropdown(options=[(ALL, ALL)], value=ALL, description=label, layout=W.Layout(width=width))
            dropdown.add_class(f"aid-filter-{column}")
            dropdown.observe(self._changed, names="value")
            self.dropdowns[column] = dropdown
        self._narrow()

    def selected(self, without: str | None = None) -> pd.DataFrame:
        keep = pd.Series(True, index=self.frame.index)
        for column, dropdown in self.dropdowns.items():
            if column != without and dropdown.value != ALL and column in self.frame.columns:
                keep &= self.frame[column].astype(str) == dropdown.value
        return self.frame[keep]

    def _narrow(self) -> None:
        self._busy = True
        try:
            for column, dropdown in self.dropdowns.items():
                values = self.selected(without=column).get(column, pd.Series([], dtype=object))
                options = _options(column, values)
                if [v for _, v in options] != [v for _, v in dropdown.options]:
                    value = dropdown.value
                    dropdown.options = options
                    dropdown.value = value if value in [v for _, v in options] else ALL
        finally:
            self._busy = False

    def _changed(self, _change) -> None:
        if self._busy:
            return
        self._narrow()
        self.on_change()


class FindingsBrowser:
    """Findings filtered by department, template, rule and severity; the table below follows the dropdowns,
    and each dropdown offers only what the others leave."""

    FILTERS = (("department", "部门"), ("template", "模板"), ("rule", "规则"), ("severity", "级别"))

    def __init__(self, findings: pd.DataFrame, max_rows: int = 50, export_dir=None):
        self.findings = findings.reset_index(drop=True)
        self.max_rows = max_rows
        self.filters = Filters(self.findings, self.FILTERS, self.refresh)
        self.dropdowns = self.filters.dropdowns
        self.department, self.template = self.dropdowns["department"], self.dropdowns["template"]
        self.rule, self.severity = self.dropdowns["rule"], self.dropdowns["severity"]
        self.count = W.HTML()
        self.table = TableView(self.findings.iloc[0:0], limit=max_rows, name="检查发现的问题", export_dir=export_dir)
        boxes = list(self.dropdowns.values())
        self.widget = W.VBox([W.HBox(boxes[:2]), W.HBox(boxes[2:]), self.count, self.table.widget])
        self.widget.add_class("aid-findings-browser")
        self.refresh()

    @classmethod
    def from_report(cls, report, **options) -> "FindingsBrowser":
        """The findings of the files in use of a :class:`aidtools.report.RunReport`."""
        from aidtools.views import findings_frame
        return cls(findings_frame(report), **options)

    def filtered(self) -> pd.DataFrame:
        """The findings the dropdowns currently select."""
        return self.filters.selected()

    def refresh(self) -> None:
        chosen = self.filtered()
        errors = int((chosen["severity"] == "error").sum()) if "severity" in chosen else 0
        self.count.value = f"筛选出 <b>{len(chosen)}</b> 条问题（错误 {errors} 条）"
        self.table.update(findings_table(chosen))

    def _ipython_display_(self):
        display(self.widget)


class FileViewer:
    """Pick a file: its findings, and below them its rows (personal data masked, rows with errors marked by
    the rules' titles); one above the other, each the output's full width, so that the messages have room."""

    def __init__(self, reports, specs=None, max_rows: int = 100):
        from aidtools.specs import load_specs
        self.reports = {r.display_path: r for r in reports}
        self.specs = specs or load_specs()
        self.max_rows = max_rows
        ordered = sorted(self.reports, key=lambda p: (-self.reports[p].errors, p))
        options = [(f"{p}（错误 {self.reports[p].errors} 条）" if self.reports[p].errors else p, p) for p in ordered]
        self.file = W.Dropdown(options=options, description="文件", layout=W.Layout(width="640px"))
        self.file.add_class("aid-file")
        self.only_errors = W.Checkbox(value=True, description="只看有错误的行")
        self.info = W.HTML()
        self.left = TableView(pd.DataFrame(), limit=max_rows, empty="（没有问题）")
        self.right = TableView(pd.DataFrame(), limit=max_rows)
        self.file.observe(lambda _: self.refresh(), names="value")
        self.only_errors.observe(lambda _: self.refresh(), names="value")
        self.widget = W.VBox([W.HBox([self.file, self.only_errors]), self.info,
                              W.HTML("<b>问题</b>"), self.left.widget, W.HTML("<b>数据行</b>"), self.right.widget])
        self.widget.add_class("aid-file-viewer")
        self.refresh()

    def rows(self) -> pd.DataFrame:
        """The chosen file's rows as shown below its findings."""
        from aidtools.widgets.records import error_rows_marked
        report = self.reports.get(self.file.value)
        if report is None:
            return pd.DataFrame()
        table = error_rows_marked(report, self.specs)
        if self.only_errors.value:
            table = table[table["问题"] != ""]
        return table

    def findings(self) -> pd.DataFrame:
        """The chosen file's findings as shown above its rows."""
        from aidtools.widgets.records import reports_findings
        report = self.reports.get(self.file.value)
        if report is None:
            return pd.DataFrame()
        return findings_table(reports_findings([report])[["row", "column", "field", "rule", "severity", "message"]])

    def refresh(self) -> None:
        report = self.reports.get(self.file.value)
        if report is None:
            self.info.value = "没有文件"
            return
        title = template_titles().get(report.template, report.template) if report.template else "未识别"
        self.info.value = (f"<b>{report.display_path}</b>：模板 {title}，"
                           f"{report.rows} 行数据，错误 {report.errors} 条，警告 {report.warnings} 条")
        self.left.update(self.findings())
        self.right.update(self.rows())

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
        self.showing_all = False
        self.filters = Filters(self.findings, (("rule", "规则"), ("department", "院系")), self._fill, width="420px")
        self.rule, self.department = self.filters.dropdowns["rule"], self.filters.dropdowns["department"]
        self.choice = W.Select(options=[], rows=10, description="问题", layout=W.Layout(width="95%"))
        self.choice.add_class("aid-rec-choice")
        self.count = W.HTML()
        self.all_button = W.Button(description="显示全部", icon="list", layout=W.Layout(width="auto"))
        self.all_button.on_click(lambda _: self._fill(everything=True))
        self.records_out = TableView(pd.DataFrame(), limit=50, empty="（没有可显示的记录）")
        self.detail = W.HTML()  # the chosen finding in full: a line of the list is cut at its right edge
        self.detail.add_class("aid-rec-detail")
        self.choice.observe(lambda _: self.show(), names="value")
        self.widget = W.VBox([W.HBox([self.rule, self.department]), W.HBox([self.count, self.all_button]),
                              self.choice, self.detail, W.HTML("<b>相关记录（个人信息已脱敏）：</b>"),
                              self.records_out.widget])
        self.widget.add_class("aid-rec-browser")
        self._fill()

    def filtered(self) -> pd.DataFrame:
        return self.filters.selected()

    def _fill(self, everything: bool = False) -> None:
        found = self.filtered()
        chosen = found if everything else found.head(self.max_rows)
        self.count.value = (f"显示前 {len(chosen)} 条，共 {len(found)} 条" if len(chosen) < len(found)
                            else f"共 <b>{len(found)}</b> 条")
        self.all_button.layout.display = None if len(chosen) < len(found) else "none"
        self.choice.options = list(zip(reconciliation_labels(chosen), chosen.index))
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
        """The chosen finding in full (wrapping) and its records, a few of them one to a column."""
        import html

        from aidtools.widgets.records import by_field
        if self.choice.value is None:
            self.detail.value = ""
        else:
            line = reconciliation_labels(self.findings.loc[[self.choice.value]])[0]
            self.detail.value = (f"<div style='white-space: normal; overflow-wrap: break-word; max-width: 60em; "
                                 f"margin: 4px 0 8px 0'>{html.escape(line)}</div>")
        records = self.records()
        self.records_out.update(by_field(records), count=f"共 {len(records)} 条记录" if len(records) else None)

    def _ipython_display_(self):
        display(self.widget)
