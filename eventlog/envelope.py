"""Stored events <-> protobuf EventEnvelope, the bus's public format."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
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
    """The payload message of stored JSON: what json_format.ParseDict(ignore_unknown_fields=True)
    gives, built directly for the value kinds our payloads hold (ParseDict is the costliest step of
    publishing an event), else by ParseDict itself."""
    cls = event_classes()[event_type]
    try:
        normalized = _normalized(cls.DESCRIPTOR, data, top=True)
    except _NotPlain:
        return json_format.ParseDict(data, cls(), ignore_unknown_fields=True)
    message = cls()
    _fill(message, normalized)
    return message


def _fill(message: Message, normalized: dict[str, Any]) -> None:
    # Sets exactly the fields ParseDict would leave set: `normalized` holds only non-default values
    # and present messages, already checked by _normalized.
    fields: dict[str, _Descriptor] = message.DESCRIPTOR.fields_by_name  # type: ignore[assignment]
    for name, value in normalized.items():
        fd = fields[name]
        cpp = fd.cpp_type
        if fd.is_repeated:
            getattr(message, name).extend(value)
        elif cpp == fd.CPPTYPE_MESSAGE:
            sub = getattr(message, name)
            sub.SetInParent()
            if fd.message_type.full_name == _TIMESTAMP:
                sub.FromJsonString(value)
            else:
                _fill(sub, value)
        elif cpp == fd.CPPTYPE_ENUM:
            setattr(message, name, fd.enum_type.values_by_name[value].number)
        elif cpp == fd.CPPTYPE_INT64:
            setattr(message, name, int(value))
        else:
            setattr(message, name, value)


def normalized_payload(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """payload_json(payload_message(event_type, data)): stored JSON as the bus delivers it (unknown
    keys and default values dropped, fields in field-number order, timestamps in protobuf's form),
    computed without json_format for the value kinds our payloads hold; anything else takes the
    protobuf round trip, so the result is always exactly the round trip's."""
    cls = event_classes()[event_type]
    try:
        return _normalized(cls.DESCRIPTOR, data, top=True)
    except _NotPlain:
        return payload_json(payload_message(event_type, data))


_INT_RANGES = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
}


# Field and message descriptors are typed loosely (Any): protobuf's Python and upb implementations
# have distinct classes, and its stubs make every nested descriptor optional.
_Descriptor = Any


@cache
def _fields_in_order(descriptor: _Descriptor) -> tuple[_Descriptor, ...]:
    return tuple(sorted(descriptor.fields, key=lambda fd: fd.number))


@cache
def _json_names(descriptor: _Descriptor) -> frozenset[str]:
    return frozenset(fd.json_name for fd in descriptor.fields)


def _normalized(descriptor: _Descriptor, data: Any, top: bool) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _NotPlain
    by_name = descriptor.fields_by_name
    for key in data:
        # A JSON (camelCase) field name would be honoured by ParseDict.
        if key not in by_name and (key in _json_names(descriptor) or key.startswith("[")):
            raise _NotPlain
    out: dict[str, Any] = {}
    for fd in _fields_in_order(descriptor):
        if fd.name not in data:
            continue
        value = data[fd.name]
        cpp = fd.cpp_type
        if value is None or (fd.has_presence and cpp != fd.CPPTYPE_MESSAGE):
            raise _NotPlain
        if fd.is_repeated and cpp == fd.CPPTYPE_MESSAGE and fd.message_type.GetOptions().map_entry:
            # json_format's order of a map's keys is the map's own; only an empty map is certain.
            if value != {} or not isinstance(value, dict):
                raise _NotPlain
        elif fd.is_repeated:
            if cpp != fd.CPPTYPE_STRING or fd.type != fd.TYPE_STRING or not isinstance(value, list) \
                    or not all(isinstance(v, str) for v in value):
                raise _NotPlain
            if value:
                out[fd.name] = list(value)
        elif cpp == fd.CPPTYPE_STRING:
            if fd.type != fd.TYPE_STRING or not isinstance(value, str):
                raise _NotPlain
            if value:
                out[fd.name] = value
        elif cpp == fd.CPPTYPE_BOOL:
            if not isinstance(value, bool):
                raise _NotPlain
            if value:
                out[fd.name] = True
        elif cpp in _INT_RANGES:
            low, high = _INT_RANGES[cpp]
            if type(value) is not int or not low <= value <= high:
                raise _NotPlain
            if value:
                out[fd.name] = str(value) if cpp == fd.CPPTYPE_INT64 and not top else value
        elif cpp == fd.CPPTYPE_ENUM:
            known = fd.enum_type.values_by_name.get(value) if isinstance(value, str) else None
            if known is None:
                raise _NotPlain
            if known.number:
                out[fd.name] = value
        elif cpp == fd.CPPTYPE_MESSAGE:
            if fd.message_type.full_name == _TIMESTAMP:
                if not isinstance(value, str):
                    raise _NotPlain
                timestamp = Timestamp()
                try:
                    timestamp.FromJsonString(value)
                except (ValueError, TypeError, OverflowError) as exc:
                    raise _NotPlain from exc
                out[fd.name] = timestamp.ToJsonString()
            elif fd.message_type.full_name.startswith("google.protobuf."):
                raise _NotPlain
            else:
                out[fd.name] = _normalized(fd.message_type, value, top=False)
        else:
            raise _NotPlain
    return out


