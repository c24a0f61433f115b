"""Customers, payment methods, PaymentIntents and SetupIntents as Stripe shows them (readmodel/objects.py),
with per-account newest-first indexes and each customer's payment methods."""

from __future__ import annotations

from collections.abc import Mapping

from google.protobuf.message import Message
from ledgermesh.events.v1 import customer_events_pb2 as cus
from ledgermesh.events.v1 import erasure_events_pb2 as erasure
from ledgermesh.events.v1 import payment_intent_events_pb2 as pie

from eventcodec.personal import REDACTED
from projector.projections.base import Handlers, Op, Projection, erased, hset, required
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys
from readmodel.objects import (
    ADDRESS_FIELDS,
    CANCELED,
    REQUIRES_ACTION,
    REQUIRES_CAPTURE,
    REQUIRES_CONFIRMATION,
    REQUIRES_PAYMENT_METHOD,
    SUCCEEDED,
    address_fields,
    error_text,
    meta_field,
    metadata_fields,
)
from readmodel.values import rfc3339

on = Handlers()


def _stamped(e: ProjectedEvent, key: str, fields: Mapping[str, object]) -> Op:
    return hset(key, {**fields, "version": e.aggregate_version, "position": e.commit_position})


def _metadata_changes(key: str, changes: Mapping[str, str]) -> list[Op]:
    # Stripe's empty value unsets a key.
    return [("HDEL", key, meta_field(name)) if value == "" else ("HSET", key, meta_field(name), value)
            for name, value in changes.items()]


def _address(field: str, address: Message, given: bool) -> dict[str, str]:
    return address_fields(field, {name: getattr(address, name) for name in ADDRESS_FIELDS} if given else None)


# --- Customers -----------------------------------------------------------------------------------


@on(cus.CustomerCreated)
def _customer_created(e: ProjectedEvent, p: cus.CustomerCreated, k: Keys) -> list[Op]:
    customer_id = required(p.customer_id, "customer_id")
    return [
        _stamped(e, k.customer(customer_id), {
            "id": customer_id, "account_id": e.tenant_id, "email": p.email, "name": p.name, "phone": p.phone,
            "description": p.description, **_address("address", p.address, p.address_set),
            "default_payment_method": p.default_payment_method, "default_source": "", "created_us": e.created_us,
            "deleted": 0, **metadata_fields(p.metadata),
        }),
        ("ZADD", k.account_customers(e.tenant_id), str(e.created_us), customer_id),
    ]


@on(cus.CustomerUpdated)
def _customer_updated(e: ProjectedEvent, p: cus.CustomerUpdated, k: Keys) -> list[Op]:
    key = k.customer(required(p.customer_id, "customer_id"))
    fields: dict[str, object] = {}
    for name in ("email", "name", "phone", "description", "default_payment_method", "default_source"):
        if getattr(p, f"{name}_set"):
            fields[name] = getattr(p, name)
    if p.address_set:
        fields.update(_address("address", p.address, True))
    return [*_metadata_changes(key, p.metadata), _stamped(e, key, fields)]


@on(cus.CustomerDeleted)
def _customer_deleted(e: ProjectedEvent, p: cus.CustomerDeleted, k: Keys) -> list[Op]:
    customer_id = required(p.customer_id, "customer_id")
    # Stripe answers a deleted customer's id with {"deleted": true}; it leaves the list.
    return [_stamped(e, k.customer(customer_id), {"deleted": 1}),
            ("ZREM", k.account_customers(e.tenant_id), customer_id)]


# --- Payment methods -----------------------------------------------------------------------------


