"""Reconciliation (两线三库) on a tiny, consistent university written as real workbooks.

The clean university gives no rec error or warning (only ``rec.under_spent`` where money is left);
each planted fault is found with the right rule, student, programme, year, college and sources.
"""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from builders import gb11643, luhn  # computed independently of the package
from openpyxl import Workbook

from aidtools.findings import FIELDS
from aidtools.reconcile import reconcile
from aidtools.report.codec import to_data
from aidtools.specs import load_specs
from aidtools.validate import check_file, check_paths


def found_dicts(result) -> list[dict]:
    """The reconciliation's findings as report.json holds them."""
    return [to_data(f) for f in result.to_record().findings]

AS_OF = dt.date(2018, 6, 30)
YEAR = "2017-2018"
SPECS = load_specs()


def id_number(serial: int, sex: str, birth: str = "19990101") -> str:
    order = 2 * serial + (1 if sex == "男" else 0)  # odd for men
    return gb11643(f"110101{birth}{order:03d}")


def bank_card(serial: int) -> str:
    return luhn(f"622202{serial:012d}")


# (学号, 姓名, 性别, 院系, 学历层次, 年级, 校区)
STUDENTS = [
    ("2016001", "赵一", "男", "文学院", "本科", "2016", "主校区"),
    ("2016002", "钱二", "女", "文学院", "本科", "2016", "主校区"),
    ("2017003", "孙三", "男", "理学院", "本科", "2017", "主校区"),
    ("2015004", "李四", "女", "理学院", "本科", "2015", "主校区"),
    ("2017005", "周五", "男", "理学院", "硕士研究生", "2017", "主校区"),
    ("2016006", "吴六", "女", "理学院", "博士研究生", "2016", "主校区"),
    ("2016007", "郑七", "男", "分校经济学院", "本科", "2016", "分校区"),
    ("2017008", "王八", "女", "分校经济学院", "专科", "2017", "分校区"),
    ("2016009", "冯九", "男", "文学院", "本科", "2016", "主校区"),
    ("2017010", "陈十", "女", "文学院", "本科", "2017", "主校区"),
]
INFO = {s[0]: dict(zip(("no", "name", "sex", "college", "level", "grade", "campus"), s)) for s in STUDENTS}
for i, s in enumerate(STUDENTS):
    INFO[s[0]]["id"] = id_number(i + 1, s[2])
    INFO[s[0]]["card"] = bank_card(i + 1)


def student_row(no: str, **changes) -> dict:
    s = INFO[no]
    row = {"学校代码": "99999", "学号": no, "姓名": s["name"], "身份证件类型": "居民身份证", "身份证件号": s["id"],
           "性别": s["sex"], "出生日期": "19990101", "民族": "汉族", "院系": s["college"], "专业": "某专业",
           "年级": s["grade"], "学制": "4" if s["level"] != "硕士研究生" else "3", "学历层次": s["level"],
           "入学年月": s["grade"] + "09", "学籍状态": "在读", "校区": s["campus"]}
    row.update(changes)
    return row


def difficulty_row(no: str, level: str) -> dict:
    s = INFO[no]
    return {"学号": no, "姓名": s["name"], "身份证件号": s["id"], "认定学年": YEAR, "认定等级": level,
            "认定日期": "20170920", "认定原因": "" if level == "不困难" else "家庭收入低"}


def payment(no: str, programme: str, amount: str, tier: str = "", batch: str = "1", **changes) -> dict:
    s = INFO[no]
    row = {"学号": no, "姓名": s["name"], "身份证件号": s["id"], "院系": s["college"], "资助项目": programme,
           "资助学年": YEAR, "资助档次": tier, "发放金额(元)": amount, "发放日期": "20171130", "发放批次": batch,
           "银行卡号": s["card"], "开户银行": "中国银行"}
    row.update(changes)
    return row


def loan_row(no: str, amount: str) -> dict:
    s = INFO[no]
    return {"学号": no, "姓名": s["name"], "身份证件号": s["id"], "贷款类型": "校园地国家助学贷款", "贷款学年": YEAR,
            "合同编号": "HT" + no, "贷款金额(元)": amount, "经办银行": "国家开发银行", "放款日期": "20171020"}


def allocation_row(programme: str, college: str, amount: str, quota: str = "") -> dict:
    return {"资助项目": programme, "资助学年": YEAR, "院系": college, "资金来源": "中央财政",
            "下达文号": "财教〔2017〕1号", "下达日期": "20170901", "名额": quota, "下达金额(元)": amount}


