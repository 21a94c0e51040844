"""Writing an inferred spec: ``DIR/ID.yaml`` (the shape of ``data/specs/*.yaml``, guesses marked),
its own code tables in ``DIR/codes/`` and, when given, a copy of the official template beside it
(``template_file``), so that ``--specs DIR`` uses all of it as it is."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from aidtools.specs import CODES_SUBDIR
from aidtools.spec_from_template.infer import Inferred


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False).strip()


def spec_dict(inferred: Inferred, template_file: str | None = None, previous: dict | None = None) -> dict:
    data = {"id": inferred.id, "version": inferred.version, "title": inferred.title, "subsystem": inferred.subsystem,
            "sheet": inferred.sheet, "header_row": inferred.header_row, "first_data_row": inferred.first_data_row,
            "unique": inferred.unique, "row_rules": inferred.row_rules}
    if inferred.row_rule_params:
        data["row_rule_params"] = inferred.row_rule_params
    if template_file:
        data["template_file"] = template_file
    spec_guesses = sorted({g.field for g in inferred.guesses if g.column is None})
    if spec_guesses:
        data["guessed"] = spec_guesses
    if previous:
        data["previous"] = previous
    order = ("header", "key", "type", "table")
    data["columns"] = [{**{k: c[k] for k in order if k in c}, **{k: v for k, v in c.items() if k not in order}}
                       for c in inferred.columns]
    return data


def render(data: dict, inferred: Inferred, source: str) -> str:
    lines = [f"# {data['title']}：由 aidtools spec from-template 根据官方模板“{source}”生成。",
             "# 标有 guessed 的字段是推测的（模板本身没有写明），请核对后删去 guessed。"]
    for g in inferred.guesses:
        lines.append(f"#   推测 {g.describe()}")
    for note in inferred.notes:
        lines.append(f"#   注意 {note}")
    for key, value in data.items():
        if key == "columns":
            lines.append("columns:")
            for col in value:
                mark = f"  # 推测：{'、'.join(col['guessed'])}" if col.get("guessed") else ""
                lines.append(f"  - {_flow(col)}{mark}")
        elif isinstance(value, (dict, list)):
            lines.append(f"{key}: {_flow(value)}")
        else:
            lines.append(yaml.safe_dump({key: value}, allow_unicode=True, width=10**6).strip())
    return "\n".join(lines) + "\n"


def write_spec(inferred: Inferred, out_dir, template=None, previous: dict | None = None) -> Path:
    """Write the spec (and its code tables, and a copy of ``template``) into ``out_dir``; the spec's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    template_file = None
    if template is not None:
        template = Path(template)
        target = out_dir / f"{inferred.id}{template.suffix.lower()}"
        if template.resolve() != target.resolve():
            shutil.copyfile(template, target)
        template_file = target.name
    if inferred.tables:
        codes = out_dir / CODES_SUBDIR
        codes.mkdir(exist_ok=True)
        for table in inferred.tables:
            text = (f"# {table.title}：模板“{inferred.title}”的下拉列表（由 aidtools spec from-template 生成）\n"
                    + yaml.safe_dump({"name": table.title, "entries": table.entries}, allow_unicode=True, sort_keys=False))
            (codes / f"{table.id}.yaml").write_text(text, encoding="utf-8")
    data = spec_dict(inferred, template_file, previous)
    path = out_dir / f"{inferred.id}.yaml"
    path.write_text(render(data, inferred, template.name if template is not None else inferred.sheet), encoding="utf-8")
    return path


def to_spec(inferred: Inferred, previous: dict | None = None):
    """The inferred spec as a :class:`~aidtools.specs.TemplateSpec` (without writing anything)."""
    from aidtools.codetables import CodeTable
    from aidtools.specs import spec_from_dict
    tables = {t.id: CodeTable.from_dict(t.id, {"name": t.title, "entries": [dict(e) for e in t.entries]})
              for t in inferred.tables}
    return spec_from_dict(spec_dict(inferred, None, previous), f"<{inferred.sheet}>", tables=tables)
