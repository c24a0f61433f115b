"""Stored events -> protobuf EventEnvelope, the bus's public format: the envelope's framing (identity,
metadata, subject, headers). The payload inside it is converted by eventcodec.codec."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.events.v1 import envelope_pb2

from eventcodec.codec import payload_message
from eventlog.records import StoredEvent

# Bus subject context of each aggregate type.
CONTEXTS = {"Charge": "payments", "Dispute": "disputes", "Account": "accounts", "Ledger": "ledger",
            "Erasure": "erasure"}

CONTENT_TYPE = "application/protobuf"


def subject_for(prefix: str, aggregate_type: str, event_type: str) -> str:
    return f"{prefix}.{CONTEXTS.get(aggregate_type, 'other')}.{event_type}"


def to_envelope(event: StoredEvent) -> envelope_pb2.EventEnvelope:
    occurred = Timestamp()
    occurred.FromDatetime(event.created_at)
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
    )


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
