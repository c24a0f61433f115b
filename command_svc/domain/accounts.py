"""The Account aggregate: onboarding, KYC, API keys, and the payout decision that KYC gates.

One stream per account. A payout also touches the ledger stream of its currency; see decide_payout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from functools import reduce
from types import MappingProxyType
from typing import Final, TypeAlias, assert_never

from command_svc.domain import ledger
from command_svc.domain.errors import (
    AlreadyExistsError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)
from command_svc.domain.events import (
    AccountEvent,
    AccountOnboarded,
    ApiKeyIssued,
    KYCProcessCompleted,
    KYCProcessStarted,
    LedgerEntryPosted,
    PayoutCreated,
)
from command_svc.domain.money import FeeSchedule, normalize_currency
from command_svc.domain.rules import (
    MAX_DESCRIPTION_LENGTH,
    normalize_country,
    require_max_length,
    set_metadata,
    validate_email,
    validate_metadata,
)

# Documents asked for when StartKyc names none.
REQUIRED_DOCUMENTS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "basic": ("identity_document",),
        "enhanced": ("identity_document", "proof_of_address", "business_registration"),
    }
)
CAPABILITIES: Final = frozenset({"card_payments", "payouts", "transfers"})
DEFAULT_CAPABILITIES: Final = ("card_payments", "payouts")
KYC_RISK_LEVELS: Final = frozenset({"low", "medium", "high"})
DEFAULT_KYC_WINDOW: Final = timedelta(days=30)
DEFAULT_PAYOUT_ARRIVAL_DAYS: Final = 2
# Negotiated pricing stays within these; anything outside is a typo, not a deal.
MAX_FEE_PERCENT_BPS: Final = 1_000
MAX_FEE_FIXED: Final = 10_000
MAX_BUSINESS_NAME_LENGTH: Final = 255


class KycStatus(Enum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


@dataclass(frozen=True, kw_only=True)
class AccountState:
    account_id: str = ""
    email: str = ""
    country: str = ""
    default_currency: str = ""
    business_name: str = ""
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    metadata: Mapping[str, str] = field(default_factory=dict)
    kyc_status: KycStatus = KycStatus.UNVERIFIED
    verification_level: str = ""
    required_documents: tuple[str, ...] = ()
    kyc_due_date: datetime | None = None
    capabilities: tuple[str, ...] = ()
    risk_level: str = ""
    payout_ids: frozenset[str] = frozenset()
    api_key_hashes: tuple[str, ...] = ()
    version: int = 0

    @property
    def onboarded(self) -> bool:
        return bool(self.account_id)

    @property
    def charges_enabled(self) -> bool:
        return self.onboarded and self.kyc_status is not KycStatus.REJECTED

    @property
    def payouts_enabled(self) -> bool:
        return can_pay_out(self)


def initial_state() -> AccountState:
    return AccountState()


def can_pay_out(state: AccountState) -> bool:
    return state.kyc_status is KycStatus.VERIFIED and "payouts" in state.capabilities


def require_payouts_enabled(state: AccountState) -> None:
    _existing(state)
    if state.kyc_status is not KycStatus.VERIFIED:
        raise PreconditionError(
            "ACCOUNT_NOT_VERIFIED",
            "Payouts need a completed identity verification.",
            metadata={"verification_status": state.kyc_status.value},
        )
    if "payouts" not in state.capabilities:
        raise PreconditionError(
            "PAYOUTS_CAPABILITY_MISSING", "The account was not granted the payouts capability."
        )


# --- Commands ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OnboardAccount:
    account_id: str
    email: str
    country: str
    default_currency: str
    now: datetime
    business_name: str = ""
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class StartKyc:
    now: datetime
    verification_level: str = "basic"
    # Empty: the documents REQUIRED_DOCUMENTS lists for the level.
    required_documents: tuple[str, ...] = ()
    # None: now + DEFAULT_KYC_WINDOW.
    due_date: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class CompleteKyc:
    now: datetime
    verification_status: str
    # Empty on a verified account: DEFAULT_CAPABILITIES. Always empty on a rejection.
    approved_capabilities: tuple[str, ...] = ()
    risk_level: str = "low"
    # A provider's rejection: the requirements it could not verify.
    failed_requirements: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class IssueApiKey:
    key_hash: str
    key_prefix: str


@dataclass(frozen=True, kw_only=True)
class CreatePayout:
    payout_id: str
    # Ledger entry id (txn_...) of the payout's debit.
    balance_transaction_id: str
    amount: int
    currency: str
    now: datetime
    destination_account: str = ""
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    arrival_delay_days: int = DEFAULT_PAYOUT_ARRIVAL_DAYS


AccountCommand: TypeAlias = OnboardAccount | StartKyc | CompleteKyc | IssueApiKey


# --- Decide --------------------------------------------------------------------------------------


def decide(command: AccountCommand, state: AccountState) -> list[AccountEvent]:
    match command:
        case OnboardAccount():
            return [_onboard(command, state)]
        case StartKyc():
            return [_start_kyc(command, _existing(state))]
        case CompleteKyc():
            return [_complete_kyc(command, _existing(state))]
        case IssueApiKey():
            return [_issue_api_key(command, _existing(state))]
        case _:
            assert_never(command)


def decide_payout(
    account: AccountState, ledger_state: ledger.LedgerState, command: CreatePayout
) -> list[PayoutCreated | LedgerEntryPosted]:
    """Pay available funds out: returns [PayoutCreated, LedgerEntryPosted(PAYOUT)].

    PayoutCreated belongs to the account stream, LedgerEntryPosted to the ledger stream
    `ledger.stream_id(account_id, currency)`; the application appends both in one transaction,
    with the expected versions of both streams, so two concurrent payouts can never overdraw.
    """
    require_payouts_enabled(account)
    if command.payout_id in account.payout_ids:
        raise AlreadyExistsError(
            "PAYOUT_ALREADY_EXISTS", f"Payout {command.payout_id} already exists."
        )
    currency = normalize_currency(command.currency)
    validate_metadata(command.metadata)
    require_max_length(command.description, MAX_DESCRIPTION_LENGTH, field="description")
    if command.arrival_delay_days < 0:
        raise ValidationError(
            "ARRIVAL_DELAY_INVALID", "Arrival delay cannot be negative.", field="arrival_delay_days"
        )
    debit = ledger.decide(
        ledger.PostPayout(
            entry_id=command.balance_transaction_id,
            account_id=account.account_id,
            currency=currency,
            payout_id=command.payout_id,
            amount=command.amount,
        ),
        ledger_state,
    )
    payout = PayoutCreated(
        payout_id=command.payout_id,
        account_id=account.account_id,
        payout_amount=command.amount,
        currency=currency,
        destination_account=command.destination_account,
        estimated_arrival=command.now + timedelta(days=command.arrival_delay_days),
        description=command.description,
        metadata=set_metadata({}, command.metadata),
        balance_transaction_id=command.balance_transaction_id,
    )
    return [payout, *debit]


def _existing(state: AccountState) -> AccountState:
    if not state.onboarded:
        raise NotFoundError("ACCOUNT_NOT_FOUND", "No such account.", field="account")
    return state


def _onboard(cmd: OnboardAccount, state: AccountState) -> AccountOnboarded:
    if state.onboarded:
        raise AlreadyExistsError(
            "ACCOUNT_ALREADY_EXISTS", f"Account {cmd.account_id} already exists."
        )
    email = validate_email(cmd.email.strip())
    country = normalize_country(cmd.country)
    if not country:
        raise ValidationError("COUNTRY_INVALID", "Country is required.", field="country")
    default_currency = normalize_currency(cmd.default_currency)
    require_max_length(cmd.business_name, MAX_BUSINESS_NAME_LENGTH, field="business_name")
    validate_metadata(cmd.metadata)
    if not 0 <= cmd.fees.percent_bps <= MAX_FEE_PERCENT_BPS:
        raise ValidationError(
            "FEE_OUT_OF_RANGE",
            f"Percentage fee must be 0 to {MAX_FEE_PERCENT_BPS} basis points.",
            field="fee_percent_bps",
        )
    if not 0 <= cmd.fees.fixed <= MAX_FEE_FIXED:
        raise ValidationError(
            "FEE_OUT_OF_RANGE",
            f"Fixed fee must be 0 to {MAX_FEE_FIXED} minor units.",
            field="fee_fixed",
        )
    return AccountOnboarded(
        account_id=cmd.account_id,
        email=email,
        country=country,
        default_currency=default_currency,
        business_name=cmd.business_name,
        fee_percent_bps=cmd.fees.percent_bps,
        fee_fixed=cmd.fees.fixed,
        metadata=set_metadata({}, cmd.metadata),
    )


def _start_kyc(cmd: StartKyc, state: AccountState) -> KYCProcessStarted:
    if state.kyc_status is KycStatus.PENDING:
        raise PreconditionError("KYC_ALREADY_STARTED", "Identity verification is already running.")
    if state.kyc_status is KycStatus.VERIFIED:
        raise PreconditionError("KYC_ALREADY_VERIFIED", "The account is already verified.")
    if cmd.verification_level not in REQUIRED_DOCUMENTS:
        raise ValidationError(
            "VERIFICATION_LEVEL_INVALID",
            "Verification level must be basic or enhanced.",
            field="verification_level",
        )
    due_date = cmd.due_date or cmd.now + DEFAULT_KYC_WINDOW
    if due_date <= cmd.now:
        raise ValidationError(
            "DUE_DATE_IN_PAST", "The due date must be in the future.", field="due_date"
        )
    return KYCProcessStarted(
        account_id=state.account_id,
        verification_level=cmd.verification_level,
        required_documents=cmd.required_documents or REQUIRED_DOCUMENTS[cmd.verification_level],
        due_date=due_date,
    )


def _complete_kyc(cmd: CompleteKyc, state: AccountState) -> KYCProcessCompleted:
    if state.kyc_status is not KycStatus.PENDING:
        raise PreconditionError(
            "KYC_NOT_STARTED", "Identity verification must be started before it completes."
        )
    if cmd.verification_status not in (KycStatus.VERIFIED.value, KycStatus.REJECTED.value):
        raise ValidationError(
            "VERIFICATION_STATUS_INVALID",
            "Verification status must be verified or rejected.",
            field="verification_status",
        )
    if cmd.risk_level not in KYC_RISK_LEVELS:
        raise ValidationError(
            "RISK_LEVEL_INVALID", "Risk level must be low, medium or high.", field="risk_level"
        )
    unknown = set(cmd.approved_capabilities) - CAPABILITIES
    if unknown:
        raise ValidationError(
            "CAPABILITY_UNKNOWN",
            f"Unknown capabilities: {', '.join(sorted(unknown))}.",
            field="approved_capabilities",
        )
    verified = cmd.verification_status == KycStatus.VERIFIED.value
    capabilities = (cmd.approved_capabilities or DEFAULT_CAPABILITIES) if verified else ()
    return KYCProcessCompleted(
        account_id=state.account_id,
        verification_status=cmd.verification_status,
        approved_capabilities=capabilities,
        risk_level=cmd.risk_level,
        failed_requirements=() if verified else cmd.failed_requirements,
    )


def _issue_api_key(cmd: IssueApiKey, state: AccountState) -> ApiKeyIssued:
    if len(cmd.key_hash) != 64 or any(ch not in "0123456789abcdef" for ch in cmd.key_hash):
        raise ValidationError(
            "KEY_HASH_INVALID", "The key hash must be a lower-case hex SHA-256.", field="key_hash"
        )
    if cmd.key_hash in state.api_key_hashes:
        raise AlreadyExistsError("API_KEY_ALREADY_EXISTS", "This API key was already issued.")
    return ApiKeyIssued(
        account_id=state.account_id, key_hash=cmd.key_hash, key_prefix=cmd.key_prefix
    )


# --- Evolve --------------------------------------------------------------------------------------


def evolve(state: AccountState, event: AccountEvent) -> AccountState:
    state = replace(state, version=state.version + 1)
    match event:
        case AccountOnboarded():
            return replace(
                state,
                account_id=event.account_id,
                email=event.email,
                country=event.country,
                default_currency=event.default_currency,
                business_name=event.business_name,
                fees=FeeSchedule(percent_bps=event.fee_percent_bps, fixed=event.fee_fixed),
                metadata=dict(event.metadata),
            )
        case KYCProcessStarted():
            return replace(
                state,
                kyc_status=KycStatus.PENDING,
                verification_level=event.verification_level,
                required_documents=event.required_documents,
                kyc_due_date=event.due_date,
            )
        case KYCProcessCompleted():
            return replace(
                state,
                kyc_status=KycStatus(event.verification_status),
                capabilities=event.approved_capabilities,
                risk_level=event.risk_level,
                # A provider's rejection leaves what it could not verify due again.
                required_documents=event.failed_requirements,
            )
        case PayoutCreated():
            return replace(state, payout_ids=state.payout_ids | {event.payout_id})
        case ApiKeyIssued():
            return replace(state, api_key_hashes=(*state.api_key_hashes, event.key_hash))
        case _:
            assert_never(event)


def fold(events: Iterable[AccountEvent]) -> AccountState:
    return reduce(evolve, events, initial_state())
