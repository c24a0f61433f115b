"""Loading an aggregate's state from its stream in the event log, and the single writer of hot streams."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from command_svc.application.event_records import from_stored, to_new_event
from command_svc.application.ports import EventStore
from eventlog.records import StoredEvent, StreamAppend, StreamReader

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
    # The stream's last event folded into `state` (None before any): what a decision on it expects at
    # the head of the stream.
    head_event: uuid.UUID | None = None


@dataclass(frozen=True)
class Reservation:
    """An append to a hot stream decided on its state in memory, not yet known to be in the log."""

    writer: HotStreams[Any]
    stream_id: str
    after: Folded[Any]

    def confirm(self) -> None:
        self.writer.confirm(self)

    def settle(self, written: Collection[uuid.UUID]) -> None:
        """After its command's commit, given the ids of the events the log took: confirmed when they
        are this decision's. The store may have written an earlier decision of the same command instead
        (its batch rebased it, then failed and was written again commit by commit, where the first
        decision passed): the stream is then read again rather than taken to be where this decision
        would have left it, which the log never confirmed."""
        if self.after.head_event in written:
            self.confirm()
        else:
            self.abandon()

    def abandon(self) -> None:
        self.writer.abandon(self)


@dataclass
class _Hot(Generic[S]):
    # A state the log holds (read from it, or written by a commit of ours that succeeded).
    confirmed: Folded[S]
    # `confirmed` and the appends of ours still in flight, when they are the latest word on the stream.
    speculative: Folded[S] | None = None
    # Something of ours failed on the stream: read it again before deciding on it.
    stale: bool = False


class HotStreams(Generic[S]):
    """This process's single writer for streams that many commands append to at once: a merchant's
    ledger gains an entry with every capture. A stream's state lives in memory, so a command decides on
    it without reading the log, and it moves on as soon as the command has decided (the command then
    queues its commit without suspending), so the next command decides after it rather than colliding
    with it: one merchant's concurrent charges are sequenced, never retried into failure. The log
    confirms: every append carries the version and head event its decision saw, checked when it is
    written; when another process moved the stream meanwhile, the command decides again on the stream
    as it is (`rebase`, while the store holds the stream), so it cannot lose to that writer either."""

    def __init__(self, store: EventStore, aggregate_type: str, evolve: Callable[[S, Any], S],
                 initial: Callable[[], S], *, max_streams: int = 10_000) -> None:
        self._store = store
        self._aggregate_type = aggregate_type
        self._evolve = evolve
        self._initial = initial
        self._max_streams = max_streams
        self._streams: dict[str, _Hot[S]] = {}

    async def ready(self, stream_id: str) -> None:
        """Have the stream's state in memory, read from the log when it is not (or something of ours
        failed on it)."""
        hot = self._streams.get(stream_id)
        if hot is None or hot.stale:
            await self.load(stream_id)

    async def load(self, stream_id: str) -> Folded[S]:
        """The stream as the log holds it now: the events appended since the state in memory, folded."""
        hot = self._streams.get(stream_id)
        base = hot.confirmed if hot is not None else Folded(self._initial(), 0)
        folded = self._fold(base, await self._store.read_stream(stream_id, after_version=base.version))
        hot = self._streams.get(stream_id)
        if hot is None:
            if len(self._streams) >= self._max_streams:
                # Forget the stream cached longest ago (dicts keep insertion order).
                self._streams.pop(next(iter(self._streams)))
            self._streams[stream_id] = _Hot(folded)
        elif hot.stale or folded.version > hot.confirmed.version:
            hot.confirmed, hot.speculative, hot.stale = folded, None, False
        return folded

    def head(self, stream_id: str) -> Folded[S]:
        """The state the next append decides on (after `ready`, without suspending in between)."""
        hot = self._streams[stream_id]
        return hot.speculative or hot.confirmed

    def append(self, stream_id: str, decide: Callable[[S], Sequence[Any]]) -> tuple[StreamAppend, Reservation] | None:
        """Decide on the stream's head and move the head past the decided events; None when nothing was
        decided. `decide` may raise a DomainError, which leaves the stream as it was."""
        base = self.head(stream_id)
        events = decide(base.state)
        if not events:
            return None
        new_events = tuple(to_new_event(e) for e in events)
        state = base.state
        for event in events:
            state = self._evolve(state, event)
        after = Folded(state, base.version + len(events), new_events[-1].event_id)
        self._streams[stream_id].speculative = after
        return (StreamAppend(stream_id, self._aggregate_type, base.version, new_events, expected_head=base.head_event),
                Reservation(self, stream_id, after))

    def confirm(self, reservation: Reservation) -> None:
        hot = self._streams.get(reservation.stream_id)
        if hot is not None and reservation.after.version > hot.confirmed.version:
            hot.confirmed = reservation.after

    def abandon(self, reservation: Reservation) -> None:
        hot = self._streams.get(reservation.stream_id)
        if hot is not None:
            hot.speculative, hot.stale = None, True

    async def rebase(self, stream_id: str, reader: StreamReader) -> None:
        """Move the stream's head to the stream as `reader` shows it (the store, holding the stream)."""
        hot = self._streams.get(stream_id)
        base = hot.confirmed if hot is not None else Folded(self._initial(), 0)
        folded = self._fold(base, await reader.read_stream(stream_id, after_version=base.version))
        if hot is None:
            self._streams[stream_id] = hot = _Hot(base)
        hot.speculative, hot.stale = folded, False

    def _fold(self, base: Folded[S], newer: Sequence[StoredEvent]) -> Folded[S]:
        if not newer:
            return base
        state = base.state
        for event in newer:
            state = self._evolve(state, from_stored(event.event_type, event.data))
        return Folded(state, newer[-1].aggregate_version, newer[-1].event_id)
