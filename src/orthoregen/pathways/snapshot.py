"""Convert frozen dataclasses to and from JSON-ready dicts, checking every field's type.

Facts snapshots and check parameters share this so that a stored value reads back into
exactly the value that was stored, and a wrong type is named by its path
(``prior_injections[0].given_on``) instead of surfacing later as a wrong decision.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")


class SnapshotError(ValueError):
    """Name the path of a value that does not fit its declared type."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or 'value'}: {message}")
        self.path = path


def to_jsonable(value: Any) -> Any:
    """Return ``value`` as dicts, lists, strings, numbers, booleans and None (dates as ISO)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset):
        # Sorted so that equal sets give equal JSON (stable snapshots, stable hashes).
        return sorted(to_jsonable(item) for item in value)
    if isinstance(value, tuple | list):
        return [to_jsonable(item) for item in value]
    return value


def from_jsonable(cls: type[T], data: Any, path: str = "") -> T:
    """Build a ``cls`` dataclass from ``data``, rejecting unknown keys and wrong types."""
    return typing.cast(T, _read(cls, data, path))


def _read(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        arms = [arm for arm in typing.get_args(tp) if arm is not type(None)]
        if data is None:
            if len(arms) < len(typing.get_args(tp)):
                return None
            raise SnapshotError(path, "is required")
        return _read(arms[0], data, path)
    if origin in (tuple, frozenset):
        if not isinstance(data, list):
            raise SnapshotError(path, "expected a list")
        item_type = typing.get_args(tp)[0]
        items = [_read(item_type, item, f"{path}[{i}]") for i, item in enumerate(data)]
        return origin(items)
    if dataclasses.is_dataclass(tp):
        return _read_dataclass(tp, data, path)
    if isinstance(tp, type) and issubclass(tp, Enum):
        allowed = [member.value for member in tp]
        if data not in allowed:
            raise SnapshotError(path, f"expected one of {allowed}, got {data!r}")
        return tp(data)
    return _read_scalar(tp, data, path)


def _read_scalar(tp: Any, data: Any, path: str) -> Any:
    # bool is a subclass of int in Python; a JSON true must never read as the number 1.
    if tp is bool and isinstance(data, bool):
        return data
    if tp is int and isinstance(data, int) and not isinstance(data, bool):
        return data
    if tp is float and isinstance(data, int | float) and not isinstance(data, bool):
        return float(data)
    if tp is str and isinstance(data, str):
        return data
    if tp is date and isinstance(data, str):
        try:
            return date.fromisoformat(data)
        except ValueError:
            raise SnapshotError(path, f"expected an ISO date (YYYY-MM-DD), got {data!r}") from None
    if tp in (bool, int, float, str, date):
        names = {bool: "true or false", int: "a whole number", float: "a number",
                 str: "text", date: "an ISO date (YYYY-MM-DD)"}
        raise SnapshotError(path, f"expected {names[tp]}, got {data!r}")
    raise SnapshotError(path, f"cannot read type {tp!r}")


def _read_dataclass(cls: Any, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise SnapshotError(path, "expected an object")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise SnapshotError(path, f"unknown field(s) {unknown}")
    values = {}
    for name, f in fields.items():
        child = f"{path}.{name}" if path else name
        if name in data:
            values[name] = _read(hints[name], data[name], child)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise SnapshotError(child, "is required")
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise SnapshotError(path, str(error)) from None


_ENUM_FIELDS: dict[type, tuple[tuple[str, type[Enum], bool], ...]] = {}


def _enum_fields(cls: type) -> tuple[tuple[str, type[Enum], bool], ...]:
    """List (field, enum class, is a collection) for the enum-typed fields of ``cls``."""
    # Cached per class: type hints are resolved once, not on every fact built.
    if cls not in _ENUM_FIELDS:
        _ENUM_FIELDS[cls] = _find_enum_fields(cls)
    return _ENUM_FIELDS[cls]


def _find_enum_fields(cls: type) -> tuple[tuple[str, type[Enum], bool], ...]:
    plan = []
    for name, hint in typing.get_type_hints(cls).items():
        arms = [arm for arm in typing.get_args(hint) if arm is not type(None)] or [hint]
        hint = arms[0] if typing.get_origin(hint) in (typing.Union, types.UnionType) else hint
        origin = typing.get_origin(hint)
        inner = typing.get_args(hint)[0] if origin in (tuple, frozenset) else hint
        if isinstance(inner, type) and issubclass(inner, Enum):
            plan.append((name, inner, origin in (tuple, frozenset)))
    return tuple(plan)


def coerce_enum_fields(instance: Any) -> None:
    """Turn plain strings in a frozen dataclass's enum fields into enum members.

    ``CandidacyFacts(joint="knee")`` then holds ``Joint.KNEE``, so identity comparisons
    in the rules hold, and an unknown value such as "elbow" fails at once (ValueError).
    """
    for name, enum, is_collection in _enum_fields(type(instance)):
        value = getattr(instance, name)
        if value is None:
            continue
        if is_collection:
            value = type(value)(enum(item) for item in value)
        else:
            value = enum(value)
        object.__setattr__(instance, name, value)
