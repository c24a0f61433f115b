"""The one codec where events change form: every domain event matches its proto message field by field,
a round trip through storage and the bus gives back the same event, nothing unknown passes silently,
what is stored for existing events does not change, and the direct conversions give exactly what
json_format gives."""

from __future__ import annotations

import dataclasses
import json
import typing
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st
from ledgermesh.events.v1 import envelope_pb2

from command_svc.application.event_records import DOMAIN_EVENTS, from_stored, to_new_event
from command_svc.domain import events
from command_svc.domain.events import EVENT_TYPES
from eventcodec.codec import (
    EventCodec,
    EventSchemaError,
    format_timestamp,
    message_json,
    normalized_payload,
    payload_classes,
    payload_json,
    payload_message,
    unpack_payload,
)
from eventlog.envelope import to_envelope
from eventlog.records import StoredEvent
from eventlog.upcasting import upcast

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# --- Every field of every domain event exists in its proto message, and back ---------------------


def _proto_kind(fd: Any) -> str:
    if fd.type == FieldDescriptor.TYPE_MESSAGE and fd.message_type.GetOptions().map_entry:
        key, value = (fd.message_type.fields_by_name[n] for n in ("key", "value"))
        return f"map<{_proto_kind(key)}, {_proto_kind(value)}>"
    if fd.type == FieldDescriptor.TYPE_MESSAGE:
        kind = f"message {fd.message_type.full_name}"
    elif fd.type == FieldDescriptor.TYPE_ENUM:
        kind = f"enum {fd.enum_type.full_name}"
    else:
        kind = {FieldDescriptor.TYPE_STRING: "string", FieldDescriptor.TYPE_INT32: "int32",
                FieldDescriptor.TYPE_INT64: "int64", FieldDescriptor.TYPE_BOOL: "bool"}.get(fd.type, f"type {fd.type}")
    return f"repeated {kind}" if fd.is_repeated else kind


def _proto_kinds_for(hint: Any) -> set[str]:
    """The proto field types a dataclass field annotated `hint` may mirror (domain/events.py's contract)."""
    if hint is str:
        return {"string"}
    if hint is int:
        return {"int32", "int64"}
    if hint is bool:
        return {"bool"}
    if hint == tuple[str, ...]:
        return {"repeated string"}
    if hint == Mapping[str, str]:
        return {"map<string, string>"}
    if hint == datetime | None:
        return {"message google.protobuf.Timestamp"}
    if isinstance(hint, type) and issubclass(hint, Enum):
        return {f"enum ledgermesh.events.v1.{hint.__name__}"}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return {f"message ledgermesh.events.v1.{hint.__name__}"}
    return set()


def _assert_mirrors(cls: type, descriptor: Any) -> None:
    hints = typing.get_type_hints(cls)
    dataclass_fields = [f.name for f in dataclasses.fields(cls)]
    proto_fields = list(descriptor.fields_by_name)
    assert sorted(dataclass_fields) == sorted(proto_fields), f"{cls.__name__} vs {descriptor.full_name}"
    for name in dataclass_fields:
        fd = descriptor.fields_by_name[name]
        hint = hints[name]
        assert _proto_kind(fd) in _proto_kinds_for(hint), f"{cls.__name__}.{name}: {hint} vs {_proto_kind(fd)}"
        if fd.type == FieldDescriptor.TYPE_ENUM:
            prefix = fd.enum_type.values_by_number[0].name.removesuffix("UNSPECIFIED")
            assert {m.name: m.value for m in hint} == {
                v.name.removeprefix(prefix): v.number for v in fd.enum_type.values}, f"{cls.__name__}.{name}"
        elif fd.type == FieldDescriptor.TYPE_MESSAGE and dataclasses.is_dataclass(hint):
            _assert_mirrors(hint, fd.message_type)


def test_every_proto_event_message_has_a_domain_event_and_back() -> None:
    assert sorted(EVENT_TYPES) == sorted(payload_classes())
    assert DOMAIN_EVENTS.event_types == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_field_of_a_domain_event_is_in_its_proto_message_with_a_compatible_type_and_back(
        event_type: str) -> None:
    _assert_mirrors(EVENT_TYPES[event_type], payload_classes()[event_type].DESCRIPTOR)


