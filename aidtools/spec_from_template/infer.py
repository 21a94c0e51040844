"""From a template's layout (:mod:`.layout`) to the fields of a spec, each guess recorded.

What the workbook states is taken as it is: the sheet, title rows, header row and first data row,
header text, drop-down lists (code tables), text-length and number validations (limits), notes on
header cells, cell formats, and required / conditional / optional from the colour convention of the
official templates (grey fill + red text: required; red text: conditional; black text: optional).
What it does not state is guessed, and said to be a guess: a column's type from a built-in spec's
column of the same header, else from ``data/header_types.yaml``; a conditional column's condition;
the template id, title and version.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from importlib import resources

import yaml

from aidtools.codetables import load_code_tables
from aidtools.normalize import clean_text
from aidtools.spec_from_template.layout import BookLayout, SheetLayout, Style, Validation

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
INSTRUCTION_WORDS = ("说明", "须知", "注意事项", "填表", "填报要求", "指南")
CODE_WORDS = ("代码", "字典", "码表", "下拉", "选项")
HEADER_SCAN_ROWS = 15
MAX_HEADER_LENGTH = 40


@dataclass
class Guess:
    column: str | None  # header, or None for the spec itself
    field: str  # type, required, id, title, ...
    value: object
    reason: str  # Chinese: why this was guessed

    def describe(self) -> str:
        where = f"列“{self.column}”" if self.column else "模板"
        return f"{where} {self.field} = {self.value}：{self.reason}"


@dataclass
class InferredTable:
    id: str
    title: str
    entries: list[dict]


@dataclass
class Inferred:
    id: str
    version: str
    title: str
    subsystem: str
    sheet: str
    header_row: int  # 1-based, as in a spec
    first_data_row: int
    columns: list[dict]  # spec column dicts
    unique: list[list[str]] = field(default_factory=list)
    row_rules: list[str] = field(default_factory=list)
    row_rule_params: dict = field(default_factory=dict)
    tables: list[InferredTable] = field(default_factory=list)  # code tables to write beside the spec
    guesses: list[Guess] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was skipped or could not be read
    skipped_sheets: list[str] = field(default_factory=list)
    title_rows: list[str] = field(default_factory=list)


class TemplateLayoutError(ValueError):
    """No data sheet with a header could be found; the message (Chinese) says why."""


def header_type_rules() -> list[dict]:
    text = resources.files("aidtools").joinpath("data/header_types.yaml").read_text(encoding="utf-8")
    return list(yaml.load(text, Loader=SafeLoader)["rules"])


def clean_header(value) -> str:
    """Header text as the national system names the column: line breaks inside the cell removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value).replace("\r", "").replace("\n", "")) or ""


# ----------------------------------------------------------------------------- sheets and header

def _header_candidates(sheet: SheetLayout) -> tuple[int, int]:
    """(row, count): the row of the first ``HEADER_SCAN_ROWS`` with the most short text cells."""
    best = (-1, 0)
    for r in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
        count = sum(1 for v in sheet.rows[r] if isinstance(v, str) and 0 < len(v.strip()) <= MAX_HEADER_LENGTH)
        if count > best[1]:
            best = (r, count)
    return best


def choose_sheet(book: BookLayout) -> tuple[SheetLayout, list[str]]:
    """The data sheet, and the names of the sheets skipped (instructions, code lists)."""
    sources = {v.source_sheet for s in book.sheets for v in s.validations if v.source_sheet}
    skipped, candidates = [], []
    for order, sheet in enumerate(book.sheets):
        if sheet.name in sources or any(w in sheet.name for w in INSTRUCTION_WORDS + CODE_WORDS):
            skipped.append(sheet.name)
            continue
        row, count = _header_candidates(sheet)
        if count >= 2:
            candidates.append((count + (0.5 if not sheet.hidden else 0) + (1 if sheet.validations else 0), -order, sheet))
    if not candidates:
        raise TemplateLayoutError("找不到数据工作表：没有一个工作表的前15行中有两个以上的列名"
                                  f"（已跳过说明页和代码页：{'、'.join(skipped) or '无'}）。")
    candidates.sort(key=lambda t: (t[0], t[1]), reverse=True)
    chosen = candidates[0][2]
    skipped += [c[2].name for c in candidates[1:]]
    return chosen, skipped


def _merge_at(sheet: SheetLayout, row: int, col: int):
    for m in sheet.merged:
        if m[0] <= row <= m[2] and m[1] <= col <= m[3]:
            return m
    return None


