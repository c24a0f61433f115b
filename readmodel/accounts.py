"""The account and payout read models: the one place an account (or payout) becomes its protobuf message."""

from __future__ import annotations

from datetime import UTC, datetime

from ledgermesh.accounts.v1 import account_pb2

from readmodel.values import Hash, integer, json_value, micros, timestamp_from_text, timestamp_from_us

# An account hash's `verification_status`: where its KYC stands.
UNVERIFIED = "unverified"
PENDING = "pending"
VERIFIED = "verified"
REJECTED = "rejected"

# Stripe's `requirements.disabled_reason` while an account is not verified.
_DISABLED_REASONS = {PENDING: "requirements.pending_verification", REJECTED: "rejected.other"}

# A payout is pending until its arrival date, then paid (the bank transfer is simulated).
PAYOUT_PENDING = "pending"
PAYOUT_PAID = "paid"


def account_from_hash(h: Hash) -> account_pb2.Account:
    status = h.get("verification_status", "")
    verified = status == VERIFIED
    due = [] if verified else (json_value(h, "required_documents") or [])
    # Requirements the provider could not verify are past due (Stripe: requirements.past_due); a
    # rejection naming none is the platform's (rejected.other).
    failed = status == REJECTED and bool(due)
    requirements = account_pb2.Requirements(
        currently_due=due, eventually_due=due, past_due=due if failed else [],
        disabled_reason="" if verified else "requirements.past_due" if failed
        else _DISABLED_REASONS.get(status, "requirements.past_due"),
    )
    deadline = timestamp_from_text(h.get("kyc_due_date"))
    if deadline is not None and not verified:
        requirements.current_deadline.CopyFrom(deadline)
    return account_pb2.Account(
        id=h["id"], email=h.get("email", ""), country=h.get("country", ""),
        default_currency=h.get("default_currency", ""), business_name=h.get("business_name", ""),
        verification_status=status, charges_enabled=status != REJECTED, payouts_enabled=verified,
        requirements=requirements, capabilities=json_value(h, "capabilities") or [],
        risk_level=h.get("risk_level", ""), fee_percent_bps=integer(h, "fee_percent_bps"),
        fee_fixed=integer(h, "fee_fixed"), metadata=json_value(h, "metadata") or {},
        created=timestamp_from_us(h.get("created_us")), version=integer(h, "version"),
    )


def payout_from_hash(h: Hash, now: datetime | None = None) -> account_pb2.Payout:
    arrival = timestamp_from_text(h.get("arrival_date"))
    arrived = arrival is not None and arrival.ToMicroseconds() <= micros(now or datetime.now(UTC))
    payout = account_pb2.Payout(
        id=h["id"], account_id=h.get("account_id", ""), amount=integer(h, "amount"), currency=h.get("currency", ""),
        status=PAYOUT_PAID if arrived else PAYOUT_PENDING, destination=h.get("destination", ""),
        created=timestamp_from_us(h.get("created_us")), description=h.get("description", ""),
        metadata=json_value(h, "metadata") or {}, balance_transaction=h.get("balance_transaction", ""),
        position=integer(h, "position"),
    )
    if arrival is not None:
        payout.arrival_date.CopyFrom(arrival)
    return payout
