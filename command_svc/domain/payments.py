"""The Charge aggregate: create (authorize, optionally capture), capture, update, refund, expire.

One stream per charge. The ledger movement of a capture or refund is decided by the ledger
aggregate (`ledger.py`) from the PaymentCaptured / RefundCreated event returned here, and the
application appends both streams in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from functools import reduce
from typing import Final, TypeAlias, assert_never

from command_svc.domain.card_network import CardNetwork, PaymentSource
from command_svc.domain.copying import evolved
from command_svc.domain.errors import (
    AlreadyExistsError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)
from command_svc.domain.events import (
    AuthorizationExpired,
    AuthorizationIncremented,
    Card,
    ChargeEvent,
    ChargeRequested,
    ChargeUpdated,
    FraudCheckCompleted,
    FraudDecision,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentDeclined,
    RefundCreated,
)
from command_svc.domain.fraud import DEFAULT_FRAUD_RULES, FraudContext, FraudRules, assess
from command_svc.domain.money import FeeSchedule, normalize_currency, validate_amount
from command_svc.domain.rules import (
    MAX_DESCRIPTION_LENGTH,
    normalize_country,
    require_max_length,
    set_metadata,
    validate_email,
    validate_metadata,
)

AUTHORIZATION_VALIDITY: Final = timedelta(days=7)
DEFAULT_SETTLEMENT_DELAY_DAYS: Final = 2
REFUND_REASONS: Final = frozenset({"", "duplicate", "fraudulent", "requested_by_customer"})

MAX_STATEMENT_DESCRIPTOR_LENGTH: Final = 22
MAX_CUSTOMER_LENGTH: Final = 255


# --- State ---------------------------------------------------------------------------------------


class ChargeStatus(Enum):
    NOT_CREATED = "not_created"
    # Only between ChargeRequested and its outcome, which the same decision always records.
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    DECLINED = "declined"
    EXPIRED = "expired"


@dataclass(frozen=True, kw_only=True)
class ChargeState:
    status: ChargeStatus = ChargeStatus.NOT_CREATED
    charge_id: str = ""
    account_id: str = ""
    amount: int = 0
    currency: str = ""
    source: str = ""
    card: Card = field(default_factory=Card)
    capture_requested: bool = False
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    customer: str = ""
    statement_descriptor: str = ""
    receipt_email: str = ""
    ip_country: str = ""
    payment_intent: str = ""
    payment_method: str = ""
    risk_score: int = 0
    risk_level: str = ""
    fraud_decision: FraudDecision = FraudDecision.UNSPECIFIED
    rules_triggered: tuple[str, ...] = ()
    authorized_amount: int = 0
    authorization_code: str = ""
    network_transaction_id: str = ""
    expires_at: datetime | None = None
    failure_code: str = ""
    decline_code: str = ""
    failure_message: str = ""
    amount_captured: int = 0
    fee: int = 0
    net: int = 0
    released_amount: int = 0
    settlement_date: datetime | None = None
    balance_transaction_id: str = ""
    amount_refunded: int = 0
    refund_ids: tuple[str, ...] = ()
    version: int = 0

    @property
    def paid(self) -> bool:
        """Stripe's `paid`: the network authorized the charge."""
        return self.status in (ChargeStatus.AUTHORIZED, ChargeStatus.CAPTURED)

    @property
    def captured(self) -> bool:
        return self.status is ChargeStatus.CAPTURED

    @property
    def refunded(self) -> bool:
        """Stripe's `refunded`: the whole captured amount went back."""
        return self.captured and self.amount_refunded == self.amount_captured

    @property
    def amount_refundable(self) -> int:
        return self.amount_captured - self.amount_refunded if self.captured else 0


# Frozen, and nothing changes a state's collections in place: every fold may start from this one.
_INITIAL = ChargeState()


def initial_state() -> ChargeState:
    return _INITIAL


