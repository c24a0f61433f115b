"""The protobuf resources the command services reply with. A reply shows an object exactly as a read
will: the decided state is written in its read model's hash form, the fields the projector writes
from the same events, and turned into its message by the read model's own mapper (readmodel/)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.disputes.v1 import dispute_pb2
from ledgermesh.payments.v1 import charge_pb2

from command_svc.domain.accounts import AccountState, KycStatus
from command_svc.domain.disputes import DisputeState, DisputeStatus
from command_svc.domain.events import FraudDecision, PayoutCreated, RefundCreated
from command_svc.domain.ledger import LedgerState
from command_svc.domain.payments import ChargeState, ChargeStatus
from eventlog.records import StoredEvent
from readmodel import accounts as account_model
from readmodel import charges as charge_model
from readmodel import disputes as dispute_model
from readmodel.accounts import account_from_hash, payout_from_hash
from readmodel.charges import charge_from_hash, refund_from_hash
from readmodel.disputes import dispute_from_hash
from readmodel.ledger import BUCKETS, balance_field, balance_from_hash
from readmodel.values import flag_text, micros, rfc3339, text

_CHARGE_STATUSES = {
    ChargeStatus.REQUESTED: charge_model.PENDING,
    ChargeStatus.AUTHORIZED: charge_model.SUCCEEDED,
    ChargeStatus.CAPTURED: charge_model.SUCCEEDED,
    ChargeStatus.EXPIRED: charge_model.SUCCEEDED,
    ChargeStatus.DECLINED: charge_model.FAILED,
}

_FRAUD_DECISIONS = {
    FraudDecision.ALLOW: charge_model.FRAUD_ALLOW,
    FraudDecision.REVIEW: charge_model.FRAUD_REVIEW,
    FraudDecision.BLOCK: charge_model.FRAUD_BLOCK,
}

_DISPUTE_STATUSES = {
    DisputeStatus.NEEDS_RESPONSE: dispute_model.NEEDS_RESPONSE,
    DisputeStatus.UNDER_REVIEW: dispute_model.UNDER_REVIEW,
    DisputeStatus.WON: dispute_model.WON,
    DisputeStatus.LOST: dispute_model.LOST,
}

_VERIFICATION_STATUSES = {
    KycStatus.UNVERIFIED: account_model.UNVERIFIED,
    KycStatus.PENDING: account_model.PENDING,
    KycStatus.VERIFIED: account_model.VERIFIED,
    KycStatus.REJECTED: account_model.REJECTED,
}


def position_of(stored: Sequence[StoredEvent]) -> int:
    """The read-your-writes token of a command: the highest position its transaction wrote."""
    return max((e.commit_position or e.global_position for e in stored), default=0)


def created_at(stored: Sequence[StoredEvent], aggregate_id: str, loaded: datetime) -> datetime:
    """When an object was created, as the log recorded it: its stream's first event when this
    command wrote it, else the time of the loaded stream's first event."""
    return next((e.created_at for e in stored if e.aggregate_id == aggregate_id and e.aggregate_version == 1), loaded)


def _logged_at(stored: Sequence[StoredEvent], fallback: datetime) -> datetime:
    """The log's time of this command's events (one per transaction)."""
    return stored[0].created_at if stored else fallback


def _hash(fields: Mapping[str, object]) -> dict[str, str]:
    return {name: text(value) for name, value in fields.items()}


def charge_hash(s: ChargeState, created: datetime, position: int, dispute: DisputeState | None) -> dict[str, str]:
    # Written out field by field: this runs inside every CreateCharge's transaction.
    expired = s.status is ChargeStatus.EXPIRED
    c = s.card
    card = {"brand": c.brand, "last4": c.last4, "fingerprint": c.fingerprint, "country": c.country,
            "exp_month": c.exp_month, "exp_year": c.exp_year, "funding": c.funding}
    return {
        "id": s.charge_id, "account_id": s.account_id, "amount": str(s.amount), "currency": s.currency,
        "status": _CHARGE_STATUSES[s.status],
        # The projector never clears `paid`: a lapsed authorization was still paid.
        "captured": flag_text(s.captured), "paid": flag_text(s.paid or expired),
        "amount_captured": str(s.amount_captured),
        "amount_refunded": str(s.released_amount if expired else s.amount_refunded), "fee": str(s.fee),
        "description": s.description, "customer": s.customer, "source": s.source,
        "payment_intent": s.payment_intent, "payment_method": s.payment_method,
        "statement_descriptor": s.statement_descriptor, "receipt_email": s.receipt_email,
        "created_us": str(micros(created)), "card": json.dumps(card), "card_last4": c.last4,
        "risk_score": str(s.risk_score), "risk_level": s.risk_level,
        "fraud_decision": _FRAUD_DECISIONS.get(s.fraud_decision, ""), "rules": json.dumps(list(s.rules_triggered)),
        "authorization_code": s.authorization_code, "network_transaction_id": s.network_transaction_id,
        "authorization_expires_at": rfc3339(s.expires_at), "failure_code": s.failure_code,
        "decline_code": s.decline_code, "failure_message": s.failure_message,
        "balance_transaction": s.balance_transaction_id if s.captured else "",
        "authorization_expired": flag_text(expired), "dispute": dispute.dispute_id if dispute is not None else "",
        "version": str(s.version), "position": str(position),
    }


