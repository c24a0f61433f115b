"""Stored events <-> protobuf EventEnvelope, the bus's public format."""

from __future__ import annotations

from functools import cache
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.events.v1 import (
    account_events_pb2,
    dispute_events_pb2,
    envelope_pb2,
    ledger_events_pb2,
    payment_events_pb2,
)

from eventlog.records import StoredEvent

_EVENT_MODULES = (payment_events_pb2, dispute_events_pb2, account_events_pb2, ledger_events_pb2)

# Bus subject context of each aggregate type.
CONTEXTS = {"Charge": "payments", "Dispute": "disputes", "Account": "accounts", "Ledger": "ledger"}

CONTENT_TYPE = "application/protobuf"


@cache
def event_classes() -> dict[str, type[Message]]:
    """Event type name -> generated message class, for every event of ledgermesh.events.v1."""
    classes: dict[str, type[Message]] = {}
    for module in _EVENT_MODULES:
        for name in module.DESCRIPTOR.message_types_by_name:
            if name != "Card":
                classes[name] = getattr(module, name)
    return classes


def payload_message(event_type: str, data: dict[str, Any]) -> Message:
    cls = event_classes()[event_type]
    return json_format.ParseDict(data, cls(), ignore_unknown_fields=True)


def payload_json(message: Message) -> dict[str, Any]:
    """Storage JSON of a payload message: proto field names, int64 kept as JSON numbers."""
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return _numbers(message, data)


def _numbers(message: Message, data: dict[str, Any]) -> dict[str, Any]:
    for fd in message.DESCRIPTOR.fields:
        if fd.name in data and fd.cpp_type in (fd.CPPTYPE_INT64, fd.CPPTYPE_UINT64) and not fd.is_repeated:
            data[fd.name] = int(data[fd.name])
    return data


def subject_for(prefix: str, aggregate_type: str, event_type: str) -> str:
    return f"{prefix}.{CONTEXTS.get(aggregate_type, 'other')}.{event_type}"


def to_envelope(event: StoredEvent) -> envelope_pb2.EventEnvelope:
    occurred = Timestamp()
    occurred.FromDatetime(event.created_at)
    m = event.metadata
    metadata = envelope_pb2.EventMetadata(
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
        metadata=metadata,
        commit_position=event.commit_position or event.global_position,
    )
    envelope.payload.Pack(payload_message(event.event_type, event.data))
    return envelope


def unpack_payload(envelope: envelope_pb2.EventEnvelope) -> Message:
    message = event_classes()[envelope.event_type]()
    if not envelope.payload.Unpack(message):
        raise ValueError(f"payload of {envelope.event_id} is not a {envelope.event_type}")
    return message


def headers_for(event: StoredEvent) -> dict[str, str]:
    headers = {
        "Nats-Msg-Id": str(event.event_id),
        "Content-Type": CONTENT_TYPE,
        "Ledgermesh-Event-Type": event.event_type,
        "Ledgermesh-Schema-Version": str(event.event_version),
        "Ledgermesh-Aggregate-Id": event.aggregate_id,
        "Ledgermesh-Aggregate-Version": str(event.aggregate_version),
        "Ledgermesh-Global-Position": str(event.global_position),
        "Ledgermesh-Tenant-Id": event.tenant_id,
        "Ledgermesh-Committed-At": f"{event.created_at.timestamp():.6f}",
    }
    traceparent = event.metadata.get("traceparent")
    if traceparent:
        headers["traceparent"] = traceparent
    return headers
