"""Test helpers: valid identity numbers and bank cards, one valid row per template, and workbooks
written from a list of rows by openpyxl, xlsxwriter, xlwt (.xls) or as CSV.

Everything here is computed independently of the package (the check digit and Luhn are written
out again), so the tests do not trust the code they test.

A row is a list of cell values: ``str`` is written as a text cell, ``int``/``float`` as a number
cell, ``datetime.date`` as an Excel date cell, ``None`` as blank, :class:`Formula` as a formula.

>>> gb11643("11010519491231002")
'11010519491231002X'
>>> luhn("622202123456789012")[-1]
'8'
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

AS_OF = dt.date(2018, 6, 30)
WRITERS = ("openpyxl", "xlsxwriter")

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def gb11643(first17: str) -> str:
    """The 18-character ID: ``first17`` plus its GB 11643 check character."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return first17 + "10X98765432"[total % 11]


def make_id(region: str = "650102", birth: str = "19990515", order: int = 2) -> str:
    """A valid ID number; ``order`` odd is a man, even a woman."""
    return gb11643(f"{region}{birth}{order:03d}")


def luhn(prefix: str) -> str:
    """``prefix`` plus its Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these become positions 2, 4, ... once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def wrong_check(id_no: str) -> str:
    """The same ID number with a wrong (but well-formed) check character."""
    right = id_no[-1]
    return id_no[:-1] + ("1" if right != "1" else "2")


_WOMEN = [make_id(order=k) for k in range(2, 999, 2)]  # born 19990515 in 650102
# IDs ending in X: the tricky valid value every template must accept.
ID_X, ID_X2 = [i for i in _WOMEN if i.endswith("X")][:2]
ID_OTHER = [i for i in _WOMEN if not i.endswith("X")]
CARD = luhn("622202123456789012")  # 19 digits


def _ids(n: int) -> list[str]:
    """n distinct valid IDs of women born 19990515 in 650102; the first ends in X.

    ``ID_X2`` and ``ID_OTHER[0]`` are left out: tests put them into rows of their own.
    """
    return [ID_X] + ID_OTHER[1:n]


def valid_student(k: int = 0) -> dict:
    return {
        "学校代码": "10001", "学号": f"{12345 + k:07d}", "姓名": "阿依古丽·买买提", "身份证件类型": "居民身份证",
        "身份证件号": _ids(k + 1)[k], "性别": "女", "出生日期": "19990515", "民族": "维吾尔族",
        "政治面貌": "共青团员", "院系": "机械工程学院", "专业": "机械设计制造及其自动化", "班级": "机械1701",
        "年级": "2017", "学制": "4", "学历层次": "本科", "入学年月": "201709", "学籍状态": "在读",
        "校区": "主校区", "户口性质": "农业户口", "生源地": "650102", "手机号码": "13812345678",
    }


def valid_difficulty(k: int = 0) -> dict:
    return {
        "学号": f"{12345 + k:07d}", "姓名": "阿依古丽·买买提", "身份证件号": _ids(k + 1)[k], "认定学年": "2017-2018",
        "建档立卡贫困家庭": None, "最低生活保障家庭": None, "特困供养人员": None, "孤残学生": None, "烈士子女": None,
        "家庭经济困难残疾学生及残疾人子女": None, "家庭人口数": "4", "家庭年收入(元)": "12000.50", "认定等级": "困难",
        "认定日期": "20171015", "认定原因": "父母务农，家庭收入低",
    }


def valid_disbursement(k: int = 0) -> dict:
    return {
        "学号": f"{12345 + k:07d}", "姓名": "阿依古丽·买买提", "身份证件号": _ids(k + 1)[k], "院系": "机械工程学院",
        "资助项目": "国家助学金", "资助学年": "2017-2018", "资助档次": "一等", "发放金额(元)": "1500",
        "发放日期": "20171120", "发放批次": "1", "银行卡号": CARD, "开户银行": "中国工商银行",
    }


def valid_loan(k: int = 0) -> dict:
    return {
        "学号": f"{12345 + k:07d}", "姓名": "阿依古丽·买买提", "身份证件号": _ids(k + 1)[k],
        "贷款类型": "生源地信用助学贷款", "贷款学年": "2017-2018", "合同编号": f"HT2017{k:04d}", "贷款金额(元)": "8000",
        "经办银行": "国家开发银行", "放款日期": "20171020",
    }


def valid_allocation(k: int = 0) -> dict:
    return {
        "资助项目": "国家助学金", "资助学年": "2017-2018", "院系": ["机械工程学院", "化学学院", "文学院", "法学院"][k % 4],
        "资金来源": "中央财政", "下达文号": f"财教〔2017〕{k + 1}号", "下达日期": "20170915", "名额": "100",
        "下达金额(元)": "300000",
    }


def valid_tasks(k: int = 0) -> dict:
    return {
        "子系统": "本专科", "数据项": f"国家助学金发放第{k + 1}批", "模板": "disbursement",
        "责任部门": "学生资助管理中心", "协助部门": "财务处、教务处", "数据填报员": "张三", "数据审核员": "李四",
        "截止日期": "20180630",
    }


VALID = {
    "student": valid_student, "difficulty": valid_difficulty, "disbursement": valid_disbursement,
    "loan": valid_loan, "allocation": valid_allocation, "tasks": valid_tasks,
}


@lru_cache(maxsize=1)
def specs() -> dict:
    """The packaged specs, loaded once (YAML parsing costs a third of a second)."""
    from aidtools.specs import load_specs
    return load_specs()


def spec_of(template: str):
    return specs()[template]


def letter_of(template: str, header: str) -> str:
    """The Excel column letter of ``header`` in the template (all templates have < 26 columns)."""
    return chr(65 + spec_of(template).headers.index(header))


def rows_for(template: str, *changes: dict, n: int | None = None) -> list[list]:
    """Header row plus valid data rows, one per ``changes`` dict (header -> new value) or ``n``."""
    spec = spec_of(template)
    count = max(len(changes), n or 0, 1)
    out = [list(spec.headers)]
    for k in range(count):
        row = VALID[template](k)
        row.update(changes[k] if k < len(changes) else {})
        out.append([row[h] for h in spec.headers])
    return out


@dataclass
class Formula:
    """A formula cell with the value Excel would have cached (xlsxwriter/xlwt keep it; openpyxl cannot)."""

    text: str
    value: object = None


@dataclass
class Sheet:
    name: str
    rows: list[list]
    merged: list[str] = field(default_factory=list)  # "L2:L3"
    hidden_rows: list[int] = field(default_factory=list)  # Excel row numbers
    hidden_cols: list[str] = field(default_factory=list)  # column letters
    hidden: bool = False  # the sheet itself (xlwt only)


def _sheets(rows, sheet, sheets) -> list[Sheet]:
    if sheets is not None:
        return list(sheets)
    return [Sheet(sheet or "Sheet1", rows)]


def write_openpyxl(path: Path, sheets: list[Sheet]) -> Path:
    """Text with control characters is stored as Excel stores it, ``_x0007_`` (openpyxl refuses them raw)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def escape(text: str) -> str:  # openpyxl's own escape leaves \x00 out
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)

    wb = Workbook()
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(s.name)
        for r, row in enumerate(s.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is None:
                    continue
                cell = ws.cell(row=r, column=c)
                if isinstance(v, Formula):
                    cell.value = v.text
                elif isinstance(v, str):
                    cell.value = escape(v) if ILLEGAL_CHARACTERS_RE.search(v) else v
                    cell.data_type = "s"  # "=..." text stays text
                    cell.number_format = "@"
                elif isinstance(v, dt.date):
                    cell.value = v
                    cell.number_format = "yyyy-mm-dd"
                else:
                    cell.value = v
        for m in s.merged:
            ws.merge_cells(m)
        for r in s.hidden_rows:
            ws.row_dimensions[r].hidden = True
        for c in s.hidden_cols:
            ws.column_dimensions[c].hidden = True
    wb.save(path)
    return path


def write_xlsxwriter(path: Path, sheets: list[Sheet]) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    text = wb.add_format({"num_format": "@"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for s in sheets:
        ws = wb.add_worksheet(s.name)
        for r, row in enumerate(s.rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, Formula):
                    ws.write_formula(r, c, v.text, None, v.value if v.value is not None else 0)
                elif isinstance(v, str):
                    ws.write_string(r, c, v, text)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()) if not isinstance(v, dt.datetime) else v, date)
                else:
                    ws.write_number(r, c, v)
        for m in s.merged:
            first_cell = m.split(":")[0]
            ws.merge_range(m, _cell_value(s.rows, first_cell), None)
        for r in s.hidden_rows:
            ws.set_row(r - 1, None, None, {"hidden": True})
        for c in s.hidden_cols:
            ws.set_column(f"{c}:{c}", None, None, {"hidden": True})
    wb.close()
    return path


def _cell_value(rows, ref: str):
    col = ord(ref[0]) - 65
    row = int(ref[1:]) - 1
    return rows[row][col] if row < len(rows) and col < len(rows[row]) else None


def write_xls(path: Path, sheets: list[Sheet]) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for s in sheets:
        ws = wb.add_sheet(s.name)
        for r, row in enumerate(s.rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, Formula):
                    ws.write(r, c, xlwt.Formula(v.text.lstrip("=")))
                elif isinstance(v, dt.date):
                    ws.write(r, c, v, date)
                else:
                    ws.write(r, c, v)
        for m in s.merged:
            (r0, c0), (r1, c1) = (_cell_ref(ref) for ref in m.split(":"))
            ws.merge(r0, r1, c0, c1)
        for r in s.hidden_rows:
            ws.row(r - 1).hidden = True
        for c in s.hidden_cols:
            ws.col(_cell_ref(c + "1")[1]).hidden = True
        if s.hidden:
            ws.visibility = 1
    wb.save(str(path))
    return path


def _cell_ref(ref: str) -> tuple[int, int]:
    """"L2" → (1, 11): 0-based row and column."""
    from aidtools.reading.xlsx_parts import column_index

    letters = ref.rstrip("0123456789")
    return int(ref[len(letters):]) - 1, column_index(letters)


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([["" if v is None else str(v) for v in row] for row in rows])
    return path


def write_book(path, rows=None, writer: str = "openpyxl", sheet: str | None = None, sheets=None) -> Path:
    """Write a workbook with one sheet (``rows``, named ``sheet``) or several (``sheets``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    all_sheets = _sheets(rows, sheet, sheets)
    if writer == "openpyxl":
        return write_openpyxl(path, all_sheets)
    if writer == "xlsxwriter":
        return write_xlsxwriter(path, all_sheets)
    if writer == "xlwt":
        return write_xls(path, all_sheets)
    raise ValueError(writer)


def write_template(tmp_path, template: str, *changes: dict, writer: str = "openpyxl", name: str | None = None,
                   n: int | None = None, **sheet_options) -> Path:
    """A workbook of the template (its own sheet name) with valid rows changed by ``changes``."""
    suffix = ".xls" if writer == "xlwt" else ".xlsx"
    path = Path(tmp_path) / (name or f"{template}-{writer}{suffix}")
    sheet = Sheet(spec_of(template).sheet, rows_for(template, *changes, n=n), **sheet_options)
    return write_book(path, writer=writer, sheets=[sheet])
