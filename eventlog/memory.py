"""The event log in memory, keeping the promises the use cases rely on from PostgreSQL: a commit
writes all of its streams, its idempotent response and its API keys, or nothing; a stream that moved
past its expected version refuses the commit; positions grow in commit order. Nothing is durable:
for tests/application/ and property tests, where a whole day of commands runs in milliseconds.

A commit runs without suspending, so on one event loop it is atomic; reads suspend once, as a
database round trip would, so concurrent commands interleave between read and commit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from eventlog.errors import IdempotencyKeyInUse, IdempotencyKeyReused, WrongExpectedVersion
from eventlog.records import (
    IN_FLIGHT_LEASE,
    AuditContext,
    Claimed,
    Commit,
    NewApiKey,
    SavedRefusal,
    SavedResponse,
    StoredEvent,
    StreamAppend,
)
from eventlog.sealing import Head, seal

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Key:
    request_hash: str
    created_at: datetime
    locked_until: datetime
    outcome: SavedResponse | SavedRefusal | None = None
    lease: str = ""


class InMemoryIdempotencyKeys:
    def __init__(self, clock: Clock = _utcnow, ttl: timedelta = timedelta(hours=24)) -> None:
        self._clock = clock
        self._ttl = ttl
        self._keys: dict[tuple[str, str], _Key] = {}

    async def claim(
        self, tenant_id: str, key: str, operation: str, request_hash: str
    ) -> Claimed | SavedResponse | SavedRefusal:
        now = self._clock()
        held = self._keys.get((tenant_id, key))
        if held is not None and (held.created_at < now - self._ttl
                                 or (held.outcome is None and held.locked_until < now)):
            held = None
        if held is None:
            lease = uuid.uuid4().hex
            self._keys[(tenant_id, key)] = _Key(request_hash, now, now + IN_FLIGHT_LEASE, lease=lease)
            return Claimed(lease)
        if held.request_hash != request_hash:
            raise IdempotencyKeyReused()
        if held.outcome is None:
            raise IdempotencyKeyInUse()
        return held.outcome

    async def release(self, tenant_id: str, key: str, lease: str = "") -> None:
        held = self._keys.get((tenant_id, key))
        if held is not None and held.outcome is None and (not lease or held.lease == lease):
            del self._keys[(tenant_id, key)]

    async def save_refusal(self, tenant_id: str, key: str, refusal: SavedRefusal, lease: str = "") -> None:
        if self.holds(tenant_id, key, lease):
            self.complete(tenant_id, key, refusal)

    def holds(self, tenant_id: str, key: str, lease: str) -> bool:
        """Whether the key is still in flight under `lease` (any claim when no lease is given)."""
        held = self._keys.get((tenant_id, key))
        return not lease or (held is not None and held.outcome is None and held.lease == lease)

    def complete(self, tenant_id: str, key: str, outcome: SavedResponse | SavedRefusal) -> None:
        """Keep what the command answered under a claimed key (the store calls this in its commit)."""
        held = self._keys.get((tenant_id, key))
        if held is not None:
            held.outcome = outcome


@dataclass(frozen=True)
class _Streams:
    streams: dict[str, list[StoredEvent]]

    async def read_stream(self, aggregate_id: str, *, after_version: int = 0) -> list[StoredEvent]:
        return self.streams.get(aggregate_id, [])[after_version:]


def _unsigned(_hash: str) -> str:
    return ""  # there is no key to keep in memory


class InMemoryEventStore:
    def __init__(self, keys: InMemoryIdempotencyKeys, clock: Clock = _utcnow) -> None:
        self._keys = keys
        self._clock = clock
        self._log: list[StoredEvent] = []
        self._streams: dict[str, list[StoredEvent]] = {}
        self._api_keys: dict[str, NewApiKey] = {}
        self._commits = 0

    @property
    def events(self) -> list[StoredEvent]:
        """Every event in global order."""
        return list(self._log)

    async def read_stream(self, aggregate_id: str, *, after_version: int = 0) -> list[StoredEvent]:
        await asyncio.sleep(0)
        return self._streams.get(aggregate_id, [])[after_version:]

    async def stream_ids(self, tenant_id: str, aggregate_type: str) -> list[str]:
        await asyncio.sleep(0)
        return [aggregate_id for aggregate_id, events in self._streams.items()
                if events[0].tenant_id == tenant_id and events[0].aggregate_type == aggregate_type]

    async def append(self, tenant_id: str, appends: Sequence[StreamAppend], audit: AuditContext) -> list[StoredEvent]:
        """Append events alone: a commit with nothing else in it."""
        return await self.commit(Commit(tenant_id, tuple(appends), audit))

    async def commit(self, commit: Commit) -> list[StoredEvent]:
        created_at = self._clock().astimezone(UTC)
        try:
            sealed = seal(commit.tenant_id, commit.appends, self._heads(commit), commit.audit.as_metadata(),
                          created_at, _unsigned)
        except WrongExpectedVersion:
            if commit.rebase is None:
                raise
            # Decided again on the streams as they are: the reader does not suspend, so nothing else
            # commits between the rebase and the write, as PostgreSQL's stream locks ensure there.
            commit = await commit.rebase(_Streams(self._streams))
            sealed = seal(commit.tenant_id, commit.appends, self._heads(commit), commit.audit.as_metadata(),
                          created_at, _unsigned)
        first = len(self._log) + 1
        commit_position = first + len(sealed) - 1
        stored = [
            replace(event, global_position=first + n, tx_id=self._commits + 1, commit_position=commit_position)
            for n, event in enumerate(sealed)
        ]
        # Built before anything is kept: a response that fails to build leaves the commit unwritten.
        saved = commit.idempotent_response
        if saved is not None and not self._keys.holds(commit.tenant_id, saved.key, saved.lease):
            raise IdempotencyKeyInUse("the idempotency key was taken over by another request")
        completed = None if saved is None else (saved.key, SavedResponse(saved.build(stored)))
        self._commits += 1
        for event in stored:
            self._log.append(event)
            self._streams.setdefault(event.aggregate_id, []).append(event)
        for api_key in commit.api_keys:
            self._api_keys[api_key.key_hash] = api_key
        if completed is not None:
            self._keys.complete(commit.tenant_id, *completed)
        return stored

    def _heads(self, commit: Commit) -> dict[str, Head]:
        return {aggregate_id: Head(len(events), events[-1].event_hash, events[-1].event_id)
                for aggregate_id in {a.aggregate_id for a in commit.appends}
                if (events := self._streams.get(aggregate_id))}

    async def account_for(self, key_hash: str) -> str | None:
        """The account an API key belongs to (support.auth.KeyResolver)."""
        await asyncio.sleep(0)
        stored = self._api_keys.get(key_hash)
        return stored.account_id if stored is not None else None


class RecordingPublisher:
    """Keeps what the command side published, in order, where a test can read it."""

    def __init__(self) -> None:
        self.published: list[StoredEvent] = []

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        self.published.extend(events)
