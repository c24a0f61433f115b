"""A rebuild decodes the log its own, faster way (projector/log_events.py): every event must reach the
projections exactly as the bus delivers it, metadata and payload JSON included."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from eventlog.envelope import to_envelope
from eventlog.records import StoredEvent
from projector.adapters.jetstream_consumer import projected_event, stored_projected_event
from projector.log_events import projected_from_log

PAYLOADS: list[tuple[str, dict[str, Any]]] = [
    ("ChargeRequested", {"charge_id": "ch_1", "amount": 2000, "currency": "usd", "description": "", "capture": False,
                         "metadata": {"order": "1", "a": "2"}, "card": {"last4": "4242", "country": "US"}}),
    ("PaymentAuthorized", {"charge_id": "ch_1", "amount": 2000, "currency": "usd",
                           "expires_at": "2026-12-01T10:00:00.5Z"}),
    ("FraudCheckCompleted", {"charge_id": "ch_1", "risk_score": 12, "decision": "FRAUD_DECISION_ALLOW",
                             "rules_triggered": ["card_velocity"]}),
    # A form the direct path leaves to json_format (a JSON name instead of the field name).
    ("ChargeRequested", {"chargeId": "ch_2", "amount": 5}),
]
METADATA: list[dict[str, Any]] = [
    {},
    {"correlation_id": "c1", "causation_id": "c0", "request_id": "", "user_id": "u", "ip_address": "10.0.0.1",
     "jurisdiction": "EU", "regulation": "PSD2", "data_classification": "DATA_CLASSIFICATION_FINANCIAL",
     "retention_period": "P7Y", "trace_id": "t", "traceparent": "00-abc"},
    {"data_classification": "DATA_CLASSIFICATION_UNSPECIFIED", "correlation_id": "x"},
    {"data_classification": None, "unknown_key": "ignored"},
]


def _stored(event_type: str, data: dict[str, Any], metadata: dict[str, Any], created: datetime,
            previous: str | None) -> StoredEvent:
    return StoredEvent(
        global_position=42, event_id=uuid.uuid4(), tenant_id="acct_1", aggregate_id="ch_1", aggregate_type="Charge",
        aggregate_version=2, event_type=event_type, event_version=2, data=data, metadata=metadata,
        created_at=created, event_hash="h2", previous_event_hash=previous, signature="sig", tx_id=7,
        commit_position=44,
    )


@pytest.mark.parametrize("event_type,data", PAYLOADS)
@pytest.mark.parametrize("metadata", METADATA)
def test_an_event_decoded_from_the_log_for_a_rebuild_is_the_event_the_bus_delivers(
        event_type: str, data: dict[str, Any], metadata: dict[str, Any]) -> None:
    for created, previous in ((datetime(2026, 11, 25, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5))), "h1"),
                              (datetime(2026, 11, 25, 14, 0, 0, 5), None), (datetime(2026, 1, 1, tzinfo=UTC), "")):
        stored = _stored(event_type, data, metadata, created, previous)
        fast = projected_from_log(stored)
        assert fast == stored_projected_event(stored) == projected_event(to_envelope(stored))
        assert fast.record == projected_event(to_envelope(stored)).record
        assert dataclasses.asdict(fast)["metadata"] == dict(projected_event(to_envelope(stored)).metadata)
