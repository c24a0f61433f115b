"""The Customer and PaymentMethod aggregates: a merchant's customers and the cards saved to them.

One stream per customer (cus_...) and one per payment method (pm_...). A payment method keeps the
card's non-sensitive facts and the simulated network's token for it, never a card number; attaching
it to a customer is an event on the payment method's stream, checked against the customer's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import reduce
from typing import Final, TypeAlias, assert_never

from command_svc.domain.card_network import (
    TEST_PAYMENT_METHODS,
    CardNetwork,
    looks_like_card_number,
    test_card_token,
)
from command_svc.domain.errors import AlreadyExistsError, NotFoundError, PreconditionError, ValidationError
from command_svc.domain.events import (
    Card,
    CustomerAddress,
    CustomerCreated,
    CustomerDeleted,
    CustomerEvent,
    CustomerUpdated,
    PaymentMethodAttached,
    PaymentMethodCreated,
    PaymentMethodDetached,
    PaymentMethodEvent,
    PaymentMethodUpdated,
)
from command_svc.domain.rules import (
    MAX_DESCRIPTION_LENGTH,
    normalize_country,
    refuse_nul,
    require_max_length,
    set_metadata,
    validate_email,
    validate_metadata,
)

MAX_NAME_LENGTH: Final = 256
MAX_PHONE_LENGTH: Final = 20
MAX_ADDRESS_LINE_LENGTH: Final = 200
PAYMENT_METHOD_TYPES: Final = frozenset({"card"})


# --- Customer ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CustomerState:
    customer_id: str = ""
    account_id: str = ""
    email: str = ""
    name: str = ""
    phone: str = ""
    description: str = ""
    address: CustomerAddress | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    default_payment_method: str = ""
    default_source: str = ""
    created: bool = False
    deleted: bool = False
    version: int = 0

    @property
    def exists(self) -> bool:
        return self.created and not self.deleted


@dataclass(frozen=True, kw_only=True)
class CustomerChanges:
    """Fields to set; None leaves a field as it is ("" clears a text field)."""

    email: str | None = None
    name: str | None = None
    phone: str | None = None
    description: str | None = None
    address: CustomerAddress | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    default_payment_method: str | None = None
    default_source: str | None = None


@dataclass(frozen=True, kw_only=True)
class CreateCustomer:
    customer_id: str
    account_id: str
    changes: CustomerChanges


@dataclass(frozen=True, kw_only=True)
class UpdateCustomer:
    changes: CustomerChanges


@dataclass(frozen=True, kw_only=True)
class DeleteCustomer:
    pass


CustomerCommand: TypeAlias = CreateCustomer | UpdateCustomer | DeleteCustomer


def decide_customer(command: CustomerCommand, state: CustomerState) -> list[CustomerEvent]:
    match command:
        case CreateCustomer():
            if state.created:
                raise AlreadyExistsError("CUSTOMER_ALREADY_EXISTS", f"Customer {command.customer_id} already exists.")
            c = _validated(command.changes)
            return [CustomerCreated(
                customer_id=command.customer_id, email=c.email or "", name=c.name or "", phone=c.phone or "",
                description=c.description or "", address=c.address or CustomerAddress(),
                address_set=c.address is not None, metadata=set_metadata({}, c.metadata),
                default_payment_method=c.default_payment_method or "", merchant_id=command.account_id,
            )]
        case UpdateCustomer():
            existing = require_customer(state)
            c = _validated(command.changes)
            return [CustomerUpdated(
                customer_id=existing.customer_id,
                email=c.email or "", email_set=c.email is not None,
                name=c.name or "", name_set=c.name is not None,
                phone=c.phone or "", phone_set=c.phone is not None,
                description=c.description or "", description_set=c.description is not None,
                address=c.address or CustomerAddress(), address_set=c.address is not None,
                metadata=dict(c.metadata),
                default_payment_method=c.default_payment_method or "",
                default_payment_method_set=c.default_payment_method is not None,
                default_source=c.default_source or "", default_source_set=c.default_source is not None,
            )]
        case DeleteCustomer():
            return [CustomerDeleted(customer_id=require_customer(state).customer_id)]
        case _:
            assert_never(command)


def require_customer(state: CustomerState, field_name: str = "customer") -> CustomerState:
    if not state.exists:
        raise NotFoundError("RESOURCE_MISSING", f"No such customer: '{state.customer_id}'", field=field_name)
    return state


def _validated(c: CustomerChanges) -> CustomerChanges:
    address = c.address
    refuse_nul({name: value for name, value in (
        ("email", c.email), ("name", c.name), ("phone", c.phone), ("description", c.description),
        ("invoice_settings[default_payment_method]", c.default_payment_method), ("default_source", c.default_source),
        *((f"address[{k}]", getattr(address, k)) for k in ("city", "country", "line1", "line2", "postal_code", "state")
          if address is not None),
    ) if value is not None})
    refuse_nul({"metadata": "".join([*c.metadata, *c.metadata.values()])})
    if c.email:
        validate_email(c.email)
    if c.name is not None:
        require_max_length(c.name, MAX_NAME_LENGTH, field="name")
    if c.phone is not None:
        require_max_length(c.phone, MAX_PHONE_LENGTH, field="phone")
    if c.description is not None:
        require_max_length(c.description, MAX_DESCRIPTION_LENGTH, field="description")
    validate_metadata(c.metadata)
    if c.default_payment_method and not c.default_payment_method.startswith("pm_"):
        raise ValidationError("PAYMENT_METHOD_INVALID", "No such PaymentMethod.",
                              field="invoice_settings[default_payment_method]")
    address = c.address
    if address is not None:
        for name in ("city", "line1", "line2", "postal_code", "state"):
            require_max_length(getattr(address, name), MAX_ADDRESS_LINE_LENGTH, field=f"address_{name}")
        address = replace(address, country=normalize_country(address.country, field="address[country]"))
    return replace(c, address=address)


def evolve_customer(state: CustomerState, event: CustomerEvent) -> CustomerState:
    state = replace(state, version=state.version + 1)
    match event:
        case CustomerCreated():
            return replace(
                state, customer_id=event.customer_id, account_id=event.merchant_id, email=event.email,
                name=event.name, phone=event.phone, description=event.description,
                address=event.address if event.address_set else None, metadata=dict(event.metadata),
                default_payment_method=event.default_payment_method, created=True,
            )
        case CustomerUpdated():
            e = event
            return replace(
                state,
                email=e.email if e.email_set else state.email,
                name=e.name if e.name_set else state.name,
                phone=e.phone if e.phone_set else state.phone,
                description=e.description if e.description_set else state.description,
                address=(e.address if e.address != CustomerAddress() else None) if e.address_set else state.address,
                metadata=set_metadata(state.metadata, e.metadata),
                default_payment_method=(
                    e.default_payment_method if e.default_payment_method_set else state.default_payment_method),
                default_source=e.default_source if e.default_source_set else state.default_source,
            )
        case CustomerDeleted():
            return replace(state, deleted=True)
        case _:
            assert_never(event)


def fold_customer(events: Iterable[CustomerEvent]) -> CustomerState:
    return reduce(evolve_customer, events, CustomerState())


# --- PaymentMethod -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PaymentMethodState:
    payment_method_id: str = ""
    account_id: str = ""
    type: str = ""
    card: Card = field(default_factory=Card)
    network_token: str = ""
    customer: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    billing_name: str = ""
    billing_email: str = ""
    billing_phone: str = ""
    billing_address: CustomerAddress | None = None
    source_id: str = ""
    created: bool = False
    version: int = 0


@dataclass(frozen=True, kw_only=True)
class BillingDetails:
    name: str = ""
    email: str = ""
    phone: str = ""
    address: CustomerAddress | None = None


@dataclass(frozen=True, kw_only=True)
class CreatePaymentMethod:
    payment_method_id: str
    account_id: str
    type: str
    # A Stripe test token (tok_visa) or test card number; the number is only looked up, never kept.
    card_token: str = ""
    card_number: str = ""
    exp_month: int = 0
    exp_year: int = 0
    billing: BillingDetails = field(default_factory=BillingDetails)
    metadata: Mapping[str, str] = field(default_factory=dict)
    customer: str = ""
    source_id: str = ""


@dataclass(frozen=True, kw_only=True)
class UpdatePaymentMethod:
    metadata: Mapping[str, str] = field(default_factory=dict)
    exp_month: int | None = None
    exp_year: int | None = None
    billing_name: str | None = None
    billing_email: str | None = None


@dataclass(frozen=True, kw_only=True)
class AttachPaymentMethod:
    customer: CustomerState


@dataclass(frozen=True, kw_only=True)
class DetachPaymentMethod:
    pass


PaymentMethodCommand: TypeAlias = CreatePaymentMethod | UpdatePaymentMethod | AttachPaymentMethod | DetachPaymentMethod


def test_payment_method_token(payment_method_id: str) -> str | None:
    """The test token behind one of Stripe's test PaymentMethods (pm_card_visa), or None."""
    return TEST_PAYMENT_METHODS.get(payment_method_id)


