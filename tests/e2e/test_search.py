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


async def test_the_sdk_searches_payment_intents_and_customers(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    intents = []
    for amount, order in ((800, "x"), (1800, "y"), (2800, "x")):
        intent = await client.v1.payment_intents.create_async({
            "amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
            "metadata": {"order": order}})
        intents.append(intent.id)
    ada = await client.v1.customers.create_async({"email": "ada@example.com", "name": "Ada"})
    await client.v1.customers.create_async({"email": "bob@example.com", "name": "Bob"})

    async def found(resource, query: str, count: int):  # type: ignore[no-untyped-def]
        result = await resource.search_async({"query": query})
        return result if len(result.data) == count else None

    big_x = await eventually(lambda: found(client.v1.payment_intents, "metadata['order']:'x' AND amount>1000", 1),
                             message="the PaymentIntent search never found the intent")
    assert [pi.id for pi in big_x.data] == [intents[2]] and big_x.data[0].object == "payment_intent"
    succeeded = await found(client.v1.payment_intents, "status:'succeeded' AND currency:'usd'", 3)
    assert succeeded is not None and [pi.id for pi in succeeded.data] == intents[::-1]
    by_email = await eventually(lambda: found(client.v1.customers, "email:'ada@example.com'", 1),
                                message="the customer search never found the customer")
    assert [c.id for c in by_email.data] == [ada.id] and by_email.data[0].name == "Ada"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.customers.search_async({"query": "colour:'red'"})
    assert refused.value.param == "query"
