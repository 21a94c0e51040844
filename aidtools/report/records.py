"""The run report as typed records: what ``report.json`` holds, and what every reader reads.

The producers (the checks, the merge, the reconciliation, progress against the task table, the job)
build these records; the writers (``report.json``, ``report.xlsx``, ``report.html``), the views, the
widgets, the notebooks and the dashboard read them. ``report.json`` is :func:`aidtools.report.to_json`
of a :class:`RunReport`, described field by field by the JSON Schema ``report.schema.json`` shipped
beside this module (:data:`SCHEMA_VERSION`).

Dates are ISO 8601 throughout (``2018-07-15``; ``generated_at`` ``2018-07-15T09:30:00``); paths are
display paths, relative to the submissions folder (inputs) or to the run's output folder (outputs),
with ``/`` separators. Severities are those of :data:`aidtools.findings.SEVERITIES`; merge states those
of :data:`MERGE_STATES`; task states those of :data:`TASK_STATES`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from aidtools.findings import Finding

SCHEMA_VERSION = 2  # 1: the unversioned report.json of aidtools before the typed records

# What became of an input file's rows in the merge, with the one Chinese name of each state.
MERGE_STATES = {
    "merged": "全部导入", "partly_held_back": "部分暂缓", "held_back": "整个文件暂缓",
    "superseded": "已被较新的文件取代", "unusable": "无法使用",
}
# The state of a task item of the task table, with its Chinese name.
# passed: files in and no error; check_failed: a file has check errors; rec_failed: no check error but a
# reconciliation (两线三库) error on its records or its programme × college; missing: no file (or the
# 数据项 could not be matched to a template).
# An item's timeliness over the rounds.
TIMELINESS_STATES = {"on_time": "按时通过", "late": "逾期通过", "open": "尚未通过"}
TASK_STATES = {"passed": "已通过", "check_failed": "检查未通过", "rec_failed": "对账未通过", "missing": "未提交"}
COMMANDS = ("run", "check", "reconcile", "merge")
# What became of a path found under the submissions folder, with its Chinese name.
FOUND_OUTCOMES = {"checked": "已检查", "unreadable": "无法读取", "not_checked": "未检查", "ignored": "已忽略",
                  "expanded": "已解压检查", "refused": "已拒绝"}


@dataclass
class SpecVersion:
    version: str
    digest: str


@dataclass
class Versions:
    """What produced the report: aidtools, Python and pandas, every template spec, the policy table."""

    aidtools: str
    python: str
    pandas: str
    specs: dict[str, SpecVersion] = field(default_factory=dict)
    policy: str = ""


@dataclass
class InputFile:
    """One file found under the submissions folder."""

    path: str
    sha256: str | None = None
    size: int = 0
    modified: str | None = None  # the file's modification time, ISO 8601


@dataclass
class FoundFile:
    """One path found under the submissions folder (or inside a .zip there), and what became of it:
    ``checked`` (its result is in ``files``), ``unreadable`` (in ``files`` too, with the reason),
    ``expanded`` (a .zip whose files are listed after it), ``not_checked`` (not a table: a WPS .et, a
    document, another archive …), ``ignored`` (lock, hidden and system files), ``refused`` (a damaged or
    oversized zip, an unsafe member name)."""

    path: str
    department: str
    kind: str  # what it is, in Chinese
    outcome: str  # a key of FOUND_OUTCOMES
    reason: str | None = None  # unreadable: the reader's reason (encrypted, old_excel, macro_sheet …)
    message: str | None = None  # Chinese: why it is not checked and what to do
    container: str | None = None  # the .zip it came out of


@dataclass
class FileResult:
    """One checked file: what it is and every finding on it (masked values only)."""

    path: str
    department: str
    template: str | None = None
    template_title: str | None = None
    spec_version: str | None = None
    format: str | None = None
    sheet: str | None = None
    sha256: str | None = None
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    passed: bool = False
    superseded: bool = False  # replaced by a newer resubmission: not merged, not reconciled
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Summary:
    """The headline counts of a run (files in use unless said otherwise)."""

    files: int = 0  # every file found, superseded ones included
    files_passed: int = 0
    files_superseded: int = 0
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    rec_errors: int = 0
    rec_warnings: int = 0
    departments: int = 0


@dataclass
class ProgressItem:
    """One row of the task table and how far it is."""

    subsystem: str | None
    item: str | None
    template: str | None  # None: the 数据项 matched no template (task.unknown_item), not tracked
    department: str | None  # 责任部门
    deadline: str | None  # ISO date
    status: str  # a key of TASK_STATES
    files: int = 0
    errors: int = 0
    warnings: int = 0
    overdue: bool = False
    days_overdue: int = 0
    programme: str | None = None  # the 资助项目 a payment item is about (from the 数据项)
    assisting: str | None = None  # 协助部门
    filler: str | None = None  # 数据填报员
    auditor: str | None = None  # 数据审核员
    rec_errors: int = 0  # reconciliation errors on the task's records or its programme × college
    reason: str | None = None  # what is wrong, in Chinese (None when passed)


@dataclass
class FileAccount:
    """What became of one input file's rows: rows_read = rows_merged + rows_held_back + rows_superseded."""

    path: str
    department: str
    template: str | None
    sha256: str | None
    status: str  # a key of MERGE_STATES
    rows_read: int = 0
    rows_merged: int = 0
    rows_held_back: int = 0
    rows_superseded: int = 0
    superseded_by: str | None = None
    reason: str | None = None