# --- Commands ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateCharge:
    charge_id: str
    account_id: str
    amount: int
    currency: str
    source: str
    now: datetime
    # Id of the ledger entry of the capture; used only when the charge is captured at once.
    balance_transaction_id: str
    capture: bool = True
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    customer: str = ""
    statement_descriptor: str = ""
    receipt_email: str = ""
    ip_country: str = ""
    account_country: str = ""
    # The PaymentIntent making this charge and the payment method it charges (empty for a direct charge).
    payment_intent: str = ""
    payment_method: str = ""
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    settlement_delay_days: int = DEFAULT_SETTLEMENT_DELAY_DAYS
    # Charges on the same card (by fingerprint, from network.resolve) in the hour before this one.
    card_charges_last_hour: int = 0


@dataclass(frozen=True, kw_only=True)
class CaptureCharge:
    now: datetime
    balance_transaction_id: str
    amount: int | None = None
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    settlement_delay_days: int = DEFAULT_SETTLEMENT_DELAY_DAYS


@dataclass(frozen=True, kw_only=True)
class UpdateCharge:
    now: datetime
    # None leaves the description as it is; "" clears it.
    description: str | None = None
    # An empty value deletes the key, as in Stripe.
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RefundCharge:
    refund_id: str
    balance_transaction_id: str
    now: datetime
    amount: int | None = None
    reason: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ExpireAuthorization:
    now: datetime
    # The PaymentIntent holding the authorization was canceled: release it now, before it lapses.
    void: bool = False


@dataclass(frozen=True, kw_only=True)
class IncrementAuthorization:
    """Raise an uncaptured authorization to `amount` (the new total), asking the issuer again."""

    now: datetime
    amount: int


ChargeCommand: TypeAlias = (
    CreateCharge | CaptureCharge | UpdateCharge | RefundCharge | ExpireAuthorization | IncrementAuthorization
)


# --- Decide --------------------------------------------------------------------------------------


def decide(
    command: ChargeCommand,
    state: ChargeState,
    *,
    network: CardNetwork,
    fraud_rules: FraudRules = DEFAULT_FRAUD_RULES,
) -> list[ChargeEvent]:
    match command:
        case CreateCharge():
            return _create(command, state, network, fraud_rules)
        case CaptureCharge():
            return _capture(command, _existing(state), network)
        case UpdateCharge():
            return _update(command, _existing(state))
        case RefundCharge():
            return _refund(command, _existing(state))
        case ExpireAuthorization():
            return _expire(command, _existing(state))
        case IncrementAuthorization():
            return _increment(command, _existing(state), network)
        case _:
            assert_never(command)


def _existing(state: ChargeState) -> ChargeState:
    if state.status is ChargeStatus.NOT_CREATED:
        raise NotFoundError("CHARGE_NOT_FOUND", "No such charge.", field="charge")
    return state