# --- A field that its proto message lacks fails loudly ---------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class FraudCheckCompleted:
    """FraudCheckCompleted with a field the proto message does not have."""

    charge_id: str = ""
    risk_score: int = 0
    decision: events.FraudDecision = events.FraudDecision.UNSPECIFIED
    rules_triggered: tuple[str, ...] = ()
    risk_level: str = ""
    reviewed_by: str = ""


def test_a_domain_event_with_a_field_its_proto_message_lacks_cannot_be_encoded() -> None:
    with pytest.raises(EventSchemaError, match="reviewed_by"):
        EventCodec({"FraudCheckCompleted": FraudCheckCompleted})


class _Decision(Enum):
    UNSPECIFIED = 0
    ALLOW = 1
    REVIEW = 2
    BLOCK = 4


def _variant(cls: type, **changes: tuple[Any, Any]) -> type:
    """`cls` rebuilt under the same name with some fields' (type, default) changed, or dropped (None)."""
    fields = []
    for f in dataclasses.fields(cls):
        if f.name not in changes:
            same = (dataclasses.field(default=f.default) if f.default is not dataclasses.MISSING
                    else dataclasses.field(default_factory=f.default_factory))
            fields.append((f.name, f.type, same))
        elif changes[f.name] is not None:
            tp, default = changes[f.name]
            fields.append((f.name, tp, dataclasses.field(default=default)))
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True, kw_only=True)


@pytest.mark.parametrize(("event_type", "changes", "complaint"), [
    ("FraudCheckCompleted", {"risk_level": None}, "risk_level"),
    ("ChargeRequested", {"amount": (str, "")}, "ChargeRequested.amount"),
    ("ChargeRequested", {"capture": (bool, True)}, "ChargeRequested.capture defaults to True"),
    ("PaymentAuthorized", {"expires_at": (datetime, datetime(2026, 1, 1, tzinfo=UTC))}, "expires_at"),
    ("FraudCheckCompleted", {"decision": (_Decision, _Decision.UNSPECIFIED)}, "FRAUD_DECISION_BLOCK"),
    ("FraudCheckCompleted", {"rules_triggered": (list[str], ())}, "rules_triggered"),
])
def test_a_domain_event_that_differs_from_its_proto_message_cannot_be_encoded(
        event_type: str, changes: dict[str, Any], complaint: str) -> None:
    with pytest.raises(EventSchemaError, match=complaint):
        EventCodec({event_type: _variant(EVENT_TYPES[event_type], **changes)})


def test_a_nested_message_that_differs_from_its_dataclass_cannot_be_encoded() -> None:
    card = _variant(events.Card, funding=None)
    charge = _variant(events.ChargeRequested, card=(card, card()))
    with pytest.raises(EventSchemaError, match="funding"):
        EventCodec({"ChargeRequested": charge})


def test_an_event_the_codec_was_not_given_cannot_be_encoded() -> None:
    with pytest.raises(EventSchemaError, match="FraudCheckCompleted"):
        DOMAIN_EVENTS.to_stored(FraudCheckCompleted(charge_id="ch_1"))  # type: ignore[arg-type]


def _stored(event_type: str, data: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        global_position=1, event_id=uuid.uuid4(), tenant_id="acct_1", aggregate_id="ch_1", aggregate_type="Charge",
        aggregate_version=1, event_type=event_type, event_version=1, data=data, metadata={},
        created_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC), event_hash="h", previous_event_hash=None,
        signature="s")


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_a_stored_payload_with_a_field_its_message_lacks_is_never_published(event_type: str) -> None:
    filled = _reference(_filled(payload_classes()[event_type](), 5))
    # The second case also holds a value only json_format converts, so the slower path is refused too.
    for data in ({**filled, "risk_notes": "x"}, {**filled, "risk_notes": "x", list(filled)[0]: None}):
        with pytest.raises(EventSchemaError, match="risk_notes"):
            payload_message(event_type, data)
        with pytest.raises(EventSchemaError, match="risk_notes"):
            normalized_payload(event_type, data)
        with pytest.raises(EventSchemaError, match="risk_notes"):
            to_envelope(_stored(event_type, data))


def test_a_nested_field_its_message_lacks_is_never_published() -> None:
    data = {"charge_id": "ch_1", "amount": "12", "card": {"brand": "visa", "cvc_check": "pass"}}
    with pytest.raises(EventSchemaError, match="card.cvc_check"):
        payload_message("ChargeRequested", data)


