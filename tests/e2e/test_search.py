"""/v1/charges/search with Stripe's query language, through the official SDK and over plain HTTP:
metadata and amount queries, AND/OR and negation, pages joined by next_page, and a malformed query
refused with the position it broke at."""

from __future__ import annotations

import pytest
import stripe

from tests.conftest import eventually
from tests.e2e.stripe_sdk import sdk_client


async def _charges(system, merchant) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for amount, order, source in ((500, "a", "tok_visa"), (1500, "b", "tok_visa"), (2500, "a", "tok_mastercard"),
                                  (3500, "c", "tok_visa"), (4500, "a", "tok_visa")):
        r = await system.http.post("/v1/charges", headers=merchant.headers, data={
            "amount": str(amount), "currency": "usd", "source": source, "metadata[order]": order})
        assert r.status_code == 200, r.text
        ids.append(r.json()["id"])

    async def all_listed():  # type: ignore[no-untyped-def]
        r = await system.http.get("/v1/charges?limit=10", headers=merchant.headers)
        return len(r.json()["data"]) == 5

    await eventually(all_listed, message="the charges never reached the read model")
    return ids


async def test_the_sdk_searches_charges_by_metadata_and_amount(system) -> None:
    merchant = await system.merchant()
    small, _mid, big, bigger, biggest = await _charges(system, merchant)
    client = sdk_client(system.system.gateway_port, merchant.secret_key)

    found = await client.v1.charges.search_async({"query": "metadata['order']:'a' AND amount>1000"})
    assert [c.id for c in found.data] == [biggest, big] and found.has_more is False and found.next_page is None
    assert found.object == "search_result" and found.data[0].metadata.to_dict() == {"order": "a"}

    either = await client.v1.charges.search_async({"query": "amount<1000 OR metadata['order']:'c'"})
    assert [c.id for c in either.data] == [bigger, small]
    negated = await client.v1.charges.search_async(
        {"query": "-payment_method_details.card.brand:'visa' AND status:'succeeded'"})
    assert [c.id for c in negated.data] == [big]
    none = await client.v1.charges.search_async({"query": "metadata['order']:'zzz'"})
    assert none.data == [] and none.has_more is False

    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.charges.search_async({"query": "amount>1000 AND"})
    assert refused.value.param == "query" and "position 15" in str(refused.value.user_message)
    assert refused.value.code == "parameter_invalid"


async def test_search_pages_follow_next_page_until_the_end(system) -> None:
    merchant = await system.merchant()
    ids = await _charges(system, merchant)
    seen: list[str] = []
    url = "/v1/charges/search?query=currency:'usd'&limit=2"
    pages = 0
    while url:
        r = await system.http.get(url, headers=merchant.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [c["id"] for c in body["data"]]
        pages += 1
        url = f"/v1/charges/search?query=currency:'usd'&limit=2&page={body['next_page']}" if body["has_more"] else ""
    assert seen == list(reversed(ids)) and pages == 3

    expanded = await system.http.get("/v1/charges/search?query=amount:500&expand[]=data.balance_transaction",
                                     headers=merchant.headers)
    assert expanded.json()["data"][0]["balance_transaction"]["amount"] == 500
    bad_page = await system.http.get("/v1/charges/search?query=amount:500&page=nonsense", headers=merchant.headers)
    assert bad_page.status_code == 400 and bad_page.json()["error"]["param"] == "page"