def _create(
    cmd: CreateCharge, state: ChargeState, network: CardNetwork, rules: FraudRules
) -> list[ChargeEvent]:
    if state.status is not ChargeStatus.NOT_CREATED:
        raise AlreadyExistsError("CHARGE_ALREADY_EXISTS", f"Charge {cmd.charge_id} already exists.")
    amount = validate_amount(cmd.amount)
    currency = normalize_currency(cmd.currency)
    validate_metadata(cmd.metadata)
    require_max_length(cmd.description, MAX_DESCRIPTION_LENGTH, field="description")
    require_max_length(
        cmd.statement_descriptor, MAX_STATEMENT_DESCRIPTOR_LENGTH, field="statement_descriptor"
    )
    require_max_length(cmd.customer, MAX_CUSTOMER_LENGTH, field="customer")
    if cmd.receipt_email:
        validate_email(cmd.receipt_email, field="receipt_email")
    ip_country = normalize_country(cmd.ip_country, field="ip_country")
    _require_settlement_delay(cmd.settlement_delay_days)
    source = network.resolve(cmd.source)

    requested = ChargeRequested(
        charge_id=cmd.charge_id,
        amount=amount,
        currency=currency,
        source=cmd.source,
        merchant_id=cmd.account_id,
        metadata=set_metadata({}, cmd.metadata),
        capture=cmd.capture,
        description=cmd.description,
        customer=cmd.customer,
        card=source.card,
        statement_descriptor=cmd.statement_descriptor,
        receipt_email=cmd.receipt_email,
        ip_country=ip_country,
        payment_intent=cmd.payment_intent,
        payment_method=cmd.payment_method,
    )
    assessment = assess(
        FraudContext(
            amount=amount,
            currency=currency,
            card=source.card,
            ip_country=ip_country,
            account_country=normalize_country(cmd.account_country, field="account_country"),
            card_charges_last_hour=cmd.card_charges_last_hour,
            token_risk=source.risk_level,
            always_block=source.always_blocked,
        ),
        rules,
    )
    fraud_check = FraudCheckCompleted(
        charge_id=cmd.charge_id,
        risk_score=assessment.risk_score,
        decision=assessment.decision,
        rules_triggered=assessment.rules_triggered,
        risk_level=assessment.risk_level.value,
    )
    if assessment.decision is FraudDecision.BLOCK:
        # Blocked charges are never sent to the network, so there is no network transaction.
        return [
            requested,
            fraud_check,
            PaymentDeclined(
                charge_id=cmd.charge_id,
                failure_code="card_declined",
                decline_code="fraudulent",
                failure_message="Your card was declined.",
            ),
        ]

    authorization = network.authorize(
        source, amount=amount, currency=currency, reference=cmd.charge_id
    )
    if not authorization.approved:
        return [
            requested,
            fraud_check,
            PaymentDeclined(
                charge_id=cmd.charge_id,
                failure_code=authorization.failure_code,
                decline_code=authorization.decline_code,
                failure_message=authorization.message,
                network_transaction_id=authorization.network_transaction_id,
            ),
        ]
    authorized = PaymentAuthorized(
        charge_id=cmd.charge_id,
        amount=amount,
        currency=currency,
        authorization_code=authorization.authorization_code,
        network_transaction_id=authorization.network_transaction_id,
        expires_at=cmd.now + AUTHORIZATION_VALIDITY,
    )
    if not cmd.capture:
        return [requested, fraud_check, authorized]
    captured = _captured(
        charge_id=cmd.charge_id,
        amount=amount,
        authorized=amount,
        currency=currency,
        fees=cmd.fees,
        settlement_date=_settlement_date(cmd.now, cmd.settlement_delay_days, source),
        balance_transaction_id=cmd.balance_transaction_id,
    )
    return [requested, fraud_check, authorized, captured]


def _capture(cmd: CaptureCharge, state: ChargeState, network: CardNetwork) -> list[ChargeEvent]:
    _require_capturable(state, cmd.now)
    amount = validate_amount(state.authorized_amount if cmd.amount is None else cmd.amount)
    if amount > state.authorized_amount:
        raise ValidationError(
            "AMOUNT_EXCEEDS_AUTHORIZED",
            f"Capture amount exceeds the authorized amount of {state.authorized_amount}.",
            field="amount",
            metadata={"authorized_amount": str(state.authorized_amount)},
        )
    _require_settlement_delay(cmd.settlement_delay_days)
    settlement_date = _settlement_date(
        cmd.now, cmd.settlement_delay_days, network.resolve(state.source)
    )
    return [
        _captured(
            charge_id=state.charge_id,
            amount=amount,
            authorized=state.authorized_amount,
            currency=state.currency,
            fees=cmd.fees,
            settlement_date=settlement_date,
            balance_transaction_id=cmd.balance_transaction_id,
        )
    ]


def _require_capturable(state: ChargeState, now: datetime) -> None:
    match state.status:
        case ChargeStatus.CAPTURED:
            raise PreconditionError("CHARGE_ALREADY_CAPTURED", "The charge was already captured.")
        case ChargeStatus.EXPIRED:
            raise PreconditionError("AUTHORIZATION_EXPIRED", "The authorization has expired.")
        case ChargeStatus.AUTHORIZED:
            if state.expires_at is not None and now >= state.expires_at:
                raise PreconditionError("AUTHORIZATION_EXPIRED", "The authorization has expired.")
        case _:
            raise PreconditionError(
                "CHARGE_NOT_CAPTURABLE", "Only an authorized charge can be captured."
            )


