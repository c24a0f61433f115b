"""Customers, payment methods, PaymentIntents and SetupIntents as command replies: the decided state in
its read model's hash form (the fields the objects projection writes from the same events), turned into
its message by the read model's own mapper (readmodel/objects.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from ledgermesh.payments.v1 import customer_pb2

from command_svc.api.resources import created_at, position_of
from command_svc.domain.customers import CustomerState, PaymentMethodState
from command_svc.domain.events import CustomerAddress
from command_svc.domain.payment_intents import PaymentError, PaymentIntentState, SetupIntentState
from eventlog.records import StoredEvent
from readmodel.objects import (
    address_fields,
    customer_from_hash,
    error_text,
    metadata_fields,
    payment_intent_from_hash,
    payment_method_from_hash,
    setup_intent_from_hash,
)
from readmodel.values import flag_text, micros, rfc3339, text


def _address(field: str, address: CustomerAddress | None) -> dict[str, str]:
    return address_fields(field, None if address is None else asdict(address))


def _error(error: PaymentError | None) -> str:
    return error_text(None if error is None else asdict(error))


def customer(s: CustomerState, created: datetime, stored: Sequence[StoredEvent]) -> customer_pb2.Customer:
    return customer_from_hash({
        "id": s.customer_id, "account_id": s.account_id, "email": s.email, "name": s.name, "phone": s.phone,
        "description": s.description, **_address("address", s.address),
        "default_payment_method": s.default_payment_method, "default_source": s.default_source,
        "created_us": str(micros(created_at(stored, s.customer_id, created))), "deleted": flag_text(s.deleted),
        "position": str(position_of(stored)), **metadata_fields(s.metadata),
    })


def payment_method(s: PaymentMethodState, created: datetime,
                   stored: Sequence[StoredEvent]) -> customer_pb2.PaymentMethod:
    c = s.card
    return payment_method_from_hash({
        "id": s.payment_method_id, "account_id": s.account_id, "type": s.type, "card_brand": c.brand,
        "card_last4": c.last4, "card_fingerprint": c.fingerprint, "card_country": c.country,
        "card_exp_month": text(c.exp_month), "card_exp_year": text(c.exp_year), "card_funding": c.funding,
        "customer": s.customer, "billing_name": s.billing_name, "billing_email": s.billing_email,
        "billing_phone": s.billing_phone, **_address("billing_address", s.billing_address), "source_id": s.source_id,
        "created_us": str(micros(created_at(stored, s.payment_method_id, created))),
        "position": str(position_of(stored)), **metadata_fields(s.metadata),
    })


def _canceled_at(stored: Sequence[StoredEvent], intent_id: str) -> str:
    return next((rfc3339(e.created_at) for e in stored
                 if e.aggregate_id == intent_id and e.event_type == "PaymentIntentCanceled"), "")


def payment_intent(s: PaymentIntentState, created: datetime,
                   stored: Sequence[StoredEvent]) -> customer_pb2.PaymentIntent:
    return payment_intent_from_hash({
        "id": s.payment_intent_id, "account_id": s.account_id, "amount": text(s.amount), "currency": s.currency,
        "status": s.status.value, "capture_method": s.capture_method, "customer": s.customer,
        "payment_method": s.payment_method, "description": s.description,
        "statement_descriptor": s.statement_descriptor, "setup_future_usage": s.setup_future_usage,
        "receipt_email": s.receipt_email, "client_secret": s.client_secret, "latest_charge": s.latest_charge,
        "amount_capturable": text(s.amount_capturable), "amount_received": text(s.amount_received),
        "cancellation_reason": s.cancellation_reason, "canceled_at": _canceled_at(stored, s.payment_intent_id),
        "last_payment_error": _error(s.last_payment_error), "next_action_path": s.next_action_path,
        "return_url": s.return_url, "created_us": str(micros(created_at(stored, s.payment_intent_id, created))),
        "position": str(position_of(stored)), **metadata_fields(s.metadata),
    })


def setup_intent(s: SetupIntentState, created: datetime, stored: Sequence[StoredEvent]) -> customer_pb2.SetupIntent:
    return setup_intent_from_hash({
        "id": s.setup_intent_id, "account_id": s.account_id, "status": s.status.value, "customer": s.customer,
        "payment_method": s.payment_method, "usage": s.usage, "description": s.description,
        "client_secret": s.client_secret, "last_setup_error": _error(s.last_setup_error),
        "next_action_path": s.next_action_path, "return_url": s.return_url,
        "cancellation_reason": s.cancellation_reason,
        "created_us": str(micros(created_at(stored, s.setup_intent_id, created))),
        "position": str(position_of(stored)), **metadata_fields(s.metadata),
    })
