"""Records to plain JSON data and back, by their type hints (dataclasses, lists, tuples, dicts, optionals).

>>> from aidtools.findings import Finding, Source
>>> data = to_data(Finding("rec.status", "error", "已毕业", sources=(Source("a.xlsx", 3),)))
>>> data["sources"]
[{'path': 'a.xlsx', 'row': 3}]
>>> from_data(Finding, data).sources[0].row
3
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import types
import typing
from pathlib import PurePath

import numpy as np


def to_data(value):
    """A record (or anything inside one) as JSON-able data: dicts, lists, str, int, float, bool, None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return value.as_posix()
    return value


@functools.cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


class RecordError(ValueError):
    """Data that does not have the shape of the record asked for."""


def from_data(tp, data, where: str = "report"):
    """``data`` (as :func:`to_data` made it) as an instance of type ``tp``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return from_data(options[0], data, where)
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise RecordError(f"{where}: 应为对象 / expected an object for {tp.__name__}")
        hints = _hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        unknown = set(data) - known
        if unknown:
            raise RecordError(f"{where}: 未知字段 / unknown fields {sorted(unknown)} in {tp.__name__}")
        return tp(**{k: from_data(hints[k], v, f"{where}.{k}") for k, v in data.items()})
    if origin is list:
        (item,) = typing.get_args(tp)
        return [from_data(item, v, f"{where}[{i}]") for i, v in enumerate(data or [])]
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return tuple(from_data(item, v, f"{where}[{i}]") for i, v in enumerate(data or []))
    if origin is dict:
        _, item = typing.get_args(tp)
        return {k: from_data(item, v, f"{where}.{k}") for k, v in (data or {}).items()}
    if tp is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    return data