def university() -> dict:
    """{relative path: (template, rows)}: a tiny university whose tables all agree."""
    return {
        "学生处/在校生.xlsx": ("student", [student_row(no) for no in INFO]),
        "学生处/困难认定.xlsx": ("difficulty", [
            difficulty_row("2016001", "特别困难"), difficulty_row("2016002", "困难"),
            difficulty_row("2017003", "一般困难"), difficulty_row("2015004", "不困难"),
            difficulty_row("2016007", "困难"), difficulty_row("2017008", "困难")]),
        "文学院/资助发放.xlsx": ("disbursement", [
            payment("2016001", "国家奖学金", "8000"),
            payment("2016001", "国家助学金", "4000", tier="一等"),
            payment("2016002", "国家励志奖学金", "5000"),
            payment("2016002", "国家助学金", "3000", tier="二等")]),
        "理学院/资助发放.xlsx": ("disbursement", [
            payment("2017003", "国家助学金", "1000", tier="三等", batch="1"),
            payment("2017003", "国家助学金", "1000", tier="三等", batch="2", 发放日期="20180330"),
            payment("2017005", "研究生国家助学金", "6000"),
            payment("2017005", "研究生学业奖学金", "8000", tier="二等"),
            payment("2016006", "研究生国家奖学金", "30000")]),
        "分校学生处/资助发放.xlsx": ("disbursement", [
            payment("2016007", "国家助学金", "3000", tier="二等"),
            payment("2017008", "学费减免", "5000")]),
        "学生处/助学贷款.xlsx": ("loan", [loan_row("2016007", "8000"), loan_row("2016009", "8000")]),
        "资助中心/资金下达.xlsx": ("allocation", [
            allocation_row("国家奖学金", "全校", "8000", "1"),
            allocation_row("国家励志奖学金", "全校", "5000", "1"),
            allocation_row("国家助学金", "文学院", "7000", "2"),
            allocation_row("国家助学金", "理学院", "2000", "1"),
            allocation_row("国家助学金", "分校经济学院", "5000", "2"),
            allocation_row("研究生国家助学金", "全校", "6000")]),
    }


def write_one(root, rel: str, template: str, rows: list[dict]) -> None:
    spec = SPECS[template]
    book = Workbook()
    sheet = book.active
    sheet.title = spec.sheet
    sheet.append(spec.headers)
    for row in rows:
        sheet.append([row.get(h) or None for h in spec.headers])
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write(root, files: dict) -> None:
    for rel, (template, rows) in files.items():
        write_one(root, rel, template, rows)


_CHECKED: dict[str, object] = {}  # file content -> its FileReport: a planted fault re-checks only its files


def run(tmp_path, files):
    """Write and check the university's files, then reconcile them."""
    reports = []
    for rel, (template, rows) in sorted(files.items()):
        key = json.dumps([rel, template, rows], ensure_ascii=False, sort_keys=True)
        if key not in _CHECKED:
            write_one(tmp_path, rel, template, rows)
            _CHECKED[key] = check_file(tmp_path / rel, root=tmp_path, as_of=AS_OF)
        reports.append(_CHECKED[key])
    return reports, reconcile(reports, as_of=AS_OF)


def test_clean_university_has_no_faults(tmp_path):
    write(tmp_path, university())
    reports = check_paths([tmp_path], as_of=AS_OF)
    result = reconcile(reports, as_of=AS_OF)
    assert all(r.errors == 0 for r in reports), [r.findings.to_dict("records") for r in reports if r.errors]
    found = result.findings
    assert list(found.columns) == list(FIELDS)
    assert set(found["severity"]) <= {"info"}, found[["rule", "message"]].to_string()
    # Only 分校经济学院 was allocated more 国家助学金 than it paid: 3000 of 5000.
    (under,) = found_dicts(result)
    assert under["rule"] == "rec.under_spent" and under["department"] == "分校经济学院"
    assert under["programme"] == "国家助学金" and under["academic_year"] == YEAR
    assert "60.0%" in under["message"]
    assert under["sources"] == [{"path": "资助中心/资金下达.xlsx", "row": 6}]