def _captured(
    *,
    charge_id: str,
    amount: int,
    authorized: int,
    currency: str,
    fees: FeeSchedule,
    settlement_date: datetime,
    balance_transaction_id: str,
) -> PaymentCaptured:
    processing_fees = fees.fee_for(amount)
    return PaymentCaptured(
        charge_id=charge_id,
        captured_amount=amount,
        currency=currency,
        processing_fees=processing_fees,
        net_amount=amount - processing_fees,
        settlement_date=settlement_date,
        released_amount=authorized - amount,
        balance_transaction_id=balance_transaction_id,
    )


def _settlement_date(now: datetime, delay_days: int, source: PaymentSource) -> datetime:
    # A settlement date that is already due tells the ledger to credit available directly.
    return now if source.bypass_pending else now + timedelta(days=delay_days)


def _require_settlement_delay(days: int) -> None:
    if days < 0:
        raise ValidationError(
            "SETTLEMENT_DELAY_INVALID",
            "Settlement delay cannot be negative.",
            field="settlement_delay_days",
        )


def _update(cmd: UpdateCharge, state: ChargeState) -> list[ChargeEvent]:
    if cmd.description is not None:
        require_max_length(cmd.description, MAX_DESCRIPTION_LENGTH, field="description")
    validate_metadata(cmd.metadata)
    validate_metadata(set_metadata(state.metadata, cmd.metadata))
    if cmd.description is None and not cmd.metadata:
        return []
    return [
        ChargeUpdated(
            charge_id=state.charge_id,
            description=cmd.description or "",
            metadata=dict(cmd.metadata),
            description_set=cmd.description is not None,
        )
    ]


def _refund(cmd: RefundCharge, state: ChargeState) -> list[ChargeEvent]:
    if not state.captured:
        raise PreconditionError("CHARGE_NOT_CAPTURED", "Only a captured charge can be refunded.")
    if cmd.refund_id in state.refund_ids:
        raise AlreadyExistsError("REFUND_ALREADY_EXISTS", f"Refund {cmd.refund_id} already exists.")
    if state.amount_refundable == 0:
        raise PreconditionError("CHARGE_ALREADY_REFUNDED", "The charge was already fully refunded.")
    amount = validate_amount(state.amount_refundable if cmd.amount is None else cmd.amount)
    if amount > state.amount_refundable:
        raise ValidationError(
            "REFUND_EXCEEDS_CAPTURED",
            f"Refund amount exceeds the {state.amount_refundable} left to refund.",
            field="amount",
            metadata={"refundable_amount": str(state.amount_refundable)},
        )
    if cmd.reason not in REFUND_REASONS:
        raise ValidationError(
            "REFUND_REASON_INVALID",
            "Reason must be duplicate, fraudulent or requested_by_customer.",
            field="reason",
        )
    validate_metadata(cmd.metadata)
    return [
        RefundCreated(
            refund_id=cmd.refund_id,
            charge_id=state.charge_id,
            amount=amount,
            currency=state.currency,
            reason=cmd.reason,
            metadata=set_metadata({}, cmd.metadata),
            balance_transaction_id=cmd.balance_transaction_id,
            payment_intent=state.payment_intent,
        )
    ]


def _expire(cmd: ExpireAuthorization, state: ChargeState) -> list[ChargeEvent]:
    if state.status is not ChargeStatus.AUTHORIZED:
        raise PreconditionError(
            "CHARGE_NOT_EXPIRABLE", "Only an uncaptured authorization can expire."
        )
    if not cmd.void and state.expires_at is not None and cmd.now < state.expires_at:
        raise PreconditionError(
            "AUTHORIZATION_NOT_EXPIRED",
            "The authorization is still valid.",
            metadata={"expires_at": state.expires_at.isoformat()},
        )
    return [
        AuthorizationExpired(
            charge_id=state.charge_id, amount=state.authorized_amount, currency=state.currency
        )
    ]


