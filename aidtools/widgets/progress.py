"""A progress bar widget for long checks; pass it where a ``progress=`` wrapper is accepted.

>>> bar = ProgressBar("检查文件")
>>> list(bar(["a.xlsx", "b.xlsx"]))
['a.xlsx', 'b.xlsx']
>>> bar.bar.value, bar.bar.max, bar.label.value
(2, 2, '检查文件：已完成 2 / 2')
"""
from __future__ import annotations

import ipywidgets as W


class ProgressBar:
    """``check_paths(paths, progress=ProgressBar("检查文件"))``: shows n / total and the current item."""

    def __init__(self, label: str = "进度"):
        self.title = label
        self.bar = W.IntProgress(value=0, min=0, max=1, description="", bar_style="info",
                                 layout=W.Layout(width="320px"))
        self.label = W.Label(value=f"{label}：等待开始")
        self.widget = W.HBox([self.bar, self.label])
        self.widget.add_class("aid-progress")

    def __call__(self, items):
        items = list(items)
        self.bar.max = max(len(items), 1)
        self.bar.value = 0
        self.bar.bar_style = "info"
        for k, item in enumerate(items):
            name = item[0] if isinstance(item, tuple) else item
            self.label.value = f"{self.title}：{k + 1} / {len(items)}  {getattr(name, 'name', name)}"
            yield item
            self.bar.value = k + 1
        self.bar.bar_style = "success"
        self.label.value = f"{self.title}：已完成 {len(items)} / {len(items)}"

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)
