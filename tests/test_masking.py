"""The one masking function (ID: first 6 + last 4, card: last 4, mobile: first 3 + last 4, name: first
and last character), the logging filter, owner-only output folders, and what ``aidtools check`` prints to a terminal."""
from __future__ import annotations

import logging
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import CARD, ID_OTHER, ID_X, luhn, make_id, rows_for, wrong_check, write_csv, write_template

from aidtools.logs import MaskingFilter, setup_logging
from aidtools.masking import mask, mask_name, mask_names, mask_series, mask_text
from aidtools.writing.private import private_dir

ROOT = Path(__file__).resolve().parents[1]
MOBILE = "13912345678"


# ---- mask -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, kind, expected", [
    ("110105194912310021", "id_no", "110105********0021"),
    ("11010519491231002X", "id_no", "110105********002X"),
    ("110105491231002", "id_no", "110105*****1002"),  # 15-digit old ID
    ("1234567890", "id_no", "**********"),  # too short to keep anything
    (CARD, "bank_card", "*" * 15 + CARD[-4:]),
    ("6222021234567890", "bank_card", "************7890"),
    ("1234", "bank_card", "****"),
    (MOBILE, "mobile", "139****5678"),
    (13912345678.0, "mobile", "139****5678"),
    ("1391234", "mobile", "*******"),
    ("8000.00", "income", "***"),
    ("张三", "name", "张*"),
    ("张三", "student_no", "张三"),  # not personal: unchanged
    (None, "id_no", None),
    (float("nan"), "bank_card", None),
])
def test_mask(value, kind, expected):
    assert mask(value, kind) == expected


@given(st.lists(st.one_of(st.none(), st.text(alphabet="0123456789X", max_size=22)), max_size=20),
       st.sampled_from(["id_no", "bank_card", "mobile", "income"]))
def test_mask_series_is_mask_per_value(values, kind):
    series = pd.Series(values, dtype=object)
    assert mask_series(series, kind).tolist() == [mask(v, kind) for v in values]


def test_mask_series_of_numbers_and_other_kinds():
    assert mask_series(pd.Series([13912345678.0, None]), "mobile").tolist() == ["139****5678", None]
    names = pd.Series(["张三", None])
    assert mask_series(names, None) is names and mask_series(names, "student_no") is names
    assert mask_series(names, "name").tolist() == ["张*", None]


@given(st.text(alphabet="0123456789X", min_size=11, max_size=22), st.sampled_from(["id_no", "bank_card", "mobile"]))
def test_mask_keeps_only_what_the_rules_allow(value, kind):
    masked = mask(value, kind)
    assert len(masked) == len(value)
    shown = sum(ch != "*" for ch in masked)
    assert shown <= {"id_no": 10, "bank_card": 4, "mobile": 7}[kind]


# ---- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("尚杰涛", "尚*涛"), ("尚杰", "尚*"), ("尚", "*"), ("欧阳修文", "欧**文"), ("", ""),
    ("阿依·买提", "阿*·*提"), ("阿卜杜·热合曼·买买提", "阿**·***·**提"), ("阿·提", "阿·*"),
    ("Mary Ann", "M*** **n"), (None, None), (float("nan"), None),
])
def test_mask_name(value, expected):
    assert mask_name(value) == expected == mask(value, "name")


NAME_CHARS = "尚杰涛阿依买提·• Ab"


@given(st.lists(st.one_of(st.none(), st.text(alphabet=NAME_CHARS, max_size=12)), max_size=20))
def test_mask_series_of_names_is_mask_name_per_value(values):
    assert mask_series(pd.Series(values, dtype=object), "name").tolist() == [mask_name(v) for v in values]


@given(st.text(alphabet=NAME_CHARS, min_size=1, max_size=12))
def test_a_masked_name_shows_at_most_two_characters_and_masks_again_to_itself(value):
    masked = mask_name(value)
    assert len(masked) == len(value) and mask_name(masked) == masked
    letters = [ch for ch in value if ch not in "·• "]
    shown = [ch for ch in masked if ch not in "·• *"]
    assert len(shown) <= (2 if len(letters) > 2 else 1 if len(letters) == 2 else 0)


@pytest.mark.parametrize("text, expected", [
    ("学号20170101001（尚杰涛）出现在资助发放中", "学号20170101001（尚*涛）出现在资助发放中"),
    ("2017-2018学年学号201****1001（阿依·买提）同时获得", "2017-2018学年学号201****1001（阿*·*提）同时获得"),
    ("中学号2017001的姓名“胡海文”与在校生库中的“胡海倩”不一致", "中学号2017001的姓名“胡*文”与在校生库中的“胡*倩”不一致"),
    ("（姓名：尚杰涛、尚杰）。", "（姓名：尚*涛、尚*）。"),
    ("学号2017001（尚*涛）", "学号2017001（尚*涛）"),  # masked already: unchanged
    ("2017-2018学年国家助学金（电气工程学院）已发放", "2017-2018学年国家助学金（电气工程学院）已发放"),
    ("在校生库中身份证件号110105********0021对应多个学号（2017001、2017002）", None),
    (None, None),
])
def test_mask_names(text, expected):
    assert mask_names(text) == (text if expected is None else expected)


