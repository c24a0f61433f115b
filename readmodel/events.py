"""Events as the read models receive them, and the event record: how the events API and the audit
trails store an event with its metadata (JSON), and how it reads back as its bus envelope."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from ledgermesh.events.v1 import envelope_pb2

from eventcodec.codec import payload_classes, payload_message
from readmodel.values import micros

# json.dumps(record, sort_keys=True) without making an encoder per record (the records already stored
# were written by json.dumps: the text must stay byte for byte the same).
_RECORD_JSON = json.JSONEncoder(sort_keys=True).encode


@dataclass(frozen=True)
class ProjectedEvent:
    """One event of the log, decoded once for every projection (which must not mutate it)."""

    event_id: str
    event_type: str
    aggregate_id: str
    aggregate_type: str
    aggregate_version: int
    global_position: int
    tenant_id: str
    created_at: datetime
    # The generated message of `event_type`: a field the schema lacks is an AttributeError, an absent
    # one its proto default (the JSON mapping drops defaults, so absence is no error).
    payload: Message
    # The payload as the bus's JSON mapping gives it, for the event records.
    payload_json: Mapping[str, Any]
    metadata: Mapping[str, Any]
    # Highest position of the event's transaction: what read models record for read-your-writes.
    commit_position: int = 0

    # Cached: several projections read them for each event.
    @cached_property
    def created_us(self) -> int:
        return micros(self.created_at)

    @cached_property
    def day(self) -> str:
        created = self.created_at
        # isoformat is strftime's text (and several times faster) from year 1000 on.
        return created.date().isoformat() if created.year >= 1000 else created.strftime("%Y-%m-%d")

    @cached_property
    def record(self) -> str:
        """The event record (JSON), written once per event however many read models store it."""
        return _RECORD_JSON({
            "event_id": self.event_id, "event_type": self.event_type, "aggregate_id": self.aggregate_id,
            "aggregate_type": self.aggregate_type, "aggregate_version": self.aggregate_version,
            "global_position": self.global_position, "commit_position": self.commit_position,
            "tenant_id": self.tenant_id, "occurred_at": self.created_at.isoformat(),
            "data": self.payload_json, "metadata": self.metadata,
        })


def envelope_from_record(raw: str) -> envelope_pb2.EventEnvelope:
    record = json.loads(raw)
    envelope = envelope_pb2.EventEnvelope(
        event_id=record["event_id"], event_type=record["event_type"], aggregate_type=record["aggregate_type"],
        aggregate_id=record["aggregate_id"], aggregate_version=record["aggregate_version"],
        global_position=record["global_position"], tenant_id=record["tenant_id"],
        commit_position=record.get("commit_position", 0),
    )
    envelope.occurred_at.FromDatetime(datetime.fromisoformat(record["occurred_at"]))
    json_format.ParseDict(record.get("metadata") or {}, envelope.metadata)
    # An event type this build does not know keeps its identity, without a payload.
    if record["event_type"] in payload_classes():
        envelope.payload.Pack(payload_message(record["event_type"], record.get("data") or {}))
    return envelope
