"""Two rounds of a generated university into one history: what the history says changed is exactly what
the sample's round-2 truth says (fixed, new, still open), per department, and ``aidtools history diff``
agrees with the report (issue 15)."""
from __future__ import annotations

import collections
import json

import pytest

from aidtools.history import diff_rounds, history_result, open_store
from aidtools.job import run_job
from aidtools.sample import generate
from aidtools.steps import options

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    base = tmp_path_factory.mktemp("rounds")
    generate(base / "input", students=600, seed=11, rounds=2)
    history = str(base / "history.sqlite")
    truth1 = json.loads((base / "input" / "truth.json").read_text(encoding="utf-8"))
    truth2 = json.loads((base / "input" / "round2" / "truth.json").read_text(encoding="utf-8"))
    first = run_job(base / "input" / "submissions", base / "out1", options(as_of=truth1["as_of"]),
                    tasks=base / "input" / "tasks.xlsx", html=False, history=history)
    second = run_job(base / "input" / "round2" / "submissions", base / "out2", options(as_of=truth2["as_of"]),
                     tasks=base / "input" / "round2" / "tasks.xlsx", html=False, history=history)
    return {"truth": truth2, "first": first, "second": second, "history": history}


def file_items(items):
    return {(m["rule"], m["file"], m["row"]) for m in items if m.get("file")}


def test_the_history_finds_exactly_what_the_truth_says_changed(rounds):
    changes, h = rounds["truth"]["changes"], rounds["second"].history
    assert (rounds["first"].history.round, h.round, h.previous_round) == (1, 2, 1)
    for name in ("fixed", "new", "still_open"):
        got = {(f.rule, f.path, f.row) for f in getattr(h, name) if f.path is not None and not f.rule.startswith("rec.")}
        assert got == file_items(changes[name]), name
    # Reconciliation plants stay open; a record two files carry is a payment made twice (rec.duplicate_payment).
    want = collections.Counter(m["rule"] for m in changes["still_open"] if not m.get("file")
                               and m["rule"] != "merge.duplicate_across_files")
    assert collections.Counter(f.rule for f in h.still_open if f.rule.startswith("rec.")) == want
    assert not [f for f in h.fixed + h.new if f.rule.startswith("rec.")]
    assert all(f.first_round == 1 for f in h.still_open) and all(f.first_round == 2 for f in h.new)
    per_department = {c.department: c for c in h.changes}
    for name in ("fixed", "new", "still_open"):
        assert sum(getattr(c, name) for c in per_department.values()) == len(getattr(h, name))


def test_history_diff_agrees_with_the_report(rounds):
    store = open_store(rounds["history"])
    try:
        fixed, new, still_open = diff_rounds(store, 1, 2)
        again = history_result(store, 2)
    finally:
        store.close()
    h = rounds["second"].history
    assert {f.key for f in fixed} == {f.key for f in h.fixed} and {f.key for f in new} == {f.key for f in h.new}
    assert {f.key for f in still_open} == {f.key for f in h.still_open}
    assert [r.round for r in again.rounds] == [1, 2]


def _iso(yyyymmdd):
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}" if yyyymmdd else None


def test_timeliness_is_what_the_truth_says(rounds):
    """Per task item: the round it was first submitted in, the round and date it first passed, and how many
    days late it was then, exactly as the sample's truth has them; items that never passed are open."""
    truth = rounds["truth"]
    as_of = {1: rounds["first"].as_of, 2: rounds["second"].as_of}
    got = {(i.subsystem, i.item, i.department): i for i in rounds["second"].history.items}
    assert set(got) == {(t["子系统"], t["数据项"], t["责任部门"]) for t in truth["tasks"]}
    passed = late = 0
    for t in truth["tasks"]:
        item = got[(t["子系统"], t["数据项"], t["责任部门"])]
        assert item.first_submitted == as_of.get(t["first_submitted_round"]), t
        assert (item.first_passed_round, item.first_passed) == (t["first_passed_round"], _iso(t["first_passed_as_of"])), t
        if t["first_passed_round"]:
            passed += 1
            assert item.days_late == t["days_late_at_first_pass"], t
            assert item.state == ("late" if t["days_late_at_first_pass"] else "on_time"), t
            late += bool(item.days_late)
        else:
            assert item.state == "open", t
    assert passed and late and passed < len(truth["tasks"])  # the sample has items of every kind
    per_department = collections.Counter(t.department for t in got.values())
    assert {d.department: d.items for d in rounds["second"].history.departments} == dict(per_department)


def test_changes_per_department_and_data_item(rounds):
    """与上一轮相比 per department and data item (template) adds up to the findings, and reads in Chinese."""
    from aidtools import views

    h = rounds["second"].history
    for name in ("fixed", "new", "still_open"):
        want = collections.Counter((f.department or "", f.template) for f in getattr(h, name))
        got = {(c.department, c.template): getattr(c, name) for c in h.item_changes if getattr(c, name)}
        assert got == dict(want), name
    per_department = {c.department: (c.fixed, c.new, c.still_open) for c in h.changes}
    summed = collections.defaultdict(lambda: [0, 0, 0])
    for c in h.item_changes:
        for k, v in enumerate((c.fixed, c.new, c.still_open)):
            summed[c.department][k] += v
    assert {d: tuple(v) for d, v in summed.items()} == per_department
    table = views.labelled(views.history_item_changes(rounds["second"]))
    assert list(table.columns)[:2] == ["部门/院系", "模板"] and table["模板"].str.contains("（disbursement）").any()
    assert not table.isna().any().any()
