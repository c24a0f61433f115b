"""Loading an aggregate's state from its stream in the event log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from command_svc.application.event_records import from_stored
from command_svc.application.ports import EventStore
from eventlog.records import StoredEvent

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


@dataclass(frozen=True)
class Folded(Generic[S]):
    state: S
    version: int


class FoldedStreams(Generic[S]):
    """Folded state of long-lived streams (a ledger gains an entry per capture), kept between commands
    so each load reads and folds only the events appended since. Events never change, so a cached
    (version, state) stays true; one that is behind is only slower, and any decision taken on it
    is still checked by the append's expected version."""

    def __init__(self, store: EventStore, evolve: Callable[[S, Any], S], initial: Callable[[], S], *,
                 max_streams: int = 10_000) -> None:
        self._store = store
        self._evolve = evolve
        self._initial = initial
        self._max_streams = max_streams
        self._folded: dict[str, Folded[S]] = {}

    async def load(self, aggregate_id: str) -> Folded[S]:
        cached = self._folded.get(aggregate_id) or Folded(self._initial(), 0)
        newer = await self._store.read_stream(aggregate_id, after_version=cached.version)
        if not newer:
            return cached
        state = cached.state
        for event in newer:
            state = self._evolve(state, from_stored(event.event_type, event.data))
        folded = Folded(state, newer[-1].aggregate_version)
        current = self._folded.get(aggregate_id)
        if current is None or current.version < folded.version:
            if current is None and len(self._folded) >= self._max_streams:
                # Forget the stream cached longest ago (dicts keep insertion order).
                self._folded.pop(next(iter(self._folded)))
            self._folded[aggregate_id] = folded
        return folded
