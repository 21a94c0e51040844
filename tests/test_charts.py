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
