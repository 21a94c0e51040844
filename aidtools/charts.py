"""Charts for the report and dashboards, as matplotlib Figures with Chinese labels.

Every function takes a DataFrame of the figure records (:class:`aidtools.report.FundsLine`,
:class:`~aidtools.report.CoverageLine`, findings) or a list of dicts with the same fields, and returns a :class:`matplotlib.figure.Figure` (no pyplot state,
so charts can be drawn from any thread). :func:`img_tag` turns a figure into an ``<img>`` with an
embedded PNG for HTML. Charts show aggregates only: no student number, name or ID ever.

- :func:`funds_chart`: money allocated vs paid per programme, or per college for one programme;
- :func:`coverage_chart`: hardship coverage (recognised difficult / students) per college;
- :func:`findings_by_rule_chart`: findings per rule (errors, warnings, info stacked);
- :func:`errors_by_department_chart`: errors and warnings per department;
- :func:`accuracy_trend_chart`: errors per 100 rows per round, one line per department (the worst few,
  the rest as one line) and the whole school's;
- :func:`timeliness_chart`: task items per round passed on time, passed late, not yet passed.
"""
from __future__ import annotations

import base64
import html
import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from aidtools.findings import severity_label
from aidtools.fonts import use_cjk_font
from aidtools.rules import RULES

COLOURS = {"allocated": "#9ecae1", "paid": "#3182bd", "error": "#d62728", "warning": "#ff9f1c", "info": "#9e9e9e",
           "share": "#2ca02c", "on_time": "#2ca02c", "late": "#ff9f1c", "open": "#bdbdbd"}
LINE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
                "#7f7f7f"]
WAN = 10000.0  # amounts are shown in 万元


def _frame(data) -> pd.DataFrame:
    return data.copy() if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data or []))


