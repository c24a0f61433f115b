"""How values are stored in read-model hashes (everything is text), both ways: integers in decimal,
flags as "1"/"0", instants as µs since the epoch or as RFC 3339 text, lists and maps as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

Hash = Mapping[str, str]


def text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def micros(instant: datetime) -> int:
    return int(instant.timestamp() * 1_000_000)


def rfc3339(instant: datetime | None) -> str:
    """As protobuf's JSON mapping writes a Timestamp (so events' timestamps and domain datetimes
    stored here read the same); "" for none."""
    if instant is None:
        return ""
    ts = Timestamp()
    ts.FromDatetime(instant)
    return ts.ToJsonString()


def integer(h: Hash, name: str) -> int:
    return int(h.get(name) or 0)


def flag(h: Hash, name: str) -> bool:
    return h.get(name) == "1"


def json_value(h: Hash, name: str) -> Any:
    raw = h.get(name)
    return json.loads(raw) if raw else None


def timestamp_from_us(value: str | int | None) -> Timestamp:
    ts = Timestamp()
    if value:
        ts.FromMicroseconds(int(value))
    return ts


def timestamp_from_text(value: str | None) -> Timestamp | None:
    if not value:
        return None
    ts = Timestamp()
    ts.FromJsonString(value)
    return ts
