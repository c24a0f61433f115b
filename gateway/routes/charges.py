"""/v1/charges: Stripe's Charges API over PaymentCommandService and QueryService."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway.routes.common import boolean, call, form, integer, query_params, require, string_map
from gateway.routes.pages import page_from
from gateway.stripe_shapes import objects

router = APIRouter()


def backends(request: Request) -> Any:
    return request.app.state.backends


@router.post("/v1/charges")
async def create_charge(request: Request) -> dict[str, Any]:
    p = await form(request)
    message = pay.CreateChargeRequest(
        amount=integer(p, "amount", required=True) or 0,
        currency=str(require(p, "currency")),
        source=str(require(p, "source")),
        description=str(p.get("description", "")),
        metadata=string_map(p, "metadata"),
        customer=str(p.get("customer", "")),
        receipt_email=str(p.get("receipt_email", "")),
        statement_descriptor=str(p.get("statement_descriptor", "")),
        idempotency_key=request.headers.get("idempotency-key", ""),
    )
    capture = boolean(p, "capture")
    if capture is not None:
        message.capture = capture
    response = await call(request, backends(request).payments.CreateCharge, message)
    return objects.charge(response.charge)


@router.get("/v1/charges/{charge_id}")
async def retrieve_charge(request: Request, charge_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).query.GetCharge, q.GetChargeRequest(charge_id=charge_id))
    return objects.charge(response.charge)


@router.get("/v1/charges")
async def list_charges(request: Request) -> dict[str, Any]:
    p = query_params(request)
    message = q.ListChargesRequest(page=page_from(p), customer=str(p.get("customer", "")))
    response = await call(request, backends(request).query.ListCharges, message)
    return objects.list_object("/v1/charges", [objects.charge(c) for c in response.charges], response.has_more)