def charge(s: ChargeState, created: datetime, stored: Sequence[StoredEvent],
           dispute: DisputeState | None = None) -> charge_pb2.Charge:
    when = created_at(stored, s.charge_id, created)
    return charge_from_hash(charge_hash(s, when, position_of(stored), dispute), s.metadata)


def refund_hash(r: RefundCreated, account_id: str, created: datetime, position: int) -> dict[str, str]:
    return _hash({
        "id": r.refund_id, "charge_id": r.charge_id, "account_id": account_id, "amount": r.amount,
        "currency": r.currency, "reason": r.reason, "status": charge_model.REFUND_SUCCEEDED,
        "created_us": micros(created), "balance_transaction": r.balance_transaction_id, "position": position,
        "metadata": json.dumps(dict(r.metadata), sort_keys=True), "payment_intent": r.payment_intent,
    })


def refund(r: RefundCreated, account_id: str, created: datetime, stored: Sequence[StoredEvent]) -> charge_pb2.Refund:
    return refund_from_hash(refund_hash(r, account_id, _logged_at(stored, created), position_of(stored)))


def dispute_hash(s: DisputeState, created: datetime, submission_count: int, position: int) -> dict[str, str]:
    return _hash({
        "id": s.dispute_id, "charge_id": s.charge_id, "account_id": s.account_id, "amount": s.amount,
        "currency": s.currency, "reason": s.reason, "status": _DISPUTE_STATUSES[s.status],
        "evidence_due_by": rfc3339(s.evidence_due_date), "dispute_fee": s.dispute_fee,
        "submission_count": submission_count, "created_us": micros(created), "version": s.version,
        "position": position,
        **{dispute_model.evidence_field(name): value for name, value in s.evidence.items()},
        **{dispute_model.evidence_file(file_id): dispute_model.evidence_file_order(0, i)
           for i, file_id in enumerate(s.file_references)},
    })


def dispute(s: DisputeState, created: datetime, submission_count: int,
            stored: Sequence[StoredEvent]) -> dispute_pb2.Dispute:
    when = created_at(stored, s.dispute_id, created)
    return dispute_from_hash(dispute_hash(s, when, submission_count, position_of(stored)))


def account_hash(s: AccountState, created: datetime) -> dict[str, str]:
    return _hash({
        "id": s.account_id, "email": s.email, "country": s.country, "default_currency": s.default_currency,
        "business_name": s.business_name, "fee_percent_bps": s.fees.percent_bps, "fee_fixed": s.fees.fixed,
        "verification_status": _VERIFICATION_STATUSES[s.kyc_status], "created_us": micros(created),
        "metadata": json.dumps(dict(s.metadata), sort_keys=True),
        "required_documents": json.dumps(list(s.required_documents)), "kyc_due_date": rfc3339(s.kyc_due_date),
        "capabilities": json.dumps(list(s.capabilities)), "risk_level": s.risk_level, "version": s.version,
    })


def account(s: AccountState, created: datetime, stored: Sequence[StoredEvent]) -> account_pb2.Account:
    return account_from_hash(account_hash(s, created_at(stored, s.account_id, created)))


def payout_hash(p: PayoutCreated, created: datetime, position: int) -> dict[str, str]:
    return _hash({
        "id": p.payout_id, "account_id": p.account_id, "amount": p.payout_amount, "currency": p.currency,
        "destination": p.destination_account, "arrival_date": rfc3339(p.estimated_arrival),
        "description": p.description, "balance_transaction": p.balance_transaction_id,
        "metadata": json.dumps(dict(p.metadata), sort_keys=True), "created_us": micros(created),
        "position": position,
    })


def payout(p: PayoutCreated, created: datetime, stored: Sequence[StoredEvent]) -> account_pb2.Payout:
    return payout_from_hash(payout_hash(p, _logged_at(stored, created), position_of(stored)))


def balance(ledgers: Sequence[LedgerState]) -> account_pb2.Balance:
    """Ledger states as the balance read model shows them (one hash field per currency and bucket)."""
    return balance_from_hash({balance_field(s.currency, bucket): str(getattr(s, bucket))
                              for s in ledgers for bucket in BUCKETS})
