"""/v1/customers: Stripe's Customers API (and the legacy card sources of a customer) over
CustomerCommandService and ObjectQueryService."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.payments.v1 import customer_pb2
from ledgermesh.payments.v1 import customer_service_pb2 as cs
from ledgermesh.query.v1 import object_query_service_pb2 as oq

from gateway import openapi as doc
from gateway.errors import StripeError
from gateway.routes import expansion
from gateway.routes.common import backends, call, form, idempotency_key, query_params, require, string_map, text
from gateway.routes.pages import page_from
from stripe_shapes import customers as shapes
from stripe_shapes.objects import list_object

router = APIRouter(tags=["customers"])

CUSTOMER = doc.stripe_object("customer", ("id",))
CARD = doc.stripe_object("card", ("id", "last4"))
_ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")
_CUSTOMER_FORM = {
    "email": doc.STRING, "name": doc.STRING, "phone": doc.STRING, "description": doc.STRING,
    "address": doc.METADATA, "metadata": doc.METADATA, "payment_method": doc.STRING,
    "invoice_settings": doc.METADATA, "source": doc.STRING,
}


def address_of(p: dict[str, Any], name: str) -> customer_pb2.Address | None:
    raw = p.get(name)
    if raw is None:
        return None
    if raw == "":
        return customer_pb2.Address()
    if not isinstance(raw, dict):
        raise StripeError(400, "invalid_request_error", f"Invalid {name}: must be a hash", param=name)
    unknown = set(raw) - set(_ADDRESS_FIELDS)
    if unknown:
        bad = sorted(unknown)[0]
        raise StripeError(400, "invalid_request_error", f"Received unknown parameter: {name}[{bad}]",
                          code="parameter_unknown", param=f"{name}[{bad}]")
    return customer_pb2.Address(**{k: str(v) for k, v in raw.items()})


def _fields(p: dict[str, Any]) -> cs.CustomerFields:
    fields = cs.CustomerFields(metadata=string_map(p, "metadata"))
    for name in ("email", "name", "phone", "description"):
        if name in p:
            setattr(fields, name, text(p, name))
    address = address_of(p, "address")
    if address is not None:
        fields.address.CopyFrom(address)
    settings = p.get("invoice_settings")
    if isinstance(settings, dict) and "default_payment_method" in settings:
        fields.default_payment_method = str(settings["default_payment_method"])
    elif settings not in (None, "") and not isinstance(settings, dict):
        raise StripeError(400, "invalid_request_error", "Invalid invoice_settings: must be a hash",
                          param="invoice_settings")
    if "default_source" in p:
        fields.default_source = text(p, "default_source")
    return fields


@router.post("/v1/customers", response_model=None, responses=doc.responds(CUSTOMER),
             openapi_extra=doc.form(_CUSTOMER_FORM))
async def create_customer(request: Request) -> dict[str, Any]:
    p = await form(request)
    b = backends(request)
    response = await call(request, b.customers.CreateCustomer, cs.CreateCustomerRequest(
        fields=_fields(p), payment_method=text(p, "payment_method"), idempotency_key=idempotency_key(request)))
    customer = response.customer
    source = text(p, "source")
    if source:
        key = idempotency_key(request)
        added = await _add_source(request, customer.id, source, f"{key}:source" if key else "")
        read = await call(request, b.objects.GetCustomer, oq.GetCustomerRequest(
            customer_id=customer.id, min_position=added.global_position))
        customer = read.customer
    return await expansion.expand(request, shapes.customer(customer), p)


@router.get("/v1/customers/{customer_id}", response_model=None, responses=doc.responds(CUSTOMER),
            openapi_extra=doc.query())
async def retrieve_customer(request: Request, customer_id: str) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).objects.GetCustomer, oq.GetCustomerRequest(customer_id=customer_id))
    return await expansion.expand(request, shapes.customer(response.customer), p)


@router.post("/v1/customers/{customer_id}", response_model=None, responses=doc.responds(CUSTOMER),
             openapi_extra=doc.form(_CUSTOMER_FORM))
async def update_customer(request: Request, customer_id: str) -> dict[str, Any]:
    p = await form(request)
    fields = _fields(p)
    if text(p, "source"):
        # Stripe's `source` on update adds the card and makes it the default.
        added = await _add_source(request, customer_id, text(p, "source"), "")
        fields.default_source = added.payment_method.source_id
    response = await call(request, backends(request).customers.UpdateCustomer, cs.UpdateCustomerRequest(
        customer_id=customer_id, fields=fields, idempotency_key=idempotency_key(request)))
    return await expansion.expand(request, shapes.customer(response.customer), p)


@router.delete("/v1/customers/{customer_id}", response_model=None, responses=doc.responds(CUSTOMER))
async def delete_customer(request: Request, customer_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).customers.DeleteCustomer, cs.DeleteCustomerRequest(
        customer_id=customer_id, idempotency_key=idempotency_key(request)))
    return {"id": response.customer.id, "object": "customer", "deleted": True}


@router.get("/v1/customers", response_model=None, responses=doc.responds(doc.list_of(CUSTOMER)),
            openapi_extra=doc.list_query(("email", doc.STRING)))
async def list_customers(request: Request) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).objects.ListCustomers, oq.ListCustomersRequest(
        page=page_from(p), email=text(p, "email")))
    return await expansion.expand(request, list_object(
        "/v1/customers", [shapes.customer(c) for c in response.customers], response.has_more), p)


@router.get("/v1/customers/{customer_id}/payment_methods", response_model=None,
            responses=doc.responds(doc.list_of(doc.stripe_object("payment_method"))),
            openapi_extra=doc.list_query(("type", doc.STRING)))
async def list_customer_payment_methods(request: Request, customer_id: str) -> dict[str, Any]:
    p = query_params(request)
    await call(request, backends(request).objects.GetCustomer, oq.GetCustomerRequest(customer_id=customer_id))
    response = await call(request, backends(request).objects.ListPaymentMethods, oq.ListPaymentMethodsRequest(
        page=page_from(p), customer=customer_id, type=text(p, "type")))
    return await expansion.expand(request, list_object(
        f"/v1/customers/{customer_id}/payment_methods", [shapes.payment_method(m) for m in response.payment_methods],
        response.has_more), p)


async def _add_source(request: Request, customer_id: str, source: str,
                      key: str) -> cs.CreatePaymentMethodResponse:
    """A card source from a test token, saved to the customer: a payment method with a card_ id."""
    return await call(request, backends(request).customers.CreatePaymentMethod, cs.CreatePaymentMethodRequest(
        type="card", card=cs.CardInput(token=source), customer=customer_id, as_source=True, idempotency_key=key))


@router.post("/v1/customers/{customer_id}/sources", response_model=None, responses=doc.responds(CARD),
             openapi_extra=doc.form({"source": doc.STRING, "metadata": doc.METADATA}, ("source",)))
async def create_source(request: Request, customer_id: str) -> dict[str, Any]:
    p = await form(request)
    source = text(p, "source") or str(require(p, "source"))
    # The customer's first source becomes its default (decided with the source).
    added = await _add_source(request, customer_id, source, idempotency_key(request))
    return shapes.card_source(added.payment_method)


@router.get("/v1/customers/{customer_id}/sources", response_model=None, responses=doc.responds(doc.list_of(CARD)),
            openapi_extra=doc.list_query(("object", doc.STRING)))
async def list_sources(request: Request, customer_id: str) -> dict[str, Any]:
    p = query_params(request)
    await call(request, backends(request).objects.GetCustomer, oq.GetCustomerRequest(customer_id=customer_id))
    response = await call(request, backends(request).objects.ListPaymentMethods, oq.ListPaymentMethodsRequest(
        page=page_from(p), customer=customer_id))
    cards = [shapes.card_source(m) for m in response.payment_methods if m.source_id]
    return list_object(f"/v1/customers/{customer_id}/sources", cards, response.has_more)


@router.get("/v1/customers/{customer_id}/sources/{source_id}", response_model=None, responses=doc.responds(CARD))
async def retrieve_source(request: Request, customer_id: str, source_id: str) -> dict[str, Any]:
    card = await _card_of(request, customer_id, source_id)
    return shapes.card_source(card)


@router.delete("/v1/customers/{customer_id}/sources/{source_id}", response_model=None, responses=doc.responds(CARD))
async def delete_source(request: Request, customer_id: str, source_id: str) -> dict[str, Any]:
    await _card_of(request, customer_id, source_id)
    response = await call(request, backends(request).customers.DetachPaymentMethod, cs.DetachPaymentMethodRequest(
        payment_method_id=source_id, idempotency_key=idempotency_key(request)))
    return {"id": source_id, "object": "card", "deleted": True, "customer": response.payment_method.customer or None}


async def _card_of(request: Request, customer_id: str, source_id: str) -> customer_pb2.PaymentMethod:
    """The customer's card source (card_X is payment method pm_X); another customer's is missing."""
    missing = StripeError(404, "invalid_request_error", f"No such source: '{source_id[:64]}'",
                          code="resource_missing", param="id")
    if not source_id.startswith("card_"):
        raise missing
    response = await call(request, backends(request).objects.GetPaymentMethod, oq.GetPaymentMethodRequest(
        payment_method_id="pm_" + source_id.removeprefix("card_")))
    if response.payment_method.customer != customer_id or response.payment_method.source_id != source_id:
        raise missing
    return response.payment_method
