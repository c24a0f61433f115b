"""Protobuf resources -> Stripe JSON objects."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.disputes.v1 import dispute_pb2
from ledgermesh.payments.v1 import charge_pb2

API_VERSION = "2024-06-20"

_STATUS = {
    charge_pb2.CHARGE_STATUS_PENDING: "pending",
    charge_pb2.CHARGE_STATUS_SUCCEEDED: "succeeded",
    charge_pb2.CHARGE_STATUS_FAILED: "failed",
}

_DISPUTE_STATUS = {
    dispute_pb2.DISPUTE_STATUS_NEEDS_RESPONSE: "needs_response",
    dispute_pb2.DISPUTE_STATUS_UNDER_REVIEW: "under_review",
    dispute_pb2.DISPUTE_STATUS_WON: "won",
    dispute_pb2.DISPUTE_STATUS_LOST: "lost",
}

# Stripe's dispute evidence fields; text values travel in Dispute.evidence, files by reference.
EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation",
    "duplicate_charge_explanation", "duplicate_charge_id", "product_description", "receipt",
    "refund_policy", "refund_policy_disclosure", "refund_refusal_explanation", "service_date",
    "service_documentation", "shipping_address", "shipping_carrier", "shipping_date",
    "shipping_documentation", "shipping_tracking_number", "uncategorized_file", "uncategorized_text",
)


def unix(ts: Timestamp) -> int:
    return int(ts.seconds)


def unix_or_none(ts: Timestamp) -> int | None:
    return int(ts.seconds) if ts.seconds or ts.nanos else None


def list_object(url: str, data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def deleted(object_name: str, object_id: str) -> dict[str, Any]:
    return {"id": object_id, "object": object_name, "deleted": True}


def _address() -> dict[str, Any]:
    return {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


def charge(c: charge_pb2.Charge, refunds: list[charge_pb2.Refund] | None = None) -> dict[str, Any]:
    """A charge; `refunds` are its refunds when the caller read them (the list is empty otherwise, and
    `has_more` says whether the charge has refunds the list does not show)."""
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
        # A PaymentIntent's charge is paid by its payment method, not a source (its source is the
        # network's token, which Stripe never shows).
        "source": {"object": "card", "id": c.source, **card} if c.source and not c.payment_method else None,
        "receipt_email": c.receipt_email or None,
        "refunded": c.refunded,
        "statement_descriptor": c.statement_descriptor or None,
        "status": _STATUS.get(c.status, "pending"),
        "application_fee_amount": None,
        # Fields Stripe sends that LedgerMesh has no value for: null, as Stripe sends them.
        "application": None,
        "application_fee": None,
        "billing_details": {"address": _address(), "email": c.receipt_email or None, "name": None, "phone": None},
        "calculated_statement_descriptor": c.statement_descriptor or None,
        "failure_balance_transaction": None,
        "fraud_details": {},
        "on_behalf_of": None,
        "payment_intent": c.payment_intent or None,
        # A charge made from a source is paid by the card that source stands for.
        "payment_method": c.payment_method or c.source or None,
        "receipt_number": None,
        "receipt_url": None,
        "refunds": list_object(f"/v1/charges/{c.id}/refunds", [refund(r) for r in refunds or []],
                               c.amount_refunded > sum(r.amount for r in refunds or [])),
        "review": None,
        "shipping": None,
        "source_transfer": None,
        "statement_descriptor_suffix": None,
        "transfer_data": None,
        "transfer_group": None,
    }


def refund(r: charge_pb2.Refund) -> dict[str, Any]:
    return {
        "id": r.id,
        "object": "refund",
        "amount": r.amount,
        "balance_transaction": r.balance_transaction or None,
        "charge": r.charge_id,
        "created": unix(r.created),
        "currency": r.currency,
        "livemode": False,
        "metadata": dict(r.metadata),
        "payment_intent": r.payment_intent or None,
        "reason": r.reason or None,
        "status": r.status or "succeeded",
        "customer": None,
        "customer_account": None,
        "destination_details": {"type": "card", "card": {"reference": None, "reference_status": "pending",
                                                         "reference_type": "acquirer_reference_number",
                                                         "type": "refund"}},
        "payment_method": None,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "transfer_reversal": None,
    }


def dispute(d: dispute_pb2.Dispute) -> dict[str, Any]:
    evidence: dict[str, Any] = {name: None for name in EVIDENCE_FIELDS}
    evidence.update(dict(d.evidence))
    due_by = unix_or_none(d.evidence_due_by)
    status = _DISPUTE_STATUS.get(d.status, "needs_response")
    return {
        "id": d.id,
        "object": "dispute",
        "amount": d.amount,
        "balance_transactions": [],
        "charge": d.charge_id,
        "created": unix(d.created),
        "currency": d.currency,
        "evidence": evidence,
        "evidence_details": {
            "due_by": due_by, "has_evidence": bool(d.evidence) or bool(d.evidence_files),
            "past_due": False, "submission_count": d.submission_count,
        },
        "is_charge_refundable": status == "needs_response",
        "livemode": False,
        "metadata": {},
        "reason": d.reason or "general",
        "status": status,
        "enhanced_eligibility_types": [],
        "payment_intent": None,
        "payment_method_details": None,
    }


def _amounts(amounts: Any) -> list[dict[str, Any]]:
    return [{"amount": a.amount, "currency": a.currency, "source_types": {"card": a.amount}} for a in amounts]


def balance(b: account_pb2.Balance) -> dict[str, Any]:
    return {
        "object": "balance",
        "available": _amounts(b.available),
        "pending": _amounts(b.pending),
        # LedgerMesh extension: funds held for open disputes.
        "reserved": _amounts(b.reserved),
        "livemode": False,
        "connect_reserved": None,
    }


def balance_transaction(t: account_pb2.BalanceTransaction) -> dict[str, Any]:
    fee_details = ([{"amount": t.fee, "application": None, "currency": t.currency,
                     "description": "LedgerMesh processing fees", "type": "stripe_fee"}] if t.fee else [])
    return {
        "id": t.id,
        "object": "balance_transaction",
        "amount": t.amount,
        "available_on": unix(t.available_on),
        "created": unix(t.created),
        "currency": t.currency,
        "description": t.description or None,
        "exchange_rate": None,
        "fee": t.fee,
        "fee_details": fee_details,
        "net": t.net,
        "reporting_category": t.reporting_category or t.type,
        "source": t.source or None,
        "status": t.status or "pending",
        "type": t.type,
        "balance_type": "payments",
    }


def payout(p: account_pb2.Payout) -> dict[str, Any]:
    return {
        "id": p.id,
        "object": "payout",
        "amount": p.amount,
        "arrival_date": unix(p.arrival_date),
        "automatic": False,
        "balance_transaction": p.balance_transaction or None,
        "created": unix(p.created),
        "currency": p.currency,
        "description": p.description or None,
        "destination": p.destination or None,
        "livemode": False,
        "metadata": dict(p.metadata),
        "method": "standard",
        "status": p.status or "pending",
        "type": "bank_account",
        "application_fee": None,
        "application_fee_amount": None,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "original_payout": None,
        "payout_method": None,
        # Payouts are created by hand here; Stripe reconciles only automatic ones.
        "reconciliation_status": "not_applicable",
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": None,
        "trace_id": None,
    }


def account(a: account_pb2.Account, secret_key: str = "") -> dict[str, Any]:
    r = a.requirements
    active = "active" if a.charges_enabled else "inactive"
    capabilities = {name: "active" for name in a.capabilities} or {"card_payments": active}
    shaped: dict[str, Any] = {
        "id": a.id,
        "object": "account",
        "business_profile": {"name": a.business_name or None},
        "business_type": None,
        "capabilities": capabilities,
        "charges_enabled": a.charges_enabled,
        "country": a.country or "US",
        "created": unix(a.created),
        "default_currency": a.default_currency or "usd",
        "details_submitted": a.verification_status in ("pending", "verified"),
        "email": a.email or None,
        "metadata": dict(a.metadata),
        "payouts_enabled": a.payouts_enabled,
        "requirements": {
            "alternatives": [],
            "current_deadline": unix_or_none(r.current_deadline),
            "currently_due": list(r.currently_due),
            "disabled_reason": r.disabled_reason or None,
            "errors": [],
            "eventually_due": list(r.eventually_due),
            "past_due": list(r.past_due),
            "pending_verification": list(r.currently_due) if a.verification_status == "pending" else [],
        },
        "type": "standard",
        # LedgerMesh extensions: the KYC state in one word.
        "verification_status": a.verification_status or "unverified",
        "controller": None,
        "external_accounts": list_object(f"/v1/accounts/{a.id}/external_accounts", [], False),
        "future_requirements": {"alternatives": [], "current_deadline": None, "currently_due": [],
                                "disabled_reason": None, "errors": [], "eventually_due": [], "past_due": [],
                                "pending_verification": []},
        "settings": None,
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
    }
    if secret_key:
        # LedgerMesh extension: the account's first secret key, shown once, on creation only.
        shaped["secret_key"] = secret_key
    return shaped


def webhook_endpoint(w: account_pb2.WebhookEndpoint) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "id": w.id,
        "object": "webhook_endpoint",
        "api_version": API_VERSION,
        "application": None,
        "created": unix(w.created),
        "description": w.description or None,
        "enabled_events": list(w.enabled_events),
        "livemode": False,
        "metadata": dict(w.metadata),
        "status": w.status or "enabled",
        "url": w.url,
    }
    if w.secret:
        shaped["secret"] = w.secret
    return shaped