def test_a_stored_payload_with_a_field_its_dataclass_lacks_cannot_be_decoded() -> None:
    with pytest.raises(EventSchemaError, match="source_token"):
        from_stored("ChargeRequested", {"charge_id": "ch_1", "source_token": "tok_visa"})


def test_an_enum_value_the_proto_lacks_cannot_be_decoded() -> None:
    with pytest.raises(EventSchemaError, match="FRAUD_DECISION_MAYBE"):
        from_stored("FraudCheckCompleted", {"decision": "FRAUD_DECISION_MAYBE"})


# --- What is stored for existing events does not change (the hash chain covers it) -----------------

_AT = datetime(2026, 11, 25, 14, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(("event", "stored"), [
    (events.ChargeRequested(
        charge_id="ch_1", amount=2000, currency="usd", source="tok_visa", merchant_id="acct_1",
        metadata={"order_id": "42"}, capture=True,
        card=events.Card(brand="visa", last4="4242", fingerprint="fp_1", country="US", exp_month=12, exp_year=2030,
                         funding="credit")),
     '{"charge_id": "ch_1", "amount": 2000, "currency": "usd", "source": "tok_visa", "merchant_id": "acct_1", '
     '"metadata": {"order_id": "42"}, "capture": true, "description": "", "customer": "", "card": {"brand": "visa", '
     '"last4": "4242", "fingerprint": "fp_1", "country": "US", "exp_month": 12, "exp_year": 2030, '
     '"funding": "credit"}, "statement_descriptor": "", "receipt_email": "", "ip_country": "", '
     '"payment_intent": "", "payment_method": ""}'),
    (events.FraudCheckCompleted(charge_id="ch_1", risk_score=12, decision=events.FraudDecision.REVIEW,
                                rules_triggered=("velocity", "country_mismatch"), risk_level="elevated"),
     '{"charge_id": "ch_1", "risk_score": 12, "decision": "FRAUD_DECISION_REVIEW", '
     '"rules_triggered": ["velocity", "country_mismatch"], "risk_level": "elevated"}'),
    (events.PaymentAuthorized(charge_id="ch_1", amount=2000, currency="usd", authorization_code="A1",
                              network_transaction_id="n_1", expires_at=_AT),
     '{"charge_id": "ch_1", "amount": 2000, "currency": "usd", "authorization_code": "A1", '
     '"network_transaction_id": "n_1", "expires_at": "2026-11-25T14:00:00.123456Z"}'),
    (events.PaymentCaptured(charge_id="ch_1", captured_amount=2000, currency="usd", processing_fees=88,
                            net_amount=1912),
     '{"charge_id": "ch_1", "captured_amount": 2000, "currency": "usd", "processing_fees": 88, "net_amount": 1912, '
     '"released_amount": 0, "balance_transaction_id": ""}'),
    (events.LedgerEntryPosted(entry_id="txn_1", account_id="acct_1", currency="usd",
                              type=events.LedgerEntryType.DISPUTE_LOSS, amount=-2000, available_delta=-2000,
                              available_on=_AT, settled_entry_ids=("txn_0",)),
     '{"entry_id": "txn_1", "account_id": "acct_1", "currency": "usd", "type": "LEDGER_ENTRY_TYPE_DISPUTE_LOSS", '
     '"source_id": "", "amount": -2000, "fee": 0, "net": 0, "available_delta": -2000, "pending_delta": 0, '
     '"reserved_delta": 0, "available_on": "2026-11-25T14:00:00.123456Z", "description": "", '
     '"settled_entry_ids": ["txn_0"]}'),
])
def test_an_event_is_stored_exactly_as_before(event: events.DomainEvent, stored: str) -> None:
    # The expected JSON is what the previous codec (command_svc/adapters/event_codec.py) stored.
    new_event = to_new_event(event)
    assert json.dumps(new_event.data) == stored
    assert from_stored(new_event.event_type, json.loads(stored)) == event


def test_a_charge_requested_stored_before_it_named_its_payment_intent_reads_as_a_direct_charge() -> None:
    stored = {"charge_id": "ch_1", "amount": 2000, "currency": "usd", "source": "tok_visa", "merchant_id": "acct_1",
              "metadata": {}, "capture": True, "description": "", "customer": "", "card": {},
              "statement_descriptor": "", "receipt_email": "", "ip_country": ""}
    event = from_stored("ChargeRequested", stored)
    assert isinstance(event, events.ChargeRequested)
    assert event.payment_intent == "" and event.payment_method == "" and event.amount == 2000


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.sampled_from([UTC, None])))
def test_timestamps_are_written_as_the_hash_chain_has_always_hashed_them(ts: datetime) -> None:
    aware = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    assert format_timestamp(aware) == aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_v1_charge_requested_is_upcast_then_decoded_and_published() -> None:
    fixture = json.loads((FIXTURES / "charge_requested_v1.json").read_text())
    with pytest.raises(EventSchemaError, match="source_token"):
        payload_message("ChargeRequested", fixture["data"])

    version, data = upcast("ChargeRequested", fixture["event_version"], fixture["data"])

    event = from_stored("ChargeRequested", data)
    assert version == 2 and isinstance(event, events.ChargeRequested)
    assert (event.source, event.capture, event.card.last4) == ("tok_visa", True, "4242")
    assert payload_json(payload_message("ChargeRequested", data))["source"] == "tok_visa"


