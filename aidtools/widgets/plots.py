"""Charts for the notebooks, the report and the dashboard, as PNG bytes (self-contained, no JavaScript).

:mod:`aidtools.charts` draws the project's charts; this module adapts the frames of
:mod:`aidtools.views` to it and adds the one chart it has not got (money allocated vs paid per college
over all programmes).

>>> import pandas as pd
>>> data = pd.DataFrame({"department": ["文学院", "法学院"], "allocated": [100000.0, 80000.0], "paid": [90000.0, 85000.0]})
>>> money_png(data, "department")[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""
from __future__ import annotations

import io

import pandas as pd
from matplotlib.figure import Figure

from aidtools import charts
from aidtools.fonts import use_cjk_font as _use_cjk_font

ALLOCATED_COLOUR, PAID_COLOUR, OVER_COLOUR = "#9ecae1", "#3182bd", "#d62728"


def use_cjk_font() -> str | None:
    """Make matplotlib draw Chinese (:func:`aidtools.fonts.use_cjk_font`); None when no CJK font exists."""
    try:
        return _use_cjk_font()
    except RuntimeError:  # CJKFontMissing: draw anyway; the report still has its tables
        return None


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


def money_png(frame: pd.DataFrame, by: str = "department", **options) -> bytes:
    """PNG of :func:`money_chart` (allocated vs paid per college over all programmes, e.g. from
    :func:`aidtools.views.funds_by_department`)."""
    return png(money_chart(frame, by, **options))


def programmes_png(funds: pd.DataFrame, academic_year=None) -> bytes:
    """Allocated vs paid per programme from :func:`aidtools.views.funds_frame` lines."""
    return png(charts.funds_chart(funds, academic_year=academic_year))


def coverage_png(coverage: pd.DataFrame, academic_year=None) -> bytes:
    """Coverage per college from :func:`aidtools.views.coverage_frame` (one academic year)."""
    data = coverage.assign(academic_year=academic_year or "")
    return png(charts.coverage_chart(data[["academic_year", "department", "enrolled", "difficult"]],
                                     academic_year=academic_year or ""))


def findings_png(findings: pd.DataFrame) -> bytes:
    """Findings per rule (errors and warnings stacked)."""
    return png(charts.findings_by_rule_chart(findings[["rule", "severity"]] if len(findings) else findings))


def departments_png(by_department: pd.DataFrame) -> bytes:
    """Errors and warnings per department from :func:`aidtools.views.findings_by_department`."""
    counts = by_department.rename(columns={"errors": "error", "warnings": "warning"}).assign(info=0)
    return png(charts.errors_by_department_chart(counts[["department", "error", "warning", "info"]]))


def accuracy_png(accuracy: pd.DataFrame, top: int = 6, highlight=None) -> bytes:
    """Errors per 100 rows per round and department from :func:`aidtools.views.accuracy_frame` lines."""
    return png(charts.accuracy_trend_chart(accuracy, top=top, highlight=highlight))


def timeliness_png(by_round: pd.DataFrame) -> bytes:
    """Task items passed on time / late / not yet per round from :func:`aidtools.views.timeliness_by_round`."""
    return png(charts.timeliness_chart(by_round))
