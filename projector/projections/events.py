"""The Stripe events API read model: every event of an account with its metadata, newest first."""

from __future__ import annotations

from projector.projections.base import Keys, Op, ProjectedEvent, event_record


class EventsProjection:
    name = "events"
    key_patterns: tuple[str, ...] = ("event:*", "acct:*:events")

    def apply(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        if not e.tenant_id:
            return []
        return [("SET", k("event", e.event_id), event_record(e)),
                ("ZADD", k("acct", e.tenant_id, "events"), str(e.created_us), e.event_id)]
