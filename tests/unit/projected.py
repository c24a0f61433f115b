"""Events as projections receive them, built from stored JSON payloads (as the bus normalizes them),
and the read models their writes leave behind, evaluated in memory."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from eventlog.records import StoredEvent
from projector.adapters.jetstream_consumer import stored_projected_event
from projector.projections.base import Op
from readmodel.events import ProjectedEvent

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def stored(event_type: str, data: dict[str, Any], *, aggregate_id: str = "ch_1", aggregate_type: str = "Charge",
           version: int = 1, position: int = 7, tenant_id: str = "acct_1", created_at: datetime = AT,
           commit_position: int = 0) -> StoredEvent:
    return StoredEvent(
        global_position=position, event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{aggregate_id}/{version}"),
        tenant_id=tenant_id, aggregate_id=aggregate_id, aggregate_type=aggregate_type, aggregate_version=version,
        event_type=event_type, event_version=1, data=data, metadata={}, created_at=created_at, event_hash="",
        previous_event_hash=None, signature="", commit_position=commit_position or position,
    )


def projected(event_type: str, data: dict[str, Any], **fields: Any) -> ProjectedEvent:
    return stored_projected_event(stored(event_type, data, **fields))


class MemoryRedis:
    """The hashes, sets, sorted sets and strings a list of projection writes leaves behind."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def apply(self, ops: Iterable[Op]) -> None:
        for name, key, *args in ops:
            if name == "HSET":
                self.data.setdefault(key, {}).update(zip(args[::2], args[1::2], strict=True))
            elif name == "HSETNX":
                self.data.setdefault(key, {}).setdefault(args[0], args[1])
            elif name == "HINCRBY":
                h = self.data.setdefault(key, {})
                h[args[0]] = str(int(h.get(args[0], "0")) + int(args[1]))
            elif name == "HDEL":
                h = self.data.get(key, {})
                for field in args:
                    h.pop(field, None)
            elif name == "ZADD":
                self.data.setdefault(key, {})[args[1]] = float(args[0])
            elif name == "ZREM":
                for member in args:
                    self.data.get(key, {}).pop(member, None)
            elif name == "SET":
                self.data[key] = args[0]
            elif name != "PUBLISH":
                raise ValueError(f"no in-memory {name}")

    def hash(self, key: str) -> dict[str, str]:
        value = self.data.get(key, {})
        assert isinstance(value, dict)
        return dict(value)
