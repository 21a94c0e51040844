"""A blank template to hand to departments: the template's sheet and header, every column
formatted as text (IDs and 学号 survive typing), drop-down lists for code columns, and a note on
each header saying what goes in. Colours follow the official templates: grey with red text for
required columns, white with red text for conditional ones, white with black text for optional ones.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from aidtools.specs import ColumnSpec, TemplateSpec
from aidtools.writing.cells import TEXT_FORMAT, write_text

REQUIRED_FILL = PatternFill("solid", fgColor="D9D9D9")
RED = Font(bold=True, color="C00000")
BLACK = Font(bold=True, color="000000")
CODES_SHEET = "代码表"
PREPARED_ROWS = 2000

TYPE_TEXT = {
    "text": "文本", "name": "姓名：汉字、字母或间隔号·", "student_no": "学号：1-20位数字或字母",
    "code": "从下拉列表中选择", "id_no": "18位身份证号，末位X大写", "date8": "8位日期YYYYMMDD，如20170901",
    "month6": "6位年月YYYYMM，如201709", "year4": "4位年份，如2017", "academic_year": "学年，如2017-2018",
    "amount": "金额（元），大于0，最多两位小数", "int": "整数", "decimal": "数字", "flag": "填“是”或留空（不要填“否”）",
    "bank_card": "16-19位银行卡号", "mobile": "11位手机号码", "region6": "6位行政区划代码",
}


def describe(col: ColumnSpec) -> str:
    parts = [TYPE_TEXT.get(col.type, col.type)]
    if col.max_bytes:
        parts.append(f"最长{col.max_bytes}个字符（汉字算2个）")
    if col.min is not None or col.max is not None:
        parts.append(f"范围{'' if col.min is None else f'{col.min:g}'}～{'' if col.max is None else f'{col.max:g}'}")
    if col.required_when:
        clause = col.required_when.get("if") or col.required_when.get("unless")
        word = "为" if "if" in col.required_when else "不是"
        parts.append(f"当“{clause['column']}”{word}{'、'.join(clause['in'])}时必填")
    elif col.conditional:
        parts.append("有条件必填")
    elif col.required:
        parts.append("必填")
    else:
        parts.append("选填")
    if col.note:
        parts.append(col.note)
    return "；".join(parts)


def write_blank_template(spec: TemplateSpec, out) -> Path:
    out = Path(out)
    wb = Workbook()
    ws = wb.active
    ws.title = spec.sheet
    codes = wb.create_sheet(CODES_SHEET)
    codes.sheet_state = "hidden"
    code_col = 0
    for i, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        cell = write_text(ws, spec.header_row, i, col.header)
        cell.font = RED if col.requirement != "optional" else BLACK
        if col.required:
            cell.fill = REQUIRED_FILL
        cell.comment = Comment(describe(col), "aidtools", width=260, height=110)
        ws.column_dimensions[letter].width = max(10, min(40, len(col.header.encode("gbk")) + 4))
        for r in range(spec.first_data_row, spec.first_data_row + PREPARED_ROWS):
            ws.cell(row=r, column=i).number_format = TEXT_FORMAT
        if col.table:
            code_col += 1
            names = col.codes().names
            code_letter = get_column_letter(code_col)
            write_text(codes, 1, code_col, col.codes().title)
            for r, name in enumerate(names, start=2):
                write_text(codes, r, code_col, name)
            dv = DataValidation(type="list", formula1=f"'{CODES_SHEET}'!${code_letter}$2:${code_letter}${len(names) + 1}",
                                allow_blank=True, showErrorMessage=True, errorTitle="字典转换错误",
                                error=f"请从下拉列表中选择{col.codes().title}")
            dv.add(f"{letter}{spec.first_data_row}:{letter}{spec.first_data_row + PREPARED_ROWS - 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(row=spec.first_data_row, column=1)
    if code_col == 0:
        wb.remove(codes)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
