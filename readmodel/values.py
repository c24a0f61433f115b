"""How values are stored in read-model hashes (everything is text), both ways: integers in decimal,
flags as "1"/"0", instants as µs since the epoch or as RFC 3339 text, lists and maps as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from google.protobuf.timestamp_pb2 import Timestamp

Hash = Mapping[str, str]


def flag_text(value: bool) -> str:
    return "1" if value else "0"


def text(value: object) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    return str(value)


def micros(instant: datetime) -> int:
    return int(instant.timestamp() * 1_000_000)


def rfc3339(instant: datetime | None) -> str:
    """As protobuf's JSON mapping writes a Timestamp (UTC, "Z", 0, 3 or 6 fractional digits), so
    events' timestamps and domain datetimes stored here read the same; "" for none."""
    if instant is None:
        return ""
    t = instant.astimezone(UTC) if instant.tzinfo else instant
    us = t.microsecond
    fraction = "" if not us else f".{us // 1000:03d}" if not us % 1000 else f".{us:06d}"
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}{fraction}Z"


def integer(h: Hash, name: str) -> int:
    return int(h.get(name) or 0)


def flag(h: Hash, name: str) -> bool:
    return h.get(name) == "1"


def json_value(h: Hash, name: str) -> Any:
    raw = h.get(name)
    return orjson.loads(raw) if raw else None


def timestamp_from_us(value: str | int | None) -> Timestamp:
    ts = Timestamp()
    if value:
        ts.FromMicroseconds(int(value))
    return ts


def timestamp_from_text(value: str | None) -> Timestamp | None:
    if not value:
        return None
    ts = Timestamp()
    dot = value.find(".")
    # datetime holds µs: several times faster than FromJsonString (strptime), which keeps ns.
    if dot < 0 or len(value) - dot <= 8:
        try:
            ts.FromDatetime(datetime.fromisoformat(value))
            return ts
        except ValueError:
            pass
    ts.FromJsonString(value)
    return ts
