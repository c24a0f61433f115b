"""/v1/payouts over AccountCommandService.CreatePayout and QueryService."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.accounts.v1 import account_service_pb2 as acc
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

router = APIRouter(tags=["payouts"])

PAYOUT = doc.stripe_object("payout", ("id", "amount", "currency", "status"))


@router.post("/v1/payouts", response_model=None, responses=doc.responds(PAYOUT),
             openapi_extra=doc.form({"amount": doc.INTEGER, "currency": doc.STRING, "destination": doc.STRING,
                                     "description": doc.STRING, "metadata": doc.METADATA},
                                    ("amount", "currency")))
async def create_payout(request: Request) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).accounts.CreatePayout, acc.CreatePayoutRequest(
        amount=integer(p, "amount", required=True) or 0,
        currency=text(p, "currency") or str(require(p, "currency")),
        destination=text(p, "destination"), description=text(p, "description"),
        metadata=string_map(p, "metadata"), idempotency_key=idempotency_key(request)))
    return await expansion.expand(request, objects.payout(response.payout), p)


@router.get("/v1/payouts/{payout_id}", response_model=None, responses=doc.responds(PAYOUT),
            openapi_extra=doc.query())
async def retrieve_payout(request: Request, payout_id: str) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).query.GetPayout, q.GetPayoutRequest(payout_id=payout_id))
    return await expansion.expand(request, objects.payout(response.payout), p)


@router.get("/v1/payouts", response_model=None, responses=doc.responds(doc.list_of(PAYOUT)),
            openapi_extra=doc.list_query())
async def list_payouts(request: Request) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).query.ListPayouts, q.ListPayoutsRequest(page=page_from(p)))
    return await expansion.expand(request, objects.list_object(
        "/v1/payouts", [objects.payout(x) for x in response.payouts], response.has_more), p)
