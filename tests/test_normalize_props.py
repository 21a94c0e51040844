"""Property tests (hypothesis): normalisation is idempotent, valid identity numbers pass, every
single-digit error is caught, and our vectorised GB 11643 check digit agrees with python-stdnum."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, ValidationError

from builders import AS_OF, spec_of

from aidtools.checks.columns import prepare
from aidtools.checks.hits import Hits
from aidtools.checks.idnumber import check_digits, check_id_no
from aidtools.normalize import INVISIBLE, ODD_SPACES, clean_series, normalise_id_series, parse_date_series
from aidtools.regions import current_codes, numbers_valid_in_year, region_table, valid_in_year

# Few examples, each a whole column: one check costs the same for 1 or 50 values.
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
COUNTIES = sorted(current_codes())

# Text as departments type it: Chinese, ASCII, and every odd space or invisible character we know.
tricky_text = st.text(alphabet=st.sampled_from(list("张三阿依古丽·买买提 abcX0123456789-/.年月日") + list(INVISIBLE + ODD_SPACES)),
                      max_size=20)
cells = st.lists(st.one_of(st.none(), tricky_text), min_size=1, max_size=20)


def _series(values) -> pd.Series:
    return pd.Series(values, dtype=object)


def _same(a: pd.Series, b: pd.Series) -> bool:
    return a.astype(object).where(a.notna(), None).tolist() == b.astype(object).where(b.notna(), None).tolist()


# ----- idempotence ---------------------------------------------------------------------------------

@SETTINGS
@given(cells)
def test_clean_series_idempotent(values):
    once = clean_series(_series(values))
    assert _same(clean_series(once), once)
    # Blank stays blank, and nothing cleaned keeps an odd space or invisible character.
    assert [v is None for v in once] == [v is None for v in values]
    assert not once.dropna().str.contains(f"[{INVISIBLE}{ODD_SPACES}]|^ | $|  ", regex=True).any()


dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))


@st.composite
def date_texts(draw):
    """A date in one of the forms departments use, or any text at all."""
    d = draw(dates)
    form = draw(st.sampled_from(["%Y%m%d", "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "loose", "junk"]))
    if form == "loose":
        return f"{d.year}/{d.month}/{d.day}"
    if form == "junk":
        return draw(tricky_text)
    return d.strftime(form)


@SETTINGS
@given(st.lists(st.one_of(st.none(), date_texts()), min_size=1, max_size=20))
def test_parse_date_series_idempotent(values):
    once, _ = parse_date_series(_series(values))
    twice, reformatted = parse_date_series(once)
    assert _same(twice, once)
    assert not reformatted.any()  # normalised output is already YYYYMMDD
    assert once.dropna().str.fullmatch(r"\d{8}").all()


@SETTINGS
@given(st.lists(st.one_of(st.none(), tricky_text, st.from_regex(r"\A[0-9]{17}[0-9xX]\Z")), min_size=1, max_size=20))
def test_normalise_id_series_idempotent(values):
    once = normalise_id_series(_series(values))
    assert _same(normalise_id_series(once), once)
    assert not once.dropna().str.contains("x", regex=False).any()


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.text(max_size=20), tricky_text, st.integers(), st.from_regex(r"\A[0-9]{17}[0-9xX]\Z")),
                min_size=1, max_size=20))
def test_normalise_id_series_equals_the_plain_definition(values):
    """The fast path (only values with whitespace or a letter upper() might change are processed)
    gives what cleaning and upper-casing every value gives."""
    text = _series(values)
    plain = clean_series(text).astype("string").str.upper().astype(object).where(text.notna(), None)
    assert _same(normalise_id_series(text), plain)


# ----- identity numbers ----------------------------------------------------------------------------

@st.composite
def valid_ids(draw):
    """A valid 18-character ID: current county code, real birth date up to AS_OF, correct check digit."""
    region = draw(st.sampled_from(COUNTIES))
    birth = draw(st.dates(min_value=dt.date(1950, 1, 1), max_value=AS_OF))
    order = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


class _Ctx:
    """What check_id_no needs from a sheet: today, and no 证件类型 column (so GB 11643 applies)."""

    today = AS_OF

    def values_of(self, header):
        return None


def id_findings(ids: list[str]) -> pd.DataFrame:
    """Check a column of ID numbers in memory (the 身份证件号 column of the student template)."""
    rows = np.arange(2, len(ids) + 2)
    hits = Hits("mem.xlsx", "学生基本信息", rows)
    col = prepare(_series(ids), spec_of("student").column("身份证件号"), "E", hits, 32_767)
    check_id_no(col, hits, _Ctx())
    return hits.frame()


@SETTINGS
@given(st.lists(valid_ids(), min_size=1, max_size=40))
def test_valid_ids_never_give_an_error(ids):
    f = id_findings(ids)
    assert (f["severity"] != "error").all(), f[["rule", "value", "message"]].to_dict("records")
    # The only possible remark: a county code that did not exist yet in the birth year.
    assert set(f["rule"]) <= {"id.county"}


@st.composite
def one_changed(draw):
    """A valid ID with exactly one character replaced by another possible one."""
    valid = draw(valid_ids())
    position = draw(st.integers(min_value=0, max_value=17))
    choices = "0123456789X" if position == 17 else "0123456789"
    return valid[:position] + draw(st.sampled_from([c for c in choices if c != valid[position]])) + valid[position + 1:]


@SETTINGS
@given(st.lists(one_changed(), min_size=1, max_size=40))
def test_any_single_changed_character_is_caught(changed):
    f = id_findings(changed)
    errors = f[f["severity"] == "error"]
    # Exactly one error per ID, always an id.* rule (id.checksum, or id.region/id.birth_date first).
    assert sorted(errors["row"]) == list(range(2, len(changed) + 2)), f[["row", "rule"]].to_dict("records")
    assert errors["rule"].str.startswith("id.").all()


@SETTINGS
@given(st.lists(st.from_regex(r"\A[0-9]{17}\Z"), min_size=1, max_size=50))
def test_check_digit_agrees_with_stdnum(first17s):
    ours = check_digits(_series(first17s)).tolist()
    assert ours == [ric.calc_check_digit(s + "0") for s in first17s]


def _stdnum_says(number: str) -> str:
    try:
        ric.validate(number)
        return "valid"
    except InvalidChecksum:
        return "checksum"
    except (ValidationError, KeyError):
        return "other"


@st.composite
def plausible_ids(draw):
    """18 characters that look like an ID: often valid, often with one flaw."""
    valid = draw(valid_ids())
    kind = draw(st.sampled_from(["valid", "checksum", "digit", "random"]))
    if kind == "valid":
        return valid
    if kind == "checksum":
        return valid[:17] + draw(st.sampled_from([c for c in "0123456789X" if c != valid[17]]))
    if kind == "digit":
        i = draw(st.integers(0, 16))
        return valid[:i] + draw(st.sampled_from([c for c in "0123456789" if c != valid[i]])) + valid[i + 1:]
    return draw(st.from_regex(r"\A[0-9]{17}[0-9X]\Z"))


@SETTINGS
@given(st.lists(plausible_ids(), min_size=1, max_size=40))
def test_checker_agrees_with_stdnum_is_valid(ids):
    f = id_findings(ids)
    by_row = {row: set(g["rule"]) for row, g in f.groupby("row")}
    for row, number in enumerate(ids, start=2):
        ours = by_row.get(row, set())
        if number.startswith("999"):  # a school's temporary number (999 + school + serial): its own rule
            assert ours == {"id.temporary"}, (number, ours)
            continue
        verdict = _stdnum_says(number)
        # The checksum verdicts agree exactly whenever the checksum is reached (region and date valid).
        if verdict == "checksum":
            assert ours & {"id.checksum", "id.region", "id.birth_date"}, (number, ours)
        if "id.checksum" in ours:
            assert verdict == "checksum", (number, verdict)
        # stdnum.is_valid (which also demands the county exist in the birth year) means no finding at all.
        if verdict == "valid" and number[6:14] <= f"{AS_OF:%Y%m%d}":
            assert ours == set(), (number, ours)
        if not ours:
            assert ric.calc_check_digit(number) == number[17] and ric.is_valid(number), number


# ----- character scans agree with the per-value regex search ---------------------------------------

def _char_patterns():
    """Every one-character pattern the checks scan a column for (TextView.rows_holding)."""
    from aidtools.checks import columns, types
    from aidtools.normalize import _CANDIDATE_RE, _MAY_UPPER_RE
    from aidtools.writing.cells import UNSAFE_RE
    return [_CANDIDATE_RE, _MAY_UPPER_RE, UNSAFE_RE, columns._E_RE, types._NON_GBK_RE, types._DIGIT_RE, types._ODD_DOT_RE]


# ASCII (letters, digits, controls, NUL), Chinese, odd spaces and invisibles, full-width digits, odd dots,
# lone surrogates and characters beyond the BMP: every branch of the scan.
scan_text = st.text(alphabet=st.sampled_from(
    list("张三·买提 aeEzAZX059-.\t\n\x00\x01\x1f\x7f\xa0\xff") + list(INVISIBLE + ODD_SPACES)
    + ["１", "٣", "•", "．", "\ud800", "\udfff", "\ufffe", "😀", "\U00020000"]), max_size=12)


@SETTINGS
@given(st.lists(st.one_of(scan_text, st.text(alphabet=st.characters(max_codepoint=0x7f), max_size=8)), max_size=30))
def test_rows_holding_equals_a_search_per_value(values):
    from aidtools.normalize import TextView
    from aidtools.checks.types import gbk_bytes
    view = TextView(list(values))
    for pattern in _char_patterns():
        expected = [pattern.search(v) is not None for v in values]
        assert view.rows_holding(pattern).tolist() == expected, pattern.pattern
    assert gbk_bytes(view).tolist() == [sum(1 if ord(c) <= 0x7F else 2 for c in v) for v in values]


@SETTINGS
@given(st.lists(st.tuples(st.one_of(st.sampled_from(sorted(region_table().index)),
                                    st.integers(100000, 999999).map(str)),
                          st.integers(1890, 2030)), min_size=1, max_size=50))
def test_numbers_valid_in_year_equals_the_table_join(pairs):
    codes, years = zip(*pairs)
    expected = valid_in_year(pd.Series(codes, dtype=object), pd.Series(years)).tolist()
    assert numbers_valid_in_year(np.array([int(c) for c in codes]), np.array(years)).tolist() == expected
