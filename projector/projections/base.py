"""What a projection is: a pure function from one event to the Redis writes it causes.

A projection never reads Redis and never talks to the network; the adapter applies its writes in one
atomic Lua call together with the projection's checkpoint, so a redelivered or replayed event
changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# One Redis command: name followed by its arguments, e.g. ("HSET", key, field, value).
Op = tuple[str, ...]


@dataclass(frozen=True)
class ProjectedEvent:
    event_id: str
    event_type: str
    aggregate_id: str
    aggregate_type: str
    aggregate_version: int
    global_position: int
    tenant_id: str
    created_at: datetime
    data: dict[str, Any]
    metadata: dict[str, Any]
    # Highest position of the event's transaction: what read models record for read-your-writes.
    commit_position: int = 0

    @property
    def created_us(self) -> int:
        return int(self.created_at.timestamp() * 1_000_000)

    @property
    def day(self) -> str:
        return self.created_at.strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix; a rebuild writes under a new prefix and switches atomically."""

    prefix: str

    def __call__(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)


class Projection(Protocol):
    name: str
    # Glob patterns (after the prefix) of the keys this projection owns; a rebuild replaces exactly these.
    key_patterns: tuple[str, ...]

    def apply(self, event: ProjectedEvent, keys: Keys) -> list[Op]: ...


def hset(key: str, fields: dict[str, Any]) -> Op:
    args: list[str] = ["HSET", key]
    for name, value in fields.items():
        args += [name, _text(value)]
    return tuple(args)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def event_record(event: ProjectedEvent) -> str:
    """The event with its metadata as stored JSON; the query service turns it back into an envelope."""
    return json.dumps({
        "event_id": event.event_id, "event_type": event.event_type, "aggregate_id": event.aggregate_id,
        "aggregate_type": event.aggregate_type, "aggregate_version": event.aggregate_version,
        "global_position": event.global_position, "commit_position": event.commit_position,
        "tenant_id": event.tenant_id, "occurred_at": event.created_at.isoformat(),
        "data": event.data, "metadata": event.metadata,
    }, sort_keys=True)
