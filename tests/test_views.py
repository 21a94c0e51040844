"""The aggregate tables of the report and the dashboard (:mod:`aidtools.views`), the styled tables, and
the widgets' state, on the built report (tests/fixtures/demo_report.py), on a report with figures of
several years, on an empty report, and on the real ``build/demo`` run when there is one."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from aidtools import views
from aidtools.report import (AidedLine, CampusLine, CoverageLine, FileAccount, Figures, FundsLine, MergedTemplate,
                             ReconciliationResult, RunReport, Versions)
from aidtools.views import ALL
from fixtures.demo_report import BRANCH_COLLEGES, COLLEGES, FULL_IDS, MASKED_IDS, build_report

REAL_RUN = Path(__file__).resolve().parents[1] / "build" / "demo" / "report.json"
FULL_ID = re.compile(r"(?<![0-9A-Za-z*])\d{17}[0-9Xx](?![0-9A-Za-z])")

TABLES = [
    views.files_frame, views.findings_frame, views.findings_by_rule, views.findings_by_department,
    views.errors_by_department_rule, views.progress_frame, views.progress_by_department,
    views.reconciliation_frame, views.reconciliation_by_rule, views.funds_frame, views.funds_by_programme,
    views.funds_by_department, views.funds_by_source, views.over_allocated, views.coverage_frame, views.coverage_by_level,
    views.campus_frame, views.merge_frame, views.merge_files_frame, views.summary_frame, views.inputs_frame,
    views.history_rounds, views.history_changes, views.still_open, views.accuracy_frame, views.accuracy_trend,
    views.accuracy_by_department, views.timeliness_items, views.timeliness_by_department, views.timeliness_by_round,
]


@pytest.fixture(scope="module")
def report() -> RunReport:
    return build_report()


def bare_report(**parts) -> RunReport:
    return RunReport(aidtools_version="0", generated_at="2018-07-15T09:00:00+08:00", as_of="2018-07-15",
                     versions=Versions("0", "3.11", "2.2"), **parts)


def reports_to_try() -> list:
    runs = [pytest.param(build_report(), id="fixture")]
    if REAL_RUN.is_file():  # the lead's `aidtools run sample_data/submissions --out build/demo`
        runs.append(pytest.param(views.load_report(REAL_RUN.parent), id="build-demo"))
    return runs


@pytest.mark.parametrize("table", TABLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("given", [None, ReconciliationResult()], ids=["no-reconciliation", "no-figures"])
def test_an_empty_report_gives_empty_tables(table, given):
    frame = table(bare_report(reconciliation=given))
    assert isinstance(frame, pd.DataFrame)
    assert frame.empty or table is views.summary_frame


@pytest.mark.parametrize("run", reports_to_try())
def test_every_table_renders_and_no_full_id_number_is_shown(run):
    from aidtools.widgets.tables import to_html

    year = (views.options(run)["academic_years"] or [None])[0]
    for table in TABLES:
        frame = table(run)
        html = to_html(frame)
        assert not FULL_ID.search(html), table.__name__
    assert views.headline(run, year)["allocated"] >= 0
    merge = views.merge_frame(run)  # nothing read is lost: read = merged + held back + superseded
    assert (merge["rows_read"] == merge[["rows_merged", "rows_held_back", "rows_superseded"]].sum(axis=1)).all()
    assert (merge["rows_duplicate"] <= merge["rows_held_back"]).all()


def test_findings_are_masked_even_when_the_report_was_not(report):
    leaky = build_report()
    with_findings = next(f for f in leaky.files if f.findings and not f.superseded)
    with_findings.findings[0] = dataclasses.replace(with_findings.findings[0], value=FULL_IDS[0],
                                                    message=f"身份证号{FULL_IDS[1]}校验位错误")
    frame = views.findings_frame(leaky)
    shown = " ".join(frame["value"].dropna()) + " ".join(frame["message"].dropna())
    assert not any(i in shown for i in FULL_IDS)
    assert MASKED_IDS[0] in shown and MASKED_IDS[1] in shown


def test_superseded_files_do_not_count(report):
    all_files = views.files_frame(report)
    in_use = views.files_frame(report, include_superseded=False)
    assert len(all_files) - len(in_use) == report.summary.files_superseded == 1
    assert views.findings_frame(report)["path"].str.contains("旧").sum() == 0
    assert int(views.findings_by_department(report)["errors"].sum()) == report.summary.errors


def test_findings_by_rule_counts_and_titles(report):
    by_rule = views.findings_by_rule(report)
    assert by_rule["findings"].sum() == len(views.findings_frame(report))
    assert by_rule.iloc[0]["severity"] == "error"
    assert by_rule.set_index("rule").loc["id.checksum", "title"] == "身份证号校验位错误"


def test_errors_by_department_rule_adds_up(report):
    table = views.errors_by_department_rule(report)
    per_department = views.findings_by_department(report).set_index("department")["errors"]
    assert (table["total"] == per_department.loc[table.index]).all()
    assert table.drop(columns="total").sum(axis=1).equals(table["total"])
    assert "身份证号校验位错误（id.checksum）" in views.errors_by_department_rule(report, titles=True).columns
    short = views.errors_by_department_rule(report, top=2)
    assert list(short.columns[2:]) == ["other", "total"]
    assert short["total"].equals(table["total"].loc[short.index])


def test_merge_files_say_why_a_file_was_not_merged():
    def account(path, department, status, **counts):
        return FileAccount(path=path, department=department, template="disbursement", sha256=None, status=status,
                           **counts)

    run = bare_report(merge={"disbursement": MergedTemplate(template="disbursement", title="资助发放", rows_read=5, files=[
        account("a.xlsx", "文学院", "merged", rows_read=2, rows_merged=2),
        account("b.xlsx", "文学院", "held_back", rows_read=3, rows_held_back=3,
                reason=f"整个文件暂缓导入：身份证号{FULL_IDS[0]}所在列被改名"),
        account("c.xlsx", "法学院", "superseded", superseded_by="d.xlsx")])})
    files = views.merge_files_frame(run, only_problems=True)
    assert files["status"].tolist() == ["整个文件暂缓", "已被较新的文件取代"]
    assert FULL_IDS[0] not in files["reason"].iloc[0] and MASKED_IDS[0] in files["reason"].iloc[0]
    assert files["rows_superseded"].tolist() == [0, 0] and len(views.merge_files_frame(run)) == 3


def test_leaders_see_student_numbers_shortened(report):
    shown = views.reconciliation_frame(report)["student_no"].dropna()
    assert shown.tolist()[0] == "201****101"
    assert views.reconciliation_frame(report, mask_students=False)["student_no"].iloc[0] == "2017010101"


def test_progress_puts_failing_and_overdue_first(report):
    progress = views.progress_frame(report)
    assert progress.iloc[0]["status"] == "检查未通过"
    assert list(progress["status"].drop_duplicates()) == ["检查未通过", "对账未通过", "未提交", "已通过"]
    assert not progress.loc[progress["status"] == "已通过", "overdue"].any()
    assert progress.loc[progress["status"] == "已通过", "reason"].isna().all()
    assert progress.loc[progress["status"] != "已通过", "reason"].notna().all()
    by_dept = views.progress_by_department(report)
    assert by_dept["tasks"].sum() == len(progress)
    assert by_dept["check_failed"].sum() == progress["status"].eq("检查未通过").sum()
    assert by_dept["rec_failed"].sum() == progress["status"].eq("对账未通过").sum() > 0
    assert by_dept["overdue"].sum() == progress["overdue"].sum()
    assert set(views.progress_frame(report, subsystem="研究生")["subsystem"]) == {"研究生"}


def test_money_adds_up_and_share_is_paid_over_allocated(report):
    year = "2017-2018"
    funds = views.funds_frame(report, year)
    by_college = views.funds_by_department(report, year)
    by_programme = views.funds_by_programme(report, year)
    assert by_college["allocated"].sum() == pytest.approx(funds["allocated"].sum())
    assert by_programme["paid"].sum() == pytest.approx(funds["paid"].sum())
    assert (by_college["share"] == by_college["paid"] / by_college["allocated"]).all()
    over = views.over_allocated(report, year)
    assert list(over[["programme", "department"]].itertuples(index=False, name=None)) == [("国家助学金", "信息工程学院")]
    # 研究生 programmes only for the graduate subsystem; 学费减免 and 勤工助学 are both
    graduate = set(views.funds_by_programme(report, year, subsystem="研究生")["programme"])
    assert graduate == {"研究生国家助学金", "研究生学业奖学金", "学费减免", "勤工助学"}


def test_coverage_of_one_year_at_a_time():
    """Student counts do not add up across academic years: one year is shown, the latest by default."""
    figures = Figures(
        coverage=[CoverageLine(academic_year=y, department="文学院", level="本科", enrolled=1000, difficult=d,
                               share=d / 1000) for y, d in (("2016-2017", 150), ("2017-2018", 200))]
        + [CoverageLine(academic_year="2017-2018", department="文学院", level="硕士研究生", enrolled=100, difficult=10)],
        aided_share=[AidedLine(academic_year="2017-2018", department="文学院", difficult=210, aided=105)],
        campus=[CampusLine(academic_year="2017-2018", campus="分校", enrolled=800, difficult=90, paid=5e5)],
        funds=[FundsLine(programme="国家助学金", academic_year="2017-2018", department="文学院", allocated=1e5,
                         paid=9e4, recipients=30, quota=33, compared=True),
               FundsLine(programme="勤工助学", academic_year="2017-2018", department="文学院", allocated=None,
                         paid=2e4, recipients=5, quota=None, compared=False)],
    )
    run = bare_report(reconciliation=ReconciliationResult(figures=figures))
    latest = views.coverage_frame(run).iloc[0]
    assert (latest["enrolled"], latest["difficult"], latest["aided"]) == (1100, 210, 105)
    assert latest["coverage"] == pytest.approx(210 / 1100)
    assert views.coverage_frame(run, academic_year="2016-2017").iloc[0]["difficult"] == 150
    assert views.coverage_frame(run, subsystem="研究生").iloc[0]["enrolled"] == 100
    assert views.campus_frame(run).iloc[0][["enrolled", "difficult"]].tolist() == [800, 90]
    money = views.funds_by_department(run).iloc[0]
    assert money[["department", "allocated", "paid", "paid_unallocated"]].tolist() == ["文学院", 1e5, 9e4, 2e4]
    assert money["share"] == pytest.approx(0.9) and not money["over_allocated"]  # school-paid aid is no overspend
    assert views.headline(run)["paid_unallocated"] == 2e4
    assert views.options(run)["departments"] == ["文学院"]


def test_headline_follows_the_college(report):
    everyone = views.headline(report, "2017-2018")
    one = views.headline(report, "2017-2018", ALL, "文学院")
    assert 0 < one["allocated"] < everyone["allocated"]
    assert one["enrolled"] == int(views.coverage_frame(report, "文学院")["enrolled"].sum())
    assert one["errors"] == int(views.findings_by_department(report).set_index("department").loc["文学院", "errors"])
    assert everyone["overdue"] == int(views.progress_frame(report)["overdue"].sum())


def test_options_list_colleges_first_and_years_newest_first(report):
    choices = views.options(report)
    assert choices["academic_years"] == ["2017-2018", "2016-2017"]
    assert choices["departments"][: len(COLLEGES)] == sorted(COLLEGES)
    assert {"财务处", "研究生院", "学生处"} <= set(choices["departments"][len(COLLEGES):])
    assert set(BRANCH_COLLEGES) <= set(choices["departments"])


def test_campus_lines_are_separate(report):
    campus = views.campus_frame(report).set_index("campus")
    assert list(campus.index) == ["主校区", "分校"]
    assert campus.loc["分校", "coverage"] == pytest.approx(campus.loc["分校", "difficult"] / campus.loc["分校", "enrolled"])
    # 下达金额 and 执行率 per campus: the allocations of the campus' colleges.
    funds = views.funds_frame(report, "2017-2018")
    branch = funds[funds["department"].isin(BRANCH_COLLEGES)]
    assert campus.loc["分校", "allocated"] == pytest.approx(branch["allocated"].sum())
    assert campus.loc["分校", "share"] == pytest.approx(branch["paid"].sum() / branch["allocated"].sum())
    assert campus["allocated"].sum() == pytest.approx(funds["allocated"].sum())


def test_campus_school_wide_pots_on_their_own_line():
    figures = Figures(campus=[
        CampusLine(academic_year="2017-2018", campus="主校区", enrolled=900, difficult=100, paid=7e4, allocated=6e4,
                   paid_allocated=5e4, share=5 / 6),
        CampusLine(academic_year="2017-2018", campus="全校", allocated=2e4, paid_allocated=2e4, share=1.0)])
    campus = views.campus_frame(bare_report(reconciliation=ReconciliationResult(figures=figures))).set_index("campus")
    assert campus.loc["主校区", ["allocated", "paid", "paid_allocated"]].tolist() == [6e4, 7e4, 5e4]
    assert campus.loc["主校区", "share"] == pytest.approx(5 / 6)
    assert campus.loc["全校", "enrolled"] == 0 and pd.isna(campus.loc["全校", "coverage"])
    assert campus.loc["全校", "share"] == 1.0
    assert "执行率" in views.labelled(campus.reset_index()).columns


def test_money_by_fund_source(report):
    long = views.funds_by_source(report, "2017-2018")
    assert set(long["source"]) == {"中央财政", "地方财政", "学校"}
    by_programme = views.funds_by_programme(report, "2017-2018").set_index("programme")["allocated"]
    sums = long.groupby("programme")["allocated"].sum()
    for programme, allocated in sums.items():  # the sources add up to the programme's allocation
        assert allocated == pytest.approx(by_programme[programme])
    assert long.groupby("programme")["source_share"].sum().tolist() == pytest.approx([1.0] * len(sums))
    grant = long[long["programme"] == "国家助学金"]
    assert grant["source"].tolist() == ["中央财政", "地方财政"] and grant["source_share"].tolist() == pytest.approx([0.8, 0.2])
    graduate = set(views.funds_by_source(report, subsystem="研究生")["programme"])
    assert graduate == {"研究生国家助学金", "研究生学业奖学金", "学费减免"}
    assert list(views.labelled(long).columns) == ["资助项目", "学年", "资金来源", "下达金额(元)", "占比"]


def test_styled_tables_highlight_what_needs_action(report):
    from aidtools.widgets.tables import ORANGE, RED, to_html

    html = to_html(views.progress_frame(report))
    assert RED in html and "逾期天数" in html and "2017-10-10" in html
    for header in ("协助部门", "数据填报员", "数据审核员", "原因", "对账错误"):
        assert header in html
    assert "对账未通过" in to_html(views.progress_by_department(report))
    labelled = views.labelled(views.progress_frame(report))
    assert {"协助部门", "数据填报员", "数据审核员", "原因", "状态"} <= set(labelled.columns)
    html = to_html(views.progress_frame(report, department="化学化工学院"))
    assert RED not in html and ORANGE not in html
    html = to_html(views.funds_by_department(report, "2017-2018"), mark={"department": "文学院"})
    assert "下达金额(元)" in html and "font-weight: bold" in html
    assert "（无数据）" in to_html(pd.DataFrame())


def test_findings_browser_filters_by_each_dropdown(report):
    from aidtools.widgets import FindingsBrowser

    browser = FindingsBrowser(views.findings_frame(report))
    assert len(browser.filtered()) == len(views.findings_frame(report))
    browser.department.value = "文学院"
    browser.severity.value = "error"
    chosen = browser.filtered()
    assert set(chosen["department"]) == {"文学院"} and set(chosen["severity"]) == {"error"}
    browser.rule.value = "file.unreadable"
    assert browser.filtered()["path"].tolist() == ["文学院/资助名单(加密).xlsx"]
    assert "筛选出 <b>1</b> 条问题" in browser.count.value
    assert browser.table.count.value == "共 1 条"


def test_the_findings_dropdowns_offer_only_what_the_others_leave(report):
    from aidtools.widgets import FindingsBrowser

    findings = views.findings_frame(report)
    browser = FindingsBrowser(findings)
    browser.department.value = "文学院"
    here = findings[findings["department"] == "文学院"]
    assert [v for _, v in browser.rule.options][1:] == sorted(set(here["rule"]))
    assert [v for _, v in browser.template.options][1:] == sorted(set(here["template"].dropna()))
    for rule in [v for _, v in browser.rule.options][1:]:  # every choice the dropdowns offer shows findings
        browser.rule.value = rule
        assert len(browser.filtered()) > 0
    labels = dict((v, k) for k, v in browser.template.options)
    assert all(labels[t] == views.template_titles()[t] for t in labels if t in views.template_titles())
    shown = browser.table.shown()
    assert {"template_title", "title"} <= set(shown.columns) and "template" not in shown.columns
    # the rule id is left out of the page (its title is there) and kept in the table the export writes
    assert "rule" not in shown.columns and "rule" in browser.table.frame.columns


def test_a_capped_table_says_so_and_shows_or_exports_all(tmp_path):
    import openpyxl
    from aidtools.widgets.tableview import TableView

    frame = pd.DataFrame({"rule": [f"r{i}" for i in range(5)], "severity": ["error"] * 5, "value": [None] * 5})
    view = TableView(frame, limit=2, name="问题", export_dir=tmp_path)
    assert view.count.value == "显示前 2 条，共 5 条" and len(view.shown()) == 2
    view.show_all()
    assert view.count.value == "共 5 条" and len(view.shown()) == 5
    rows = list(openpyxl.load_workbook(view.export()).worksheets[0].values)
    assert rows[0] == ("规则", "级别", "值（已脱敏）") and len(rows) == 6 and rows[1][1] == "错误"
    assert "已导出全部 5 条" in view.status.value
    view.update(frame.head(1))
    assert view.count.value == "共 1 条"


def test_overview_changes_the_headline_with_the_college(report):
    from aidtools.widgets import Overview

    board = Overview(report, charts=False)
    before = board.headline.value
    assert 'id="fig-allocated"' in before and "2,210.00 万元" not in before
    board.select(college="文学院")
    after = board.headline.value
    assert after != before and 'data-college="文学院"' in after
    allocated = views.headline(report, board.year.value, ALL, "文学院")["allocated"]
    assert f"{allocated / 1e4:,.2f} 万元" in after
    assert "文学院" in board.progress.value and "信息工程学院" not in board.progress.value
    # The money section splits the allocations by 资金来源; the campus section has 下达金额 and 执行率.
    assert "资金来源" in board.funds_source.value and "地方财政" in board.funds_source.value
    assert "下达金额(元)" in board.campus.value and "执行率" in board.campus.value


def test_history_changes_add_up_to_the_lists(report):
    history = report.history
    changes = views.history_changes(report)
    assert list(changes.columns) == ["department", "fixed", "new", "still_open"]
    for kind in ("fixed", "new", "still_open"):
        listed = pd.Series([f.department for f in getattr(history, kind)]).value_counts()
        assert changes.set_index("department")[kind].loc[lambda s: s > 0].sort_index().to_dict() == \
            listed.sort_index().to_dict(), kind
    assert changes["still_open"].is_monotonic_decreasing
    assert views.has_previous_round(report) and not views.has_previous_round(bare_report())
    assert views.labelled(changes).columns.tolist() == ["部门/院系", "已改正", "新出现", "仍未改正"]
    one = views.history_changes(report, "外国语学院")
    assert one[["fixed", "new", "still_open"]].iloc[0].tolist() == [3, 2, 1]


def test_still_open_findings_say_since_when(report):
    frame = views.still_open(report)
    assert len(frame) == len(report.history.still_open)
    assert set(frame["first_round"]) <= {1, 2}
    assert (frame["rounds_open"] == report.history.round - frame["first_round"] + 1).all()
    assert frame["record"].str.contains(r"\*").all() and frame["title"].ne("").all()
    assert frame["first_round"].is_monotonic_increasing  # the longest open first


def test_accuracy_trend_is_errors_per_100_rows_by_round(report):
    trend = views.accuracy_trend(report)
    assert trend.index.tolist() == [1, 2, 3] and trend.index.name == "round"
    assert set(trend.columns) == set(COLLEGES)
    for line in report.history.accuracy:
        assert trend.loc[line.round, line.department] == pytest.approx(100 * line.errors / line.rows, abs=0.005)
    assert trend.iloc[-1].is_monotonic_decreasing  # worst department of the latest round first
    assert views.accuracy_trend(report, "文学院").columns.tolist() == ["文学院"]
    by_department = views.accuracy_by_department(report)
    assert by_department.columns.tolist() == ["department", "第1轮", "第2轮", "第3轮"]
    from aidtools.widgets.tables import to_html
    assert "1.17" in to_html(by_department) and "1.170000" not in to_html(by_department)


def test_timeliness_per_item_department_and_round(report):
    history = report.history
    items = views.timeliness_items(report)
    assert len(items) == len(history.items) and set(items["state"]) == {"按时通过", "逾期通过", "尚未通过"}
    assert items["state"].iloc[0] == "尚未通过"  # open first
    assert len(views.timeliness_items(report, state="逾期通过")) == sum(i.state == "late" for i in history.items)
    by_department = views.timeliness_by_department(report)
    assert (by_department["items"] == by_department[["on_time", "late", "open"]].sum(axis=1)).all()
    assert by_department["items"].sum() == len(history.items)
    by_round = views.timeliness_by_round(report)
    assert by_round["round"].tolist() == [1, 2, 3]
    assert (by_round[["on_time", "late", "open"]].sum(axis=1) == len(history.items)).all()
    last = by_round.iloc[-1]
    assert (last["on_time"], last["late"], last["open"]) == tuple(
        int(by_department[k].sum()) for k in ("on_time", "late", "open"))
    assert by_round["on_time"].add(by_round["late"]).tolist() == [r.items_passed for r in history.rounds]


def test_overview_shows_the_history_and_follows_the_college(report):
    from aidtools.widgets import Overview

    board = Overview(report, charts=False)
    assert 'id="aid-changes"' in board.changes.value and "第3轮与第2轮相比" in board.changes.value
    assert 'id="aid-trend"' in board.trend.value and "第1轮" in board.trend.value and "第3轮" in board.trend.value
    assert "按时通过" in board.timeliness.value and "逾期通过" in board.timeliness.value
    assert "font-weight: bold" not in board.timeliness.value
    board.select(college="文学院")
    assert "font-weight: bold" in board.timeliness.value and "font-weight: bold" in board.trend.value
    first = Overview(dataclasses.replace(report, history=dataclasses.replace(report.history, previous_round=None,
                                                                            round=1)), charts=False)
    assert "记录的第一轮" in first.changes.value
    assert "没有记录到历史数据库" in Overview(bare_report(), charts=False).changes.value


def test_overview_draws_the_history_charts(report):
    from aidtools.widgets import Overview

    board = Overview(report, charts=True)
    assert bytes(board.trend_chart.value).startswith(b"\x89PNG") and bytes(board.timeliness_chart.value).startswith(b"\x89PNG")


def test_progress_bar_counts_items():
    from aidtools.widgets import ProgressBar

    bar = ProgressBar("检查文件")
    assert list(bar([("a.xlsx", "."), ("b.xlsx", ".")])) == [("a.xlsx", "."), ("b.xlsx", ".")]
    assert (bar.bar.value, bar.bar.max, bar.bar.bar_style) == (2, 2, "success")


def test_rows_behind_findings_are_masked(tmp_path):
    from builders import AS_OF, ID_X, write_template, wrong_check

    from aidtools.validate import check_file
    from aidtools.widgets.records import held_back_rows, masked_table, source_rows

    path = write_template(tmp_path / "文学院", "student", {}, {"身份证件号": wrong_check(ID_X)})
    report = check_file(path, root=tmp_path, as_of=AS_OF)
    table = masked_table(report)
    assert table["行"].tolist() == [2, 3]
    assert not table["身份证件号"].str.fullmatch(r"\d{17}[\dX]").any()
    assert table["身份证件号"].iloc[0] == ID_X[:6] + "********" + ID_X[-4:]
    held = held_back_rows([report])
    assert held["行"].tolist() == [3] and "id.checksum" in held["规则"].iloc[0]
    behind = source_rows([report], [{"path": report.display_path, "row": 3}])
    assert behind[["文件", "部门", "行"]].values.tolist() == [[report.display_path, "文学院", 3]]
    assert ID_X not in behind.to_string()


def test_folder_picker_walks_folders_and_upload_stays_inside(tmp_path):
    from aidtools.widgets import FolderPicker, UploadBox

    (tmp_path / "文学院").mkdir()
    picker = FolderPicker(tmp_path)
    assert picker.folders.options == ("文学院",)
    assert picker.enter("文学院").path == (tmp_path / "文学院").resolve()
    assert picker.go(tmp_path / "nowhere").path == (tmp_path / "文学院").resolve()
    box = UploadBox(tmp_path)
    box.department.value = "../法学院"
    when = dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc)
    box.upload.value = tuple({"name": name, "type": "", "size": 2, "content": memoryview(b"PK"), "last_modified": when}
                             for name in ("../../evil.xlsx", "note.txt"))
    assert box.save() == [tmp_path / "法学院" / "evil.xlsx"]


def test_task_status_colours():
    from aidtools.widgets.tables import GREY, ORANGE, RED, _row_colours

    frame = pd.DataFrame({"status": ["检查未通过", "对账未通过", "未提交", "已通过", "未提交"],
                          "overdue": [False, False, False, False, True]})
    assert _row_colours(frame) == [f"background-color: {ORANGE}"] * 2 + [f"background-color: {GREY}", "",
                                                                            f"background-color: {RED}"]


def test_the_check_cell_names_the_files_it_did_not_check(tmp_path):
    """aidtools.notebook: what the inventory found and did not check is in the page, as in the report."""
    from aidtools import steps
    from aidtools.notebook import not_checked_html

    (tmp_path / "文学院").mkdir()
    (tmp_path / "文学院" / "说明.docx").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "文学院" / "~$名单.xlsx").write_bytes(b"lock")
    batch = steps.check([tmp_path], steps.options())
    note = not_checked_html(batch)
    assert "另有 2 个文件未检查" in note and "文学院/说明.docx" in note and "名单.xlsx" in note


def test_the_reconciliation_browser_shows_the_chosen_finding_in_full():
    """A line of the list is cut at its right edge: the chosen finding is shown whole below it, masked."""
    from aidtools.widgets import ReconciliationBrowser

    message = "学号2015123456的国家奖学金与国家励志奖学金在同一学年同时获得，" * 4 + "请核对。"
    findings = pd.DataFrame({"rule": ["rec.exclusive_awards"], "severity": ["error"], "student_no": ["2015123456"],
                             "programme": ["国家奖学金"], "academic_year": ["2017-2018"], "department": ["文学院"],
                             "message": [message], "sources": [[]]})
    browser = ReconciliationBrowser(findings, [])
    assert "文学院" in browser.detail.value and browser.detail.value.count("在同一学年同时获得，") == 4
    assert "请核对。" in browser.detail.value and "2015123456" not in browser.detail.value
    assert browser.records_out.count.value == "共 0 条"  # no source named: no records


def test_a_few_records_read_down_the_page():
    from aidtools.widgets.records import by_field

    two = pd.DataFrame({"文件": ["a.xlsx", "b.xlsx"], "行": [3, 9], "备注": [None, ""], "金额": [100, 200]})
    table = by_field(two)
    assert table.columns.tolist() == ["字段", "记录 1", "记录 2"]
    assert table["字段"].tolist() == ["文件", "行", "金额"]  # 备注 is empty in both
    many = pd.concat([two] * 3, ignore_index=True)
    assert by_field(many).equals(many)