# --- Round trip: dataclass -> stored JSON -> protobuf on the bus -> stored JSON -> dataclass ---------

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_INT_BOUNDS = {FieldDescriptor.TYPE_INT32: 2**31, FieldDescriptor.TYPE_INT64: 2**63}


def _values(hint: Any, fd: Any) -> st.SearchStrategy[Any]:
    if hint is str:
        return _TEXT
    if hint is bool:
        return st.booleans()
    if hint is int:
        bound = _INT_BOUNDS[fd.type]
        return st.integers(-bound, bound - 1)
    if hint == tuple[str, ...]:
        return st.lists(_TEXT, max_size=4).map(tuple)
    if hint == Mapping[str, str]:
        return st.dictionaries(_TEXT, _TEXT, max_size=4)
    if hint == datetime | None:
        return st.none() | st.datetimes(timezones=st.just(UTC))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(list(hint))
    return _events(hint, fd.message_type)


def _events(cls: type, descriptor: Any) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: _values(hints[f.name], descriptor.fields_by_name[f.name])
                             for f in dataclasses.fields(cls)})


_ANY_EVENT = st.one_of([_events(cls, payload_classes()[name].DESCRIPTOR) for name, cls in EVENT_TYPES.items()])


@settings(max_examples=500, deadline=None)
@given(_ANY_EVENT)
def test_an_event_survives_storage_and_the_bus_unchanged(event: events.DomainEvent) -> None:
    new_event = to_new_event(event)
    stored = json.loads(json.dumps(new_event.data))  # as jsonb gives it back
    assert from_stored(new_event.event_type, stored) == event

    on_the_bus = envelope_pb2.EventEnvelope.FromString(
        to_envelope(_stored(new_event.event_type, stored)).SerializeToString())
    delivered = payload_json(unpack_payload(on_the_bus))

    assert from_stored(on_the_bus.event_type, delivered) == event
    assert normalized_payload(new_event.event_type, stored) == delivered
    assert delivered == _reference(json_format.ParseDict(stored, payload_classes()[new_event.event_type]()))


# --- The direct conversions give exactly what json_format gives ------------------------------------


def _filled(message: Message, seed: int) -> Message:
    """Every field set to a non-default value (nested messages and maps too)."""
    for fd in message.DESCRIPTOR.fields:
        if fd.cpp_type == fd.CPPTYPE_MESSAGE:
            if fd.message_type.full_name == "google.protobuf.Timestamp":
                timestamp = getattr(message, fd.name)
                timestamp.seconds = (1_700_000_000 + seed, -62_135_596_800, 253_402_300_799)[seed % 3]
                timestamp.nanos = (0, 120_000_000, 123_456_000, 123_456_789, 999_999_999)[seed % 5]
            elif fd.message_type.GetOptions().map_entry:
                getattr(message, fd.name).update({f"k{seed}": "v", "a": f"w{seed}", "order": "1"})
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
    """json_format's JSON of a payload, int64 as numbers at the top level and maps in key order."""
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    for fd in message.DESCRIPTOR.fields:
        if fd.name in data and fd.cpp_type == fd.CPPTYPE_INT64 and not fd.is_repeated:
            data[fd.name] = int(data[fd.name])
        elif fd.name in data and fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            data[fd.name] = dict(sorted(data[fd.name].items()))
    return data


