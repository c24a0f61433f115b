"""Events from PostgreSQL as the projections see them, and their writes as RedisApplier applications."""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any

from eventlog.envelope import payload_message
from projector.adapters.redis_apply import Application
from readmodel.events import ProjectedEvent
from readmodel.keys import Keys


@functools.cache
def _fields(cls: type) -> frozenset[str]:
    named = getattr(cls, "_fields", None)  # a NamedTuple
    return frozenset(named) if named is not None else frozenset(f.name for f in dataclasses.fields(cls))


def projected(stored: Any) -> ProjectedEvent:
    """A stored event (eventlog.records.StoredEvent) as a ProjectedEvent, whatever fields each has. The
    payload's JSON is taken as stored (not normalized as the bus does): the minimal loop pays only
    for the typed payload the handlers need."""
    values = {
        "event_id": str(stored.event_id), "event_type": stored.event_type, "aggregate_id": stored.aggregate_id,
        "aggregate_type": stored.aggregate_type, "aggregate_version": stored.aggregate_version,
        "global_position": stored.global_position, "tenant_id": stored.tenant_id, "created_at": stored.created_at,
        "payload": payload_message(stored.event_type, stored.data), "payload_json": stored.data,
        "metadata": stored.metadata, "commit_position": getattr(stored, "commit_position", 0) or stored.global_position,
    }
    names = _fields(ProjectedEvent)
    return ProjectedEvent(**{k: v for k, v in values.items() if k in names})


def application(projection: Any, event: ProjectedEvent, keys: Keys, *, replay: bool = False) -> Application:
    ops = projection.apply(event, keys)
    extra: dict[str, Any] = {}
    if replay and "record_lag" in _fields(Application):
        extra["record_lag"] = False
    return Application(aggregate_id=event.aggregate_id, version=event.aggregate_version,
                       position=event.global_position, ops=ops, now_ms=int(time.time() * 1000), lag_ms=0, **extra)
