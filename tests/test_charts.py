"""Every chart renders to PNG with Chinese labels and no missing-glyph warning."""
from __future__ import annotations

import base64
import warnings

import matplotlib
import pandas as pd
import pytest

from aidtools import charts
from aidtools.fonts import CJKFontMissing, use_cjk_font

PNG = b"\x89PNG\r\n\x1a\n"

FUNDS = [
    {"programme": "国家助学金", "academic_year": "2017-2018", "department": "文学院", "allocated": 70000.0, "paid": 70000.0, "share": 1.0},
    {"programme": "国家助学金", "academic_year": "2017-2018", "department": "分校经济学院", "allocated": 50000.0, "paid": 30000.0, "share": 0.6},
    {"programme": "国家奖学金", "academic_year": "2017-2018", "department": "全校", "allocated": 80000.0, "paid": 88000.0, "share": 1.1},
    {"programme": "学费减免", "academic_year": "2017-2018", "department": "理学院", "allocated": None, "paid": 5000.0, "share": None},
]
COVERAGE = [
    {"academic_year": "2017-2018", "department": "文学院", "level": "本科", "enrolled": 400, "difficult": 92, "share": 0.23},
    {"academic_year": "2017-2018", "department": "理学院", "level": "硕士研究生", "enrolled": 120, "difficult": 10, "share": 0.08},
    {"academic_year": "2017-2018", "department": "分校经济学院", "level": "专科", "enrolled": 300, "difficult": 81, "share": 0.27},
]
FINDINGS = pd.DataFrame({
    "rule": ["rec.not_enrolled", "rec.not_difficult", "rec.not_difficult", "cell.required", "rec.under_spent"],
    "severity": ["error", "error", "warning", "error", "info"],
    "department": ["文学院", "理学院", "理学院", "机械工程学院", None],
})

# Twelve departments over three rounds: more than the chart draws a line for.
DEPARTMENTS = ["机械工程学院", "电气工程学院", "化学化工学院", "信息工程学院", "经济管理学院", "文学院", "法学院",
               "外国语学院", "分校工程学院", "分校管理学院", "财务处", "研究生院"]
ACCURACY = [{"round": r, "as_of": as_of, "department": d, "rows": 400, "errors": (12 - k) * (4 - r),
             "errors_per_100_rows": (12 - k) * (4 - r) / 4}
            for r, as_of in ((1, "2017-10-08"), (2, "2017-10-30"), (3, "2017-12-01")) for k, d in enumerate(DEPARTMENTS)]
TIMELINESS = [{"round": 1, "as_of": "2017-10-08", "on_time": 6, "late": 0, "open": 29},
              {"round": 2, "as_of": "2017-10-30", "on_time": 13, "late": 1, "open": 21},
              {"round": 3, "as_of": "2017-12-01", "on_time": 13, "late": 5, "open": 17}]


def _charts():
    return {
        "funds_by_programme": lambda: charts.funds_chart(FUNDS, academic_year="2017-2018"),
        "funds_by_college": lambda: charts.funds_chart(FUNDS, programme="国家助学金"),
        "coverage": lambda: charts.coverage_chart(COVERAGE),
        "findings_by_rule": lambda: charts.findings_by_rule_chart(FINDINGS),
        "errors_by_department": lambda: charts.errors_by_department_chart(FINDINGS),
        "errors_by_department_counts": lambda: charts.errors_by_department_chart(
            [{"department": "研究生院", "error": 3, "warning": 1, "info": 0}]),
        "empty": lambda: charts.funds_chart([]),
        "accuracy_trend": lambda: charts.accuracy_trend_chart(ACCURACY, highlight="分校管理学院"),
        "accuracy_trend_empty": lambda: charts.accuracy_trend_chart([]),
        "timeliness": lambda: charts.timeliness_chart(TIMELINESS),
        "timeliness_empty": lambda: charts.timeliness_chart([]),
    }


@pytest.mark.parametrize("name", list(_charts()))
def test_chart_renders_chinese_without_missing_glyphs(name, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = _charts()[name]()
        png = charts.png_bytes(fig)
    glyph_warnings = [str(w.message) for w in caught
                      if "missing from font" in str(w.message) or "Glyph" in str(w.message)]
    assert not glyph_warnings, glyph_warnings
    assert png.startswith(PNG) and len(png) > 5000
    (tmp_path / f"{name}.png").write_bytes(png)


def test_chart_titles_are_chinese():
    fig = charts.funds_chart(FUNDS, programme="国家助学金")
    assert fig.axes[0].get_title() == "国家助学金各院系资金下达与发放（万元）"
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert set(labels) == {"文学院", "分校经济学院"}


def test_font_is_a_cjk_family():
    family = use_cjk_font()
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_missing_font_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("AIDTOOLS_CJK_FONT", str(tmp_path / "nope.ttf"))
    from aidtools import fonts
    with pytest.raises(CJKFontMissing, match="fonts-noto-cjk"):
        fonts.find_cjk_font()


def test_img_tag_embeds_png():
    tag = charts.img_tag(charts.coverage_chart(COVERAGE))
    assert tag.startswith('<img src="data:image/png;base64,')
    data = tag.split("base64,", 1)[1].split('"', 1)[0]
    assert base64.b64decode(data).startswith(PNG)
    assert 'alt="2017-2018学年各院系家庭经济困难学生认定比例"' in tag


def test_accuracy_trend_draws_the_worst_departments_the_rest_and_the_school():
    fig = charts.accuracy_trend_chart(ACCURACY, top=6, highlight="分校管理学院")
    ax = fig.axes[0]
    names = [line.get_label() for line in ax.get_lines()]
    assert names == DEPARTMENTS[:6] + ["分校管理学院", "其他5个部门（合计）", "全校"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["第1轮\n2017-10-08", "第2轮\n2017-10-30", "第3轮\n2017-12-01"]
    school = ax.get_lines()[-1].get_ydata()
    assert list(school) == pytest.approx([100 * sum(12 - k for k in range(12)) * n / (12 * 400) for n in (3, 2, 1)])


def test_timeliness_chart_stacks_the_three_states():
    ax = charts.timeliness_chart(TIMELINESS).axes[0]
    assert ax.get_title() == "数据项按时通过情况（按轮次）"
    heights = [round(p.get_height()) for p in ax.patches]
    assert heights == [6, 13, 13, 0, 1, 5, 29, 21, 17]
