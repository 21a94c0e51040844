"""The package's layering, read from the imports of every module of ``aidtools/`` (with ``ast``).

A module may import from its own layer and the layers below it, never from a layer above: reading
and writing know nothing of checks, checks nothing of merging, merging nothing of the outputs, and
nothing but the presentation and the commands knows the dashboards. Every import counts: top-level,
inside functions, relative, and ``importlib.import_module("aidtools....")`` with a literal name.

A *unit* is what sits directly in ``aidtools/``: a module (``masking``) or a subpackage (``checks``);
``__init__`` is the package itself (``aidtools/__init__.py``, which re-exports ``check_file`` and
``check_paths`` and so sits with them). Every unit must be placed in exactly one layer, so a new
module has to be given its place here. Units must not import each other in a cycle, even inside
one layer.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "aidtools"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# Lowest first. A unit may import units of its own layer and of the layers before it.
LAYERS: dict[str, set[str]] = {
    # Data, rules and the low-level building blocks: reading files safely, writing cells and
    # owner-only files, masking, normalising values, recognising a template by its header.
    "base": {"masking", "rules", "codetables", "task_items", "specs", "policy", "regions", "fonts", "logs", "progress",
             "findings", "writing", "reading", "normalize", "recognize", "report", "kernel", "subsystems",
             "inventory", "errors"},
    # Checking one file; the package root re-exports check_file/check_paths, so it sits here.
    "checks": {"checks", "validate", "__init__"},
    # What works on many checked files: reconciliation, merging, progress, parallel checking.
    "combination": {"reconcile", "merging", "progress_tasks", "parallel", "history"},
    # Files, tables and figures for people: feedback, reports, templates, the report's tables, charts;
    # specs read from official templates (which reads back our own blanks' notes) and what changed between two.
    "outputs": {"outputs", "views", "charts", "spec_from_template", "spec_diff"},
    # Notebook widgets, the dashboard server.
    "presentation": {"widgets", "dashboard"},
    # The steps composed (what run, the commands and the notebooks call), the job, the command line, and
    # the synthetic university (which nothing in the package may need).
    "top": {"steps", "job", "commands", "cli", "sample", "notebook", "__main__"},
}
LEVEL = {unit: i for i, units in enumerate(LAYERS.values()) for unit in units}
LAYER_NAMES = list(LAYERS)


# ---- reading the imports ----------------------------------------------------------------------

def module_name(path: Path) -> tuple[str, bool]:
    """``aidtools/merging/merge.py`` -> (``aidtools.merging.merge``, False); a package's __init__ -> (package, True)."""
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def imported_modules(module: str, is_package: bool, source: str) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of every import of ``source`` that names something in the package.

    ``from aidtools import x`` names ``aidtools.x`` (a submodule, or an attribute of the package: the
    caller decides which); relative imports are resolved against ``module``.
    """
    here = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names if alias.name != "*"] or [target]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
              and node.args):
            arg = node.args[0]
            if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                arg = arg.values[0]  # f"aidtools.commands.{name}": the literal start names the unit
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names = [arg.value.rstrip(".")]
        found += [(node.lineno, name) for name in names if name.split(".")[0] == PACKAGE]
    return found


def unit_of(dotted: str) -> str:
    """The unit a dotted name belongs to: ``aidtools.merging.files`` -> ``merging``; ``aidtools`` or an
    attribute of the package (``aidtools.__version__``) -> ``__init__``."""
    parts = dotted.split(".")
    if len(parts) < 2:
        return "__init__"
    name = parts[1]
    if (ROOT / name).is_dir() or (ROOT / f"{name}.py").is_file():
        return name
    return "__init__"


def violations(module: str, is_package: bool, source: str) -> list[str]:
    """Each import of ``source`` (module ``module``) that reaches into a higher layer, as a message."""
    unit = unit_of(module)
    level = LEVEL[unit]
    bad = []
    for line, name in imported_modules(module, is_package, source):
        target = unit_of(name)
        if LEVEL.get(target, -1) > level:
            bad.append(f"{module}:{line} imports {name} "
                       f"({unit} is in layer {LAYER_NAMES[level]}, {target} in {LAYER_NAMES[LEVEL[target]]})")
    return bad


def package_modules():
    for path in sorted(ROOT.rglob("*.py")):
        module, is_package = module_name(path)
        yield path, module, is_package, path.read_text(encoding="utf-8")


def unit_graph() -> dict[str, set[str]]:
    """unit -> the other units it imports."""
    graph: dict[str, set[str]] = {}
    for _, module, is_package, source in package_modules():
        unit = unit_of(module)
        targets = {unit_of(name) for _, name in imported_modules(module, is_package, source)}
        graph.setdefault(unit, set()).update(targets - {unit})
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


# ---- the package ------------------------------------------------------------------------------

def test_layers_are_disjoint_and_every_unit_is_placed():
    placed = [unit for units in LAYERS.values() for unit in units]
    assert len(placed) == len(set(placed)), "a unit is in two layers"
    units = {p.stem for p in ROOT.glob("*.py")} | {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert units - set(placed) == set(), "give each new module or subpackage its layer in LAYERS"


def test_no_module_imports_a_higher_layer():
    bad = [message for _, module, is_package, source in package_modules()
           for message in violations(module, is_package, source)]
    assert bad == []


def test_no_import_cycle_between_units():
    assert find_cycle(unit_graph()) is None


def test_the_scan_sees_the_imports_it_should():
    # Guards the test itself: if parsing went wrong, the two tests above would pass on nothing.
    graph = unit_graph()
    assert {"writing", "checks", "report"} <= graph["merging"]
    assert "merging" in graph["outputs"] and "commands" in graph["cli"]  # cli: import_module(f"aidtools.commands.{...}")
    assert "__init__" in graph["cli"]  # from aidtools import __version__


# ---- the test catches what it should (planted violations in synthetic modules) ----------------

@pytest.mark.parametrize("module, is_package, source, expected", [
    # merging -> outputs: the import this layering was made to stop
    ("aidtools.merging.held_back", False, "from aidtools.outputs.cells import write_text\n", 1),
    ("aidtools.merging.held_back", False, "from aidtools.writing.cells import write_text\n", 0),
    # function-level, plain and relative imports count as much as top-level ones
    ("aidtools.masking", False, "def f():\n    import aidtools.views as v\n    return v\n", 1),
    ("aidtools.merging.merge", False, "from ..outputs import feedback\nfrom .sources import sheet_as_text\n", 1),
    ("aidtools.checks", True, "from .rows import x\nfrom ..job import run\n", 1),
    ("aidtools.reading.grid", False, "from aidtools import job, masking\n", 1),
    ("aidtools.writing.cells", False, "import importlib\nimportlib.import_module('aidtools.dashboard')\n", 1),
    ("aidtools.reading", True, "import importlib\nm = importlib.import_module(f'aidtools.widgets.{name}')\n", 1),
    # the package root sits with validate: a base module must not pull it (and so every check) in
    ("aidtools.rules", False, "from aidtools import __version__\n", 1),
    ("aidtools.outputs.json_report", False, "import aidtools\nfrom aidtools import __version__\n", 0),
    # downward and sideways imports are fine
    ("aidtools.commands.merge", False, "from aidtools.writing.private import save_private\nimport aidtools.sample\n", 0),
    ("aidtools.recognize", False, "from aidtools.reading import read_file\nfrom aidtools.specs import load_specs\n", 0),
])
def test_planted_imports(module, is_package, source, expected):
    assert len(violations(module, is_package, source)) == expected


@pytest.mark.parametrize("graph, cyclic", [
    ({"merging": {"writing"}, "outputs": {"merging", "writing"}, "writing": set()}, False),
    ({"merging": {"outputs"}, "outputs": {"merging"}}, True),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, True),
])
def test_find_cycle(graph, cyclic):
    cycle = find_cycle(graph)
    assert (cycle is not None) == cyclic
    if cycle:
        assert cycle[0] == cycle[-1] and all(b in graph[a] for a, b in zip(cycle, cycle[1:]))


# What the readers of a run may not reach into: they read the run report's records (aidtools.report),
# findings and masked values, never the checks, the merge, the reconciliation or the steps themselves.
CHECK_INTERNALS = {"checks", "validate", "reading", "recognize", "normalize", "merging", "reconcile",
                   "progress_tasks", "parallel", "steps", "job"}
# Finding the files of a folder is not checking them: the folder picker counts what a check would read.
READERS_MAY_USE = {"aidtools.widgets.picker": {"aidtools.validate", "aidtools.reading.workbook"}}


def test_views_and_widgets_read_the_report_records_not_the_check_internals():
    bad = []
    for _, module, is_package, source in package_modules():
        if unit_of(module) not in ("views", "widgets"):
            continue
        for line, target in imported_modules(module, is_package, source):
            allowed = READERS_MAY_USE.get(module, set())
            if unit_of(target) in CHECK_INTERNALS and not any(target.startswith(a) for a in allowed):
                bad.append(f"{module}:{line} imports {target}")
    assert bad == []
