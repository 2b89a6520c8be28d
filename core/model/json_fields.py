"""Read a JSON object into frozen dataclasses, one checked field at a time.

The bundle manifest is JSON written by the trainer, but a bundle folder can be copied,
edited or damaged. Each dataclass field is read by its type hint (text, number, count,
flag, list, nested object, or free-form JSON), so a wrong value becomes one sentence that
names where it is and what belongs there, never a ``KeyError`` or ``TypeError`` later.
Writing back (``to_json``) walks the same fields in the same order, so reading and writing
a manifest gives the same JSON.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

#: Field metadata: write ``None`` by leaving the key out (the trainer writes the key only sometimes).
ABSENT_WHEN_NONE = MappingProxyType({"absent_when_none": True})
#: Field metadata: ``None`` is written as an empty object (``{}``).
EMPTY_WHEN_NONE = MappingProxyType({"empty_when_none": True})
_LONGEST_KEY = 60


class ManifestError(ValueError):
    """What is wrong with a manifest, as the end of a sentence: "has no metrics.auc"."""


def json_key(name: str) -> MappingProxyType:
    """Field metadata: the field is stored under another key (``scikit-learn``, ``from``)."""
    return MappingProxyType({"key": name})


def reads_with(parse: Callable[[Any, str], Any]) -> MappingProxyType:
    """Field metadata: the field's JSON value is read by ``parse(value, where)`` instead of by its type."""
    return MappingProxyType({"parse": parse})


def describe(value: Any) -> str:
    """How a JSON value reads in a sentence: "text", "a number", "a list" ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _wrong(value: Any, where: str, expected: str) -> ManifestError:
    return ManifestError(f"has {describe(value)} at {where} where {expected} belongs")


def child(where: str, key: str) -> str:
    """The dotted place of ``key`` inside ``where``, with over-long keys shortened."""
    key = key if len(key) <= _LONGEST_KEY else key[:_LONGEST_KEY] + "..."
    return f"{where}.{key}" if where else key


def read_object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _wrong(value, where, "an object")
    return value


def read_text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _wrong(value, where, "text")
    return value


def read_number(value: Any, where: str) -> float:
    """A finite JSON number, kept as written (an int stays an int, so it is written back the same)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(value, where, "a number")
    if not math.isfinite(value):
        raise ManifestError(f"has {value} at {where} where a finite number belongs")
    return value


def read_count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong(value, where, "a whole number")
    if value < 0:
        raise ManifestError(f"has {value} at {where} where a count of at least 0 belongs")
    return value


def read_flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _wrong(value, where, "true or false")
    return value


def freeze(value: Any) -> Any:
    """Free-form JSON (a data source, model settings) made read-only: objects as mapping proxies, lists as tuples."""
    if isinstance(value, dict):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def to_json(value: Any) -> Any:
    """A read-only value (dataclass, mapping proxy, tuple) back to plain JSON types."""
    if value is None or isinstance(value, str | int | float):  # the common case first: a manifest is mostly numbers
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.to_json()
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    return value


def _read_mapping(value_type: Any) -> Callable[[Any, str], Any]:
    def read(value: Any, where: str) -> Mapping[str, Any]:
        obj = read_object(value, where)
        if value_type is Any:
            return freeze(obj)
        return MappingProxyType({k: read_typed(value_type, v, child(where, k)) for k, v in obj.items()})
    return read


def read_typed(hint: Any, value: Any, where: str) -> Any:
    """Read ``value`` as the type ``hint`` (the hints the manifest dataclasses use)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        return None if value is None else read_typed(inner[0], value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise _wrong(value, where, "a list")
        if args[-1] is not Ellipsis and len(value) != len(args):
            raise ManifestError(f"has a list of {len(value)} at {where} where a list of {len(args)} belongs")
        item = args[0]
        return tuple(read_typed(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is not None and issubclass(origin, Mapping):
        return _read_mapping(args[1])(value, where)
    if dataclasses.is_dataclass(hint):
        return hint.read(value, where)
    return _SCALAR_READERS[hint](value, where)


_SCALAR_READERS = MappingProxyType({str: read_text, float: read_number, int: read_count, bool: read_flag})


@cache
def _hints(cls: type) -> Mapping[str, Any]:
    return MappingProxyType(typing.get_type_hints(cls))


class JsonRecord:
    """Mixin for a frozen dataclass stored as one JSON object, one key per field, in field order."""

    @classmethod
    def read(cls, value: Any, where: str) -> Any:
        """Check and read the JSON object found at ``where``; raise ``ManifestError`` on the first problem."""
        obj = read_object(value, where)
        hints, kwargs = _hints(cls), {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            key = f.metadata.get("key", f.name)
            place = child(where, key)
            if key not in obj:
                if f.metadata.get("absent_when_none"):
                    kwargs[f.name] = None
                    continue
                raise ManifestError(f"has no {place}")
            raw = obj[key]
            if f.metadata.get("empty_when_none") and raw == {}:
                kwargs[f.name] = None
                continue
            parse = f.metadata.get("parse")
            kwargs[f.name] = parse(raw, place) if parse else read_typed(hints[f.name], raw, place)
        return cls(**kwargs)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None and f.metadata.get("absent_when_none"):
                continue
            out[f.metadata.get("key", f.name)] = {} if value is None and f.metadata.get("empty_when_none") \
                else to_json(value)
        return out
