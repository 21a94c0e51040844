"""Two rounds of the synthetic university (``generate(..., rounds=2)``): round 1 is unchanged, round 2
is deterministic, the checker finds exactly round 2's planted cell mistakes, and ``changes`` agrees
with both truths (by rule, file and record key, as the history identifies a finding)."""
from __future__ import annotations

import json

import pytest

from aidtools.sample import generate
from aidtools.sample.rounds import change_key
from aidtools.validate import check_paths
from test_sample import as_of, describe, digests, findings_of, match

STUDENTS, SEED = 600, 11


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    out = tmp_path_factory.mktemp("rounds")
    summary = generate(out, students=STUDENTS, seed=SEED, rounds=2)
    truth1 = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    truth2 = json.loads((out / "round2" / "truth.json").read_text(encoding="utf-8"))
    return {"out": out, "summary": summary, "truth1": truth1, "truth2": truth2}


def test_round1_unchanged_and_round2_deterministic(rounds, tmp_path):
    generate(tmp_path / "one", students=STUDENTS, seed=SEED)
    assert digests(rounds["out"]) == digests(tmp_path / "one")
    assert not (tmp_path / "one" / "round2").exists()
    generate(tmp_path / "two", students=STUDENTS, seed=SEED, rounds=2)
    again = digests(tmp_path / "two" / "round2")
    assert len(again) > 30 and again == digests(rounds["out"] / "round2")


def test_round2_truth_shape(rounds):
    t1, t2 = rounds["truth1"], rounds["truth2"]
    assert t2["round"] == 2 and t2["previous"] == "../truth.json" and "round" not in t1
    assert set(t1) <= set(t2) and t2["as_of"] > t1["as_of"]
    assert (rounds["out"] / "round2" / "tasks.xlsx").read_bytes() == (rounds["out"] / "tasks.xlsx").read_bytes()
    changes = t2["changes"]
    assert len(changes["new"]) >= 2 and len(changes["fixed"]) > len(changes["still_open"]) / 3
    assert any(c["fix"] == "file not sent again" for c in changes["fixed"])
    assert all(m["kind"] != "cell" or (rounds["out"] / "round2" / "submissions" / m["file"]).is_file()
               for m in t2["mistakes"])
    # The late college fixes everything in round 2, after its deadline; the late college's item stays missing.
    late = t2["late_fixed"]
    assert late is not None
    item = next(t for t in t2["tasks"] if (t["子系统"], t["数据项"], t["责任部门"]) == (late["子系统"], late["数据项"], late["责任部门"]))
    assert item["first_submitted_round"] == 1 and item["first_passed_round"] == 2 and item["days_late_at_first_pass"] > 0
    missing = {(t["数据项"], t["责任部门"]) for t in t2["tasks_not_submitted"]}
    assert ("临时困难补助发放", "经济管理学院") in missing
    for t in t2["tasks"]:
        if t["first_passed_round"] is not None:  # late as the centre sees it: at the round it first passed
            assert t["days_late_at_first_pass"] == max(0, (as_date(t["first_passed_as_of"]) - as_date(t["截止日期"])).days)


def as_date(ymd):
    import datetime as dt

    return dt.datetime.strptime(ymd, "%Y%m%d").date()


def test_changes_agree_with_both_truths(rounds):
    t1, t2 = rounds["truth1"], rounds["truth2"]
    changes = t2["changes"]
    cells1 = {(m["rule"], m["file"], m["row"], m["column"]) for m in t1["mistakes"] if m["kind"] == "cell"}
    cells2 = {(m["rule"], m["file"], m["row"], m["column"]) for m in t2["mistakes"] if m["kind"] == "cell"}
    place = lambda c: (c["rule"], c["file"], c["row"], c["column"])  # noqa: E731
    fixed = {place(c) for c in changes["fixed"]}
    new = {place(c) for c in changes["new"]}
    still = {place(c) for c in changes["still_open"] if c["kind"] == "cell"}
    assert fixed == cells1 - cells2 and new == cells2 - cells1 and still == cells1 & cells2
    assert still | new == cells2 and fixed | still == cells1
    # By the history's identity (rule, file, record), the three sets do not overlap.
    keys = {name: {change_key(c) for c in items} for name, items in changes.items()}
    assert not keys["fixed"] & keys["new"] and not keys["new"] & keys["still_open"]
    assert not (keys["fixed"] & keys["still_open"]) - {k for k in keys["fixed"] if k[2] is None}
    for items in changes.values():
        for c in items:
            assert c["department"] is None or c["file"] is None or c["file"].startswith(c["department"] + "/")
            if c["kind"] == "cell" and c["row"] is not None and c["rule"] != "template.header_mismatch":
                assert c["record"], c
    recs = [c for c in changes["still_open"] if c["kind"] == "rec"]
    assert len(recs) == sum(m["kind"] == "rec" for m in t1["mistakes"])


def test_checker_finds_exactly_round2_mistakes(rounds):
    t2 = rounds["truth2"]
    reports = check_paths([rounds["out"] / "round2" / "submissions"], as_of=as_of(t2))
    found = findings_of(reports)
    cells = [m for m in t2["mistakes"] if m["kind"] == "cell"]
    missing = [m for m in cells if not len(match(found, m))]
    assert not missing, "planted in round 2 but not found:\n" + "\n".join(map(str, missing))
    expected = set()
    for m in cells:
        expected.update(match(found, m).tolist())
    unexplained = found[~found.index.isin(list(expected)) & (found["severity"] != "info")
                        & ~found["file"].isin(t2["superseded"])]
    assert unexplained.empty, "round 2 findings that are not planted (a fix left a mistake?):\n" + describe(unexplained)
    for c in t2["changes"]["fixed"]:
        if c["fix"] == "cell corrected":
            assert not len(match(found, {**c, "row": c["row"]})), c
