"""The command service's domain events as the event log's records, through the one codec
(eventcodec.codec), which is handed the domain's event classes here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from command_svc.domain.events import EVENT_TYPES, DomainEvent
from eventcodec.codec import EventCodec
from eventlog.records import NewEvent
from eventlog.upcasting import current_version

# Built on import: a domain event that its proto message cannot carry stops the service from starting.
DOMAIN_EVENTS: Final = EventCodec[DomainEvent](EVENT_TYPES)


def to_new_event(event: DomainEvent) -> NewEvent:
    event_type, data = DOMAIN_EVENTS.to_stored(event)
    return NewEvent(event_type=event_type, data=data, event_version=current_version(event_type))


def from_stored(event_type: str, data: Mapping[str, Any]) -> DomainEvent:
    """A stored payload, already upcast to the current schema by the event log, as its domain event."""
    return DOMAIN_EVENTS.from_stored(event_type, data)