@on(cus.PaymentMethodCreated)
def _payment_method_created(e: ProjectedEvent, p: cus.PaymentMethodCreated, k: Keys) -> list[Op]:
    pm_id = required(p.payment_method_id, "payment_method_id")
    c = p.card
    ops: list[Op] = [_stamped(e, k.payment_method(pm_id), {
        "id": pm_id, "account_id": e.tenant_id, "type": p.type, "card_brand": c.brand, "card_last4": c.last4,
        "card_fingerprint": c.fingerprint, "card_country": c.country, "card_exp_month": c.exp_month,
        "card_exp_year": c.exp_year, "card_funding": c.funding, "customer": p.customer,
        "billing_name": p.billing_name, "billing_email": p.billing_email, "billing_phone": p.billing_phone,
        **_address("billing_address", p.billing_address, p.billing_address_set), "source_id": p.source_id,
        "created_us": e.created_us, **metadata_fields(p.metadata),
    })]
    if p.customer:
        ops.append(("ZADD", k.customer_payment_methods(p.customer), str(e.created_us), pm_id))
    return ops


@on(cus.PaymentMethodUpdated)
def _payment_method_updated(e: ProjectedEvent, p: cus.PaymentMethodUpdated, k: Keys) -> list[Op]:
    key = k.payment_method(required(p.payment_method_id, "payment_method_id"))
    fields: dict[str, object] = {}
    if p.exp_month:
        fields["card_exp_month"] = p.exp_month
    if p.exp_year:
        fields["card_exp_year"] = p.exp_year
    if p.billing_name_set:
        fields["billing_name"] = p.billing_name
    if p.billing_email_set:
        fields["billing_email"] = p.billing_email
    return [*_metadata_changes(key, p.metadata), _stamped(e, key, fields)]


@on(cus.PaymentMethodAttached)
def _payment_method_attached(e: ProjectedEvent, p: cus.PaymentMethodAttached, k: Keys) -> list[Op]:
    pm_id = required(p.payment_method_id, "payment_method_id")
    return [_stamped(e, k.payment_method(pm_id), {"customer": p.customer}),
            ("ZADD", k.customer_payment_methods(p.customer), str(e.created_us), pm_id)]


@on(cus.PaymentMethodDetached)
def _payment_method_detached(e: ProjectedEvent, p: cus.PaymentMethodDetached, k: Keys) -> list[Op]:
    pm_id = required(p.payment_method_id, "payment_method_id")
    return [_stamped(e, k.payment_method(pm_id), {"customer": ""}),
            ("ZREM", k.customer_payment_methods(p.customer), pm_id)]


# --- PaymentIntents ------------------------------------------------------------------------------


@on(pie.PaymentIntentCreated)
def _intent_created(e: ProjectedEvent, p: pie.PaymentIntentCreated, k: Keys) -> list[Op]:
    pi_id = required(p.payment_intent_id, "payment_intent_id")
    return [
        _stamped(e, k.payment_intent(pi_id), {
            "id": pi_id, "account_id": e.tenant_id, "amount": p.amount, "currency": p.currency,
            "status": REQUIRES_CONFIRMATION if p.payment_method else REQUIRES_PAYMENT_METHOD,
            "capture_method": p.capture_method, "customer": p.customer, "payment_method": p.payment_method,
            "description": p.description, "statement_descriptor": p.statement_descriptor,
            "setup_future_usage": p.setup_future_usage, "receipt_email": p.receipt_email,
            "client_secret": p.client_secret, "latest_charge": "", "amount_capturable": 0, "amount_received": 0,
            "cancellation_reason": "", "canceled_at": "", "last_payment_error": "", "next_action_path": "",
            "return_url": "", "created_us": e.created_us, **metadata_fields(p.metadata),
        }),
        ("ZADD", k.account_payment_intents(e.tenant_id), str(e.created_us), pi_id),
    ]


