"""What changed between two versions of a template: columns added, removed, renamed (matched by
position and similarity of the header), moved, and per column its type, requirement, length and
code list. Said in Chinese, so the centre can tell departments what changed this year.

>>> [c.message for c in header_changes(["学号", "身份证号", "姓名"], ["学号", "身份证件号", "姓名", "院系"])]
['第2列“身份证号”改名为“身份证件号”', '新增列“院系”（第4列）']
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from aidtools.specs import TemplateSpec

RENAME_SIMILARITY = 0.5  # headers this alike are one column renamed
RENAME_SIMILARITY_SAME_PLACE = 0.25  # ... or this alike when the column is where the old one was
TYPE_NAMES = {
    "text": "文本", "name": "姓名", "student_no": "学号", "code": "代码", "id_no": "证件号码", "date8": "日期(YYYYMMDD)",
    "month6": "年月(YYYYMM)", "year4": "年份", "academic_year": "学年", "amount": "金额", "int": "整数",
    "decimal": "数字", "flag": "标志(是/空)", "bank_card": "银行卡号", "mobile": "手机号码", "region6": "行政区划代码",
}
REQUIREMENT_NAMES = {"required": "必填", "conditional": "有条件必填", "optional": "选填"}


@dataclass
class Change:
    kind: str  # added, removed, renamed, moved, type, required, length, codes, sheet, header_row
    message: str  # Chinese
    old: str | None = None  # old header
    new: str | None = None  # new header
    old_position: int | None = None  # 1-based
    new_position: int | None = None


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio()


def match_columns(old: list[str], new: list[str], old_types=None, new_types=None) -> dict[int, int]:
    """old index -> new index: same header first, then renamed columns by similarity and position."""
    pairs = {i: new.index(h) for i, h in enumerate(old) if h in new}
    left_old = [i for i in range(len(old)) if i not in pairs]
    taken = set(pairs.values())
    left_new = [j for j in range(len(new)) if j not in taken]
    candidates = []
    for i in left_old:
        for j in left_new:
            score = _similarity(old[i], new[j])
            same_place = _same_place(i, j, pairs)
            if old_types is not None and new_types is not None and old_types[i] == new_types[j]:
                score += 0.1
            if score >= RENAME_SIMILARITY or (same_place and score >= RENAME_SIMILARITY_SAME_PLACE):
                candidates.append((score + (0.2 if same_place else 0), i, j))
    for _, i, j in sorted(candidates, reverse=True):
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)
    return pairs


def _same_place(i: int, j: int, pairs: dict[int, int]) -> bool:
    """Column i of the old list is where column j of the new one is: same index, or between the same
    matched neighbours."""
    if i == j:
        return True
    before = [pairs[k] for k in pairs if k < i]
    after = [pairs[k] for k in pairs if k > i]
    lo = max(before) if before else -1
    hi = min(after) if after else 10**9
    return lo < j < hi


def header_changes(old: list[str], new: list[str], old_types=None, new_types=None) -> list[Change]:
    pairs = match_columns(old, new, old_types, new_types)
    out: list[Change] = []
    for i, j in sorted(pairs.items(), key=lambda p: p[1]):
        if old[i] != new[j]:
            out.append(Change("renamed", f"第{j + 1}列“{old[i]}”改名为“{new[j]}”", old[i], new[j], i + 1, j + 1))
    # Moved: the matched columns that are not in the longest run kept in order.
    order = [pairs[i] for i in sorted(pairs)]
    keep = difflib.SequenceMatcher(a=order, b=sorted(order), autojunk=False)
    in_order = set()
    for block in keep.get_matching_blocks():
        in_order.update(order[block.a:block.a + block.size])
    for i, j in sorted(pairs.items(), key=lambda p: p[1]):
        if j not in in_order:
            out.append(Change("moved", f"列“{new[j]}”从第{i + 1}列移到第{j + 1}列", old[i], new[j], i + 1, j + 1))
    matched_new = set(pairs.values())
    for j, h in enumerate(new):
        if j not in matched_new:
            out.append(Change("added", f"新增列“{h}”（第{j + 1}列）", None, h, None, j + 1))
    for i, h in enumerate(old):
        if i not in pairs:
            out.append(Change("removed", f"删除列“{h}”（原第{i + 1}列）", h, None, i + 1, None))
    return out


def _codes(col) -> list[str] | None:
    table = col.codes() if col.table else None
    return list(table.names) if table is not None else None


def spec_changes(old: TemplateSpec, new: TemplateSpec) -> list[Change]:
    out: list[Change] = []
    if old.sheet != new.sheet:
        out.append(Change("sheet", f"工作表名由“{old.sheet}”改为“{new.sheet}”"))
    if (old.header_row, old.first_data_row) != (new.header_row, new.first_data_row):
        out.append(Change("header_row", f"表头行由第{old.header_row}行改为第{new.header_row}行，"
                                        f"数据从第{new.first_data_row}行开始（原为第{old.first_data_row}行）"))
    structure = header_changes(old.headers, new.headers, [c.type for c in old.columns], [c.type for c in new.columns])
    out += structure
    pairs = match_columns(old.headers, new.headers, [c.type for c in old.columns], [c.type for c in new.columns])
    for i, j in sorted(pairs.items(), key=lambda p: p[1]):
        a, b = old.columns[i], new.columns[j]
        name = f"列“{b.header}”"
        if a.type != b.type:
            out.append(Change("type", f"{name}的类型由{TYPE_NAMES.get(a.type, a.type)}改为{TYPE_NAMES.get(b.type, b.type)}",
                              a.header, b.header, i + 1, j + 1))
        if a.requirement != b.requirement:
            out.append(Change("required", f"{name}由{REQUIREMENT_NAMES[a.requirement]}改为{REQUIREMENT_NAMES[b.requirement]}",
                              a.header, b.header, i + 1, j + 1))
        if a.max_bytes != b.max_bytes:
            was = f"最长{a.max_bytes}个字符" if a.max_bytes else "不限长度"
            now = f"最长{b.max_bytes}个字符" if b.max_bytes else "不限长度"
            out.append(Change("length", f"{name}的长度限制由{was}改为{now}", a.header, b.header, i + 1, j + 1))
        ca, cb = _codes(a), _codes(b)
        if ca is not None and cb is not None and ca != cb:
            added = [x for x in cb if x not in ca]
            removed = [x for x in ca if x not in cb]
            parts = ([f"新增“{'、'.join(added)}”"] if added else []) + ([f"删除“{'、'.join(removed)}”"] if removed else [])
            out.append(Change("codes", f"{name}的代码表（下拉列表）有变化：{'；'.join(parts) or '顺序调整'}",
                              a.header, b.header, i + 1, j + 1))
    return out


def previous_of(old: TemplateSpec, new: TemplateSpec) -> dict | None:
    """What a new spec keeps about last year's template so that files filled on it are recognised
    (``previous`` in the spec file); None when the headers did not change."""
    if old.headers == new.headers:
        return None
    pairs = match_columns(old.headers, new.headers, [c.type for c in old.columns], [c.type for c in new.columns])
    renamed = {old.headers[i]: new.headers[j] for i, j in pairs.items() if old.headers[i] != new.headers[j]}
    return {"version": old.version, "headers": list(old.headers), "renamed": renamed}