# ---- mask_text --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (f"第5行身份证件号{ID_X}校验位错误", f"第5行身份证件号{ID_X[:6]}********{ID_X[-4:]}校验位错误"),
    ("ID:110105194912310021;", "ID:110105********0021;"),
    (f"卡号{CARD}，开户行工行", f"卡号{'*' * 15}{CARD[-4:]}，开户行工行"),
    ("卡号 6222 0212 3456 7890", "卡号 ************7890"),
    (f"联系电话{MOBILE}或139-1234-5678", "联系电话139****5678或139****5678"),
    ("旧证件110105491231002", "旧证件110105*****1002"),
    ("第12行 学号2017010001 金额1500 日期20171120 学年2017-2018", "第12行 学号2017010001 金额1500 日期20171120 学年2017-2018"),
    (None, None),
])
def test_mask_text(text, expected):
    assert mask_text(text) == expected


def test_mask_text_is_idempotent():
    text = f"{ID_X} {CARD} {MOBILE} 6222 0212 3456 7890"
    once = mask_text(text)
    assert mask_text(once) == once
    for secret in (ID_X, CARD, MOBILE, "6222021234567890"):
        assert secret not in once.replace(" ", "")


# ---- logs -------------------------------------------------------------------------------------

def test_masking_filter_masks_messages_arguments_and_tracebacks():
    stream = __import__("io").StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log = logging.getLogger("aidtools.test_masking")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("读取 %s 的卡号 %s", ID_X, CARD)
        log.warning(f"手机 {MOBILE}")
        log.warning("参数不符 %s %s", ID_X)  # a broken record is still written, masked
        try:
            raise ValueError(f"身份证件号 {ID_OTHER[0]} 无效")
        except ValueError:
            log.exception("出错")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    for secret in (ID_X, CARD, MOBILE, ID_OTHER[0]):
        assert secret not in out
    assert f"{ID_X[:6]}********{ID_X[-4:]}" in out and "ValueError" in out and "Traceback" in out


def test_setup_logging_masks_the_aidtools_logger(capsys):
    setup_logging()
    logging.getLogger("aidtools.validate").warning("无法读取 %s.xlsx", ID_X)
    assert ID_X not in capsys.readouterr().err


# ---- output folders ---------------------------------------------------------------------------

def test_private_dir_is_owner_only_whatever_the_umask(tmp_path):
    os.chmod(tmp_path, 0o755)
    old = os.umask(0o002)
    try:
        out = private_dir(tmp_path / "run" / "合并结果")
    finally:
        os.umask(old)
    assert out.is_dir()
    for folder in (out, out.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755  # folders that existed are left alone
    (tmp_path / "shared").mkdir(mode=0o755)
    assert stat.S_IMODE(private_dir(tmp_path / "shared").stat().st_mode) == 0o700
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "file")


# ---- the terminal -----------------------------------------------------------------------------

def _secrets(rows: list[list], *extra: str) -> set[str]:
    found = set(extra)
    for row in rows:
        for value in row:
            if isinstance(value, str):
                found |= set(re.findall(r"(?<![0-9])\d{17}[0-9X](?![0-9])", value))
                found |= set(re.findall(r"(?<![0-9])\d{16,19}(?![0-9])", value))
                found |= set(re.findall(r"(?<![0-9])1\d{10}(?![0-9])", value))
    return found


def test_terminal_output_shows_no_full_id_card_or_mobile(tmp_path):
    """Every finding that could quote a value, in every output a terminal shows (summary, rules,
    log lines), with IDs, cards and mobiles in cells, in the wrong columns, and in a file name."""
    folder = tmp_path / "提交"
    bad_card = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    other_card = luhn("621700123456789012")
    man = make_id(order=1)
    student = rows_for("student", {}, {"身份证件号": wrong_check(ID_OTHER[3])}, {"身份证件号": ID_X},
                       {"姓名": ID_OTHER[4], "手机号码": "1391234567"}, {"院系": other_card, "手机号码": MOBILE},
                       {"性别": "男", "身份证件号": man})
    write_template(folder / "机械工程学院", "student", *[dict(zip(student[0], r)) for r in student[1:]],
                   name="学生基本信息.xlsx")
    payments = rows_for("disbursement", {}, {"银行卡号": bad_card}, {"开户银行": other_card},
                        {"银行卡号": CARD, "身份证件号": wrong_check(ID_OTHER[6])})
    write_template(folder / "学生处", "disbursement", *[dict(zip(payments[0], r)) for r in payments[1:]],
                   name="发放.xlsx", writer="xlsxwriter")
    write_csv(folder / "化学学院" / "贷款.csv", rows_for("loan", {"身份证件号": ID_OTHER[7]}), encoding="gbk")
    named = f"{ID_OTHER[8]}张三补充材料.xlsx"
    (folder / "文学院").mkdir()
    (folder / "文学院" / named).write_bytes(b"not a workbook")
    secrets = _secrets(student + payments + rows_for("loan", {"身份证件号": ID_OTHER[7]}), ID_OTHER[8], bad_card)
    assert {ID_X, CARD, MOBILE, ID_OTHER[8]} <= secrets

    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    run = subprocess.run([sys.executable, "-m", "aidtools", "-v", "check", str(folder), "--as-of", "20180630"],
                         cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    shown = run.stdout + run.stderr
    assert "id.checksum" in shown and "file.unreadable" in shown  # the findings are there, masked
    leaked = sorted(s for s in secrets if s in shown)
    assert not leaked, f"unmasked in the terminal: {leaked}"
