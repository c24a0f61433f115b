"""Per account and day: attempts, successes, volume per currency, decline reasons, card countries.
Counters are increments; the per-aggregate checkpoint makes each event count once."""

from __future__ import annotations

from ledgermesh.events.v1 import payment_events_pb2 as payments

from projector.projections.base import Handlers, Op, Projection
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys
from readmodel.reports import COUNT, FAILED, SUCCEEDED, country_field, decline_field, volume_field

on = Handlers()


@on(payments.ChargeRequested)
def _charge_requested(e: ProjectedEvent, p: payments.ChargeRequested, k: Keys) -> list[Op]:
    key = k.analytics(e.tenant_id, e.day)
    return [("HINCRBY", key, COUNT, "1"), ("HINCRBY", key, country_field(p.card.country or "unknown"), "1")]


@on(payments.PaymentAuthorized)
def _payment_authorized(e: ProjectedEvent, p: payments.PaymentAuthorized, k: Keys) -> list[Op]:
    key = k.analytics(e.tenant_id, e.day)
    return [("HINCRBY", key, SUCCEEDED, "1"), ("HINCRBY", key, volume_field(p.currency), str(p.amount))]


@on(payments.PaymentDeclined)
def _payment_declined(e: ProjectedEvent, p: payments.PaymentDeclined, k: Keys) -> list[Op]:
    key = k.analytics(e.tenant_id, e.day)
    reason = p.decline_code or p.failure_code or "unknown"
    return [("HINCRBY", key, FAILED, "1"), ("HINCRBY", key, decline_field(reason), "1")]


class AnalyticsProjection(Projection):
    name = "analytics"
    key_patterns = (PATTERNS.analytics("*", "*"),)
    handlers = on
