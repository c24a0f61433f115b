"""What a projection is: a pure function from one event to the Redis writes it causes, made of one
handler per event type, registered for the event's generated message (`@on(ChargeRequested)`).

A handler receives the typed payload: a field the schema lacks is an AttributeError, so the event is
retried and dead-lettered instead of being projected with a made-up default. A projection never reads
Redis and never talks to the network; the adapter applies its writes in one atomic Lua call together
with the projection's checkpoint, so a redelivered or replayed event changes nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Protocol, TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from ledgermesh.events.v1 import envelope_pb2, erasure_events_pb2

from eventcodec.codec import payload_classes, payload_json, unpack_payload
from eventcodec.personal import PERSONAL_FIELDS, ErasedField, as_sealed, has_personal_fields, open_message
from readmodel.events import ProjectedEvent
from readmodel.keys import Keys
from readmodel.values import text

# One Redis command: name followed by its arguments, e.g. ("HSET", key, field, value).
Op = tuple[str, ...]

P = TypeVar("P", bound=Message)
Handler = Callable[[ProjectedEvent, P, Keys], list[Op]]

class KeySource(Protocol):
    """Subject keys by id (eventlog.subject_keys.SubjectKeys): None once destroyed."""

    def key_by_id(self, key_id: str) -> bytes | None: ...

    def forgotten(self, key_ids: Iterable[str]) -> None: ...

    def has_opened(self, key_id: str) -> bool: ...

    async def prefetch(self, key_ids: Iterable[str]) -> set[str]: ...


# The key stores of the systems running in this process, installed by the composition root. Key ids
# are random, so one process serving several logs (tests) asks each in turn.
_KEY_SOURCES: list[KeySource] = []
# Event id -> (the decoded event, opened): one decoded object is handed to every projection.
_OPENED: dict[str, tuple[ProjectedEvent, ProjectedEvent]] = {}
_OPENED_MAX = 4096


def use_subject_keys(source: KeySource) -> None:
    if source not in _KEY_SOURCES:
        _KEY_SOURCES.append(source)


def stop_using_subject_keys(source: KeySource) -> None:
    if source in _KEY_SOURCES:
        _KEY_SOURCES.remove(source)
    _OPENED.clear()


def forget_opened() -> None:
    """Drop the memo of opened events (a fold calls it after each chunk: it applies every projection to
    an event before the next, so it needs none of the chunk before). An event opened again after this
    is opened the same way."""
    _OPENED.clear()


def key_by_id(key_id: str) -> bytes | None:
    for source in _KEY_SOURCES:
        key = source.key_by_id(key_id)
        if key is not None:
            return key
    return None


def sealed_key_ids(event_type: str, payload: Message) -> Iterator[str]:
    """The key ids of the payload's sealed personal fields."""
    personal = PERSONAL_FIELDS.get(event_type)
    for path in personal.fields if personal is not None else ():
        node: Any = payload
        *parents, leaf = path.split(".")
        for name in parents:
            node = getattr(node, name)
        value = getattr(node, leaf)
        for text_value in [value] if isinstance(value, str) else value.values():
            sealed = as_sealed(text_value)
            if sealed is not None:
                yield sealed["kid"]


async def fetch_keys(payloads: Iterable[tuple[str, Message]]) -> int:
    """Open, before they are applied, the keys of these (event type, payload) pairs that no key store
    of this process knows yet: one query per key store for all of them, awaited, so that the
    synchronous handlers (`opened`) never wait on the database and the event loop keeps serving the
    other work meanwhile. The number of keys fetched."""
    wanted = {key_id for event_type, payload in payloads if event_type in PERSONAL_FIELDS
              for key_id in sealed_key_ids(event_type, payload)}
    wanted = {key_id for key_id in wanted if not any(source.has_opened(key_id) for source in _KEY_SOURCES)}
    count = len(wanted)
    for source in list(_KEY_SOURCES):
        if not wanted:
            break
        wanted -= await source.prefetch(wanted)
    return count - len(wanted)


async def opened_envelope(envelope: envelope_pb2.EventEnvelope) -> envelope_pb2.EventEnvelope:
    """The envelope with its payload's personal fields opened (keys not seen yet fetched first), for
    what leaves the system in the clear to its account (webhooks)."""
    if not has_personal_fields(envelope.event_type):
        return envelope
    payload = unpack_payload(envelope)
    await fetch_keys([(envelope.event_type, payload)])
    message = open_message(envelope.event_type, envelope.event_id, payload, key_by_id)
    if message is None:
        return envelope
    copy = envelope_pb2.EventEnvelope()
    copy.CopyFrom(envelope)
    copy.payload.Pack(message)
    return copy


