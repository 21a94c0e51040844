"""A synthetic university for demos and tests: submissions with planted mistakes and their truth.

``generate(out_dir, students=3000, seed=2017)`` writes ``submissions/<部门>/<file>``, ``tasks.xlsx``
and ``truth.json`` (every planted mistake with its rule and place). Nothing in it is real: names are
random combinations, ID numbers random digits with a valid check character.
"""
from aidtools.sample.generate import generate

__all__ = ["generate"]
