"""``aidtools spec from-template``: an official template read into a spec that ``--specs DIR`` uses
as it is. Round trip over every built-in template, and official-looking templates written by a
second writer (xlsxwriter, openpyxl for .xlsx with data validations on a hidden code sheet; xlwt for
.xls with formats, fonts and fills), each inferred property asserted, then check / merge / run on
filled copies."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import openpyxl
import pytest

from builders import AS_OF, ID_OTHER, luhn, make_id, spec_of, specs

from aidtools.cli import main
from aidtools.specs import load_specs
from aidtools.validate import check_file

BUILTIN = sorted(specs())

# ------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("template", BUILTIN)
def test_round_trip_of_every_builtin_template(template, tmp_path, capsys):
    blank = tmp_path / "blank.xlsx"
    assert main(["template", template, str(blank)]) == 0
    assert main(["spec", "from-template", str(blank), "--out", str(tmp_path / "specs")]) == 0
    out = capsys.readouterr().out
    assert f"模板 {template}" in out and "没有变化" in out
    built_in, made = spec_of(template), load_specs([tmp_path / "specs"])[template]
    assert made.source.endswith(f"{template}.yaml")
    assert (made.sheet, made.header_row, made.first_data_row) == (built_in.sheet, built_in.header_row, built_in.first_data_row)
    assert made.headers == built_in.headers
    for a, b in zip(built_in.columns, made.columns):
        assert (b.requirement, b.required_when, b.max_bytes, b.type, b.key) == (a.requirement, a.required_when, a.max_bytes, a.type, a.key), a.header
        assert (b.codes().names if b.table else None) == (a.codes().names if a.table else None), a.header
    assert made.unique == built_in.unique and made.row_rules == built_in.row_rules


# ------------------------------------------------------------------------ an official-looking .xlsx

TITLE = "2018年国家助学贷款信息导入模板"
# header (as written, line break included), requirement, list source, note
COLUMNS = [
    ("学号", "R", None, None), ("姓名", "R", None, None), ("身份证件\n号", "R", None, None),
    ("贷款类型", "R", "sheet:A", None), ("贷款学年", "R", None, None), ("合同编号", "R", "len:40", None),
    ("贷款金额(元)", "R", None, None), ("经办银行", "R", None, None),
    ("放款日期", "R", None, "格式YYYYMMDD，如20170901"),
    ("还款方式", "C", "sheet:B", "申请分期还款的学生必填"),
    ("放款方式", "O", "inline", None), ("贷款年限", "O", "whole:1:20", None), ("联系电话", "O", None, None),
]
CODES = {"A": ["贷款类型", "生源地信用助学贷款", "校园地国家助学贷款"], "B": ["还款方式", "按年还款", "按月还款", "到期一次还清"]}
INLINE = ["一次性发放", "分期发放"]
HEADER_ROW, FIRST_DATA_ROW = 3, 5  # two title rows; header cells two rows tall


def _letter(i: int) -> str:
    return openpyxl.utils.get_column_letter(i + 1)


def official_openpyxl(path: Path) -> Path:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation
    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = "填表说明"
    guide["A1"] = "1. 请严格按照模板填写，不能进行任何改动。"
    guide["A2"] = "2. 身份证件号、学号等请设置为文本格式。"
    ws = wb.create_sheet("助学贷款")
    codes = wb.create_sheet("代码表")
    codes.sheet_state = "hidden"
    for letter, values in CODES.items():
        for r, v in enumerate(values, start=1):
            codes[f"{letter}{r}"] = v
    last = _letter(len(COLUMNS) - 1)
    ws["A1"] = TITLE
    ws.merge_cells(f"A1:{last}1")
    ws["A2"] = "填报单位：            填报日期："
    ws.merge_cells(f"A2:{last}2")
    for i, (header, req, source, note) in enumerate(COLUMNS):
        letter = _letter(i)
        cell = ws.cell(row=HEADER_ROW, column=i + 1, value=header)
        cell.font = Font(bold=True, color="FF0000" if req in "RC" else "000000")
        if req == "R":
            cell.fill = PatternFill("solid", fgColor="BFBFBF")
        ws.merge_cells(f"{letter}{HEADER_ROW}:{letter}{HEADER_ROW + 1}")
        if note:
            cell.comment = Comment(note, "国家系统")
        for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 50):
            ws.cell(row=r, column=i + 1).number_format = "@"
        rng = f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + 999}"
        dv = None
        if source and source.startswith("sheet:"):
            col = source[6:]
            dv = DataValidation(type="list", formula1=f"代码表!${col}$2:${col}${len(CODES[col])}")
        elif source == "inline":
            dv = DataValidation(type="list", formula1='"' + ",".join(INLINE) + '"')
        elif source and source.startswith("len:"):
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=source[4:])
        elif source and source.startswith("whole:"):
            _, lo, hi = source.split(":")
            dv = DataValidation(type="whole", operator="between", formula1=lo, formula2=hi)
        if dv is not None:
            dv.add(rng)
            ws.add_data_validation(dv)
    wb.save(path)
    return path


def official_xlsxwriter(path: Path) -> Path:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path))
    guide = wb.add_worksheet("填表说明")
    guide.write_string(0, 0, "1. 请严格按照模板填写，不能进行任何改动。")
    ws = wb.add_worksheet("助学贷款")
    codes = wb.add_worksheet("代码表")
    codes.hide()
    for letter, values in CODES.items():
        for r, v in enumerate(values):
            codes.write_string(r, ord(letter) - 65, v)
    n = len(COLUMNS)
    title = wb.add_format({"bold": True, "align": "center"})
    ws.merge_range(0, 0, 0, n - 1, TITLE, title)
    ws.merge_range(1, 0, 1, n - 1, "填报单位：            填报日期：", None)
    text = wb.add_format({"num_format": "@"})
    fmts = {"R": wb.add_format({"bold": True, "font_color": "#FF0000", "bg_color": "#BFBFBF", "pattern": 1, "text_wrap": True}),
            "C": wb.add_format({"bold": True, "font_color": "#FF0000", "text_wrap": True}),
            "O": wb.add_format({"bold": True, "font_color": "#000000", "text_wrap": True})}
    h, d = HEADER_ROW - 1, FIRST_DATA_ROW - 1
    for i, (header, req, source, note) in enumerate(COLUMNS):
        ws.merge_range(h, i, h + 1, i, header, fmts[req])
        ws.set_column(i, i, 14, text)
        if note:
            ws.write_comment(h, i, note)
        options = None
        if source and source.startswith("sheet:"):
            col = source[6:]
            options = {"validate": "list", "source": f"=代码表!${col}$2:${col}${len(CODES[col])}"}
        elif source == "inline":
            options = {"validate": "list", "source": INLINE}
        elif source and source.startswith("len:"):
            options = {"validate": "length", "criteria": "<=", "value": int(source[4:])}
        elif source and source.startswith("whole:"):
            _, lo, hi = source.split(":")
            options = {"validate": "integer", "criteria": "between", "minimum": int(lo), "maximum": int(hi)}
        if options:
            ws.data_validation(d, i, d + 999, i, options)
    wb.close()
    return path


OFFICIAL = {"openpyxl": official_openpyxl, "xlsxwriter": official_xlsxwriter}


def loan_row(k: int) -> list[str]:
    return [f"{20180001 + k}", "张三", ID_OTHER[k], "校园地国家助学贷款", "2017-2018", f"HT2017{k:04d}", "8000",
            "国家开发银行", "20171015", "按年还款", "一次性发放", "6", "13912345678"]


def fill_xlsx(official: Path, out: Path, rows: list[list]) -> Path:
    """A department fills the official template with openpyxl (text cells, as typed into text columns)."""
    wb = openpyxl.load_workbook(official)
    ws = wb["助学贷款"]
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.data_type = "s"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


@pytest.fixture(params=list(OFFICIAL))
def official(request, tmp_path, capsys):
    """(template, spec folder, what from-template said)."""
    path = OFFICIAL[request.param](tmp_path / "国家助学贷款导入模板.xlsx")
    spec_dir = tmp_path / "specs"
    assert main(["spec", "from-template", str(path), "--id", "loan", "--out", str(spec_dir)]) == 0
    return path, spec_dir, capsys.readouterr().out


def test_official_xlsx_template_gives_its_spec(official):
    path, spec_dir, out = official
    spec = load_specs([spec_dir])["loan"]
    assert spec.sheet == "助学贷款" and spec.header_row == HEADER_ROW and spec.first_data_row == FIRST_DATA_ROW
    assert spec.title == "国家助学贷款信息" and spec.version == "2018"
    assert spec.headers == [h.replace("\n", "") for h, *_ in COLUMNS]  # the line break is layout, not name
    req = {c.header: c.requirement for c in spec.columns}
    assert [req[h.replace("\n", "")] for h, *_ in COLUMNS] == [
        {"R": "required", "C": "conditional", "O": "optional"}[r] for _, r, *_ in COLUMNS]
    # drop-down lists: a packaged table when it is one, else a table written beside the spec
    assert spec.column("贷款类型").type == "code" and spec.column("贷款类型").table == "loan_type"
    repay = spec.column("还款方式")
    assert repay.type == "code" and repay.codes().names == CODES["B"][1:] and repay.codes().title == "还款方式"
    assert (spec_dir / "codes" / f"{repay.table}.yaml").is_file()
    assert spec.column("放款方式").codes().names == INLINE
    # validations become limits; notes are kept
    assert spec.column("合同编号").max_bytes == 40
    years = spec.column("贷款年限")
    assert (years.type, years.min, years.max) == ("int", 1, 20)
    assert spec.column("放款日期").note == "格式YYYYMMDD，如20170901"
    # types from header names, marked as guesses
    assert spec.column("联系电话").type == "mobile" and "type" in spec.column("联系电话").guessed
    assert spec.column("身份证件号").type == "id_no" and spec.column("学号").type == "student_no"
    assert spec.column("还款方式").guessed == ["required"]  # conditional, condition unknown
    assert spec.column("贷款类型").guessed is None
    # the template is registered beside the spec, and every guess is listed on the terminal
    assert spec.template_file and Path(spec.template_file).read_bytes() == path.read_bytes()
    assert "跳过的工作表" in out and "填表说明" in out and "代码表" in out
    assert "列“联系电话” type = mobile" in out and "列“还款方式” required = conditional" in out
    assert TITLE in out


def test_check_merge_and_run_work_on_a_filled_official_template(official, tmp_path, capsys):
    path, spec_dir, _ = official
    subs = tmp_path / "subs"
    fill_xlsx(path, subs / "财务处" / "贷款.xlsx", [loan_row(0), loan_row(1)])
    bad = loan_row(2)
    bad[9], bad[11] = "按季还款", "30"  # not in its drop-down list; above the whole-number validation
    fill_xlsx(path, subs / "经济学院" / "贷款.xlsx", [bad])
    spec_set = load_specs([spec_dir])
    good = check_file(subs / "财务处" / "贷款.xlsx", specs=spec_set, as_of=AS_OF)
    assert good.template == "loan" and good.errors == 0, good.findings[["rule", "message"]].to_string()
    wrong = check_file(subs / "经济学院" / "贷款.xlsx", specs=spec_set, as_of=AS_OF)
    assert sorted(wrong.findings["rule"]) == ["cell.code", "cell.range"]
    assert set(wrong.findings["column"]) == {"J", "L"} and set(wrong.findings["row"]) == {FIRST_DATA_ROW}

    capsys.readouterr()
    assert main(["merge", str(subs), "--specs", str(spec_dir), "--out", str(tmp_path / "merged"),
                 "--template-file", str(path), "--as-of", "20180630"]) == 1  # the bad file's row is held back
    merged = next((tmp_path / "merged").rglob("*国家助学贷款*.xlsx"), None) or next(
        p for p in (tmp_path / "merged").rglob("*.xlsx") if "助学贷款" in openpyxl.load_workbook(p).sheetnames)
    wb = openpyxl.load_workbook(merged)
    assert wb.sheetnames == ["填表说明", "助学贷款", "代码表"] and wb["代码表"].sheet_state == "hidden"
    ws = wb["助学贷款"]
    assert ws["A1"].value == TITLE and ws.cell(row=HEADER_ROW, column=3).value == "身份证件\n号"
    got = [[ws.cell(row=r, column=c).value for c in (1, 3, 10)] for r in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1)]
    assert sorted(got) == sorted([[loan_row(k)[0], loan_row(k)[2], "按年还款"] for k in (0, 1)])
    assert ws.cell(row=FIRST_DATA_ROW + 2, column=1).value is None

    out = tmp_path / "run"
    assert main(["run", str(subs), "--specs", str(spec_dir), "--out", str(out), "--as-of", "20180630"]) in (0, 1)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    files = {Path(f["path"]).parent.name: f for f in report["files"]}
    assert files["财务处"]["template"] == "loan" and files["财务处"]["errors"] == 0
    assert files["经济学院"]["errors"] == 2


def test_template_command_hands_out_the_official_file(official, tmp_path, capsys):
    path, spec_dir, _ = official
    out = tmp_path / "发给学院" / "贷款模板.xlsx"
    assert main(["template", "loan", str(out), "--specs", str(spec_dir)]) == 0
    assert out.read_bytes() == path.read_bytes()
    assert "已复制官方模板" in capsys.readouterr().out
    assert main(["template", "student", str(tmp_path / "s.xlsx"), "--specs", str(spec_dir)]) == 0  # none: our blank
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames[0] == "学生基本信息"


# ------------------------------------------------------------------------ an official-looking .xls (xlwt)

XLS_COLUMNS = [("学号", "R"), ("姓名", "R"), ("身份证件号", "R"), ("院系", "R"), ("资助项目", "R"), ("资助学年", "R"),
               ("资助档次", "C"), ("发放金额(元)", "R"), ("发放日期", "R"), ("发放批次", "R"), ("银行卡号", "R"),
               ("开户银行", "R"), ("备注", "O")]


def official_xls(path: Path, rows=()) -> Path:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    guide = wb.add_sheet("填表说明")
    guide.write(0, 0, "请严格按照从全国学生资助管理信息系统下载的模板填写，不能进行任何改动。")
    hidden_guide = wb.add_sheet("说明2")
    hidden_guide.write(0, 0, "内部说明")
    hidden_guide.visibility = 1
    ws = wb.add_sheet("资助发放")
    codes = wb.add_sheet("代码")
    codes.visibility = 1
    codes.write(0, 0, "资助项目")
    styles = {"R": xlwt.easyxf("font: bold on, colour red; pattern: pattern solid, fore_colour gray25; align: wrap on"),
              "C": xlwt.easyxf("font: bold on, colour red; align: wrap on"),
              "O": xlwt.easyxf("font: bold on, colour black; align: wrap on")}
    text = xlwt.easyxf(num_format_str="@")
    ws.write_merge(0, 0, 0, len(XLS_COLUMNS) - 1, "2018年资助发放信息", xlwt.easyxf("font: bold on, height 320"))
    ws.write_merge(1, 1, 0, len(XLS_COLUMNS) - 1, "填报单位：")
    for i, (header, req) in enumerate(XLS_COLUMNS):
        ws.write(2, i, header, styles[req])
        ws.col(i).width = 4000
        for r in range(3, 40):  # the data area formatted as text; filled rows typed in it
            k = r - 3
            ws.write(r, i, rows[k][i] if k < len(rows) else "", text)
    wb.save(str(path))
    return path


def disbursement_row(k: int) -> list[str]:
    return [f"{20180001 + k}", "李四", make_id(order=2 * k + 1), "经济学院", "国家助学金", "2017-2018", "一等", "2000",
            "20171020", "1", luhn(f"62220212345678{k:04d}"), "中国工商银行", ""]


def test_official_xls_template_read_from_its_biff_records(tmp_path, capsys):
    path = official_xls(tmp_path / "资助发放.xls")
    spec_dir = tmp_path / "specs"
    assert main(["spec", "from-template", str(path), "--out", str(spec_dir)]) == 0
    out = capsys.readouterr().out
    spec = load_specs([spec_dir])["disbursement"]  # the id guessed from the header
    assert "模板 id = disbursement" in out and "说明2" in out and "代码" in out
    assert (spec.sheet, spec.header_row, spec.first_data_row, spec.version) == ("资助发放", 3, 4, "2018")
    assert spec.title == "资助发放信息"
    assert spec.headers == [h for h, _ in XLS_COLUMNS]
    assert [c.requirement for c in spec.columns] == [{"R": "required", "C": "conditional", "O": "optional"}[r]
                                                       for _, r in XLS_COLUMNS]
    # no drop-downs in this workbook: types and the 资助档次 condition come from the built-in spec, as guesses
    assert spec.column("资助项目").type == "code" and "type" in spec.column("资助项目").guessed
    assert spec.column("资助档次").required_when == spec_of("disbursement").column("资助档次").required_when
    assert spec.column("备注").type == "text" and spec.column("备注").guessed == ["type"]  # required: its colour
    assert Path(spec.template_file).suffix == ".xls"


def test_xls_styles_come_from_xf_font_and_format_records(tmp_path):
    from aidtools.spec_from_template.xls_layout import read_xls_layout
    layout = read_xls_layout(official_xls(tmp_path / "t.xls"))
    assert [(s.name, s.hidden) for s in layout.sheets] == [("填表说明", False), ("说明2", True), ("资助发放", False), ("代码", True)]
    sheet = layout.sheet("资助发放")
    assert (0, 0, 0, len(XLS_COLUMNS) - 1) in sheet.merged and (1, 0, 1, len(XLS_COLUMNS) - 1) in sheet.merged
    required, conditional, optional = sheet.style(2, 0), sheet.style(2, 6), sheet.style(2, 12)
    assert (required.font_rgb, required.bold, required.fill_rgb) == ("FF0000", True, "C0C0C0")
    assert (conditional.font_rgb, conditional.fill_rgb) == ("FF0000", None)
    assert (optional.font_rgb, optional.fill_rgb) == ("000000", None)
    assert sheet.style(3, 2).number_format == "@"


def test_check_and_merge_on_a_filled_xls_official_template(tmp_path, capsys):
    path = official_xls(tmp_path / "资助发放.xls")
    spec_dir = tmp_path / "specs"
    assert main(["spec", "from-template", str(path), "--id", "disbursement", "--out", str(spec_dir)]) == 0
    subs = tmp_path / "subs"
    (subs / "经济学院").mkdir(parents=True)
    filled = official_xls(subs / "经济学院" / "发放.xls", [disbursement_row(0), disbursement_row(1)])
    report = check_file(filled, specs=load_specs([spec_dir]), as_of=AS_OF)
    assert report.template == "disbursement" and report.errors == 0, report.findings[["rule", "message"]].to_string()
    capsys.readouterr()
    code = main(["merge", str(subs), "--specs", str(spec_dir), "--out", str(tmp_path / "merged"),
                 "--template-file", str(path), "--as-of", "20180630"])
    out = capsys.readouterr()
    assert code == 0, out
    assert "无法直接写入" in out.out + out.err  # .xls: says what is written instead
    book = next(p for p in (tmp_path / "merged").rglob("*.xlsx") if "资助发放" in openpyxl.load_workbook(p).sheetnames)
    ws = openpyxl.load_workbook(book)["资助发放"]
    assert ws["A1"].value == "2018年资助发放信息" and ws.cell(row=3, column=1).value == "学号"
    assert sorted(ws.cell(row=r, column=1).value for r in (4, 5)) == ["20180001", "20180002"]


# ------------------------------------------------------------------------ .xls data validations


def _unicode(text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<HB", len(text), 1) + raw


def _dv(kind: int, rgce1: bytes, rgce2: bytes, ranges, operator: int = 0) -> bytes:
    flags = kind | (1 << 8) | (1 << 19) | (operator << 20)
    body = struct.pack("<I", flags)
    for s in ("", "字典转换错误", "", "请从下拉列表中选择"):
        body += _unicode(s or "\0")
    for rgce in (rgce1, rgce2):
        body += struct.pack("<HH", len(rgce), 0) + rgce
    body += struct.pack("<H", len(ranges)) + b"".join(struct.pack("<HHHH", *r) for r in ranges)
    return body


def test_xls_data_validation_records_are_parsed():
    """DV records as [MS-XLS] 2.4.105 lays them out: an inline list (tStr), a list on another sheet
    (tArea3d through EXTERNSHEET) and a whole-number range (tInt)."""
    from aidtools.spec_from_template.xls_layout import parse_dv, parse_list_formula
    items = "男\0女"
    inline = bytes([0x17]) + struct.pack("<BB", len(items), 1) + items.encode("utf-16-le")
    v, f1, _ = parse_dv(_dv(3, inline, b"", [(4, 1003, 5, 5)]))
    assert (v.kind, v.ranges, v.error_title, v.error) == ("list", [(4, 5, 1003, 5)], "字典转换错误", "请从下拉列表中选择")
    assert parse_list_formula(f1, []) == ("inline", ["男", "女"])
    area = bytes([0x3B]) + struct.pack("<HHHHH", 0, 1, 2, 0xC001, 0xC001)
    v, f1, _ = parse_dv(_dv(3, area, b"", [(4, 100, 3, 3)]))
    assert parse_list_formula(f1, [2]) == ("area", (2, 1, 1, 2, 1))
    v, _, _ = parse_dv(_dv(1, b"\x1e" + struct.pack("<H", 1), b"\x1e" + struct.pack("<H", 20), [(4, 100, 6, 6)]))
    assert (v.kind, v.operator, v.formula1, v.formula2) == ("whole", "between", "1", "20")


def test_unreadable_template_is_said_in_chinese(tmp_path, capsys):
    bad = tmp_path / "模板.xls"
    bad.write_bytes(b"not a workbook at all" * 100)
    assert main(["spec", "from-template", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "无法读取" in err and "Traceback" not in err
