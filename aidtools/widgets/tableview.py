"""A table that says what it leaves out: the first ``limit`` rows with "显示前 N 条，共 M 条", a button
that shows them all, and one that exports them all to a workbook (cells written as text).

(tests/test_views.py: test_a_capped_table_says_so_and_shows_or_exports_all.)
"""
from __future__ import annotations

from pathlib import Path

import ipywidgets as W
import pandas as pd
from IPython.display import display

from aidtools.widgets.tables import for_reading, styled


class TableView:
    """``frame`` (English or Chinese columns) shown through :func:`~aidtools.widgets.tables.styled`, capped
    at ``limit`` rows until 显示全部; 导出 writes every row to ``export_dir/<name>.xlsx``.

    ``hide`` names columns left out of the page but kept in the export; by default the rule id (``rule``)
    when the rule's Chinese title (``title``) is beside it, so that the message has room at 1400 px."""

    def __init__(self, frame: pd.DataFrame, limit: int = 50, name: str = "表格", export_dir=None,
                 css_class: str | None = None, empty: str = "（没有可显示的行）", hide=None):
        self.limit, self.name, self.empty = limit, name, empty
        self.hide = hide
        self.export_dir = Path(export_dir) if export_dir is not None else None
        self.showing_all = False
        self.count = W.HTML()
        self.all_button = W.Button(description="显示全部", icon="list", layout=W.Layout(width="auto"))
        self.all_button.on_click(lambda _: self.show_all())
        self.export_button = W.Button(description="导出为 Excel", icon="download", layout=W.Layout(width="auto"))
        self.export_button.on_click(lambda _: self.export())
        self.status = W.HTML()
        self.output = W.Output(layout=W.Layout(overflow="auto", max_width="100%"))
        buttons = [self.all_button] + ([self.export_button] if self.export_dir is not None else [])
        self.widget = W.VBox([W.HBox([self.count, *buttons, self.status], layout=W.Layout(align_items="center")),
                              self.output])
        self.widget.add_class("aid-table-view")
        if css_class:
            self.widget.add_class(css_class)
        self.update(frame)

    def update(self, frame: pd.DataFrame, count: str | None = None) -> None:
        """Show another frame (a new filter), capped again; ``count`` says what it holds when its rows are
        not the things counted (a record a column: "共 1 条记录")."""
        self.frame = frame.reset_index(drop=True)
        self.showing_all = False
        self.count_text = count
        self.refresh()

    def show_all(self) -> None:
        self.showing_all = True
        self.refresh()

    def shown(self) -> pd.DataFrame:
        """The rows shown (all, or the first ``limit``), without the hidden columns."""
        rows = self.frame if self.showing_all else self.frame.head(self.limit)
        hide = self.hide if self.hide is not None else (["rule"] if {"rule", "title"} <= set(rows.columns) else [])
        return rows.drop(columns=[c for c in hide if c in rows.columns])

    def refresh(self) -> None:
        total, shown = len(self.frame), len(self.shown())
        self.count.value = f"显示前 {shown} 条，共 {total} 条" if shown < total else f"共 {total} 条"
        if getattr(self, "count_text", None) and shown == total:
            self.count.value = self.count_text
        self.all_button.layout.display = None if shown < total else "none"
        self.output.clear_output()
        with self.output:
            display(styled(self.shown(), highlight=False, na_rep="") if total else self.empty)

    def export(self) -> Path:
        """Every row (not only those shown) to ``export_dir/<name>.xlsx``; the status names the file."""
        from aidtools.outputs.tables import write_table_workbook

        path = write_table_workbook({self.name[:31]: for_reading(self.frame)}, self.export_dir / f"{self.name}.xlsx")
        self.status.value = f"已导出全部 {len(self.frame)} 条：{path.name}"
        return path

    def _ipython_display_(self):
        display(self.widget)