def test_figures_are_plain_json(tmp_path):
    _, result = run(tmp_path, university())
    fig = to_data(result.figures)
    json.dumps(to_data(result.to_record()), ensure_ascii=False)  # plain values only
    funds = {(f["programme"], f["department"]): f for f in fig["funds"]}
    assert funds[("国家助学金", "文学院")]["paid"] == 7000 and funds[("国家助学金", "文学院")]["recipients"] == 2
    assert funds[("国家奖学金", "全校")]["share"] == 1.0
    assert funds[("学费减免", "分校经济学院")]["allocated"] is None  # nothing allocated: not compared
    campus = {c["campus"]: c for c in fig["campus"]}
    assert campus["分校区"]["enrolled"] == 2 and campus["分校区"]["paid"] == 8000 and campus["分校区"]["loans"] == 8000
    assert campus["主校区"]["enrolled"] == 8
    # Money allocated to a college counts under its campus; the school-wide pots are a line of their own.
    assert (campus["主校区"]["allocated"], campus["主校区"]["paid_allocated"], campus["主校区"]["share"]) == (9000, 9000, 1.0)
    assert (campus["分校区"]["allocated"], campus["分校区"]["paid_allocated"], campus["分校区"]["share"]) == (5000, 3000, 0.6)
    wide = campus["全校"]
    assert (wide["allocated"], wide["paid_allocated"], wide["paid"], wide["enrolled"]) == (19000, 19000, 0, 0)
    assert [c["campus"] for c in fig["campus"]] == ["主校区", "分校区", "全校"]
    assert sum(c["allocated"] for c in fig["campus"]) == fig["totals"]["allocated"]
    sources = {(s["programme"], s["source"]): s["allocated"] for s in fig["fund_sources"]}
    assert sources == {("国家奖学金", "中央财政"): 8000, ("国家励志奖学金", "中央财政"): 5000,
                       ("国家助学金", "中央财政"): 14000, ("研究生国家助学金", "中央财政"): 6000}
    coverage = {(c["department"], c["level"]): c for c in fig["coverage"]}
    assert coverage[("文学院", "本科")]["difficult"] == 2 and coverage[("文学院", "本科")]["enrolled"] == 4
    aided = {a["department"]: a for a in fig["aided_share"]}
    assert aided["理学院"]["difficult"] == 1 and aided["理学院"]["aided"] == 1
    programmes = {p["programme"]: p for p in fig["programmes"]}
    assert programmes["国家助学金"]["paid"] == 12000 and programmes["国家助学贷款"]["recipients"] == 2
    assert fig["totals"]["enrolled"] == 10
    text = json.dumps(fig, ensure_ascii=False)
    assert INFO["2016001"]["id"] not in text and "2016001" not in text  # aggregates only


def test_money_by_fund_source(tmp_path):
    files = copy.deepcopy(university())
    alloc = _rows(files, "资助中心/资金下达.xlsx")
    alloc[2]["资金来源"] = "地方财政"  # 文学院's 国家助学金 from the province
    alloc.append({**alloc[3], "资金来源": "学校", "下达文号": "校财字〔2017〕1号", "下达金额(元)": "500", "名额": ""})
    _, result = run(tmp_path, files)
    lines = [(s.programme, s.academic_year, s.source, s.allocated) for s in result.figures.fund_sources]
    assert lines == [("国家奖学金", YEAR, "中央财政", 8000), ("国家励志奖学金", YEAR, "中央财政", 5000),
                     ("国家助学金", YEAR, "中央财政", 7000), ("国家助学金", YEAR, "地方财政", 7000),
                     ("国家助学金", YEAR, "学校", 500), ("研究生国家助学金", YEAR, "中央财政", 6000)]
    (main,) = [c for c in result.figures.campus if c.campus == "主校区"]
    assert main.allocated == 9500 and main.share == 9000 / 9500


def test_no_fund_source_no_source_lines(tmp_path):
    files = copy.deepcopy(university())
    for row in _rows(files, "资助中心/资金下达.xlsx"):
        row["资金来源"] = ""
    _, result = run(tmp_path, files)
    assert result.figures.fund_sources == [] and result.figures.totals.allocated == 33000


def _rows(files, rel):
    return files[rel][1]


def plant_not_enrolled(f):
    _rows(f, "文学院/资助发放.xlsx").append(payment("2016001", "校内奖学金", "1000", 学号="2016099", 姓名="何某"))
    return "rec.not_enrolled", "2016099", "校内奖学金", "文学院", "文学院/资助发放.xlsx", [6]