def header_block(sheet: SheetLayout) -> tuple[int, int, int]:
    """(header row, first data row, number of columns), 0-based rows."""
    row, _ = _header_candidates(sheet)
    cells = [clean_header(v) for v in sheet.rows[row]]
    while cells and not cells[-1]:
        cells.pop()
    last = row
    for c in range(len(cells)):
        m = _merge_at(sheet, row, c)
        if m is not None and m[0] == row:
            last = max(last, m[2])  # a header cell two rows tall: the data starts below it
    return row, last + 1, len(cells)


# ----------------------------------------------------------------------------- colours

def _channels(rgb: str | None) -> tuple[int, int, int] | None:
    if not rgb or len(rgb) != 6:
        return None
    try:
        return int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16)
    except ValueError:
        return None


def is_red(rgb: str | None) -> bool:
    ch = _channels(rgb)
    return ch is not None and ch[0] >= 0x99 and ch[1] <= 0x66 and ch[2] <= 0x66


def is_grey(rgb: str | None) -> bool:
    ch = _channels(rgb)
    return ch is not None and max(ch) - min(ch) <= 0x18 and 0x60 <= ch[0] <= 0xF0


def requirement_from_style(style: Style | None) -> str | None:
    if style is None:
        return None
    if is_red(style.font_rgb):
        return "required" if is_grey(style.fill_rgb) else "conditional"
    return "optional"


# ----------------------------------------------------------------------------- notes

_OWN_PARTS = None


def _own_type_texts() -> dict[str, str]:
    global _OWN_PARTS
    if _OWN_PARTS is None:
        from aidtools.outputs.blank_template import TYPE_TEXT
        _OWN_PARTS = {v: k for k, v in TYPE_TEXT.items()}
    return _OWN_PARTS


_CONDITION = re.compile(r"当“(?P<column>[^”]+)”(?P<word>为|不是)(?P<values>[^时]+)时必填")
_LENGTH = re.compile(r"最长\s*(\d+)\s*个字符|不超过\s*(\d+)\s*个?(?:字符|字节)|长度\s*(?:≤|<=|不大于)\s*(\d+)")
_RANGE = re.compile(r"范围\s*(-?\d+(?:\.\d+)?)?\s*[～~]\s*(-?\d+(?:\.\d+)?)?")


@dataclass
class NoteFacts:
    type: str | None = None  # from a note aidtools itself wrote on its blank template
    requirement: str | None = None
    condition: dict | None = None
    max_bytes: int | None = None
    min: float | None = None
    max: float | None = None
    note: str | None = None  # the note to keep


def read_note(text: str | None) -> NoteFacts:
    facts = NoteFacts()
    if not text:
        return facts
    text = text.strip()
    parts = [p.strip() for p in text.split("；")]
    own = _own_type_texts()
    kept = []
    for k, part in enumerate(parts):
        if k == 0 and part in own:
            facts.type = own[part]
            continue
        if part in ("必填", "选填", "有条件必填"):
            facts.requirement = {"必填": "required", "选填": "optional", "有条件必填": "conditional"}[part]
            continue
        m = _CONDITION.fullmatch(part)
        if m:
            facts.requirement = "conditional"
            facts.condition = {"if" if m["word"] == "为" else "unless": {"column": m["column"], "in": m["values"].split("、")}}
            continue
        m = _LENGTH.search(part)
        if m and facts.max_bytes is None:
            facts.max_bytes = int(next(g for g in m.groups() if g))
            if part.startswith("最长"):
                continue
        m = _RANGE.fullmatch(part)
        if m:
            facts.min = float(m[1]) if m[1] else None
            facts.max = float(m[2]) if m[2] else None
            continue
        kept.append(part)
    if facts.type is None and facts.requirement is None:  # someone else's note: keep it whole
        facts.note = text
        if "必填" in text and "选填" not in text:
            facts.requirement = "conditional" if re.search(r"时必填|条件", text) else "required"
        elif "选填" in text or "可不填" in text:
            facts.requirement = "optional"
    else:
        facts.note = "；".join(kept) or None
    return facts


# ----------------------------------------------------------------------------- code lists

_CODE_NAME = re.compile(r"^(\d{1,6})\s*[-—:：.、\s]\s*(.+)$")


def match_code_table(values: list[str]):
    """The packaged table whose names (or codes) are exactly ``values``, or None."""
    wanted = set(values)
    for table_id, table in load_code_tables().items():
        if set(table.names) == wanted or {e["code"] for e in table.entries} == wanted:
            return table_id
    return None


