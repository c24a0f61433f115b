"""Per account and day: attempts, successes, volume per currency, decline reasons, card countries.
Counters are increments; the per-aggregate checkpoint makes each event count once."""

from __future__ import annotations

from ledgermesh.events.v1 import payment_events_pb2 as payments

from projector.projections.base import Handlers, Op, Projection
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys

on = Handlers()


@on(payments.ChargeRequested)
def _charge_requested(e: ProjectedEvent, p: payments.ChargeRequested, k: Keys) -> list[Op]:
    key = k.analytics(e.tenant_id, e.day)
    return [("HINCRBY", key, "count", "1"), ("HINCRBY", key, f"country:{p.card.country or 'unknown'}", "1")]


@on(payments.PaymentAuthorized)
def _payment_authorized(e: ProjectedEvent, p: payments.PaymentAuthorized, k: Keys) -> list[Op]:
    key = k.analytics(e.tenant_id, e.day)
    return [("HINCRBY", key, "succeeded", "1"), ("HINCRBY", key, f"volume:{p.currency}", str(p.amount))]


@on(payments.PaymentDeclined)
def _payment_declined(e: ProjectedEvent, p: payments.PaymentDeclined, k: Keys) -> list[Op]:
    key = k.analytics(e.tenant_id, e.day)
    reason = p.decline_code or p.failure_code or "unknown"
    return [("HINCRBY", key, "failed", "1"), ("HINCRBY", key, f"decline:{reason}", "1")]


class AnalyticsProjection(Projection):
    name = "analytics"
    key_patterns = (PATTERNS.analytics("*", "*"),)
    handlers = on