def _figure(rows: int, width: float = 8.0) -> Figure:
    use_cjk_font()
    fig = Figure(figsize=(width, max(2.6, 0.42 * rows + 1.6)), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _empty(title: str) -> Figure:
    fig = _figure(2)
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.text(0.5, 0.5, "暂无数据", ha="center", va="center", fontsize=14, color="#666666", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _tidy(ax, counts: bool = False) -> None:
    if counts:  # whole numbers of findings: no 0.25 ticks
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def funds_chart(funds, programme: str | None = None, academic_year: str | None = None) -> Figure:
    """Allocated vs paid (万元): per programme, or per college when ``programme`` is given.

    ``funds`` has the fields of :class:`aidtools.report.FundsLine` (programme, academic_year, department,
    allocated, paid, share).
    Only lines with an allocation are drawn (money not tracked by allocations has nothing to compare).
    """
    frame = _frame(funds)
    what = f"{programme}各院系" if programme else "各资助项目"
    title = f"{academic_year + '学年' if academic_year else ''}{what}资金下达与发放（万元）"
    if not len(frame):
        return _empty(title)
    frame = frame[frame["allocated"].notna()]
    if academic_year:
        frame = frame[frame["academic_year"] == academic_year]
    if programme:
        frame = frame[frame["programme"] == programme]
        key = "department"
    else:
        key = "programme"
    if not len(frame):
        return _empty(title)
    sums = frame.groupby(key, sort=False)[["allocated", "paid"]].sum().iloc[::-1]
    fig = _figure(len(sums))
    ax = fig.add_subplot()
    y = range(len(sums))
    ax.barh([i + 0.2 for i in y], sums["allocated"] / WAN, height=0.4, color=COLOURS["allocated"], label="下达")
    ax.barh([i - 0.2 for i in y], sums["paid"] / WAN, height=0.4, color=COLOURS["paid"], label="已发放")
    for i, (allocated, paid) in enumerate(zip(sums["allocated"], sums["paid"])):
        share = f"{paid / allocated:.0%}" if allocated else "—"
        ax.text(max(allocated, paid) / WAN, i, f" {share}", va="center", fontsize=9, color="#333333")
    ax.set_yticks(list(y), list(sums.index))
    ax.set_xlabel("金额（万元）")
    ax.set_title(title)
    fig.legend(loc="outside right upper", frameon=False)
    ax.margins(x=0.12)
    _tidy(ax)
    return fig


def coverage_chart(coverage, academic_year: str | None = None) -> Figure:
    """Share of students recognised as difficult, per college (all levels together)."""
    frame = _frame(coverage)
    years = sorted(frame["academic_year"].dropna().unique()) if len(frame) else []
    academic_year = academic_year or (years[-1] if years else None)
    title = f"{academic_year + '学年' if academic_year else ''}各院系家庭经济困难学生认定比例"
    if not len(frame):
        return _empty(title)
    frame = frame[frame["academic_year"] == academic_year]
    sums = frame.groupby("department")[["difficult", "enrolled"]].sum()
    sums = sums[sums["enrolled"] > 0]
    if not len(sums):
        return _empty(title)
    sums["share"] = sums["difficult"] / sums["enrolled"]
    sums = sums.sort_values("share")
    fig = _figure(len(sums))
    ax = fig.add_subplot()
    ax.barh(list(sums.index), sums["share"] * 100, color=COLOURS["share"], height=0.6)
    for i, (share, n, d) in enumerate(zip(sums["share"], sums["enrolled"], sums["difficult"])):
        ax.text(share * 100, i, f" {share:.1%}（{int(d)}/{int(n)}人）", va="center", fontsize=9, color="#333333")
    ax.set_xlabel("认定为困难的学生占在校生比例（%）")
    ax.set_title(title)
    ax.margins(x=0.25)
    _tidy(ax)
    return fig


def _counts_by(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Counts per ``key`` and severity (columns error, warning, info)."""
    if {"error", "warning"} <= set(frame.columns):  # already counted
        out = frame.set_index(key)
    else:
        out = frame.groupby([key, "severity"]).size().unstack(fill_value=0)
    return out.reindex(columns=["error", "warning", "info"], fill_value=0).fillna(0).astype(int)


def _stacked(ax, counts: pd.DataFrame, severities) -> None:
    left = pd.Series(0, index=counts.index)
    for sev in severities:
        ax.barh(list(counts.index), counts[sev], left=left, color=COLOURS[sev], height=0.6, label=severity_label(sev))
        left = left + counts[sev]
    for i, total in enumerate(left):
        ax.text(total, i, f" {int(total)}", va="center", fontsize=9, color="#333333")


def findings_by_rule_chart(findings, top: int = 20, include_info: bool = False) -> Figure:
    """How many findings per rule, labelled with the rule's Chinese title.

    ``findings`` is any findings frame with ``rule`` and ``severity`` (cell checks or
    reconciliation), or ``figures["findings_by_rule"]`` (rule, severity, count).
    """
    title = "问题按规则统计"
    frame = _frame(findings)
    if len(frame) and "count" in frame.columns:
        frame = frame.loc[frame.index.repeat(frame["count"].astype(int)), ["rule", "severity"]]
    if not include_info and len(frame):
        frame = frame[frame["severity"] != "info"]
    if not len(frame):
        return _empty(title)
    counts = _counts_by(frame[["rule", "severity"]], "rule")
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False).index[:top]].iloc[::-1]
    counts.index = [f"{RULES[r].title}（{r}）" if r in RULES else r for r in counts.index]
    severities = ["error", "warning"] + (["info"] if include_info else [])
    fig = _figure(len(counts), width=9.0)
    ax = fig.add_subplot()
    _stacked(ax, counts, severities)
    return _finish_counts(fig, ax, title)


def _finish_counts(fig: Figure, ax, title: str) -> Figure:
    """Axis label, title, legend and tidy-up shared by the stacked count charts."""
    ax.set_xlabel("条数")
    ax.set_title(title)
    fig.legend(loc="outside right upper", frameon=False)
    ax.margins(x=0.1)
    _tidy(ax, counts=True)
    return fig


def errors_by_department_chart(counts, top: int = 25) -> Figure:
    """Errors and warnings per department, most errors on top.

    ``counts`` has department, error, warning (``figures["findings_by_department"]``), or is a findings frame with department and severity.
    """
    title = "各部门问题数量"
    frame = _frame(counts)
    if not len(frame):
        return _empty(title)
    frame["department"] = frame["department"].fillna("（未分部门）")
    counts = _counts_by(frame, "department")
    counts = counts[(counts["error"] + counts["warning"]) > 0]
    if not len(counts):
        return _empty(title)
    counts = counts.sort_values(["error", "warning"], ascending=False).iloc[:top].iloc[::-1]
    fig = _figure(len(counts))
    ax = fig.add_subplot()
    _stacked(ax, counts, ["error", "warning"])
    return _finish_counts(fig, ax, title)


def _round_labels(frame: pd.DataFrame) -> dict:
    """{round: "第N轮\\n(as_of)"} for the x axis."""
    dates = frame.drop_duplicates("round").set_index("round")["as_of"] if "as_of" in frame.columns else {}
    return {r: f"第{int(r)}轮" + (f"\n{dates[r]}" if r in dates and isinstance(dates[r], str) else "")
            for r in sorted(frame["round"].unique())}


def accuracy_trend_chart(accuracy, top: int = 6, highlight: str | None = None) -> Figure:
    """Errors per 100 rows per round: one line per department for the ``top`` departments with the most
    errors per 100 rows over the rounds (and ``highlight``, drawn thick), the other departments together
    as one grey line, and the whole school's as a dashed black line; readable with 10+ departments.

    ``accuracy`` has the fields of :class:`aidtools.report.RoundAccuracy` (round, as_of, department,
    rows, errors, errors_per_100_rows).
    """
    title = "各部门每百行错误数（按轮次）"
    frame = _frame(accuracy)
    if not len(frame):
        return _empty(title)
    frame = frame.assign(rows=pd.to_numeric(frame["rows"], errors="coerce").fillna(0),
                         errors=pd.to_numeric(frame["errors"], errors="coerce").fillna(0))
    labels = _round_labels(frame)
    rounds = list(labels)

    def per_100(part: pd.DataFrame) -> pd.Series:
        sums = part.groupby("round")[["errors", "rows"]].sum().reindex(rounds)
        return 100 * sums["errors"] / sums["rows"].where(sums["rows"] > 0)

    worst = (frame.groupby("department")[["errors", "rows"]].sum()
             .pipe(lambda d: d["errors"] / d["rows"].where(d["rows"] > 0)).fillna(0)
             .sort_values(ascending=False, kind="stable"))
    shown = list(worst.index[:top])
    if highlight and highlight in worst.index and highlight not in shown:
        shown.append(highlight)
    fig = _figure(8, width=9.0)
    ax = fig.add_subplot()
    x = list(range(len(rounds)))
    for k, department in enumerate(shown):
        values = per_100(frame[frame["department"] == department])
        ax.plot(x, values.to_numpy(), marker="o", color=LINE_COLOURS[k % len(LINE_COLOURS)],
                linewidth=3.0 if department == highlight else 1.6, label=department)
    others = frame[~frame["department"].isin(shown)]
    if len(others):
        n = others["department"].nunique()
        ax.plot(x, per_100(others).to_numpy(), marker="o", color="#aaaaaa", linewidth=1.4,
                label=f"其他{n}个部门（合计）")
    ax.plot(x, per_100(frame).to_numpy(), color="#000000", linestyle="--", linewidth=2.0, label="全校")
    ax.set_xticks(x, [labels[r] for r in rounds])
    ax.set_ylabel("每百行错误数")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    fig.legend(loc="outside right upper", frameon=False, fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig


def timeliness_chart(by_round) -> Figure:
    """Task items per round: passed on time (by their deadline), passed late, not yet passed, stacked.

    ``by_round`` has round, as_of, on_time, late, open (:func:`aidtools.views.timeliness_by_round`).
    """
    from aidtools.report import TIMELINESS_STATES

    title = "数据项按时通过情况（按轮次）"
    frame = _frame(by_round)
    if not len(frame):
        return _empty(title)
    labels = _round_labels(frame)
    frame = frame.set_index("round").reindex(list(labels))
    fig = _figure(6, width=8.0)
    ax = fig.add_subplot()
    x = list(range(len(frame)))
    bottom = pd.Series(0.0, index=frame.index)
    for state in ("on_time", "late", "open"):
        values = pd.to_numeric(frame[state], errors="coerce").fillna(0)
        ax.bar(x, values, bottom=bottom, color=COLOURS[state], width=0.6, label=TIMELINESS_STATES[state])
        for i, (b, v) in enumerate(zip(bottom, values)):
            if v:
                ax.text(i, b + v / 2, f"{int(v)}", ha="center", va="center", fontsize=9, color="#222222")
        bottom = bottom + values
    ax.set_xticks(x, [labels[r] for r in frame.index])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("数据项")
    ax.set_title(title)
    fig.legend(loc="outside right upper", frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def img_tag(fig: Figure, alt: str = "") -> str:
    """An ``<img>`` with the figure embedded as a base64 PNG (self-contained HTML, no files)."""
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    alt = alt or (fig.axes[0].get_title() if fig.axes else "")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" style="max-width:100%">'
