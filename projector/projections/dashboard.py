"""Today's totals per account, and a pub/sub nudge on every change so a live dashboard refreshes.
PUBLISH runs inside the same Lua apply, so a redelivered event neither counts nor notifies twice."""

from __future__ import annotations

from ledgermesh.events.v1 import dispute_events_pb2 as disputes
from ledgermesh.events.v1 import payment_events_pb2 as payments

from projector.projections.base import Handlers, Op, Projection
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys
from readmodel.reports import COUNT, FAILED, SUCCEEDED, refunded_field, volume_field

on = Handlers()


def _announced(e: ProjectedEvent, k: Keys, *ops: Op) -> list[Op]:
    return [*ops, ("PUBLISH", k.dashboard_channel(e.tenant_id), e.event_type)]


@on(payments.ChargeRequested)
def _charge_requested(e: ProjectedEvent, p: payments.ChargeRequested, k: Keys) -> list[Op]:
    return _announced(e, k, ("HINCRBY", k.dashboard(e.tenant_id, e.day), COUNT, "1"))


@on(payments.PaymentAuthorized)
def _payment_authorized(e: ProjectedEvent, p: payments.PaymentAuthorized, k: Keys) -> list[Op]:
    key = k.dashboard(e.tenant_id, e.day)
    return _announced(e, k, ("HINCRBY", key, SUCCEEDED, "1"), ("HINCRBY", key, volume_field(p.currency), str(p.amount)))


@on(payments.PaymentDeclined)
def _payment_declined(e: ProjectedEvent, p: payments.PaymentDeclined, k: Keys) -> list[Op]:
    return _announced(e, k, ("HINCRBY", k.dashboard(e.tenant_id, e.day), FAILED, "1"))


@on(payments.RefundCreated)
def _refund_created(e: ProjectedEvent, p: payments.RefundCreated, k: Keys) -> list[Op]:
    return _announced(e, k, ("HINCRBY", k.dashboard(e.tenant_id, e.day), refunded_field(p.currency), str(p.amount)))


# The recent charges the dashboard lists change without changing its totals.
@on(payments.PaymentCaptured)
def _payment_captured(e: ProjectedEvent, p: payments.PaymentCaptured, k: Keys) -> list[Op]:
    return _announced(e, k)


@on(payments.ChargeUpdated)
def _charge_updated(e: ProjectedEvent, p: payments.ChargeUpdated, k: Keys) -> list[Op]:
    return _announced(e, k)


@on(disputes.DisputeCreated)
def _dispute_created(e: ProjectedEvent, p: disputes.DisputeCreated, k: Keys) -> list[Op]:
    return _announced(e, k)


class DashboardProjection(Projection):
    name = "dashboard"
    key_patterns = (PATTERNS.dashboard("*", "*"),)
    handlers = on