def decide_payment_method(
    command: PaymentMethodCommand, state: PaymentMethodState, *, network: CardNetwork
) -> list[PaymentMethodEvent]:
    match command:
        case CreatePaymentMethod():
            if state.created:
                raise AlreadyExistsError("PAYMENT_METHOD_ALREADY_EXISTS", "The payment method already exists.")
            return [_create_payment_method(command, network)]
        case UpdatePaymentMethod():
            existing = require_payment_method(state)
            validate_metadata(command.metadata)
            refuse_nul({"billing_details[name]": command.billing_name or "",
                        "billing_details[email]": command.billing_email or "",
                        "metadata": "".join([*command.metadata, *command.metadata.values()])})
            if command.exp_month is not None and not 1 <= command.exp_month <= 12:
                raise ValidationError("EXP_MONTH_INVALID", "Your card's expiration month is invalid.",
                                      field="card[exp_month]")
            if command.exp_year is not None and not 2000 <= command.exp_year <= 2100:
                raise ValidationError("EXP_YEAR_INVALID", "Your card's expiration year is invalid.",
                                      field="card[exp_year]")
            if command.billing_email:
                validate_email(command.billing_email, field="billing_details[email]")
            return [PaymentMethodUpdated(
                payment_method_id=existing.payment_method_id, metadata=dict(command.metadata),
                exp_month=command.exp_month or 0, exp_year=command.exp_year or 0,
                billing_name=command.billing_name or "", billing_name_set=command.billing_name is not None,
                billing_email=command.billing_email or "", billing_email_set=command.billing_email is not None,
            )]
        case AttachPaymentMethod():
            existing = require_payment_method(state)
            customer = require_customer(command.customer)
            if existing.customer == customer.customer_id:
                return []
            if existing.customer:
                raise PreconditionError(
                    "PAYMENT_METHOD_ALREADY_ATTACHED",
                    "The payment method is attached to another customer; detach it first.",
                    field="payment_method")
            return [PaymentMethodAttached(payment_method_id=existing.payment_method_id, customer=customer.customer_id)]
        case DetachPaymentMethod():
            existing = require_payment_method(state)
            if not existing.customer:
                raise PreconditionError(
                    "PAYMENT_METHOD_NOT_ATTACHED",
                    "The payment method is not attached to a customer.", field="payment_method")
            return [PaymentMethodDetached(payment_method_id=existing.payment_method_id, customer=existing.customer)]
        case _:
            assert_never(command)


