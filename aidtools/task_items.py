"""Which template (and 资助项目) a 数据项 of the task decomposition table is (``data/task_items.yaml``).

The school's own 任务分解表 has no 模板 column: the data item's name says what it is. The mapping is
data, edited like a code table; every 资助项目 of a payment item is a name of the programme code table.

>>> items = load_task_items()
>>> items.resolve("国家助学金发放")
TaskItem(name='国家助学金发放', template='disbursement', programme='国家助学金')
>>> items.resolve(" 学生基本信息（分校区）").template
'student'
>>> items.resolve("食堂补贴") is None
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from aidtools.codetables import load_code_tables

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_QUALIFIER = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")
_SPACE = re.compile(r"[\s\u3000]+")


class TaskItemsError(ValueError):
    """A mapping file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class TaskItem:
    name: str  # the item's name in the mapping
    template: str
    programme: str | None = None


def _key(value) -> str:
    return _SPACE.sub("", str(value))


@dataclass
class TaskItems:
    items: list[TaskItem]
    lookup: dict[str, TaskItem]

    @classmethod
    def from_dict(cls, data: dict, where: str = "<task items>") -> "TaskItems":
        programmes = set(load_code_tables()["programme"].names)
        items, lookup = [], {}
        for i, entry in enumerate((data or {}).get("items") or []):
            if not isinstance(entry, dict) or not entry.get("name") or not entry.get("template"):
                raise TaskItemsError(f"{where} 第{i + 1}项：需要 name 和 template")
            programme = entry.get("programme")
            if programme is not None and programme not in programmes:
                raise TaskItemsError(f"{where} 第{i + 1}项：资助项目“{programme}”不在资助项目代码表中")
            item = TaskItem(str(entry["name"]), str(entry["template"]), programme)
            items.append(item)
            for name in [item.name, *(entry.get("aliases") or [])]:
                lookup[_key(name)] = item
        return cls(items, lookup)

    def resolve(self, value) -> TaskItem | None:
        """The item ``value`` names (its spelling, an alias, or either with a trailing （…） qualifier)."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        key = _key(value)
        found = self.lookup.get(key)
        while found is None and _QUALIFIER.search(key):
            key = _QUALIFIER.sub("", key)
            found = self.lookup.get(key)
        return found

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.items]


def _read(path) -> TaskItems:
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        raise TaskItemsError(f"{path}: YAML格式错误：{exc}") from exc
    return TaskItems.from_dict(data, str(path))


@lru_cache(maxsize=None)
def _packaged() -> TaskItems:
    return _read(resources.files("aidtools").joinpath("data/task_items.yaml"))


def load_task_items(extra_file=None) -> TaskItems:
    """The packaged mapping, plus (overriding same names) the entries of ``extra_file`` if given."""
    base = _packaged()
    if not extra_file:
        return base
    extra = _read(Path(extra_file))
    return TaskItems(base.items + extra.items, {**base.lookup, **extra.lookup})
