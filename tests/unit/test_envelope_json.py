"""The direct payload conversion gives exactly what json_format gives, for every event type."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from ledgermesh.events.v1 import envelope_pb2

from eventlog.envelope import _numbers, event_classes, message_json, payload_json


def _filled(message: Message, seed: int) -> Message:
    """Every field set to a non-default value (nested messages too)."""
    for fd in message.DESCRIPTOR.fields:
        if fd.cpp_type == fd.CPPTYPE_MESSAGE:
            if fd.message_type.full_name == "google.protobuf.Timestamp":
                getattr(message, fd.name).FromSeconds(1_700_000_000 + seed)
            elif not fd.is_repeated:
                _filled(getattr(message, fd.name), seed + 1)
        elif fd.is_repeated:
            getattr(message, fd.name).extend([f"v{seed}", "w"])
        elif fd.cpp_type == fd.CPPTYPE_STRING:
            setattr(message, fd.name, f"{fd.name}-{seed}")
        elif fd.cpp_type == fd.CPPTYPE_BOOL:
            setattr(message, fd.name, True)
        elif fd.cpp_type == fd.CPPTYPE_ENUM:
            setattr(message, fd.name, fd.enum_type.values[-1].number)
        else:
            setattr(message, fd.name, 1_000_000_007 + seed)
    return message


def _reference(message: Message) -> dict[str, Any]:
    return _numbers(message, json_format.MessageToDict(message, preserving_proto_field_name=True))


def test_every_event_payload_converts_exactly_as_json_format_does() -> None:
    for name, cls in event_classes().items():
        for message in (cls(), _filled(cls(), 3)):
            converted = payload_json(message)
            assert converted == _reference(message), name
            assert list(converted) == list(_reference(message)), name


def test_metadata_converts_exactly_as_json_format_does() -> None:
    for metadata in (envelope_pb2.EventMetadata(), _filled(envelope_pb2.EventMetadata(), 5)):
        assert message_json(metadata) == json_format.MessageToDict(metadata, preserving_proto_field_name=True)


def test_a_stored_event_projects_as_its_envelope_does() -> None:
    import uuid
    from datetime import datetime, timedelta, timezone

    from eventlog.envelope import to_envelope
    from eventlog.records import StoredEvent
    from projector.adapters.jetstream_consumer import projected_event, stored_projected_event

    for created in (datetime(2026, 11, 25, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5))),
                    datetime(2026, 11, 25, 14, 0, 0, 5)):
        stored = StoredEvent(
            global_position=42, event_id=uuid.uuid4(), tenant_id="acct_1", aggregate_id="ch_1",
            aggregate_type="Charge", aggregate_version=2, event_type="ChargeRequested", event_version=2,
            data={"charge_id": "ch_1", "amount": 2000, "currency": "usd", "description": "", "capture": False,
                  "unknown": "dropped"},
            metadata={"correlation_id": "c1", "request_id": "", "data_classification": "DATA_CLASSIFICATION_FINANCIAL",
                      "traceparent": "00-abc"},
            created_at=created, event_hash="h2", previous_event_hash=None, signature="sig",
            tx_id=7, commit_position=0,
        )
        assert stored_projected_event(stored) == projected_event(to_envelope(stored))
        assert stored_projected_event(stored).created_at.isoformat() == \
            projected_event(to_envelope(stored)).created_at.isoformat()


def _defaults(descriptor: Any) -> dict[str, Any]:
    """Every field at its default value, in the shape the command service stores."""
    out: dict[str, Any] = {}
    for fd in descriptor.fields:
        if fd.is_repeated:
            out[fd.name] = {} if fd.cpp_type == fd.CPPTYPE_MESSAGE else []
        elif fd.cpp_type == fd.CPPTYPE_MESSAGE:
            out[fd.name] = ("2026-11-25T14:00:00.000000Z" if fd.message_type.full_name.endswith("Timestamp")
                            else _defaults(fd.message_type))
        elif fd.cpp_type == fd.CPPTYPE_STRING:
            out[fd.name] = ""
        elif fd.cpp_type == fd.CPPTYPE_BOOL:
            out[fd.name] = False
        elif fd.cpp_type == fd.CPPTYPE_ENUM:
            out[fd.name] = fd.enum_type.values[0].name
        else:
            out[fd.name] = 0
    return out


def test_stored_payloads_normalize_exactly_as_the_protobuf_round_trip_does() -> None:
    import json

    from eventlog.envelope import normalized_payload, payload_message

    for name, cls in event_classes().items():
        filled = _reference(_filled(cls(), 7))
        stored_style = {k: v for k, v in reversed(list(filled.items()))}
        for k, v in list(stored_style.items()):
            if isinstance(v, str) and v.endswith("Z") and "T" in v:
                stored_style[k] = v.replace("Z", ".120000Z")
        cases = [
            {}, filled, stored_style, _defaults(cls.DESCRIPTOR), {**_defaults(cls.DESCRIPTOR), **filled},
            {**filled, "not_a_field": {"x": 1}}, {**filled, "amount": "12"}, {**filled, "currency": None},
            {**filled, "chargeId": "camel"}, {**filled, "amount": 2**70}, {**filled, "capture": 1},
            {**filled, "metadata": {"order": "1", "a": "2"}}, {**filled, "metadata": {}},
        ]
        for data in cases:
            try:
                expected = json.dumps(payload_json(payload_message(name, data)))
            except Exception as exc:  # noqa: BLE001 - the fast path must fail the same way
                try:
                    normalized_payload(name, data)
                except Exception as raised:  # noqa: BLE001
                    assert type(raised) is type(exc), (name, data)
                    continue
                raise AssertionError(f"{name} {data} should fail like the round trip") from exc
            assert json.dumps(normalized_payload(name, data)) == expected, (name, data)


def test_a_payload_message_is_the_one_parse_dict_builds() -> None:
    from eventlog.envelope import payload_message

    for name, cls in event_classes().items():
        filled = _reference(_filled(cls(), 11))
        for data in ({}, filled, {**_defaults(cls.DESCRIPTOR), **filled}, _defaults(cls.DESCRIPTOR),
                     {**filled, "metadata": {"k": "v"}}, {**filled, "unknown": 1}):
            expected = json_format.ParseDict(data, cls(), ignore_unknown_fields=True)
            built = payload_message(name, data)
            assert built == expected, (name, data)
            assert built.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)
            assert [fd.name for fd, _ in built.ListFields()] == [fd.name for fd, _ in expected.ListFields()]