def payload_json(message: Message) -> dict[str, Any]:
    """Storage JSON of a payload message: proto field names, int64 kept as JSON numbers.

    The field kinds our events use are converted directly (json_format costs several times more
    and runs once per consumed event); a message with any other kind takes json_format's path, so
    the result is always exactly what json_format gives."""
    try:
        return _plain(message, top=True)
    except _NotPlain:
        data = json_format.MessageToDict(message, preserving_proto_field_name=True)
        return _numbers(message, data)


def message_json(message: Message) -> dict[str, Any]:
    """json_format.MessageToDict(message, preserving_proto_field_name=True), computed directly
    where the message's field kinds allow (see payload_json)."""
    try:
        return _plain(message, top=False)
    except _NotPlain:
        return json_format.MessageToDict(message, preserving_proto_field_name=True)


class _NotPlain(Exception):
    """A field kind the direct conversion does not cover."""


_TIMESTAMP = "google.protobuf.Timestamp"


def _plain(message: Message, top: bool) -> dict[str, Any]:
    # Mirrors json_format.MessageToDict(preserving_proto_field_name=True) for the kinds below:
    # ListFields gives the same fields in the same order; int64 is a string there, which
    # payload_json turns back into a number at the top level only.
    data: dict[str, Any] = {}
    fields: Sequence[tuple[_Descriptor, Any]] = message.ListFields()
    for fd, value in fields:
        cpp = fd.cpp_type
        if fd.is_repeated:
            if cpp != fd.CPPTYPE_STRING or fd.type != fd.TYPE_STRING:
                raise _NotPlain
            data[fd.name] = list(value)
        elif cpp == fd.CPPTYPE_STRING:
            if fd.type != fd.TYPE_STRING:
                raise _NotPlain
            data[fd.name] = value
        elif cpp in (fd.CPPTYPE_BOOL, fd.CPPTYPE_INT32):
            data[fd.name] = value
        elif cpp == fd.CPPTYPE_INT64:
            data[fd.name] = value if top else str(value)
        elif cpp == fd.CPPTYPE_ENUM:
            known = fd.enum_type.values_by_number.get(value)
            if known is None:
                raise _NotPlain
            data[fd.name] = known.name
        elif cpp == fd.CPPTYPE_MESSAGE:
            if fd.message_type.full_name == _TIMESTAMP:
                data[fd.name] = value.ToJsonString()
            elif fd.message_type.full_name.startswith("google.protobuf."):
                raise _NotPlain
            else:
                data[fd.name] = _plain(value, top=False)
        else:
            raise _NotPlain
    return data


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


def unpack_payload(envelope: envelope_pb2.EventEnvelope) -> Message:
    message = event_classes()[envelope.event_type]()
    if not envelope.payload.Unpack(message):
        raise ValueError(f"payload of {envelope.event_id} is not a {envelope.event_type}")
    return message


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