def test_every_event_payload_converts_exactly_as_json_format_does() -> None:
    for name, cls in payload_classes().items():
        for message in (cls(), *(_filled(cls(), seed) for seed in range(15))):
            converted = payload_json(message)
            assert converted == _reference(message), name
            assert list(converted) == list(_reference(message)), name


def test_a_map_is_delivered_in_key_order_whatever_order_the_message_holds_it_in() -> None:
    keys = [f"order_{n * 7919 % 101}" for n in range(40)]
    message = payload_classes()["ChargeRequested"](metadata={key: "v" for key in keys})
    received = type(message).FromString(message.SerializeToString())
    assert list(payload_json(message)["metadata"]) == list(payload_json(received)["metadata"]) == sorted(keys)
    stored = {"charge_id": "ch_1", "metadata": {key: "v" for key in keys}}
    assert list(normalized_payload("ChargeRequested", stored)["metadata"]) == sorted(keys)


def test_metadata_converts_exactly_as_json_format_does() -> None:
    for metadata in (envelope_pb2.EventMetadata(), _filled(envelope_pb2.EventMetadata(), 5)):
        assert message_json(metadata) == json_format.MessageToDict(metadata, preserving_proto_field_name=True)


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


def _stored_cases(cls: type[Message]) -> list[dict[str, Any]]:
    filled = _reference(_filled(cls(), 7))
    stored_style = {k: v for k, v in reversed(list(filled.items()))}
    for k, v in list(stored_style.items()):
        if isinstance(v, str) and v.endswith("Z") and "T" in v:
            stored_style[k] = v.replace("Z", ".120000Z")
    timestamps = [fd.name for fd in cls.DESCRIPTOR.fields if fd.message_type is not None
                  and fd.message_type.full_name == "google.protobuf.Timestamp"]
    odd_times = [{**filled, **{name: text for name in timestamps}} for text in (
        "2026-11-25T14:00:00Z", "2026-11-25T14:00:00.5Z", "2026-11-25T14:00:00.123456789Z",
        "2026-11-25T14:00:00.000001000Z", "0001-01-01T00:00:00Z", "2026-11-25T14:00:00+01:00",
        "2026-02-30T14:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25t14:00:00Z", "2026-11-25T14:00:00.1234567890Z",
        "2026-11-25 14:00:00Z")] if timestamps else []
    camel = next(fd for fd in cls.DESCRIPTOR.fields if fd.json_name != fd.name)
    candidates = [
        {}, filled, stored_style, _defaults(cls.DESCRIPTOR), {**_defaults(cls.DESCRIPTOR), **filled},
        {**filled, "amount": "12"}, {**filled, "currency": None}, {**filled, camel.json_name: "camel"},
        {camel.json_name: "camel"}, {**filled, "amount": 2**70}, {**filled, "capture": 1},
        {**filled, "metadata": {"order": "1", "a": "2"}}, {**filled, "metadata": {}},
        {**filled, "metadata": {"order": 1}}, {**filled, "card": {"exp_month": "12"}}, *odd_times,
    ]
    # Unknown keys are refused before json_format sees them (see the tests above).
    names = {fd.name for fd in cls.DESCRIPTOR.fields} | {fd.json_name for fd in cls.DESCRIPTOR.fields}
    return [case for case in candidates if set(case) <= names]


def test_stored_payloads_normalize_exactly_as_the_protobuf_round_trip_does() -> None:
    for name, cls in payload_classes().items():
        for data in _stored_cases(cls):
            try:
                expected = json.dumps(_reference(json_format.ParseDict(data, cls())))
            except Exception as exc:  # noqa: BLE001 - the direct path must fail the same way
                with pytest.raises(type(exc)):
                    normalized_payload(name, data)
                continue
            assert json.dumps(normalized_payload(name, data)) == expected, (name, data)


def test_a_payload_message_is_the_one_parse_dict_builds() -> None:
    for name, cls in payload_classes().items():
        for data in _stored_cases(cls):
            try:
                expected = json_format.ParseDict(data, cls())
            except Exception as exc:  # noqa: BLE001 - the direct path must fail the same way
                with pytest.raises(type(exc)):
                    payload_message(name, data)
                continue
            built = payload_message(name, data)
            assert built == expected, (name, data)
            assert built.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)
            assert [fd.name for fd, _ in built.ListFields()] == [fd.name for fd, _ in expected.ListFields()]

