"""/v1/tokens: Stripe's card tokens from test card numbers (test mode only; a number is never stored).
A token names the saved card it created: charge it (`source=tok_...`) or save it to a customer
(POST /v1/customers/{id}/sources)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.payments.v1 import customer_service_pb2 as cs

from gateway import openapi as doc
from gateway.routes.common import backends, call, form, idempotency_key
from gateway.routes.payment_methods import card_input
from stripe_shapes import customers as shapes

router = APIRouter(tags=["tokens"])

TOKEN = doc.stripe_object("token", ("id", "card"))


@router.post("/v1/tokens", response_model=None, responses=doc.responds(TOKEN),
             openapi_extra=doc.form({"card": doc.METADATA}, ("card",)))
async def create_token(request: Request) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).customers.CreatePaymentMethod, cs.CreatePaymentMethodRequest(
        type="card", card=card_input(p), as_source=True, idempotency_key=idempotency_key(request)))
    pm = response.payment_method
    return shapes.token(pm, "tok_" + pm.id.removeprefix("pm_"))