def table_entries(values: list[str]) -> list[dict]:
    """Entries of a new code table: "01-汉族" style items split into code and name, else the item as both."""
    pairs = [_CODE_NAME.match(v) for v in values]
    if values and all(pairs):
        return [{"code": m[1], "name": m[2].strip()} for m in pairs]
    return [{"code": v, "name": v} for v in values]


# ----------------------------------------------------------------------------- inference

def _is_date_format(fmt: str | None) -> bool:
    if not fmt or fmt in ("@", "General"):
        return False
    plain = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt.lower())
    return "y" in plain or ("d" in plain and "m" in plain)


def _is_number_format(fmt: str | None) -> bool:
    return bool(fmt) and fmt not in ("@", "General") and not _is_date_format(fmt) and bool(re.fullmatch(r"[#0,.%E+\-]+", fmt))


def builtin_columns(prefer: str | None = None) -> dict[str, tuple[str, dict]]:
    """header -> (template id, column) of every built-in spec: the spec ``prefer`` first, then the others."""
    from aidtools.specs import load_specs
    out = {}
    specs = load_specs()
    for spec in sorted(specs.values(), key=lambda s: s.id != prefer):
        for c in spec.columns:
            out.setdefault(c.header, (spec.id, c))
    return out


def closest_builtin(headers: list[str]):
    from aidtools.specs import load_specs
    best, score = None, 0.0
    for spec in load_specs().values():
        a, b = set(headers), set(spec.headers)
        s = len(a & b) / len(a | b) if a | b else 0
        if s > score:
            best, score = spec, s
    return best, score


def _table_slug(header: str, c: int) -> str:
    """A file name for a new code table: the header when it is ASCII, else the column number."""
    slug = _slug(header)
    return slug if slug else f"col{c + 1}"


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z_]+", "_", text.lower()).strip("_")


def infer(book: BookLayout, template_id: str | None = None) -> Inferred:
    sheet, skipped = choose_sheet(book)
    header_r, data_r, width = header_block(sheet)
    headers = [clean_header(sheet.value(header_r, c)) for c in range(width)]
    blanks = [i + 1 for i, h in enumerate(headers) if not h]
    if blanks:
        raise TemplateLayoutError(f"工作表“{sheet.name}”第{header_r + 1}行的表头有空白列：第{'、'.join(map(str, blanks))}列。"
                                  "请确认这是国家系统下载的原始模板。")
    if len(set(headers)) != len(headers):
        dup = sorted({h for h in headers if headers.count(h) > 1})
        raise TemplateLayoutError(f"工作表“{sheet.name}”的表头有重复的列名：{'、'.join(dup)}。")
    guesses: list[Guess] = []
    rules = header_type_rules()
    closest, score = closest_builtin(headers)
    if template_id:
        spec_id = template_id
    elif closest is not None and score >= 0.5:
        spec_id = closest.id
        guesses.append(Guess(None, "id", spec_id, f"表头与内置模板“{closest.title}”最接近（重合{score:.0%}），请用 --id 确认"))
    else:
        spec_id = _slug(sheet.name) or "template"
        guesses.append(Guess(None, "id", spec_id, "由工作表名得出，请用 --id 指定模板编号"))
    known = builtin_columns(spec_id)
    titles = [sheet.text(r, c) for r in range(header_r) for c in range(width) if sheet.text(r, c)]
    any_red = any(is_red((sheet.style(header_r, c) or Style()).font_rgb) for c in range(width))
    out = Inferred(id=spec_id, version="", title="", subsystem="both", sheet=sheet.name, header_row=header_r + 1,
                   first_data_row=data_r + 1, columns=[], guesses=guesses, notes=list(book.notes),
                   skipped_sheets=skipped, title_rows=titles)
    keys: set[str] = set()
    for c, header in enumerate(headers):
        out.columns.append(_infer_column(sheet, book, c, header, header_r, data_r, any_red, known, rules, spec_id,
                                         keys, out))
    # Conditions naming a column the template does not have cannot be checked.
    for col in out.columns:
        req = col.get("required")
        if isinstance(req, dict):
            clause = req.get("if") or req.get("unless")
            if clause["column"] not in headers:
                col["required"] = "conditional"
    _spec_level(out, headers, closest, score, titles, sheet)
    return out


