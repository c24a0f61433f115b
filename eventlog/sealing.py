"""A commit's appends turned into the events the log stores: each stream checked at its expected
version, then every event numbered, given the command's metadata, chained to the stream's previous
hash and signed. The one rule for every store, so PostgreSQL and memory number and hash alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from eventlog.errors import WrongExpectedVersion
from eventlog.integrity import canonical_bytes, chain_hash
from eventlog.records import StoredEvent, StreamAppend

# A stream's head: its version and its last event's hash (0 and None for a new stream).
Head = tuple[int, str | None]


def seal(
    tenant_id: str, appends: Sequence[StreamAppend], heads: Mapping[str, Head], audit_metadata: dict[str, Any],
    created_at: datetime, sign: Callable[[str], str],
) -> list[StoredEvent]:
    """The events as they will be stored, but for their positions in the log (0 until the store
    gives them). Raises WrongExpectedVersion when a stream's head is not the version its append
    expects. Heads are those read before the commit: two appends to one stream in one commit number
    their events alike, which the store refuses as a conflict."""
    sealed: list[StoredEvent] = []
    for stream in appends:
        version, previous_hash = heads.get(stream.aggregate_id, (0, None))
        if version != stream.expected_version:
            raise WrongExpectedVersion(
                f"stream {stream.aggregate_id} is at version {version}, expected {stream.expected_version}",
                aggregate_id=stream.aggregate_id,
                actual_version=str(version),
            )
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
                global_position=0, event_id=event.event_id, tenant_id=tenant_id, aggregate_id=stream.aggregate_id,
                aggregate_type=stream.aggregate_type, aggregate_version=version, event_type=event.event_type,
                event_version=event.event_version, data=event.data, metadata=metadata, created_at=created_at,
                event_hash=event_hash, previous_event_hash=previous_hash, signature=signature,
            ))
            previous_hash = event_hash
    return sealed