def _increment(cmd: IncrementAuthorization, state: ChargeState, network: CardNetwork) -> list[ChargeEvent]:
    if state.status is not ChargeStatus.AUTHORIZED or (state.expires_at is not None and cmd.now >= state.expires_at):
        raise PreconditionError(
            "CHARGE_NOT_INCREMENTABLE", "Only an uncaptured, unexpired authorization can be incremented.")
    amount = validate_amount(cmd.amount)
    if amount <= state.authorized_amount:
        raise ValidationError(
            "AMOUNT_NOT_INCREASED",
            f"The amount must be greater than the authorized amount of {state.authorized_amount}.",
            field="amount", metadata={"authorized_amount": str(state.authorized_amount)})
    verdict = network.authorize(network.resolve(state.source), amount=amount - state.authorized_amount,
                                currency=state.currency, reference=f"{state.charge_id}:increment:{state.version}")
    if not verdict.approved:
        raise PreconditionError("CARD_DECLINED", verdict.message or "Your card was declined.",
                                metadata={"decline_code": verdict.decline_code})
    return [AuthorizationIncremented(charge_id=state.charge_id, amount=amount, previous_amount=state.authorized_amount,
                                     currency=state.currency)]


# --- Evolve --------------------------------------------------------------------------------------


def evolve(state: ChargeState, event: ChargeEvent) -> ChargeState:
    # One copy per event: the state has many fields, and copying it is most of folding's cost.
    version = state.version + 1
    match event:
        case ChargeRequested():
            return evolved(
                state,
                version=version,
                status=ChargeStatus.REQUESTED,
                charge_id=event.charge_id,
                account_id=event.merchant_id,
                amount=event.amount,
                currency=event.currency,
                source=event.source,
                card=event.card,
                capture_requested=event.capture,
                description=event.description,
                metadata=dict(event.metadata),
                customer=event.customer,
                statement_descriptor=event.statement_descriptor,
                receipt_email=event.receipt_email,
                ip_country=event.ip_country,
                payment_intent=event.payment_intent,
                payment_method=event.payment_method,
            )
        case FraudCheckCompleted():
            return evolved(
                state,
                version=version,
                risk_score=event.risk_score,
                risk_level=event.risk_level,
                fraud_decision=event.decision,
                rules_triggered=event.rules_triggered,
            )
        case PaymentAuthorized():
            return evolved(
                state,
                version=version,
                status=ChargeStatus.AUTHORIZED,
                authorized_amount=event.amount,
                authorization_code=event.authorization_code,
                network_transaction_id=event.network_transaction_id,
                expires_at=event.expires_at,
            )
        case PaymentDeclined():
            return evolved(
                state,
                version=version,
                status=ChargeStatus.DECLINED,
                failure_code=event.failure_code,
                decline_code=event.decline_code,
                failure_message=event.failure_message,
                network_transaction_id=event.network_transaction_id,
            )
        case PaymentCaptured():
            return evolved(
                state,
                version=version,
                status=ChargeStatus.CAPTURED,
                amount_captured=event.captured_amount,
                fee=event.processing_fees,
                net=event.net_amount,
                released_amount=event.released_amount,
                settlement_date=event.settlement_date,
                balance_transaction_id=event.balance_transaction_id,
            )
        case AuthorizationExpired():
            return evolved(state, version=version, status=ChargeStatus.EXPIRED, released_amount=event.amount)
        case AuthorizationIncremented():
            return evolved(state, version=version, amount=event.amount, authorized_amount=event.amount)
        case RefundCreated():
            return evolved(
                state,
                version=version,
                amount_refunded=state.amount_refunded + event.amount,
                refund_ids=(*state.refund_ids, event.refund_id),
            )
        case ChargeUpdated():
            return evolved(
                state,
                version=version,
                description=event.description if event.description_set else state.description,
                metadata=set_metadata(state.metadata, event.metadata),
            )
        case _:
            assert_never(event)


def fold(events: Iterable[ChargeEvent]) -> ChargeState:
    return reduce(evolve, events, initial_state())
