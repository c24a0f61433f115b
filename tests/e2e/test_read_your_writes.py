"""Reads that never miss a write: with the projector held back, a GET right after the POST that created
the charge (and a POST with expand[]=balance_transaction) waits for the projector instead of answering
404, and an unknown id still answers 404 after the bounded wait. Real servers; REST through the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest_asyncio
from ledgermesh.query.v1 import query_service_pb2 as q

from composition.system import Parts, start_system
from projector.adapters.jetstream_consumer import ConsumerOptions
from support.settings import Settings
from tests.conftest import eventually
from tests.e2e.conftest import Merchant
from tests.integration.projections_support import Stack

# How long the projector is held back while the reads are in flight: a read that answered 404 because
# of lag would be done well within it.
HELD_BACK_S = 0.5


@pytest_asyncio.fixture
async def held(settings: Settings, cleanup: None) -> AsyncIterator[tuple[Stack, str]]:
    running = await start_system(settings, Parts(command=True, relay=True, query=True, gateway=True))
    options = ConsumerOptions(stream=settings.stream_name, subject_prefix=settings.subject_prefix,
                              durable_prefix=settings.stream_name.lower(), max_deliver=3, backoff=(0.05,),
                              ack_wait=2.0)
    command = grpc.aio.insecure_channel(f"127.0.0.1:{running.command_port}")
    query = grpc.aio.insecure_channel(f"127.0.0.1:{running.query_port}")
    stack = Stack(running.infra, command, query, options)
    try:
        yield stack, f"http://127.0.0.1:{running.gateway_port}"
    finally:
        await stack.kill_projector()
        await command.close()
        await query.close()
        await running.stop()


async def _merchant_the_query_side_knows(stack: Stack) -> Merchant:
    """A new merchant, once its API key is projected (the query service authenticates with it)."""
    stack.start_projector()
    merchant = await stack.merchant()

    async def known() -> bool:
        try:
            await stack.queries.GetBalance(q.GetBalanceRequest(), metadata=merchant.metadata)
            return True
        except grpc.aio.AioRpcError:
            return False

    await eventually(known, message="the merchant's API key was never projected")
    return merchant


async def test_a_get_right_after_the_post_waits_for_the_held_back_projector_instead_of_404(
        held: tuple[Stack, str]) -> None:
    stack, base_url = held
    merchant = await _merchant_the_query_side_knows(stack)
    await stack.stop_projector()
    charge_form = {"amount": "2500", "currency": "usd", "source": "tok_visa"}
    async with httpx.AsyncClient(base_url=base_url, headers=merchant.headers, timeout=30) as http:
        created = await http.post("/v1/charges", data=charge_form)
        assert created.status_code == 200, created.text
        charge_id = created.json()["id"]

        get = asyncio.create_task(http.get(f"/v1/charges/{charge_id}"))
        expanded = asyncio.create_task(http.post("/v1/charges", data={**charge_form, "expand[]": "balance_transaction"}))
        done, _ = await asyncio.wait({get, expanded}, timeout=HELD_BACK_S)
        # Neither answered while nothing was projected: no 404 for the caller's own writes.
        assert not done, [t.result().text for t in done]
        stack.start_projector()

        got, posted = await get, await expanded
        assert got.status_code == 200, got.text
        assert (got.json()["id"], got.json()["amount"], got.json()["status"]) == (charge_id, 2500, "succeeded")
        assert posted.status_code == 200, posted.text
        transaction = posted.json()["balance_transaction"]
        assert isinstance(transaction, dict) and transaction["object"] == "balance_transaction", transaction
        assert transaction["amount"] == 2500 and transaction["source"] == posted.json()["id"]


async def test_an_unknown_id_still_answers_404_after_the_bounded_wait(held: tuple[Stack, str]) -> None:
    stack, base_url = held
    merchant = await _merchant_the_query_side_knows(stack)
    async with httpx.AsyncClient(base_url=base_url, headers=merchant.headers, timeout=30) as http:
        created = await http.post("/v1/charges", data={"amount": "900", "currency": "usd", "source": "tok_visa"})
        assert created.status_code == 200, created.text

        # Projector caught up: an id that does not exist is missing at once.
        async def projected() -> bool:
            return (await http.get(f"/v1/charges/{created.json()['id']}")).status_code == 200

        await eventually(projected, message="the charge was never projected")
        missing = await http.get("/v1/charges/ch_doesnotexist")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "resource_missing"

        # Projector held back behind a newer write: still 404, once the bounded wait is over.
        await stack.stop_projector()
        later = await http.post("/v1/charges", data={"amount": "901", "currency": "usd", "source": "tok_visa"})
        assert later.status_code == 200, later.text
        missing = await http.get("/v1/charges/ch_doesnotexist")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "resource_missing"


async def test_a_customer_and_a_payment_intent_read_right_after_their_posts_wait_instead_of_404(
        held: tuple[Stack, str]) -> None:
    stack, base_url = held
    merchant = await _merchant_the_query_side_knows(stack)
    await stack.stop_projector()
    async with httpx.AsyncClient(base_url=base_url, headers=merchant.headers, timeout=30) as http:
        customer = await http.post("/v1/customers", data={"email": "jenny@example.com"})
        assert customer.status_code == 200, customer.text
        intent = await http.post("/v1/payment_intents", data={"amount": "1500", "currency": "usd"})
        assert intent.status_code == 200, intent.text

        reads = [asyncio.create_task(http.get(f"/v1/customers/{customer.json()['id']}")),
                 asyncio.create_task(http.get(f"/v1/payment_intents/{intent.json()['id']}"))]
        done, _ = await asyncio.wait(reads, timeout=HELD_BACK_S)
        # Nothing projected yet: neither answered 404 for the caller's own writes.
        assert not done, [t.result().text for t in done]
        stack.start_projector()

        got_customer, got_intent = [await read for read in reads]
        assert got_customer.status_code == 200, got_customer.text
        assert (got_customer.json()["id"], got_customer.json()["email"]) == (customer.json()["id"], "jenny@example.com")
        assert got_intent.status_code == 200, got_intent.text
        assert (got_intent.json()["id"], got_intent.json()["amount"]) == (intent.json()["id"], 1500)
