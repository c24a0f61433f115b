"""The PaymentIntent and SetupIntent aggregates: Stripe's status machines over the Charge aggregate.

One stream per intent. A PaymentIntent never moves money itself: confirming it creates a real charge
(payments.py decides it, the ledger posts it) and the intent records the outcome, so refunds, disputes,
fees and the ledger work through `latest_charge` exactly as for any charge.

    requires_payment_method -> requires_confirmation -> [requires_action] -> requires_capture -> succeeded
                 ^                                              |                         \\-> canceled
                 \\-------------- decline / failed authentication /

Confirming is planned in two steps, both pure: `plan_confirmation` says whether the card must first be
authenticated (3-D Secure), fails for want of authentication off session, or can be charged now; the
application then decides the charge and `decide(RecordPayment)` records its outcome on the intent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import reduce
from typing import Final, TypeAlias, assert_never

from command_svc.domain.card_network import Authentication
from command_svc.domain.errors import AlreadyExistsError, NotFoundError, PreconditionError, ValidationError
from command_svc.domain.events import (
    PaymentIntentAuthorizationIncremented,
    PaymentIntentAuthorized,
    PaymentIntentCanceled,
    PaymentIntentCreated,
    PaymentIntentEvent,
    PaymentIntentPaymentFailed,
    PaymentIntentRequiresAction,
    PaymentIntentSucceeded,
    PaymentIntentUpdated,
    SetupIntentCanceled,
    SetupIntentCreated,
    SetupIntentEvent,
    SetupIntentFailed,
    SetupIntentRequiresAction,
    SetupIntentSucceeded,
)
from command_svc.domain.money import normalize_currency, validate_amount
from command_svc.domain.payments import MAX_STATEMENT_DESCRIPTOR_LENGTH, ChargeState, ChargeStatus
from command_svc.domain.rules import (
    MAX_DESCRIPTION_LENGTH,
    refuse_nul,
    require_max_length,
    set_metadata,
    validate_email,
    validate_metadata,
)

CAPTURE_METHODS: Final = frozenset({"automatic", "manual"})
SETUP_FUTURE_USAGES: Final = frozenset({"", "on_session", "off_session"})
CANCELLATION_REASONS: Final = frozenset({"", "duplicate", "fraudulent", "requested_by_customer", "abandoned"})
SETUP_CANCELLATION_REASONS: Final = frozenset({"", "abandoned", "requested_by_customer", "duplicate"})
# Stripe's reason when LedgerMesh cancels an intent itself (its authorization lapsed).
AUTOMATIC = "automatic"


class IntentStatus(Enum):
    NOT_CREATED = "not_created"
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


_UNCONFIRMED: Final = frozenset({IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.REQUIRES_CONFIRMATION})
_CANCELABLE: Final = frozenset({
    IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.REQUIRES_CONFIRMATION, IntentStatus.REQUIRES_ACTION,
    IntentStatus.PROCESSING, IntentStatus.REQUIRES_CAPTURE,
})


@dataclass(frozen=True, kw_only=True)
class PaymentError:
    type: str = "card_error"
    code: str = ""
    decline_code: str = ""
    message: str = ""
    payment_method: str = ""
    charge: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentIntentState:
    status: IntentStatus = IntentStatus.NOT_CREATED
    payment_intent_id: str = ""
    account_id: str = ""
    amount: int = 0
    currency: str = ""
    capture_method: str = "automatic"
    customer: str = ""
    payment_method: str = ""
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    statement_descriptor: str = ""
    setup_future_usage: str = ""
    receipt_email: str = ""
    client_secret: str = ""
    latest_charge: str = ""
    amount_capturable: int = 0
    amount_received: int = 0
    cancellation_reason: str = ""
    last_payment_error: PaymentError | None = None
    next_action_path: str = ""
    return_url: str = ""
    off_session: bool = False
    version: int = 0


# --- Commands ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreatePaymentIntent:
    payment_intent_id: str
    account_id: str
    amount: int
    currency: str
    client_secret: str
    capture_method: str = ""
    customer: str = ""
    payment_method: str = ""
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    statement_descriptor: str = ""
    setup_future_usage: str = ""
    receipt_email: str = ""


@dataclass(frozen=True, kw_only=True)
class UpdatePaymentIntent:
    amount: int | None = None
    customer: str | None = None
    payment_method: str | None = None
    description: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    statement_descriptor: str | None = None
    setup_future_usage: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordPayment:
    """The charge a confirmation created, as the Charge aggregate decided it."""

    charge: ChargeState
    payment_method: str


@dataclass(frozen=True, kw_only=True)
class RecordCapture:
    charge: ChargeState


@dataclass(frozen=True, kw_only=True)
class RecordIncrement:
    """The charge after the issuer raised its authorization."""

    charge: ChargeState


@dataclass(frozen=True, kw_only=True)
class CancelPaymentIntent:
    cancellation_reason: str = ""
    # The authorization the charge held and the cancel released (0 when there was none).
    released_amount: int = 0


PaymentIntentCommand: TypeAlias = (
    CreatePaymentIntent | UpdatePaymentIntent | RecordPayment | RecordCapture | RecordIncrement | CancelPaymentIntent
)


@dataclass(frozen=True, kw_only=True)
class Confirm:
    """Confirm with this payment method, whose card the network says needs `authentication`."""

    payment_method: str
    authentication: Authentication
    # The payment method was saved for future payments (attached to a customer after a SetupIntent
    # or a payment with setup_future_usage).
    set_up: bool
    off_session: bool
    return_url: str
    redirect_path: str


@dataclass(frozen=True, kw_only=True)
class Authenticate:
    """The cardholder finished (or failed) the simulated 3-D Secure challenge."""

    fail: bool


@dataclass(frozen=True)
class Plan:
    """What confirming does next: record `events` (requires_action, or a failure), or, when
    `charge_with` is set, charge that payment method and record the outcome."""

    events: list[PaymentIntentEvent]
    charge_with: str = ""


# --- Decide --------------------------------------------------------------------------------------


def decide(command: PaymentIntentCommand, state: PaymentIntentState) -> list[PaymentIntentEvent]:
    match command:
        case CreatePaymentIntent():
            return [_create(command, state)]
        case UpdatePaymentIntent():
            return [_update(command, _existing(state))]
        case RecordPayment():
            return [_record_payment(command, _existing(state))]
        case RecordCapture():
            state = _existing(state)
            return [PaymentIntentSucceeded(
                payment_intent_id=state.payment_intent_id, charge_id=command.charge.charge_id,
                payment_method=state.payment_method, amount_received=command.charge.amount_captured)]
        case RecordIncrement():
            state = _existing(state)
            return [PaymentIntentAuthorizationIncremented(
                payment_intent_id=state.payment_intent_id, charge_id=command.charge.charge_id,
                amount=command.charge.authorized_amount)]
        case CancelPaymentIntent():
            state = _existing(state)
            if state.status not in _CANCELABLE:
                raise PreconditionError(
                    "PAYMENT_INTENT_UNEXPECTED_STATE",
                    f"You cannot cancel this PaymentIntent because it has a status of {state.status.value}.",
                    metadata={"status": state.status.value})
            if command.cancellation_reason not in CANCELLATION_REASONS | {AUTOMATIC}:
                raise ValidationError("CANCELLATION_REASON_INVALID", "Invalid cancellation_reason.",
                                      field="cancellation_reason")
            return [PaymentIntentCanceled(payment_intent_id=state.payment_intent_id,
                                          cancellation_reason=command.cancellation_reason,
                                          released_amount=command.released_amount)]
        case _:
            assert_never(command)


def _existing(state: PaymentIntentState) -> PaymentIntentState:
    if state.status is IntentStatus.NOT_CREATED:
        raise NotFoundError("RESOURCE_MISSING", f"No such payment_intent: '{state.payment_intent_id}'",
                            field="intent")
    return state


def _unexpected(state: PaymentIntentState, action: str) -> PreconditionError:
    return PreconditionError(
        "PAYMENT_INTENT_UNEXPECTED_STATE",
        f"You cannot {action} this PaymentIntent because it has a status of {state.status.value}.",
        metadata={"status": state.status.value})


def _validate_text(*, description: str | None, statement_descriptor: str | None, metadata: Mapping[str, str],
                   setup_future_usage: str | None) -> None:
    refuse_nul({"description": description or "", "statement_descriptor": statement_descriptor or "",
                "metadata": "".join([*metadata, *metadata.values()])})
    if description is not None:
        require_max_length(description, MAX_DESCRIPTION_LENGTH, field="description")
    if statement_descriptor is not None:
        require_max_length(statement_descriptor, MAX_STATEMENT_DESCRIPTOR_LENGTH, field="statement_descriptor")
    validate_metadata(metadata)
    if setup_future_usage is not None and setup_future_usage not in SETUP_FUTURE_USAGES:
        raise ValidationError("SETUP_FUTURE_USAGE_INVALID", "Invalid setup_future_usage: must be one of "
                              "on_session, off_session.", field="setup_future_usage")


def _create(cmd: CreatePaymentIntent, state: PaymentIntentState) -> PaymentIntentCreated:
    if state.status is not IntentStatus.NOT_CREATED:
        raise AlreadyExistsError("PAYMENT_INTENT_ALREADY_EXISTS", "The PaymentIntent already exists.")
    amount = validate_amount(cmd.amount)
    currency = normalize_currency(cmd.currency)
    capture_method = cmd.capture_method or "automatic"
    if capture_method not in CAPTURE_METHODS:
        raise ValidationError("CAPTURE_METHOD_INVALID", "Invalid capture_method: must be one of automatic, "
                              "manual.", field="capture_method")
    _validate_text(description=cmd.description, statement_descriptor=cmd.statement_descriptor,
                   metadata=cmd.metadata, setup_future_usage=cmd.setup_future_usage)
    refuse_nul({"receipt_email": cmd.receipt_email})
    if cmd.receipt_email:
        validate_email(cmd.receipt_email, field="receipt_email")
    return PaymentIntentCreated(
        payment_intent_id=cmd.payment_intent_id, amount=amount, currency=currency, capture_method=capture_method,
        customer=cmd.customer, payment_method=cmd.payment_method, description=cmd.description,
        metadata=set_metadata({}, cmd.metadata), statement_descriptor=cmd.statement_descriptor,
        setup_future_usage=cmd.setup_future_usage, receipt_email=cmd.receipt_email,
        client_secret=cmd.client_secret, merchant_id=cmd.account_id,
    )


def _update(cmd: UpdatePaymentIntent, state: PaymentIntentState) -> PaymentIntentUpdated:
    if state.status not in _UNCONFIRMED | {IntentStatus.REQUIRES_ACTION}:
        raise _unexpected(state, "update")
    _validate_text(description=cmd.description, statement_descriptor=cmd.statement_descriptor,
                   metadata=cmd.metadata, setup_future_usage=cmd.setup_future_usage)
    payment_method = state.payment_method if cmd.payment_method is None else cmd.payment_method
    status = state.status
    if status in _UNCONFIRMED or (status is IntentStatus.REQUIRES_ACTION and cmd.payment_method is not None):
        status = IntentStatus.REQUIRES_CONFIRMATION if payment_method else IntentStatus.REQUIRES_PAYMENT_METHOD
    return PaymentIntentUpdated(
        status=status.value,
        payment_intent_id=state.payment_intent_id,
        amount=validate_amount(cmd.amount) if cmd.amount is not None else 0, amount_set=cmd.amount is not None,
        customer=cmd.customer or "", customer_set=cmd.customer is not None,
        payment_method=cmd.payment_method or "", payment_method_set=cmd.payment_method is not None,
        description=cmd.description or "", description_set=cmd.description is not None,
        metadata=dict(cmd.metadata),
        statement_descriptor=cmd.statement_descriptor or "",
        statement_descriptor_set=cmd.statement_descriptor is not None,
        setup_future_usage=cmd.setup_future_usage or "", setup_future_usage_set=cmd.setup_future_usage is not None,
    )


def _needs_authentication(authentication: Authentication, *, set_up: bool, off_session: bool) -> bool:
    match authentication:
        case Authentication.NEVER:
            return False
        case Authentication.ALWAYS:
            return True
        case Authentication.UNLESS_SET_UP:
            return not (set_up and off_session)
        case _:
            assert_never(authentication)


def plan_confirmation(cmd: Confirm, state: PaymentIntentState) -> Plan:
    state = _existing(state)
    if state.status not in _UNCONFIRMED:
        raise _unexpected(state, "confirm")
    if not cmd.payment_method:
        raise PreconditionError(
            "PAYMENT_INTENT_UNEXPECTED_STATE",
            "You cannot confirm this PaymentIntent because it's missing a payment method. Update the "
            "PaymentIntent with a payment method and then confirm it again.", field="payment_method")
    if not _needs_authentication(cmd.authentication, set_up=cmd.set_up, off_session=cmd.off_session):
        return Plan([], charge_with=cmd.payment_method)
    if cmd.off_session:
        # Nobody is there to authenticate: Stripe fails the payment with authentication_required.
        return Plan([PaymentIntentPaymentFailed(
            payment_intent_id=state.payment_intent_id, payment_method=cmd.payment_method, error_type="card_error",
            error_code="authentication_required", decline_code="authentication_required",
            message="Your card was declined. This transaction requires authentication.")])
    return Plan([PaymentIntentRequiresAction(
        payment_intent_id=state.payment_intent_id, payment_method=cmd.payment_method,
        redirect_path=cmd.redirect_path, return_url=cmd.return_url, off_session=cmd.off_session)])


def plan_authentication(cmd: Authenticate, state: PaymentIntentState) -> Plan:
    state = _existing(state)
    if state.status is not IntentStatus.REQUIRES_ACTION:
        raise _unexpected(state, "authenticate")
    if cmd.fail:
        return Plan([PaymentIntentPaymentFailed(
            payment_intent_id=state.payment_intent_id, payment_method=state.payment_method,
            error_type="invalid_request_error", error_code="payment_intent_authentication_failure",
            message="The provided PaymentMethod has failed authentication. You can provide payment_method_data "
                    "or a new PaymentMethod to attempt to fulfill this PaymentIntent again.")])
    return Plan([], charge_with=state.payment_method)


def require_incrementable(state: PaymentIntentState) -> PaymentIntentState:
    state = _existing(state)
    if state.status is not IntentStatus.REQUIRES_CAPTURE:
        raise _unexpected(state, "increment the authorization of")
    return state


def require_capturable(state: PaymentIntentState, amount_to_capture: int | None) -> int | None:
    state = _existing(state)
    if state.status is not IntentStatus.REQUIRES_CAPTURE:
        raise _unexpected(state, "capture")
    if amount_to_capture is not None and amount_to_capture > state.amount_capturable:
        raise ValidationError(
            "AMOUNT_TOO_LARGE",
            f"The amount_to_capture must be at most the amount_capturable of {state.amount_capturable}.",
            field="amount_to_capture")
    return amount_to_capture


def _record_payment(cmd: RecordPayment, state: PaymentIntentState) -> PaymentIntentEvent:
    charge = cmd.charge
    match charge.status:
        case ChargeStatus.CAPTURED:
            return PaymentIntentSucceeded(payment_intent_id=state.payment_intent_id, charge_id=charge.charge_id,
                                          payment_method=cmd.payment_method, amount_received=charge.amount_captured)
        case ChargeStatus.AUTHORIZED:
            return PaymentIntentAuthorized(payment_intent_id=state.payment_intent_id, charge_id=charge.charge_id,
                                           payment_method=cmd.payment_method,
                                           amount_capturable=charge.authorized_amount)
        case ChargeStatus.DECLINED:
            return PaymentIntentPaymentFailed(
                payment_intent_id=state.payment_intent_id, charge_id=charge.charge_id,
                payment_method=cmd.payment_method, error_type="card_error", error_code=charge.failure_code,
                decline_code=charge.decline_code, message=charge.failure_message)
        case _:
            raise PreconditionError("CHARGE_NOT_DECIDED", f"The charge is {charge.status.value}.")


# --- Evolve --------------------------------------------------------------------------------------


def evolve(state: PaymentIntentState, event: PaymentIntentEvent) -> PaymentIntentState:
    state = replace(state, version=state.version + 1)
    match event:
        case PaymentIntentCreated():
            return replace(
                state, payment_intent_id=event.payment_intent_id, account_id=event.merchant_id, amount=event.amount,
                currency=event.currency, capture_method=event.capture_method, customer=event.customer,
                payment_method=event.payment_method, description=event.description, metadata=dict(event.metadata),
                statement_descriptor=event.statement_descriptor, setup_future_usage=event.setup_future_usage,
                receipt_email=event.receipt_email, client_secret=event.client_secret,
                status=(IntentStatus.REQUIRES_CONFIRMATION if event.payment_method
                        else IntentStatus.REQUIRES_PAYMENT_METHOD),
            )
        case PaymentIntentUpdated():
            e = event
            status = IntentStatus(e.status) if e.status else state.status
            return replace(
                state, status=status, payment_method=e.payment_method if e.payment_method_set else state.payment_method,
                amount=e.amount if e.amount_set else state.amount,
                customer=e.customer if e.customer_set else state.customer,
                description=e.description if e.description_set else state.description,
                metadata=set_metadata(state.metadata, e.metadata),
                statement_descriptor=e.statement_descriptor if e.statement_descriptor_set else state.statement_descriptor,
                setup_future_usage=e.setup_future_usage if e.setup_future_usage_set else state.setup_future_usage,
                next_action_path="" if status is not IntentStatus.REQUIRES_ACTION else state.next_action_path,
            )
        case PaymentIntentRequiresAction():
            return replace(state, status=IntentStatus.REQUIRES_ACTION, payment_method=event.payment_method,
                           next_action_path=event.redirect_path, return_url=event.return_url,
                           off_session=event.off_session, last_payment_error=None)
        case PaymentIntentAuthorized():
            return replace(state, status=IntentStatus.REQUIRES_CAPTURE, payment_method=event.payment_method,
                           latest_charge=event.charge_id, amount_capturable=event.amount_capturable,
                           next_action_path="", last_payment_error=None)
        case PaymentIntentAuthorizationIncremented():
            return replace(state, amount=event.amount, amount_capturable=event.amount)
        case PaymentIntentSucceeded():
            return replace(state, status=IntentStatus.SUCCEEDED, payment_method=event.payment_method,
                           latest_charge=event.charge_id, amount_received=event.amount_received,
                           amount_capturable=0, next_action_path="", last_payment_error=None)
        case PaymentIntentPaymentFailed():
            error = PaymentError(type=event.error_type, code=event.error_code, decline_code=event.decline_code,
                                 message=event.message, payment_method=event.payment_method,
                                 charge=event.charge_id)
            # Stripe detaches the failed payment method from the intent: it needs a new one.
            return replace(state, status=IntentStatus.REQUIRES_PAYMENT_METHOD, payment_method="",
                           latest_charge=event.charge_id or state.latest_charge, next_action_path="",
                           last_payment_error=error)
        case PaymentIntentCanceled():
            return replace(state, status=IntentStatus.CANCELED, cancellation_reason=event.cancellation_reason,
                           amount_capturable=0, next_action_path="")
        case _:
            assert_never(event)


def fold(events: Iterable[PaymentIntentEvent]) -> PaymentIntentState:
    return reduce(evolve, events, PaymentIntentState())


# --- SetupIntent ---------------------------------------------------------------------------------


SETUP_USAGES: Final = frozenset({"off_session", "on_session"})


@dataclass(frozen=True, kw_only=True)
class SetupIntentState:
    status: IntentStatus = IntentStatus.NOT_CREATED
    setup_intent_id: str = ""
    account_id: str = ""
    customer: str = ""
    payment_method: str = ""
    usage: str = "off_session"
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    client_secret: str = ""
    last_setup_error: PaymentError | None = None
    next_action_path: str = ""
    return_url: str = ""
    cancellation_reason: str = ""
    version: int = 0


@dataclass(frozen=True, kw_only=True)
class CreateSetupIntent:
    setup_intent_id: str
    account_id: str
    client_secret: str
    customer: str = ""
    payment_method: str = ""
    usage: str = ""
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ConfirmSetup:
    payment_method: str
    authentication: Authentication
    redirect_path: str
    return_url: str = ""
    # What the issuer answers to the card's verification (a decline code, "" when approved).
    decline_code: str = ""
    decline_message: str = ""


@dataclass(frozen=True, kw_only=True)
class AuthenticateSetup:
    fail: bool
    decline_code: str = ""
    decline_message: str = ""


@dataclass(frozen=True, kw_only=True)
class CancelSetupIntent:
    cancellation_reason: str = ""


SetupIntentCommand: TypeAlias = CreateSetupIntent | ConfirmSetup | AuthenticateSetup | CancelSetupIntent


def decide_setup(command: SetupIntentCommand, state: SetupIntentState) -> list[SetupIntentEvent]:
    match command:
        case CreateSetupIntent():
            if state.status is not IntentStatus.NOT_CREATED:
                raise AlreadyExistsError("SETUP_INTENT_ALREADY_EXISTS", "The SetupIntent already exists.")
            usage = command.usage or "off_session"
            if usage not in SETUP_USAGES:
                raise ValidationError("USAGE_INVALID", "Invalid usage: must be one of off_session, on_session.",
                                      field="usage")
            _validate_text(description=command.description, statement_descriptor=None, metadata=command.metadata,
                           setup_future_usage=None)
            return [SetupIntentCreated(
                setup_intent_id=command.setup_intent_id, customer=command.customer,
                payment_method=command.payment_method, usage=usage, description=command.description,
                metadata=set_metadata({}, command.metadata), client_secret=command.client_secret,
                merchant_id=command.account_id)]
        case ConfirmSetup():
            state = _existing_setup(state)
            if state.status not in _UNCONFIRMED:
                raise _unexpected_setup(state, "confirm")
            if not command.payment_method:
                raise PreconditionError(
                    "SETUP_INTENT_UNEXPECTED_STATE",
                    "You cannot confirm this SetupIntent because it's missing a payment method.",
                    field="payment_method")
            if command.authentication is not Authentication.NEVER:
                return [SetupIntentRequiresAction(setup_intent_id=state.setup_intent_id,
                                                  payment_method=command.payment_method,
                                                  redirect_path=command.redirect_path,
                                                  return_url=command.return_url)]
            return [_setup_outcome(state.setup_intent_id, command.payment_method, command.decline_code,
                                   command.decline_message)]
        case AuthenticateSetup():
            state = _existing_setup(state)
            if state.status is not IntentStatus.REQUIRES_ACTION:
                raise _unexpected_setup(state, "authenticate")
            if command.fail:
                return [SetupIntentFailed(setup_intent_id=state.setup_intent_id, payment_method=state.payment_method,
                                          error_code="setup_intent_authentication_failure",
                                          message="The latest attempt to set up the payment method has failed "
                                                  "because authentication failed.")]
            return [_setup_outcome(state.setup_intent_id, state.payment_method, command.decline_code,
                                   command.decline_message)]
        case CancelSetupIntent():
            state = _existing_setup(state)
            if state.status in (IntentStatus.SUCCEEDED, IntentStatus.CANCELED):
                raise _unexpected_setup(state, "cancel")
            if command.cancellation_reason not in SETUP_CANCELLATION_REASONS:
                raise ValidationError("CANCELLATION_REASON_INVALID", "Invalid cancellation_reason.",
                                      field="cancellation_reason")
            return [SetupIntentCanceled(setup_intent_id=state.setup_intent_id,
                                        cancellation_reason=command.cancellation_reason)]
        case _:
            assert_never(command)


def _setup_outcome(setup_intent_id: str, payment_method: str, decline_code: str, message: str) -> SetupIntentEvent:
    if decline_code:
        return SetupIntentFailed(setup_intent_id=setup_intent_id, payment_method=payment_method,
                                 error_code="card_declined", decline_code=decline_code, message=message)
    return SetupIntentSucceeded(setup_intent_id=setup_intent_id, payment_method=payment_method)


def _existing_setup(state: SetupIntentState) -> SetupIntentState:
    if state.status is IntentStatus.NOT_CREATED:
        raise NotFoundError("RESOURCE_MISSING", f"No such setupintent: '{state.setup_intent_id}'", field="intent")
    return state


def _unexpected_setup(state: SetupIntentState, action: str) -> PreconditionError:
    return PreconditionError(
        "SETUP_INTENT_UNEXPECTED_STATE",
        f"You cannot {action} this SetupIntent because it has a status of {state.status.value}.",
        metadata={"status": state.status.value})


def evolve_setup(state: SetupIntentState, event: SetupIntentEvent) -> SetupIntentState:
    state = replace(state, version=state.version + 1)
    match event:
        case SetupIntentCreated():
            return replace(
                state, setup_intent_id=event.setup_intent_id, account_id=event.merchant_id, customer=event.customer,
                payment_method=event.payment_method, usage=event.usage, description=event.description,
                metadata=dict(event.metadata), client_secret=event.client_secret,
                status=(IntentStatus.REQUIRES_CONFIRMATION if event.payment_method
                        else IntentStatus.REQUIRES_PAYMENT_METHOD))
        case SetupIntentRequiresAction():
            return replace(state, status=IntentStatus.REQUIRES_ACTION, payment_method=event.payment_method,
                           next_action_path=event.redirect_path, return_url=event.return_url, last_setup_error=None)
        case SetupIntentSucceeded():
            return replace(state, status=IntentStatus.SUCCEEDED, payment_method=event.payment_method,
                           next_action_path="", last_setup_error=None)
        case SetupIntentFailed():
            return replace(state, status=IntentStatus.REQUIRES_PAYMENT_METHOD, payment_method="",
                           next_action_path="", last_setup_error=PaymentError(
                               code=event.error_code, decline_code=event.decline_code, message=event.message,
                               payment_method=event.payment_method))
        case SetupIntentCanceled():
            return replace(state, status=IntentStatus.CANCELED, cancellation_reason=event.cancellation_reason,
                           next_action_path="")
        case _:
            assert_never(event)


def fold_setup(events: Iterable[SetupIntentEvent]) -> SetupIntentState:
    return reduce(evolve_setup, events, SetupIntentState())