def plant_identity_name(f):
    _rows(f, "文学院/资助发放.xlsx")[2]["姓名"] = "钱三"
    return "rec.identity_mismatch", "2016002", "国家励志奖学金", "文学院", "文学院/资助发放.xlsx", [4]


def plant_identity_id_twice(f):
    _rows(f, "学生处/在校生.xlsx")[9]["身份证件号"] = INFO["2016009"]["id"]
    _rows(f, "学生处/在校生.xlsx")[9]["性别"] = "男"
    return "rec.identity_mismatch", "2016009", None, "文学院", "学生处/在校生.xlsx", [10, 11]


def plant_not_difficult(f):
    _rows(f, "学生处/困难认定.xlsx")[2]["认定等级"] = "不困难"
    return "rec.not_difficult", "2017003", "国家助学金", "理学院", "理学院/资助发放.xlsx", [2, 3]


def plant_not_difficult_warning(f):
    _rows(f, "文学院/资助发放.xlsx").append(payment("2017010", "勤工助学", "600"))
    return "rec.not_difficult", "2017010", "勤工助学", "文学院", "文学院/资助发放.xlsx", [6]


def plant_amount_fixed(f):
    _rows(f, "文学院/资助发放.xlsx")[0]["发放金额(元)"] = "7000"
    return "rec.amount_standard", "2016001", "国家奖学金", "文学院", "文学院/资助发放.xlsx", [2]


def plant_amount_tier(f):
    _rows(f, "理学院/资助发放.xlsx")[1]["发放金额(元)"] = "1500"
    return "rec.amount_standard", "2017003", "国家助学金", "理学院", "理学院/资助发放.xlsx", [2, 3]


def plant_amount_with_cell_error(f):
    # A bad bank card on the same row must not hide the amount fault.
    row = _rows(f, "文学院/资助发放.xlsx")[0]
    row["发放金额(元)"], row["银行卡号"] = "7000", "12ab"
    return "rec.amount_standard", "2016001", "国家奖学金", "文学院", "文学院/资助发放.xlsx", [2]


def plant_loan_cap(f):
    _rows(f, "学生处/助学贷款.xlsx")[1]["贷款金额(元)"] = "9000"
    return "rec.amount_standard", "2016009", "国家助学贷款", "文学院", "学生处/助学贷款.xlsx", [3]


def plant_exclusive(f):
    _rows(f, "文学院/资助发放.xlsx").append(payment("2016002", "国家奖学金", "8000"))
    return ("rec.exclusive_awards", "2016002", "国家奖学金、国家励志奖学金", "文学院", "文学院/资助发放.xlsx", [4, 6])


def plant_duplicate(f):
    f["文学院/补报.xlsx"] = ("disbursement", [payment("2016001", "国家助学金", "4000", tier="一等")])
    return "rec.duplicate_payment", "2016001", "国家助学金", "文学院", ["文学院/补报.xlsx", "文学院/资助发放.xlsx"], [2, 3]


def plant_status_left(f):
    _rows(f, "学生处/在校生.xlsx")[7]["学籍状态"] = "退学"
    return "rec.status", "2017008", "学费减免", "分校经济学院", "分校学生处/资助发放.xlsx", [3]


def plant_status_paused(f):
    _rows(f, "学生处/在校生.xlsx")[8]["学籍状态"] = "休学"
    return "rec.status", "2016009", "国家助学贷款", "文学院", "学生处/助学贷款.xlsx", [3]


def plant_subsystem(f):
    _rows(f, "理学院/资助发放.xlsx").append(payment("2015004", "研究生学业奖学金", "8000", tier="二等"))
    return "rec.subsystem", "2015004", "研究生学业奖学金", "理学院", "理学院/资助发放.xlsx", [7]


def plant_over_allocation(f):
    _rows(f, "资助中心/资金下达.xlsx")[3]["下达金额(元)"] = "1500"
    return "rec.over_allocation", None, "国家助学金", "理学院", "资助中心/资金下达.xlsx", [5]


def plant_over_allocation_school_wide(f):
    _rows(f, "资助中心/资金下达.xlsx")[0]["下达金额(元)"] = "7000"
    return "rec.over_allocation", None, "国家奖学金", "全校", "资助中心/资金下达.xlsx", [2]


def plant_over_quota(f):
    _rows(f, "资助中心/资金下达.xlsx")[2]["名额"] = "1"
    return "rec.over_quota", None, "国家助学金", "文学院", "资助中心/资金下达.xlsx", [4]