@dataclass
class SubsystemPart:
    """One subsystem's import workbook of a template (``import/本专科/``, ``import/研究生/``), its held-back
    workbook and provenance, and its accounting: rows_read = rows_merged + rows_held_back + rows_superseded."""

    subsystem: str  # 本专科, 研究生, or 子系统未定
    rows_read: int = 0
    rows_merged: int = 0
    rows_held_back: int = 0
    rows_superseded: int = 0
    path: str | None = None
    held_back_path: str | None = None
    provenance_path: str | None = None


@dataclass
class MergedTemplate:
    """One template's accounting (sums over ``files``, and over ``parts``: one per subsystem)."""

    template: str
    title: str
    rows_read: int = 0
    rows_merged: int = 0
    rows_held_back: int = 0  # check errors, reconciliation errors and duplicates of another file's records
    rows_superseded: int = 0
    rows_duplicate: int = 0  # of rows_held_back: records another file also carried
    rows_held_back_rec: int = 0  # of rows_held_back: held back for a reconciliation (两线三库) error
    official_template: str | None = None
    parts: list[SubsystemPart] = field(default_factory=list)
    files: list[FileAccount] = field(default_factory=list)


@dataclass
class FundsLine:
    """Money of one programme, academic year and college (``全校`` for a school-wide pot)."""

    programme: str | None
    academic_year: str | None
    department: str | None
    allocated: float | None  # None: the programme and year has no allocation at all
    quota: float | None
    paid: float = 0.0
    payments: int = 0
    recipients: int = 0
    share: float | None = None  # paid / allocated
    compared: bool = False  # whether the programme and year has allocations to compare with


@dataclass
class FundSourceLine:
    """Money allocated to one programme in one academic year from one 资金来源 (中央财政, 地方财政, 学校 …)."""

    programme: str | None
    academic_year: str | None
    source: str | None
    allocated: float = 0.0


@dataclass
class ProgrammeLine:
    programme: str | None
    academic_year: str | None
    recipients: int = 0
    payments: int = 0
    paid: float = 0.0
    allocated: float | None = None
    share: float | None = None


@dataclass
class CoverageLine:
    """Students at school and students recognised difficult, per year, college and 学历层次."""

    academic_year: str | None
    department: str | None
    level: str | None
    enrolled: int = 0
    difficult: int = 0
    share: float | None = None


@dataclass
class AidedLine:
    """Of the students recognised difficult in a year and college, how many received aid."""

    academic_year: str | None
    department: str | None
    difficult: int = 0
    aided: int = 0
    share: float | None = None


@dataclass
class CampusLine:
    """Per year and 校区. Money allocated to a college counts under the college's campus; the school-wide
    pots (``全校``) are on a line of their own, campus ``全校``, with no students and ``paid`` 0 (every
    payment is under its student's campus), their payments in ``paid_allocated``."""

    academic_year: str | None
    campus: str | None
    enrolled: int = 0
    difficult: int = 0
    recipients: int = 0
    payments: int = 0
    paid: float = 0.0
    borrowers: int = 0
    loans: float = 0.0
    allocated: float | None = None  # None: nothing allocated to the campus' colleges that year
    paid_allocated: float = 0.0  # paid under programmes and colleges the allocations are compared with
    share: float | None = None  # paid_allocated / allocated (执行率)


@dataclass
class Totals:
    enrolled: int = 0
    difficult: int = 0
    recipients: int = 0
    payments: int = 0
    paid: float = 0.0
    allocated: float = 0.0
    paid_compared: float = 0.0  # paid under programmes that have allocations
    paid_share: float | None = None
    borrowers: int = 0
    loans: float = 0.0


@dataclass
class Figures:
    """The reconciliation's aggregates (no student-level data)."""

    academic_years: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks not run for want of a table
    totals: Totals = field(default_factory=Totals)
    funds: list[FundsLine] = field(default_factory=list)
    programmes: list[ProgrammeLine] = field(default_factory=list)
    coverage: list[CoverageLine] = field(default_factory=list)
    aided_share: list[AidedLine] = field(default_factory=list)
    campus: list[CampusLine] = field(default_factory=list)
    fund_sources: list[FundSourceLine] = field(default_factory=list)  # empty: the allocations give no 资金来源


