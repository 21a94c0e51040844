"""pyproject.toml and environment.yml list the same dependencies with the same lower bounds."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"dask[dataframe]": "dask", "psycopg[binary]": "psycopg"}


def _parse(req: str) -> tuple[str, str]:
    m = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", req.strip())
    name, spec = m.group(1).lower(), m.group(2).replace(" ", "")
    return CONDA_NAMES.get(name, name), spec


def pyproject_requirements() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"]["optional-dependencies"].values():
        reqs += extra
    return dict(_parse(r) for r in reqs)


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and not dep.startswith(("python", "pip")) or (isinstance(dep, str) and dep.startswith("python-")):
            name, spec = _parse(dep)
            out[name] = spec
    return out


def test_environment_matches_pyproject():
    assert conda_requirements() == pyproject_requirements()


def test_console_script_declared():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["scripts"]["aidtools"] == "aidtools.cli:main"
