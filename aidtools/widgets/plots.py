"""Charts for the notebooks, the report and the dashboard, as PNG bytes (self-contained, no JavaScript).

:mod:`aidtools.charts` draws the project's charts; this module adapts the frames of
:mod:`aidtools.views` to it and adds the one chart it has not got (money allocated vs paid per college
over all programmes). Without :mod:`aidtools.charts` a plain bar chart stands in, so a report always
has its charts.

>>> import pandas as pd
>>> data = pd.DataFrame({"department": ["文学院", "法学院"], "allocated": [100000.0, 80000.0], "paid": [90000.0, 85000.0]})
>>> money_png(data, "department")[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""
from __future__ import annotations

import io

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

try:  # the project's charts; absent only in an old or partial installation
    from aidtools import charts
except ImportError:  # pragma: no cover
    charts = None

FALLBACK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Micro Hei", "SimHei",
                     "Microsoft YaHei", "PingFang SC")
ALLOCATED_COLOUR, PAID_COLOUR, OVER_COLOUR = "#9ecae1", "#3182bd", "#d62728"


def use_cjk_font() -> str | None:
    """Make matplotlib draw Chinese (:func:`aidtools.fonts.use_cjk_font`); None when no CJK font exists."""
    try:
        from aidtools.fonts import use_cjk_font as setup
    except ImportError:  # pragma: no cover - fonts ship with charts
        setup = None
    if setup is not None:
        try:
            return setup()
        except RuntimeError:  # CJKFontMissing: draw anyway; the report still has its tables
            return None
    from matplotlib import font_manager  # pragma: no cover
    installed = {f.name for f in font_manager.fontManager.ttflist}
    family = next((name for name in FALLBACK_FAMILIES if name in installed), None)
    if family:
        matplotlib.rcParams["font.sans-serif"] = [family, *matplotlib.rcParams["font.sans-serif"]]
        matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


def png(fig, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _new_figure(rows: int) -> tuple[Figure, object]:
    use_cjk_font()
    fig = Figure(figsize=(8.0, max(2.6, 0.4 * rows + 1.4)))  # not pyplot: nothing global, nothing shown twice
    return fig, fig.subplots()


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_axis_off()


def money_chart(frame: pd.DataFrame, by: str, title: str = "资金下达与发放", highlight=None) -> Figure:
    """Allocated vs paid (万元) per ``by`` (``department`` or ``programme``); paid above allocated in red."""
    data = frame.dropna(subset=["allocated"]) if len(frame) else frame
    data = data.sort_values("allocated") if len(data) else data
    fig, ax = _new_figure(len(data))
    ax.set_title(title)
    if data.empty:
        _empty(ax, "暂无资金数据")
        return fig
    y = list(range(len(data)))
    allocated = data["allocated"].fillna(0).to_numpy() / 1e4
    paid = data["paid"].fillna(0).to_numpy() / 1e4
    ax.barh([k + 0.2 for k in y], allocated, height=0.4, color=ALLOCATED_COLOUR, label="下达金额")
    ax.barh([k - 0.2 for k in y], paid, height=0.4, color=[OVER_COLOUR if p > a else PAID_COLOUR
                                                            for p, a in zip(paid, allocated)], label="发放金额")
    for k, (a, p) in enumerate(zip(allocated, paid)):
        ax.text(max(a, p), k, f" {p / a:.0%}" if a else " —", va="center", fontsize=8, color="#333333")
    labels = data[by].astype(str).tolist()
    ax.set_yticks(y, labels)
    if highlight in labels:
        ax.get_yticklabels()[labels.index(highlight)].set_fontweight("bold")
    ax.set_xlabel("金额（万元）；红色：发放超过下达")
    ax.legend(loc="lower right", fontsize=8)
    ax.margins(x=0.1)
    ax.grid(axis="x", alpha=0.3)
    return fig


def coverage_chart(frame: pd.DataFrame, title: str = "各院系家庭经济困难学生认定比例") -> Figure:
    """Coverage (difficult / enrolled) per college: the stand-in for :func:`aidtools.charts.coverage_chart`."""
    data = frame.dropna(subset=["coverage"]).sort_values("coverage") if len(frame) else frame
    fig, ax = _new_figure(len(data))
    ax.set_title(title)
    if data.empty:
        _empty(ax, "暂无在校生或困难认定数据")
        return fig
    ax.barh(data["department"].astype(str).tolist(), data["coverage"].to_numpy() * 100, color=PAID_COLOUR)
    ax.set_xlabel("困难学生占在校生比例（%）")
    ax.grid(axis="x", alpha=0.3)
    return fig


def money_png(frame: pd.DataFrame, by: str = "department", **options) -> bytes:
    """PNG of :func:`money_chart` (allocated vs paid per college over all programmes, e.g. from
    :func:`aidtools.views.funds_by_department`)."""
    return png(money_chart(frame, by, **options))


def programmes_png(funds: pd.DataFrame, academic_year=None) -> bytes:
    """Allocated vs paid per programme from :func:`aidtools.views.funds_frame` lines."""
    if charts is not None:
        lines = funds.rename(columns={"department": "college"})
        return png(charts.funds_chart(lines, academic_year=academic_year))
    from aidtools import views  # pragma: no cover
    by_programme = views.funds_by_programme({"reconciliation": {"figures": {"funds": funds.to_dict("records")}}})
    return png(money_chart(by_programme, "programme", title="各资助项目资金下达与发放"))


def coverage_png(coverage: pd.DataFrame, academic_year=None) -> bytes:
    """Coverage per college from :func:`aidtools.views.coverage_frame` (one academic year)."""
    if charts is not None:
        data = coverage.rename(columns={"department": "college"}).assign(academic_year=academic_year or "")
        return png(charts.coverage_chart(data[["academic_year", "college", "enrolled", "difficult"]],
                                         academic_year=academic_year or ""))
    return png(coverage_chart(coverage))  # pragma: no cover


def findings_png(findings: pd.DataFrame) -> bytes | None:
    """Findings per rule (errors and warnings stacked), or None without :mod:`aidtools.charts`."""
    if charts is None:  # pragma: no cover
        return None
    return png(charts.findings_by_rule_chart(findings[["rule", "severity"]] if len(findings) else findings))


def departments_png(by_department: pd.DataFrame) -> bytes | None:
    """Errors and warnings per department from :func:`aidtools.views.findings_by_department`."""
    if charts is None:  # pragma: no cover
        return None
    counts = by_department.rename(columns={"errors": "error", "warnings": "warning"}).assign(info=0)
    return png(charts.errors_by_department_chart(counts[["department", "error", "warning", "info"]]))