def opened(event: ProjectedEvent) -> ProjectedEvent:
    """The event with its sealed personal fields opened through the key stores ("[redacted]" where a
    key is gone): what projections see. Opened once per event however many projections apply it."""
    if event.event_type == "SubjectForgotten":
        forgotten = event.payload
        assert isinstance(forgotten, erasure_events_pb2.SubjectForgotten)
        for source in _KEY_SOURCES:
            source.forgotten(forgotten.key_ids)
        _OPENED.clear()
        return event
    if not has_personal_fields(event.event_type):
        return event
    known = _OPENED.get(event.event_id)
    if known is not None and known[0] is event:
        return known[1]
    message = open_message(event.event_type, event.event_id, event.payload, key_by_id)
    result = event if message is None else dataclasses.replace(event, payload=message,
                                                                  payload_json=payload_json(message))
    if len(_OPENED) >= _OPENED_MAX:
        _OPENED.clear()
    _OPENED[event.event_id] = (event, result)
    return result


class Handlers:
    """A projection's handlers by event type. `@on(Message)` registers one for that event;
    `@on.every` one that sees every event (before the event's own handler).

    Handlers see personal fields opened (eventcodec.personal), unless `opens_personal_data` is off:
    the event records (events API, audit trails) keep them sealed, as the log holds them."""

    def __init__(self, *, opens_personal_data: bool = True) -> None:
        self._by_type: dict[str, Handler[Any]] = {}
        self._every: list[Handler[Message]] = []
        self._opens = opens_personal_data

    def __call__(self, payload: type[P]) -> Callable[[Handler[P]], Handler[P]]:
        descriptor = payload.DESCRIPTOR
        if payload_classes().get(descriptor.name) is not payload:
            raise TypeError(f"{descriptor.full_name} is not an event")

        def register(handler: Handler[P]) -> Handler[P]:
            if descriptor.name in self._by_type:
                raise ValueError(f"two handlers for {descriptor.name}")
            self._by_type[descriptor.name] = handler
            return handler

        return register

    def every(self, handler: Handler[Message]) -> Handler[Message]:
        self._every.append(handler)
        return handler

    @property
    def event_types(self) -> frozenset[str]:
        """The event types with a handler of their own."""
        return frozenset(self._by_type)

    def handles(self, event_type: str) -> bool:
        return bool(self._every) or event_type in self._by_type

    def apply(self, event: ProjectedEvent, keys: Keys) -> list[Op]:
        if self._opens:
            event = opened(event)
        own = self._by_type.get(event.event_type)
        if not self._every:
            return own(event, event.payload, keys) if own is not None else []
        ops: list[Op] = []
        for handler in self._every:
            ops += handler(event, event.payload, keys)
        if own is not None:
            ops += own(event, event.payload, keys)
        return ops


class Projection:
    """A read model: its name (consumer and checkpoint), the keys it owns (glob patterns after the
    prefix, exactly what a rebuild replaces) and its handlers."""

    name: ClassVar[str]
    key_patterns: ClassVar[tuple[str, ...]]
    handlers: ClassVar[Handlers]

    def handles(self, event_type: str) -> bool:
        return self.handlers.handles(event_type)

    def apply(self, event: ProjectedEvent, keys: Keys) -> list[Op]:
        return self.handlers.apply(event, keys)


def hset(key: str, fields: Mapping[str, object]) -> Op:
    args: list[str] = ["HSET", key]
    for name, value in fields.items():
        args += [name, text(value)]
    return tuple(args)


def required(value: str, field: str) -> str:
    """An id that names the object an event writes: absent (proto's "" default), the event cannot be
    projected, so it is retried and dead-lettered like any failing event."""
    if not value:
        raise KeyError(f"the event has no {field}")
    return value


def timestamp_text(payload: Message, field: str) -> str:
    """A Timestamp field as protobuf's JSON mapping writes it; "" when the event has none."""
    return str(getattr(payload, field).ToJsonString()) if payload.HasField(field) else ""


def erased(p: erasure_events_pb2.SubjectForgotten, event_types: Iterable[str]) -> list[ErasedField]:
    """The erased fields of these event types: what a projection overwrites with REDACTED."""
    wanted = set(event_types)
    return [f for f in map(ErasedField.parse, p.erased_fields) if f.event_type in wanted]


def enum_text(enum: EnumTypeWrapper, value: int) -> str:
    """An enum field's value name as the JSON mapping writes it; "" for the unspecified zero value."""
    return enum.Name(value) if value else ""