def require_payment_method(state: PaymentMethodState) -> PaymentMethodState:
    if not state.created:
        raise NotFoundError("RESOURCE_MISSING", f"No such PaymentMethod: '{state.payment_method_id}'",
                            field="payment_method")
    return state


def _create_payment_method(cmd: CreatePaymentMethod, network: CardNetwork) -> PaymentMethodCreated:
    if cmd.type not in PAYMENT_METHOD_TYPES:
        raise ValidationError("PAYMENT_METHOD_TYPE_INVALID", "Invalid type: must be card.", field="type")
    if cmd.card_number:
        token = test_card_token(cmd.card_number)
    elif cmd.card_token:
        if looks_like_card_number(cmd.card_token):
            token = test_card_token(cmd.card_token)
        else:
            token = cmd.card_token
    else:
        raise ValidationError("PARAMETER_MISSING", "Missing required param: card.", field="card")
    source = network.resolve(token)
    validate_metadata(cmd.metadata)
    refuse_nul({"billing_details[name]": cmd.billing.name, "billing_details[email]": cmd.billing.email,
                "billing_details[phone]": cmd.billing.phone,
                "metadata": "".join([*cmd.metadata, *cmd.metadata.values()])})
    if cmd.billing.email:
        validate_email(cmd.billing.email, field="billing_details[email]")
    card = source.card
    if cmd.exp_month:
        if not 1 <= cmd.exp_month <= 12:
            raise ValidationError("EXP_MONTH_INVALID", "Your card's expiration month is invalid.",
                                  field="card[exp_month]")
        card = replace(card, exp_month=cmd.exp_month)
    if cmd.exp_year:
        card = replace(card, exp_year=cmd.exp_year if cmd.exp_year >= 100 else 2000 + cmd.exp_year)
    address = cmd.billing.address
    return PaymentMethodCreated(
        payment_method_id=cmd.payment_method_id, type=cmd.type, card=card, network_token=source.token,
        metadata=set_metadata({}, cmd.metadata), billing_name=cmd.billing.name, billing_email=cmd.billing.email,
        billing_phone=cmd.billing.phone, billing_address=address or CustomerAddress(),
        billing_address_set=address is not None, merchant_id=cmd.account_id, customer=cmd.customer,
        source_id=cmd.source_id,
    )


def evolve_payment_method(state: PaymentMethodState, event: PaymentMethodEvent) -> PaymentMethodState:
    state = replace(state, version=state.version + 1)
    match event:
        case PaymentMethodCreated():
            return replace(
                state, payment_method_id=event.payment_method_id, account_id=event.merchant_id, type=event.type,
                card=event.card, network_token=event.network_token, customer=event.customer,
                metadata=dict(event.metadata), billing_name=event.billing_name, billing_email=event.billing_email,
                billing_phone=event.billing_phone,
                billing_address=event.billing_address if event.billing_address_set else None,
                source_id=event.source_id, created=True,
            )
        case PaymentMethodUpdated():
            e = event
            card = replace(state.card, exp_month=e.exp_month or state.card.exp_month,
                           exp_year=e.exp_year or state.card.exp_year)
            return replace(
                state, card=card, metadata=set_metadata(state.metadata, e.metadata),
                billing_name=e.billing_name if e.billing_name_set else state.billing_name,
                billing_email=e.billing_email if e.billing_email_set else state.billing_email,
            )
        case PaymentMethodAttached():
            return replace(state, customer=event.customer)
        case PaymentMethodDetached():
            return replace(state, customer="")
        case _:
            assert_never(event)


def fold_payment_method(events: Iterable[PaymentMethodEvent]) -> PaymentMethodState:
    return reduce(evolve_payment_method, events, PaymentMethodState())
