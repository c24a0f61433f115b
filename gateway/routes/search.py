"""Stripe's Search API (`GET /v1/<resource>/search?query=...`): one engine, resources registered in
SEARCHABLE with their searchable fields and how to read their objects newest first.

The query (gateway/search_query.py) is evaluated on the Stripe objects as the query service lists them:
a scan of the account's newest-first index, bounded per request (MAX_SCAN); a page ends early at the
bound and `next_page` resumes the scan where it stopped. `next_page` is an opaque token (the id of the
last object scanned), as Stripe's is."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.query.v1 import object_query_service_pb2 as oq
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.errors import StripeError
from gateway.routes import expansion
from gateway.routes.common import backends, call, integer, query_params, require, text
from gateway.search_query import Field, Kind, QueryError, parse
from stripe_shapes import customers, objects

router = APIRouter(tags=["search"])

# Objects read per search request, at most: a query matching nothing costs this much, not the account.
MAX_SCAN = 5_000
_BATCH = 100


@dataclass(frozen=True)
class Searchable:
    """A resource's search: its fields, one page of its objects newest first (protobuf messages and
    whether more follow), the plain Stripe shape a query is matched on, and the reply's shape."""

    list_url: str
    fields: Mapping[str, Field]
    page: Callable[[Request, q.Page], Awaitable[tuple[list[Any], bool]]]
    shape: Callable[[Any], dict[str, Any]]
    reply: Callable[[Request, Any, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _charges(request: Request, page: q.Page) -> tuple[list[Any], bool]:
    response = await call(request, backends(request).query.ListCharges, q.ListChargesRequest(page=page))
    return list(response.charges), response.has_more


async def _charge_reply(request: Request, charge: Any, params: dict[str, Any]) -> dict[str, Any]:
    return await expansion.charge_object(request, charge, with_refunds=expansion.wants(params, "data.refunds"))


CHARGE_FIELDS = {
    "amount": Field(Kind.NUMBER, "amount"),
    "created": Field(Kind.NUMBER, "created"),
    "currency": Field(Kind.STRING, "currency"),
    "customer": Field(Kind.STRING, "customer"),
    "disputed": Field(Kind.BOOLEAN, "disputed"),
    "metadata": Field(Kind.STRING, "metadata"),
    "payment_intent": Field(Kind.STRING, "payment_intent"),
    "payment_method_details.card.brand": Field(Kind.STRING, "payment_method_details.card.brand"),
    "payment_method_details.card.fingerprint": Field(Kind.STRING, "payment_method_details.card.fingerprint"),
    "payment_method_details.card.last4": Field(Kind.STRING, "payment_method_details.card.last4"),
    "refunded": Field(Kind.BOOLEAN, "refunded"),
    "status": Field(Kind.STRING, "status"),
}

async def _payment_intents(request: Request, page: q.Page) -> tuple[list[Any], bool]:
    response = await call(request, backends(request).objects.ListPaymentIntents,
                          oq.ListPaymentIntentsRequest(page=page))
    return list(response.payment_intents), response.has_more


def _payment_intent_shape(intent: Any) -> dict[str, Any]:
    # Matched on the fields a query can name, none of which depends on where the API is served.
    return customers.payment_intent(intent, "")


async def _payment_intent_reply(request: Request, intent: Any, params: dict[str, Any]) -> dict[str, Any]:
    return customers.payment_intent(intent, str(request.base_url))


async def _customers(request: Request, page: q.Page) -> tuple[list[Any], bool]:
    response = await call(request, backends(request).objects.ListCustomers, oq.ListCustomersRequest(page=page))
    return list(response.customers), response.has_more


async def _customer_reply(request: Request, customer: Any, params: dict[str, Any]) -> dict[str, Any]:
    return customers.customer(customer)


# Stripe's searchable fields of each resource.
PAYMENT_INTENT_FIELDS = {
    "amount": Field(Kind.NUMBER, "amount"),
    "created": Field(Kind.NUMBER, "created"),
    "currency": Field(Kind.STRING, "currency"),
    "customer": Field(Kind.STRING, "customer"),
    "metadata": Field(Kind.STRING, "metadata"),
    "status": Field(Kind.STRING, "status"),
}
CUSTOMER_FIELDS = {
    "created": Field(Kind.NUMBER, "created"),
    "email": Field(Kind.STRING, "email"),
    "metadata": Field(Kind.STRING, "metadata"),
    "name": Field(Kind.STRING, "name"),
    "phone": Field(Kind.STRING, "phone"),
}

SEARCHABLE: dict[str, Searchable] = {
    "/v1/charges/search": Searchable("/v1/charges", CHARGE_FIELDS, _charges, objects.charge, _charge_reply),
    "/v1/payment_intents/search": Searchable("/v1/payment_intents", PAYMENT_INTENT_FIELDS, _payment_intents,
                                             _payment_intent_shape, _payment_intent_reply),
    "/v1/customers/search": Searchable("/v1/customers", CUSTOMER_FIELDS, _customers, customers.customer,
                                       _customer_reply),
}

_QUERY_PARAMS = (("query", doc.STRING), ("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                 ("page", doc.STRING))


def _token(object_id: str) -> str:
    return base64.urlsafe_b64encode(f"v1:{object_id}".encode()).decode().rstrip("=")


def _cursor(token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith("v1:") or len(raw) < 4:
        raise StripeError(400, "invalid_request_error", "Invalid page: use the next_page of a previous search.",
                          code="parameter_invalid", param="page")
    return raw[3:]


async def search(request: Request, resource: Searchable, url: str) -> dict[str, Any]:
    p = query_params(request)
    try:
        query = parse(text(p, "query") or str(require(p, "query")), resource.fields)
    except QueryError as exc:
        raise StripeError(400, "invalid_request_error", str(exc), code="parameter_invalid", param="query") from exc
    limit = integer(p, "limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise StripeError(400, "invalid_request_error", "limit must be between 1 and 100", param="limit",
                          code="parameter_invalid")
    cursor = _cursor(text(p, "page")) if p.get("page") else ""
    found: list[Any] = []
    scanned, more, stopped_at = 0, True, cursor
    while more and len(found) <= limit and scanned < MAX_SCAN:
        batch, more = await resource.page(request, q.Page(limit=_BATCH, starting_after=stopped_at))
        for item in batch:
            scanned += 1
            if query.matches(resource.shape(item), resource.fields):
                found.append(item)
                if len(found) > limit:
                    break
            stopped_at = item.id
        if not batch:
            more = False
    has_more = len(found) > limit or (more and scanned >= MAX_SCAN)
    shown = found[:limit]
    next_page = None
    if has_more:
        next_page = _token(shown[-1].id if len(found) > limit else stopped_at)
    data = [await resource.reply(request, item, p) for item in shown]
    result = {"object": "search_result", "data": data, "has_more": has_more, "next_page": next_page, "url": url}
    return await expansion.expand(request, result, p)


def _route(url: str, resource: Searchable) -> Callable[[Request], Awaitable[dict[str, Any]]]:
    async def handler(request: Request) -> dict[str, Any]:
        return await search(request, resource, url)
    return handler


for _url, _resource in SEARCHABLE.items():
    router.add_api_route(_url, _route(_url, _resource), methods=["GET"], response_model=None,
                         name=f"search {_resource.list_url}",
                         responses=doc.responds(doc.search_result_of(doc.stripe_object(
                             _resource.list_url.rsplit("/", 1)[-1].removesuffix("s")))),
                         openapi_extra=doc.query(*_QUERY_PARAMS))
