"""/v1/payment_methods: Stripe's PaymentMethods API over CustomerCommandService and ObjectQueryService.
Cards are Stripe's test cards (by number, test mode only) or test tokens; a number is never stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.payments.v1 import customer_pb2
from ledgermesh.payments.v1 import customer_service_pb2 as cs
from ledgermesh.query.v1 import object_query_service_pb2 as oq

from gateway import openapi as doc
from gateway.errors import StripeError
from gateway.routes import expansion
from gateway.routes.common import (
    backends,
    call,
    form,
    idempotency_key,
    integer,
    query_params,
    require,
    string_map,
    text,
)
from gateway.routes.customers import address_of
from gateway.routes.pages import page_from
from stripe_shapes import customers as shapes
from stripe_shapes.objects import list_object

router = APIRouter(tags=["payment_methods"])

PAYMENT_METHOD = doc.stripe_object("payment_method", ("id", "type"))
_CARD_FIELDS = ("number", "exp_month", "exp_year", "cvc", "token")


def card_input(p: dict[str, Any]) -> cs.CardInput:
    raw = p.get("card")
    if raw is None or raw == "":
        raise StripeError(400, "invalid_request_error", "Missing required param: card.", code="parameter_missing",
                          param="card")
    if not isinstance(raw, dict):
        raise StripeError(400, "invalid_request_error", "Invalid card: must be a hash", param="card")
    unknown = sorted(set(raw) - set(_CARD_FIELDS))
    if unknown:
        raise StripeError(400, "invalid_request_error", f"Received unknown parameter: card[{unknown[0]}]",
                          code="parameter_unknown", param=f"card[{unknown[0]}]")
    return cs.CardInput(number=str(raw.get("number", "")), token=str(raw.get("token", "")),
                        exp_month=integer(raw, "exp_month") or 0, exp_year=integer(raw, "exp_year") or 0)


def _billing(p: dict[str, Any]) -> customer_pb2.BillingDetails:
    raw = p.get("billing_details")
    if raw in (None, ""):
        return customer_pb2.BillingDetails()
    if not isinstance(raw, dict):
        raise StripeError(400, "invalid_request_error", "Invalid billing_details: must be a hash",
                          param="billing_details")
    details = customer_pb2.BillingDetails(name=str(raw.get("name", "")), email=str(raw.get("email", "")),
                                          phone=str(raw.get("phone", "")))
    address = address_of(raw, "address")
    if address is not None:
        details.address.CopyFrom(address)
    return details


@router.post("/v1/payment_methods", response_model=None, responses=doc.responds(PAYMENT_METHOD),
             openapi_extra=doc.form({"type": doc.STRING, "card": doc.METADATA, "billing_details": doc.METADATA,
                                     "metadata": doc.METADATA}, ("type",)))
async def create_payment_method(request: Request) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).customers.CreatePaymentMethod, cs.CreatePaymentMethodRequest(
        type=text(p, "type") or str(require(p, "type")), card=card_input(p), billing_details=_billing(p),
        metadata=string_map(p, "metadata"), idempotency_key=idempotency_key(request)))
    return await expansion.expand(request, shapes.payment_method(response.payment_method), p)


@router.get("/v1/payment_methods/{payment_method_id}", response_model=None, responses=doc.responds(PAYMENT_METHOD),
            openapi_extra=doc.query())
async def retrieve_payment_method(request: Request, payment_method_id: str) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).objects.GetPaymentMethod,
                          oq.GetPaymentMethodRequest(payment_method_id=payment_method_id))
    return await expansion.expand(request, shapes.payment_method(response.payment_method), p)


@router.post("/v1/payment_methods/{payment_method_id}", response_model=None, responses=doc.responds(PAYMENT_METHOD),
             openapi_extra=doc.form({"card": doc.METADATA, "billing_details": doc.METADATA,
                                     "metadata": doc.METADATA}))
async def update_payment_method(request: Request, payment_method_id: str) -> dict[str, Any]:
    p = await form(request)
    message = cs.UpdatePaymentMethodRequest(payment_method_id=payment_method_id, metadata=string_map(p, "metadata"),
                                            idempotency_key=idempotency_key(request))
    card = p.get("card")
    if isinstance(card, dict):
        if "exp_month" in card:
            message.exp_month = integer(card, "exp_month") or 0
        if "exp_year" in card:
            message.exp_year = integer(card, "exp_year") or 0
    billing = p.get("billing_details")
    if isinstance(billing, dict):
        if "name" in billing:
            message.billing_name = str(billing["name"])
        if "email" in billing:
            message.billing_email = str(billing["email"])
    response = await call(request, backends(request).customers.UpdatePaymentMethod, message)
    return await expansion.expand(request, shapes.payment_method(response.payment_method), p)


@router.post("/v1/payment_methods/{payment_method_id}/attach", response_model=None,
             responses=doc.responds(PAYMENT_METHOD), openapi_extra=doc.form({"customer": doc.STRING}, ("customer",)))
async def attach_payment_method(request: Request, payment_method_id: str) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).customers.AttachPaymentMethod, cs.AttachPaymentMethodRequest(
        payment_method_id=payment_method_id, customer=text(p, "customer") or str(require(p, "customer")),
        idempotency_key=idempotency_key(request)))
    return await expansion.expand(request, shapes.payment_method(response.payment_method), p)


@router.post("/v1/payment_methods/{payment_method_id}/detach", response_model=None,
             responses=doc.responds(PAYMENT_METHOD), openapi_extra=doc.form({}))
async def detach_payment_method(request: Request, payment_method_id: str) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).customers.DetachPaymentMethod, cs.DetachPaymentMethodRequest(
        payment_method_id=payment_method_id, idempotency_key=idempotency_key(request)))
    return await expansion.expand(request, shapes.payment_method(response.payment_method), p)


@router.get("/v1/payment_methods", response_model=None, responses=doc.responds(doc.list_of(PAYMENT_METHOD)),
            openapi_extra=doc.list_query(("customer", doc.STRING), ("type", doc.STRING)))
async def list_payment_methods(request: Request) -> dict[str, Any]:
    p = query_params(request)
    customer = text(p, "customer")
    if not customer:
        # LedgerMesh lists payment methods per customer, as Stripe does for saved cards.
        return list_object("/v1/payment_methods", [], False)
    response = await call(request, backends(request).objects.ListPaymentMethods, oq.ListPaymentMethodsRequest(
        page=page_from(p), customer=customer, type=text(p, "type")))
    return await expansion.expand(request, list_object(
        "/v1/payment_methods", [shapes.payment_method(m) for m in response.payment_methods], response.has_more), p)
