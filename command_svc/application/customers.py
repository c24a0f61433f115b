"""Use cases of the Customer and PaymentMethod aggregates: customers, their saved cards, attach/detach.

Stripe's test PaymentMethods (`pm_card_visa`, ...) are not objects of the account: used anywhere a
payment method id is expected, each use creates a fresh payment method for that card (as Stripe does),
appended in the same transaction as the command that used it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from command_svc.application.ids import new_id
from command_svc.application.pipeline import Decision
from command_svc.application.ports import EventStore
from command_svc.application.postings import Clock, appends_for, unchanged, utcnow
from command_svc.application.streams import Loaded, load
from command_svc.domain import customers
from command_svc.domain.card_network import TEST_TOKENS, CardNetwork
from command_svc.domain.customers import (
    CustomerChanges,
    CustomerState,
    PaymentMethodCommand,
    PaymentMethodState,
    test_payment_method_token,
)
from command_svc.domain.errors import NotFoundError, PreconditionError, ValidationError
from eventlog.records import StreamAppend


@dataclass(frozen=True)
class CustomerResult:
    state: CustomerState
    created_at: datetime


@dataclass(frozen=True)
class PaymentMethodResult:
    state: PaymentMethodState
    created_at: datetime


@dataclass(frozen=True)
class ResolvedPaymentMethod:
    """A payment method a command uses: loaded, or created from a Stripe test PaymentMethod, with the
    append that creates it (or guards the version it was read at)."""

    state: PaymentMethodState
    version: int
    append: StreamAppend
    created_at: datetime | None
    new_events: Sequence[Any] = field(default_factory=tuple)


# Ids that name a saved card: a legacy card source, a token from POST /v1/tokens, a payment method. All
# three share the payment method's random part (card_X, tok_X and pm_X are the same card).
SAVED_CARD_PREFIXES = ("card_", "tok_", "pm_")


def payment_method_id_of(saved_card: str) -> str:
    prefix, _, rest = saved_card.partition("_")
    return "pm_" + rest if f"{prefix}_" in SAVED_CARD_PREFIXES else saved_card


_ID = re.compile(r"^[a-z]+_[A-Za-z0-9_]{1,128}$")


def well_formed(object_id: str, prefix: str) -> bool:
    """An id of the kind `prefix` names, checked before it is looked up: anything else (NUL bytes
    included, which PostgreSQL cannot take) names nothing."""
    return object_id.startswith(prefix) and bool(_ID.match(object_id))


def _owned(loaded: Loaded[Any], tenant_id: str, object_id: str, prefix: str) -> bool:
    return bool(loaded.events) and loaded.events[0].tenant_id == tenant_id and object_id.startswith(prefix)


async def load_customer(store: EventStore, tenant_id: str, customer_id: str, *,
                        field_name: str = "customer") -> Loaded[CustomerState]:
    loaded = await load(store, customer_id, customers.fold_customer) if well_formed(customer_id, "cus_") else None
    if loaded is None or not _owned(loaded, tenant_id, customer_id, "cus_") or loaded.state.deleted:
        raise NotFoundError("RESOURCE_MISSING", f"No such customer: '{customer_id}'", field=field_name)
    return loaded


async def resolve_payment_method(store: EventStore, network: CardNetwork, tenant_id: str, payment_method_id: str,
                                 *, now: datetime) -> ResolvedPaymentMethod:
    token = test_payment_method_token(payment_method_id)
    if token is not None:
        pm_id = new_id("pm")
        events = customers.decide_payment_method(customers.CreatePaymentMethod(
            payment_method_id=pm_id, account_id=tenant_id, type="card", card_token=token),
            PaymentMethodState(payment_method_id=pm_id), network=network)
        return ResolvedPaymentMethod(customers.fold_payment_method(events), 0, appends_for(pm_id, "PaymentMethod", 0,
                                                                                        events), now, events)
    payment_method_id = payment_method_id_of(payment_method_id)
    if not well_formed(payment_method_id, "pm_"):
        raise NotFoundError("RESOURCE_MISSING", f"No such PaymentMethod: '{payment_method_id[:64]!r}'",
                            field="payment_method")
    loaded = await load(store, payment_method_id, customers.fold_payment_method)
    if not _owned(loaded, tenant_id, payment_method_id, "pm_"):
        raise NotFoundError("RESOURCE_MISSING", f"No such PaymentMethod: '{payment_method_id}'",
                            field="payment_method")
    return ResolvedPaymentMethod(loaded.state, loaded.version,
                                 unchanged(payment_method_id, "PaymentMethod", loaded.version), loaded.created_at)


async def load_saved_card(store: EventStore, tenant_id: str, saved_card: str) -> Loaded[PaymentMethodState]:
    """The payment method behind card_X / tok_X / pm_X."""
    pm_id = payment_method_id_of(saved_card)
    loaded = await load(store, pm_id, customers.fold_payment_method) if well_formed(pm_id, "pm_") else None
    if loaded is None or not _owned(loaded, tenant_id, pm_id, "pm_"):
        raise ValidationError("SOURCE_INVALID", f"No such source: '{saved_card[:64]}'", field="source")
    return loaded


class CustomersApp:
    def __init__(self, store: EventStore, network: CardNetwork, *, clock: Clock = utcnow) -> None:
        self._store = store
        self._network = network
        self._clock = clock

    # --- Customers ------------------------------------------------------------------------------

    async def _default_payment_method_guard(self, tenant_id: str, customer_id: str,
                                            changes: CustomerChanges) -> list[StreamAppend]:
        """Stripe's default payment method must be one attached to the customer."""
        pm_id = changes.default_payment_method
        if not pm_id:
            return []
        loaded = await load(self._store, pm_id, customers.fold_payment_method) if well_formed(pm_id, "pm_") else None
        if loaded is None or not _owned(loaded, tenant_id, pm_id, "pm_"):
            raise NotFoundError("RESOURCE_MISSING", f"No such PaymentMethod: '{pm_id}'",
                                field="invoice_settings[default_payment_method]")
        if loaded.state.customer != customer_id:
            raise PreconditionError(
                "PAYMENT_METHOD_NOT_ATTACHED",
                f"The payment method {pm_id} must be attached to the customer to be its default.",
                field="invoice_settings[default_payment_method]")
        return [unchanged(pm_id, "PaymentMethod", loaded.version)]

    async def create(self, tenant_id: str, changes: CustomerChanges, payment_method: str = "") -> Decision:
        now = self._clock()
        customer_id = new_id("cus")
        default = changes.default_payment_method
        if default and default != payment_method:
            # A new customer has no payment method yet but the one this request attaches.
            raise PreconditionError(
                "PAYMENT_METHOD_NOT_ATTACHED",
                f"The payment method {default} must be attached to the customer to be its default.",
                field="invoice_settings[default_payment_method]")
        pm = (await resolve_payment_method(self._store, self._network, tenant_id, payment_method, now=now)
              if payment_method else None)
        if pm is not None and default:
            changes = replace(changes, default_payment_method=pm.state.payment_method_id)
        events = customers.decide_customer(
            customers.CreateCustomer(customer_id=customer_id, account_id=tenant_id, changes=changes),
            CustomerState(customer_id=customer_id))
        state = customers.fold_customer(events)
        appends = [appends_for(customer_id, "Customer", 0, events)]
        if pm is not None:
            attached = customers.decide_payment_method(customers.AttachPaymentMethod(customer=state), pm.state,
                                                       network=self._network)
            appends.append(appends_for(pm.state.payment_method_id, "PaymentMethod", pm.version,
                                       [*pm.new_events, *attached]))
        return Decision(appends, CustomerResult(state, now))

    async def update(self, tenant_id: str, customer_id: str, changes: CustomerChanges) -> Decision:
        loaded = await load_customer(self._store, tenant_id, customer_id, field_name="id")
        guards = await self._default_payment_method_guard(tenant_id, customer_id, changes)
        events = customers.decide_customer(customers.UpdateCustomer(changes=changes), loaded.state)
        state = loaded.state
        for event in events:
            state = customers.evolve_customer(state, event)
        return Decision([appends_for(customer_id, "Customer", loaded.version, events), *guards],
                        CustomerResult(state, loaded.created_at or self._clock()))

    async def delete(self, tenant_id: str, customer_id: str) -> Decision:
        loaded = await load_customer(self._store, tenant_id, customer_id, field_name="id")
        events = customers.decide_customer(customers.DeleteCustomer(), loaded.state)
        state = loaded.state
        for event in events:
            state = customers.evolve_customer(state, event)
        return Decision([appends_for(customer_id, "Customer", loaded.version, events)],
                        CustomerResult(state, loaded.created_at or self._clock()))

    # --- Payment methods ------------------------------------------------------------------------

    async def create_payment_method(self, tenant_id: str, command_fields: dict[str, Any], *,
                                    as_source: bool = False) -> Decision:
        """A payment method; `as_source` makes it a legacy card source too (card_...), the object
        POST /v1/customers/{id}/sources answers with, and a customer's first source its default."""
        now = self._clock()
        token = str(command_fields.get("card_token", ""))
        if token.startswith("tok_") and token not in TEST_TOKENS and command_fields.get("customer"):
            # A token from POST /v1/tokens saved to a customer: its card becomes the customer's source.
            return await self._save_token(tenant_id, token, str(command_fields["customer"]))
        pm_id = new_id("pm")
        if as_source:
            command_fields = {**command_fields, "source_id": "card_" + pm_id.removeprefix("pm_")}
        appends: list[StreamAppend] = []
        customer = str(command_fields.pop("customer", "") or "")
        command = customers.CreatePaymentMethod(payment_method_id=pm_id, account_id=tenant_id, customer=customer,
                                                **command_fields)
        events = customers.decide_payment_method(command, PaymentMethodState(payment_method_id=pm_id),
                                                 network=self._network)
        if customer:
            # A legacy source (POST /v1/customers/{id}/sources) is saved to its customer at once.
            loaded = await load_customer(self._store, tenant_id, customer)
            if as_source and not loaded.state.default_source:
                default = customers.decide_customer(customers.UpdateCustomer(
                    changes=CustomerChanges(default_source=command.source_id)), loaded.state)
                appends.append(appends_for(customer, "Customer", loaded.version, default))
            else:
                appends.append(unchanged(customer, "Customer", loaded.version))
        return Decision([appends_for(pm_id, "PaymentMethod", 0, events), *appends],
                        PaymentMethodResult(customers.fold_payment_method(events), now))

    async def _save_token(self, tenant_id: str, token: str, customer_id: str) -> Decision:
        card = await load_saved_card(self._store, tenant_id, token)
        customer = await load_customer(self._store, tenant_id, customer_id)
        if card.state.customer:
            raise PreconditionError("TOKEN_ALREADY_USED", f"You cannot use a Stripe token more than once: {token}.",
                                    field="source")
        events = customers.decide_payment_method(customers.AttachPaymentMethod(customer=customer.state), card.state,
                                                 network=self._network)
        state = card.state
        for event in events:
            state = customers.evolve_payment_method(state, event)
        appends = [appends_for(state.payment_method_id, "PaymentMethod", card.version, events)]
        if not customer.state.default_source:
            appends.append(appends_for(customer_id, "Customer", customer.version, customers.decide_customer(
                customers.UpdateCustomer(changes=CustomerChanges(default_source=state.source_id)), customer.state)))
        else:
            appends.append(unchanged(customer_id, "Customer", customer.version))
        return Decision(appends, PaymentMethodResult(state, card.created_at or self._clock()))

    async def _on_payment_method(self, tenant_id: str, payment_method_id: str, command: PaymentMethodCommand,
                                 extra: Sequence[StreamAppend] = ()) -> Decision:
        now = self._clock()
        pm = await resolve_payment_method(self._store, self._network, tenant_id, payment_method_id, now=now)
        events = customers.decide_payment_method(command, pm.state, network=self._network)
        state = pm.state
        for event in events:
            state = customers.evolve_payment_method(state, event)
        append = appends_for(state.payment_method_id, "PaymentMethod", pm.version, [*pm.new_events, *events])
        return Decision([append, *extra], PaymentMethodResult(state, pm.created_at or now))

    async def update_payment_method(self, tenant_id: str, payment_method_id: str,
                                    command: customers.UpdatePaymentMethod) -> Decision:
        return await self._on_payment_method(tenant_id, payment_method_id, command)

    async def attach(self, tenant_id: str, payment_method_id: str, customer_id: str) -> Decision:
        customer = await load_customer(self._store, tenant_id, customer_id)
        return await self._on_payment_method(
            tenant_id, payment_method_id, customers.AttachPaymentMethod(customer=customer.state),
            [unchanged(customer_id, "Customer", customer.version)])

    async def detach(self, tenant_id: str, payment_method_id: str) -> Decision:
        return await self._on_payment_method(tenant_id, payment_method_id, customers.DetachPaymentMethod())


__all__ = ["CustomersApp", "CustomerResult", "PaymentMethodResult", "ResolvedPaymentMethod", "load_customer",
           "resolve_payment_method"]
