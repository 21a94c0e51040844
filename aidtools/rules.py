"""The catalogue of rule ids (``data/rules.yaml``): default severity, Chinese title and fix.

>>> RULES["cell.required"].severity
'error'
>>> RULES["cell.whitespace"].title
'含多余空格或不可见字符'
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml

# The C loader when libyaml is there: the pure-Python one costs a third of a second per load.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    scope: str
    title: str
    fix: str
    group: bool = False  # rec.*: about a programme × college, not about records (holds no row back)


def load_rules() -> dict[str, Rule]:
    text = resources.files("aidtools").joinpath("data/rules.yaml").read_text(encoding="utf-8")
    return {rid: Rule(id=rid, **spec) for rid, spec in yaml.load(text, Loader=SafeLoader).items()}


RULES = load_rules()
