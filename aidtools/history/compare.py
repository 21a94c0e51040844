"""What the history says: the rounds, what changed between two rounds (fixed, new, still open and since
which round), accuracy (errors per 100 rows per department and round) and timeliness (per task item:
first submitted, first passed, days late, rounds needed; per department: on time, late, open)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from aidtools.history import tables as T
from aidtools.report.records import (DepartmentChange, DepartmentTimeliness, HistoryResult, ItemChange, ItemTimeliness,
                                     RoundAccuracy, RoundSummary, TrackedFinding)


def visible(current: int | None = None):
    """The rounds that count: complete ones, and the run's own (``current``) while it is pending
    (:mod:`aidtools.history.settle`)."""
    complete = T.rounds.c.state == T.COMPLETE
    return complete if current is None else sa.or_(complete, T.rounds.c.round == current)


def _numbers(current: int | None = None):
    return sa.select(T.rounds.c.round).where(visible(current))


def rounds(conn, current: int | None = None) -> list[RoundSummary]:
    """Every round that counts, oldest first."""
    counted = T.progress.c.round.in_(_numbers(current))
    passed = dict(conn.execute(sa.select(T.progress.c.round, sa.func.count())
                               .where(T.progress.c.status == "passed", counted).group_by(T.progress.c.round)).all())
    items = dict(conn.execute(sa.select(T.progress.c.round, sa.func.count()).where(counted)
                              .group_by(T.progress.c.round)).all())
    out = []
    for r in conn.execute(sa.select(T.rounds).where(visible(current)).order_by(T.rounds.c.round)).mappings():
        out.append(RoundSummary(round=r["round"], recorded_at=r["recorded_at"], as_of=r["as_of"], files=r["files"] or 0,
                                rows=r["rows"] or 0, errors=r["errors"] or 0, rec_errors=r["rec_errors"] or 0,
                                items_passed=int(passed.get(r["round"], 0)), items=int(items.get(r["round"], 0))))
    return out


def _findings(conn, number: int) -> dict[str, dict]:
    """The findings of a round by key (the first of several with one key)."""
    out: dict[str, dict] = {}
    for r in conn.execute(sa.select(T.findings).where(T.findings.c.round == number).order_by(T.findings.c.id)).mappings():
        out.setdefault(r["key"], dict(r))
    return out


def _keys_by_round(conn, upto: int) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for number, key in conn.execute(sa.select(T.findings.c.round, T.findings.c.key)
                                    .where(T.findings.c.round <= upto, T.findings.c.round.in_(_numbers(upto)))):
        out[number].add(key)
    return out


def _tracked(row: dict, first_round: int | None) -> TrackedFinding:
    return TrackedFinding(key=row["key"], rule=row["rule"], severity=row["severity"], department=row["department"],
                          template=row["template"], record=row["record"], path=row["path"], row=row["row"],
                          message=row["message"] or "", first_round=first_round, field=row["field"])


def _order(f: TrackedFinding):
    return (f.department or "", f.template or "", f.rule, f.record or "", f.field or "", f.key)


def diff(conn, a: int | None, b: int) -> tuple[list[TrackedFinding], list[TrackedFinding], list[TrackedFinding]]:
    """(fixed, new, still_open) from round ``a`` to round ``b`` (``a`` None: everything in ``b`` is new). A
    finding's ``first_round`` is where its run of rounds without a gap up to ``b`` (to ``a`` when fixed) began."""
    numbers = [r for (r,) in conn.execute(sa.select(T.rounds.c.round).where(T.rounds.c.round <= b, visible(b))
                                          .order_by(T.rounds.c.round))]
    by_round = _keys_by_round(conn, b)

    def since(key: str, last: int) -> int:
        first = last
        for n in reversed([n for n in numbers if n <= last]):
            if key not in by_round.get(n, ()):
                break
            first = n
        return first

    after = _findings(conn, b)
    before = _findings(conn, a) if a is not None else {}
    fixed = [_tracked(row, since(k, a)) for k, row in before.items() if k not in after]
    new = [_tracked(row, b) for k, row in after.items() if k not in before]
    still = [_tracked(row, since(k, b)) for k, row in after.items() if k in before]
    return sorted(fixed, key=_order), sorted(new, key=_order), sorted(still, key=_order)


def changes(fixed, new, still_open) -> list[DepartmentChange]:
    """Fixed, new and still open per department."""
    out: dict[str, DepartmentChange] = {}
    for name, found in (("fixed", fixed), ("new", new), ("still_open", still_open)):
        for f in found:
            c = out.setdefault(f.department or "", DepartmentChange(department=f.department or ""))
            setattr(c, name, getattr(c, name) + 1)
    return [out[k] for k in sorted(out)]


def item_changes(fixed, new, still_open) -> list[ItemChange]:
    """Fixed, new and still open per department and data item (template)."""
    out: dict[tuple, ItemChange] = {}
    for name, found in (("fixed", fixed), ("new", new), ("still_open", still_open)):
        for f in found:
            key = (f.department or "", f.template or "")
            c = out.setdefault(key, ItemChange(department=f.department or "", template=f.template))
            setattr(c, name, getattr(c, name) + 1)
    return [out[k] for k in sorted(out)]