def plant_grade(f):
    row = _rows(f, "学生处/在校生.xlsx")[1]
    row["年级"], row["入学年月"] = "2017", "201709"
    return "rec.grade_eligibility", "2016002", "国家励志奖学金", "文学院", "文学院/资助发放.xlsx", [4]


def plant_tier_level(f):
    _rows(f, "学生处/困难认定.xlsx")[0]["认定等级"] = "一般困难"
    return "rec.tier_level", "2016001", "国家助学金", "文学院", "文学院/资助发放.xlsx", [3]


def plant_department(f):
    _rows(f, "文学院/资助发放.xlsx")[2]["院系"] = "理学院"
    return "rec.department_mismatch", "2016002", "国家励志奖学金", "文学院", "文学院/资助发放.xlsx", [4]


def plant_campus_scope_office(f):
    # The branch campus' 学生处 sends a main-campus student's record (学生处 itself may send any campus').
    _rows(f, "分校学生处/资助发放.xlsx").append(payment("2016009", "校内奖学金", "1000"))
    return "rec.campus_scope", "2016009", "校内奖学金", "文学院", "分校学生处/资助发放.xlsx", [4]


def plant_campus_scope_college(f):
    # A main-campus college (its enrolled students are all 主校区) sends a branch-campus student's record.
    _rows(f, "文学院/资助发放.xlsx").append(payment("2016007", "校内奖学金", "1000"))
    return "rec.campus_scope", "2016007", "校内奖学金", "分校经济学院", "文学院/资助发放.xlsx", [6]


FAULTS = [plant_not_enrolled, plant_identity_name, plant_identity_id_twice, plant_not_difficult,
          plant_not_difficult_warning, plant_amount_fixed, plant_amount_tier, plant_amount_with_cell_error,
          plant_loan_cap, plant_exclusive, plant_duplicate, plant_status_left, plant_status_paused, plant_subsystem,
          plant_over_allocation, plant_over_allocation_school_wide, plant_over_quota, plant_grade, plant_tier_level,
          plant_department, plant_campus_scope_office, plant_campus_scope_college]
MESSAGE_PARTS = {  # what each message must say (and so must have joined the right values)
    "plant_not_enrolled": "学号2016099（何*）",  # names masked: messages reach report.html and the dashboard
    "plant_identity_name": "姓名“钱*”与在校生库中的“钱*”不一致（被隐去的字不同）",
    "plant_identity_id_twice": "对应多个学号（2016009、2017010）", "plant_not_difficult": "认定等级为“不困难”",
    "plant_not_difficult_warning": "没有该生本学年的困难认定记录", "plant_amount_fixed": "国家奖学金合计7000元，与资助标准8000元不符",
    "plant_amount_tier": "国家助学金三等合计2500元（2笔），与资助标准2000元不符",
    "plant_amount_with_cell_error": "合计7000元", "plant_loan_cap": "国家助学贷款合计9000元，超过每生每年上限8000元",
    "plant_exclusive": "同时获得国家奖学金、国家励志奖学金", "plant_duplicate": "第1批在2个文件中重复发放（文学院）",
    "plant_status_left": "学籍状态为“退学”", "plant_status_paused": "学籍状态为“休学”", "plant_subsystem": "学历层次为“本科”",
    "plant_over_allocation": "已发放2000元，超过下达金额1500元", "plant_over_allocation_school_wide": "国家奖学金（全校）已发放8000元，超过下达金额7000元",
    "plant_over_quota": "受助2人，超过名额1人", "plant_grade": "为2017级", "plant_tier_level": "国家助学金一等，但认定等级为“一般困难”",
    "plant_department": "院系填为“理学院”，在校生库中为“文学院”",
    "plant_campus_scope_office": "分校学生处（分校区）报送的资助发放（校内奖学金，2017-2018学年）中，学号2016009（冯*）是主校区的学生",
    "plant_campus_scope_college": "文学院（主校区）报送的资助发放（校内奖学金，2017-2018学年）中，学号2016007（郑*）是分校区的学生",
}
NO_YEAR = {"plant_identity_id_twice"}  # a conflict inside the enrolled table belongs to no year
SEVERITY = {"plant_not_difficult_warning": "warning", "plant_status_paused": "warning", "plant_tier_level": "warning",
            "plant_department": "warning", "plant_campus_scope_office": "warning", "plant_campus_scope_college": "warning"}


