"""What a projection is: a pure function from one event to the Redis writes it causes, made of one
handler per event type, registered for the event's generated message (`@on(ChargeRequested)`).

A handler receives the typed payload: a field the schema lacks is an AttributeError, so the event is
retried and dead-lettered instead of being projected with a made-up default. A projection never reads
Redis and never talks to the network; the adapter applies its writes in one atomic Lua call together
with the projection's checkpoint, so a redelivered or replayed event changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message

from eventcodec.codec import payload_classes
from readmodel.events import ProjectedEvent
from readmodel.keys import Keys
from readmodel.values import text

# One Redis command: name followed by its arguments, e.g. ("HSET", key, field, value).
Op = tuple[str, ...]

P = TypeVar("P", bound=Message)
Handler = Callable[[ProjectedEvent, P, Keys], list[Op]]

class Handlers:
    """A projection's handlers by event type. `@on(Message)` registers one for that event;
    `@on.every` one that sees every event (before the event's own handler)."""

    def __init__(self) -> None:
        self._by_type: dict[str, Handler[Any]] = {}
        self._every: list[Handler[Message]] = []

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


def enum_text(enum: EnumTypeWrapper, value: int) -> str:
    """An enum field's value name as the JSON mapping writes it; "" for the unspecified zero value."""
    return enum.Name(value) if value else ""
