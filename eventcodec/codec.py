"""Where events change form: domain dataclass <-> stored JSON <-> protobuf payload message.

- The domain dataclass (command_svc.domain.events) is what deciders return and folds consume.
- The stored JSON is the jsonb payload in PostgreSQL, covered by the hash chain: proto field names,
  enum value names, RFC 3339 timestamps with microseconds, integers as JSON numbers (so SQL can filter
  on amounts), every field present but unset timestamps.
- The payload message is the generated class of ledgermesh.events.v1 packed into the bus's
  EventEnvelope. Its JSON form (`payload_json`) is the stored JSON as the bus delivers it: default
  values dropped, fields in field-number order, map keys sorted, timestamps in protobuf's form.

Why a package of its own, importing nothing of the project but gen/: every service needs one of these
conversions (the command service stores and loads dataclasses, the event log packs envelopes, the
projector and the gateway unpack them, the query service repacks read-model records), while the domain
may not import protobuf, the gateway and the query service may not import eventlog, and the gateway may
not import the domain. So the codec knows no domain class: `EventCodec` is generic over dataclasses and
its caller (command_svc.adapters) hands it the domain's event classes, each checked field by field
against its proto message when the codec is built. The event log keeps only the envelope's framing.

Nothing is dropped silently on the way to the bus: a dataclass whose fields differ from its message's
(either way, by name or type; enums by member name and number; defaults that the bus would not
carry) cannot be registered, and a stored payload with a key its message lacks cannot be encoded.
Both raise `EventSchemaError`.

Speed: json_format was the costliest step of publishing and consuming events, so the value kinds our
events use are converted directly; anything else takes json_format's path (never with
`ignore_unknown_fields`), and tests hold the direct conversions equal to json_format's."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from typing import Any, Final, Generic, TypeVar

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from ledgermesh.events.v1 import (
    account_events_pb2,
    customer_events_pb2,
    dispute_events_pb2,
    envelope_pb2,
    erasure_events_pb2,
    ledger_events_pb2,
    payment_events_pb2,
    payment_intent_events_pb2,
)

from eventcodec.personal import SEALED_VERSION, bus_form, sealed_text

_EVENT_MODULES = (payment_events_pb2, dispute_events_pb2, account_events_pb2, ledger_events_pb2,
                  customer_events_pb2, payment_intent_events_pb2, erasure_events_pb2)
# Messages of ledgermesh.events.v1 that are parts of events, not events.
_EVENT_PARTS = frozenset({"Card", "CustomerAddress"})

E = TypeVar("E")

# Field and message descriptors are typed loosely (Any): protobuf's Python and upb implementations
# have distinct classes, and its stubs make every nested descriptor optional.
_Descriptor = Any


class EventSchemaError(Exception):
    """An event and its proto message disagree: a field would be lost or changed on the bus."""


@cache
def payload_classes() -> dict[str, type[Message]]:
    """Event type name -> generated message class, for every event of ledgermesh.events.v1."""
    classes: dict[str, type[Message]] = {}
    for module in _EVENT_MODULES:
        for name in module.DESCRIPTOR.message_types_by_name:
            if name not in _EVENT_PARTS:
                classes[name] = getattr(module, name)
    return classes


def unpack_payload(envelope: envelope_pb2.EventEnvelope) -> Message:
    """The payload message of an envelope. KeyError for an event type this build does not know."""
    message = payload_classes()[envelope.event_type]()
    if not envelope.payload.Unpack(message):
        raise ValueError(f"payload of {envelope.event_id} is not a {envelope.event_type}")
    return message


# --- Timestamps ----------------------------------------------------------------------------------


def format_timestamp(ts: datetime) -> str:
    """RFC 3339 UTC with microseconds: the one textual form of a timestamp in hashes and payloads."""
    # isoformat of a UTC datetime ends in "+00:00"; unlike strftime it zero-pads years before 1000.
    return ts.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


_TIMESTAMP_TEXT = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z")
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()


def _timestamp_parts(text: str) -> tuple[int, int, str]:
    """(seconds, nanos, Timestamp.ToJsonString()) of what Timestamp.FromJsonString accepts, for the
    forms our payloads hold (FromJsonString costs more than the rest of a payload's conversion);
    _NotPlain for anything else, so that FromJsonString itself decides."""
    match = _TIMESTAMP_TEXT.fullmatch(text)
    if match is None:
        raise _NotPlain
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        day_ordinal = date(int(year), int(month), int(day)).toordinal()
    except ValueError as exc:
        raise _NotPlain from exc
    if int(hour) > 23 or int(minute) > 59 or int(second) > 59:
        raise _NotPlain
    seconds = (day_ordinal - _EPOCH_ORDINAL) * 86_400 + int(hour) * 3600 + int(minute) * 60 + int(second)
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    return seconds, nanos, text[:19] + _fraction(nanos) + "Z"


# Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def _timestamp_text(seconds: int, nanos: int) -> str:
    """Timestamp.ToJsonString() of a valid timestamp, several times faster."""
    if not (_MIN_SECONDS <= seconds <= _MAX_SECONDS and 0 <= nanos < 1_000_000_000):
        raise _NotPlain
    days, in_day = divmod(seconds, 86_400)
    hour, in_hour = divmod(in_day, 3600)
    minute, second = divmod(in_hour, 60)
    day = date.fromordinal(_EPOCH_ORDINAL + days).isoformat()
    return f"{day}T{hour:02d}:{minute:02d}:{second:02d}{_fraction(nanos)}Z"


def _fraction(nanos: int) -> str:
    # As ToJsonString: 0, 3, 6 or 9 fractional digits, as few as the value needs.
    if nanos == 0:
        return ""
    if nanos % 1_000_000 == 0:
        return f".{nanos // 1_000_000:03d}"
    if nanos % 1_000 == 0:
        return f".{nanos // 1_000:06d}"
    return f".{nanos:09d}"


# --- Domain dataclass <-> stored JSON ------------------------------------------------------------

# How a field's value becomes stored JSON and back; None: it is stored as it is.
_Convert = Callable[[Any], Any] | None


@dataclasses.dataclass(frozen=True)
class _Shape:
    """One dataclass as the JSON of its proto message, field by field."""

    cls: type
    message_name: str
    encoders: tuple[tuple[str, _Convert], ...]
    decoders: Mapping[str, _Convert]

    def encode(self, value: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, encoder in self.encoders:
            field_value = getattr(value, name)
            if field_value is not None:
                data[name] = field_value if encoder is None else encoder(field_value)
        return data

    def decode(self, data: Mapping[str, Any]) -> Any:
        decoders = self.decoders
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            if name not in decoders:
                unknown = sorted(set(data) - set(decoders))
                raise EventSchemaError(f"stored {self.message_name} holds fields it does not have: {unknown}")
            decoder = decoders[name]
            kwargs[name] = value if decoder is None else decoder(value)
        return self.cls(**kwargs)


class EventCodec(Generic[E]):
    """Domain event dataclasses <-> stored JSON, for the event classes it is given (keyed by event type,
    which is each class's name), every one checked against its proto message on construction."""

    def __init__(self, event_classes: Mapping[str, type[E]]) -> None:
        messages = payload_classes()
        self._by_class: dict[type, tuple[str, _Shape]] = {}
        self._by_type: dict[str, _Shape] = {}
        for event_type, cls in event_classes.items():
            if cls.__name__ != event_type:
                raise EventSchemaError(f"event type {event_type} is registered with class {cls.__name__}")
            if event_type not in messages:
                raise EventSchemaError(f"{event_type} has no message in ledgermesh.events.v1")
            shape = _shape(cls, messages[event_type].DESCRIPTOR)
            self._by_class[cls] = (event_type, shape)
            self._by_type[event_type] = shape

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._by_type)

    def to_stored(self, event: E) -> tuple[str, dict[str, Any]]:
        """(event type, stored JSON) of a domain event."""
        registered = self._by_class.get(type(event))
        if registered is None:
            raise EventSchemaError(f"{type(event).__name__} is not one of this codec's event classes")
        event_type, shape = registered
        return event_type, shape.encode(event)

    def from_stored(self, event_type: str, data: Mapping[str, Any]) -> E:
        """The domain event of a stored payload at the current schema version (see eventlog.upcasting);
        missing fields take their defaults, as in proto3."""
        shape = self._by_type.get(event_type)
        if shape is None:
            raise EventSchemaError(f"{event_type} is not one of this codec's event types")
        event: E = shape.decode(data)
        return event


_SCALAR_TYPES: Final[Mapping[int, type]] = {
    FieldDescriptor.TYPE_STRING: str,
    FieldDescriptor.TYPE_BOOL: bool,
    FieldDescriptor.TYPE_INT32: int,
    FieldDescriptor.TYPE_INT64: int,
}
_TIMESTAMP = "google.protobuf.Timestamp"


def _shape(cls: type, descriptor: _Descriptor) -> _Shape:
    if not dataclasses.is_dataclass(cls):
        raise EventSchemaError(f"{cls.__name__} is not a dataclass")
    fields = dataclasses.fields(cls)
    proto_fields = descriptor.fields_by_name
    only_dataclass = [f.name for f in fields if f.name not in proto_fields]
    only_proto = [name for name in proto_fields if name not in {f.name for f in fields}]
    if only_dataclass or only_proto:
        raise EventSchemaError(
            f"{cls.__name__} and its message {descriptor.full_name} differ: fields only in the dataclass "
            f"{only_dataclass}, only in the message {only_proto}")
    hints = typing.get_type_hints(cls)
    encoders: list[tuple[str, _Convert]] = []
    decoders: dict[str, _Convert] = {}
    for f in fields:
        where = f"{cls.__name__}.{f.name}"
        encoder, decoder, proto_default = _field_codec(hints[f.name], proto_fields[f.name], where)
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            raise EventSchemaError(f"{where} has no default; every proto3 field has one")
        if default != proto_default:
            raise EventSchemaError(
                f"{where} defaults to {default!r}, its proto field to {proto_default!r}: the bus drops "
                "default values, so a consumer would read the other one")
        encoders.append((f.name, encoder))
        decoders[f.name] = decoder
    return _Shape(cls, descriptor.name, tuple(encoders), decoders)


def _field_codec(tp: Any, fd: _Descriptor, where: str) -> tuple[_Convert, _Convert, Any]:
    """(encoder, decoder, proto default) of one dataclass field typed `tp` for proto field `fd`."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if _is_map(fd):
        if origin in (Mapping, dict) and args == (str, str) and _is_string_map(fd):
            return dict, dict, {}
    elif fd.is_repeated:
        if origin is tuple and args == (str, ...) and fd.type == fd.TYPE_STRING:
            return list, tuple, ()
    elif fd.type == fd.TYPE_MESSAGE and fd.message_type.full_name == _TIMESTAMP:
        if origin in (typing.Union, types.UnionType) and set(args) == {datetime, type(None)}:
            return format_timestamp, _optional(datetime.fromisoformat), None
    elif fd.type == fd.TYPE_MESSAGE:
        if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp.__name__ == fd.message_type.name:
            part = _shape(tp, fd.message_type)
            return part.encode, part.decode, tp()
    elif fd.type == fd.TYPE_ENUM:
        if isinstance(tp, type) and issubclass(tp, Enum):
            return _enum_codec(tp, fd.enum_type, where)
    elif (scalar := _SCALAR_TYPES.get(fd.type)) is not None and scalar is tp:
        return None, (int if scalar is int else None), scalar()
    raise EventSchemaError(f"{where} is {tp!r}, its proto field {fd.full_name} is {_proto_type(fd)}")


def _optional(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else decode(value)


def _enum_codec(tp: type[Enum], enum_type: _Descriptor, where: str) -> tuple[_Convert, _Convert, Any]:
    # Proto enum values carry the enum's name as prefix (buf lint), the zero value is X_UNSPECIFIED,
    # and domain members drop the prefix.
    zero = enum_type.values_by_number.get(0)
    if zero is None or not zero.name.endswith("UNSPECIFIED"):
        raise EventSchemaError(f"{enum_type.full_name} has no X_UNSPECIFIED = 0 value")
    prefix = zero.name.removesuffix("UNSPECIFIED")
    domain = {prefix + member.name: member.value for member in tp}
    proto = {value.name: value.number for value in enum_type.values}
    if domain != proto:
        raise EventSchemaError(f"{where}: enum {tp.__name__} is {domain}, {enum_type.full_name} is {proto}")
    names = {member: prefix + member.name for member in tp}
    members = {prefix + member.name: member for member in tp}

    def decode(name: str) -> Enum:
        try:
            return members[name]
        except KeyError:
            raise EventSchemaError(f"{where}: {name!r} is not a value of {enum_type.full_name}") from None

    return names.__getitem__, decode, tp(0)


_TYPE_NAMES: Final = {getattr(FieldDescriptor, name): name.removeprefix("TYPE_").lower()
                      for name in dir(FieldDescriptor) if name.startswith("TYPE_")}


def _proto_type(fd: _Descriptor) -> str:
    if _is_map(fd):
        return "a map"
    kind = fd.message_type.full_name if fd.type == fd.TYPE_MESSAGE else (
        fd.enum_type.full_name if fd.type == fd.TYPE_ENUM else _TYPE_NAMES[fd.type])
    return f"repeated {kind}" if fd.is_repeated else kind


def _is_map(fd: _Descriptor) -> bool:
    return bool(fd.type == fd.TYPE_MESSAGE and fd.message_type.GetOptions().map_entry)


def _is_string_map(fd: _Descriptor) -> bool:
    entry = fd.message_type.fields_by_name
    return bool(entry["key"].type == fd.TYPE_STRING and entry["value"].type == fd.TYPE_STRING)


# --- Stored JSON -> payload message --------------------------------------------------------------


class _NotPlain(Exception):
    """A value the direct conversion does not cover: json_format converts it instead."""


# The direct conversions' field kinds.
_STRING, _BOOL, _INT32, _INT64, _ENUM, _TIME, _MESSAGE, _STRINGS, _STRING_MAP, _OTHER = range(10)
_INT_RANGES: Final = {_INT32: (-(2**31), 2**31 - 1), _INT64: (-(2**63), 2**63 - 1)}


def _kind(fd: _Descriptor) -> int:
    cpp = fd.cpp_type
    if _is_map(fd):
        return _STRING_MAP if _is_string_map(fd) else _OTHER
    if fd.is_repeated:
        return _STRINGS if fd.type == fd.TYPE_STRING else _OTHER
    if cpp == fd.CPPTYPE_MESSAGE:
        name = fd.message_type.full_name
        return _TIME if name == _TIMESTAMP else _OTHER if name.startswith("google.protobuf.") else _MESSAGE
    if cpp == fd.CPPTYPE_STRING:
        return _STRING if fd.type == fd.TYPE_STRING else _OTHER
    return {fd.CPPTYPE_BOOL: _BOOL, fd.CPPTYPE_INT32: _INT32, fd.CPPTYPE_INT64: _INT64,
            fd.CPPTYPE_ENUM: _ENUM}.get(cpp, _OTHER)


@cache
def _kinds(descriptor: _Descriptor) -> dict[str, int]:
    return {fd.name: _kind(fd) for fd in descriptor.fields}


@cache
def _parse_plan(descriptor: _Descriptor) -> tuple[tuple[str, int, _Descriptor], ...]:
    """(name, kind, descriptor) of each field in field-number order, as ParseDict sets them. A scalar
    with explicit presence keeps an explicit default, which the direct conversion does not."""
    return tuple((fd.name, _OTHER if fd.has_presence and fd.cpp_type != fd.CPPTYPE_MESSAGE else _kind(fd), fd)
                 for fd in sorted(descriptor.fields, key=lambda fd: fd.number))


def payload_message(event_type: str, data: Mapping[str, Any]) -> Message:
    """The payload message of a stored payload: what json_format.ParseDict builds, built directly for
    the value kinds our payloads hold. EventSchemaError for a key the message lacks; KeyError for an
    event type this build does not know."""
    cls = payload_classes()[event_type]
    message = cls()
    try:
        _normalized(cls.DESCRIPTOR, data, True, message)
    except _NotPlain:
        return _parsed(cls, data)
    return message


def payload_message_and_json(event_type: str, data: Mapping[str, Any]) -> tuple[Message, dict[str, Any]]:
    """(payload_message(event_type, data), payload_json of it), normalizing the stored payload once:
    what a reader of the log that needs both (a rebuild) pays for one."""
    cls = payload_classes()[event_type]
    message = cls()
    try:
        # One walk of the stored payload gives both: the JSON, and the message filled as it goes (a
        # payload the walk does not cover leaves a partly filled message, dropped for json_format's).
        normalized = _normalized(cls.DESCRIPTOR, data, True, message)
    except _NotPlain:
        message = _parsed(cls, data)
        return message, payload_json(message)
    return message, normalized


def normalized_payload(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """payload_json(payload_message(event_type, data)), the stored payload as the bus delivers it,
    computed without building the message for the value kinds our payloads hold."""
    cls = payload_classes()[event_type]
    try:
        return _normalized(cls.DESCRIPTOR, data, top=True)
    except _NotPlain:
        return payload_json(_parsed(cls, data))


def _parsed(cls: type[Message], data: Mapping[str, Any]) -> Message:
    data = bus_form(cls.DESCRIPTOR.name, data)
    unknown = _unknown_fields(cls.DESCRIPTOR, data, "")
    if unknown:
        raise EventSchemaError(
            f"stored {cls.DESCRIPTOR.name} holds fields its message lacks, which the bus would drop: {unknown}")
    return json_format.ParseDict(dict(data), cls())


def _unknown_fields(descriptor: _Descriptor, data: Any, path: str) -> list[str]:
    """Keys ParseDict(ignore_unknown_fields=True) would skip: neither a field name nor a JSON name."""
    if not isinstance(data, dict):
        return []
    unknown: list[str] = []
    for key, value in data.items():
        fd = descriptor.fields_by_name.get(key) or _by_json_name(descriptor).get(key)
        if fd is None:
            unknown.append(path + str(key))
        elif _kind(fd) == _MESSAGE:
            unknown += _unknown_fields(fd.message_type, value, f"{path}{key}.")
    return unknown


@cache
def _by_json_name(descriptor: _Descriptor) -> dict[str, _Descriptor]:
    return {fd.json_name: fd for fd in descriptor.fields}


def _normalized(descriptor: _Descriptor, data: Any, top: bool, message: Message | None = None) -> dict[str, Any]:
    """The payload JSON (see payload_json) of stored JSON. Only values ParseDict accepts, exactly as
    it reads them, and no key but field names (a JSON name, an unknown key: json_format's path).

    With `message` (an empty one of `descriptor`), also sets in it exactly the fields ParseDict would
    leave set (the non-default values and the present messages), in the same walk; on _NotPlain the
    message is partly filled and must be dropped."""
    if not isinstance(data, dict):
        raise _NotPlain
    plan = _parse_plan(descriptor)
    if len(data) > len(plan):
        raise _NotPlain
    out: dict[str, Any] = {}
    seen = 0
    for name, kind, fd in plan:
        if name not in data:
            continue
        seen += 1
        value = data[name]
        if kind == _STRING:
            if not isinstance(value, str):
                # A sealed personal field (eventcodec.personal) travels as its JSON text.
                if not (isinstance(value, dict) and value.get("enc") == SEALED_VERSION):
                    raise _NotPlain
                value = sealed_text(value)
            if value:
                out[name] = value
                if message is not None:
                    setattr(message, name, value)
        elif kind == _INT64 or kind == _INT32:
            low, high = _INT_RANGES[kind]
            if type(value) is not int or not low <= value <= high:
                raise _NotPlain
            if value:
                out[name] = str(value) if kind == _INT64 and not top else value
                if message is not None:
                    setattr(message, name, value)
        elif kind == _BOOL:
            if not isinstance(value, bool):
                raise _NotPlain
            if value:
                out[name] = True
                if message is not None:
                    setattr(message, name, True)
        elif kind == _ENUM:
            known = fd.enum_type.values_by_name.get(value) if isinstance(value, str) else None
            if known is None:
                raise _NotPlain
            if known.number:
                out[name] = value
                if message is not None:
                    setattr(message, name, known.number)
        elif kind == _TIME:
            if not isinstance(value, str):
                raise _NotPlain
            seconds, nanos, out[name] = _timestamp_parts(value)
            if message is not None:
                timestamp = getattr(message, name)
                timestamp.seconds = seconds
                timestamp.nanos = nanos
        elif kind == _STRINGS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _NotPlain
            if value:
                out[name] = list(value)
                if message is not None:
                    getattr(message, name).extend(value)
        elif kind == _STRING_MAP:
            if not isinstance(value, dict):
                raise _NotPlain
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                value = {k: sealed_text(v) if isinstance(v, dict) and v.get("enc") == SEALED_VERSION else v
                         for k, v in value.items()}
                if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                    raise _NotPlain
            if value:
                out[name] = {key: value[key] for key in sorted(value)}
                if message is not None:
                    getattr(message, name).update(value)
        elif kind == _MESSAGE:
            if message is None:
                out[name] = _normalized(fd.message_type, value, False)
            else:
                sub = getattr(message, name)
                sub.SetInParent()
                out[name] = _normalized(fd.message_type, value, False, sub)
        else:
            raise _NotPlain
    if seen != len(data):
        raise _NotPlain
    return out


# --- Payload message -> JSON ---------------------------------------------------------------------


def payload_json(message: Message) -> dict[str, Any]:
    """The JSON of a payload message: json_format.MessageToDict(preserving_proto_field_name=True) with
    int64 kept as JSON numbers at the top level and a map's keys in sorted order (a map iterates in an
    order that differs between processes, so a read model rebuilt elsewhere would differ from the live
    one byte for byte).

    The field kinds our events use are converted directly (json_format costs several times more and
    runs once per consumed event); a message with any other kind takes json_format's path."""
    try:
        return _plain(message, top=True)
    except _NotPlain:
        data = json_format.MessageToDict(message, preserving_proto_field_name=True)
        return _payload_form(message, data)


def message_json(message: Message) -> dict[str, Any]:
    """json_format.MessageToDict(message, preserving_proto_field_name=True), computed directly
    where the message's field kinds allow (maps in key order; see payload_json)."""
    try:
        return _plain(message, top=False)
    except _NotPlain:
        return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _plain(message: Message, top: bool) -> dict[str, Any]:
    # Mirrors json_format.MessageToDict(preserving_proto_field_name=True) for the kinds below, maps
    # aside (see payload_json): ListFields gives the same fields in the same order; int64 is a string
    # there, which payload_json turns back into a number at the top level only.
    kinds = _kinds(message.DESCRIPTOR)
    data: dict[str, Any] = {}
    fields: Sequence[tuple[_Descriptor, Any]] = message.ListFields()
    for fd, value in fields:
        kind = kinds[fd.name]
        if kind in (_STRING, _BOOL, _INT32):
            data[fd.name] = value
        elif kind == _INT64:
            data[fd.name] = value if top else str(value)
        elif kind == _ENUM:
            known = fd.enum_type.values_by_number.get(value)
            if known is None:
                raise _NotPlain
            data[fd.name] = known.name
        elif kind == _TIME:
            data[fd.name] = _timestamp_text(value.seconds, value.nanos)
        elif kind == _STRINGS:
            data[fd.name] = list(value)
        elif kind == _STRING_MAP:
            data[fd.name] = {key: value[key] for key in sorted(value)}
        elif kind == _MESSAGE:
            data[fd.name] = _plain(value, top=False)
        else:
            raise _NotPlain
    return data


def _payload_form(message: Message, data: dict[str, Any]) -> dict[str, Any]:
    for fd in message.DESCRIPTOR.fields:
        if fd.name not in data:
            continue
        if fd.cpp_type in (fd.CPPTYPE_INT64, fd.CPPTYPE_UINT64) and not fd.is_repeated:
            data[fd.name] = int(data[fd.name])
        elif _is_map(fd):
            data[fd.name] = dict(sorted(data[fd.name].items()))
    return data