def _validations_of(sheet: SheetLayout, col: int, data_r: int) -> list[Validation]:
    return [v for v in sheet.validations if v.covers(col, data_r) or v.covers_column(col, data_r)]


def _infer_column(sheet, book, c, header, header_r, data_r, any_red, known, rules, spec_id, keys, out) -> dict:
    guessed: list[str] = []

    def guess(field_name, value, reason):
        guessed.append(field_name)
        out.guesses.append(Guess(header, field_name, value, reason))

    col: dict = {"header": header}
    comment = sheet.comments.get((header_r, c))
    if comment is None:
        m = _merge_at(sheet, header_r, c)
        if m is not None:
            comment = sheet.comments.get((m[0], m[1]))
    facts = read_note(comment)
    validations = _validations_of(sheet, c, data_r)
    lists = [v for v in validations if v.kind == "list"]
    numbers = [v for v in validations if v.kind in ("whole", "decimal")]
    lengths = [v for v in validations if v.kind == "textLength"]
    data_style = sheet.style(data_r, c)
    fmt = data_style.number_format if data_style else None
    same = known.get(header)
    # -- type
    if lists:
        v = lists[0]
        col["type"] = "code"
        if v.values:
            table_id = match_code_table(v.values)
            if table_id is None:
                table_id = f"{spec_id}_{same[1].key if same else _table_slug(header, c)}"
                title = header
                if v.source_sheet:
                    title = _code_title(book, v) or header
                out.tables.append(InferredTable(table_id, title, table_entries(v.values)))
            col["table"] = table_id
        else:
            col["table"] = same[1].table if same and same[1].table else None
            guess("table", col["table"], "下拉列表的来源无法解析（如INDIRECT公式），代码表需人工指定")
    elif facts.type:
        col["type"] = facts.type
    elif numbers:
        v = numbers[0]
        col["type"] = "int" if v.kind == "whole" else "decimal"
    elif same is not None:
        col["type"] = same[1].type
        if same[1].table:
            col["table"] = same[1].table
        guess("type", col["type"], f"与内置模板“{same[0]}”的同名列相同" + ("（模板中没有下拉列表）" if same[1].table else ""))
    else:
        rule = next((r for r in rules if re.search(r["match"], header) or (facts.note and re.search(r["match"], facts.note) and r["type"] not in ("date8",))), None)
        if _is_date_format(fmt):
            col["type"] = "date8"
            guess("type", "date8", f"数据单元格是日期格式（{fmt}）；国家系统要求YYYYMMDD文本")
        elif rule is not None:
            col["type"] = rule["type"]
            for k in ("min", "max", "max_bytes"):
                if k in rule:
                    col[k] = rule[k]
            guess("type", rule["type"], f"表头含“{re.search(rule['match'], header)[0] if re.search(rule['match'], header) else rule['match']}”")
        elif _is_number_format(fmt):
            col["type"] = "decimal"
            guess("type", "decimal", f"数据单元格是数字格式（{fmt}）")
        else:
            col["type"] = "text"
            guess("type", "text", "模板未说明类型，按文本处理")
    if col["type"] == "code" and not col.get("table"):
        col["type"] = "text"
    if same is not None and col["type"] == same[1].type:
        for k in ("pattern", "pattern_hint", "decimals", "not_future", "max_offset_years", "id_type_column",
                  "textlike", "special_group", "personal", "may_be_absent"):
            value = getattr(same[1], k)
            if value not in (None, False):
                col[k] = value
        for k in ("min", "max"):
            if getattr(same[1], k) is not None and not numbers and facts.min is None and facts.max is None:
                col[k] = getattr(same[1], k)
    # -- key
    key = same[1].key if same else next((r.get("key") for r in rules if r.get("key") and re.search(r["match"], header)), None)
    key = key or f"col{c + 1}"
    while key in keys:
        key = f"{key}_{c + 1}"
    keys.add(key)
    col["key"] = key
    # -- limits
    if lengths:
        v = lengths[0]
        limit = v.formula2 if v.operator in ("between", None) and v.formula2 else v.formula1
        try:
            col["max_bytes"] = int(float(limit))
        except (TypeError, ValueError):
            pass
        if "max_bytes" in col:
            guess("max_bytes", col["max_bytes"], "来自“文本长度”数据验证；Excel按字符计，国家系统按字节计（汉字算2个），请核对单位")
    elif facts.max_bytes:
        col["max_bytes"] = facts.max_bytes
    elif same is not None and same[1].max_bytes and col["type"] in ("text", "name"):
        col["max_bytes"] = same[1].max_bytes
        guess("max_bytes", col["max_bytes"], f"模板未给出长度，沿用内置模板“{same[0]}”")
    if numbers:
        v = numbers[0]
        for k, formula in (("min", v.formula1), ("max", v.formula2)):
            try:
                value = float(formula)
            except (TypeError, ValueError):
                continue
            col[k] = int(value) if value.is_integer() else value
        if v.operator in ("lessThanOrEqual", "lessThan"):
            col.pop("min", None)
            col["max"] = _num(v.formula1)
        elif v.operator in ("greaterThanOrEqual", "greaterThan"):
            col.pop("max", None)
    for k in ("min", "max"):
        if getattr(facts, k) is not None:
            value = getattr(facts, k)
            col[k] = int(value) if float(value).is_integer() else value
    # -- required
    by_colour = requirement_from_style(sheet.style(header_r, c)) if any_red else None
    requirement = by_colour or facts.requirement
    if requirement is None:
        if header.startswith("*") or header.endswith("*"):
            requirement = "required"
            guess("required", True, "表头带*号")
        elif same is not None:
            requirement = same[1].requirement
            guess("required", requirement, f"模板没有用颜色区分必填项，沿用内置模板“{same[0]}”")
        else:
            requirement = "optional"
            guess("required", False, "模板没有用颜色或批注说明是否必填")
    if requirement == "required":
        col["required"] = True
    elif requirement == "optional":
        col["required"] = False
    else:
        condition = facts.condition or (same[1].required_when if same is not None else None)
        col["required"] = condition or "conditional"
        if facts.condition is None:
            if condition:
                guess("required", condition, f"有条件必填；条件沿用内置模板“{same[0]}”")
            else:
                guess("required", "conditional", "有条件必填，但模板没有写明条件：请在 required 中写明 {if: {column: …, in: […]}}")
    if facts.note:
        col["note"] = facts.note
    if guessed:
        col["guessed"] = guessed
    return col


