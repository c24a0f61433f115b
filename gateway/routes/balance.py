"""/v1/balance and /v1/balance_transactions over QueryService; `/v1/balance?as_of=` (the operator's
audit read, a LedgerMesh extension) over AccountCommandService.GetBalanceAsOf."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.errors import StripeError
from gateway.routes import expansion
from gateway.routes.common import backends, call, integer, query_params, text
from gateway.routes.pages import page_from
from stripe_shapes import objects

router = APIRouter(tags=["balance"])

BALANCE: dict[str, Any] = {
    "type": "object", "required": ["object", "available", "pending"],
    "properties": {"object": {"type": "string", "enum": ["balance"]},
                   "available": {"type": "array"}, "pending": {"type": "array"}},
}
TXN = doc.stripe_object("balance_transaction", ("id", "amount", "fee", "net", "currency", "type"))


# The latest second a protobuf Timestamp holds (9999-12-31T23:59:59Z).
_MAX_SECONDS = 253_402_300_799


def _as_of(p: dict[str, Any]) -> acc.GetBalanceAsOfRequest | None:
    """The point in the log of an as-of read: `as_of` (Unix seconds: the events created before it) or
    `as_of_position` (a global position, inclusive); None for the live balance."""
    seconds, position = integer(p, "as_of"), integer(p, "as_of_position")
    if seconds is not None and position is not None:
        raise StripeError(400, "invalid_request_error", "Give as_of or as_of_position, not both.",
                          code="parameter_invalid", param="as_of_position")
    if seconds is not None:
        if not 0 <= seconds <= _MAX_SECONDS:
            raise StripeError(400, "invalid_request_error",
                              f"Invalid as_of: {seconds} is not a Unix timestamp (seconds since 1970).",
                              code="parameter_invalid_integer", param="as_of")
        return acc.GetBalanceAsOfRequest(time=Timestamp(seconds=seconds))
    if position is not None:
        return acc.GetBalanceAsOfRequest(position=position)
    return None


@router.get("/v1/balance", response_model=None, responses=doc.responds(BALANCE),
            openapi_extra=doc.query(("as_of", doc.INTEGER), ("as_of_position", doc.INTEGER)))
async def retrieve_balance(request: Request) -> dict[str, Any]:
    as_of = _as_of(query_params(request))
    if as_of is not None:
        past = await call(request, backends(request).accounts.GetBalanceAsOf, as_of)
        return objects.balance(past.balance)
    response = await call(request, backends(request).query.GetBalance, q.GetBalanceRequest())
    return objects.balance(response.balance)


@router.get("/v1/balance_transactions/{txn_id}", response_model=None, responses=doc.responds(TXN),
            openapi_extra=doc.query())
async def retrieve_balance_transaction(request: Request, txn_id: str) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).query.GetBalanceTransaction,
                          q.GetBalanceTransactionRequest(balance_transaction_id=txn_id))
    return await expansion.expand(request, objects.balance_transaction(response.balance_transaction), p)


@router.get("/v1/balance_transactions", response_model=None, responses=doc.responds(doc.list_of(TXN)),
            openapi_extra=doc.list_query(("type", doc.STRING), ("source", doc.STRING)))
async def list_balance_transactions(request: Request) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).query.ListBalanceTransactions, q.ListBalanceTransactionsRequest(
        page=page_from(p), type=text(p, "type"), source=text(p, "source")))
    return await expansion.expand(request, objects.list_object(
        "/v1/balance_transactions", [objects.balance_transaction(t) for t in response.balance_transactions],
        response.has_more), p)
