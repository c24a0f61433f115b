"""A stored event reaches a projection the same whether it came over the bus or from the log."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from eventlog.envelope import to_envelope
from eventlog.records import StoredEvent
from projector.adapters.jetstream_consumer import projected_event, stored_projected_event


def test_a_stored_event_projects_as_its_envelope_does() -> None:
    for created in (datetime(2026, 11, 25, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5))),
                    datetime(2026, 11, 25, 14, 0, 0, 5)):
        stored = StoredEvent(
            global_position=42, event_id=uuid.uuid4(), tenant_id="acct_1", aggregate_id="ch_1",
            aggregate_type="Charge", aggregate_version=2, event_type="ChargeRequested", event_version=2,
            data={"charge_id": "ch_1", "amount": 2000, "currency": "usd", "description": "", "capture": False,
                  "metadata": {"order": "1", "a": "2"}},
            metadata={"correlation_id": "c1", "request_id": "", "data_classification": "DATA_CLASSIFICATION_FINANCIAL",
                      "traceparent": "00-abc"},
            created_at=created, event_hash="h2", previous_event_hash=None, signature="sig",
            tx_id=7, commit_position=0,
        )
        assert stored_projected_event(stored) == projected_event(to_envelope(stored))
        assert stored_projected_event(stored).created_at.isoformat() == \
            projected_event(to_envelope(stored)).created_at.isoformat()
