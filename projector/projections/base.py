"""What a projection is: a pure function from one event to the Redis writes it causes.

A projection never reads Redis and never talks to the network; the adapter applies its writes in one
atomic Lua call together with the projection's checkpoint, so a redelivered or replayed event
changes nothing."""

from __future__ import annotations

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