@pytest.mark.parametrize("plant", FAULTS, ids=[f.__name__[6:] for f in FAULTS])
def test_planted_fault_is_found(tmp_path, plant):
    files = copy.deepcopy(university())
    rule, student, programme, college, paths, rows = plant(files)
    _, result = run(tmp_path, files)
    hits = [f for f in found_dicts(result) if f["rule"] == rule]
    assert len(hits) == 1, (rule, hits, result.findings[["rule", "message"]].to_string())
    (hit,) = hits
    assert set(hit) == set(FIELDS)
    assert hit["student_no"] == student and hit["programme"] == programme
    assert hit["academic_year"] == (None if plant.__name__ in NO_YEAR else YEAR)
    assert hit["department"] == college
    assert hit["severity"] == SEVERITY.get(plant.__name__, "error")
    paths = [paths] * len(rows) if isinstance(paths, str) else paths
    assert hit["sources"] == [{"path": p, "row": r} for p, r in zip(paths, rows)]
    assert MESSAGE_PARTS[plant.__name__] in hit["message"], hit["message"]
    assert all(INFO[no]["id"] not in hit["message"] for no in INFO)
    assert not [n for n in [s["name"] for s in INFO.values()] + ["何某", "钱三"] if n in hit["message"]]


# Graduates (2017届 data is loaded too): aid for a year the student was at school is fine. 2015004
# entered in 2015 (年级, 入学年月 201509); with 学制 3 the last year at school is 2017-2018, with 学制 2 it
# is 2016-2017.
@pytest.mark.parametrize("status, duration, year, expected", [
    ("毕业", "3", YEAR, None),  # paid for the last year at school
    ("毕业", "2", "2016-2017", None),  # paid for the last year, loaded after graduation
    ("毕业", "2.5", YEAR, None),  # 学制 2.5: at school into the third academic year
    ("结业", "3", YEAR, None),  # finished the course without the degree: same years at school
    ("毕业", "2", YEAR, "error"),  # paid for the year after graduating
    ("结业", "2", YEAR, "error"),
    ("肄业", "3", YEAR, "error"),  # left early, on a date nobody gave: as before
    ("退学", "3", "2016-2017", "error"),
    ("休学", "3", YEAR, "warning"),
], ids=lambda v: str(v))
def test_graduate_aid_for_years_at_school(tmp_path, status, duration, year, expected):
    files = copy.deepcopy(university())
    row = _rows(files, "学生处/在校生.xlsx")[3]
    assert row["学号"] == "2015004"
    row["学籍状态"], row["学制"] = status, duration
    _rows(files, "理学院/资助发放.xlsx").append(payment("2015004", "校内奖学金", "1000", 资助学年=year))
    _, result = run(tmp_path, files)
    hits = [f for f in found_dicts(result) if f["rule"] == "rec.status"]
    if expected is None:
        assert not hits, hits
        return
    (hit,) = hits
    assert hit["severity"] == expected and hit["student_no"] == "2015004" and hit["academic_year"] == year
    assert f"学籍状态为“{status}”" in hit["message"]
    if status in ("毕业", "结业"):
        assert "在校至2016-2017学年" in hit["message"], hit["message"]


def test_graduate_without_years_is_still_an_error(tmp_path):
    """When the years at school cannot be told (学制 blank), aid to a graduate stays an error."""
    files = copy.deepcopy(university())
    row = _rows(files, "学生处/在校生.xlsx")[3]
    row["学籍状态"], row["学制"] = "毕业", ""
    _rows(files, "理学院/资助发放.xlsx").append(payment("2015004", "校内奖学金", "1000"))
    _, result = run(tmp_path, files)
    (hit,) = [f for f in found_dicts(result) if f["rule"] == "rec.status"]
    assert hit["severity"] == "error" and "在校至" not in hit["message"]


def test_identity_message_masks_id_numbers(tmp_path):
    files = copy.deepcopy(university())
    _rows(files, "文学院/资助发放.xlsx")[2]["身份证件号"] = INFO["2016009"]["id"]
    _, result = run(tmp_path, files)
    (hit,) = [f for f in found_dicts(result) if f["rule"] == "rec.identity_mismatch"]
    masked = INFO["2016009"]["id"][:6] + "********" + INFO["2016009"]["id"][-4:]
    assert masked in hit["message"] and INFO["2016009"]["id"] not in hit["message"]


