"""Protobuf resources -> Stripe JSON objects."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.payments.v1 import charge_pb2

_STATUS = {
    charge_pb2.CHARGE_STATUS_PENDING: "pending",
    charge_pb2.CHARGE_STATUS_SUCCEEDED: "succeeded",
    charge_pb2.CHARGE_STATUS_FAILED: "failed",
}


def unix(ts: Timestamp) -> int:
    return int(ts.seconds)


def list_object(url: str, data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def charge(c: charge_pb2.Charge) -> dict[str, Any]:
    card = {
        "brand": c.card.brand, "last4": c.card.last4, "country": c.card.country or None,
        "exp_month": c.card.exp_month, "exp_year": c.card.exp_year, "fingerprint": c.card.fingerprint,
        "funding": c.card.funding or "credit",
    }
    outcome = None
    if c.outcome.type:
        outcome = {
            "network_status": c.outcome.network_status, "reason": c.outcome.reason or None,
            "risk_level": c.outcome.risk_level or "normal", "risk_score": c.outcome.risk_score,
            "seller_message": c.outcome.seller_message, "type": c.outcome.type,
            "rule": c.outcome.rules[0] if c.outcome.rules else None,
        }
    return {
        "id": c.id,
        "object": "charge",
        "amount": c.amount,
        "amount_captured": c.amount_captured,
        "amount_refunded": c.amount_refunded,
        "balance_transaction": c.balance_transaction or None,
        "captured": c.captured,
        "created": unix(c.created),
        "currency": c.currency,
        "customer": c.customer or None,
        "description": c.description or None,
        "disputed": c.disputed,
        "dispute": c.dispute or None,
        "failure_code": c.failure_code or None,
        "failure_message": c.failure_message or None,
        "livemode": False,
        "metadata": dict(c.metadata),
        "outcome": outcome,
        "paid": c.paid,
        "payment_method_details": {"type": "card", "card": card},
        "source": {"object": "card", "id": c.source, **card} if c.source else None,
        "receipt_email": c.receipt_email or None,
        "refunded": c.refunded,
        "statement_descriptor": c.statement_descriptor or None,
        "status": _STATUS.get(c.status, "pending"),
        "application_fee_amount": None,
    }
