"""The read models of customers, payment methods, PaymentIntents and SetupIntents: the one place each
becomes its protobuf message, whether read from Redis (the projector writes these hashes) or from a
command's decided state (command_svc/api writes the same hash form).

Every field is flat so that an event can change it without reading the hash: metadata is one field
per key (`meta:<key>`, deleted when Stripe's empty value unsets it), card facts are `card_<name>`,
an address is one field per part (`address.line1`, so that erasing one part is one field, live
as in a rebuild), errors are JSON text ("" for none). Statuses are Stripe's words."""

from __future__ import annotations

import json
from collections.abc import Mapping

from ledgermesh.payments.v1 import charge_pb2, customer_pb2

from readmodel.values import Hash, flag, integer, json_value, timestamp_from_text, timestamp_from_us

_META = "meta:"

# An intent hash's `status`, in Stripe's words.
REQUIRES_PAYMENT_METHOD = "requires_payment_method"
REQUIRES_CONFIRMATION = "requires_confirmation"
REQUIRES_ACTION = "requires_action"
REQUIRES_CAPTURE = "requires_capture"
SUCCEEDED = "succeeded"
CANCELED = "canceled"

CARD_FIELDS = ("brand", "last4", "fingerprint", "country", "exp_month", "exp_year", "funding")
ADDRESS_FIELDS = tuple(f.name for f in customer_pb2.Address.DESCRIPTOR.fields)
ERROR_FIELDS = ("type", "code", "decline_code", "message", "payment_method", "charge")


def meta_field(key: str) -> str:
    return _META + key


def metadata_of(h: Hash) -> dict[str, str]:
    return {name[len(_META):]: value for name, value in h.items() if name.startswith(_META)}


def metadata_fields(metadata: Mapping[str, str]) -> dict[str, str]:
    return {meta_field(key): value for key, value in metadata.items() if value}


def address_fields(field: str, address: Mapping[str, str] | None) -> dict[str, str]:
    """An address as its hash fields, one per part (`<field>.<part>`); all "" for none."""
    return {f"{field}.{name}": "" if address is None else address.get(name, "") for name in ADDRESS_FIELDS}


def error_text(error: Mapping[str, str] | None) -> str:
    if error is None:
        return ""
    return json.dumps({name: error.get(name, "") for name in ERROR_FIELDS}, sort_keys=True)


def _address(h: Hash, field: str) -> customer_pb2.Address | None:
    parts = {name: h.get(f"{field}.{name}", "") for name in ADDRESS_FIELDS}
    return customer_pb2.Address(**parts) if any(parts.values()) else None


def _error(h: Hash, name: str) -> customer_pb2.PaymentError | None:
    value = json_value(h, name)
    return customer_pb2.PaymentError(**{k: str(value.get(k, "")) for k in ERROR_FIELDS}) if value else None


def customer_from_hash(h: Hash) -> customer_pb2.Customer:
    customer = customer_pb2.Customer(
        id=h["id"], account_id=h.get("account_id", ""), email=h.get("email", ""), name=h.get("name", ""),
        phone=h.get("phone", ""), description=h.get("description", ""), metadata=metadata_of(h),
        default_payment_method=h.get("default_payment_method", ""), default_source=h.get("default_source", ""),
        created=timestamp_from_us(h.get("created_us")), deleted=flag(h, "deleted"), position=integer(h, "position"),
    )
    address = _address(h, "address")
    if address is not None:
        customer.address.CopyFrom(address)
    return customer


def payment_method_from_hash(h: Hash) -> customer_pb2.PaymentMethod:
    pm = customer_pb2.PaymentMethod(
        id=h["id"], account_id=h.get("account_id", ""), type=h.get("type", "card"),
        card=charge_pb2.CardDetails(
            brand=h.get("card_brand", ""), last4=h.get("card_last4", ""), country=h.get("card_country", ""),
            exp_month=integer(h, "card_exp_month"), exp_year=integer(h, "card_exp_year"),
            fingerprint=h.get("card_fingerprint", ""), funding=h.get("card_funding", "")),
        customer=h.get("customer", ""),
        billing_details=customer_pb2.BillingDetails(
            name=h.get("billing_name", ""), email=h.get("billing_email", ""), phone=h.get("billing_phone", "")),
        metadata=metadata_of(h), created=timestamp_from_us(h.get("created_us")), position=integer(h, "position"),
        source_id=h.get("source_id", ""),
    )
    address = _address(h, "billing_address")
    if address is not None:
        pm.billing_details.address.CopyFrom(address)
    return pm


def payment_intent_from_hash(h: Hash) -> customer_pb2.PaymentIntent:
    pi = customer_pb2.PaymentIntent(
        id=h["id"], account_id=h.get("account_id", ""), amount=integer(h, "amount"), currency=h.get("currency", ""),
        status=h.get("status", ""), capture_method=h.get("capture_method", ""), customer=h.get("customer", ""),
        payment_method=h.get("payment_method", ""), description=h.get("description", ""), metadata=metadata_of(h),
        statement_descriptor=h.get("statement_descriptor", ""), setup_future_usage=h.get("setup_future_usage", ""),
        receipt_email=h.get("receipt_email", ""), client_secret=h.get("client_secret", ""),
        latest_charge=h.get("latest_charge", ""), amount_capturable=integer(h, "amount_capturable"),
        amount_received=integer(h, "amount_received"), cancellation_reason=h.get("cancellation_reason", ""),
        next_action_path=h.get("next_action_path", ""), return_url=h.get("return_url", ""),
        created=timestamp_from_us(h.get("created_us")), position=integer(h, "position"),
    )
    canceled = timestamp_from_text(h.get("canceled_at"))
    if canceled is not None:
        pi.canceled_at.CopyFrom(canceled)
    error = _error(h, "last_payment_error")
    if error is not None:
        pi.last_payment_error.CopyFrom(error)
    return pi


def setup_intent_from_hash(h: Hash) -> customer_pb2.SetupIntent:
    si = customer_pb2.SetupIntent(
        id=h["id"], account_id=h.get("account_id", ""), status=h.get("status", ""), customer=h.get("customer", ""),
        payment_method=h.get("payment_method", ""), usage=h.get("usage", ""), description=h.get("description", ""),
        metadata=metadata_of(h), client_secret=h.get("client_secret", ""),
        next_action_path=h.get("next_action_path", ""), cancellation_reason=h.get("cancellation_reason", ""),
        created=timestamp_from_us(h.get("created_us")), position=integer(h, "position"),
        return_url=h.get("return_url", ""),
    )
    error = _error(h, "last_setup_error")
    if error is not None:
        si.last_setup_error.CopyFrom(error)
    return si