@on(pie.PaymentIntentUpdated)
def _intent_updated(e: ProjectedEvent, p: pie.PaymentIntentUpdated, k: Keys) -> list[Op]:
    key = k.payment_intent(required(p.payment_intent_id, "payment_intent_id"))
    fields: dict[str, object] = {}
    for name in ("amount", "customer", "payment_method", "description", "statement_descriptor",
                 "setup_future_usage"):
        if getattr(p, f"{name}_set"):
            fields[name] = getattr(p, name)
    if p.status:
        fields["status"] = p.status
        if p.status != REQUIRES_ACTION:
            fields["next_action_path"] = ""
    return [*_metadata_changes(key, p.metadata), _stamped(e, key, fields)]


@on(pie.PaymentIntentRequiresAction)
def _intent_requires_action(e: ProjectedEvent, p: pie.PaymentIntentRequiresAction, k: Keys) -> list[Op]:
    key = k.payment_intent(required(p.payment_intent_id, "payment_intent_id"))
    return [_stamped(e, key, {"status": REQUIRES_ACTION, "payment_method": p.payment_method,
                              "next_action_path": p.redirect_path, "return_url": p.return_url,
                              "last_payment_error": ""})]


@on(pie.PaymentIntentAuthorized)
def _intent_authorized(e: ProjectedEvent, p: pie.PaymentIntentAuthorized, k: Keys) -> list[Op]:
    key = k.payment_intent(required(p.payment_intent_id, "payment_intent_id"))
    return [_stamped(e, key, {"status": REQUIRES_CAPTURE, "payment_method": p.payment_method,
                              "latest_charge": p.charge_id, "amount_capturable": p.amount_capturable,
                              "next_action_path": "", "last_payment_error": ""})]


@on(pie.PaymentIntentAuthorizationIncremented)
def _intent_incremented(e: ProjectedEvent, p: pie.PaymentIntentAuthorizationIncremented, k: Keys) -> list[Op]:
    key = k.payment_intent(required(p.payment_intent_id, "payment_intent_id"))
    return [_stamped(e, key, {"amount": p.amount, "amount_capturable": p.amount})]


@on(pie.PaymentIntentSucceeded)
def _intent_succeeded(e: ProjectedEvent, p: pie.PaymentIntentSucceeded, k: Keys) -> list[Op]:
    key = k.payment_intent(required(p.payment_intent_id, "payment_intent_id"))
    return [_stamped(e, key, {"status": SUCCEEDED, "payment_method": p.payment_method, "latest_charge": p.charge_id,
                              "amount_received": p.amount_received, "amount_capturable": 0, "next_action_path": "",
                              "last_payment_error": ""})]


@on(pie.PaymentIntentPaymentFailed)
def _intent_payment_failed(e: ProjectedEvent, p: pie.PaymentIntentPaymentFailed, k: Keys) -> list[Op]:
    key = k.payment_intent(required(p.payment_intent_id, "payment_intent_id"))
    error = {"type": p.error_type, "code": p.error_code, "decline_code": p.decline_code, "message": p.message,
             "payment_method": p.payment_method, "charge": p.charge_id}
    fields: dict[str, object] = {"status": REQUIRES_PAYMENT_METHOD, "payment_method": "", "next_action_path": "",
                                 "last_payment_error": error_text(error)}
    if p.charge_id:
        fields["latest_charge"] = p.charge_id
    return [_stamped(e, key, fields)]


@on(pie.PaymentIntentCanceled)
def _intent_canceled(e: ProjectedEvent, p: pie.PaymentIntentCanceled, k: Keys) -> list[Op]:
    key = k.payment_intent(required(p.payment_intent_id, "payment_intent_id"))
    return [_stamped(e, key, {"status": CANCELED, "cancellation_reason": p.cancellation_reason,
                              "canceled_at": rfc3339(e.created_at), "amount_capturable": 0, "next_action_path": ""})]


# --- SetupIntents --------------------------------------------------------------------------------