def accuracy(conn, current: int | None = None) -> list[RoundAccuracy]:
    """Per round and department: rows of the files in use, errors (check errors, and reconciliation errors
    no check error explains) and errors per 100 rows."""
    as_of = dict(conn.execute(sa.select(T.rounds.c.round, T.rounds.c.as_of).where(visible(current))).all())
    rows = defaultdict(int)
    sender = {}
    for number, path, dept, n, gone in conn.execute(sa.select(T.inputs.c.round, T.inputs.c.path, T.inputs.c.department,
                                                              T.inputs.c.rows, T.inputs.c.superseded)
                                                    .where(T.inputs.c.round.in_(_numbers(current)))):
        sender[(number, path)] = dept or ""
        if not gone:
            rows[(number, dept or "")] += int(n or 0)
    errors = defaultdict(int)
    f = T.findings.c
    # A reconciliation error counts for the department that sent the record (its first source), as it goes
    # back to that department; one a check error explains is counted as that error only.
    for number, kind, dept, path, n in conn.execute(
            sa.select(f.round, f.kind, f.department, f.path, sa.func.count())
            .where(f.severity == "error", sa.or_(f.caused.is_(None), f.caused == sa.false()),
                   f.round.in_(_numbers(current)))
            .group_by(f.round, f.kind, f.department, f.path)):
        who = sender.get((number, path), dept or "") if kind == "rec" else dept or ""
        errors[(number, who)] += int(n)
    out = []
    for number, dept in sorted(set(rows) | set(errors)):
        r, e = rows.get((number, dept), 0), errors.get((number, dept), 0)
        out.append(RoundAccuracy(round=number, as_of=as_of.get(number, ""), department=dept, rows=r, errors=e,
                                 errors_per_100_rows=round(100 * e / r, 2) if r else None))
    return out


def _days(later: str | None, deadline: str | None) -> int | None:
    if not later or not deadline:
        return None
    return max(0, (dt.date.fromisoformat(later) - dt.date.fromisoformat(deadline)).days)


def timeliness(conn, upto: int | None = None) -> tuple[list[ItemTimeliness], list[DepartmentTimeliness]]:
    """Every task item of the rounds up to ``upto`` (default: all), and the sums per department."""
    as_of = dict(conn.execute(sa.select(T.rounds.c.round, T.rounds.c.as_of).where(visible(upto))).all())
    p = T.progress.c
    query = (sa.select(p.round, p.subsystem, p.item, p.department, p.deadline, p.status)
             .where(p.round.in_(_numbers(upto))).order_by(p.round, p.id))
    if upto is not None:
        query = query.where(p.round <= upto)
    history: dict[tuple, list] = {}
    for number, subsystem, item, dept, deadline, status in conn.execute(query):
        history.setdefault((subsystem, item, dept), []).append((number, deadline, status))
    last_as_of = as_of.get(upto if upto is not None else max(as_of, default=0))
    items = []
    for (subsystem, item, dept), seen in history.items():
        deadline = seen[-1][1]
        submitted = [n for n, _, s in seen if s != "missing"]
        passed = [n for n, _, s in seen if s == "passed"]
        t = ItemTimeliness(subsystem=subsystem, item=item, department=dept, deadline=deadline)
        if submitted:
            t.first_submitted = as_of.get(submitted[0])
        if passed:
            first = passed[0]
            t.first_passed, t.first_passed_round = as_of.get(first), first
            t.rounds_to_pass = len([n for n, _, _ in seen if (submitted[0] if submitted else first) <= n <= first])
            t.days_late = _days(t.first_passed, deadline)
            t.state = "late" if t.days_late else "on_time"
        else:
            t.days_late = _days(last_as_of, deadline)
            t.state = "open"
        items.append(t)
    items.sort(key=lambda t: (t.subsystem or "", t.department or "", t.deadline or "", t.item or ""))
    depts: dict[str, DepartmentTimeliness] = {}
    for t in items:
        d = depts.setdefault(t.department or "", DepartmentTimeliness(department=t.department or ""))
        d.items += 1
        setattr(d, t.state, getattr(d, t.state) + 1)
    return items, [depts[k] for k in sorted(depts)]


def previous(conn, number: int) -> int | None:
    """The last complete round before ``number``."""
    return conn.execute(sa.select(sa.func.max(T.rounds.c.round))
                        .where(T.rounds.c.round < number, visible())).scalar()


def result(store, number: int) -> HistoryResult:
    """The history as of round ``number``: the run report's ``history``."""
    with store.read() as conn:
        before = previous(conn, number)
        fixed, new, still = diff(conn, before, number)
        items, departments = timeliness(conn, number)
        run_id = conn.execute(sa.select(T.rounds.c.run_id).where(T.rounds.c.round == number)).scalar()
        return HistoryResult(round=number, store=store.display, previous_round=before, run_id=run_id,
                             rounds=[r for r in rounds(conn, number) if r.round <= number],
                             changes=changes(fixed, new, still), item_changes=item_changes(fixed, new, still),
                             fixed=fixed, new=new, still_open=still,
                             accuracy=[a for a in accuracy(conn, number) if a.round <= number], items=items,
                             departments=departments)
