"""Template specs: what a template is, declared in data files (``data/specs/*.yaml``).

A spec has an id, a version, a title, the subsystem, the sheet name, the header row, the first
data row, the ordered columns and the keys that must be unique. Users add or override specs by
pointing ``--specs DIR`` at a folder of YAML files of the same shape; no Python changes.

>>> specs = load_specs()
>>> specs["student"].headers[:3]
['学校代码', '学号', '姓名']
>>> specs["disbursement"].column("资助档次").required_when
{'if': {'column': '资助项目', 'in': ['国家助学金', '研究生学业奖学金']}}
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

# The C loader when libyaml is there: the pure-Python one costs a third of a second per load.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from aidtools.codetables import load_code_tables

COLUMN_TYPES = (
    "text", "name", "student_no", "code", "id_no", "date8", "month6", "year4", "academic_year",
    "amount", "int", "decimal", "flag", "bank_card", "mobile", "region6",
)
# Types whose value is text even when it looks like a number: stored as a number they lose digits.
TEXTLIKE_TYPES = ("student_no", "id_no", "bank_card", "mobile", "region6", "code")
PERSONAL_BY_TYPE = {"id_no": "id_no", "bank_card": "bank_card", "mobile": "mobile", "name": "name"}
# A file's normalised table has a column per spec key (values normalised) and this one: the Excel row.
ROW_COLUMN = "_row"


class SpecError(ValueError):
    """A spec file that cannot be used; the message names the file and the problem."""


@dataclass
class ColumnSpec:
    header: str
    key: str
    type: str
    required: bool = False
    may_be_absent: bool = False  # the header may be missing from a file (a school's own table, not a national template)
    required_when: dict | None = None  # {"if": {...}} or {"unless": {...}}
    table: str | None = None
    max_bytes: int | None = None
    pattern: str | None = None
    pattern_hint: str | None = None
    min: float | None = None
    max: float | None = None
    max_offset_years: int | None = None
    decimals: int | None = None
    not_future: bool = False
    textlike: bool = False
    special_group: bool = False
    personal: str | None = None
    id_type_column: str | None = None
    note: str | None = None
    conditional: bool = False  # conditionally required, the condition not (yet) written in required_when
    guessed: list[str] | None = None  # properties inferred by ``aidtools spec from-template``, to be reviewed
    # The code table itself when it comes from the spec's own folder (``DIR/codes/``), not a YAML field.
    code_table: object = field(default=None, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict, where: str) -> "ColumnSpec":
        data = dict(data)
        unknown = set(data) - (set(cls.__dataclass_fields__) - {"code_table"})
        if unknown:
            raise SpecError(f"{where}: 列定义含未知字段 {sorted(unknown)}")
        for need in ("header", "key", "type"):
            if need not in data:
                raise SpecError(f"{where}: 列定义缺少 {need}")
        if data["type"] not in COLUMN_TYPES:
            raise SpecError(f"{where}: 列 {data['header']} 的类型 {data['type']} 未知，可用类型：{', '.join(COLUMN_TYPES)}")
        req = data.get("required", False)
        if isinstance(req, dict):
            data["required_when"] = req
            data["required"] = False
        elif req == "conditional":
            data["conditional"] = True
            data["required"] = False
        elif not isinstance(req, bool):
            raise SpecError(f"{where}: 列 {data['header']} 的 required 应为 true、false、conditional 或条件")
        if data["type"] == "code" and not data.get("table"):
            raise SpecError(f"{where}: 代码列 {data['header']} 没有指定 table")
        return cls(**data)

    @property
    def is_textlike(self) -> bool:
        return self.textlike or self.type in TEXTLIKE_TYPES

    @property
    def personal_kind(self) -> str | None:
        return self.personal or PERSONAL_BY_TYPE.get(self.type)

    @property
    def requirement(self) -> str:
        """``required``, ``conditional`` or ``optional``."""
        if self.required_when or self.conditional:
            return "conditional"
        return "required" if self.required else "optional"

    def codes(self):
        """The column's :class:`~aidtools.codetables.CodeTable` (its spec folder's own, else the packaged one)."""
        if self.code_table is not None:
            return self.code_table
        return load_code_tables()[self.table] if self.table else None


@dataclass
class TemplateSpec:
    id: str
    version: str
    title: str
    subsystem: str
    sheet: str
    header_row: int
    first_data_row: int
    columns: list[ColumnSpec]
    unique: list[list[str]] = field(default_factory=list)
    row_rules: list[str] = field(default_factory=list)
    row_rule_params: dict = field(default_factory=dict)
    source: str = ""
    digest: str = ""
    template_file: str | None = None  # the official template workbook registered with this spec (absolute path)
    previous: dict | None = None  # last year's template: {version, headers, renamed: {old: new}}
    guessed: list[str] = field(default_factory=list)  # spec-level properties inferred from a template

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, header: str) -> ColumnSpec:
        for c in self.columns:
            if c.header == header:
                return c
        raise KeyError(header)

    def by_key(self, key: str) -> ColumnSpec:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def to_dict(self, with_codes: bool = True) -> dict:
        cols = []
        for c in self.columns:
            d = {k: v for k, v in c.__dict__.items() if v not in (None, False) and k not in ("code_table", "conditional")}
            d["required"] = "conditional" if c.requirement == "conditional" else bool(c.required)
            if with_codes and c.table:
                d["codes"] = [{"code": e["code"], "name": e["name"]} for e in c.codes().entries]
            cols.append(d)
        return {
            "id": self.id, "version": self.version, "title": self.title, "subsystem": self.subsystem,
            "sheet": self.sheet, "header_row": self.header_row, "first_data_row": self.first_data_row,
            "unique": self.unique, "row_rules": self.row_rules, "columns": cols, "digest": self.digest,
        }


def spec_from_dict(data: dict, where: str = "<spec>", tables: dict | None = None, base=None) -> TemplateSpec:
    """``tables``: code tables of the spec's own folder (they win over the packaged ones);
    ``base``: the folder a relative ``template_file`` is in."""
    if not isinstance(data, dict):
        raise SpecError(f"{where}: 不是模板定义（应为YAML映射）")
    for need in ("id", "title", "sheet", "columns"):
        if need not in data:
            raise SpecError(f"{where}: 缺少字段 {need}")
    columns = [ColumnSpec.from_dict(c, f"{where} 第{i + 1}列") for i, c in enumerate(data["columns"])]
    headers = [c.header for c in columns]
    if len(set(headers)) != len(headers):
        raise SpecError(f"{where}: 表头有重复")
    own = tables or {}
    packaged = load_code_tables()
    for c in columns:
        if c.table and c.table in own:
            c.code_table = own[c.table]
        elif c.table and c.table not in packaged:
            raise SpecError(f"{where}: 列 {c.header} 的代码表 {c.table} 不存在")
    template_file = data.get("template_file")
    if template_file:
        path = Path(base or ".") / str(template_file)
        if not path.is_file():
            raise SpecError(f"{where}: 登记的官方模板 {template_file} 不存在")
        template_file = str(path.resolve())
    previous = data.get("previous")
    if previous is not None and not (isinstance(previous, dict) and isinstance(previous.get("headers"), list)):
        raise SpecError(f"{where}: previous 应含上一版模板的 headers 列表")
    for key in data.get("unique", []) or []:
        for h in key:
            if h not in headers:
                raise SpecError(f"{where}: 唯一键中的列 {h} 不在表头中")
    return TemplateSpec(
        id=str(data["id"]), version=str(data.get("version", "1")), title=data["title"],
        subsystem=data.get("subsystem", "both"), sheet=data["sheet"],
        header_row=int(data.get("header_row", 1)), first_data_row=int(data.get("first_data_row", 2)),
        columns=columns, unique=[list(k) for k in data.get("unique", []) or []],
        row_rules=list(data.get("row_rules", []) or []), row_rule_params=dict(data.get("row_rule_params", {}) or {}),
        source=where, template_file=template_file, previous=previous, guessed=list(data.get("guessed", []) or []),
    )


CODES_SUBDIR = "codes"  # a spec folder's own code tables (drop-down lists of its official templates)


def _code_dir_tables(directory) -> dict:
    codes = directory.joinpath(CODES_SUBDIR)
    if not codes.is_dir():
        return {}
    from aidtools.codetables import read_code_dir
    try:
        return read_code_dir(codes)
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise SpecError(f"{codes}: 代码表格式错误：{exc}") from exc


def _load_dir(directory, specs: dict) -> None:
    tables = _code_dir_tables(directory)
    for item in sorted(directory.iterdir(), key=lambda p: p.name):
        if item.name.endswith((".yaml", ".yml")):
            text = item.read_text(encoding="utf-8")
            try:
                data = yaml.load(text, Loader=SafeLoader)
            except yaml.YAMLError as exc:
                raise SpecError(f"{item}: YAML格式错误：{exc}") from exc
            spec = spec_from_dict(data, str(item), tables=tables, base=Path(str(directory)))
            spec.digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
            specs[spec.id] = spec


def load_spec_file(path) -> TemplateSpec:
    """One spec file, with the code tables of its folder's ``codes/``."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: 模板定义文件不存在")
    specs: dict[str, TemplateSpec] = {}
    tables = _code_dir_tables(path.parent)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: YAML格式错误：{exc}") from exc
    spec = spec_from_dict(data, str(path), tables=tables, base=path.parent)
    spec.digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    specs[spec.id] = spec
    return spec


def load_specs(extra_dirs=()) -> dict[str, TemplateSpec]:
    """The packaged specs, plus those of each folder in ``extra_dirs`` (same id overrides)."""
    specs: dict[str, TemplateSpec] = {}
    _load_dir(resources.files("aidtools").joinpath("data/specs"), specs)
    for d in extra_dirs or ():
        path = Path(d)
        if not path.is_dir():
            raise SpecError(f"{path}: 模板定义目录不存在")
        _load_dir(path, specs)
    return specs