def _num(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return int(value) if value.is_integer() else value


def _code_title(book: BookLayout, v: Validation) -> str | None:
    source = book.sheet(v.source_sheet)
    if source is None:
        return None
    # the cell above the list's first item, on the code sheet
    for row_i, row in enumerate(source.rows):
        for col_i, value in enumerate(row):
            if value is not None and str(value).strip() == v.values[0]:
                above = source.text(row_i - 1, col_i) if row_i else ""
                return above or None
    return None


def _spec_level(out: Inferred, headers, closest, score, titles, sheet) -> None:
    from aidtools.specs import load_specs
    builtin = load_specs().get(out.id)
    year = next((m[0] for t in titles for m in [re.search(r"(19|20)\d{2}", t)] if m), None)
    out.version = year or str(dt.date.today().year)
    if not year:
        out.guesses.append(Guess(None, "version", out.version, "标题中没有年份，按今年"))
    if titles:
        out.title = re.sub(r"^\s*(19|20)\d{2}\s*年(度)?", "", titles[0]).strip() or titles[0]
        out.title = re.sub(r"(导入|上报)?模板$", "", out.title).strip() or out.title
    elif builtin is not None:
        out.title = builtin.title
    else:
        out.title = sheet.name
        out.guesses.append(Guess(None, "title", out.title, "模板没有标题行，用工作表名"))
    if builtin is not None:
        out.subsystem = builtin.subsystem
        out.unique = [k for k in builtin.unique if all(h in headers for h in k)]
        if set(builtin.headers) <= set(headers):
            out.row_rules = list(builtin.row_rules)
            out.row_rule_params = dict(builtin.row_rule_params)
        if builtin.unique:
            out.guesses.append(Guess(None, "unique", out.unique, f"唯一键沿用内置模板“{builtin.id}”"))
        if out.row_rules:
            out.guesses.append(Guess(None, "row_rules", out.row_rules, f"行规则沿用内置模板“{builtin.id}”"))
        dropped = [r for r in builtin.row_rules if r not in out.row_rules]
        if dropped:
            out.notes.append(f"内置模板“{builtin.id}”的行规则 {'、'.join(dropped)} 未沿用：它们用到的列在新模板中不全。")
    else:
        for key_header in ("学号", "身份证件号"):
            if key_header in headers:
                out.unique.append([key_header])
        if out.unique:
            out.guesses.append(Guess(None, "unique", out.unique, "学号、身份证件号在一个文件中通常不能重复"))
