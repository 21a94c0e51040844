"""Choosing what to check: a folder picker (walk the folders on this machine) and an upload box
(workbooks sent from the browser, saved under a department's folder).

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "文学院").mkdir()
>>> picker = FolderPicker(root)
>>> picker.folders.options
('文学院',)
>>> picker.enter("文学院").path.name
'文学院'
"""
from __future__ import annotations

from pathlib import Path

import ipywidgets as W

from aidtools.reading.workbook import SUFFIXES


def _count_files(folder: Path) -> int:
    from aidtools.validate import discover
    try:
        return len(discover([folder]))
    except OSError:
        return 0


class FolderPicker:
    """A path box, the sub-folders of the current folder, and 进入 / 上一级 buttons; ``.path`` is the choice."""

    def __init__(self, start=".", on_change=None):
        self.path = Path(start).expanduser().resolve()
        self._on_change = on_change
        self.text = W.Text(value=str(self.path), description="文件夹", layout=W.Layout(width="640px"))
        self.folders = W.Select(options=(), rows=8, description="子文件夹", layout=W.Layout(width="640px"))
        self.open_button = W.Button(description="进入", icon="folder-open")
        self.up_button = W.Button(description="上一级", icon="arrow-up")
        self.status = W.HTML()
        self.open_button.on_click(lambda _: self.folders.value and self.enter(self.folders.value))
        self.up_button.on_click(lambda _: self.go(self.path.parent))
        self.text.observe(lambda change: self.go(change["new"]), names="value")
        self.widget = W.VBox([self.text, self.folders, W.HBox([self.open_button, self.up_button]), self.status])
        self.widget.add_class("aid-folder-picker")
        self._refresh()

    def go(self, folder) -> "FolderPicker":
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            self.status.value = f"<span style='color:#c62828'>不是文件夹：{folder}</span>"
            return self
        self.path = folder.resolve()
        if self.text.value != str(self.path):
            self.text.value = str(self.path)  # re-enters go() once through the observer, harmlessly
        self._refresh()
        if self._on_change:
            self._on_change(self.path)
        return self

    def enter(self, name: str) -> "FolderPicker":
        return self.go(self.path / name)

    def _refresh(self) -> None:
        try:
            names = sorted(p.name for p in self.path.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            names = []
        self.folders.options = tuple(names)
        self.status.value = (f"当前文件夹含 {len(names)} 个子文件夹、{_count_files(self.path)} 个可检查的文件"
                             f"（{'/'.join(SUFFIXES)}）")

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


class UploadBox:
    """Upload workbooks from the browser; :meth:`save` writes them to ``target/部门/文件名``."""

    def __init__(self, target, department: str = "上传"):
        self.target = Path(target)
        self.upload = W.FileUpload(accept=",".join(SUFFIXES), multiple=True, description="上传工作簿")
        self.department = W.Text(value=department, description="部门")
        self.save_button = W.Button(description="保存到提交文件夹", icon="save")
        self.status = W.HTML()
        self.save_button.on_click(lambda _: self.save())
        self.widget = W.VBox([W.HBox([self.upload, self.department, self.save_button]), self.status])
        self.widget.add_class("aid-upload")

    def save(self) -> list[Path]:
        """Write every uploaded file; names are reduced to their last part, so nothing lands outside ``target``."""
        folder = self.target / (Path(self.department.value.strip() or "上传").name)
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for item in self.upload.value or ():
            name = Path(str(item["name"])).name
            if not name.lower().endswith(SUFFIXES):
                continue
            path = folder / name
            path.write_bytes(bytes(item["content"]))
            saved.append(path)
        self.status.value = f"已保存 {len(saved)} 个文件到 {folder}" if saved else "没有可保存的工作簿"
        return saved

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)
