"""Domain state -> protobuf resources returned by the command services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.disputes.v1 import dispute_pb2
from ledgermesh.payments.v1 import charge_pb2

from command_svc.domain.accounts import AccountState
from command_svc.domain.disputes import DisputeState, DisputeStatus
from command_svc.domain.events import FraudDecision, PayoutCreated, RefundCreated
from command_svc.domain.payments import ChargeState, ChargeStatus
from eventlog.records import StoredEvent


def ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    out = Timestamp()
    out.FromDatetime(value)
    return out


def position_of(stored: Sequence[StoredEvent]) -> int:
    """The read-your-writes token of a command: the highest position its transaction wrote."""
    return max((e.commit_position or e.global_position for e in stored), default=0)


_STATUS = {
    ChargeStatus.REQUESTED: charge_pb2.CHARGE_STATUS_PENDING,
    ChargeStatus.AUTHORIZED: charge_pb2.CHARGE_STATUS_SUCCEEDED,
    ChargeStatus.CAPTURED: charge_pb2.CHARGE_STATUS_SUCCEEDED,
    ChargeStatus.EXPIRED: charge_pb2.CHARGE_STATUS_SUCCEEDED,
    ChargeStatus.DECLINED: charge_pb2.CHARGE_STATUS_FAILED,
}


def _outcome(s: ChargeState) -> charge_pb2.Outcome:
    blocked = s.fraud_decision is FraudDecision.BLOCK
    if s.paid or s.status is ChargeStatus.EXPIRED:
        network, kind = "approved_by_network", (
            "manual_review" if s.fraud_decision is FraudDecision.REVIEW else "authorized")
        message = "Payment complete."
    elif blocked:
        network, kind, message = "not_sent_to_network", "blocked", "Stripe blocked this payment as too risky."
    else:
        network, kind, message = "declined_by_network", "issuer_declined", "The bank did not return any further details."
    return charge_pb2.Outcome(
        network_status=network, type=kind, seller_message=message, risk_level=s.risk_level,
        risk_score=s.risk_score, rules=list(s.rules_triggered),
        reason="highest_risk_level" if blocked else s.decline_code,
    )


def charge(
    s: ChargeState, created: datetime, stored: Sequence[StoredEvent], dispute: DisputeState | None = None
) -> charge_pb2.Charge:
    c = s.card
    message = charge_pb2.Charge(
        id=s.charge_id, account_id=s.account_id, amount=s.amount, amount_captured=s.amount_captured,
        amount_refunded=s.amount_refunded, currency=s.currency,
        status=_STATUS.get(s.status, charge_pb2.CHARGE_STATUS_UNSPECIFIED), captured=s.captured, paid=s.paid,
        refunded=s.refunded or s.status is ChargeStatus.EXPIRED, description=s.description,
        metadata=dict(s.metadata), customer=s.customer, failure_code=s.failure_code,
        failure_message=s.failure_message, decline_code=s.decline_code, outcome=_outcome(s),
        card=charge_pb2.CardDetails(brand=c.brand, last4=c.last4, country=c.country, exp_month=c.exp_month,
                                    exp_year=c.exp_year, fingerprint=c.fingerprint, funding=c.funding),
        balance_transaction=s.balance_transaction_id if s.captured else "",
        created=ts(created), authorization_code=s.authorization_code,
        network_transaction_id=s.network_transaction_id, receipt_email=s.receipt_email,
        statement_descriptor=s.statement_descriptor, fee=s.fee, version=s.version,
        position=position_of(stored), source=s.source,
        disputed=dispute is not None and dispute.status in _DISPUTED,
        dispute=dispute.dispute_id if dispute is not None else "",
    )
    if s.expires_at is not None and s.status is ChargeStatus.AUTHORIZED:
        message.authorization_expires_at.FromDatetime(s.expires_at)
    return message


# Stripe's `disputed`: a dispute is open or was lost.
_DISPUTED = frozenset({DisputeStatus.NEEDS_RESPONSE, DisputeStatus.UNDER_REVIEW, DisputeStatus.LOST})

_DISPUTE_STATUS = {
    DisputeStatus.NEEDS_RESPONSE: dispute_pb2.DISPUTE_STATUS_NEEDS_RESPONSE,
    DisputeStatus.UNDER_REVIEW: dispute_pb2.DISPUTE_STATUS_UNDER_REVIEW,
    DisputeStatus.WON: dispute_pb2.DISPUTE_STATUS_WON,
    DisputeStatus.LOST: dispute_pb2.DISPUTE_STATUS_LOST,
}


def dispute(
    s: DisputeState, created: datetime, submission_count: int, stored: Sequence[StoredEvent]
) -> dispute_pb2.Dispute:
    return dispute_pb2.Dispute(
        id=s.dispute_id, charge_id=s.charge_id, account_id=s.account_id, amount=s.amount, currency=s.currency,
        reason=s.reason, status=_DISPUTE_STATUS.get(s.status, dispute_pb2.DISPUTE_STATUS_UNSPECIFIED),
        evidence=dict(s.evidence), evidence_files=list(s.file_references), evidence_due_by=ts(s.evidence_due_date),
        submission_count=submission_count, created=ts(created), dispute_fee=s.dispute_fee, version=s.version,
        position=position_of(stored),
    )


def refund(r: RefundCreated, account_id: str, created: datetime, stored: Sequence[StoredEvent]) -> charge_pb2.Refund:
    return charge_pb2.Refund(
        id=r.refund_id, charge_id=r.charge_id, amount=r.amount, currency=r.currency, reason=r.reason,
        status="succeeded", metadata=dict(r.metadata), created=ts(created),
        balance_transaction=r.balance_transaction_id, account_id=account_id, position=position_of(stored),
    )


def account(s: AccountState, created: datetime) -> account_pb2.Account:
    status = s.kyc_status.value if hasattr(s.kyc_status, "value") else str(s.kyc_status)
    verified = status == "verified"
    requirements = account_pb2.Requirements(
        currently_due=[] if verified else list(s.required_documents),
        eventually_due=[] if verified else list(s.required_documents),
        disabled_reason="" if verified else (
            "requirements.pending_verification" if status == "pending" else
            "rejected.other" if status == "rejected" else "requirements.past_due"),
    )
    if s.kyc_due_date is not None and not verified:
        requirements.current_deadline.FromDatetime(s.kyc_due_date)
    return account_pb2.Account(
        id=s.account_id, email=s.email, country=s.country, default_currency=s.default_currency,
        business_name=s.business_name, verification_status=status, charges_enabled=status != "rejected",
        payouts_enabled=verified, requirements=requirements, capabilities=list(s.capabilities),
        risk_level=s.risk_level, fee_percent_bps=s.fees.percent_bps, fee_fixed=s.fees.fixed,
        metadata=dict(s.metadata), created=ts(created), version=s.version,
    )


def payout(p: PayoutCreated, created: datetime, stored: Sequence[StoredEvent]) -> account_pb2.Payout:
    return account_pb2.Payout(
        id=p.payout_id, account_id=p.account_id, amount=p.payout_amount, currency=p.currency, status="pending",
        destination=p.destination_account, arrival_date=ts(p.estimated_arrival), created=ts(created),
        description=p.description, metadata=dict(p.metadata), balance_transaction=p.balance_transaction_id,
        position=position_of(stored),
    )
