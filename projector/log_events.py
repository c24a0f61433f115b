"""Events of the log as the projections receive them, decoded for a rebuild: the same ProjectedEvent as
jetstream_consumer.stored_projected_event (and so as the bus delivers), with the stored payload
normalized once for both its message and its JSON and the metadata mapped directly."""

from __future__ import annotations

from datetime import UTC

from eventcodec.codec import payload_message_and_json
from eventlog.envelope import envelope_metadata_json
from eventlog.records import StoredEvent
from readmodel.events import ProjectedEvent


def projected_from_log(stored: StoredEvent) -> ProjectedEvent:
    created = stored.created_at
    payload, payload_json = payload_message_and_json(stored.event_type, stored.data)
    return ProjectedEvent(
        str(stored.event_id), stored.event_type, stored.aggregate_id, stored.aggregate_type,
        stored.aggregate_version, stored.global_position, stored.tenant_id,
        # As a Timestamp round trip gives it: the same instant, in UTC.
        created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC),
        payload, payload_json, envelope_metadata_json(stored), stored.commit_position or stored.global_position,
    )
