"""``aidtools spec from-template OFFICIAL --out DIR [--id ID]`` and ``aidtools spec diff OLD NEW``.

from-template reads an official template workbook and writes ``DIR/ID.yaml`` (plus ``DIR/codes/``
for its own drop-down lists and a copy of the template, registered as ``template_file``), which
``--specs DIR`` then uses as it is. Every guess is marked in the file and listed here. When a spec
of the same id is already known (built in, ``--specs``, or ``--previous``), what changed is listed
and the old header is kept as ``previous``, so that a workbook filled on last year's template is
recognised as such.

diff compares two spec files, template workbooks or known spec ids, in Chinese.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aidtools.specs import TemplateSpec

HELP = "由官方模板生成模板定义；比较两版模板 / spec from an official template; what changed"
ORDER = 12


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    make = sub.add_parser("from-template", help="由官方模板(.xls/.xlsx/.xlsm)生成模板定义",
                          description="由官方模板(.xls/.xlsx/.xlsm)生成模板定义（YAML），供 --specs DIR 使用")
    make.add_argument("official", metavar="OFFICIAL", help="从国家系统下载的官方模板")
    make.add_argument("--id", dest="template_id", metavar="ID", help="模板编号，如 student（默认按表头推测）")
    make.add_argument("--out", required=True, metavar="DIR", help="写入模板定义的目录")
    make.add_argument("--previous", metavar="OLD", help="上一版的模板定义(.yaml)或官方模板（默认：同编号的已有模板定义）")
    make.add_argument("--specs", action="append", default=[], metavar="DIR", help="已有的模板定义目录")
    diff = sub.add_parser("diff", help="比较两版模板", description="比较两版模板：新增、删除、改名、移动的列，类型和代码表的变化")
    diff.add_argument("old", metavar="OLD", help="旧版：模板定义(.yaml)、官方模板或模板编号")
    diff.add_argument("new", metavar="NEW", help="新版：模板定义(.yaml)、官方模板或模板编号")
    diff.add_argument("--specs", action="append", default=[], metavar="DIR")


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def resolve(what: str, spec_dirs) -> TemplateSpec:
    """A spec from a spec file, a template workbook or a known id; SpecError/TemplateLayoutError (Chinese)."""
    from aidtools.spec_from_template import TEMPLATE_SUFFIXES, infer, read_layout, to_spec
    from aidtools.specs import SpecError, load_spec_file, load_specs
    path = Path(what)
    if path.suffix.lower() in (".yaml", ".yml"):
        return load_spec_file(path)
    if path.suffix.lower() in TEMPLATE_SUFFIXES:
        return to_spec(infer(read_layout(path)))
    specs = load_specs(spec_dirs)
    if what in specs:
        return specs[what]
    raise SpecError(f"“{what}”既不是模板定义文件(.yaml)、官方模板(.xls/.xlsx/.xlsm)，也不是已知的模板编号"
                    f"（已知：{', '.join(specs)}）")


def run(args) -> int:
    from aidtools.spec_from_template import TemplateLayoutError
    from aidtools.specs import SpecError
    if args.action is None:
        return _fail("请指定操作：aidtools spec from-template OFFICIAL --out DIR，或 aidtools spec diff OLD NEW")
    try:
        return from_template(args) if args.action == "from-template" else diff(args)
    except (SpecError, TemplateLayoutError) as exc:
        return _fail(str(exc))


def from_template(args) -> int:
    from aidtools.spec_diff import previous_of, spec_changes
    from aidtools.spec_from_template import infer, read_layout, to_spec, write_spec
    from aidtools.specs import SpecError, load_specs
    official = Path(args.official)
    layout = read_layout(official)
    inferred = infer(layout, args.template_id)
    new = to_spec(inferred)
    old = resolve(args.previous, args.specs) if args.previous else load_specs(args.specs).get(inferred.id)
    previous = previous_of(old, new) if old is not None else None
    if previous:  # a renamed column keeps its key: what is downstream of the spec (reports, merges) follows it
        keys = {c["key"] for c in inferred.columns}
        for before, after in previous["renamed"].items():
            col = next(c for c in inferred.columns if c["header"] == after)
            key = old.column(before).key
            if key not in keys and col["key"].startswith("col"):
                keys.discard(col["key"])
                col["key"] = key
                keys.add(key)
    out = write_spec(inferred, args.out, template=official, previous=previous)
    try:  # the folder must load as --specs DIR
        written = load_specs([args.out])[inferred.id]
    except SpecError as exc:
        return _fail(f"生成的模板定义无法使用：{exc}")
    print(f"已生成模板定义：{out}")
    print(f"  模板 {written.id}（{written.title}，版本{written.version}）：工作表“{written.sheet}”，"
          f"表头在第{written.header_row}行，数据从第{written.first_data_row}行开始，共{len(written.columns)}列")
    if inferred.title_rows:
        print(f"  表头上方的标题：{' / '.join(inferred.title_rows)}")
    if inferred.skipped_sheets:
        print(f"  跳过的工作表（说明、代码表等）：{'、'.join(inferred.skipped_sheets)}")
    for table in inferred.tables:
        print(f"  新代码表 {table.id}（{table.title}，{len(table.entries)}项）：{Path(args.out) / 'codes' / (table.id + '.yaml')}")
    print(f"  官方模板已登记：{written.template_file}")
    for note in inferred.notes:
        print(f"  注意：{note}")
    if inferred.guesses:
        print(f"请核对以下{len(inferred.guesses)}项推测（文件中标为 guessed）：")
        for g in inferred.guesses:
            print(f"  - {g.describe()}")
    if old is not None:
        changes = spec_changes(old, written)
        label = f"与上一版（{old.id}，版本{old.version}）相比"
        if changes:
            print(f"{label}的变化：")
            for c in changes:
                print(f"  - {c.message}")
        else:
            print(f"{label}没有变化。")
    return 0


def diff(args) -> int:
    from aidtools.spec_diff import spec_changes
    old, new = resolve(args.old, args.specs), resolve(args.new, args.specs)
    changes = spec_changes(old, new)
    print(f"模板“{new.title}”：{args.old}（版本{old.version}） → {args.new}（版本{new.version}）")
    if not changes:
        print("两版模板没有差异。")
        return 0
    for c in changes:
        print(f"  - {c.message}")
    return 0