@dataclass
class ReconciliationResult:
    findings: list[Finding] = field(default_factory=list)
    figures: Figures = field(default_factory=Figures)


@dataclass
class TrackedFinding:
    """A finding as the history follows it across rounds: the same rule, department, template and record
    (the template's unique key, not the row number) is the same finding in the next round."""

    key: str  # stable identity: a digest of rule, department, template and record key (no personal data)
    rule: str
    severity: str
    department: str | None
    template: str | None
    record: str | None  # the record key for people, masked (学号 shortened, ID numbers masked)
    path: str | None = None  # check findings: the file and Excel row; rec findings: the first record involved
    row: int | None = None
    message: str = ""
    first_round: int | None = None  # the round it first appeared in (of its run of rounds without a gap)
    field: str | None = None  # the column's header (check findings on a cell)


@dataclass
class DepartmentChange:
    """What changed for one department since the previous round."""

    department: str
    fixed: int = 0
    new: int = 0
    still_open: int = 0


@dataclass
class ItemChange:
    """What changed for one department's data item (template) since the previous round."""

    department: str
    template: str | None = None  # None: findings about no one file (reconciliation of several templates)
    fixed: int = 0
    new: int = 0
    still_open: int = 0


@dataclass
class RoundSummary:
    """One recorded round, as the history lists it."""

    round: int
    recorded_at: str  # ISO 8601 with UTC offset
    as_of: str  # ISO date
    files: int = 0
    rows: int = 0
    errors: int = 0
    rec_errors: int = 0
    items_passed: int = 0
    items: int = 0


@dataclass
class RoundAccuracy:
    """A department's errors per 100 rows in one round (check and reconciliation errors, counted once)."""

    round: int
    as_of: str
    department: str
    rows: int = 0
    errors: int = 0
    errors_per_100_rows: float | None = None


@dataclass
class ItemTimeliness:
    """One task item over the rounds: when it was first submitted and first passed, how late."""

    subsystem: str | None
    item: str | None
    department: str | None
    deadline: str | None  # ISO date
    first_submitted: str | None = None  # as-of date of the round it was first submitted in
    first_passed: str | None = None  # as-of date of the first round with no check or rec error
    first_passed_round: int | None = None
    rounds_to_pass: int | None = None  # rounds from first submission to first pass, both counted
    days_late: int | None = None  # at first pass (or as of now while still open); 0 when on time
    state: str = "open"  # on_time, late, open


@dataclass
class DepartmentTimeliness:
    """The figures a 绩效考评 would use, per department: items passed on time, late, still open."""

    department: str
    items: int = 0
    on_time: int = 0
    late: int = 0
    open: int = 0


@dataclass
class HistoryResult:
    """This run as a round of the history, and what the history says with it."""

    round: int
    store: str  # where the history lives (a path, or a database URL without its password)
    previous_round: int | None = None
    run_id: str | None = None  # the run that recorded the round (aidtools.history.settle)
    rounds: list[RoundSummary] = field(default_factory=list)
    changes: list[DepartmentChange] = field(default_factory=list)
    item_changes: list[ItemChange] = field(default_factory=list)  # the same per department and template
    fixed: list[TrackedFinding] = field(default_factory=list)
    new: list[TrackedFinding] = field(default_factory=list)
    still_open: list[TrackedFinding] = field(default_factory=list)
    accuracy: list[RoundAccuracy] = field(default_factory=list)
    items: list[ItemTimeliness] = field(default_factory=list)
    departments: list[DepartmentTimeliness] = field(default_factory=list)


@dataclass
class RunReport:
    """Everything one run of a command found and wrote. ``command`` says which parts it filled:
    ``check`` the files; ``reconcile`` also the reconciliation; ``merge`` also the merge; ``run`` all."""

    aidtools_version: str
    generated_at: str  # ISO 8601 (RFC 3339) date and time with its UTC offset
    as_of: str  # ISO date: the day the run took as "today"
    versions: Versions
    command: str = "run"
    schema_version: int = SCHEMA_VERSION
    submissions: str | None = None  # the submissions folder's name
    inputs: list[InputFile] = field(default_factory=list)
    found: list[FoundFile] = field(default_factory=list)  # every path under the folder, checked or not
    summary: Summary = field(default_factory=Summary)
    files: list[FileResult] = field(default_factory=list)
    progress: list[ProgressItem] = field(default_factory=list)
    reconciliation: ReconciliationResult | None = None
    merge: dict[str, MergedTemplate] = field(default_factory=dict)
    superseded: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said to the user (Chinese)
    history: HistoryResult | None = None  # this run as a round of the history (None: not recorded)

    def files_in_use(self) -> list[FileResult]:
        return [f for f in self.files if not f.superseded]

    def not_checked(self) -> list[FoundFile]:
        """What was found and not checked: not tables, ignored, refused."""
        return [f for f in self.found if f.outcome in ("not_checked", "ignored", "refused")]
