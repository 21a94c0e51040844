"""Code tables (性别, 民族, 资助项目, ...) as data files in ``data/codes``.

A ``code(TABLE)`` column accepts the code or the name (or an everyday alias) and is normalised to
the name. Wrong spellings seen in submissions carry a hint.

>>> t = load_code_tables()["ethnicity"]
>>> t.normalise(pd.Series(["01", "汉族", "汉", "x"])).tolist()
['汉族', '汉族', None, None]
>>> t.suggest("汉")
'汉族'
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

# The C loader when libyaml is there: the pure-Python one costs a third of a second per load.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class CodeTable:
    id: str
    title: str
    entries: list[dict]
    lookup: dict[str, str] = field(default_factory=dict)  # code/name/alias -> name
    hints: dict[str, str] = field(default_factory=dict)  # wrong spelling -> name

    @classmethod
    def from_dict(cls, table_id: str, data: dict) -> "CodeTable":
        table = cls(id=table_id, title=data["name"], entries=list(data["entries"]))
        for entry in table.entries:
            entry["code"] = str(entry["code"])
            name = entry["name"]
            table.lookup[entry["code"]] = name
            table.lookup[name] = name
            for alias in entry.get("aliases", []) or []:
                table.lookup[str(alias)] = name
            for hint in entry.get("hints", []) or []:
                table.hints[str(hint)] = name
        return table

    @property
    def names(self) -> list[str]:
        return [e["name"] for e in self.entries]

    def entry(self, name: str) -> dict | None:
        for e in self.entries:
            if e["name"] == name:
                return e
        return None

    def normalise(self, values: pd.Series) -> pd.Series:
        """Map codes, names and aliases to names; anything else to None (vectorised)."""
        return values.map(self.lookup).astype(object).where(lambda s: s.notna(), None)

    def suggest(self, value: str) -> str | None:
        """The entry a wrong value most likely meant, or None."""
        if value in self.hints:
            return self.hints[value]
        close = difflib.get_close_matches(value, list(self.lookup), n=1, cutoff=0.5)
        return self.lookup[close[0]] if close else None


def _read_dir(directory) -> dict[str, CodeTable]:
    tables = {}
    for item in sorted(directory.iterdir(), key=lambda p: p.name):
        if item.name.endswith((".yaml", ".yml")):
            table_id = item.name.rsplit(".", 1)[0]
            tables[table_id] = CodeTable.from_dict(table_id, yaml.load(item.read_text(encoding="utf-8"), Loader=SafeLoader))
    return tables


def read_code_dir(directory) -> dict[str, CodeTable]:
    """The code tables of one folder (a spec folder's ``codes/``), by file name."""
    return _read_dir(Path(directory))


@lru_cache(maxsize=None)
def load_code_tables(extra_dir: str | None = None) -> dict[str, CodeTable]:
    """The packaged tables, plus (overriding them) those of ``extra_dir`` if given."""
    tables = _read_dir(resources.files("aidtools").joinpath("data/codes"))
    if extra_dir:
        tables.update(_read_dir(Path(extra_dir)))
    return tables
