"""Domain event dataclasses <-> the event log's JSON payloads.

The JSON is the protobuf JSON mapping of the event message (proto field names, enum value names,
RFC 3339 timestamps) except that integers stay JSON numbers, so SQL can filter on amounts and
`json_format.ParseDict` still turns any payload into its generated message."""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

from command_svc.domain import events as domain_events
from eventlog.integrity import format_timestamp
from eventlog.records import NewEvent
from eventlog.upcasting import current_version


def _enum_prefix(enum_cls: type[Enum]) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum_cls.__name__).upper() + "_"


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):
        return _enum_prefix(type(value)) + value.name
    if isinstance(value, datetime):
        return format_timestamp(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def to_json(event: Any) -> dict[str, Any]:
    data = _encode(event)
    assert isinstance(data, dict)
    return data


def to_new_event(event: Any) -> NewEvent:
    event_type = type(event).__name__
    return NewEvent(event_type=event_type, data=to_json(event), event_version=current_version(event_type))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, __import__("types").UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if value is None else _decode(args[0], value)
    if isinstance(tp, type) and issubclass(tp, Enum):
        name = str(value)
        prefix = _enum_prefix(tp)
        return tp[name[len(prefix):] if name.startswith(prefix) else name]
    if tp is datetime:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_json(tp, value)
    if origin is tuple:
        (inner, *_rest) = typing.get_args(tp)
        return tuple(_decode(inner, v) for v in value)
    if origin in (Mapping, dict, typing.Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if tp is int:
        return int(value)
    return value


def from_json(cls: type, data: Mapping[str, Any]) -> Any:
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    kwargs = {name: _decode(hints[name], value) for name, value in data.items() if name in known}
    return cls(**kwargs)


def from_stored(event_type: str, data: Mapping[str, Any]) -> Any:
    return from_json(domain_events.EVENT_TYPES[event_type], data)
