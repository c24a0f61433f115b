"""/v1/charges: Stripe's Charges API over PaymentCommandService and QueryService."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.payments.v1 import charge_pb2
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.errors import card_declined
from gateway.json_body import StripeJSON
from gateway.routes import expansion
from gateway.routes.common import (
    backends,
    boolean,
    call,
    form,
    idempotency_key,
    integer,
    query_params,
    require,
    string_map,
    text,
)
from gateway.routes.pages import page_from
from stripe_shapes import objects

router = APIRouter(tags=["charges"])

CHARGE = doc.stripe_object("charge", ("id", "amount", "currency", "status", "captured", "paid"))
_CHARGE_FORM = {
    "amount": doc.INTEGER, "currency": doc.STRING, "source": doc.STRING, "description": doc.STRING,
    "metadata": doc.METADATA, "capture": doc.BOOLEAN, "customer": doc.STRING, "receipt_email": doc.STRING,
    "statement_descriptor": doc.STRING, "expand": doc.EXPAND,
}


async def _shaped(request: Request, charge: charge_pb2.Charge, params: dict[str, Any]) -> dict[str, Any]:
    return await expansion.expand(request, await expansion.charge_object(request, charge), params)


@router.post("/v1/charges", response_model=None, responses=doc.responds(CHARGE),
             openapi_extra=doc.form(_CHARGE_FORM, ("amount", "currency", "source")))
async def create_charge(request: Request) -> StripeJSON:
    p = await form(request)
    message = pay.CreateChargeRequest(
        amount=integer(p, "amount", required=True) or 0,
        currency=text(p, "currency") or str(require(p, "currency")),
        # A customer's charge without a source is on its default source.
        source=text(p, "source") or ("" if text(p, "customer") else str(require(p, "source"))),
        description=text(p, "description"),
        metadata=string_map(p, "metadata"),
        customer=text(p, "customer"),
        receipt_email=text(p, "receipt_email"),
        statement_descriptor=text(p, "statement_descriptor"),
        idempotency_key=idempotency_key(request),
    )
    capture = boolean(p, "capture")
    if capture is not None:
        message.capture = capture
    response = await call(request, backends(request).payments.CreateCharge, message)
    charge = response.charge
    if charge.status == charge_pb2.CHARGE_STATUS_FAILED:
        raise card_declined(charge.id, charge.failure_code, charge.decline_code, charge.failure_message)
    return StripeJSON(await _shaped(request, charge, p))


@router.get("/v1/charges/{charge_id}", response_model=None, responses=doc.responds(CHARGE),
            openapi_extra=doc.query(("expand[]", doc.STRING)))
async def retrieve_charge(request: Request, charge_id: str) -> StripeJSON:
    response = await call(request, backends(request).query.GetCharge, q.GetChargeRequest(charge_id=charge_id))
    return StripeJSON(await _shaped(request, response.charge, query_params(request)))


@router.post("/v1/charges/{charge_id}", response_model=None, responses=doc.responds(CHARGE),
             openapi_extra=doc.form({"description": doc.STRING, "metadata": doc.METADATA, "expand": doc.EXPAND}))
async def update_charge(request: Request, charge_id: str) -> StripeJSON:
    p = await form(request)
    message = pay.UpdateChargeRequest(charge_id=charge_id, metadata=string_map(p, "metadata"),
                                      idempotency_key=idempotency_key(request))
    if "description" in p:
        message.description = text(p, "description")
    response = await call(request, backends(request).payments.UpdateCharge, message)
    return StripeJSON(await _shaped(request, response.charge, p))


@router.post("/v1/charges/{charge_id}/capture", response_model=None, responses=doc.responds(CHARGE),
             openapi_extra=doc.form({"amount": doc.INTEGER, "expand": doc.EXPAND}))
async def capture_charge(request: Request, charge_id: str) -> StripeJSON:
    p = await form(request)
    message = pay.CaptureChargeRequest(charge_id=charge_id, idempotency_key=idempotency_key(request))
    amount = integer(p, "amount")
    if amount is not None:
        message.amount = amount
    response = await call(request, backends(request).payments.CaptureCharge, message)
    return StripeJSON(await _shaped(request, response.charge, p))


@router.get("/v1/charges", response_model=None, responses=doc.responds(doc.list_of(CHARGE)),
            openapi_extra=doc.list_query(("customer", doc.STRING), ("payment_intent", doc.STRING)))
async def list_charges(request: Request) -> StripeJSON:
    p = query_params(request)
    message = q.ListChargesRequest(page=page_from(p), customer=text(p, "customer"),
                                   payment_intent=text(p, "payment_intent"))
    response = await call(request, backends(request).query.ListCharges, message)
    refunds = expansion.wants(p, "data.refunds")
    shaped = await asyncio.gather(*(expansion.charge_object(request, c, with_refunds=refunds)
                                    for c in response.charges))
    return StripeJSON(await expansion.expand(
        request, objects.list_object("/v1/charges", list(shaped), response.has_more), p))
