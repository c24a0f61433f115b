"""The charge and refund read models: the one place a charge (or refund) becomes its protobuf message,
whether the hash came from Redis (reads) or from the command that just changed it (write replies)."""

from __future__ import annotations

import orjson
from ledgermesh.events.v1 import payment_events_pb2
from ledgermesh.payments.v1 import charge_pb2

from readmodel.values import Hash, flag, integer, json_value, timestamp_from_text, timestamp_from_us

# A charge hash's `status`, in Stripe's words.
PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"

CHARGE_STATUSES = {
    PENDING: charge_pb2.CHARGE_STATUS_PENDING,
    SUCCEEDED: charge_pb2.CHARGE_STATUS_SUCCEEDED,
    FAILED: charge_pb2.CHARGE_STATUS_FAILED,
}

# A refund is final when recorded: the card network is simulated and never fails a refund.
REFUND_SUCCEEDED = "succeeded"

# A charge hash's `fraud_decision`: the FraudDecision value's name ("" before the check).
FRAUD_ALLOW = payment_events_pb2.FraudDecision.Name(payment_events_pb2.FRAUD_DECISION_ALLOW)
FRAUD_REVIEW = payment_events_pb2.FraudDecision.Name(payment_events_pb2.FRAUD_DECISION_REVIEW)
FRAUD_BLOCK = payment_events_pb2.FraudDecision.Name(payment_events_pb2.FRAUD_DECISION_BLOCK)

_CARD_FIELDS = frozenset(charge_pb2.CardDetails.DESCRIPTOR.fields_by_name)


def charge_from_hash(h: Hash, metadata: Hash) -> charge_pb2.Charge:
    amount_captured = integer(h, "amount_captured")
    amount_refunded = integer(h, "amount_refunded")
    card = orjson.loads(h.get("card") or "{}")
    charge = charge_pb2.Charge(
        id=h["id"],
        account_id=h.get("account_id", ""),
        amount=integer(h, "amount"),
        amount_captured=amount_captured,
        amount_refunded=amount_refunded,
        currency=h.get("currency", ""),
        status=CHARGE_STATUSES.get(h.get("status", ""), charge_pb2.CHARGE_STATUS_UNSPECIFIED),
        captured=flag(h, "captured"),
        paid=flag(h, "paid"),
        # Stripe's `refunded`: everything captured went back, or the uncaptured authorization lapsed.
        refunded=(amount_refunded > 0 and amount_refunded >= max(amount_captured, 1))
        or flag(h, "authorization_expired"),
        # Stripe's `disputed`: the charge has been disputed, whatever the dispute's outcome.
        disputed=bool(h.get("dispute")),
        description=h.get("description", ""),
        metadata=metadata,
        customer=h.get("customer", ""),
        failure_code=h.get("failure_code", ""),
        failure_message=h.get("failure_message", ""),
        outcome=_outcome(h),
        card=charge_pb2.CardDetails(**{name: value for name, value in card.items() if name in _CARD_FIELDS}),
        decline_code=h.get("decline_code", ""),
        balance_transaction=h.get("balance_transaction", ""),
        created=timestamp_from_us(h.get("created_us")),
        authorization_code=h.get("authorization_code", ""),
        network_transaction_id=h.get("network_transaction_id", ""),
        receipt_email=h.get("receipt_email", ""),
        statement_descriptor=h.get("statement_descriptor", ""),
        dispute=h.get("dispute", ""),
        fee=integer(h, "fee"),
        version=integer(h, "version"),
        position=integer(h, "position"),
        source=h.get("source", ""),
        payment_intent=h.get("payment_intent", ""),
        payment_method=h.get("payment_method", ""),
    )
    expires = timestamp_from_text(h.get("authorization_expires_at"))
    if expires is not None:
        charge.authorization_expires_at.CopyFrom(expires)
    return charge


def _outcome(h: Hash) -> charge_pb2.Outcome:
    status = h.get("status")
    decision = h.get("fraud_decision", "")
    blocked = decision == FRAUD_BLOCK
    if status == SUCCEEDED:
        network, kind = "approved_by_network", "manual_review" if decision == FRAUD_REVIEW else "authorized"
        message = "Payment complete."
    elif blocked:
        network, kind, message = "not_sent_to_network", "blocked", "Stripe blocked this payment as too risky."
    elif status == FAILED:
        network, kind, message = "declined_by_network", "issuer_declined", "The bank did not return any further details."
    else:
        network, kind, message = "", "", ""
    return charge_pb2.Outcome(
        network_status=network, type=kind, seller_message=message,
        risk_level=h.get("risk_level", ""), risk_score=integer(h, "risk_score"),
        rules=json_value(h, "rules") or [],
        reason="highest_risk_level" if blocked else h.get("decline_code", ""),
    )


def refund_from_hash(h: Hash) -> charge_pb2.Refund:
    return charge_pb2.Refund(
        id=h["id"], charge_id=h.get("charge_id", ""), amount=integer(h, "amount"), currency=h.get("currency", ""),
        reason=h.get("reason", ""), status=h.get("status", ""), metadata=json_value(h, "metadata") or {},
        created=timestamp_from_us(h.get("created_us")), balance_transaction=h.get("balance_transaction", ""),
        account_id=h.get("account_id", ""), position=integer(h, "position"),
        payment_intent=h.get("payment_intent", ""),
    )
