"""A commit's appends turned into the events the log stores: each stream checked at its expected
version, then every event numbered, given the command's metadata, chained to the stream's previous
hash and signed. The one rule for every store, so PostgreSQL and memory number and hash alike."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventlog.errors import WrongExpectedVersion
from eventlog.integrity import canonical_bytes, chain_hash
from eventlog.records import StoredEvent, StreamAppend

# A stream's head: its version and its last event's hash (0 and None for a new stream).
Head = tuple[int, str | None]


@dataclass(frozen=True, slots=True)
class SealedEvent:
    """An event ready to store; only its position in the log is still to come."""

    event_id: uuid.UUID
    aggregate_id: str
    aggregate_type: str
    aggregate_version: int
    event_type: str
    event_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    event_hash: str
    previous_event_hash: str | None
    signature: str

    def stored(self, *, tenant_id: str, created_at: datetime, global_position: int, tx_id: int,
               commit_position: int) -> StoredEvent:
        return StoredEvent(
            global_position=global_position, event_id=self.event_id, tenant_id=tenant_id,
            aggregate_id=self.aggregate_id, aggregate_type=self.aggregate_type,
            aggregate_version=self.aggregate_version, event_type=self.event_type, event_version=self.event_version,
            data=self.data, metadata=self.metadata, created_at=created_at, event_hash=self.event_hash,
            previous_event_hash=self.previous_event_hash, signature=self.signature, tx_id=tx_id,
            commit_position=commit_position,
        )


def seal(
    tenant_id: str, appends: Sequence[StreamAppend], heads: Mapping[str, Head], audit_metadata: dict[str, Any],
    created_at: datetime, sign: Callable[[str], str],
) -> list[SealedEvent]:
    """Raises WrongExpectedVersion when a stream's head is not the version its append expects.
    Heads are those read before the commit: two appends to one stream in one commit number their
    events alike, which the store refuses as a conflict."""
    sealed: list[SealedEvent] = []
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
            sealed.append(SealedEvent(
                event.event_id, stream.aggregate_id, stream.aggregate_type, version, event.event_type,
                event.event_version, event.data, metadata, event_hash, previous_hash, signature,
            ))
            previous_hash = event_hash
    return sealed
