"""A commit's appends turned into the events the log stores: each stream checked at its expected
version, then every event numbered, given the command's metadata, chained to the stream's previous
hash and signed. The one rule for every store, so PostgreSQL and memory number and hash alike."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from eventlog.errors import WrongExpectedVersion
from eventlog.integrity import canonical_bytes, chain_hash
from eventlog.records import StoredEvent, StreamAppend


class Head(NamedTuple):
    """A stream's head: its version, its last event's hash and id (0, None, None for a new stream)."""

    version: int
    event_hash: str | None
    event_id: uuid.UUID | None


NO_EVENTS = Head(0, None, None)


def check(appends: Sequence[StreamAppend], heads: Mapping[str, Head]) -> None:
    """Raise WrongExpectedVersion unless every stream is at the version (and, when the append names
    it, the last event) its decision saw. A commit appends to a stream once: two appends to one stream
    would number their events alike."""
    seen: set[str] = set()
    for stream in appends:
        if stream.aggregate_id in seen:
            raise WrongExpectedVersion(f"stream {stream.aggregate_id} appears twice in one commit",
                                       aggregate_id=stream.aggregate_id)
        seen.add(stream.aggregate_id)
        head = heads.get(stream.aggregate_id, NO_EVENTS)
        if head.version != stream.expected_version or (
                stream.expected_head is not None and head.event_id != stream.expected_head):
            raise WrongExpectedVersion(
                f"stream {stream.aggregate_id} is at version {head.version}, expected {stream.expected_version}",
                aggregate_id=stream.aggregate_id,
                actual_version=str(head.version),
            )


def seal(
    tenant_id: str, appends: Sequence[StreamAppend], heads: Mapping[str, Head], audit_metadata: dict[str, Any],
    created_at: datetime, sign: Callable[[str], str], positions: Sequence[int] = (),
) -> list[StoredEvent]:
    """The events as they will be stored, at `positions` in the log when the store knows them already
    (0 until it gives them otherwise). Raises WrongExpectedVersion when a stream's head is not the one
    its append expects."""
    check(appends, heads)
    sealed: list[StoredEvent] = []
    for stream in appends:
        version, previous_hash, _ = heads.get(stream.aggregate_id, NO_EVENTS)
        for event in stream.events:
            version += 1
            canonical = canonical_bytes(
                event_id=str(event.event_id),
                tenant_id=tenant_id,
                aggregate_id=stream.aggregate_id,
                aggregate_type=stream.aggregate_type,
                aggregate_version=version,
                event_type=event.event_type,
                event_version=event.event_version,
                created_at=created_at,
                data=event.data,
                metadata=audit_metadata,
            )
            event_hash = chain_hash(previous_hash, canonical)
            signature = sign(event_hash)
            metadata = {**audit_metadata, "event_hash": event_hash,
                        "previous_event_hash": previous_hash or "", "signature": signature}
            sealed.append(StoredEvent(
                global_position=positions[len(sealed)] if positions else 0, event_id=event.event_id, tenant_id=tenant_id, aggregate_id=stream.aggregate_id,
                aggregate_type=stream.aggregate_type, aggregate_version=version, event_type=event.event_type,
                event_version=event.event_version, data=event.data, metadata=metadata, created_at=created_at,
                event_hash=event_hash, previous_event_hash=previous_hash, signature=signature,
            ))
            previous_hash = event_hash
    return sealed


def heads_after(sealed: Sequence[StoredEvent]) -> dict[str, Head]:
    """The heads of the streams these events end, once they are stored."""
    return {e.aggregate_id: Head(e.aggregate_version, e.event_hash, e.event_id) for e in sealed}
