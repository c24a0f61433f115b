"""The Stripe events API read model: every event of an account with its metadata, newest first."""

from __future__ import annotations

from google.protobuf.message import Message

from projector.projections.base import Handlers, Op, Projection
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys

# The event records keep personal fields sealed, as the log holds them.
on = Handlers(opens_personal_data=False)


@on.every
def _recorded(e: ProjectedEvent, _p: Message, k: Keys) -> list[Op]:
    if not e.tenant_id:
        return []
    return [("SET", k.event(e.event_id), e.record),
            ("ZADD", k.account_events(e.tenant_id), str(e.created_us), e.event_id)]


class EventsProjection(Projection):
    name = "events"
    key_patterns = (PATTERNS.event("*"), PATTERNS.account_events("*"))
    handlers = on
