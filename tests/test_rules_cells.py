"""Every cell and row rule, one changed cell per case, in workbooks written by openpyxl and by
xlsxwriter. Each case starts from a valid row (tests/builders.py) and asserts *exactly* the findings
it expects: rule, severity, Excel row and column letter, and nothing else.

Speed: checking a file has a fixed cost, so the single-row cases of one template share one workbook
(one row per case, keys kept distinct) and each case then looks at its own row only. Cases that need
several rows, or a file of their own (``alone``), get their own workbook."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from builders import (CARD, ID_OTHER, ID_X, ID_X2, letter_of, make_id, rows_for, spec_of, valid_student, write_book,
                      wrong_check, write_template)
from conftest import check, found

def fullwidth(text: str, start: int = 0) -> str:
    """``text`` with its digits from ``start`` on in full-width form (１２３)."""
    return text[:start] + "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text[start:])


ID = ID_OTHER[0]  # a valid ID without X (so it can also be typed as a number); born 19990515, woman
E, W = "error", "warning"


@dataclass
class Case:
    id: str
    template: str
    changes: tuple  # one dict per data row: header -> value
    expect: list  # (rule, severity, Excel row, header or None)
    table: dict = field(default_factory=dict)  # {(Excel row, key): value} expected in report.table
    alone: bool = False  # needs a workbook of its own (several rows, or a file-wide yardstick)


def c(case_id, template, changes, expect, table=None, alone=False) -> Case:
    """A case; rows in ``expect``/``table`` are Excel rows of a file holding just this case."""
    changes = changes if isinstance(changes, tuple) else (changes,)
    return Case(case_id, template, changes, expect, table or {}, alone or len(changes) > 1)


CASES = [
    # ----- tricky values that are valid: no finding at all -------------------------------------
    c("valid_middle_dot_name_and_X", "student", {}, [],
      {(2, "name"): "阿依古丽·买买提", (2, "id_no"): ID_X, (2, "student_no"): "0012345"}),
    c("valid_lowercase_x_normalised", "student", {"身份证件号": ID_X2.lower()}, [], {(2, "id_no"): ID_X2}),
    c("valid_codes_by_number_and_alias", "student", {"民族": "05", "性别": "2", "政治面貌": "团员"}, [],
      {(2, "ethnicity"): "维吾尔族", (2, "sex"): "女", (2, "political"): "中国共产主义青年团团员"}),
    c("valid_optional_blank", "student", {"政治面貌": None, "班级": None, "户口性质": None, "生源地": None, "手机号码": None}, []),
    c("valid_passport_not_gb11643", "student", {"身份证件类型": "护照", "身份证件号": "E12345678"}, [],
      {(2, "id_no"): "E12345678"}),
    c("valid_amount_as_number", "disbursement", {"发放金额(元)": 1500, "发放批次": 1}, [],
      {(2, "amount"): "1500", (2, "batch"): "1"}),
    c("valid_reason_not_needed_when_not_difficult", "difficulty", {"认定等级": "不困难", "认定原因": None}, []),
    c("valid_flag_yes_with_special_difficulty", "difficulty", {"孤残学生": "是", "认定等级": "特别困难"}, []),
    c("valid_tier_blank_for_scholarship", "disbursement", {"资助项目": "国家奖学金", "资助档次": None, "发放金额(元)": "8000"}, []),
    # ----- cell.required --------------------------------------------------------------------------
    c("required_blank", "student", {"姓名": None}, [("cell.required", E, 2, "姓名")]),
    # "\u3000": openpyxl drops an all-blank "  " (no xml:space="preserve"); full-width spaces survive.
    c("required_whitespace_only", "student", {"院系": "\u3000\u3000"},
      [("cell.required", E, 2, "院系"), ("cell.whitespace", W, 2, "院系")]),
    c("required_if_tiered_programme", "disbursement", {"资助档次": None}, [("cell.required", E, 2, "资助档次")]),
    c("required_unless_not_difficult", "difficulty", {"认定原因": None}, [("cell.required", E, 2, "认定原因")]),
    # ----- cell.type -------------------------------------------------------------------------------
    c("type_date_impossible", "student", {"出生日期": "19991332"}, [("cell.type", E, 2, "出生日期")]),
    c("type_date_serial_number", "difficulty", {"认定日期": 43023}, [("cell.type", E, 2, "认定日期")]),
    c("type_amount_text", "disbursement", {"发放金额(元)": "一千五"}, [("cell.type", E, 2, "发放金额(元)")],
      {(2, "amount"): None}),
    c("type_amount_three_decimals", "disbursement", {"发放金额(元)": "1500.123"}, [("cell.type", E, 2, "发放金额(元)")]),
    c("type_amount_infinity", "disbursement", {"发放金额(元)": "inf"}, [("cell.type", E, 2, "发放金额(元)")]),
    c("valid_huge_amount_not_wrapped", "allocation", {"下达金额(元)": 1e19}, [],
      {(2, "amount"): "10000000000000000000"}),
    c("type_int_fraction", "difficulty", {"家庭人口数": "3.5"}, [("cell.type", E, 2, "家庭人口数")]),
    c("type_month_text", "student", {"入学年月": "九月"}, [("cell.type", E, 2, "入学年月")]),
    # ----- cell.code -------------------------------------------------------------------------------
    c("code_old_spelling", "student", {"民族": "汉"}, [("cell.code", E, 2, "民族")], {(2, "ethnicity"): None}),
    c("code_unknown_sex", "student", {"性别": "M"}, [("cell.code", E, 2, "性别")]),
    c("code_programme", "allocation", {"资助项目": "国家助学"}, [("cell.code", E, 2, "资助项目")]),
    c("code_loan_type", "loan", {"贷款类型": "商业贷款"}, [("cell.code", E, 2, "贷款类型")]),
    c("code_subsystem", "tasks", {"子系统": "本科"}, [("cell.code", E, 2, "子系统")]),
    # ----- cell.length -----------------------------------------------------------------------------
    c("length_gbk_bytes", "student", {"院系": "机" * 31}, [("cell.length", E, 2, "院系")]),
    c("length_exactly_at_limit_ok", "student", {"院系": "机" * 30}, []),
    c("length_name", "loan", {"姓名": "阿" * 16}, [("cell.length", E, 2, "姓名")]),
    # ----- cell.pattern ----------------------------------------------------------------------------
    c("pattern_school_code", "student", {"学校代码": "1000"}, [("cell.pattern", E, 2, "学校代码")]),
    c("pattern_student_no", "student", {"学号": "00-123"}, [("cell.pattern", E, 2, "学号")]),
    c("pattern_name_digit", "student", {"姓名": "张三3"}, [("cell.pattern", E, 2, "姓名")]),
    c("pattern_name_wrong_dot", "difficulty", {"姓名": "阿依古丽•买买提"}, [("cell.pattern", E, 2, "姓名")]),
    c("pattern_mobile", "student", {"手机号码": "12812345678"}, [("cell.pattern", E, 2, "手机号码")]),
    c("pattern_region6_province", "student", {"生源地": "990102"}, [("cell.pattern", E, 2, "生源地")]),
    c("pattern_region6_length", "student", {"生源地": "65010"}, [("cell.pattern", E, 2, "生源地")]),
    c("pattern_academic_year", "loan", {"贷款学年": "2017-2019"}, [("cell.pattern", E, 2, "贷款学年")]),
    c("pattern_id_letter", "student", {"身份证件号": ID[:-1] + "A"}, [("cell.pattern", E, 2, "身份证件号")]),
    c("pattern_bank_card_short", "disbursement", {"银行卡号": "622202123456"}, [("cell.pattern", E, 2, "银行卡号")]),
    c("pattern_emoji", "student", {"专业": "机械😀"}, [("cell.pattern", E, 2, "专业")]),
    # Full-width digits ("１２３", typed with a Chinese IME) are no digits to the national system;
    # they once crashed the ID and Luhn checks (and so the whole batch).
    c("pattern_id_fullwidth_digits", "student", {"身份证件号": fullwidth(ID_OTHER[1], 14)}, [("cell.pattern", E, 2, "身份证件号")]),
    c("pattern_card_fullwidth_digits", "disbursement", {"银行卡号": fullwidth(CARD)}, [("cell.pattern", E, 2, "银行卡号")]),
    c("pattern_grade_fullwidth_digits", "student", {"年级": fullwidth("2017")}, [("cell.pattern", E, 2, "年级")]),
    c("pattern_school_code_fullwidth", "student", {"学校代码": fullwidth("10001")}, [("cell.pattern", E, 2, "学校代码")]),
    # ----- cell.range ------------------------------------------------------------------------------
    c("range_grade", "student", {"年级": "1980", "入学年月": "198009"}, [("cell.range", E, 2, "年级")]),
    c("range_grade_too_late", "student", {"年级": "2020", "入学年月": "201709"}, [("cell.range", E, 2, "年级")]),
    c("range_duration", "student", {"学制": "9"}, [("cell.range", E, 2, "学制")]),
    c("range_future_date", "difficulty", {"认定日期": "20180701"}, [("cell.range", E, 2, "认定日期")]),
    c("range_future_month", "student", {"入学年月": "201809"}, [("cell.range", E, 2, "入学年月")]),
    c("range_amount_zero", "disbursement", {"发放金额(元)": "0"}, [("cell.range", E, 2, "发放金额(元)")]),
    c("range_batch", "disbursement", {"发放批次": "13"}, [("cell.range", E, 2, "发放批次")]),
    c("range_family_size", "difficulty", {"家庭人口数": "0"}, [("cell.range", E, 2, "家庭人口数")]),
    c("range_income_negative", "difficulty", {"家庭年收入(元)": "-1"}, [("cell.range", E, 2, "家庭年收入(元)")]),
    c("range_quota", "allocation", {"名额": "100001"}, [("cell.range", E, 2, "名额")]),
    # ----- cell.whitespace -------------------------------------------------------------------------
    c("whitespace_name", "student", {"姓名": " 阿依古丽·买买提 "}, [("cell.whitespace", W, 2, "姓名")],
      {(2, "name"): "阿依古丽·买买提"}),
    c("whitespace_invisible", "student", {"院系": "机械工程学院\u200b"}, [("cell.whitespace", W, 2, "院系")],
      {(2, "college"): "机械工程学院"}),
    c("whitespace_fullwidth_in_id", "student", {"身份证件号": ID + "\u3000"}, [("cell.whitespace", W, 2, "身份证件号")],
      {(2, "id_no"): ID}),
    c("whitespace_line_break", "tasks", {"责任部门": "学生资助\n管理中心"}, [("cell.whitespace", W, 2, "责任部门")]),
    # ----- cell.illegal_character (a control character no worksheet can hold; \x0b is whitespace) --
    c("illegal_character_bell", "student", {"班级": "机械\x071701"}, [("cell.illegal_character", E, 2, "班级")],
      {(2, "class_name"): "机械\x071701"}),
    c("illegal_character_nul_and_escape", "student", {"专业": "\x00机械\x1b设计"}, [("cell.illegal_character", E, 2, "专业")]),
    c("vertical_tab_is_whitespace", "student", {"院系": "机械\x0b工程学院"}, [("cell.whitespace", W, 2, "院系")],
      {(2, "college"): "机械 工程学院"}),
    # ----- cell.number_stored ----------------------------------------------------------------------
    c("number_stored_id_18_digits", "student", {"身份证件号": int(ID)}, [("cell.number_stored", E, 2, "身份证件号")],
      {(2, "id_no"): None}),
    c("number_stored_id_sci_text", "difficulty", {"身份证件号": "6.50102E+17"}, [("cell.number_stored", E, 2, "身份证件号")],
      {(2, "id_no"): None}),
    c("number_stored_bank_card", "disbursement", {"银行卡号": int(CARD)}, [("cell.number_stored", E, 2, "银行卡号")],
      {(2, "bank_card"): None}),
    c("number_stored_student_no_zeros_lost", "student", ({"学号": 12345}, {}),
      [("cell.number_stored", E, 2, "学号")], {(2, "student_no"): None}),
    # Alone in its file there is no yardstick for the 学号 length: stored as a number, but nothing lost.
    c("number_stored_student_no_single_row", "student", {"学号": 12345}, [("cell.number_stored", W, 2, "学号")],
      {(2, "student_no"): "12345"}, alone=True),
    c("number_stored_code_zero_lost", "student", {"民族": 5}, [("cell.number_stored", E, 2, "民族")]),
    c("number_stored_old_id_intact", "student", {"身份证件号": 650102990515004},
      [("cell.number_stored", W, 2, "身份证件号"), ("id.old_format", W, 2, "身份证件号")]),
    c("number_stored_short_id", "student", {"身份证件号": 6501021999051},
      [("cell.number_stored", W, 2, "身份证件号"), ("id.length", E, 2, "身份证件号")]),
    c("number_stored_region_intact", "student", {"生源地": 650102}, [("cell.number_stored", W, 2, "生源地")],
      {(2, "origin_region"): "650102"}),
    c("number_stored_mobile_intact", "student", {"手机号码": 13812345678}, [("cell.number_stored", W, 2, "手机号码")],
      {(2, "mobile"): "13812345678"}),
    c("number_stored_school_code_intact", "student", {"学校代码": 10001}, [("cell.number_stored", W, 2, "学校代码")]),
    # ----- cell.date_format ------------------------------------------------------------------------
    c("date_format_excel_date_cell", "student", {"出生日期": dt.date(1999, 5, 15)}, [("cell.date_format", W, 2, "出生日期")],
      {(2, "birth_date"): "19990515"}),
    c("date_format_dashes", "loan", {"放款日期": "2017-10-20"}, [("cell.date_format", W, 2, "放款日期")],
      {(2, "date"): "20171020"}),
    c("date_format_slashes", "allocation", {"下达日期": "2017/9/15"}, [("cell.date_format", W, 2, "下达日期")],
      {(2, "date"): "20170915"}),
    c("date_format_month", "student", {"入学年月": "2017-09"}, [("cell.date_format", W, 2, "入学年月")],
      {(2, "enrol_month"): "201709"}),
    c("date_format_excel_date_in_month", "student", {"入学年月": dt.date(2017, 9, 1)},
      [("cell.date_format", W, 2, "入学年月")], {(2, "enrol_month"): "201709"}),
    c("date_format_academic_year_dash", "disbursement", {"资助学年": "2017—2018"}, [("cell.date_format", W, 2, "资助学年")],
      {(2, "academic_year"): "2017-2018"}),
    # ----- cell.flag_no ----------------------------------------------------------------------------
    c("flag_no", "difficulty", {"孤残学生": "否"}, [("cell.flag_no", E, 2, "孤残学生")]),
    c("flag_other", "difficulty", {"烈士子女": "√"}, [("cell.flag_no", E, 2, "烈士子女")]),
    # ----- id.* ------------------------------------------------------------------------------------
    c("id_length", "student", {"身份证件号": ID[:17]}, [("id.length", E, 2, "身份证件号")], {(2, "id_no"): None}),
    c("id_checksum", "student", {"身份证件号": wrong_check(ID)}, [("id.checksum", E, 2, "身份证件号")], {(2, "id_no"): None}),
    c("id_checksum_disbursement", "disbursement", {"身份证件号": wrong_check(ID_X)}, [("id.checksum", E, 2, "身份证件号")]),
    c("id_birth_date_impossible", "student", {"身份证件号": make_id(birth="19990231")}, [("id.birth_date", E, 2, "身份证件号")]),
    c("id_birth_date_future", "loan", {"身份证件号": make_id(birth="20190101")}, [("id.birth_date", E, 2, "身份证件号")]),
    c("id_region", "student", {"身份证件号": make_id(region="000102")}, [("id.region", E, 2, "身份证件号")]),
    c("id_county_not_yet", "student", {"身份证件号": make_id(region="110115")}, [("id.county", W, 2, "身份证件号")],
      {(2, "id_no"): make_id(region="110115")}),
    c("id_old_format", "student", {"身份证件号": "650102990515002"}, [("id.old_format", W, 2, "身份证件号")]),
    c("id_temporary", "student", {"身份证件号": "999100010000000001"}, [("id.temporary", W, 2, "身份证件号")]),
    c("id_other_type_too_long", "student", {"身份证件类型": "护照", "身份证件号": "E" * 21}, [("id.length", E, 2, "身份证件号")]),
    # ----- bank.luhn -------------------------------------------------------------------------------
    c("bank_luhn", "disbursement", {"银行卡号": CARD[:-1] + str((int(CARD[-1]) + 1) % 10)}, [("bank.luhn", W, 2, "银行卡号")]),
    # ----- row.duplicate ---------------------------------------------------------------------------
    c("duplicate_student_no", "student", ({}, {"学号": "0012345"}), [("row.duplicate", E, 3, "学号")]),
    c("duplicate_id_no", "student", ({}, {"身份证件号": ID_X}), [("row.duplicate", E, 3, "身份证件号")]),
    c("duplicate_contract", "loan", ({}, {"合同编号": "HT20170000"}), [("row.duplicate", E, 3, "合同编号")]),
    c("duplicate_payment_batch", "disbursement", ({}, {"学号": "0012345", "身份证件号": ID_X}),
      [("row.duplicate", E, 3, "学号")]),
    c("not_duplicate_other_batch", "disbursement", ({}, {"学号": "0012345", "身份证件号": ID_X, "发放批次": "2"}), []),
    # ----- row.sex_mismatch / row.birth_mismatch ---------------------------------------------------
    c("sex_mismatch", "student", {"性别": "男"}, [("row.sex_mismatch", E, 2, "性别")]),
    c("sex_mismatch_by_code", "student", {"性别": "1"}, [("row.sex_mismatch", E, 2, "性别")]),
    c("birth_mismatch", "student", {"出生日期": "19990516"}, [("row.birth_mismatch", E, 2, "出生日期")]),
    c("birth_mismatch_excel_date", "student", {"出生日期": dt.date(1999, 5, 16)},
      [("cell.date_format", W, 2, "出生日期"), ("row.birth_mismatch", E, 2, "出生日期")]),
    # ----- row.rule --------------------------------------------------------------------------------
    c("rule_school_code_same", "student", ({}, {}, {"学校代码": "10002"}), [("row.rule", E, 4, "学校代码")]),
    c("rule_school_code_same_one_row", "student", {"学校代码": "10002"}, [("row.rule", E, 2, "学校代码")]),
    c("rule_enrol_month_grade", "student", {"入学年月": "201609"}, [("row.rule", W, 2, "入学年月")]),
    c("rule_special_group_not_difficult", "difficulty", {"建档立卡贫困家庭": "是", "认定等级": "不困难"},
      [("row.rule", E, 2, "认定等级")]),
    c("rule_special_group_general", "difficulty", {"最低生活保障家庭": "是", "认定等级": "一般困难"},
      [("row.rule", W, 2, "认定等级")]),
    c("rule_date_in_academic_year", "difficulty", {"认定日期": "20170815"}, [("row.rule", E, 2, "认定日期")]),
    c("rule_tier_blank_otherwise", "disbursement", {"资助项目": "国家奖学金", "发放金额(元)": "8000"},
      [("row.rule", E, 2, "资助档次")]),
    c("rule_payment_date_window", "disbursement", {"发放日期": "20170815"}, [("row.rule", E, 2, "发放日期")]),
    c("rule_known_template", "tasks", {"模板": "nonsense"}, [("row.rule", E, 2, "模板")]),
    c("task_unknown_item", "tasks", {"模板": "", "数据项": "食堂补贴"}, [("task.unknown_item", W, 2, "数据项")]),
    c("task_item_with_template", "tasks", {"模板": "disbursement", "数据项": "夏令营补贴"}, []),
]


def _expected(case: Case, row_shift: int = 0) -> list[tuple]:
    return sorted((rule, severity, row + row_shift, letter_of(case.template, header) if header else None)
                  for rule, severity, row, header in case.expect)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """(template, writer) -> (report, {case id: Excel row}) for the workbook of the shared cases."""
    cache = {}

    def get(template: str, writer: str):
        if (template, writer) not in cache:
            cases = [k for k in CASES if k.template == template and not k.alone]
            folder = tmp_path_factory.mktemp(f"{template}-{writer}")
            report = check(write_template(folder, template, *[k.changes[0] for k in cases], writer=writer))
            assert report.template == template and report.rows == len(cases)
            # Nothing outside a data row: the shared workbook is itself well-formed.
            assert report.findings["row"].notna().all()
            cache[(template, writer)] = (report, {k.id: row for row, k in enumerate(cases, start=2)})
        return cache[(template, writer)]

    return get


@pytest.mark.parametrize("case", CASES, ids=[k.id for k in CASES])
def test_rule(case: Case, writer, shared, tmp_path):
    if case.alone:
        report = check(write_template(tmp_path, case.template, *case.changes, writer=writer))
        shift, got = 0, found(report)
    else:
        report, rows = shared(case.template, writer)
        shift = rows[case.id] - 2
        got = [f for f in found(report) if f[2] == rows[case.id]]
    assert report.template == case.template
    assert got == _expected(case, shift)
    # Every finding in a column names that column's header.
    cells = report.findings[report.findings["column"].notna()]
    assert cells["field"].notna().all()
    for (row, key), value in case.table.items():
        got_value = report.table.loc[report.table["_row"] == row + shift, key].iloc[0]
        assert got_value == value, (row, key, got_value)


def test_case_ids_unique():
    ids = [k.id for k in CASES]
    assert len(ids) == len(set(ids))


def test_every_cell_and_row_rule_has_a_case():
    from aidtools.rules import RULES

    wanted = {r for r, rule in RULES.items() if rule.scope in ("cell", "row") and not r.startswith("template.")}
    covered = {e[0] for k in CASES for e in k.expect}
    assert wanted <= covered, wanted - covered


def test_id_typed_as_number_is_not_silently_corrected(writer, tmp_path):
    """An 18-digit ID in a number cell: Excel kept 15 digits; we report it and keep nothing."""
    report = check(write_template(tmp_path, "student", {"身份证件号": int(ID)}, writer=writer))
    f = report.findings
    hit = f[f["rule"] == "cell.number_stored"]
    assert list(hit["severity"]) == ["error"] and list(hit["column"]) == ["E"] and list(hit["row"]) == [2]
    assert "15位" in hit["message"].iloc[0]
    kept = report.table["id_no"].dropna().astype(str)
    assert not kept.str.contains(ID[:15]).any()
    assert ID not in set(report.table.astype(str).to_numpy().ravel())


def test_findings_mask_personal_values(writer, tmp_path):
    report = check(write_template(tmp_path, "student", {"身份证件号": wrong_check(ID), "手机号码": "12812345678"},
                                  writer=writer))
    values = dict(zip(report.findings["rule"], report.findings["value"]))
    bad = wrong_check(ID)
    assert values["id.checksum"] == bad[:6] + "*" * 8 + bad[-4:]
    assert values["cell.pattern"] == "128****5678"
    assert bad not in " ".join(report.findings["message"])


def test_findings_mask_names(writer, tmp_path):
    """姓名 is personal (specs.PERSONAL_BY_TYPE): a finding's value shows 张*丰, as leaders' pages do."""
    report = check(write_template(tmp_path, "student", {"姓名": "张3丰"}, writer=writer))
    hits = report.findings[report.findings["field"] == "姓名"]
    assert hits[["rule", "value"]].values.tolist() == [["cell.pattern", "张*丰"]]
    assert "张3丰" not in " ".join(report.findings["message"])


def test_messages_are_chinese_and_name_the_fix(writer, tmp_path):
    report = check(write_template(tmp_path, "student", {"民族": "汉"}, writer=writer))
    msg = report.findings["message"].iloc[0]
    assert "汉族" in msg and "字典转换错误" in msg


def test_duplicate_names_the_first_row(writer, tmp_path):
    report = check(write_template(tmp_path, "student", {}, {}, {"学号": "0012345"}, writer=writer))
    dup = report.findings[report.findings["rule"] == "row.duplicate"]
    assert list(dup["row"]) == [4]
    assert "第2行" in dup["message"].iloc[0]


def test_findings_sorted_and_on_the_right_sheet(writer, tmp_path):
    report = check(write_template(tmp_path, "student", {"姓名": None}, {"民族": "汉"}, writer=writer))
    assert list(report.findings["row"]) == [2, 3]
    assert set(report.findings["sheet"]) == {"学生基本信息"}
    assert report.error_rows() == {2, 3}
    assert report.rows == 2 and list(report.table["_row"]) == [2, 3]


def test_rows_builder_is_valid_for_many_rows(writer, tmp_path):
    """Ten valid rows: distinct keys, no finding (the yardstick for every case above)."""
    for template in ("student", "disbursement", "loan"):
        report = check(write_template(tmp_path, template, n=10, writer=writer))
        assert found(report) == [], template
        assert report.rows == 10


def test_valid_student_table_values(tmp_path):
    report = check(write_template(tmp_path, "student"))
    row = report.table.iloc[0]
    expected = valid_student(0)
    assert row["school_code"] == expected["学校代码"]
    assert row["birth_date"] == "19990515" and row["grade"] == "2017" and row["duration"] == "4"
    assert row["enrol_month"] == "201709" and row["level"] == "本科"
    assert rows_for("student")[0][:3] == ["学校代码", "学号", "姓名"]


ODD_VALUES = [True, dt.date(2017, 9, 1), dt.datetime(2017, 9, 1, 12, 30), 0, -1, 1e300, 3.14159, 10**25, "=1+1",
              "\u200b", "否", "x" * 40_000, "😀", "NaN", "inf", "#N/A", "1e5", "１２３"]


@pytest.mark.parametrize("template", ["student", "difficulty", "disbursement", "loan", "allocation", "tasks"])
def test_odd_values_in_every_column_never_crash(template, tmp_path):
    """Every column of every row holds one odd value: the checker reports, it does not fall over."""
    headers = spec_of(template).headers
    rows = [headers] + [[v] * len(headers) for v in ODD_VALUES]
    report = check(write_book(tmp_path / "x.xlsx", rows, sheet=spec_of(template).sheet))
    assert report.template == template and report.rows == len(ODD_VALUES)
    assert report.error_rows() == set(range(2, len(ODD_VALUES) + 2))
    assert report.findings["column"].notna().all() and report.findings["field"].notna().all()
