"""Charges, refunds and disputes as Stripe shows them, plus per-account newest-first indexes."""

from __future__ import annotations

import json

from ledgermesh.events.v1 import dispute_events_pb2 as disputes
from ledgermesh.events.v1 import erasure_events_pb2 as erasure
from ledgermesh.events.v1 import payment_events_pb2 as payments

from eventcodec.personal import REDACTED
from projector.projections.base import Handlers, Op, Projection, enum_text, erased, hset, required, timestamp_text
from readmodel.charges import FAILED, PENDING, REFUND_SUCCEEDED, SUCCEEDED
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys

on = Handlers()


def _stamp(e: ProjectedEvent, k: Keys, charge_id: str) -> Op:
    return hset(k.charge(charge_id), {"version": e.aggregate_version, "position": e.commit_position})


@on(payments.ChargeRequested)
def _charge_requested(e: ProjectedEvent, p: payments.ChargeRequested, k: Keys) -> list[Op]:
    charge_id = required(p.charge_id, "charge_id")
    card = {field.name: value for field, value in p.card.ListFields()}
    ops: list[Op] = [
        hset(k.charge(charge_id), {
            "id": charge_id, "account_id": e.tenant_id, "amount": p.amount,
            "currency": p.currency, "status": PENDING, "captured": 0, "paid": 0,
            "amount_captured": 0, "amount_refunded": 0, "fee": 0, "description": p.description,
            "customer": p.customer, "source": p.source, "payment_intent": p.payment_intent,
            "payment_method": p.payment_method, "statement_descriptor": p.statement_descriptor,
            "receipt_email": p.receipt_email, "created_us": e.created_us,
            "card": json.dumps(card, sort_keys=True), "card_last4": p.card.last4, "capture_requested": p.capture,
        }),
        ("ZADD", k.account_charges(e.tenant_id), str(e.created_us), charge_id),
    ]
    if p.metadata:
        ops.append(hset(k.charge_metadata(charge_id), p.metadata))
    ops.append(_stamp(e, k, charge_id))
    return ops


@on(payments.FraudCheckCompleted)
def _fraud_check_completed(e: ProjectedEvent, p: payments.FraudCheckCompleted, k: Keys) -> list[Op]:
    charge_id = required(p.charge_id, "charge_id")
    return [hset(k.charge(charge_id), {
        "risk_score": p.risk_score, "risk_level": p.risk_level,
        "fraud_decision": enum_text(payments.FraudDecision, p.decision), "rules": json.dumps(list(p.rules_triggered)),
    }), _stamp(e, k, charge_id)]


@on(payments.PaymentAuthorized)
def _payment_authorized(e: ProjectedEvent, p: payments.PaymentAuthorized, k: Keys) -> list[Op]:
    charge_id = required(p.charge_id, "charge_id")
    return [hset(k.charge(charge_id), {
        "status": SUCCEEDED, "paid": 1, "authorization_code": p.authorization_code,
        "network_transaction_id": p.network_transaction_id,
        "authorization_expires_at": timestamp_text(p, "expires_at"),
    }), _stamp(e, k, charge_id)]


@on(payments.PaymentDeclined)
def _payment_declined(e: ProjectedEvent, p: payments.PaymentDeclined, k: Keys) -> list[Op]:
    charge_id = required(p.charge_id, "charge_id")
    return [hset(k.charge(charge_id), {
        "status": FAILED, "paid": 0, "failure_code": p.failure_code, "decline_code": p.decline_code,
        "failure_message": p.failure_message, "network_transaction_id": p.network_transaction_id,
    }), _stamp(e, k, charge_id)]


@on(payments.PaymentCaptured)
def _payment_captured(e: ProjectedEvent, p: payments.PaymentCaptured, k: Keys) -> list[Op]:
    charge_id = required(p.charge_id, "charge_id")
    key = k.charge(charge_id)
    return [
        hset(key, {"captured": 1, "balance_transaction": p.balance_transaction_id}),
        ("HINCRBY", key, "amount_captured", str(p.captured_amount)),
        ("HINCRBY", key, "fee", str(p.processing_fees)),
        _stamp(e, k, charge_id),
    ]


