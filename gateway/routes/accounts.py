"""/v1/accounts and /v1/account over AccountCommandService.CreateAccount and QueryService.GetAccount.

Creating an account returns its first secret key once, in the LedgerMesh extension field
`secret_key` (Stripe has no such field; the SDK exposes it as `account.secret_key`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.errors import StripeError
from gateway.routes.common import backends, call, form, idempotency_key, integer, query_params, string_map, text
from stripe_shapes import objects

router = APIRouter(tags=["accounts"])

ACCOUNT = doc.stripe_object("account", ("id", "charges_enabled", "payouts_enabled", "requirements"))
_INT32 = 2**31


@router.post("/v1/accounts", response_model=None, responses=doc.responds(ACCOUNT),
             openapi_extra=doc.form({"email": doc.STRING, "country": doc.STRING, "default_currency": doc.STRING,
                                     "business_profile": {"type": "object",
                                                          "properties": {"name": doc.STRING}},
                                     "metadata": doc.METADATA, "type": doc.STRING,
                                     # LedgerMesh extensions: the account's fee schedule.
                                     "fee_percent_bps": doc.INTEGER, "fee_fixed": doc.INTEGER}))
async def create_account(request: Request) -> dict[str, Any]:
    p = await form(request)
    profile = p.get("business_profile") or {}
    if not isinstance(profile, dict):
        raise StripeError(400, "invalid_request_error", "business_profile must be a hash", param="business_profile")
    message = acc.CreateAccountRequest(
        email=text(p, "email"), country=text(p, "country"), default_currency=text(p, "default_currency"),
        business_name=text(profile, "name"), metadata=string_map(p, "metadata"),
        idempotency_key=idempotency_key(request),
    )
    # LedgerMesh extensions: per-account fee schedule.
    bps = integer(p, "fee_percent_bps")
    if bps is not None:
        if not 0 <= bps < _INT32:
            raise StripeError(400, "invalid_request_error", "fee_percent_bps is out of range",
                              param="fee_percent_bps")
        message.fee_percent_bps = bps
    fixed = integer(p, "fee_fixed")
    if fixed is not None:
        message.fee_fixed = fixed
    response = await call(request, backends(request).accounts.CreateAccount, message)
    return objects.account(response.account, response.secret_key)


@router.get("/v1/accounts/{account_id}", response_model=None, responses=doc.responds(ACCOUNT),
            openapi_extra=doc.query())
async def retrieve_account(request: Request, account_id: str) -> dict[str, Any]:
    query_params(request)
    response = await call(request, backends(request).query.GetAccount, q.GetAccountRequest(account_id=account_id))
    return objects.account(response.account)


@router.get("/v1/account", response_model=None, responses=doc.responds(ACCOUNT), openapi_extra=doc.query())
async def retrieve_own_account(request: Request) -> dict[str, Any]:
    query_params(request)
    response = await call(request, backends(request).query.GetAccount, q.GetAccountRequest())
    return objects.account(response.account)
