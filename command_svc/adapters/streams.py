"""Loading an aggregate's state from its stream in the event log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from command_svc.adapters.event_codec import from_stored
from eventlog.records import StoredEvent
from eventlog.store import EventStore

S = TypeVar("S")


@dataclass(frozen=True)
class Loaded(Generic[S]):
    state: S
    version: int
    events: list[StoredEvent]

    @property
    def created_at(self) -> datetime | None:
        return self.events[0].created_at if self.events else None


async def load(store: EventStore, aggregate_id: str, fold: Callable[[Iterable[Any]], S]) -> Loaded[S]:
    stored = await store.read_stream(aggregate_id)
    state = fold(from_stored(e.event_type, e.data) for e in stored)
    return Loaded(state, stored[-1].aggregate_version if stored else 0, stored)