@on(payments.AuthorizationExpired)
def _authorization_expired(e: ProjectedEvent, p: payments.AuthorizationExpired, k: Keys) -> list[Op]:
    # Stripe shows a lapsed authorization as refunded: the hold on the card is released.
    charge_id = required(p.charge_id, "charge_id")
    return [hset(k.charge(charge_id), {"authorization_expired": 1, "amount_refunded": p.amount}),
            _stamp(e, k, charge_id)]


@on(payments.AuthorizationIncremented)
def _authorization_incremented(e: ProjectedEvent, p: payments.AuthorizationIncremented, k: Keys) -> list[Op]:
    charge_id = required(p.charge_id, "charge_id")
    return [hset(k.charge(charge_id), {"amount": p.amount}), _stamp(e, k, charge_id)]


@on(payments.RefundCreated)
def _refund_created(e: ProjectedEvent, p: payments.RefundCreated, k: Keys) -> list[Op]:
    refund_id, charge_id = required(p.refund_id, "refund_id"), required(p.charge_id, "charge_id")
    return [
        hset(k.refund(refund_id), {
            "id": refund_id, "charge_id": charge_id, "account_id": e.tenant_id,
            "amount": p.amount, "currency": p.currency, "reason": p.reason,
            "status": REFUND_SUCCEEDED, "created_us": e.created_us,
            "balance_transaction": p.balance_transaction_id, "position": e.commit_position,
            "metadata": json.dumps(dict(p.metadata), sort_keys=True), "payment_intent": p.payment_intent,
        }),
        ("ZADD", k.account_refunds(e.tenant_id), str(e.created_us), refund_id),
        ("ZADD", k.charge_refunds(charge_id), str(e.created_us), refund_id),
        ("HINCRBY", k.charge(charge_id), "amount_refunded", str(p.amount)),
        _stamp(e, k, charge_id),
    ]


@on(payments.ChargeUpdated)
def _charge_updated(e: ProjectedEvent, p: payments.ChargeUpdated, k: Keys) -> list[Op]:
    charge_id = required(p.charge_id, "charge_id")
    ops: list[Op] = []
    if p.description_set:
        ops.append(hset(k.charge(charge_id), {"description": p.description}))
    for name, value in p.metadata.items():
        # Stripe's way to remove a metadata key: set it to "".
        if value == "":
            ops.append(("HDEL", k.charge_metadata(charge_id), name))
        else:
            ops.append(("HSET", k.charge_metadata(charge_id), name, value))
    ops.append(_stamp(e, k, charge_id))
    return ops


@on(disputes.DisputeCreated)
def _dispute_created(e: ProjectedEvent, p: disputes.DisputeCreated, k: Keys) -> list[Op]:
    # The charge links its dispute; the dispute's own stream orders this, not the charge's.
    charge_id, dispute_id = required(p.charge_id, "charge_id"), required(p.dispute_id, "dispute_id")
    return [("HSET", k.charge(charge_id), "dispute", dispute_id)]


@on(erasure.SubjectForgotten)
def _subject_forgotten(e: ProjectedEvent, p: erasure.SubjectForgotten, k: Keys) -> list[Op]:
    # The charge's personal fields sealed with the destroyed keys, redacted at once (a rebuild
    # redacts them by itself: their keys are gone).
    ops: list[Op] = []
    for f in erased(p, ("ChargeRequested", "ChargeUpdated")):
        if f.field == "metadata":
            ops.append(("HSET", k.charge_metadata(f.aggregate_id), f.map_key or "", REDACTED))
        else:
            ops.append(("HSET", k.charge(f.aggregate_id), f.field, REDACTED))
    return ops


class ChargesProjection(Projection):
    name = "charges"
    key_patterns = (PATTERNS.charge("*"), PATTERNS.refund("*"), PATTERNS.account_charges("*"),
                    PATTERNS.account_refunds("*"))
    handlers = on
