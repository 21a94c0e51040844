"""The leaders' overview (Voilà dashboard): headline figures for a college, progress against the task
table, errors by department and rule, money allocated vs paid, hardship coverage, the branch campus, and
(with a history of rounds) what changed since the previous round, the trend of errors per 100 rows and
the task items passed on time or late per department.

Aggregates only: every table comes from :mod:`aidtools.views`, no student-level row is shown.
Elements a browser test reads have stable CSS classes and ids: the dropdowns ``aid-year``,
``aid-subsystem``, ``aid-college``; the headline box ``#aid-headline`` with one ``.aid-figure`` per
number, ids ``fig-allocated``, ``fig-paid``, ``fig-share``, ``fig-paid-unallocated``,
``fig-recipients``, ``fig-enrolled``, ``fig-difficult``, ``fig-coverage``, ``fig-errors``,
``fig-rec-errors``, ``fig-overdue`` (the value in ``.aid-value``); the history section
``.aid-history`` with the tables ``#aid-changes``, ``#aid-trend`` and ``#aid-timeliness``.

>>> from aidtools.report import RunReport, Versions
>>> report = RunReport(aidtools_version="0", generated_at="2017-12-01T09:00:00", as_of="2017-12-01",
...                    versions=Versions("0", "3.11", "2.2"))
>>> board = Overview(report, charts=False)
>>> "fig-allocated" in board.headline.value
True
"""
from __future__ import annotations

import html

import ipywidgets as W

from aidtools import views
from aidtools.views import ALL
from aidtools.widgets.tables import legend_html, to_html

STYLE = """
<style>
.aid-title h2 { margin: 4px 0 2px 0; }
.aid-title .aid-meta { color: #555; font-size: 13px; }
.aid-headline { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 10px 0; }
.aid-figure { border: 1px solid #d5dbe5; border-radius: 6px; padding: 4px 9px; min-width: 84px; background: #fafbfd; }
.aid-figure .aid-label { color: #555; font-size: 12px; }
.aid-figure .aid-value { font-size: 18px; font-weight: 600; color: #1d3f72; white-space: nowrap; }
.aid-figure.aid-alert .aid-value { color: #c62828; }
.aid-section h3 { margin: 14px 0 4px 0; border-left: 4px solid #2f5fa7; padding-left: 8px; }
.aid-note { color: #666; font-size: 12px; }
</style>
"""


def yuan_wan(value) -> str:
    """Yuan as 万元 with two decimals: 1234567 → '123.46 万元'."""
    return "—" if value is None else f"{value / 1e4:,.2f} 万元"


def percent(value) -> str:
    return "—" if value is None else f"{value:.1%}"


def count(value) -> str:
    return "—" if value is None else f"{int(value):,}"


FIGURES = [  # (key in views.headline, element id, label, formatter, alert when > 0)
    ("allocated", "fig-allocated", "下达金额", yuan_wan, False),
    ("paid", "fig-paid", "发放金额", yuan_wan, False),
    ("share", "fig-share", "资金执行率", percent, False),
    ("paid_unallocated", "fig-paid-unallocated", "无下达资金的发放", yuan_wan, False),
    ("recipients", "fig-recipients", "受助人次", count, False),
    ("enrolled", "fig-enrolled", "在校生数", count, False),
    ("difficult", "fig-difficult", "困难学生数", count, False),
    ("coverage", "fig-coverage", "困难认定比例", percent, False),
    ("errors", "fig-errors", "检查错误", count, True),
    ("rec_errors", "fig-rec-errors", "对账错误", count, True),
    ("overdue", "fig-overdue", "逾期数据项", count, True),
]


def headline_html(figures: dict, college: str) -> str:
    """The headline box: one card per figure, with stable ids."""
    cards = []
    for key, element_id, label, fmt, alert in FIGURES:
        value = figures.get(key)
        css = "aid-figure aid-alert" if alert and value else "aid-figure"
        cards.append(f'<div class="{css}" id="{element_id}"><div class="aid-label">{label}</div>'
                     f'<div class="aid-value">{fmt(value)}</div></div>')
    who = html.escape(college)
    return f'<div class="aid-headline" id="aid-headline" data-college="{who}">{"".join(cards)}</div>'


def _section(title: str, *children) -> W.VBox:
    box = W.VBox([W.HTML(f"<h3>{title}</h3>"), *children])
    box.add_class("aid-section")
    return box


