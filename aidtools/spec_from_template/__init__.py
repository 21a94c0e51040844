"""``aidtools spec from-template``: an official template workbook read into a spec file.

>>> from aidtools.spec_from_template import read_layout, infer      # doctest: +SKIP
>>> inferred = infer(read_layout("学生基本信息.xls"), "student")     # doctest: +SKIP
>>> write_spec(inferred, "specs/2018", template="学生基本信息.xls")  # doctest: +SKIP

- :mod:`.layout`: the model of a template's layout (sheets, styles, validations, notes);
- :mod:`.xlsx_layout` / :mod:`.xls_layout`: read it from .xlsx/.xlsm (openpyxl) or .xls (BIFF records);
- :mod:`.infer`: the spec's fields from the layout, each guess recorded;
- :mod:`.write`: the spec YAML, its code tables (``codes/``) and the registered template copy.
"""
from __future__ import annotations

from pathlib import Path

from aidtools.spec_from_template.infer import Guess, Inferred, TemplateLayoutError, infer
from aidtools.spec_from_template.layout import BookLayout
from aidtools.spec_from_template.write import spec_dict, to_spec, write_spec

TEMPLATE_SUFFIXES = (".xls", ".xlsx", ".xlsm")

__all__ = ["Guess", "Inferred", "TemplateLayoutError", "infer", "read_layout", "spec_dict", "to_spec", "write_spec",
           "TEMPLATE_SUFFIXES"]


def read_layout(path) -> BookLayout:
    """The layout of a template workbook; :class:`TemplateLayoutError` (Chinese) when it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEMPLATE_SUFFIXES:
        raise TemplateLayoutError(f"“{path.name}”不是Excel模板（应为.xls、.xlsx或.xlsm）。")
    if not path.is_file():
        raise TemplateLayoutError(f"找不到文件“{path}”。")
    try:
        if suffix == ".xls":
            from aidtools.spec_from_template.xls_layout import read_xls_layout
            return read_xls_layout(path)
        from aidtools.spec_from_template.xlsx_layout import read_xlsx_layout
        return read_xlsx_layout(path)
    except TemplateLayoutError:
        raise
    except Exception as exc:  # any reader failure: the file, not the user's command, is at fault
        from aidtools.reading import UnreadableFile
        message = exc.message if isinstance(exc, UnreadableFile) else "文件已损坏或不是Excel工作簿"
        raise TemplateLayoutError(f"模板“{path.name}”无法读取：{message}。") from exc
