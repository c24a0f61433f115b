"""/v1/balance and /v1/balance_transactions over QueryService."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.routes import expansion
from gateway.routes.common import backends, call, query_params, text
from gateway.routes.pages import page_from
from stripe_shapes import objects

router = APIRouter(tags=["balance"])

BALANCE: dict[str, Any] = {
    "type": "object", "required": ["object", "available", "pending"],
    "properties": {"object": {"type": "string", "enum": ["balance"]},
                   "available": {"type": "array"}, "pending": {"type": "array"}},
}
TXN = doc.stripe_object("balance_transaction", ("id", "amount", "fee", "net", "currency", "type"))


@router.get("/v1/balance", response_model=None, responses=doc.responds(BALANCE), openapi_extra=doc.query())
async def retrieve_balance(request: Request) -> dict[str, Any]:
    query_params(request)
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
