"""Domain events: one frozen dataclass per message of proto/ledgermesh/events/v1.

Class names and field names are exactly the proto message and field names; eventcodec.codec converts
by name, refuses a class that differs from its message, and tests/unit/test_event_codec.py checks
every field both ways. int32/int64 -> int, string -> str, bool -> bool, repeated string ->
tuple[str, ...], map<string, string> -> Mapping[str, str] (a plain dict), Timestamp -> tz-aware UTC
datetime or None when unset, enum -> Enum whose member names drop the proto prefix and whose values
are the proto numbers. Every field defaults to its proto3 default, which the bus does not carry.

Annotations are evaluated (no `from __future__ import annotations`) so an adapter can read
`dataclasses.fields(cls)[i].type` directly.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Final, TypeAlias, get_args


class FraudDecision(Enum):
    UNSPECIFIED = 0
    ALLOW = 1
    REVIEW = 2
    BLOCK = 3


class DisputeResolution(Enum):
    UNSPECIFIED = 0
    WON = 1
    LOST = 2


class LedgerEntryType(Enum):
    UNSPECIFIED = 0
    CHARGE = 1
    REFUND = 2
    PAYOUT = 3
    SETTLEMENT = 4
    DISPUTE_RESERVE = 5
    DISPUTE_RELEASE = 6
    DISPUTE_LOSS = 7


@dataclass(frozen=True, kw_only=True)
class Card:
    """Non-sensitive card facts; the card number is never known to LedgerMesh."""

    brand: str = ""
    last4: str = ""
    fingerprint: str = ""
    country: str = ""
    exp_month: int = 0
    exp_year: int = 0
    funding: str = ""


# --- Charge stream -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ChargeRequested:
    charge_id: str = ""
    amount: int = 0
    currency: str = ""
    source: str = ""
    merchant_id: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    capture: bool = False
    description: str = ""
    customer: str = ""
    card: Card = field(default_factory=Card)
    statement_descriptor: str = ""
    receipt_email: str = ""
    ip_country: str = ""
    payment_intent: str = ""
    payment_method: str = ""


@dataclass(frozen=True, kw_only=True)
class FraudCheckCompleted:
    charge_id: str = ""
    risk_score: int = 0
    decision: FraudDecision = FraudDecision.UNSPECIFIED
    rules_triggered: tuple[str, ...] = ()
    risk_level: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentAuthorized:
    charge_id: str = ""
    amount: int = 0
    currency: str = ""
    authorization_code: str = ""
    network_transaction_id: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentDeclined:
    charge_id: str = ""
    failure_code: str = ""
    decline_code: str = ""
    failure_message: str = ""
    network_transaction_id: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentCaptured:
    charge_id: str = ""
    captured_amount: int = 0
    currency: str = ""
    processing_fees: int = 0
    net_amount: int = 0
    settlement_date: datetime | None = None
    released_amount: int = 0
    balance_transaction_id: str = ""


@dataclass(frozen=True, kw_only=True)
class AuthorizationExpired:
    charge_id: str = ""
    amount: int = 0
    currency: str = ""


@dataclass(frozen=True, kw_only=True)
class RefundCreated:
    refund_id: str = ""
    charge_id: str = ""
    amount: int = 0
    currency: str = ""
    reason: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    balance_transaction_id: str = ""
    payment_intent: str = ""


@dataclass(frozen=True, kw_only=True)
class ChargeUpdated:
    charge_id: str = ""
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    description_set: bool = False


@dataclass(frozen=True, kw_only=True)
class AuthorizationIncremented:
    charge_id: str = ""
    amount: int = 0
    previous_amount: int = 0
    currency: str = ""


# --- Dispute stream ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DisputeCreated:
    dispute_id: str = ""
    charge_id: str = ""
    dispute_reason: str = ""
    evidence_due_date: datetime | None = None
    chargeback_amount: int = 0
    currency: str = ""
    dispute_fee: int = 0
    merchant_id: str = ""


@dataclass(frozen=True, kw_only=True)
class EvidenceSubmitted:
    dispute_id: str = ""
    evidence_type: str = ""
    evidence: Mapping[str, str] = field(default_factory=dict)
    file_references: tuple[str, ...] = ()
    submission_timestamp: datetime | None = None
    submitted: bool = False


@dataclass(frozen=True, kw_only=True)
class DisputeResolved:
    dispute_id: str = ""
    resolution_type: DisputeResolution = DisputeResolution.UNSPECIFIED
    final_amount: int = 0
    currency: str = ""
    resolution_date: datetime | None = None
    accepted_by_merchant: bool = False


# --- Account stream ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AccountOnboarded:
    account_id: str = ""
    email: str = ""
    country: str = ""
    default_currency: str = ""
    business_name: str = ""
    fee_percent_bps: int = 0
    fee_fixed: int = 0
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class KYCProcessStarted:
    account_id: str = ""
    verification_level: str = ""
    required_documents: tuple[str, ...] = ()
    due_date: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class KYCProcessCompleted:
    account_id: str = ""
    verification_status: str = ""
    approved_capabilities: tuple[str, ...] = ()
    risk_level: str = ""
    # Rejected by the verification provider: the requirements it could not verify, due again.
    failed_requirements: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PayoutCreated:
    payout_id: str = ""
    account_id: str = ""
    payout_amount: int = 0
    currency: str = ""
    destination_account: str = ""
    estimated_arrival: datetime | None = None
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    balance_transaction_id: str = ""


@dataclass(frozen=True, kw_only=True)
class ApiKeyIssued:
    account_id: str = ""
    key_hash: str = ""
    key_prefix: str = ""


# --- Ledger stream (one per account and currency) ------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LedgerEntryPosted:
    entry_id: str = ""
    account_id: str = ""
    currency: str = ""
    type: LedgerEntryType = LedgerEntryType.UNSPECIFIED
    source_id: str = ""
    amount: int = 0
    fee: int = 0
    net: int = 0
    available_delta: int = 0
    pending_delta: int = 0
    reserved_delta: int = 0
    available_on: datetime | None = None
    description: str = ""
    settled_entry_ids: tuple[str, ...] = ()


# --- Customer and PaymentMethod streams ----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CustomerAddress:
    city: str = ""
    country: str = ""
    line1: str = ""
    line2: str = ""
    postal_code: str = ""
    state: str = ""


@dataclass(frozen=True, kw_only=True)
class CustomerCreated:
    customer_id: str = ""
    email: str = ""
    name: str = ""
    phone: str = ""
    description: str = ""
    address: CustomerAddress = field(default_factory=CustomerAddress)
    address_set: bool = False
    metadata: Mapping[str, str] = field(default_factory=dict)
    default_payment_method: str = ""
    merchant_id: str = ""


@dataclass(frozen=True, kw_only=True)
class CustomerUpdated:
    customer_id: str = ""
    email: str = ""
    email_set: bool = False
    name: str = ""
    name_set: bool = False
    phone: str = ""
    phone_set: bool = False
    description: str = ""
    description_set: bool = False
    address: CustomerAddress = field(default_factory=CustomerAddress)
    address_set: bool = False
    metadata: Mapping[str, str] = field(default_factory=dict)
    default_payment_method: str = ""
    default_payment_method_set: bool = False
    default_source: str = ""
    default_source_set: bool = False


@dataclass(frozen=True, kw_only=True)
class CustomerDeleted:
    customer_id: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentMethodCreated:
    payment_method_id: str = ""
    type: str = ""
    card: Card = field(default_factory=Card)
    network_token: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    billing_name: str = ""
    billing_email: str = ""
    billing_phone: str = ""
    billing_address: CustomerAddress = field(default_factory=CustomerAddress)
    billing_address_set: bool = False
    merchant_id: str = ""
    customer: str = ""
    source_id: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentMethodUpdated:
    payment_method_id: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    exp_month: int = 0
    exp_year: int = 0
    billing_name: str = ""
    billing_name_set: bool = False
    billing_email: str = ""
    billing_email_set: bool = False


@dataclass(frozen=True, kw_only=True)
class PaymentMethodAttached:
    payment_method_id: str = ""
    customer: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentMethodDetached:
    payment_method_id: str = ""
    customer: str = ""


# --- PaymentIntent and SetupIntent streams ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PaymentIntentCreated:
    payment_intent_id: str = ""
    amount: int = 0
    currency: str = ""
    capture_method: str = ""
    customer: str = ""
    payment_method: str = ""
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    statement_descriptor: str = ""
    setup_future_usage: str = ""
    receipt_email: str = ""
    client_secret: str = ""
    merchant_id: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentIntentUpdated:
    payment_intent_id: str = ""
    amount: int = 0
    amount_set: bool = False
    customer: str = ""
    customer_set: bool = False
    payment_method: str = ""
    payment_method_set: bool = False
    description: str = ""
    description_set: bool = False
    metadata: Mapping[str, str] = field(default_factory=dict)
    statement_descriptor: str = ""
    statement_descriptor_set: bool = False
    setup_future_usage: str = ""
    setup_future_usage_set: bool = False
    status: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentIntentRequiresAction:
    payment_intent_id: str = ""
    payment_method: str = ""
    redirect_path: str = ""
    return_url: str = ""
    off_session: bool = False


@dataclass(frozen=True, kw_only=True)
class PaymentIntentAuthorized:
    payment_intent_id: str = ""
    charge_id: str = ""
    payment_method: str = ""
    amount_capturable: int = 0


@dataclass(frozen=True, kw_only=True)
class PaymentIntentAuthorizationIncremented:
    payment_intent_id: str = ""
    charge_id: str = ""
    amount: int = 0


@dataclass(frozen=True, kw_only=True)
class PaymentIntentSucceeded:
    payment_intent_id: str = ""
    charge_id: str = ""
    payment_method: str = ""
    amount_received: int = 0


@dataclass(frozen=True, kw_only=True)
class PaymentIntentPaymentFailed:
    payment_intent_id: str = ""
    charge_id: str = ""
    payment_method: str = ""
    error_type: str = ""
    error_code: str = ""
    decline_code: str = ""
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentIntentCanceled:
    payment_intent_id: str = ""
    cancellation_reason: str = ""
    released_amount: int = 0


@dataclass(frozen=True, kw_only=True)
class SetupIntentCreated:
    setup_intent_id: str = ""
    customer: str = ""
    payment_method: str = ""
    usage: str = ""
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    client_secret: str = ""
    merchant_id: str = ""


@dataclass(frozen=True, kw_only=True)
class SetupIntentRequiresAction:
    setup_intent_id: str = ""
    payment_method: str = ""
    redirect_path: str = ""
    return_url: str = ""


@dataclass(frozen=True, kw_only=True)
class SetupIntentSucceeded:
    setup_intent_id: str = ""
    payment_method: str = ""


@dataclass(frozen=True, kw_only=True)
class SetupIntentFailed:
    setup_intent_id: str = ""
    payment_method: str = ""
    error_code: str = ""
    decline_code: str = ""
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class SetupIntentCanceled:
    setup_intent_id: str = ""
    cancellation_reason: str = ""


# --- Erasure stream (one per data subject: erasure:<subject>) ------------------------------------


@dataclass(frozen=True, kw_only=True)
class SubjectForgotten:
    subject_id: str = ""
    key_ids: tuple[str, ...] = ()
    forgotten_by: str = ""
    reason: str = ""
    forgotten_at: datetime | None = None
    erased_fields: tuple[str, ...] = ()


ChargeEvent: TypeAlias = (
    ChargeRequested
    | FraudCheckCompleted
    | PaymentAuthorized
    | PaymentDeclined
    | PaymentCaptured
    | AuthorizationExpired
    | RefundCreated
    | ChargeUpdated
    | AuthorizationIncremented
)
DisputeEvent: TypeAlias = DisputeCreated | EvidenceSubmitted | DisputeResolved
AccountEvent: TypeAlias = (
    AccountOnboarded | KYCProcessStarted | KYCProcessCompleted | PayoutCreated | ApiKeyIssued
)
LedgerEvent: TypeAlias = LedgerEntryPosted
CustomerEvent: TypeAlias = CustomerCreated | CustomerUpdated | CustomerDeleted
PaymentMethodEvent: TypeAlias = (
    PaymentMethodCreated | PaymentMethodUpdated | PaymentMethodAttached | PaymentMethodDetached
)
PaymentIntentEvent: TypeAlias = (
    PaymentIntentCreated
    | PaymentIntentUpdated
    | PaymentIntentRequiresAction
    | PaymentIntentAuthorized
    | PaymentIntentAuthorizationIncremented
    | PaymentIntentSucceeded
    | PaymentIntentPaymentFailed
    | PaymentIntentCanceled
)
SetupIntentEvent: TypeAlias = (
    SetupIntentCreated
    | SetupIntentRequiresAction
    | SetupIntentSucceeded
    | SetupIntentFailed
    | SetupIntentCanceled
)
ErasureEvent: TypeAlias = SubjectForgotten
DomainEvent: TypeAlias = (
    ChargeEvent
    | DisputeEvent
    | AccountEvent
    | LedgerEvent
    | CustomerEvent
    | PaymentMethodEvent
    | PaymentIntentEvent
    | SetupIntentEvent
    | ErasureEvent
)

# Every domain event class by event type (its name): the registry the codec is built from.
EVENT_TYPES: Final[Mapping[str, type[DomainEvent]]] = {cls.__name__: cls for cls in get_args(DomainEvent)}
