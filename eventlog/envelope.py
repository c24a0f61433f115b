"""Stored events -> protobuf EventEnvelope, the bus's public format: the envelope's framing (identity,
metadata, subject, headers). The payload inside it is converted by eventcodec.codec."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.events.v1 import envelope_pb2

from eventcodec.codec import message_json, payload_message
from eventlog.records import StoredEvent

# Bus subject context of each aggregate type.
CONTEXTS = {"Charge": "payments", "Dispute": "disputes", "Account": "accounts", "Ledger": "ledger",
            "Customer": "customers", "PaymentMethod": "customers", "PaymentIntent": "payments",
            "SetupIntent": "payments", "Erasure": "erasure"}

CONTENT_TYPE = "application/protobuf"


# Subject partitions: every event's subject ends with its aggregate's partition, so projector workers
# can share the stream by partition and still see each object's events in order (docs/events.md).
PARTITIONS = 16


def partition_of(aggregate_id: str) -> int:
    """The partition of an aggregate: CRC-32 of its id, modulo PARTITIONS (stable across processes)."""
    return zlib.crc32(aggregate_id.encode()) % PARTITIONS


def subject_for(prefix: str, aggregate_type: str, event_type: str, aggregate_id: str) -> str:
    return f"{prefix}.{CONTEXTS.get(aggregate_type, 'other')}.{event_type}.{partition_of(aggregate_id)}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp_of(moment: datetime) -> Timestamp:
    """Timestamp.FromDatetime (a naive datetime is UTC), in a fraction of its time."""
    since = moment - (_EPOCH if moment.tzinfo is not None else _EPOCH.replace(tzinfo=None))
    return Timestamp(seconds=since.days * 86_400 + since.seconds, nanos=since.microseconds * 1000)


def to_envelope(event: StoredEvent) -> envelope_pb2.EventEnvelope:
    occurred = timestamp_of(event.created_at)
    envelope = envelope_pb2.EventEnvelope(
        event_id=str(event.event_id),
        event_type=event.event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        aggregate_version=event.aggregate_version,
        event_version=event.event_version,
        global_position=event.global_position,
        tenant_id=event.tenant_id,
        occurred_at=occurred,
        metadata=envelope_metadata(event),
        commit_position=event.commit_position or event.global_position,
    )
    envelope.payload.Pack(payload_message(event.event_type, event.data))
    return envelope


def envelope_metadata(event: StoredEvent) -> envelope_pb2.EventMetadata:
    m = event.metadata
    return envelope_pb2.EventMetadata(
        correlation_id=m.get("correlation_id", ""),
        causation_id=m.get("causation_id", ""),
        request_id=m.get("request_id", ""),
        trace_id=m.get("trace_id", ""),
        user_id=m.get("user_id", ""),
        ip_address=m.get("ip_address", ""),
        jurisdiction=m.get("jurisdiction", ""),
        regulation=m.get("regulation", ""),
        data_classification=m.get("data_classification") or "DATA_CLASSIFICATION_UNSPECIFIED",
        retention_period=m.get("retention_period", ""),
        event_hash=event.event_hash,
        previous_event_hash=event.previous_event_hash or "",
        signature=event.signature,
        traceparent=m.get("traceparent", ""),
        key_kind=m.get("key_kind", ""),
        acting_platform=m.get("acting_platform", ""),
    )


# EventMetadata's string fields in field-number order (message_json's order), from the stored keys.
_METADATA_TEXT = ("correlation_id", "causation_id", "request_id", "trace_id", "user_id", "ip_address",
                  "jurisdiction", "regulation")
_CLASSIFICATIONS = frozenset(envelope_pb2.DataClassification.keys())


def envelope_metadata_json(event: StoredEvent) -> dict[str, Any]:
    """message_json(envelope_metadata(event)) without building the message (a rebuild decodes every
    event of the log): the non-empty fields in field order. Anything the direct form does not cover
    (a value that is not text, an unknown classification) takes the message's path."""
    m = event.metadata
    out: dict[str, Any] = {}
    for name in _METADATA_TEXT:
        value = m.get(name, "")
        if type(value) is not str:
            return message_json(envelope_metadata(event))
        if value:
            out[name] = value
    classification = m.get("data_classification") or "DATA_CLASSIFICATION_UNSPECIFIED"
    if classification not in _CLASSIFICATIONS:
        return message_json(envelope_metadata(event))
    if classification != "DATA_CLASSIFICATION_UNSPECIFIED":
        out["data_classification"] = classification
    retention = m.get("retention_period", "")
    if type(retention) is not str:
        return message_json(envelope_metadata(event))
    if retention:
        out["retention_period"] = retention
    for name, value in (("event_hash", event.event_hash), ("previous_event_hash", event.previous_event_hash or ""),
                        ("signature", event.signature), ("traceparent", m.get("traceparent", "")),
                        ("key_kind", m.get("key_kind", "")), ("acting_platform", m.get("acting_platform", ""))):
        if type(value) is not str:
            return message_json(envelope_metadata(event))
        if value:
            out[name] = value
    return out


def headers_for(event: StoredEvent) -> dict[str, str]:
    """Only what routing needs without decoding: every consumer pays for parsing each header of each
    message, and the envelope carries everything else."""
    headers = {
        "Nats-Msg-Id": str(event.event_id),
        "Content-Type": CONTENT_TYPE,
        "Ledgermesh-Event-Type": event.event_type,
        "Ledgermesh-Schema-Version": str(event.event_version),
    }
    traceparent = event.metadata.get("traceparent")
    if traceparent:
        headers["traceparent"] = traceparent
    return headers
