"""Stripe's `expand[]`: one mechanism for every route. A path names a field holding an object id
(`balance_transaction`), optionally through expanded objects (`latest_charge.balance_transaction`) and
lists (`data.customer` on a list, `refunds.data.balance_transaction` on a charge). The object behind an
id is found by the id's prefix (`ch_`, `txn_`, `re_`, ...) in LOADERS, so a new resource registers its
loader once and becomes expandable wherever its ids appear."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from ledgermesh.query.v1 import object_query_service_pb2 as oq
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway.errors import StripeError
from gateway.routes.common import backends, call, min_position
from stripe_shapes import customers, objects

# Stripe expands at most four levels deep.
MAX_DEPTH = 4

Loader = Callable[[Request, str], Awaitable[dict[str, Any]]]


async def charge_object(request: Request, charge: Any, *, with_refunds: bool = True) -> dict[str, Any]:
    """A charge with its refunds read (only when it has any: most charges need no second read). Lists
    read them only when asked (`expand[]=data.refunds...`): the charge's `refunds.has_more` then says
    there are refunds the list does not show, at `refunds.url`."""
    refunds = []
    if charge.amount_refunded and with_refunds:
        listed = await call(request, backends(request).query.ListRefunds,
                            q.ListRefundsRequest(page=q.Page(limit=100), charge_id=charge.id))
        refunds = list(listed.refunds)
    return objects.charge(charge, refunds)


async def _charge(request: Request, object_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).query.GetCharge, q.GetChargeRequest(charge_id=object_id, min_position=min_position(request)))
    return await charge_object(request, response.charge)


async def _refund(request: Request, object_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).query.GetRefund, q.GetRefundRequest(refund_id=object_id, min_position=min_position(request)))
    return objects.refund(response.refund)


async def _dispute(request: Request, object_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).query.GetDispute, q.GetDisputeRequest(dispute_id=object_id,
                                                                          min_position=min_position(request)))
    return objects.dispute(response.dispute)


async def _balance_transaction(request: Request, object_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).query.GetBalanceTransaction,
                          q.GetBalanceTransactionRequest(balance_transaction_id=object_id,
                                                         min_position=min_position(request)))
    return objects.balance_transaction(response.balance_transaction)


async def _payout(request: Request, object_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).query.GetPayout, q.GetPayoutRequest(payout_id=object_id, min_position=min_position(request)))
    return objects.payout(response.payout)


async def _account(request: Request, object_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).query.GetAccount, q.GetAccountRequest(account_id=object_id,
                                                                          min_position=min_position(request)))
    return objects.account(response.account)


def api_base(request: Request) -> str:
    """The gateway's address as the client called it: intents link their 3-D Secure page under it."""
    return str(request.base_url)


async def _customer(request: Request, object_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).objects.GetCustomer,
                          oq.GetCustomerRequest(customer_id=object_id, min_position=min_position(request)))
    return customers.customer(response.customer)


async def _read_payment_method(request: Request, payment_method_id: str) -> Any:
    response = await call(request, backends(request).objects.GetPaymentMethod, oq.GetPaymentMethodRequest(
        payment_method_id=payment_method_id, min_position=min_position(request)))
    return response.payment_method


async def _payment_method(request: Request, object_id: str) -> dict[str, Any]:
    return customers.payment_method(await _read_payment_method(request, object_id))


async def _card_source(request: Request, object_id: str) -> dict[str, Any]:
    # A customer's card source card_X is the payment method pm_X.
    return customers.card_source(await _read_payment_method(request, "pm_" + object_id.removeprefix("card_")))


async def _payment_intent(request: Request, object_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).objects.GetPaymentIntent, oq.GetPaymentIntentRequest(
        payment_intent_id=object_id, min_position=min_position(request)))
    return customers.payment_intent(response.payment_intent, api_base(request))


async def _setup_intent(request: Request, object_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).objects.GetSetupIntent, oq.GetSetupIntentRequest(
        setup_intent_id=object_id, min_position=min_position(request)))
    return customers.setup_intent(response.setup_intent, api_base(request))


# Id prefix -> how to read the object; a new resource adds its loader here.
LOADERS: dict[str, Loader] = {
    "ch": _charge, "re": _refund, "dp": _dispute, "txn": _balance_transaction, "po": _payout, "acct": _account,
    "cus": _customer, "pm": _payment_method, "card": _card_source, "pi": _payment_intent, "seti": _setup_intent,
}


def _cannot(path: str) -> StripeError:
    return StripeError(400, "invalid_request_error", f"This property cannot be expanded ({path}).",
                       code="parameter_invalid", param="expand")


def wants(params: dict[str, Any], prefix: str) -> bool:
    """Whether some expand[] path starts with `prefix`."""
    return any(path == prefix or path.startswith(prefix + ".") for path in paths(params))


def paths(params: dict[str, Any]) -> list[str]:
    raw = params.get("expand")
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        raw = [raw]
    elif isinstance(raw, dict):
        raw = [v for _, v in sorted(raw.items())]
    if not all(isinstance(p, str) for p in raw):
        raise StripeError(400, "invalid_request_error", "expand must be a list of strings", param="expand",
                          code="parameter_invalid")
    for path in raw:
        if not path or len(path.split(".")) > MAX_DEPTH:
            raise _cannot(path)
    return sorted(set(raw))


async def expand(request: Request, shaped: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """`shaped` with every path of `params["expand"]` replaced by the object it names."""
    cache: dict[str, dict[str, Any]] = {}
    for path in paths(params):
        await _walk(request, shaped, path.split("."), path, cache)
    return shaped


async def _walk(request: Request, node: Any, parts: list[str], path: str, cache: dict[str, dict[str, Any]]) -> None:
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if not isinstance(node, dict) or head not in node:
        raise _cannot(path)
    value = node[head]
    if isinstance(value, list):
        for item in value:
            await _walk(request, item, rest, path, cache)
        return
    if isinstance(value, str):
        load = LOADERS.get(value.partition("_")[0])
        if load is None:
            raise _cannot(path)
        if value not in cache:
            cache[value] = await load(request, value)
        # A copy: the same object expanded in two places may be expanded further in only one.
        value = node[head] = copy.deepcopy(cache[value])
    elif value is None:
        return  # nothing to expand, as Stripe leaves it
    await _walk(request, value, rest, path, cache)
