"""The official template the national system gave out, as the frame the import rows go into.

``--template-file OFFICIAL`` makes the import workbook a copy of that file with our rows below its
header, so that whatever the national system put in it (macros, drop-downs, hidden code sheets,
column formats) travels with the data. Before anything is written its header is compared with our
spec: any difference stops the merge with the list of differences (the spec needs updating first,
with ``--specs``).

- ``.xlsx``/``.xlsm``: opened with openpyxl (``keep_vba`` for macro workbooks, which stay ``.xlsm``).
- ``.xls``: openpyxl cannot write Excel 97-2003 files, so we read it with python-calamine and build a
  ``.xlsx`` with the same sheets, the same header rows and the same code sheets (values only: macros
  and formatting are lost; :attr:`OfficialTemplate.note` says so).
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from aidtools.merging.sources import sheet_as_text
from aidtools.reading import UnreadableFile, read_file
from aidtools.reading.limits import DEFAULT_LIMITS
from aidtools.reading.model import Workbook as RawWorkbook
from aidtools.recognize import recognise
from aidtools.specs import TemplateSpec
from aidtools.writing.cells import safe_sheet_title, write_text


class OfficialTemplateError(ValueError):
    """The official template cannot be used; the message (Chinese) lists every problem."""


@dataclass
class OfficialTemplate:
    path: Path
    spec: TemplateSpec
    book: RawWorkbook  # as python-calamine read it (header checked)
    data: bytes
    note: str | None = None  # said to the user, e.g. that an .xls became .xlsx

    @property
    def suffix(self) -> str:
        return ".xlsm" if self.book.format == "xlsm" else ".xlsx"

    def new_workbook(self):
        """A fresh copy (openpyxl workbook and its template sheet) with the data area emptied."""
        import openpyxl  # here: a merge without an official template does not need openpyxl at all

        if self.book.format == "xls":
            return self._rebuilt()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "extension not supported" notes about parts openpyxl drops
            wb = openpyxl.load_workbook(io.BytesIO(self.data), keep_vba=self.book.format == "xlsm")
        ws = wb[self.spec.sheet]
        for row in ws.iter_rows(min_row=self.spec.first_data_row):
            for cell in row:
                if cell.value is not None:
                    cell.value = None  # example rows some templates carry must not be imported
        return wb, ws

    def _rebuilt(self):
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        for name in self.book.sheet_names:
            sheet = self.book.sheets[name]
            ws = wb.create_sheet(safe_sheet_title(name))
            if sheet.hidden:
                ws.sheet_state = "hidden"
            rows = sheet.rows[: self.spec.first_data_row - 1] if name == self.spec.sheet else sheet.rows
            text = sheet_as_text(rows)
            for r, values in enumerate(text.itertuples(index=False), start=1):
                for c, value in enumerate(values, start=1):
                    if value is not None:
                        write_text(ws, r, c, value)
        return wb, wb[safe_sheet_title(self.spec.sheet)]


def load_official_template(path, specs: dict[str, TemplateSpec], limits=DEFAULT_LIMITS) -> OfficialTemplate:
    """Read and check ``path``; raise :class:`OfficialTemplateError` unless its sheet and header are a spec's."""
    path = Path(path)
    try:
        book = read_file(path, limits)
    except UnreadableFile as exc:
        raise OfficialTemplateError(f"官方模板无法读取：{exc.message}") from exc
    if book.format == "csv":
        raise OfficialTemplateError(f"官方模板应为.xlsx、.xlsm或.xls文件，不是CSV：{path.name}")
    recognition = recognise(book, specs, path.name)
    if recognition.spec is None:
        reasons = "；".join(f.message for f in recognition.findings)
        raise OfficialTemplateError(f"官方模板“{path.name}”不是已知的模板：{reasons}")
    spec = recognition.spec
    if recognition.findings:
        listing = "\n".join(f"  - {f.message}" for f in recognition.findings)
        raise OfficialTemplateError(
            f"官方模板“{path.name}”与模板定义“{spec.title}”（{spec.id}，版本{spec.version}）不一致，未写入任何文件：\n{listing}\n"
            "如果国家系统的模板已经更新，请先更新模板定义（--specs 目录），再合并。")
    note = None
    if book.format == "xls":
        note = (f"官方模板“{path.name}”是Excel 97-2003(.xls)格式，无法直接写入；已按其工作表和表头生成.xlsx"
                "（只保留了内容，宏和格式未保留）。")
    return OfficialTemplate(path=path, spec=spec, book=book, data=path.read_bytes(), note=note)
