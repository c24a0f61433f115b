"""Customers, payment methods, PaymentIntents, SetupIntents, card sources and tokens as Stripe's JSON
objects, with every top-level field of Stripe's fixtures (`null` where LedgerMesh has no value)."""

from __future__ import annotations

from typing import Any

from ledgermesh.payments.v1 import charge_pb2, customer_pb2

from stripe_shapes.objects import unix, unix_or_none


def _address(message: Any, present: bool) -> dict[str, Any] | None:
    if not present:
        return None
    a: customer_pb2.Address = message
    return {"city": a.city or None, "country": a.country or None, "line1": a.line1 or None,
            "line2": a.line2 or None, "postal_code": a.postal_code or None, "state": a.state or None}


def customer(c: customer_pb2.Customer) -> dict[str, Any]:
    if c.deleted:
        return {"id": c.id, "object": "customer", "deleted": True}
    return {
        "id": c.id,
        "object": "customer",
        "address": _address(c.address, c.HasField("address")),
        "balance": 0,
        "created": unix(c.created),
        "currency": None,
        "default_source": c.default_source or None,
        "delinquent": False,
        "description": c.description or None,
        "discount": None,
        "email": c.email or None,
        "invoice_prefix": c.id.removeprefix("cus_")[:8].upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": c.default_payment_method or None,
                             "footer": None, "rendering_options": None},
        "livemode": False,
        "metadata": dict(c.metadata),
        "name": c.name or None,
        "next_invoice_sequence": 1,
        "phone": c.phone or None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def _card(card: charge_pb2.CardDetails) -> dict[str, Any]:
    return {
        "brand": card.brand, "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                        "cvc_check": None},
        "country": card.country or None, "display_brand": card.brand, "exp_month": card.exp_month,
        "exp_year": card.exp_year, "fingerprint": card.fingerprint, "funding": card.funding or "credit",
        "generated_from": None, "last4": card.last4, "networks": {"available": [card.brand], "preferred": None},
        "three_d_secure_usage": {"supported": True}, "wallet": None,
    }


def payment_method(p: customer_pb2.PaymentMethod) -> dict[str, Any]:
    b = p.billing_details
    return {
        "id": p.id,
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {"address": _address(b.address, b.HasField("address")), "email": b.email or None,
                            "name": b.name or None, "phone": b.phone or None, "tax_id": None},
        "card": _card(p.card),
        "created": unix(p.created),
        "customer": p.customer or None,
        "customer_account": None,
        "livemode": False,
        "metadata": dict(p.metadata),
        "type": p.type or "card",
    }


def card_source(p: customer_pb2.PaymentMethod) -> dict[str, Any]:
    """A saved card as the legacy Sources API shows it (card_...)."""
    c = p.card
    return {
        "id": p.source_id or p.id, "object": "card", "address_city": None, "address_country": None,
        "address_line1": None, "address_line1_check": None, "address_line2": None, "address_state": None,
        "address_zip": None, "address_zip_check": None, "brand": _brand_name(c.brand), "country": c.country or None,
        "customer": p.customer or None, "cvc_check": None, "dynamic_last4": None, "exp_month": c.exp_month,
        "exp_year": c.exp_year, "fingerprint": c.fingerprint, "funding": c.funding or "credit", "last4": c.last4,
        "metadata": dict(p.metadata), "name": p.billing_details.name or None, "tokenization_method": None,
    }


def token(p: customer_pb2.PaymentMethod, token_id: str) -> dict[str, Any]:
    """Stripe's card token: the card source it stands for, not yet attached to anyone."""
    return {"id": token_id, "object": "token", "card": card_source(p), "client_ip": None, "created": unix(p.created),
            "livemode": False, "type": "card", "used": False}


def _brand_name(brand: str) -> str:
    names = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express", "discover": "Discover",
             "jcb": "JCB", "unionpay": "UnionPay", "diners": "Diners Club"}
    return names.get(brand, brand.title())


def _error(e: customer_pb2.PaymentError, present: bool, payment_method_object: dict[str, Any] | None
           ) -> dict[str, Any] | None:
    if not present:
        return None
    return {"type": e.type or "card_error", "code": e.code or None, "decline_code": e.decline_code or None,
            "message": e.message or None, "charge": e.charge or None, "doc_url": (
                f"https://stripe.com/docs/error-codes/{e.code.replace('_', '-')}" if e.code else None),
            "payment_method": payment_method_object, "param": None}


def _next_action(path: str, return_url: str, api_base: str) -> dict[str, Any] | None:
    if not path:
        return None
    return {"type": "redirect_to_url", "redirect_to_url": {"url": api_base.rstrip("/") + path,
                                                           "return_url": return_url or None}}


def payment_intent(p: customer_pb2.PaymentIntent, api_base: str) -> dict[str, Any]:
    failed_pm = ({"id": p.last_payment_error.payment_method, "object": "payment_method"}
                 if p.last_payment_error.payment_method else None)
    return {
        "id": p.id,
        "object": "payment_intent",
        "amount": p.amount,
        "amount_capturable": p.amount_capturable,
        "amount_details": {"tip": {}},
        "amount_received": p.amount_received,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": unix_or_none(p.canceled_at),
        "cancellation_reason": p.cancellation_reason or None,
        "capture_method": p.capture_method or "automatic",
        "client_secret": p.client_secret,
        "confirmation_method": "automatic",
        "created": unix(p.created),
        "currency": p.currency,
        "customer": p.customer or None,
        "customer_account": None,
        "description": p.description or None,
        "excluded_payment_method_types": None,
        "last_payment_error": _error(p.last_payment_error, p.HasField("last_payment_error"), failed_pm),
        "latest_charge": p.latest_charge or None,
        "livemode": False,
        "managed_payments": None,
        "metadata": dict(p.metadata),
        "next_action": _next_action(p.next_action_path, p.return_url, api_base),
        "on_behalf_of": None,
        "payment_method": p.payment_method or None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"capture_method": None, "request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": p.receipt_email or None,
        "review": None,
        "setup_future_usage": p.setup_future_usage or None,
        "shipping": None,
        "source": None,
        "statement_descriptor": p.statement_descriptor or None,
        "statement_descriptor_suffix": None,
        "status": p.status,
        "transfer_data": None,
        "transfer_group": None,
    }


def setup_intent(s: customer_pb2.SetupIntent, api_base: str) -> dict[str, Any]:
    failed_pm = ({"id": s.last_setup_error.payment_method, "object": "payment_method"}
                 if s.last_setup_error.payment_method else None)
    return {
        "id": s.id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": None,
        "cancellation_reason": s.cancellation_reason or None,
        "client_secret": s.client_secret,
        "created": unix(s.created),
        "customer": s.customer or None,
        "description": s.description or None,
        "excluded_payment_method_types": None,
        "flow_directions": None,
        "last_setup_error": _error(s.last_setup_error, s.HasField("last_setup_error"), failed_pm),
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": dict(s.metadata),
        "next_action": _next_action(s.next_action_path, s.return_url, api_base),
        "on_behalf_of": None,
        "payment_method": s.payment_method or None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "single_use_mandate": None,
        "status": s.status,
        "usage": s.usage or "off_session",
    }
