"""/v1/refunds: Stripe's Refunds API over PaymentCommandService.CreateRefund and QueryService."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.payments.v1 import payment_intent_service_pb2 as pis
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import object_query_service_pb2 as oq
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
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
from gateway.routes.pages import page_from
from stripe_shapes import objects

router = APIRouter(tags=["refunds"])

REFUND = doc.stripe_object("refund", ("id", "amount", "charge", "currency", "status"))


@router.post("/v1/refunds", response_model=None, responses=doc.responds(REFUND),
             openapi_extra=doc.form({"charge": doc.STRING, "payment_intent": doc.STRING, "amount": doc.INTEGER,
                                     "reason": doc.STRING, "metadata": doc.METADATA}))
async def create_refund(request: Request) -> dict[str, Any]:
    p = await form(request)
    if text(p, "payment_intent") and not text(p, "charge"):
        return await _refund_payment_intent(request, p)
    message = pay.CreateRefundRequest(
        charge_id=text(p, "charge") or str(require(p, "charge")), reason=text(p, "reason"),
        metadata=string_map(p, "metadata"), idempotency_key=idempotency_key(request),
    )
    amount = integer(p, "amount")
    if amount is not None:
        message.amount = amount
    response = await call(request, backends(request).payments.CreateRefund, message)
    return await expansion.expand(request, objects.refund(response.refund), p)


async def _refund_payment_intent(request: Request, p: dict[str, Any]) -> dict[str, Any]:
    """Stripe's `payment_intent=`: the intent's charge is refunded (the command side reads the intent)."""
    message = pis.RefundPaymentIntentRequest(
        payment_intent_id=text(p, "payment_intent"), reason=text(p, "reason"), metadata=string_map(p, "metadata"),
        idempotency_key=idempotency_key(request))
    amount = integer(p, "amount")
    if amount is not None:
        message.amount = amount
    response = await call(request, backends(request).intents.RefundPaymentIntent, message)
    return await expansion.expand(request, objects.refund(response.refund), p)


@router.get("/v1/refunds/{refund_id}", response_model=None, responses=doc.responds(REFUND),
            openapi_extra=doc.query())
async def retrieve_refund(request: Request, refund_id: str) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).query.GetRefund, q.GetRefundRequest(refund_id=refund_id))
    return await expansion.expand(request, objects.refund(response.refund), p)


@router.get("/v1/refunds", response_model=None, responses=doc.responds(doc.list_of(REFUND)),
            openapi_extra=doc.list_query(("charge", doc.STRING), ("payment_intent", doc.STRING)))
async def list_refunds(request: Request) -> dict[str, Any]:
    p = query_params(request)
    charge = text(p, "charge")
    intent_id = text(p, "payment_intent")
    if intent_id:
        # An intent's refunds are those of its charge (POST /v1/refunds with payment_intent= refunds it).
        intent = await call(request, backends(request).objects.GetPaymentIntent,
                            oq.GetPaymentIntentRequest(payment_intent_id=intent_id))
        paid_by = intent.payment_intent.latest_charge
        if not paid_by or (charge and charge != paid_by):
            return objects.list_object("/v1/refunds", [], False)
        charge = paid_by
    response = await call(request, backends(request).query.ListRefunds,
                          q.ListRefundsRequest(page=page_from(p), charge_id=charge))
    return await expansion.expand(request, objects.list_object(
        "/v1/refunds", [objects.refund(r) for r in response.refunds], response.has_more), p)


@router.get("/v1/charges/{charge_id}/refunds", response_model=None, responses=doc.responds(doc.list_of(REFUND)),
            openapi_extra=doc.list_query())
async def list_charge_refunds(request: Request, charge_id: str) -> dict[str, Any]:
    """The url of a charge's `refunds` list."""
    p = query_params(request)
    response = await call(request, backends(request).query.ListRefunds,
                          q.ListRefundsRequest(page=page_from(p), charge_id=charge_id))
    return await expansion.expand(request, objects.list_object(
        f"/v1/charges/{charge_id}/refunds", [objects.refund(r) for r in response.refunds], response.has_more), p)
