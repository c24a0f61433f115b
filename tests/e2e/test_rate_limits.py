"""Rate limits per account, after authentication (Stripe: 100 read + 100 write per second, fewer in
test mode): a busy account gets 429 with Retry-After over REST and RESOURCE_EXHAUSTED over gRPC, and
another account is not limited by it. Unauthenticated attempts are limited per client address."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import query_service_pb2 as q

from support.errors import error_info
from support.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Bursts of 5 reads and 3 writes, refilled slowly enough that a busy machine cannot refill one mid-test.
    return settings.with_(account_reads_per_second=0.05, account_writes_per_second=0.03, account_burst_seconds=100.0,
                          grpc_failed_auth_per_second=0.1, grpc_failed_auth_burst=20)


async def test_an_account_over_its_read_rate_gets_429_with_retry_after_and_other_accounts_do_not(system) -> None:
    busy, calm = await system.merchant(), await system.merchant()

    statuses = [(await system.http.get("/v1/charges", headers=busy.headers)).status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
    limited = await system.http.get("/v1/charges", headers=busy.headers)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"]["type"] == "invalid_request_error"
    assert limited.json()["error"]["code"] == "rate_limit"
    assert (await system.http.get("/v1/charges", headers=calm.headers)).status_code == 200
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await system.queries.ListCharges(q.ListChargesRequest(), metadata=busy.metadata)
    assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert int(error_info(caught.value).metadata["retry_after"]) >= 1  # type: ignore[union-attr]


async def test_writes_have_their_own_limit_and_a_refused_write_appends_nothing(system) -> None:
    merchant = await system.merchant()
    outcomes = []
    for _ in range(4):
        try:
            await system.payments.CreateCharge(pay.CreateChargeRequest(amount=500, currency="usd", source="tok_visa"),
                                               metadata=merchant.metadata)
            outcomes.append("ok")
        except grpc.aio.AioRpcError as exc:
            outcomes.append(exc.code().name)
    assert outcomes == ["ok"] * 3 + ["RESOURCE_EXHAUSTED"]
    # Reads are counted apart from writes.
    assert (await system.http.get("/v1/charges", headers=merchant.headers)).status_code == 200
    async with system.system.infra.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM events WHERE event_type = 'ChargeRequested'")
        assert (await cur.fetchone())[0] == 3  # type: ignore[index]


async def test_direct_grpc_callers_with_random_keys_are_limited_per_address_and_known_keys_still_pass(system) -> None:
    merchant = await system.merchant()
    await system.queries.ListCharges(q.ListChargesRequest(), metadata=merchant.metadata)  # known to this process
    codes = []
    for n in range(25):
        try:
            await system.queries.ListCharges(q.ListChargesRequest(),
                                             metadata=[("authorization", f"Bearer sk_test_random{n}")])
        except grpc.aio.AioRpcError as exc:
            codes.append(exc.code())
    assert codes[:20] == [grpc.StatusCode.UNAUTHENTICATED] * 20
    assert codes[20:] == [grpc.StatusCode.RESOURCE_EXHAUSTED] * 5
    # A key the service already holds is not locked out by others' guesses from the same address.
    await system.queries.ListCharges(q.ListChargesRequest(), metadata=merchant.metadata)


def _stripes_rate_limit(response) -> bool:  # type: ignore[no-untyped-def]
    error = response.json()["error"]
    return (response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
            and error["type"] == "invalid_request_error" and error["code"] == "rate_limit")


async def test_a_flood_past_an_accounts_limits_gets_stripes_429_while_a_calm_merchant_is_never_refused(system) -> None:
    flooder, calm = await system.merchant(), await system.merchant()

    async def calm_reads() -> list[int]:
        return [(await system.http.get("/v1/charges", headers=calm.headers)).status_code for _ in range(5)]

    flood, calm_statuses = await asyncio.gather(
        asyncio.gather(*(system.http.get("/v1/charges", headers=flooder.headers) for _ in range(40))), calm_reads())

    assert calm_statuses == [200] * 5
    served = [r for r in flood if r.status_code == 200]
    assert 1 <= len(served) <= 6  # the burst of 5 (and at most one token refilled meanwhile)
    assert all(_stripes_rate_limit(r) for r in flood if r.status_code != 200)


async def test_writes_refused_over_rest_persist_nothing(system) -> None:
    merchant = await system.merchant()
    form = {"amount": "500", "currency": "usd", "source": "tok_visa"}

    replies = await asyncio.gather(*(system.http.post("/v1/charges", headers=merchant.headers, data=form)
                                     for _ in range(8)))

    assert sorted(r.status_code for r in replies) == [200] * 3 + [429] * 5
    assert all(_stripes_rate_limit(r) for r in replies if r.status_code == 429)
    async with system.system.infra.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM events WHERE event_type = 'ChargeRequested'")
        assert (await cur.fetchone())[0] == 3  # type: ignore[index]