class Overview:
    """The dashboard as one widget (``.widget``); ``select(...)`` changes the dropdowns as a leader would."""

    def __init__(self, report, charts: bool = True):
        self.report = report  # aidtools.report.RunReport
        self.charts = charts
        self._drawn = None  # (year, subsystem) the charts show
        choices = views.options(self.report)
        years = choices["academic_years"]
        self.year = W.Dropdown(options=[ALL] + years, value=years[0] if years else ALL, description="学年")
        self.subsystem = W.Dropdown(options=[ALL] + choices["subsystems"], value=ALL, description="子系统")
        self.college = W.Dropdown(options=[ALL] + choices["departments"], value=ALL, description="院系/部门",
                                  layout=W.Layout(width="300px"))
        dropdowns = (("aid-year", self.year), ("aid-subsystem", self.subsystem), ("aid-college", self.college))
        for name, dropdown in dropdowns:
            dropdown.add_class(name)
            dropdown.observe(lambda _: self.refresh(), names="value")
        self.title = W.HTML(STYLE + self._title_html())
        self.headline = W.HTML()
        self.headline.add_class("aid-headline-box")
        self.progress_summary, self.progress = W.HTML(), W.HTML()
        self.errors, self.rec = W.HTML(), W.HTML()
        self.funds_programme, self.funds_college, self.over = W.HTML(), W.HTML(), W.HTML()
        self.funds_source = W.HTML()
        self.coverage, self.campus = W.HTML(), W.HTML()
        self.changes, self.trend, self.timeliness = W.HTML(), W.HTML(), W.HTML()
        self.trend_chart = W.Image(format="png", layout=W.Layout(max_width="760px"))
        self.timeliness_chart = W.Image(format="png", layout=W.Layout(max_width="760px"))
        self._trend_drawn = None  # the college the trend chart highlights
        self.money_chart = W.Image(format="png", layout=W.Layout(max_width="760px"))
        self.coverage_chart = W.Image(format="png", layout=W.Layout(max_width="760px"))
        charts_row = [self.money_chart] if charts else []
        coverage_row = [self.coverage_chart] if charts else []
        self.widget = W.VBox([
            self.title,
            W.HBox([self.year, self.subsystem, self.college]),
            self.headline,
            _section("一、各部门报送进度（对照任务分解表截止日期）", W.HTML(legend_html()), self.progress_summary,
                     self.progress),
            _section("二、检查错误（按部门和规则）", self.errors, self.rec),
            _section("三、资金下达与发放", self.funds_programme, self.funds_source, self.over, *charts_row,
                     self.funds_college),
            _section("四、家庭经济困难学生认定覆盖率", self.coverage, *coverage_row),
            _section("五、分校", self.campus),
            self._history_section(charts),
        ])
        self.widget.add_class("aid-overview")
        self.refresh()

    def _history_section(self, charts: bool) -> W.VBox:
        history = [self.changes, self.trend]
        if charts and views.has_previous_round(self.report):
            history.append(self.trend_chart)
        history.append(self.timeliness)
        if charts and self.report.history is not None:
            history.append(self.timeliness_chart)
        box = _section("六、与上一轮相比：改正情况、错误率趋势、按时通过情况", *history)
        box.add_class("aid-history")
        return box

    def _refresh_history(self, college) -> None:
        r = self.report
        mark = {"department": college} if college != ALL else None
        history = r.history
        if history is None:
            self.changes.value = '<div class="aid-note" id="aid-changes">本次运行没有记录到历史数据库，无法与上一轮相比。</div>'
            self.trend.value = self.timeliness.value = ""
            return
        if history.previous_round is None:
            self.changes.value = (f'<div class="aid-note" id="aid-changes">这是第{history.round}轮，也是记录的第一轮，'
                                  "下一轮起与上一轮相比。</div>")
        else:
            self.changes.value = (f'<div id="aid-changes"><div class="aid-note">第{history.round}轮与第'
                                  f"{history.previous_round}轮相比，各部门问题的改正情况（已改正、新出现、仍未改正）：</div>"
                                  + to_html(views.history_changes(r), mark=mark, highlight=False,
                                            empty="（与上一轮相比没有变化）") + "</div>")
        table = views.accuracy_by_department(r)
        self.trend.value = ('<div id="aid-trend"><div class="aid-note">各部门每百行错误数（检查错误与对账错误，按轮次）：</div>'
                            + to_html(table, mark=mark, highlight=False, empty="（没有错误率数据）") + "</div>")
        self.timeliness.value = ('<div id="aid-timeliness"><div class="aid-note">各部门数据项按时通过情况（对照截止日期）：</div>'
                                 + to_html(views.timeliness_by_department(r), mark=mark, highlight=False,
                                           empty="（没有数据项）") + "</div>")
        if self.charts and self._trend_drawn != college:
            from aidtools.widgets.plots import accuracy_png, timeliness_png
            if views.has_previous_round(r):
                self.trend_chart.value = accuracy_png(views.accuracy_frame(r),
                                                      highlight=college if college != ALL else None)
            if self._trend_drawn is None:
                self.timeliness_chart.value = timeliness_png(views.timeliness_by_round(r))
            self._trend_drawn = college

    def _title_html(self) -> str:
        r = self.report
        return ('<div class="aid-title"><h2>学生资助数据总览</h2>'
                f'<div class="aid-meta">数据截至 {html.escape(r.as_of)} · 生成时间 '
                f'{html.escape(r.generated_at.replace("T", " "))} · 提交文件夹 '
                f'{html.escape(r.submissions or "—")} · 仅显示汇总数据，不列出任何学生（无学号、姓名、身份证件号、银行卡号、手机号）</div></div>')

    def select(self, year=None, subsystem=None, college=None) -> "Overview":
        """Set the dropdowns (None leaves one as it is); the figures follow."""
        for dropdown, value in ((self.year, year), (self.subsystem, subsystem), (self.college, college)):
            if value is not None:
                dropdown.value = value
        return self

    def refresh(self) -> None:
        r, year, subsystem, college = self.report, self.year.value, self.subsystem.value, self.college.value
        mark = {"department": college} if college != ALL else None
        by_dept = views.progress_by_department(r, subsystem)
        self.progress_summary.value = to_html(by_dept, mark=mark, empty="（没有任务分解表）")
        tasks = views.progress_frame(r, subsystem, college)
        tasks = tasks[(tasks["status"] != views.PASSED) | (college != ALL)]  # all colleges: only what needs action
        self.progress.value = ('<div class="aid-note">需要处理的数据项（检查未通过、对账未通过、未提交；选择院系后显示该院系全部数据项）：</div>'
                               + to_html(tasks.drop(columns=["template"]), empty="（全部已通过）"))
        errors = views.errors_by_department_rule(r, college, titles=True, top=8)
        self.errors.value = to_html(errors, highlight=False, empty="（没有检查错误）")
        self.rec.value = ('<div class="aid-note">对账（两线三库）发现的问题：</div>'
                          + to_html(views.reconciliation_by_rule(r, college, year), highlight=False,
                                    empty="（没有对账问题）"))
        programmes = views.funds_by_programme(r, year, college, subsystem)
        self.funds_programme.value = ('<div class="aid-note">按资助项目' + (f"（{html.escape(college)}）" if mark else "")
                                      + "：</div>" + to_html(programmes, empty="（没有资金数据）"))
        sources = views.funds_by_source(r, year, subsystem)
        self.funds_source.value = ('<div class="aid-note">按资金来源（全校下达金额）：</div>' + to_html(sources)
                                   if len(sources) else "")
        over = views.over_allocated(r, year, college, subsystem)
        self.over.value = ('<div class="aid-note">发放超过下达的项目：</div>' + to_html(over.assign(over_allocated=True))
                           if len(over) else '<div class="aid-note">没有发放超过下达的项目。</div>')
        colleges = views.funds_by_department(r, year, subsystem)
        self.funds_college.value = '<div class="aid-note">按院系：</div>' + to_html(colleges, mark=mark,
                                                                                   empty="（没有资金数据）")
        coverage = views.coverage_frame(r, None, subsystem, year)
        self.coverage.value = to_html(coverage, mark=mark, empty="（没有在校生或困难认定数据）")
        self.campus.value = to_html(views.campus_frame(r, year), empty="（没有分校区数据）")
        if self.charts and self._drawn != (year, subsystem):
            # The charts compare all colleges, so picking a college does not redraw them (a second each).
            from aidtools.widgets.plots import coverage_png, money_png
            chosen_year = year if year != ALL else None
            self.money_chart.value = money_png(colleges, "department",
                                               title=f"{chosen_year or '各学年'}各院系资金下达与发放（全部资助项目）")
            self.coverage_chart.value = coverage_png(coverage, chosen_year)
            self._drawn = (year, subsystem)
        self._refresh_history(college)
        # Last: a page that sees the new headline (its data-college) has every other part updated too.
        self.headline.value = headline_html(views.headline(r, year, subsystem, college), college)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)