@on(pie.SetupIntentCreated)
def _setup_created(e: ProjectedEvent, p: pie.SetupIntentCreated, k: Keys) -> list[Op]:
    si_id = required(p.setup_intent_id, "setup_intent_id")
    return [
        _stamped(e, k.setup_intent(si_id), {
            "id": si_id, "account_id": e.tenant_id,
            "status": REQUIRES_CONFIRMATION if p.payment_method else REQUIRES_PAYMENT_METHOD,
            "customer": p.customer, "payment_method": p.payment_method, "usage": p.usage,
            "description": p.description, "client_secret": p.client_secret, "last_setup_error": "",
            "next_action_path": "", "return_url": "", "cancellation_reason": "", "created_us": e.created_us,
            **metadata_fields(p.metadata),
        }),
        ("ZADD", k.account_setup_intents(e.tenant_id), str(e.created_us), si_id),
    ]


@on(pie.SetupIntentRequiresAction)
def _setup_requires_action(e: ProjectedEvent, p: pie.SetupIntentRequiresAction, k: Keys) -> list[Op]:
    key = k.setup_intent(required(p.setup_intent_id, "setup_intent_id"))
    return [_stamped(e, key, {"status": REQUIRES_ACTION, "payment_method": p.payment_method,
                              "next_action_path": p.redirect_path, "return_url": p.return_url,
                              "last_setup_error": ""})]


@on(pie.SetupIntentSucceeded)
def _setup_succeeded(e: ProjectedEvent, p: pie.SetupIntentSucceeded, k: Keys) -> list[Op]:
    key = k.setup_intent(required(p.setup_intent_id, "setup_intent_id"))
    return [_stamped(e, key, {"status": SUCCEEDED, "payment_method": p.payment_method, "next_action_path": "",
                              "last_setup_error": ""})]


@on(pie.SetupIntentFailed)
def _setup_failed(e: ProjectedEvent, p: pie.SetupIntentFailed, k: Keys) -> list[Op]:
    key = k.setup_intent(required(p.setup_intent_id, "setup_intent_id"))
    error = {"type": "card_error", "code": p.error_code, "decline_code": p.decline_code, "message": p.message,
             "payment_method": p.payment_method, "charge": ""}
    return [_stamped(e, key, {"status": REQUIRES_PAYMENT_METHOD, "payment_method": "", "next_action_path": "",
                              "last_setup_error": error_text(error)})]


@on(pie.SetupIntentCanceled)
def _setup_canceled(e: ProjectedEvent, p: pie.SetupIntentCanceled, k: Keys) -> list[Op]:
    key = k.setup_intent(required(p.setup_intent_id, "setup_intent_id"))
    return [_stamped(e, key, {"status": CANCELED, "cancellation_reason": p.cancellation_reason,
                              "next_action_path": ""})]


# --- Erasure -------------------------------------------------------------------------------------

# Which object's hash (readmodel.keys.Keys method) holds each event type's personal fields, under the
# event's own field names (an address part too: `address.line1`, readmodel.objects.address_fields).
_ERASABLE: Mapping[str, str] = {
    "CustomerCreated": "customer", "CustomerUpdated": "customer",
    "PaymentMethodCreated": "payment_method", "PaymentMethodUpdated": "payment_method",
    "PaymentIntentCreated": "payment_intent", "PaymentIntentUpdated": "payment_intent",
    "SetupIntentCreated": "setup_intent",
}


@on(erasure.SubjectForgotten)
def _subject_forgotten(e: ProjectedEvent, p: erasure.SubjectForgotten, k: Keys) -> list[Op]:
    # The objects' personal fields sealed with the destroyed keys, redacted at once (a rebuild redacts
    # them by itself: their keys are gone).
    ops: list[Op] = []
    for f in erased(p, _ERASABLE):
        key = getattr(k, _ERASABLE[f.event_type])(f.aggregate_id)
        field = meta_field(f.map_key or "") if f.field == "metadata" else f.field
        ops.append(("HSET", key, field, REDACTED))
    return ops


class ObjectsProjection(Projection):
    name = "objects"
    key_patterns = (PATTERNS.objects_namespace("*"),)
    handlers = on