def test_invalid_student_number_is_skipped(tmp_path):
    files = copy.deepcopy(university())
    _rows(files, "文学院/资助发放.xlsx").append(payment("2016001", "校内奖学金", "1000", 学号="20-16!"))
    reports, result = run(tmp_path, files)
    assert any(r.errors for r in reports)  # the cell check reports the bad 学号 ...
    assert not len(result.findings[result.findings["severity"] != "info"])  # ... reconciliation cannot join it


def test_superseded_file_is_left_out(tmp_path):
    files = copy.deepcopy(university())
    plant_duplicate(files)
    reports, _ = run(tmp_path, files)
    result = reconcile(reports, as_of=AS_OF, superseded={"文学院/补报.xlsx"})
    assert "rec.duplicate_payment" not in set(result.findings["rule"])


def test_missing_tables_are_noted_not_flooded(tmp_path):
    files = {rel: v for rel, v in university().items() if v[0] in ("disbursement", "allocation")}
    _, result = run(tmp_path, files)
    rules = set(result.findings["rule"])
    assert not rules & {"rec.not_enrolled", "rec.not_difficult"}, rules
    notes = result.figures.notes
    assert any("在校生" in n for n in notes) and any("困难认定" in n for n in notes)


def test_command_exit_codes_and_json(tmp_path, capsys):
    from aidtools.cli import main
    clean, faulty = tmp_path / "clean", tmp_path / "faulty"
    keep = ("学生处/在校生.xlsx", "学生处/困难认定.xlsx", "文学院/资助发放.xlsx")  # enough tables, fewer files
    files = {rel: v for rel, v in copy.deepcopy(university()).items() if rel in keep}
    write(clean, files)
    assert main(["reconcile", str(clean), "--as-of", "20180630"]) == 0
    _rows(files, "文学院/资助发放.xlsx")[2]["身份证件号"] = INFO["2016009"]["id"]
    write(faulty, files)
    out_json = tmp_path / "rec.json"
    capsys.readouterr()
    assert main(["reconcile", str(faulty), "--as-of", "20180630", "--json", str(out_json)]) == 1
    printed = capsys.readouterr().out
    assert "rec.identity_mismatch" in printed and "与在校生库身份信息不一致" in printed
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["command"] == "reconcile" and {"findings", "figures"} <= set(data["reconciliation"])
    assert set(data["reconciliation"]["findings"][0]) == set(FIELDS)
    assert all(INFO[no]["id"] not in printed + out_json.read_text(encoding="utf-8") for no in INFO)


@pytest.mark.parametrize("cause", ["level_code", "student_no_format"])
def test_a_check_error_in_the_hardship_row_is_the_cause_not_a_second_problem(tmp_path, cause):
    """One cause, one finding: 国家助学金 to a student whose hardship row has a bad 认定等级 (cell.code) or
    a mistyped 学号 (cell.pattern) is linked to that row (caused_by), says so, and counts as its cause."""
    files = copy.deepcopy(university())
    row = _rows(files, "学生处/困难认定.xlsx")[2]  # 2017003, 一般困难, paid 国家助学金 twice (理学院 rows 2 and 3)
    if cause == "level_code":
        row["认定等级"] = "特困"
    else:
        row["学号"] = "2017-003"
    _rows(files, "理学院/资助发放.xlsx").append(payment("2017003", "勤工助学", "600"))  # need-based: a warning
    reports, result = run(tmp_path, files)
    hits = [f for f in result.to_record().findings if f.rule == "rec.not_difficult"]
    assert {f.severity for f in hits} == {"error", "warning"} and all(f.student_no == "2017003" for f in hits)
    cell_rule = "cell.code" if cause == "level_code" else "cell.pattern"
    for hit in hits:
        assert [(c.path, c.row, c.rule) for c in hit.caused_by] == [("学生处/困难认定.xlsx", 4, cell_rule)]
        assert "学生处/困难认定.xlsx第4行" in hit.message and "没有该生本学年的困难认定记录" not in hit.message
    assert result.errors == 0 and result.warnings == 0  # counted once, as the check error it comes from


def test_findings_without_a_check_error_behind_them_have_no_cause(tmp_path):
    files = copy.deepcopy(university())
    plant_not_difficult(files)
    _, result = run(tmp_path, files)
    (hit,) = [f for f in result.to_record().findings if f.rule == "rec.not_difficult"]
    assert hit.caused_by == () and result.errors == 1
